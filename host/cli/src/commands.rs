//! The `fit` and `convert` subcommands of the `gradflow` tool.

use crate::flags::message;
use crate::progress_bar::progress_bar;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use gradflow::fit::{FitSettings, FitTarget, FitTrainer};
use gradflow::modelio::{ModelBytes, ModelIoError, activation_name, kind_name, write_atomic};
use gradflow::train::{RunOptions, RunOutcome, TrainError, ctrl_c_flag, run};

/// Potentials `gradflow fit` can regress onto.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum FitPotential {
    /// Müller–Brown times --scale, on [−1.5, 1.2] × [−0.2, 2.0].
    MullerBrown,
    /// The 2D double well (x₀² − 1)² + ½x₁² on [−2, 2]².
    DoubleWell,
}

#[derive(clap::Args)]
pub struct FitArgs {
    /// The analytic potential whose energies and forces the network learns.
    #[arg(long, value_enum, default_value = "muller-brown")]
    potential: FitPotential,
    /// Müller–Brown scale (inverse temperature).
    #[arg(long, default_value_t = 0.05)]
    scale: f64,
    /// Hidden width of the 2→W→W→1 SiLU network: 16, 32 or 64.
    #[arg(long, default_value_t = 32)]
    width: usize,
    /// Adam steps.
    #[arg(long, default_value_t = 10000)]
    iters: usize,
    /// Training points per step.
    #[arg(long, default_value_t = 128)]
    batch: usize,
    /// Initial Adam learning rate (decays linearly to 5 % of it).
    #[arg(long, default_value_t = 1e-2)]
    lr: f64,
    /// Weight of the force-matching term.
    #[arg(long, default_value_t = 1.0)]
    force_weight: f64,
    /// Random seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Where to write the model file.
    #[arg(long, short, default_value = "potential.gfm")]
    out: PathBuf,
    /// Where to keep the training checkpoint [default: the model path with .ckpt appended].
    #[arg(long)]
    checkpoint: Option<PathBuf>,
    /// Write the checkpoint every this many steps (0: only at the start, the end and on
    /// Ctrl-C).
    #[arg(long, default_value_t = 1000)]
    checkpoint_every: u64,
    /// Continue from the checkpoint (same settings required) instead of starting afresh.
    #[arg(long)]
    resume: bool,
    /// Start afresh even where an earlier run's checkpoint or model file is, replacing
    /// them (without it such a run is refused).
    #[arg(long, conflicts_with = "resume")]
    force: bool,
    /// No progress bar (there is none anyway when stderr is not a terminal).
    #[arg(long)]
    no_progress: bool,
}

