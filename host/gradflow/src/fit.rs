//! Fitting an MLP energy to an analytic potential's energies and forces: a learned force
//! field for the C/C++ examples and for firmware, and a standing check that a network of
//! a given size can represent a given potential.
//!
//! The loss over points drawn uniformly in a box is, in units normalised by the targets'
//! mean m and standard deviation s,
//! `½(Ẽθ(x) − Ẽ(x))² + ½λ‖∇Ẽθ(x) − ∇Ẽ(x)‖²`. The force term's parameter gradient
//! `∇θ(∇ₓẼθ · r)` (r the force residual) is a directional derivative of `∇θẼθ` along r,
//! taken by a central difference of two parameter VJPs (step h = 1e-4 along r/‖r‖, error
//! O(h²) ≈ 1e-8 relative in f64). Training runs in f64; the file stores f32 weights with
//! the normalisation folded into the output layer.
//!
//! [`fit`] runs it in one call; [`FitTrainer`] is the same fit as a
//! [`Trainer`], which `gradflow fit` drives with
//! [`train::run`](crate::train::run) for progress, checkpoints, resume and Ctrl-C. Both
//! give the same model, bit for bit, whether or not the run was stopped and resumed.

use gradflow_core::model::{Architecture, ModelKind};
use gradflow_core::{Activation, DoubleWell, Energy, Mlp, MlpParams, MullerBrown, StreamRng};
use serde_json::{Value, json};

use crate::SettingError;
use crate::modelio::{ModelBytes, ModelIoError, activation_name};
use crate::optim::Adam;
use crate::train::{
    Checkpoint, CheckpointError, RunOptions, StepError, StepStats, TrainError, Trainer, run,
};

/// The potential to fit (2D).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FitTarget {
    /// Müller–Brown times `scale`, on x ∈ [−1.5, 1.2], y ∈ [−0.2, 2.0].
    MullerBrown {
        /// The scale (inverse temperature).
        scale: f64,
    },
    /// The 2D double well h(x₀² − 1)² + ½κx₁², on [−2, 2]².
    DoubleWell {
        /// Barrier h.
        barrier: f64,
        /// Transverse stiffness κ.
        stiffness: f64,
    },
}

impl FitTarget {
    /// The box the training points are drawn from: (lower corner, upper corner).
    pub fn domain(&self) -> ([f64; 2], [f64; 2]) {
        match self {
            Self::MullerBrown { .. } => ([-1.5, -0.2], [1.2, 2.0]),
            Self::DoubleWell { .. } => ([-2.0, -2.0], [2.0, 2.0]),
        }
    }

    /// E and ∇E at a point of the plane (the targets are planar, so a 2D point cannot be
    /// refused); a double well with invalid parameters is the core's error.
    fn energy_grad(&self, x: &[f64; 2], g: &mut [f64; 2]) -> Result<f64, gradflow_core::Error> {
        match *self {
            Self::MullerBrown { scale } => MullerBrown { scale }.energy_grad(x, g),
            Self::DoubleWell { barrier, stiffness } => {
                DoubleWell::<f64, 2>::new(barrier, stiffness)?.energy_grad(x, g)
            }
        }
    }
}

/// Settings of [`fit`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FitSettings {
    /// The potential.
    pub target: FitTarget,
    /// Hidden width: 16, 32 or 64 (two hidden layers).
    pub width: usize,
    /// Activation of the hidden layers (smooth ones give smooth forces).
    pub activation: Activation,
    /// Adam steps.
    pub iters: usize,
    /// Points per step.
    pub batch: usize,
    /// Initial learning rate (decays linearly to 5 % of it).
    pub lr: f64,
    /// Weight λ of the force term.
    pub force_weight: f64,
    /// Random seed (initialisation and training points).
    pub seed: u64,
}

impl Default for FitSettings {
    fn default() -> Self {
        Self {
            target: FitTarget::MullerBrown { scale: 0.05 },
            width: 32,
            activation: Activation::Silu,
            iters: 10000,
            batch: 128,
            lr: 1e-2,
            force_weight: 1.0,
            seed: 0,
        }
    }
}

/// Accuracy of a fit on 4096 fresh points, in the potential's units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FitReport {
    /// Root-mean-square energy error.
    pub rms_energy: f64,
    /// Root-mean-square force error (over all components).
    pub rms_force: f64,
    /// Standard deviation of the target energies (the scale to judge `rms_energy` by).
    pub energy_std: f64,
    /// Root-mean-square of the target force components.
    pub force_rms: f64,
}

