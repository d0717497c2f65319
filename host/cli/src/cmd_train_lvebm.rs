//! `gradflow train lvebm`: a latent-variable EBM trained by coupled particle dynamics, on a
//! built-in known-answer set or a data file; writes a JSON report (and for an MLP joint
//! energy the model file, whose conditionals `gradflow sample --given` and the C API sample).

use std::path::Path;
use std::time::Instant;

use gradflow::data::Samples;
use gradflow::ebm::{BatchEnergy, EnergyModel, MlpEnergy};
use gradflow::engine::{DeviceChoice, Network};
use gradflow::lvebm::{
    DoubleWellSensor, EvalSettings, ExactAnswers, KnownSet, LatentEvaluation, LatentMean,
    LatentPrecision, LvebmSettings, LvebmTrainer, NegativePhase, Ppca, SENSOR_DIM, SensorData,
    ThetaOptimizer, evaluate_latent, plot_recovery, recovery, simulate,
};
use gradflow_core::{Activation, SamplerKind, SamplerSettings, Scalar};
use serde_json::{Value, json};

use crate::cmd_device::open_device;
use crate::cmd_train::{
    Driven, TrainArgs, data_file_options, drive, is_data_file, run_paths, with_suffix,
};
use crate::cmd_train_ebm::{flow_option_given, scheme_label};
use crate::flags::message;

/// Options of `gradflow train lvebm` (refused by the other methods).
#[derive(clap::Args)]
pub struct LvebmOptions {
    /// lvebm: joint energy family: mlp, latent-mean (T1), latent-precision (T2), ppca (T3)
    /// or double-well-sensor [default: the built-in set's own family; mlp for a file].
    #[arg(long)]
    family: Option<String>,
    /// lvebm: latent dimension dz of an mlp or ppca family [default: 1; latent-mean and
    /// latent-precision have dz = dx].
    #[arg(long)]
    latent_dim: Option<usize>,
    /// lvebm: persistent conditional particles M per datum [default: 8; 16 on
    /// double-well-sensor].
    #[arg(long)]
    latents_per_datum: Option<usize>,
    /// lvebm: step η_c of the conditional particles [default: 0.02; 0.01 on
    /// double-well-sensor].
    #[arg(long)]
    posterior_tau: Option<f64>,
    /// lvebm: conditional steps K_c per update [default: 5].
    #[arg(long)]
    posterior_steps: Option<usize>,
    /// lvebm: step η_n of the joint pool [default: 0.02; 0.01 on double-well-sensor].
    #[arg(long)]
    pool_tau: Option<f64>,
    /// lvebm: pool steps K_n per update [default: 5].
    #[arg(long)]
    pool_steps: Option<usize>,
    /// lvebm: joint pool particles P [default: 1024; 1000 on double-well-sensor].
    #[arg(long)]
    pool_size: Option<usize>,
    /// lvebm: θ's optimiser, sgd or adam [default: adam].
    #[arg(long)]
    optimizer: Option<ThetaOptimizer>,
    /// lvebm: negative phase: pool (the method) or exact (closed-form ∇ log Z: with
    /// --optimizer sgd and --posterior-steps 1, the PGD baseline) [default: pool].
    #[arg(long)]
    negative: Option<NegativePhase>,
}

impl LvebmOptions {
    /// The first lvebm option given, by its flag (the other methods refuse them).
    pub fn given(&self) -> Option<&'static str> {
        [
            ("--family", self.family.is_some()),
            ("--latent-dim", self.latent_dim.is_some()),
            ("--latents-per-datum", self.latents_per_datum.is_some()),
            ("--posterior-tau", self.posterior_tau.is_some()),
            ("--posterior-steps", self.posterior_steps.is_some()),
            ("--pool-tau", self.pool_tau.is_some()),
            ("--pool-steps", self.pool_steps.is_some()),
            ("--pool-size", self.pool_size.is_some()),
            ("--optimizer", self.optimizer.is_some()),
            ("--negative", self.negative.is_some()),
        ]
        .into_iter()
        .find_map(|(flag, given)| given.then_some(flag))
    }
}

/// The joint energy families.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    Mlp,
    LatentMean,
    LatentPrecision,
    Ppca,
    DoubleWellSensor,
}

