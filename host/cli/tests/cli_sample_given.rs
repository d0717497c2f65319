//! `gradflow sample --model M.gfm --given X`: the latents z | x of a joint energy model,
//! end to end through the binary, against the C API's `gf_sample_conditional_f64` (called
//! here from Rust, with the streams `gf_rng_init_streams` gives) and against bad input.

mod common;

use std::path::Path;

use gradflow::data::Samples;
use gradflow::engine::Network;
use gradflow::modelio::ModelBytes;
use gradflow::sampling::normal_init;
use gradflow_capi::{
    GF_SAMPLER_MALA, GF_SAMPLER_ULA, GfModel, GfPotential, GfRng, GfSamplerParams, GfStatus,
    gf_conditional_scratch_len, gf_model_open, gf_potential_model, gf_rng_init_streams,
    gf_sample_conditional_f64, gf_sampler_params_default,
};
use gradflow_core::{Activation, StreamRng};

use common::{gradflow, scratch};

/// A joint energy over rows (x, z) ∈ ℝ² × ℝ² (a 4 → 16 → 16 → 1 SiLU network with random
/// weights: what matters here is that the CLI and the C API agree), written as joint.gfm.
fn joint_model(dir: &Path) -> ModelBytes {
    let net = Network::<f64>::energy(4, &[16, 16], Activation::Silu, 3).unwrap();
    let model = ModelBytes::encode(net.architecture(), &net.to_f32_params()).unwrap();
    model.write(&dir.join("joint.gfm")).unwrap();
    model
}

/// `gf_sample_conditional_f64` on `observed` (n × 2) from `z0` (n × 2).
fn c_api(
    bytes: &[u8],
    sampler: u32,
    step: f64,
    observed: &[f64],
    z0: &[f64],
    seed: u64,
) -> Vec<f64> {
    let n = observed.len() / 2;
    let mut m = std::mem::MaybeUninit::<GfModel>::uninit();
    let mut pot = std::mem::MaybeUninit::<GfPotential>::uninit();
    let mut params = std::mem::MaybeUninit::<GfSamplerParams>::uninit();
    let mut rngs = vec![GfRng::default(); n];
    let mut len = 0usize;
    // SAFETY: valid pointers to writable locals and to the model bytes, which outlive them.
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
            gf_sampler_params_default(sampler, params.as_mut_ptr()),
            GfStatus::Ok
        );
        assert_eq!(
            gf_rng_init_streams(seed, 0, rngs.as_mut_ptr(), n),
            GfStatus::Ok
        );
        assert_eq!(
            gf_conditional_scratch_len(pot.as_ptr(), 2, sampler, &mut len),
            GfStatus::Ok
        );
    }
    // SAFETY: written by the successful calls above.
    let (pot, mut params) = unsafe { (pot.assume_init(), params.assume_init()) };
    params.step = step;
    let (mut z, mut s) = (z0.to_vec(), vec![0.0; len]);
    // SAFETY: valid slices with their lengths.
    let status = unsafe {
        gf_sample_conditional_f64(
            &pot,
            2,
            sampler,
            &params,
            n,
            observed.as_ptr(),
            observed.len(),
            z.as_mut_ptr(),
            z.len(),
            rngs.as_mut_ptr(),
            n,
            60,
            s.as_mut_ptr(),
            len,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(status, GfStatus::Ok);
    z
}

#[test]
fn given_rows_give_the_c_apis_latents() {
    let dir = scratch("given", "c-api");
    let model = joint_model(&dir);
    let (rows, chains, seed) = (20, 3, 5);
    let mut rng = StreamRng::new(8, 0);
    let x: Vec<f64> = (0..rows * 2).map(|_| 2.0 * rng.normal::<f64>()).collect();
    Samples {
        n: rows,
        d: 2,
        data: x.clone(),
    }
    .write(dir.join("x.csv"))
    .unwrap();
    // With -n chains per row, particle p = i·chains + c is conditioned on row i.
    let observed: Vec<f64> = (0..rows * chains)
        .flat_map(|p| [x[2 * (p / chains)], x[2 * (p / chains) + 1]])
        .collect();
    let z0 = normal_init(rows * chains, 2, 1.0, seed).data;
    for (name, code, step) in [
        ("ula", GF_SAMPLER_ULA, 0.05),
        ("mala", GF_SAMPLER_MALA, 0.3),
    ] {
        let out = format!("z-{name}.npy");
        let (status, stdout, stderr) = gradflow(
            &dir,
            &[
                "sample",
                "--model",
                "joint.gfm",
                "--given",
                "x.csv",
                "-n",
                "3",
                "--sampler",
                name,
                "--step",
                &step.to_string(),
                "--steps",
                "60",
                "--seed",
                "5",
                "-o",
                &out,
            ],
        );
        assert_eq!(status, Some(0), "{name}: {stderr}");
        assert!(stdout.contains("20 observed rows"), "{stdout}");
        let cli = Samples::read(dir.join(&out)).unwrap();
        assert_eq!((cli.n, cli.d), (rows * chains, 2));
        let c = c_api(model.as_bytes(), code, step, &observed, &z0, seed);
        let worst = c
            .iter()
            .zip(&cli.data)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        println!("{name}: CLI vs C API max |difference| {worst:.2e}");
        assert!(worst < 1e-12, "{name}: CLI and C API differ by {worst}");
        assert!(
            c.iter().zip(&z0).any(|(a, b)| a != b),
            "{name}: nothing moved"
        );
    }
}

#[test]
fn bad_given_rows_and_settings_are_refused_clearly() {
    let dir = scratch("given", "bad");
    joint_model(&dir);
    let write = |name: &str, n: usize, d: usize, data: Vec<f64>| {
        Samples { n, d, data }.write(dir.join(name)).unwrap();
    };
    write("four.csv", 2, 4, vec![0.0; 8]);
    write("nan.npy", 2, 2, vec![0.0, 1.0, f64::NAN, 0.5]);
    write("ok.csv", 2, 2, vec![0.0, 1.0, 2.0, 0.5]);
    write("z0.csv", 2, 3, vec![0.0; 6]);
    let fails = |args: &[&str], needle: &str| {
        let mut all = vec!["sample", "--model", "joint.gfm", "--steps", "2"];
        all.extend_from_slice(args);
        let (code, _, stderr) = gradflow(&dir, &all);
        assert_ne!(code, Some(0), "{args:?} should fail");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    };
    fails(&["--given", "four.csv"], "4 columns");
    fails(&["--given", "four.csv"], "1 to 3 columns");
    fails(&["--given", "nan.npy"], "row 1, column 0");
    fails(&["--given", "ok.csv", "--sampler", "baoab"], "not baoab");
    fails(&["--given", "ok.csv", "--init", "z0.csv"], "need 2 × 2");
    fails(&["--given", "ok.csv", "-n", "0"], "at least 1");
    fails(&["--given", "missing.csv"], "missing.csv");
    let (code, _, stderr) = gradflow(&dir, &["sample", "--given", "ok.csv"]);
    assert_ne!(code, Some(0));
    assert!(stderr.contains("--model"), "{stderr}");
}
