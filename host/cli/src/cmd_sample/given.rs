//! `gradflow sample --model M.gfm --given X`: the latents z | x of a joint energy model.

use std::path::Path;

use gradflow::data::Samples;
use gradflow::sampling::{EnergySource, latent_dim, normal_init, sample_conditional};
use gradflow_core::{SamplerKind, SamplerSettings};

use crate::flags::message;

use super::{MODEL_STEP, STEPS, SampleArgs, energy_source};

/// Runs the conditional sampling of `args` on the observed rows in `given`.
pub fn run(args: &SampleArgs, given: &Path) -> Result<(), String> {
    let (source, what, _) = energy_source(args)?;
    let EnergySource::Model(model, _) = source else {
        return Err("--given needs --model".into());
    };
    let rows = Samples::read(given).map_err(|e| format!("{}: {e}", given.display()))?;
    let dz =
        latent_dim(&model, rows.d).map_err(|e| format!("{}: {}", given.display(), message(&e)))?;
    if args.sampler == SamplerKind::Baoab {
        return Err("--given samples with ula, mala, jko or jko2, not baoab".into());
    }
    // Otherwise the C API's defaults (`gf_sampler_params_default`).
    let step = SamplerSettings {
        step: args.step.unwrap_or(MODEL_STEP),
        inner_iters: args.inner_iters,
        ..SamplerSettings::of(args.sampler)
    };
    let chains = args.chains.unwrap_or(1);
    if chains == 0 {
        return Err("-n (chains per observed row) must be at least 1".into());
    }
    let n = rows.n * chains;
    let (init, init_what) = match args.init.as_deref() {
        None | Some("normal") => {
            let std = args.init_std.unwrap_or(1.0);
            if !(std.is_finite() && std >= 0.0) {
                return Err(format!("--init-std {std} must be finite and ≥ 0"));
            }
            (normal_init(n, dz, std, args.seed), format!("N(0, {std}²I)"))
        }
        Some(path) => {
            if args.init_std.is_some() {
                return Err("--init-std applies to --init normal only".into());
            }
            let init = Samples::read(Path::new(path)).map_err(|e| format!("{path}: {e}"))?;
            (init, path.to_owned())
        }
    };
    let steps = args.steps.unwrap_or(STEPS);
    let steps = usize::try_from(steps).map_err(|_| format!("--steps {steps} is too large"))?;
    let run = sample_conditional(
        &model,
        &rows,
        chains,
        &step,
        &init,
        steps,
        args.seed,
        args.threads,
    )
    .map_err(|e| message(&e))?;
    println!(
        "sampled z | x of {what} with {} (step {}): {} observed rows ({}) × {chains} chains \
         of {dz} latents, {steps} steps from {init_what}, seed {}",
        args.sampler,
        step.step,
        rows.n,
        given.display(),
        args.seed
    );
    let acceptance = if args.sampler == SamplerKind::Mala {
        format!(", acceptance {:.3}", run.report.acceptance_rate())
    } else {
        String::new()
    };
    println!(
        "  {:.3} s, {} gradient evaluations{acceptance}",
        run.seconds, run.report.grad_evals
    );
    if let Some(out) = &args.out {
        run.samples
            .write(out)
            .map_err(|e| format!("cannot write the samples: {e}"))?;
        println!(
            "  wrote {} ({} × {dz}: the final latents, particle i·{chains} + c for row i)",
            out.display(),
            run.samples.n
        );
    }
    Ok(())
}