/// Why a fit failed.
#[derive(Debug)]
pub enum FitError {
    /// A setting is out of its domain, named by its [`FitSettings`] field.
    Settings(SettingError),
    /// The loss became NaN or infinite (learning rate too high?).
    Diverged,
    /// The target energy refused its parameters.
    Target(gradflow_core::Error),
    /// Encoding the model failed.
    Model(ModelIoError),
    /// The training loop stopped for another reason than divergence.
    Train(TrainError),
}

impl std::fmt::Display for FitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Settings(e) => write!(f, "invalid fit settings: {e}"),
            Self::Diverged => write!(f, "fit diverged (NaN loss): lower the learning rate"),
            Self::Target(e) => write!(f, "invalid fit target: {e}"),
            Self::Model(e) => write!(f, "{e}"),
            Self::Train(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for FitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Settings(e) => Some(e),
            Self::Target(e) => Some(e),
            Self::Model(e) => Some(e),
            Self::Train(e) => Some(e),
            Self::Diverged => None,
        }
    }
}

/// Fits the MLP and returns its model file with the accuracy reached.
pub fn fit(s: &FitSettings) -> Result<(ModelBytes, FitReport), FitError> {
    let mut trainer = FitTrainer::new(s)?;
    match run(&mut trainer, &RunOptions::new(s.iters as u64)) {
        Ok(_) => trainer.finish(),
        Err(TrainError::Diverged { .. }) => Err(FitError::Diverged),
        Err(e) => Err(FitError::Train(e)),
    }
}

fn point(rng: &mut StreamRng, (lo, hi): ([f64; 2], [f64; 2])) -> [f64; 2] {
    core::array::from_fn(|k| lo[k] + (hi[k] - lo[k]) * rng.uniform_open01())
}

/// The network's parameters, for each supported width.
#[derive(Clone, Debug)]
enum Params {
    W16(Box<MlpParams<f64, 2, 16, 1, 1>>),
    W32(Box<MlpParams<f64, 2, 32, 1, 1>>),
    W64(Box<MlpParams<f64, 2, 64, 1, 1>>),
}

/// Calls `$body` with `$p` bound to the parameters of whichever width `$params` holds.
macro_rules! with_params {
    ($params:expr, $p:ident => $body:expr) => {
        match $params {
            Params::W16($p) => $body,
            Params::W32($p) => $body,
            Params::W64($p) => $body,
        }
    };
}

/// The fit as a [`Trainer`]: Adam on the MLP's parameters, with a learning rate that decays
/// linearly with the step count, training points from one random stream.
///
/// Its checkpoint holds the parameters (`params`), Adam's state (`adam.*`), the training
/// points' random stream (`rng.points`) and the target normalisation (`norm`, checked on
/// restore); its settings are all of [`FitSettings`].
#[derive(Clone, Debug)]
pub struct FitTrainer {
    settings: FitSettings,
    /// Mean and standard deviation of the target energies.
    mean: f64,
    std: f64,
    params: Params,
    adam: Adam,
    points: StreamRng,
    step: u64,
}

impl FitTrainer {
    /// The fit before its first step: settings checked, target normalisation measured on
    /// 4096 points, network initialised (LeCun normal).
    pub fn new(s: &FitSettings) -> Result<Self, FitError> {
        let bad = |field, what: String| Err(FitError::Settings(SettingError::new(field, what)));
        if s.iters == 0 {
            return bad("iters", "must be at least 1".into());
        }
        if s.batch == 0 {
            return bad("batch", "must be at least 1".into());
        }
        if !(s.lr.is_finite() && s.lr > 0.0) {
            return bad("lr", format!("{} must be finite and > 0", s.lr));
        }
        if !(s.force_weight.is_finite() && s.force_weight >= 0.0) {
            return bad(
                "force_weight",
                format!("{} must be finite and >= 0", s.force_weight),
            );
        }
        fn init<const W: usize>(seed: u64) -> Box<MlpParams<f64, 2, W, 1, 1>> {
            let mut p = Box::new(MlpParams::<f64, 2, W, 1, 1>::zeroed());
            p.init_lecun_normal(&mut StreamRng::new(seed, 0));
            p
        }
        let params = match s.width {
            16 => Params::W16(init(s.seed)),
            32 => Params::W32(init(s.seed)),
            64 => Params::W64(init(s.seed)),
            w => return bad("width", format!("{w} must be 16, 32 or 64")),
        };
        let (mean, std) = normalisation(s)?;
        let n = with_params!(&params, p => p.as_flat().len());
        Ok(Self {
            settings: *s,
            mean,
            std,
            params,
            adam: Adam::new(n, s.lr),
            points: StreamRng::new(s.seed, 2),
            step: 0,
        })
    }