impl Family {
    fn parse(name: &str) -> Result<Self, String> {
        match name {
            "mlp" => Ok(Self::Mlp),
            "latent-mean" => Ok(Self::LatentMean),
            "latent-precision" => Ok(Self::LatentPrecision),
            "ppca" => Ok(Self::Ppca),
            SENSOR_SET => Ok(Self::DoubleWellSensor),
            _ => Err(format!(
                "--family {name:?}: expected mlp, latent-mean, latent-precision, ppca or \
                 {SENSOR_SET}"
            )),
        }
    }

    fn of_set(set: KnownSet) -> Self {
        match set {
            KnownSet::LatentMean => Self::LatentMean,
            KnownSet::LatentPrecision => Self::LatentPrecision,
            KnownSet::Ppca => Self::Ppca,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Mlp => "mlp",
            Self::LatentMean => "latent-mean",
            Self::LatentPrecision => "latent-precision",
            Self::Ppca => "ppca",
            Self::DoubleWellSensor => SENSOR_SET,
        }
    }
}

/// The physical system's name, as a data set and as a family.
const SENSOR_SET: &str = "double-well-sensor";
/// Observations of the physical system.
const SENSOR_POINTS: usize = 300;

/// The data of a run: a built-in set, the simulated physical system, or a file.
struct Data {
    name: String,
    set: Option<KnownSet>,
    /// The physical system's simulation, hidden positions included.
    sensor: Option<SensorData>,
    values: Vec<f64>,
    dx: usize,
}

fn data(args: &TrainArgs) -> Result<Data, String> {
    let name = args.dataset.as_deref().unwrap_or("ppca");
    if let Ok(set) = name.parse::<KnownSet>() {
        return Ok(Data {
            name: name.into(),
            set: Some(set),
            sensor: None,
            values: set.sample(args.seed),
            dx: set.observed_dim(),
        });
    }
    if name == SENSOR_SET {
        let sim = simulate(SENSOR_POINTS, args.seed).map_err(|e| e.to_string())?;
        return Ok(Data {
            name: name.into(),
            set: None,
            values: sim.x.clone(),
            sensor: Some(sim),
            dx: SENSOR_DIM,
        });
    }
    let path = Path::new(name);
    if !is_data_file(name) {
        return Err(format!(
            "--dataset {name:?}: not a built-in set ({}, {SENSOR_SET}) nor a .csv / .npy file",
            KnownSet::NAMES.join(", ")
        ));
    }
    let s = Samples::read(path).map_err(|e| format!("--dataset {name}: {e}"))?;
    Ok(Data {
        name: name.into(),
        set: None,
        sensor: None,
        values: s.data,
        dx: s.d,
    })
}

/// The flow and EBM options that `train lvebm` refuses, by flag (it shares `--scheme`,
/// `--inner-iters`, `--relaxation` and `--beta1` with `train ebm`; `--test`,
/// `--test-fraction` and `--standardize` are not yet its own).
fn other_option_given(args: &TrainArgs) -> Option<&'static str> {
    const SHARED: [&str; 4] = ["--scheme", "--inner-iters", "--relaxation", "--beta1"];
    let ebm_only = args
        .ebm
        .flags()
        .into_iter()
        .find_map(|(flag, given)| (given && !SHARED.contains(&flag)).then_some(flag));
    let data_file = data_file_options(args)
        .into_iter()
        .find_map(|(flag, given)| given.then_some(flag));
    let eval_every = (args.eval_every > 0).then_some("--eval-every");
    flow_option_given(args)
        .or(ebm_only)
        .or(data_file)
        .or(eval_every)
}

/// The defaults on `data`: the method's, and on the physical system MALA at η = 0.01
/// (steeper steps strand particles on the walls of the well, where every proposal is
/// rejected), 16 latents per datum, full batches and Adam at 0.01 for 1500 updates.
fn defaults(data: &Data) -> LvebmSettings {
    let d = LvebmSettings::default();
    if data.sensor.is_none() {
        return d;
    }
    let mala = SamplerSettings {
        step: 0.01,
        ..SamplerSettings::of(SamplerKind::Mala)
    };
    LvebmSettings {
        posterior: mala,
        particles_per_datum: 16,
        pool: mala,
        pool_size: 1000,
        batch: 0,
        lr: 0.01,
        updates: 1500,
        ..d
    }
}

