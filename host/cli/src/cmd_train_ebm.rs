//! `gradflow train ebm`: an energy-based model by maximum likelihood on a 2D set or the
//! digits, with the particle scheme of the run; writes the model, a figure and a JSON report.

use std::time::Instant;

use std::sync::Arc;

use gradflow::data::Samples;
use gradflow::ebm::{
    AisSettings, EbmData, EbmEvaluation, EbmSettings, EbmTracker, EbmTrainer, EnergyModel,
    GaussianBase, HeldOutLikelihood, MMD_BANDWIDTH_2D, MlpEnergy, TEST_POINTS_2D, UserData,
    energy_contours, evaluate_trained, held_out_log_likelihood,
};
use gradflow::engine::Network;
use gradflow::metrics::{SAMPLE_SINKHORN_BLUR, SampleMetrics, sample_metrics};
use gradflow_core::{Activation, SamplerKind, SamplerSettings};
use serde_json::json;

use crate::cmd_device::open_device;
use crate::cmd_train::{
    Driven, TrainArgs, drive_validated, is_data_file, nsgf_options, refuse_data_file_options,
    run_paths, standardize, user_data, with_suffix,
};
use crate::flags::message;

/// Options of `gradflow train ebm` (refused by the flow methods).
#[derive(clap::Args)]
pub struct EbmOptions {
    /// ebm, lvebm: particle scheme: ula (Langevin baseline), jko, jko2 (W2 proximal schemes,
    /// our reconstructions) or mala [default: ebm jko2, lvebm ula].
    #[arg(long, value_parser = particle_scheme)]
    pub(crate) scheme: Option<SamplerKind>,
    /// ebm: particle step τ (x ← x − τ∇E + √(2τ)ξ) [default: 0.01 in 2D, 1e-3 on digits,
    /// 0.05 on a data file (in its standardised units)].
    #[arg(long)]
    tau: Option<f64>,
    /// ebm, lvebm: proximal fixed-point iterations M of jko / jko2 [default: 4].
    #[arg(long)]
    pub(crate) inner_iters: Option<u32>,
    /// ebm, lvebm: relaxation ω ∈ (0, 1] of the proximal iterations [default: 1].
    #[arg(long)]
    pub(crate) relaxation: Option<f64>,
    /// ebm: energy-gradient evaluations per particle per update; the scheme takes the
    /// most steps that fit (ula 1 per step, jko M, jko2 1 + M, mala 1 + 1 per update)
    /// [default: 20].
    #[arg(long, conflicts_with = "particle_steps")]
    grad_evals: Option<usize>,
    /// ebm: particle steps K per update, instead of --grad-evals.
    #[arg(long)]
    particle_steps: Option<usize>,
    /// ebm: replay-buffer slots [default: 8192].
    #[arg(long)]
    buffer: Option<usize>,
    /// ebm: probability that a drawn particle restarts from the uniform box [default: 0.05].
    #[arg(long)]
    reinit: Option<f64>,
    /// ebm: weight α of the energy penalty α(E₊² + E₋²) [default: 0.1 in 2D, 1e-3 on
    /// digits and a data file].
    #[arg(long)]
    penalty: Option<f64>,
    /// ebm, lvebm: Adam's β₁ [default: 0.9].
    #[arg(long)]
    pub(crate) beta1: Option<f64>,
    /// ebm: steps of the long-run evaluation chains [default: 1000].
    #[arg(long)]
    eval_steps: Option<usize>,
    /// ebm: chains of the AIS estimate of log Z for the held-out log-likelihood (200
    /// temperatures, 2 MALA steps each) [default: 1000; 0: no estimate].
    #[arg(long)]
    ais_chains: Option<usize>,
}

impl EbmOptions {
    /// The first EBM option given, by its flag (the flow methods refuse them).
    pub fn given(&self) -> Option<&'static str> {
        self.flags()
            .into_iter()
            .find_map(|(flag, given)| given.then_some(flag))
    }

    /// Every EBM option by its flag, and whether it was given.
    pub fn flags(&self) -> [(&'static str, bool); 12] {
        [
            ("--scheme", self.scheme.is_some()),
            ("--tau", self.tau.is_some()),
            ("--inner-iters", self.inner_iters.is_some()),
            ("--relaxation", self.relaxation.is_some()),
            ("--grad-evals", self.grad_evals.is_some()),
            ("--particle-steps", self.particle_steps.is_some()),
            ("--buffer", self.buffer.is_some()),
            ("--reinit", self.reinit.is_some()),
            ("--penalty", self.penalty.is_some()),
            ("--beta1", self.beta1.is_some()),
            ("--eval-steps", self.eval_steps.is_some()),
            ("--ais-chains", self.ais_chains.is_some()),
        ]
    }
}

