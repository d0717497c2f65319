//! The `sample` subcommand: the known-answer demo, sampling a potential or a model file to
//! a file, or writing a built-in 2D data set.

mod given;

use std::path::{Path, PathBuf};

use clap::ValueEnum;
use gradflow::data::{Dataset2d, Samples};
use gradflow::demo::{self, DemoSettings, Target};
use gradflow_core::{SamplerKind, SamplerSettings};

use crate::named_arg::named;
use gradflow::modelio::{ModelBytes, ModelIoError, activation_name, kind_name};
use gradflow::sampling::{
    DEFAULT_SAMPLER, EnergySource, Potential, SampleRun, Schedule, normal_init, sample,
};

/// The `--potential` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PotentialName {
    /// 2D N(µ, P⁻¹), µ = (1, −1), P = [[2, 0.8], [0.8, 1]] (the demo's Gaussian).
    Gaussian,
    /// N(0, I) in --dim dimensions (default 2).
    Normal,
    /// 2D mixture of 3 Gaussians, σ = 0.8, weights 0.2/0.3/0.5 at (−1.5, 0), (1.5, 0), (0, 2).
    Mixture,
    /// h(x₀² − 1)² + ½Σ_{i≥1}xᵢ² in --dim dimensions (default 2), h = --barrier (default 1).
    DoubleWell,
    /// Müller–Brown times --scale (default 0.05), 2D.
    MullerBrown,
    /// DW4: 4 particles in 2D (d = 8), a = 0, b = −4, c = 0.9, d₀ = 4.
    Dw4,
    /// LJ13: 13 Lennard-Jones atoms in 3D (d = 39); start it from a file (--init).
    Lj13,
}

/// Options of `gradflow sample`.
///
/// Three modes: with none of --potential, --model, --dataset it runs the known-answer demo
/// on --target (the default); with --potential or --model it samples to --out /
/// --trajectory; with --dataset it writes a built-in 2D data set to --out.
#[derive(clap::Args)]
pub struct SampleArgs {
    /// Demo target with a known answer (the default mode; default: mixture).
    #[arg(long, value_parser = named::<Target>(), conflicts_with_all = ["potential", "model", "dataset"])]
    target: Option<Target>,
    /// Analytic potential to sample (see the names below).
    #[arg(long, value_enum, conflicts_with_all = ["model", "dataset"])]
    potential: Option<PotentialName>,
    /// Energy model file (.gfm) to sample.
    #[arg(long, conflicts_with = "dataset")]
    model: Option<PathBuf>,
    /// Observed rows X (.npy or .csv, one row of dx values each) of a joint energy
    /// --model E(x, z) over rows (x, z), observed coordinates first: samples the latents
    /// z | x instead (dz = the model's dimension − dx), -n chains per row (default 1),
    /// with ula, mala, jko or jko2, on the batched host path. --out gets the final latents,
    /// (rows·chains) × dz, particle p = i·chains + c for row i and its chain c; particle p
    /// draws from the stream (seed, p), as `gf_rng_init_streams(seed, 0, ...)` gives it in
    /// C (`gf_sample_conditional_f64` on the same rows and starts gives the same samples).
    #[arg(long, requires = "model", conflicts_with_all = [
        "burn_in", "thin", "trajectory", "frame_every", "friction"
    ])]
    given: Option<PathBuf>,
    /// Write this built-in 2D data set to --out instead of sampling: 8gaussians, moons,
    /// scurve, checkerboard, rings or swissroll (-n points, --seed).
    #[arg(long, conflicts_with_all = [
        "sampler", "step", "steps", "init", "init_std", "burn_in", "thin", "trajectory",
        "frame_every", "inner_iters", "friction", "dim", "barrier", "scale", "threads"
    ])]
    dataset: Option<Dataset2d>,
    /// Particle scheme.
    #[arg(long, value_parser = named::<SamplerKind>(), default_value_t = DEFAULT_SAMPLER.kind)]
    sampler: SamplerKind,
    /// Step size τ (overdamped convention x ← x − τ∇E + √(2τ)ξ; BAOAB's time step).
    /// Default: 0.1 for the demo, each potential's own (gaussian, normal, mixture 0.1,
    /// double-well 0.05, muller-brown 0.002, dw4 0.01, lj13 1e-4), 0.01 for a model.
    #[arg(long)]
    step: Option<f64>,
    /// Proximal iterations of jko / jko2.
    #[arg(long, default_value_t = DEFAULT_SAMPLER.inner_iters)]
    inner_iters: u32,
    /// BAOAB friction γ (unit mass; not in the demo, which uses 1).
    #[arg(long)]
    friction: Option<f64>,
    /// Independent chains, i.e. samples (points for --dataset). Default: 8192 for the demo,
    /// 1024 otherwise, or the rows of an --init file. With --given: chains per observed
    /// row (default 1).
    #[arg(short = 'n', long)]
    chains: Option<usize>,
    /// Steps per chain. Default: 1000.
    #[arg(long)]
    steps: Option<u64>,
    /// Seed of every random stream.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Worker threads (0: one per core). Results do not depend on it.
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Dimension of --potential normal or double-well (default 2).
    #[arg(long)]
    dim: Option<usize>,
    /// Barrier height h of --potential double-well (default 1).
    #[arg(long)]
    barrier: Option<f64>,
    /// Scale (inverse temperature) of --potential muller-brown (default 0.05).
    #[arg(long)]
    scale: Option<f64>,
    /// Starting points: `normal` (N(0, s²I), s = --init-std; chain k draws from the stream
    /// (seed, 2⁶³ + k)) or a .npy/.csv file with one row per chain (with --given: the
    /// latents only, one row per particle).
    #[arg(long)]
    init: Option<String>,
    /// Standard deviation s of the `normal` start (default 1).
    #[arg(long)]
    init_std: Option<f64>,
    /// Steps before the first recorded state (with --thin).
    #[arg(long)]
    burn_in: Option<u64>,
    /// Record every chain's state every this many steps after the burn-in; --out then has
    /// (steps − burn-in)/thin rows per chain, record by record. Without it, --out holds the
    /// final state of each chain.
    #[arg(long)]
    thin: Option<u64>,
    /// Where to write the samples (.npy, float64, or .csv): n × d.
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Where to write the trajectory: .npy of shape (frames, chains, d), or .csv with the
    /// columns frame, point, x0, x1, ...
    #[arg(long)]
    trajectory: Option<PathBuf>,
    /// Trajectory frame interval in steps (frames at steps 0, k, 2k, ...; default:
    /// steps/100, at least 1).
    #[arg(long)]
    frame_every: Option<u64>,
}