fn settings(args: &TrainArgs, data: &Data) -> Result<LvebmSettings, String> {
    let (o, e) = (&args.lvebm, &args.ebm);
    let d = defaults(data);
    let kind = e.scheme.unwrap_or(d.posterior.kind);
    let particles = |tau: Option<f64>, default: &SamplerSettings| SamplerSettings {
        kind,
        step: tau.unwrap_or(default.step),
        inner_iters: e.inner_iters.unwrap_or(4),
        relaxation: e.relaxation.unwrap_or(default.relaxation),
        ..*default
    };
    let s = LvebmSettings {
        posterior: particles(o.posterior_tau, &d.posterior),
        posterior_steps: o.posterior_steps.unwrap_or(d.posterior_steps),
        particles_per_datum: o.latents_per_datum.unwrap_or(d.particles_per_datum),
        pool: particles(o.pool_tau, &d.pool),
        pool_steps: o.pool_steps.unwrap_or(d.pool_steps),
        pool_size: o.pool_size.unwrap_or(d.pool_size),
        batch: args.batch.unwrap_or(d.batch),
        optimizer: o.optimizer.unwrap_or(d.optimizer),
        lr: args.lr.unwrap_or(d.lr),
        beta1: e.beta1.unwrap_or(d.beta1),
        negative: o.negative.unwrap_or(d.negative),
        updates: args.steps.unwrap_or(d.updates),
        seed: args.seed,
    };
    s.validate().map_err(|e| message(&e))?;
    Ok(s)
}

