//! Builds and runs the C99, C++17 and embedded examples of `ffi-examples/` with
//! `-Wall -Wextra -Werror -pedantic`, against the static libraries of this checkout.
//!
//! - C99 `double_well`: MALA through the C API; its histogram must follow the Boltzmann
//!   law, and the threaded host call must give the same bits.
//! - C++17 `particles`: velocity-Verlet dynamics on an MLP fitted here to Müller–Brown
//!   (the same fit as `gradflow fit`); learned forces must match the analytic ones and
//!   energy must be conserved.
//! - C++17 `ebm_langevin`: an EBM trained here by maximum likelihood, its forces driving
//!   the program's own Langevin loop (checked against finite differences of its energies)
//!   and the C API samplers run on it; their samples must be the host sampler's for the
//!   same seed.
//! - C99 `lvebm_posterior`: a joint energy E(x, z) trained here is written as a model file;
//!   the program samples z | x with `gf_sample_conditional_f64`, which must give the
//!   samples of the batched host path that `gradflow sample --model --given` runs.
//! - embedded `embedded`: the no_std library, static buffers, the model as a C array, a
//!   malloc that aborts; its samples must equal the Rust core's bit for bit. Built twice:
//!   the firmware build (MALA on a model energy only) must fit 2 KiB of RAM and 16 KiB of
//!   `.text`; the full build has every sampler. Both footprints are printed.
//!
//! The C library is the `libgradflow_capi.a` that cargo built in this test's `deps/`
//! directory (it builds every crate type of gradflow-capi because this crate depends on
//! it); the no_std library is built here with an inner cargo into
//! `target/ffi-embedded/<variant>`.

use std::path::{Path, PathBuf};
use std::process::Command;

use gradflow::data::{Dataset2d, Samples};
use gradflow::ebm::{EbmSettings, EbmTrainer, EnergyModel, MlpEnergy};
use gradflow::engine::Network;
use gradflow::fit::{FitSettings, fit};
use gradflow::flows::manifest::Sampling;
use gradflow::flows::{Compute, FlowSettings, Method, eval_source, trainer};
use gradflow::lvebm::{LvebmSettings, LvebmTrainer};
use gradflow::sampling::{
    EnergySource, Schedule, normal_init, sample as host_sample, sample_conditional,
};
use gradflow::train::{RunOptions, run as train};
use gradflow_capi::{
    GF_SAMPLER_MALA, GfModel, GfPotential, GfRng, GfSamplerParams, GfStatus, energy_force,
    gf_model_open, gf_potential_model, gf_rng_init_streams, gf_sampler_params_default, sample,
    scratch_len,
};
use gradflow_core::model::ModelKind;
use gradflow_core::{Activation, SamplerKind, SamplerSettings};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `target/<profile>`, where cargo put this test's dependencies (and the host's `.a`).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(Path::parent).unwrap().to_path_buf()
}

fn out_dir(name: &str) -> PathBuf {
    let dir = repo().join("target/ffi-examples").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    println!("--- {what} ---\n{stdout}");
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn make(out: &Path, target: &str, extra: &[String]) {
    let mut cmd = Command::new("make");
    cmd.arg("-B")
        .arg("-C")
        .arg(repo().join("ffi-examples"))
        .arg(format!("ROOT={}", repo().display()))
        .arg(format!("OUT={}", out.display()))
        .args(extra)
        .arg(target);
    run(&mut cmd, &format!("make {target}"));
}

/// Writes raw native-endian doubles, the examples' input format.
fn write_f64s(path: &Path, values: &[f64]) {
    let bytes: Vec<u8> = values.iter().flat_map(|x| x.to_ne_bytes()).collect();
    std::fs::write(path, bytes).unwrap();
}

/// Reads the raw native-endian doubles an example wrote.
fn read_f64s(path: &Path) -> Vec<f64> {
    std::fs::read(path)
        .unwrap()
        .chunks_exact(8)
        .map(|b| f64::from_ne_bytes(b.try_into().unwrap()))
        .collect()
}

/// The newest `libgradflow_capi.a` (or `libgradflow_capi-<hash>.a`) in `deps/`: the one
/// this `cargo test` built (or found up to date).
fn host_lib() -> String {
    let deps = profile_dir().join("deps");
    let newest = std::fs::read_dir(&deps)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name == "libgradflow_capi.a"
                || (name.starts_with("libgradflow_capi-") && name.ends_with(".a"))
        })
        .max_by_key(|e| e.metadata().and_then(|m| m.modified()).ok());
    let lib = newest.unwrap_or_else(|| {
        panic!(
            "no libgradflow_capi.a in {}: cargo should have built it as a dependency of \
             this crate",
            deps.display()
        )
    });
    format!("HOST_LIB={}", lib.path().display())
}