    /// The settings it was built with.
    pub fn fit_settings(&self) -> &FitSettings {
        &self.settings
    }

    /// The network's parameters (flat, in the [`MlpParams`] layout; in normalised units:
    /// [`FitTrainer::finish`] folds the target's mean and scale into the output layer).
    pub fn params(&self) -> &[f64] {
        with_params!(&self.params, p => p.as_flat())
    }

    /// The model file of the network as it stands, and its accuracy on 4096 fresh points.
    pub fn finish(&self) -> Result<(ModelBytes, FitReport), FitError> {
        with_params!(&self.params, p => finish_width(p, &self.settings, self.mean, self.std))
    }
}

/// Mean and standard deviation of the target energies on 4096 points of stream 1.
fn normalisation(s: &FitSettings) -> Result<(f64, f64), FitError> {
    let domain = s.target.domain();
    let mut rng = StreamRng::new(s.seed, 1);
    let probe = (0..4096)
        .map(|_| {
            s.target
                .energy_grad(&point(&mut rng, domain), &mut [0.0; 2])
        })
        .collect::<Result<Vec<f64>, _>>()
        .map_err(FitError::Target)?;
    let mean = probe.iter().sum::<f64>() / probe.len() as f64;
    let std = (probe.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / probe.len() as f64).sqrt();
    if std.is_nan() || std <= 0.0 || !mean.is_finite() {
        return Err(FitError::Settings(SettingError::new(
            "target",
            "is constant or not finite on its box",
        )));
    }
    Ok((mean, std))
}

impl Trainer for FitTrainer {
    fn kind(&self) -> &'static str {
        "fit"
    }

    fn settings(&self) -> Value {
        let s = &self.settings;
        let mut v = json!({
            "width": s.width,
            "activation": activation_name(s.activation),
            "iters": s.iters,
            "batch": s.batch,
            "lr": s.lr,
            "force_weight": s.force_weight,
            "seed": s.seed,
        });
        let target = match s.target {
            FitTarget::MullerBrown { scale } => {
                json!({"potential": "muller-brown", "scale": scale})
            }
            FitTarget::DoubleWell { barrier, stiffness } => {
                json!({"potential": "double-well", "barrier": barrier, "stiffness": stiffness})
            }
        };
        if let (Some(v), Value::Object(t)) = (v.as_object_mut(), target) {
            v.extend(t);
        }
        v
    }

    fn steps_done(&self) -> u64 {
        self.step
    }

    /// One Adam step on a fresh batch. A non-finite loss leaves the parameters and the
    /// optimiser as they were (the runner stops the run on it).
    fn step(&mut self) -> Result<StepStats, StepError> {
        let (s, mean, std, it) = (&self.settings, self.mean, self.std, self.step);
        self.adam.lr = s.lr * (1.0 - 0.95 * it as f64 / s.iters as f64);
        let (adam, points) = (&mut self.adam, &mut self.points);
        let stats = with_params!(&mut self.params, p => fit_step(p, adam, points, s, mean, std))?;
        self.step += 1;
        Ok(stats)
    }

    fn save(&self) -> Checkpoint {
        let mut c = Checkpoint::new(self.kind(), self.step, self.settings());
        c.put_f64("params", self.params());
        c.put_adam("adam", &self.adam);
        c.put_rng("rng.points", &self.points);
        c.put_f64("norm", &[self.mean, self.std]);
        c
    }

    fn restore(&mut self, c: &Checkpoint) -> Result<(), CheckpointError> {
        let norm = c.f64s_len("norm", 2)?;
        if norm[0].to_bits() != self.mean.to_bits() || norm[1].to_bits() != self.std.to_bits() {
            return Err(CheckpointError::incompatible(
                "the target's normalisation differs from this build's (was the potential \
                 changed?)",
            ));
        }
        let n = self.params().len();
        let values = c.f64s_len("params", n)?;
        let adam = c.adam("adam", n)?;
        let points = c.rng("rng.points")?;
        with_params!(&mut self.params, p => p.as_flat_mut().copy_from_slice(values));
        self.adam = adam;
        self.points = points;
        self.step = c.step;
        Ok(())
    }
}