/// Runs `gradflow train lvebm`: `Ok(Some(message))` when interrupted.
pub fn run(args: &TrainArgs) -> Result<Option<String>, String> {
    if let Some(flag) = other_option_given(args) {
        return Err(format!("{flag} does not apply to lvebm"));
    }
    let data = data(args)?;
    let mut s = settings(args, &data)?;
    let n = data.values.len() / data.dx;
    if args.batch.is_none() {
        s.batch = s.batch.min(n);
    }
    let family = match (args.lvebm.family.as_deref(), data.set) {
        (Some(name), _) => Family::parse(name)?,
        (None, Some(set)) => Family::of_set(set),
        (None, None) if data.sensor.is_some() => Family::DoubleWellSensor,
        (None, None) => Family::Mlp,
    };
    let dx = data.dx;
    let dz = match family {
        Family::LatentMean | Family::LatentPrecision => {
            if args.lvebm.latent_dim.is_some_and(|k| k != dx) {
                return Err(format!(
                    "--latent-dim: the {} family has dz = dx = {dx}",
                    family.name()
                ));
            }
            dx
        }
        Family::Mlp | Family::Ppca => args.lvebm.latent_dim.unwrap_or(1),
        Family::DoubleWellSensor => {
            if dx != SENSOR_DIM || args.lvebm.latent_dim.is_some_and(|k| k != 1) {
                return Err(format!(
                    "the {SENSOR_SET} family has dx = {SENSOR_DIM} and dz = 1 (data: dx = {dx})"
                ));
            }
            1
        }
    };
    if dz == 0 || (family == Family::Ppca && dz >= dx) {
        return Err(format!(
            "--latent-dim {dz}: must be >= 1{}",
            if family == Family::Ppca {
                format!(" and < dx = {dx}")
            } else {
                String::new()
            }
        ));
    }
    let mut device = match family {
        Family::Mlp => Some(open_device(args.device, args.threads)?),
        _ if args.device == DeviceChoice::Cuda => {
            return Err(format!(
                "--device cuda: the {} family has no network to run on a GPU",
                family.name()
            ));
        }
        _ => None,
    };
    let run = Run {
        args,
        data: &data,
        settings: &s,
        family,
        dz,
        device: device
            .as_ref()
            .map_or_else(|| "cpu (closed form)".into(), |d| d.name()),
    };
    match family {
        Family::Mlp => {
            let widths = args.widths.clone().unwrap_or(vec![64, 64]);
            if widths.is_empty() || widths.contains(&0) {
                return Err("--widths: every width must be >= 1".into());
            }
            let net = Network::<f64>::latent_energy(dx, dz, &widths, Activation::Silu, s.seed)
                .map_err(|e| e.to_string())?;
            let as_f64 = |m: &MlpEnergy<f32>| -> Result<Box<dyn BatchEnergy<f64>>, String> {
                Ok(Box::new(m.file_energy_in_f64(args.threads)))
            };
            let none = |_: &MlpEnergy<f32>, _: &[f64]| None;
            let device = device.take().expect("opened for the mlp family");
            run.train(MlpEnergy::<f32>::on(net, device), as_f64, none, |_, _| {
                Ok(json!({}))
            })
        }
        Family::LatentMean => {
            let marginal = |m: &LatentMean, x: &[f64]| Some(m.log_marginal(x));
            run.train::<f64, _>(LatentMean::new(dx, 0.0), boxed, marginal, |t, _| {
                let (m, mle) = (t.model(), LatentMean::mle(&data.values));
                let at_mle = LatentMean::new(dx, mle);
                Ok(json!({
                    "theta": m.theta(),
                    "mle": mle,
                    "abs_error": (m.theta() - mle).abs(),
                    "log_likelihood_at_mle": mean_log(&data.values, dx, |x| at_mle.log_marginal(x)),
                }))
            })
        }
        Family::LatentPrecision => {
            let marginal = |m: &LatentPrecision, x: &[f64]| Some(m.log_marginal(x));
            run.train::<f64, _>(LatentPrecision::new(dx, 2.0), boxed, marginal, |t, _| {
                let (m, mle) = (t.model(), LatentPrecision::mle(&data.values));
                let at_mle = mle.map(|a| {
                    let f = LatentPrecision::new(dx, a);
                    mean_log(&data.values, dx, |x| f.log_marginal(x))
                });
                Ok(json!({
                    "a": m.precision(),
                    "mle": mle,
                    "abs_error": mle.map(|a| (m.precision() - a).abs()),
                    "log_likelihood_at_mle": at_mle,
                }))
            })
        }
        Family::Ppca => {
            let init = Ppca::new(&vec![0.3; dx * dz], &vec![0.0; dx], 1.0);
            let marginal = |m: &Ppca, x: &[f64]| Some(m.log_marginal(x));
            run.train::<f64, _>(init, boxed, marginal, |t, _| {
                Ok(ppca_report(t.model(), &data.values, dx, dz))
            })
        }
        Family::DoubleWellSensor => {
            let start = DoubleWellSensor::new(1.0, [0.5, 0.5], [0.0, 0.0], 1.0);
            let marginal = |m: &DoubleWellSensor, x: &[f64]| m.posterior(x).map(|p| p.log_evidence);
            run.train::<f64, _>(start, boxed, marginal, |t, prefix| {
                sensor_report(t, data.sensor.as_ref(), prefix)
            })
        }
    }
}

/// (1/n)Σ f(xᵢ) over the rows of `data`: a mean log-likelihood.
fn mean_log(data: &[f64], dx: usize, f: impl Fn(&[f64]) -> f64) -> f64 {
    data.chunks_exact(dx).map(f).sum::<f64>() / (data.len() / dx) as f64
}

/// A closed-form family evaluated as itself.
fn boxed<F: BatchEnergy<f64> + Clone + 'static>(
    m: &F,
) -> Result<Box<dyn BatchEnergy<f64>>, String> {
    Ok(Box::new(m.clone()))
}