/// Default chains outside the demo.
const CHAINS: usize = 1024;
/// Default steps outside the demo.
const STEPS: u64 = 1000;
/// Default step size of a model file.
const MODEL_STEP: f64 = 0.01;

/// Runs `gradflow sample`.
pub fn run(args: &SampleArgs) -> Result<(), String> {
    if let Some(set) = args.dataset {
        return write_dataset(args, set);
    }
    if args.potential.is_none() && args.model.is_none() {
        return demo(args);
    }
    check_extension("--out", args.out.as_deref())?;
    if let Some(given) = &args.given {
        return given::run(args, given);
    }
    check_extension("--trajectory", args.trajectory.as_deref())?;
    let (source, what, default_step) = energy_source(args)?;
    let d = source.dim();

    let (init, init_what) = initial_states(args, d)?;
    let spec = SamplerSettings {
        kind: args.sampler,
        step: args.step.unwrap_or(default_step),
        inner_iters: args.inner_iters,
        friction: args.friction.unwrap_or(DEFAULT_SAMPLER.friction),
        ..DEFAULT_SAMPLER
    };
    let steps = args.steps.unwrap_or(STEPS);
    if args.frame_every.is_some() && args.trajectory.is_none() {
        return Err("--frame-every needs --trajectory".into());
    }
    let schedule = Schedule {
        steps,
        burn_in: args.burn_in.unwrap_or(0),
        thin: args.thin,
        frame_every: args
            .trajectory
            .as_ref()
            .map(|_| args.frame_every.unwrap_or((steps / 100).max(1))),
    };
    let run = sample(&source, &spec, &init, &schedule, args.seed, args.threads)
        .map_err(|e| crate::flags::message(&e))?;
    print_summary(args, &what, &spec, &run, &init_what);
    if let Some(out) = &args.out {
        run.samples
            .write(out)
            .map_err(|e| format!("cannot write the samples: {e}"))?;
        let rows = if run.records_per_chain == 1 {
            "the final state of each chain".to_owned()
        } else {
            format!(
                "{} records per chain after a burn-in of {} steps, every {} steps, record by record",
                run.records_per_chain,
                schedule.burn_in,
                schedule.thin.unwrap_or(1)
            )
        };
        println!(
            "  wrote {} ({} × {}: {rows})",
            out.display(),
            run.samples.n,
            run.samples.d
        );
    }
    if let (Some(path), Some(t)) = (&args.trajectory, &run.trajectory) {
        t.write(path)
            .map_err(|e| format!("cannot write the trajectory: {e}"))?;
        println!(
            "  wrote {} ({} frames × {} chains × {}, every {} steps from step 0)",
            path.display(),
            t.frames,
            t.n,
            t.d,
            schedule.frame_every.unwrap_or(1)
        );
    }
    Ok(())
}