/// The flow options that `train ebm` and `train lvebm` refuse, by flag.
pub(crate) fn flow_option_given(args: &TrainArgs) -> Option<&'static str> {
    let others = [
        ("--omega", args.omega.is_some()),
        ("--path-coupling", args.path_coupling.is_some()),
        ("--eval-draws", args.eval_draws != 1),
    ];
    nsgf_options(args)
        .into_iter()
        .chain(others)
        .find_map(|(flag, given)| given.then_some(flag))
}

/// The run's data, settings and network widths.
struct Plan {
    data: EbmData,
    settings: EbmSettings,
    widths: Vec<usize>,
    eval_steps: usize,
    ais_chains: usize,
}

fn plan(args: &TrainArgs) -> Result<Plan, String> {
    if let Some(flag) = flow_option_given(args).or(args.lvebm.given()) {
        return Err(format!("{flag} does not apply to ebm"));
    }
    let o = &args.ebm;
    let name = args.dataset.as_deref().unwrap_or("8gaussians");
    let data = if is_data_file(name) {
        let user = UserData::new(user_data(args, name)?, standardize(args)?);
        EbmData::User(Arc::new(user))
    } else {
        refuse_data_file_options(args)?;
        name.parse()
            .map_err(|e| format!("--dataset: {e}, or a .npy / .csv file of rows"))?
    };
    let digits = data == EbmData::Digits;
    let user = matches!(data, EbmData::User(_));
    let d = EbmSettings::default();
    let kind = o.scheme.unwrap_or(d.particles.kind);
    if o.inner_iters.is_some() && !kind.is_proximal() {
        return Err(format!("--inner-iters applies to jko and jko2, not {kind}"));
    }
    let scheme = SamplerSettings {
        kind,
        step: o.tau.unwrap_or(match &data {
            EbmData::Digits => 1e-3,
            // Standardised units: τ = 0.05 moves the buffer 0.2 time units per update
            // (jko2), the 2D default's 0.04 leaves it wider than the data in 8-D.
            EbmData::User(_) => 0.05,
            EbmData::Set2d(_) => d.particles.step,
        }),
        inner_iters: o.inner_iters.unwrap_or(4),
        relaxation: o.relaxation.unwrap_or(d.particles.relaxation),
        ..d.particles
    };
    let particle_steps = match o.particle_steps {
        Some(k) => k,
        None => {
            let budget = o.grad_evals.unwrap_or(20);
            let k = scheme.steps_for_budget(budget as u64) as usize;
            if k == 0 {
                return Err(format!(
                    "--grad-evals {budget}: not enough for one {} step ({} gradients)",
                    scheme_label(&scheme),
                    scheme.grad_evals(1)
                ));
            }
            k
        }
    };
    let settings = EbmSettings {
        particles: scheme,
        particle_steps,
        batch: args.batch.unwrap_or(d.batch),
        buffer: o.buffer.unwrap_or(d.buffer),
        reinit: o.reinit.unwrap_or(d.reinit),
        lr: args.lr.unwrap_or(d.lr),
        beta1: o.beta1.unwrap_or(d.beta1),
        // Off the 2D sets the energy must rise by many units off the data (d/2 per
        // standard deviation for a Gaussian; hundreds off the digits): a penalty of 0.1 on
        // E² flattens it and the long-run samples come out several times too wide.
        penalty: o
            .penalty
            .unwrap_or(if digits || user { 1e-3 } else { d.penalty }),
        updates: args.steps.unwrap_or(d.updates),
        seed: args.seed,
        ..d
    };
    settings.validate().map_err(|e| message(&e))?;
    let widths = args
        .widths
        .clone()
        .unwrap_or(if digits { vec![256, 256] } else { vec![64, 64] });
    if widths.is_empty() || widths.contains(&0) {
        return Err("--widths: every width must be >= 1".into());
    }
    Ok(Plan {
        data,
        settings,
        widths,
        eval_steps: o.eval_steps.unwrap_or(1000),
        ais_chains: o.ais_chains.unwrap_or(1000),
    })
}