/// The physical system: the learned parameters against the truth, the recovery of the
/// hidden positions (against the exact posterior of the true parameters), the figure
/// PREFIX.png.
fn sensor_report(
    t: &LvebmTrainer<f64, DoubleWellSensor>,
    sensor: Option<&SensorData>,
    prefix: &Path,
) -> Result<Value, String> {
    let Some(sim) = sensor else {
        return Ok(json!({}));
    };
    let m = t.lvebm_settings().particles_per_datum;
    let rec = recovery(t.model(), &sim.truth, &sim.x, &sim.z, t.latents(), m)
        .map_err(|e| e.to_string())?;
    let png = with_suffix(prefix, ".png");
    plot_recovery(&png, sim, &rec).map_err(|e| e.to_string())?;
    println!(
        "  hidden positions: well accuracy {:.3} (exact posterior of the true parameters: \
         {:.3}), RMSE {:.3} ({:.3}), correlation {:.3} ({:.3}); figure {}",
        rec.learned.well_accuracy,
        rec.oracle.well_accuracy,
        rec.learned.rmse,
        rec.oracle.rmse,
        rec.learned.correlation,
        rec.oracle.correlation,
        png.display()
    );
    let mut report = rec.to_json();
    let at_truth = mean_log(&sim.x, SENSOR_DIM, |x| {
        sim.truth.posterior(x).map_or(f64::NAN, |p| p.log_evidence)
    });
    if let Some(o) = report.as_object_mut() {
        o.insert("log_likelihood_at_truth".into(), json!(at_truth));
        o.insert("figure".into(), json!(png.display().to_string()));
        o.insert("simulation".into(), sim.settings.to_json());
    }
    Ok(report)
}

/// The learned PPCA against Tipping and Bishop's closed form.
fn ppca_report(m: &Ppca, data: &[f64], dx: usize, dz: usize) -> Value {
    let mle = Ppca::mle(data, dx, dz);
    let max_err = |a: &[f64], b: &[f64]| {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max)
    };
    let at_mle = mean_log(data, dx, |x| mle.log_marginal(x));
    json!({
        "log_likelihood_at_mle": at_mle,
        "mean": m.mean(), "noise": m.noise(), "wwt": m.wwt(),
        "mle": { "mean": mle.mean, "noise": mle.noise, "wwt": mle.wwt },
        "max_abs_error": {
            "mean": max_err(m.mean(), &mle.mean),
            "noise": (m.noise() - mle.noise).abs(),
            "wwt": max_err(&m.wwt(), &mle.wwt),
        },
    })
}

/// What every family's run shares.
struct Run<'a> {
    args: &'a TrainArgs,
    data: &'a Data,
    settings: &'a LvebmSettings,
    family: Family,
    dz: usize,
    /// Where the energy runs (for the report).
    device: String,
}