#[test]
fn c99_double_well_follows_the_boltzmann_law() {
    let out = out_dir("c99");
    make(
        &out,
        &format!("{}/double_well", out.display()),
        &[host_lib()],
    );
    let stdout = run(&mut Command::new(out.join("double_well")), "double_well");
    assert!(stdout.contains("PASS"));
}

#[test]
fn cpp17_particles_run_on_a_learned_potential() {
    let out = out_dir("cpp17");
    let (model, report) = fit(&FitSettings::default()).expect("fit");
    println!("fit: {report:?}");
    let path = out.join("potential.gfm");
    model.write(&path).unwrap();
    make(&out, &format!("{}/particles", out.display()), &[host_lib()]);
    let stdout = run(
        Command::new(out.join("particles")).arg(&path).arg("0.05"),
        "particles",
    );
    assert!(stdout.contains("PASS"));
}

/// A short NSGF++ training run (small networks, defaults otherwise: T = 5 Sinkhorn-flow
/// steps, η = 0.2, ω = 0.1), its files written by `Flow::write`; the C99 program samples
/// 512 source points with `gf_integrate_f64` / `gf_time_predict_f64` and must give the
/// host sampler's points (to 1e-12, both in double precision) and its mean NFE.
#[test]
fn c99_nsgfpp_samples_a_trained_flow_like_the_host() {
    let out = out_dir("c99-nsgfpp");
    let settings = FlowSettings {
        steps: 300,
        widths: vec![32, 32],
        batch: 128,
        ..FlowSettings::defaults(Method::NsgfPp)
    };
    let mut t = trainer(&settings, 2).expect("NSGF++ trainer");
    train(t.as_mut(), &RunOptions::new(settings.steps)).expect("NSGF++ training");
    let mut flow = t.flow().expect("trained flow");
    let manifest = flow.write(&out.join("pp")).expect("write the flow");
    let Sampling::NsgfPp {
        nsgf_steps,
        eta,
        omega,
    } = flow.manifest().sampling
    else {
        panic!("an NSGF++ flow samples by the nsgfpp scheme");
    };
    let x0 = eval_source(&settings.problem, 7, 0);
    let x0 = &x0[..512 * 2];
    let host = flow
        .sample(Compute::new(1).backend(), x0, None, false)
        .expect("host sampling");
    let input = out.join("x0.f64");
    write_f64s(&input, x0);
    make(&out, &format!("{}/nsgfpp", out.display()), &[host_lib()]);
    let output = out.join("samples.f64");
    let dir = manifest.parent().unwrap();
    let stdout = run(
        Command::new(out.join("nsgfpp"))
            .args(["velocity", "time", "straight"].map(|r| dir.join(format!("pp.{r}.gfm"))))
            .args([
                nsgf_steps.to_string(),
                format!("{eta:?}"),
                format!("{omega:?}"),
                "512".into(),
            ])
            .arg(&input)
            .arg(&output),
        "nsgfpp",
    );
    let c = read_f64s(&output);
    assert_eq!(c.len(), host.x.len());
    let worst = c
        .iter()
        .zip(&host.x)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    println!(
        "C vs host: max |difference| {worst:.2e} over 512 samples, NFE {}",
        host.nfe
    );
    assert!(worst < 1e-12, "C and host samples differ by {worst}");
    let c_nfe: f64 = stdout
        .split("mean NFE ")
        .nth(1)
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| panic!("no NFE in: {stdout}"));
    assert!(
        (c_nfe - host.nfe).abs() <= 5e-4,
        "NFE: C {c_nfe}, host {}",
        host.nfe
    );
}