/// Runs `gradflow train ebm`: `Ok(Some(message))` when interrupted.
pub fn run(args: &TrainArgs) -> Result<Option<String>, String> {
    let start = Instant::now();
    let Plan {
        data,
        settings: s,
        widths,
        eval_steps,
        ais_chains,
    } = plan(args)?;
    let (prefix, checkpoint) = run_paths(args, "ebm")?;
    let (train, test) = data.train_test(s.seed).map_err(|e| e.to_string())?;
    let net = Network::<f64>::energy(data.dim(), &widths, Activation::Silu, s.seed)
        .map_err(|e| e.to_string())?;
    let model = MlpEnergy::<f32>::on(net, open_device(args.device, args.threads)?);
    let device = model.device().name();
    let threads = model.threads();
    let mut t = EbmTrainer::new(&s, model, &train).map_err(|e| message(&e))?;
    let mut tracker = EbmTracker::new(
        &data,
        &test,
        eval_steps,
        args.eval_every,
        &prefix,
        args.resume,
    )
    .map_err(|e| message(&e))?;
    let hint = "a lower --tau or --lr, or a larger --penalty";
    let resumed = match drive_validated(
        &mut t,
        args,
        s.updates,
        &checkpoint,
        "update",
        hint,
        &mut tracker,
    )? {
        Driven::Finished { resumed } => resumed,
        Driven::Interrupted(message) => return Ok(Some(message)),
    };
    let trained = start.elapsed().as_secs_f64();
    let w: Vec<String> = widths.iter().map(|w| w.to_string()).collect();
    println!(
        "trained ebm on {data} in {trained:.1} s ({} updates × batch {}, {} ({} particle steps of τ = {} \
         = {} gradient evaluations per particle per update), MLP {} SiLU, {device}{resumed})",
        s.updates,
        s.batch,
        scheme_label(&s.particles),
        s.particle_steps,
        s.particles.step,
        s.grad_evals_per_update(),
        w.join("×"),
    );
    let eval = evaluate_trained(&t, &data, &test, eval_steps).map_err(|e| e.to_string())?;
    let floor = data_floor(&data, &train, &test, s.seed)?;
    report(&data, &s, &eval, &floor, test.len() / data.dim());
    let likelihood = held_out_likelihood(&t, &data, (&train, &test), ais_chains, args.threads)?;

    let model_path = with_suffix(&prefix, ".gfm");
    let bytes = t.model().model_bytes().map_err(|e| e.to_string())?;
    let bytes = data.model_file(bytes).map_err(|e| e.to_string())?;
    bytes.write(&model_path).map_err(|e| e.to_string())?;
    let samples_path = with_suffix(&prefix, ".samples.npy");
    let d = data.dim();
    Samples::new(eval.samples.len() / d, d, data.to_data_units(&eval.samples))
        .and_then(|s| s.write(&samples_path))
        .map_err(|e| e.to_string())?;
    let png = with_suffix(&prefix, ".png");
    let drawn = figure(&data, &eval, &s, bytes, &model_path, &png)?;
    if let Some((step, w2)) = tracker.best() {
        println!(
            "  held-out checks every {} updates: lines in {}; the best (W2 {w2:.4} at update \
             {step}) is {}",
            args.eval_every,
            tracker.metrics_path().display(),
            tracker.best_model_path().display()
        );
    }
    let json_path = with_suffix(&prefix, ".json");
    let mut record = json!({
        "data": data.to_string(),
        "settings": s.to_json(),
        "widths": widths,
        "grad_evals_per_update": s.grad_evals_per_update(),
        "grad_evals_total": t.grad_evals(),
        "train_seconds": trained,
        "threads": threads,
        "device": device,
        "kl": eval.kl.map(|k| k.kl),
        "kl_cells": eval.kl.map(|k| k.cells_per_axis),
        "w2": eval.metrics.w2,
        "sinkhorn": eval.metrics.sinkhorn,
        "sinkhorn_blur": SAMPLE_SINKHORN_BLUR,
        "mmd2": eval.metrics.mmd2,
        "mmd_bandwidth": eval.metrics.bandwidth,
        "w2_floor": floor.w2,
        "sinkhorn_floor": floor.sinkhorn,
        "mmd2_floor": floor.mmd2,
        "eval_steps": eval.long_run_steps,
        "model": model_path.display().to_string(),
        "samples": samples_path.display().to_string(),
    });
    if let (Some((l, data_units)), Some(map)) = (&likelihood, record.as_object_mut()) {
        map.insert("log_likelihood".into(), json!(l.per_datum));
        map.insert("log_likelihood_data_units".into(), json!(data_units));
        map.insert("log_likelihood_se".into(), json!(l.std_error));
        map.insert("log_z".into(), json!(l.log_z.log_z));
        map.insert("log_z_se".into(), json!(l.log_z.std_error));
        map.insert("ais_ess".into(), json!(l.log_z.ess));
        map.insert("ais_chains".into(), json!(ais_chains));
    }
    if let (EbmData::User(user), Some(map)) = (&data, record.as_object_mut()) {
        let d = &user.data;
        map.insert("dim".into(), json!(d.dim()));
        map.insert("data_fingerprint".into(), json!(d.fingerprint()));
        map.insert("data_rows".into(), json!([d.train.n, d.test.n]));
        map.insert("held_out".into(), json!(d.held_out.to_string()));
        map.insert(
            "units".into(),
            json!({"mean": user.units.mean, "scale": user.units.scale}),
        );
    }
    std::fs::write(&json_path, format!("{record:#}\n"))
        .map_err(|e| format!("{}: {e}", json_path.display()))?;
    let png = if drawn {
        format!("{}", png.display())
    } else {
        "no figure".to_owned()
    };
    println!(
        "  wrote {}, {png}, {}, the long-run samples in data units {} and the checkpoint \
         {}; total {:.1} s",
        model_path.display(),
        json_path.display(),
        samples_path.display(),
        checkpoint.display(),
        start.elapsed().as_secs_f64()
    );
    Ok(None)
}