impl Run<'_> {
    /// Trains `model`, then evaluates and writes the outputs. `as_f64`: the model as an f64
    /// energy; `log_marginal`: log p(x) of a row in closed form (`None` without one);
    /// `known`: the family's known answers (JSON).
    fn train<S: Scalar, M: EnergyModel<S>>(
        &self,
        model: M,
        as_f64: impl Fn(&M) -> Result<Box<dyn BatchEnergy<f64>>, String>,
        log_marginal: impl Fn(&M, &[f64]) -> Option<f64>,
        known: impl Fn(&LvebmTrainer<S, M>, &Path) -> Result<Value, String>,
    ) -> Result<Option<String>, String> {
        let (args, s, data) = (self.args, self.settings, self.data);
        let start = Instant::now();
        let (prefix, checkpoint) = run_paths(args, "lvebm")?;
        let mut t =
            LvebmTrainer::<S, M>::new(s, model, &data.values, data.dx).map_err(|e| message(&e))?;
        let hint = "a lower --posterior-tau / --pool-tau or --lr";
        let resumed = match drive(&mut t, args, s.updates, &checkpoint, "update", hint)? {
            Driven::Finished { resumed } => resumed,
            Driven::Interrupted(message) => return Ok(Some(message)),
        };
        let trained = start.elapsed().as_secs_f64();
        self.describe(&t, trained, &resumed);
        let known = known(&t, &prefix)?;
        for key in ["abs_error", "max_abs_error"] {
            if let Some(err) = known.get(key) {
                println!(
                    "  against the closed-form MLE, {}: {err}",
                    key.replace('_', " ")
                );
            }
        }
        let to_f64 = |v: &[S]| v.iter().map(|x| x.to_f64()).collect::<Vec<f64>>();
        let (latents, pool) = (to_f64(t.latents()), to_f64(t.pool()));
        let marginal = |x: &[f64]| log_marginal(t.model(), x);
        let exact = ExactAnswers {
            log_z: t.model().log_partition(),
            log_marginal: Some(&marginal),
        };
        let energy = as_f64(t.model())?;
        let settings = EvalSettings {
            seed: s.seed,
            ..EvalSettings::default()
        };
        let eval = evaluate_latent(
            energy.as_ref(),
            &data.values,
            data.dx,
            &latents,
            &pool,
            exact,
            s.posterior.step,
            &settings,
        )
        .map_err(|e| e.to_string());
        let eval = match eval {
            Ok(e) => {
                report_evaluation(&e);
                e.to_json()
            }
            Err(e) => {
                println!("  evaluation failed: {e}");
                json!({ "error": e })
            }
        };

        let model_path = with_suffix(&prefix, ".gfm");
        let wrote_model = match t.model().model_bytes() {
            Ok(bytes) => {
                bytes.write(&model_path).map_err(|e| e.to_string())?;
                true
            }
            Err(_) => false,
        };
        let latents_path = with_suffix(&prefix, ".latents.npy");
        Samples::new(latents.len() / self.dz, self.dz, latents)
            .and_then(|l| l.write(&latents_path))
            .map_err(|e| e.to_string())?;
        let json_path = with_suffix(&prefix, ".json");
        let record = json!({
            "data": data.name,
            "family": self.family.name(),
            "observed_dim": data.dx,
            "latent_dim": self.dz,
            "settings": s.to_json(),
            "params": t.model().params(),
            "known": known,
            "evaluation": eval,
            "grad_evals_total": t.grad_evals(),
            "train_seconds": trained,
            "model": wrote_model.then(|| model_path.display().to_string()),
            "latents": latents_path.display().to_string(),
        });
        std::fs::write(&json_path, format!("{record:#}\n"))
            .map_err(|e| format!("{}: {e}", json_path.display()))?;
        println!(
            "  wrote {}{}, {} (conditional particles, M rows per datum) and the checkpoint {}; \
             total {:.1} s",
            json_path.display(),
            if wrote_model {
                format!(", {}", model_path.display())
            } else {
                String::new()
            },
            latents_path.display(),
            checkpoint.display(),
            start.elapsed().as_secs_f64()
        );
        Ok(None)
    }

    /// The line that says what was trained.
    fn describe<S: Scalar, M: EnergyModel<S>>(
        &self,
        t: &LvebmTrainer<S, M>,
        trained: f64,
        resumed: &str,
    ) {
        let (s, data) = (self.settings, self.data);
        println!(
            "trained lvebm ({} family, dx = {}, dz = {}) on {} in {trained:.1} s ({} updates, \
             batch {}, M = {} latents per datum, pool {}, {} at η_c = {} × {} / η_n = {} × {}, \
             {} λ = {}, {} gradient evaluations, {}{resumed})",
            self.family.name(),
            data.dx,
            self.dz,
            data.name,
            s.updates,
            if s.batch == 0 {
                data.values.len() / data.dx
            } else {
                s.batch
            },
            s.particles_per_datum,
            match s.negative {
                NegativePhase::Pool => s.pool_size.to_string(),
                NegativePhase::Exact => "none (exact ∇ log Z)".into(),
            },
            scheme_label(&s.posterior),
            s.posterior.step,
            s.posterior_steps,
            s.pool.step,
            s.pool_steps,
            s.optimizer.name(),
            s.lr,
            t.grad_evals(),
            self.device,
        );
    }
}

/// Prints the ELBOs and the log-likelihood.
fn report_evaluation(e: &LatentEvaluation) {
    let exact = e.log_z_exact.map_or(String::new(), |z| {
        format!(" (exact {z:.4}; the ELBOs use it)")
    });
    println!(
        "  log Z by AIS {:.4} ± {:.4}{exact}",
        e.log_z_ais, e.log_z_ais_se
    );
    let ll = e.log_likelihood.map_or("n/a".into(), |l| format!("{l:.4}"));
    println!(
        "  per datum over {} points (nats): particle ELBO {:.4} ({} MALA chains per datum, \
         acceptance {:.2}), Gaussian-posterior ELBO {:.4}, log-likelihood {ll} ({})",
        e.points,
        e.particle_elbo,
        e.latents_per_datum,
        e.posterior_acceptance,
        e.gaussian_elbo,
        e.log_likelihood_method
    );
}