/// An EBM trained here (2→32→32→1 SiLU energy on 8gaussians, 300 updates of the default
/// settings: jko2 with M = 4 at τ = 0.01) is written as a model file. The C++ program
/// moves 256 particles from a 16×16 grid over [−6, 6]² with its own Langevin loop on the
/// model's forces (its checks: forces = −∇E by finite differences, mean energy falls),
/// then runs the C API sampler from the same grid; its final states must be the host
/// sampler's (`sampling::sample`, same seed) to 1e-12, both in double precision on the same
/// f32 weights, for ula, mala, jko and jko2 (M = 4, τ = 0.01, 200 steps).
#[test]
fn cpp17_ebm_langevin_samples_a_trained_ebm_like_the_host() {
    let out = out_dir("cpp17-ebm");
    let settings = EbmSettings {
        updates: 300,
        ..EbmSettings::default()
    };
    let data = Dataset2d::EightGaussians.sample(2000, 1);
    let net = Network::<f64>::energy(2, &[32, 32], Activation::Silu, 3).expect("network");
    let mut t =
        EbmTrainer::<f32, _>::new(&settings, MlpEnergy::<f32>::new(net, 2), &data).expect("EBM");
    train(&mut t, &RunOptions::new(settings.updates)).expect("EBM training");
    let bytes = t.model().model_bytes().expect("model bytes");
    let model = out.join("ebm.gfm");
    bytes.write(&model).unwrap();
    let source = EnergySource::model(bytes).expect("an energy model");

    let (n, side, steps, seed) = (256, 16, 200, 11);
    let grid = |i: usize| -6.0 + 12.0 * i as f64 / (side - 1) as f64;
    let init = Samples {
        n,
        d: 2,
        data: (0..n)
            .flat_map(|k| [grid(k % side), grid(k / side)])
            .collect(),
    };
    let input = out.join("init.f64");
    write_f64s(&input, &init.data);
    make(
        &out,
        &format!("{}/ebm_langevin", out.display()),
        &[host_lib()],
    );

    let (tau, inner) = (settings.particles.step, settings.particles.inner_iters);
    let schemes = [
        ("ula", SamplerKind::Ula),
        ("mala", SamplerKind::Mala),
        ("jko", SamplerKind::Jko),
        ("jko2", SamplerKind::Jko2),
    ];
    for (name, sampler) in schemes {
        let output = out.join(format!("{name}.f64"));
        let stdout = run(
            Command::new(out.join("ebm_langevin"))
                .arg(&model)
                .arg(name)
                .arg(format!("{tau:?}"))
                .args([inner.into(), seed, n as u64, steps].map(|v: u64| v.to_string()))
                .arg(&input)
                .arg(&output),
            &format!("ebm_langevin {name}"),
        );
        assert!(stdout.contains("PASS"), "{name}: the C++ checks failed");
        let spec = SamplerSettings {
            step: tau,
            inner_iters: inner,
            ..SamplerSettings::of(sampler)
        };
        let schedule = Schedule {
            steps,
            ..Schedule::default()
        };
        let host = host_sample(&source, &spec, &init, &schedule, seed, 2).expect("host sampling");
        let c = read_f64s(&output);
        assert_eq!(c.len(), host.samples.data.len(), "{name}: sample count");
        assert_c_equals_host(name, &c, &host.samples.data, &init.data);
    }
}