/// The held-out log-likelihood (AIS with `chains` chains from a Gaussian fitted to the
/// training rows and widened 1.5×), printed, with its value in data units (a user's
/// standardised data: minus Σ log scale); `None` for 0 chains.
fn held_out_likelihood(
    t: &EbmTrainer<f32, MlpEnergy<f32>>,
    data: &EbmData,
    (train, test): (&[f64], &[f64]),
    chains: usize,
    threads: usize,
) -> Result<Option<(HeldOutLikelihood, f64)>, String> {
    if chains == 0 {
        return Ok(None);
    }
    let s = t.ebm_settings();
    let base = GaussianBase::fit(train, data.dim(), 1.5).map_err(|e| message(&e))?;
    let ais = AisSettings {
        chains,
        seed: s.seed,
        ..AisSettings::default()
    };
    let energy = t.model().file_energy_in_f64(threads);
    let l = held_out_log_likelihood(&energy, test, &base, &ais).map_err(|e| message(&e))?;
    let (data_units, units) = match data {
        EbmData::User(user) if !user.units.is_identity() => {
            let log_jacobian: f64 = user.units.scale.iter().map(|s| s.ln()).sum();
            (l.per_datum - log_jacobian, " in standardised units")
        }
        _ => (l.per_datum, ""),
    };
    let in_data = if units.is_empty() {
        String::new()
    } else {
        format!(", {data_units:.4} in data units")
    };
    println!(
        "  held-out log-likelihood {:.4} ± {:.4} nats per point{units}{in_data} (log Z by AIS \
         {:.4} ± {:.4}: {chains} chains × {} temperatures, ESS {:.0}, MALA acceptance {:.2})",
        l.per_datum,
        l.std_error,
        l.log_z.log_z,
        l.log_z.std_error,
        ais.temperatures,
        l.log_z.ess,
        l.log_z.acceptance
    );
    Ok(Some((l, data_units)))
}