/// `gradflow fit`, with its exit code: 0 done, 1 failed, 130 interrupted by Ctrl-C (after
/// writing a checkpoint).
pub fn fit_main(args: &FitArgs) -> ExitCode {
    match run_fit(args) {
        Ok(None) => ExitCode::SUCCESS,
        Ok(Some(message)) => {
            eprintln!("gradflow fit: {message}");
            ExitCode::from(130)
        }
        Err(e) => {
            eprintln!("gradflow fit: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs `gradflow fit`: `Ok(Some(line))` when interrupted, the line saying where the
/// checkpoint is.
fn run_fit(args: &FitArgs) -> Result<Option<String>, String> {
    let target = match args.potential {
        FitPotential::MullerBrown => FitTarget::MullerBrown { scale: args.scale },
        FitPotential::DoubleWell => FitTarget::DoubleWell {
            barrier: 1.0,
            stiffness: 1.0,
        },
    };
    let settings = FitSettings {
        target,
        width: args.width,
        iters: args.iters,
        batch: args.batch,
        force_weight: args.force_weight,
        lr: args.lr,
        seed: args.seed,
        ..FitSettings::default()
    };
    let mut trainer = FitTrainer::new(&settings).map_err(|e| message(&e))?;
    let checkpoint = args.checkpoint.clone().unwrap_or_else(|| {
        let mut path = args.out.clone().into_os_string();
        path.push(".ckpt");
        PathBuf::from(path)
    });
    if !args.resume && !args.force && args.out.exists() {
        return Err(format!(
            "{} already exists (an earlier run's model): choose another path, continue that \
             run with --resume, or start afresh over it with --force",
            args.out.display()
        ));
    }
    let options = RunOptions {
        total_steps: args.iters as u64,
        checkpoint: Some(checkpoint.clone()),
        checkpoint_every: args.checkpoint_every,
        resume: args.resume,
        overwrite: args.force,
        progress: progress_bar(!args.no_progress),
        interrupt: Some(
            ctrl_c_flag().map_err(|e| format!("cannot install the Ctrl-C handler: {e}"))?,
        ),
    };
    let start = std::time::Instant::now();
    let started_at = match run(&mut trainer, &options) {
        Ok(RunOutcome::Finished { started_at, .. }) => started_at,
        Ok(RunOutcome::Interrupted { step, .. }) => {
            return Ok(Some(format!(
                "interrupted at step {step} of {}; checkpoint written to {} (continue with \
                 --resume and the same settings)",
                args.iters,
                checkpoint.display()
            )));
        }
        Err(e @ TrainError::Diverged { .. }) => return Err(format!("{e}; try a lower --lr")),
        Err(TrainError::CheckpointExists(path)) => {
            return Err(crate::cmd_train::checkpoint_exists(&path));
        }
        Err(e) => return Err(e.to_string()),
    };
    let (model, r) = trainer.finish().map_err(|e| message(&e))?;
    model.write(&args.out).map_err(|e| e.to_string())?;
    let resumed = if started_at > 0 {
        format!(", resumed at step {started_at}")
    } else {
        String::new()
    };
    println!(
        "fitted 2→{w}→{w}→1 SiLU to {:?} in {:.1} s ({} steps × {} points{resumed})",
        args.potential,
        start.elapsed().as_secs_f64(),
        args.iters,
        args.batch,
        w = args.width
    );
    println!(
        "  RMS energy error {:.4} (energies have s.d. {:.3}); RMS force error {:.4} \
         (forces have RMS {:.3})",
        r.rms_energy, r.energy_std, r.rms_force, r.force_rms
    );
    println!(
        "  wrote {} (checkpoint {})",
        args.out.display(),
        checkpoint.display()
    );
    Ok(None)
}

#[derive(clap::Args)]
pub struct ConvertArgs {
    /// Input: a gradflow model file (.gfm) or a safetensors file (.safetensors).
    input: PathBuf,
    /// Output: .gfm, .safetensors, or .h (a C array for firmware).
    output: PathBuf,
    /// Name of the C array (for .h output).
    #[arg(long, default_value = "gradflow_model")]
    name: String,
}

fn extension(path: &Path) -> &str {
    path.extension().and_then(|e| e.to_str()).unwrap_or("")
}

/// Runs `gradflow convert`.
pub fn run_convert(args: &ConvertArgs) -> Result<(), String> {
    let text = |e: ModelIoError| e.to_string();
    let model = match extension(&args.input) {
        "gfm" => ModelBytes::read(&args.input).map_err(|e| match e {
            ModelIoError::Model(_) => format!("{}: {e}", args.input.display()),
            other => other.to_string(),
        })?,
        "safetensors" => {
            let bytes =
                std::fs::read(&args.input).map_err(|e| format!("{}: {e}", args.input.display()))?;
            ModelBytes::from_safetensors(&bytes).map_err(text)?
        }
        other => {
            return Err(format!(
                "unknown input format {other:?}: use .gfm or .safetensors"
            ));
        }
    };
    let bytes = match extension(&args.output) {
        "gfm" => model.as_bytes().to_vec(),
        "safetensors" => model.to_safetensors().map_err(text)?,
        "h" => {
            let valid = !args.name.is_empty()
                && !args.name.starts_with(|c: char| c.is_ascii_digit())
                && args
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(format!("--name {:?} is not a C identifier", args.name));
            }
            model.to_c_array(&args.name).into_bytes()
        }
        other => {
            return Err(format!(
                "unknown output format {other:?}: use .gfm, .safetensors or .h"
            ));
        }
    };
    write_atomic(&args.output, &bytes).map_err(text)?;
    let a = *model.view().architecture();
    println!(
        "{} ({} {}, {} parameters) → {}",
        args.input.display(),
        kind_name(a.kind),
        activation_name(a.activation),
        a.n_params(),
        args.output.display()
    );
    Ok(())
}