/// Refuses an output name that is neither .npy nor .csv before any work is done.
fn check_extension(flag: &str, path: Option<&Path>) -> Result<(), String> {
    let Some(path) = path else { return Ok(()) };
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if ext.eq_ignore_ascii_case("npy") || ext.eq_ignore_ascii_case("csv") {
        Ok(())
    } else {
        Err(format!(
            "{flag} {}: unknown file type: expected a .npy or .csv name",
            path.display()
        ))
    }
}

/// The known-answer demo (no --potential, --model or --dataset).
fn demo(args: &SampleArgs) -> Result<(), String> {
    let file_options = [
        ("--out", args.out.is_some()),
        ("--trajectory", args.trajectory.is_some()),
        ("--frame-every", args.frame_every.is_some()),
        ("--init", args.init.is_some()),
        ("--init-std", args.init_std.is_some()),
        ("--thin", args.thin.is_some()),
        ("--burn-in", args.burn_in.is_some()),
        ("--dim", args.dim.is_some()),
        ("--barrier", args.barrier.is_some()),
        ("--scale", args.scale.is_some()),
        ("--friction", args.friction.is_some()),
    ];
    if let Some((flag, _)) = file_options.iter().find(|(_, given)| *given) {
        return Err(format!(
            "{flag} needs --potential, --model or --dataset (without them, sample runs the \
             known-answer demo on --target)"
        ));
    }
    let defaults = DemoSettings::default();
    let settings = DemoSettings {
        target: args.target.unwrap_or(defaults.target),
        sampler: SamplerSettings {
            kind: args.sampler,
            step: args.step.unwrap_or(defaults.sampler.step),
            inner_iters: args.inner_iters,
            ..defaults.sampler
        },
        chains: args.chains.unwrap_or(defaults.chains),
        steps: args.steps.unwrap_or(defaults.steps),
        seed: args.seed,
        threads: args.threads,
    };
    let report = demo::run(settings).map_err(|e| e.to_string())?;
    println!("{report}");
    Ok(())
}

/// `--dataset NAME -n N --seed S --out PATH`.
fn write_dataset(args: &SampleArgs, set: Dataset2d) -> Result<(), String> {
    let out = args
        .out
        .as_ref()
        .ok_or("--dataset needs --out (a .npy or .csv file)")?;
    check_extension("--out", Some(out))?;
    let n = args.chains.unwrap_or(CHAINS);
    if n == 0 {
        return Err("-n must be at least 1".into());
    }
    let samples = Samples::new(n, 2, set.sample(n, args.seed)).map_err(|e| e.to_string())?;
    samples.write(out).map_err(|e| e.to_string())?;
    println!(
        "wrote {} ({n} × 2 points of {set}, seed {})",
        out.display(),
        args.seed
    );
    Ok(())
}