/// The distances between data not in the test set and the test points: what a perfect
/// model scores (2D: another draw of the set; digits: as many training images).
fn data_floor(
    data: &EbmData,
    train: &[f64],
    test: &[f64],
    seed: u64,
) -> Result<SampleMetrics, String> {
    let d = data.dim();
    let (other, bandwidth) = match data {
        EbmData::Set2d(set) => (
            set.sample(TEST_POINTS_2D, seed.wrapping_add(0xf100_0000_0000)),
            Some(MMD_BANDWIDTH_2D),
        ),
        EbmData::Digits | EbmData::User(_) => (train[..test.len().min(train.len())].to_vec(), None),
    };
    sample_metrics(&other, &test[..other.len()], d, bandwidth).map_err(|e| e.to_string())
}

fn report(
    data: &EbmData,
    s: &EbmSettings,
    eval: &EbmEvaluation,
    floor: &SampleMetrics,
    n_test: usize,
) {
    if let Some(kl) = eval.kl {
        println!(
            "  KL(data ‖ model) on a {0}×{0} grid over the data's box: {1:.4} nats",
            kl.cells_per_axis, kl.kl
        );
    }
    let m = &eval.metrics;
    println!(
        "  long-run samples ({} steps of {} from {}) vs {n_test} held-out points{}: \
         W2 {:.4}, Sinkhorn {:.4} (blur {SAMPLE_SINKHORN_BLUR} in the held-out set's standard \
         units), MMD² {:.3e} (RBF bandwidth {:.3}), energy distance {:.4}; worst feature: \
         mean off by {:.3} sd, sd off by {:.1} %",
        eval.long_run_steps,
        scheme_label(&s.particles),
        match data {
            EbmData::Set2d(_) => "the uniform box",
            EbmData::Digits | EbmData::User(_) => "the replay buffer",
        },
        match data {
            EbmData::User(user) if !user.units.is_identity() => " (in standardised units)",
            _ => "",
        },
        m.w2,
        m.sinkhorn,
        m.mmd2,
        m.bandwidth,
        m.energy_distance,
        m.worst_mean_error,
        100.0 * m.worst_sd_error
    );
    let other = match data {
        EbmData::Set2d(_) => "another draw of the set",
        EbmData::Digits => "as many training images",
        EbmData::User(_) => "as many training rows",
    };
    println!(
        "  floors ({other} vs the held-out points): W2 {:.4}, Sinkhorn {:.4}, MMD² {:.3e}",
        floor.w2, floor.sinkhorn, floor.mmd2
    );
}

/// The run's figure: energy contours with the long-run samples (2D), a grid of long-run
/// samples (digits), or none (a user's data set: `Ok(false)`).
fn figure(
    data: &EbmData,
    eval: &EbmEvaluation,
    s: &EbmSettings,
    bytes: gradflow::modelio::ModelBytes,
    model_path: &std::path::Path,
    png: &std::path::Path,
) -> Result<bool, String> {
    let figure = match data {
        EbmData::Set2d(set) => {
            let mut energy =
                gradflow::plot::ModelEnergy::new(bytes, model_path).map_err(|e| e.to_string())?;
            let title = format!(
                "ebm {} on {set}, τ = {}: energy and long-run samples",
                scheme_label(&s.particles),
                s.particles.step
            );
            energy_contours(|x| energy.energy(x), *set, Some(&eval.samples), &title)
        }
        EbmData::Digits => return crate::cmd_train::digits_grid(&eval.samples, png).map(|()| true),
        EbmData::User(_) => return Ok(false),
    }
    .map_err(|e| e.to_string())?;
    figure.write_png(png).map_err(|e| e.to_string())?;
    Ok(true)
}

/// `--scheme`: a particle scheme of the batch (ula, jko, jko2 or mala).
pub(crate) fn particle_scheme(name: &str) -> Result<SamplerKind, String> {
    SamplerKind::from_name(name)
        .filter(|k| *k != SamplerKind::Baoab)
        .ok_or_else(|| format!("unknown particle scheme {name:?}; expected ula, jko, jko2 or mala"))
}

/// A particle scheme as the reports name it: `mala`, `jko2(M=4)`.
pub(crate) fn scheme_label(s: &SamplerSettings) -> String {
    if s.kind.is_proximal() {
        format!("{}(M={})", s.kind, s.inner_iters)
    } else {
        s.kind.to_string()
    }
}