/// A latent-variable EBM E(x, z) over (x, z) ∈ ℝ² × ℝ² (4 → 32 → 32 → 1 SiLU on the rows,
/// the observed coordinates first), trained by coupled particle dynamics (`LvebmTrainer`,
/// the trainer of `gradflow train lvebm`, 300 updates of the default settings) on x from
/// 8gaussians with z unobserved, written as a latent-energy model file recording x_dim = 2,
/// z_dim = 2 (the C program given DX = 1 is refused). The C99 program samples z | x
/// for 128 observed rows with `gf_sample_conditional_f64`; its latents must be those of
/// `sampling::sample_conditional` (the batched host path that `gradflow sample --model
/// --given` runs; host/cli/tests/cli_sample_given.rs holds the CLI to it and to the C call) to
/// 1e-12, both in double precision on the same f32 weights, from the CLI's default start
/// (N(0, I) from the streams (seed, 2⁶³ + i)), for ula, mala, jko and jko2 (τ = 0.01, 200
/// steps, M = 4).
#[test]
fn c99_lvebm_posterior_samples_latents_like_the_host() {
    let out = out_dir("c99-lvebm");
    let settings = LvebmSettings {
        updates: 300,
        ..LvebmSettings::default()
    };
    let data = Dataset2d::EightGaussians.sample(2000, 1);
    let net = Network::<f64>::latent_energy(2, 2, &[32, 32], Activation::Silu, 3).expect("network");
    let mut t = LvebmTrainer::<f32, _>::new(&settings, MlpEnergy::<f32>::new(net, 2), &data, 2)
        .expect("latent EBM");
    train(&mut t, &RunOptions::new(settings.updates)).expect("latent EBM training");
    let bytes = t.model().model_bytes().expect("model bytes");
    let a = *bytes.view().architecture();
    assert_eq!(
        (a.kind, a.x_dim(), a.z_dim()),
        (ModelKind::LatentEnergy, 2, 2)
    );
    let model = out.join("joint.gfm");
    bytes.write(&model).unwrap();

    let (n, dx, dz, steps, seed, tau, inner) = (128, 2, 2, 200, 7, 0.01, 4);
    let given = Samples {
        n,
        d: dx,
        data: Dataset2d::EightGaussians.sample(n, 9),
    };
    let init = normal_init(n, dz, 1.0, seed);
    let (x_file, z_file) = (out.join("x.f64"), out.join("z0.f64"));
    write_f64s(&x_file, &given.data);
    write_f64s(&z_file, &init.data);
    make(
        &out,
        &format!("{}/lvebm_posterior", out.display()),
        &[host_lib()],
    );
    // A split other than the recorded one is refused by the C call.
    let wrong = Command::new(out.join("lvebm_posterior"))
        .arg(&model)
        .args(["1", "ula", "0.01", "4", "7", "128", "1"])
        .args([&x_file, &z_file, &out.join("wrong.f64")])
        .output()
        .expect("run lvebm_posterior");
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(
        !wrong.status.success() && stderr.contains("GF_STATUS_INVALID_PARAMETER"),
        "DX = 1 on a model recording x_dim = 2: {stderr}"
    );
    for (name, scheme) in [
        ("ula", SamplerKind::Ula),
        ("mala", SamplerKind::Mala),
        ("jko", SamplerKind::Jko),
        ("jko2", SamplerKind::Jko2),
    ] {
        let output = out.join(format!("{name}.f64"));
        run(
            Command::new(out.join("lvebm_posterior"))
                .arg(&model)
                .arg(dx.to_string())
                .arg(name)
                .arg(format!("{tau:?}"))
                .args([inner.into(), seed, n as u64, steps as u64].map(|v: u64| v.to_string()))
                .args([&x_file, &z_file, &output]),
            &format!("lvebm_posterior {name}"),
        );
        let step = SamplerSettings {
            step: tau,
            inner_iters: inner,
            ..SamplerSettings::of(scheme)
        };
        let host = sample_conditional(&bytes, &given, 1, &step, &init, steps, seed, 2)
            .expect("host conditional sampling");
        let c = read_f64s(&output);
        assert_eq!(c.len(), n * dz, "{name}: sample count");
        assert_c_equals_host(name, &c, &host.samples.data, &init.data);
    }
}