/// The potential or model, its description and its default step.
fn energy_source(args: &SampleArgs) -> Result<(EnergySource, String, f64), String> {
    if let Some(path) = &args.model {
        for (flag, given) in [
            ("--dim", args.dim.is_some()),
            ("--barrier", args.barrier.is_some()),
            ("--scale", args.scale.is_some()),
        ] {
            if given {
                return Err(format!("{flag} applies to --potential, not to --model"));
            }
        }
        let model = ModelBytes::read(path).map_err(|e| match e {
            ModelIoError::Model(_) => format!("{}: {e}", path.display()),
            other => other.to_string(),
        })?;
        let a = *model.view().architecture();
        let source = EnergySource::model(model).map_err(|e| format!("{}: {e}", path.display()))?;
        let widths: Vec<String> = a.widths().map(|w| w.to_string()).collect();
        // A latent energy's rows (x, z): x_dim + z_dim.
        let inputs = match a.z_dim() {
            0 => a.in_dim().to_string(),
            z => format!("{} + {z}", a.x_dim()),
        };
        let units = if source.units().is_some() {
            "; the file records its data units: the chains run in its standardised \
             coordinates, where the step applies, and the samples are in data units"
        } else {
            ""
        };
        let what = format!(
            "model {} ({} {}, {inputs} → {} → {}{units})",
            path.display(),
            kind_name(a.kind),
            activation_name(a.activation),
            widths.join(" → "),
            a.out_dim()
        );
        return Ok((source, what, MODEL_STEP));
    }
    let name = args.potential.ok_or("no --potential or --model")?;
    let flag_for = |flag: &str, given: bool, allowed: &[PotentialName]| {
        if given && !allowed.contains(&name) {
            let names: Vec<String> = allowed.iter().map(|p| value_name(*p)).collect();
            Err(format!(
                "{flag} applies to --potential {} only",
                names.join(" and ")
            ))
        } else {
            Ok(())
        }
    };
    flag_for(
        "--dim",
        args.dim.is_some(),
        &[PotentialName::Normal, PotentialName::DoubleWell],
    )?;
    flag_for(
        "--barrier",
        args.barrier.is_some(),
        &[PotentialName::DoubleWell],
    )?;
    flag_for(
        "--scale",
        args.scale.is_some(),
        &[PotentialName::MullerBrown],
    )?;
    let dim = args.dim.unwrap_or(2);
    let potential = match name {
        PotentialName::Gaussian => Potential::Gaussian,
        PotentialName::Normal => Potential::Normal { dim },
        PotentialName::Mixture => Potential::Mixture,
        PotentialName::DoubleWell => Potential::DoubleWell {
            dim,
            barrier: args.barrier.unwrap_or(1.0),
        },
        PotentialName::MullerBrown => Potential::MullerBrown {
            scale: args.scale.unwrap_or(0.05),
        },
        PotentialName::Dw4 => Potential::Dw4,
        PotentialName::Lj13 => Potential::Lj13,
    };
    let source = EnergySource::potential(potential).map_err(|e| e.to_string())?;
    Ok((source, potential.to_string(), potential.default_step()))
}

/// The clap name of a value (`double-well`, `mala`, ...).
fn value_name<T: ValueEnum>(v: T) -> String {
    v.to_possible_value()
        .map_or_else(|| "?".to_owned(), |p| p.get_name().to_owned())
}

/// The starting points and how they were made.
fn initial_states(args: &SampleArgs, d: usize) -> Result<(Samples, String), String> {
    match args.init.as_deref() {
        None | Some("normal") => {
            let std = args.init_std.unwrap_or(1.0);
            if !(std.is_finite() && std >= 0.0) {
                return Err(format!("--init-std {std} must be finite and ≥ 0"));
            }
            let chains = args.chains.unwrap_or(CHAINS);
            if chains == 0 {
                return Err("--chains must be at least 1".into());
            }
            Ok((
                normal_init(chains, d, std, args.seed),
                format!("N(0, {std}²I)"),
            ))
        }
        Some(path) => {
            if args.init_std.is_some() {
                return Err("--init-std applies to --init normal only".into());
            }
            let init = Samples::read(Path::new(path)).map_err(|e| e.to_string())?;
            if init.d != d {
                return Err(format!(
                    "{path} has {} columns, the target has dimension {d}",
                    init.d
                ));
            }
            if let Some(k) = init.data.iter().position(|v| !v.is_finite()) {
                return Err(format!(
                    "{path}: NaN or infinite value at row {}, column {} (0-based)",
                    k / d,
                    k % d
                ));
            }
            if let Some(chains) = args.chains
                && chains != init.n
            {
                return Err(format!(
                    "--chains {chains} disagrees with the {} rows of {path}",
                    init.n
                ));
            }
            Ok((init, path.to_owned()))
        }
    }
}

fn print_summary(
    args: &SampleArgs,
    what: &str,
    spec: &SamplerSettings,
    run: &SampleRun,
    init_what: &str,
) {
    println!(
        "sampled {what} with {} (step {}): {} chains × {} steps from {init_what}, seed {}",
        spec.kind,
        spec.step,
        run.chains,
        args.steps.unwrap_or(STEPS),
        args.seed
    );
    let rate = run.report.steps as f64 / run.seconds.max(1e-9) / 1e6;
    let acceptance = if spec.kind == SamplerKind::Mala {
        format!(", acceptance {:.3}", run.report.acceptance_rate())
    } else {
        String::new()
    };
    println!(
        "  {:.3} s, {rate:.2} M particle-steps/s, {} gradient evaluations{acceptance}",
        run.seconds, run.report.grad_evals
    );
    let s = &run.samples;
    if s.d <= 4 && s.n > 0 {
        let mean: Vec<String> = (0..s.d)
            .map(|k| {
                let m = s.rows().map(|r| r[k]).sum::<f64>() / s.n as f64;
                format!("{m:.4}")
            })
            .collect();
        println!("  sample mean ({})", mean.join(", "));
    }
}