/// One step: loss and gradient over a batch, then (if the loss is finite) Adam.
fn fit_step<const W: usize>(
    params: &mut MlpParams<f64, 2, W, 1, 1>,
    adam: &mut Adam,
    points: &mut StreamRng,
    s: &FitSettings,
    mean: f64,
    std: f64,
) -> Result<StepStats, gradflow_core::Error> {
    let domain = s.target.domain();
    let h = 1e-4;
    let net = Mlp::new(*params, s.activation);
    let mut grad = MlpParams::<f64, 2, W, 1, 1>::zeroed();
    let (mut loss, mut se, mut sf) = (0.0, 0.0, 0.0);
    let inv_b = 1.0 / s.batch as f64;
    for _ in 0..s.batch {
        let x = point(points, domain);
        let mut g = [0.0; 2];
        let e = (s.target.energy_grad(&x, &mut g)? - mean) / std;
        let g = g.map(|v| v / std);
        let mut gx = [0.0; 2];
        let r_e = net.vjp(&x, &[1.0], &mut gx, None)[0] - e;
        net.vjp(&x, &[r_e * inv_b], &mut [0.0; 2], Some(&mut grad));
        let r = [gx[0] - g[0], gx[1] - g[1]];
        let norm = (r[0] * r[0] + r[1] * r[1]).sqrt();
        loss += 0.5 * (r_e * r_e + s.force_weight * norm * norm) * inv_b;
        se += r_e * r_e * inv_b;
        sf += norm * norm * inv_b;
        if s.force_weight > 0.0 && norm > 0.0 {
            let c = s.force_weight * norm / (2.0 * h) * inv_b;
            let u = [r[0] / norm * h, r[1] / norm * h];
            let (xp, xm) = ([x[0] + u[0], x[1] + u[1]], [x[0] - u[0], x[1] - u[1]]);
            net.vjp(&xp, &[c], &mut [0.0; 2], Some(&mut grad));
            net.vjp(&xm, &[-c], &mut [0.0; 2], Some(&mut grad));
        }
    }
    if loss.is_finite() {
        adam.step(params.as_flat_mut(), grad.as_flat());
    }
    // Errors in normalised units (energies of unit standard deviation).
    Ok(StepStats::new(loss)
        .with("rms_e", se.sqrt())
        .with("rms_f", (sf / 2.0).sqrt()))
}

/// Folds the normalisation into the output layer (E = std·net + mean), encodes the f32
/// model file and measures its accuracy on 4096 fresh points (stream 3).
fn finish_width<const W: usize>(
    params: &MlpParams<f64, 2, W, 1, 1>,
    s: &FitSettings,
    mean: f64,
    std: f64,
) -> Result<(ModelBytes, FitReport), FitError> {
    let domain = s.target.domain();
    let mut params = *params;
    for row in params.output.weight.iter_mut() {
        row[0] *= std;
    }
    params.output.bias[0] = params.output.bias[0] * std + mean;
    let weights: Vec<f32> = params.as_flat().iter().map(|&v| v as f32).collect();
    let arch = Architecture::mlp(ModelKind::Energy, s.activation, 2, &[W, W], 1)
        .map_err(|e| FitError::Model(e.into()))?;
    let model = ModelBytes::encode(&arch, &weights).map_err(FitError::Model)?;

    // Accuracy of the stored (f32) network on fresh points, evaluated in f64.
    let view = model.view();
    let mut scratch = vec![0.0f64; view.scratch_len()];
    let mut test = StreamRng::new(s.seed, 3);
    let (mut se, mut sf, mut e2, mut f2, mut e1) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let n = 4096;
    for _ in 0..n {
        let x = point(&mut test, domain);
        let mut g = [0.0; 2];
        let e = s.target.energy_grad(&x, &mut g).map_err(FitError::Target)?;
        let mut gm = [0.0; 2];
        let em = view
            .energy_grad(&x, &mut gm, &mut scratch)
            .map_err(|e| FitError::Model(e.into()))?;
        se += (em - e).powi(2);
        sf += (gm[0] - g[0]).powi(2) + (gm[1] - g[1]).powi(2);
        e1 += e;
        e2 += e * e;
        f2 += g[0] * g[0] + g[1] * g[1];
    }
    let nf = n as f64;
    let report = FitReport {
        rms_energy: (se / nf).sqrt(),
        rms_force: (sf / (2.0 * nf)).sqrt(),
        energy_std: (e2 / nf - (e1 / nf).powi(2)).max(0.0).sqrt(),
        force_rms: (f2 / (2.0 * nf)).sqrt(),
    };
    Ok((model, report))
}