/// Sum of the sizes of the input sections from the gradflow library in output section
/// `section` of a GNU ld map file (after `--gc-sections`).
fn library_section_bytes(map: &str, section: &str) -> usize {
    let body = map
        .split_once("Linker script and memory map")
        .map_or(map, |(_, b)| b);
    let (mut total, mut current, mut pending) = (0, String::new(), false);
    for line in body.lines() {
        if !line.starts_with(' ') && line.starts_with('.') {
            current = line.split_whitespace().next().unwrap_or("").to_string();
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let entry = if line.starts_with(' ') && fields.len() == 1 && fields[0].starts_with('.') {
            pending = true;
            continue;
        } else if line.starts_with(' ') && fields.len() >= 4 && fields[0].starts_with('.') {
            Some((fields[2], fields[3..].join(" ")))
        } else if pending && fields.len() >= 3 && fields[0].starts_with("0x") {
            Some((fields[1], fields[2..].join(" ")))
        } else {
            None
        };
        pending = false;
        if let Some((size, file)) = entry
            && current == section
            && file.contains("libgradflow_embedded.a")
        {
            total += usize::from_str_radix(size.trim_start_matches("0x"), 16).unwrap_or(0);
        }
    }
    total
}

fn field(stdout: &str, key: &str) -> usize {
    stdout
        .split_whitespace()
        .find_map(|w| w.strip_prefix(&format!("{key}=")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{key}= missing from the output"))
}

/// Stack high-water mark, static state and the library's sections in one embedded build.
struct Footprint {
    stack: usize,
    statics: usize,
    text: usize,
    rodata: usize,
}

impl Footprint {
    fn ram(&self) -> usize {
        self.stack + self.statics
    }
}

/// Builds the no_std library with `features` (none: the crate's default, MALA on a model
/// energy), links the embedded example against it with a fitted 2→16→16→1 energy compiled
/// in, runs it, checks its bits against the Rust core, and returns its output and
/// footprint.
fn embedded_example(variant: &str, features: &[&str]) -> (String, Footprint) {
    let repo = repo();
    let out = out_dir(&format!("embedded-{variant}"));
    let target_dir = repo.join("target/ffi-embedded").join(variant);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .args(["build", "--release", "--manifest-path"])
        .arg(repo.join("ffi-examples/embedded/rust/Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir);
    if !features.is_empty() {
        build.arg("--features").arg(features.join(","));
    }
    run(&mut build, "cargo build (no_std library)");
    // A 2→16→16→1 energy, compiled in as a C array.
    let settings = FitSettings {
        width: 16,
        iters: 2000,
        ..FitSettings::default()
    };
    let (model, _) = fit(&settings).expect("fit");
    std::fs::write(out.join("model_data.h"), model.to_c_array("gradflow_model")).unwrap();
    make(
        &out,
        "embedded",
        &[format!(
            "EMBEDDED_LIB={}",
            target_dir.join("release/libgradflow_embedded.a").display()
        )],
    );
    let stdout = run(&mut Command::new(out.join("embedded")), "embedded");
    assert!(stdout.contains("PASS"));
    assert_same_bits_as_the_core(&stdout, model.as_bytes());

    let map = std::fs::read_to_string(out.join("embedded.map")).unwrap();
    let footprint = Footprint {
        stack: field(&stdout, "stack_bytes"),
        statics: field(&stdout, "static_bytes"),
        text: library_section_bytes(&map, ".text"),
        rodata: library_section_bytes(&map, ".rodata"),
    };
    println!(
        "footprint, {variant} build (2→16→16→1 energy, 8 particles, MALA + forces): stack \
         high-water {} B, static state {} B, RAM {} B; library .text {} B, .rodata {} B",
        footprint.stack,
        footprint.statics,
        footprint.ram(),
        footprint.text,
        footprint.rodata
    );
    assert!(
        footprint.text > 1000,
        "map parsing found no library code ({} B)",
        footprint.text
    );
    (stdout, footprint)
}

/// The embedded run's final states and energies must be the Rust core's bits.
fn assert_same_bits_as_the_core(stdout: &str, bytes: &[u8]) {
    let mut m = std::mem::MaybeUninit::<GfModel>::uninit();
    let mut pot = std::mem::MaybeUninit::<GfPotential>::uninit();
    let mut params = std::mem::MaybeUninit::<GfSamplerParams>::uninit();
    let mut rngs = [GfRng::default(); 8];
    // SAFETY: valid pointers to writable locals and the model bytes, which outlive them.
    unsafe {
        assert_eq!(
            gf_model_open(bytes.as_ptr(), bytes.len(), m.as_mut_ptr()),
            GfStatus::Ok
        );
        assert_eq!(
            gf_potential_model(m.as_ptr(), pot.as_mut_ptr()),
            GfStatus::Ok
        );
        assert_eq!(
            gf_sampler_params_default(GF_SAMPLER_MALA, params.as_mut_ptr()),
            GfStatus::Ok
        );
        assert_eq!(
            gf_rng_init_streams(5, 0, rngs.as_mut_ptr(), 8),
            GfStatus::Ok
        );
    }
    // SAFETY: all three were written by the successful calls above.
    let (pot, mut params) = unsafe { (pot.assume_init(), params.assume_init()) };
    params.step = 0.01;
    let mut state: Vec<f32> = (0..16)
        .map(|i| if i % 2 == 1 { 0.5 } else { -0.5 })
        .collect();
    let mut scratch = vec![0f32; scratch_len::<f32>(&pot, GF_SAMPLER_MALA).unwrap()];
    sample(
        &pot,
        GF_SAMPLER_MALA,
        &params,
        &mut state,
        &mut rngs,
        200,
        &mut scratch,
    )
    .unwrap();
    let (mut energy, mut force) = (vec![0f32; 8], vec![0f32; 16]);
    energy_force(&pot, &state, &mut energy, &mut force, &mut scratch).unwrap();
    for (i, x) in state.iter().enumerate() {
        assert!(
            stdout.contains(&format!("state {i} {:08x}\n", x.to_bits())),
            "state {i} differs from the Rust core's {:08x}",
            x.to_bits()
        );
    }
    for (i, e) in energy.iter().enumerate() {
        assert!(stdout.contains(&format!("energy {i} {:08x}\n", e.to_bits())));
    }
}

/// The firmware build (the embedded crate's default features: MALA on a model energy)
/// meets the budget: RAM ≤ 2 KiB (stack high-water mark + static state) and
/// library `.text` ≤ 16 KiB after `--gc-sections`. The numbers are deterministic for a
/// given toolchain; if a change breaks the budget, `objdump -d` of
/// `target/ffi-examples/embedded-firmware/embedded` shows which frames and functions grew.
#[test]
fn embedded_firmware_build_allocates_nothing_matches_the_core_and_fits_2k_ram_16k_text() {
    let (stdout, footprint) = embedded_example("firmware", &[]);
    for probe in ["ula_status", "analytic_status"] {
        assert_eq!(
            field(&stdout, probe),
            GfStatus::NotCompiled as usize,
            "{probe}: what is left out of the build must be refused"
        );
    }
    assert!(footprint.ram() <= 2048, "RAM {} B > 2 KiB", footprint.ram());
    assert!(
        footprint.text <= 16384,
        ".text {} B > 16 KiB",
        footprint.text
    );
}

/// The build with every sampler and analytic potential: same bits, everything reachable.
#[test]
fn embedded_full_build_allocates_nothing_and_matches_the_core() {
    let (stdout, _) = embedded_example("full", &["full"]);
    assert_eq!(field(&stdout, "ula_status"), GfStatus::Ok as usize);
    assert_eq!(field(&stdout, "analytic_status"), GfStatus::Ok as usize);
}

/// The C program's states `c` equal the host's to 1e-12 (both f64, same streams), and
/// moved away from their start `init` (mean |move| > 0.05: the comparison is not of two
/// untouched copies).
fn assert_c_equals_host(name: &str, c: &[f64], host: &[f64], init: &[f64]) {
    let worst = c
        .iter()
        .zip(host)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    let moved = c.iter().zip(init).map(|(a, b)| (a - b).abs()).sum::<f64>() / c.len() as f64;
    println!(
        "{name}: C vs host max |difference| {worst:.2e} over {} values; mean |move| {moved:.3}",
        c.len()
    );
    assert!(worst < 1e-12, "{name}: C and host states differ by {worst}");
    assert!(moved > 0.05, "{name}: the states hardly moved ({moved})");
}
