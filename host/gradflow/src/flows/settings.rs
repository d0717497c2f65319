//! The methods and their settings, with the defaults of `gradflow train`.

use std::fmt;

use gradflow_core::Activation;
use serde_json::{Value, json};

use super::coupling::Coupling;
use super::error::FlowError;
use super::problem::Problem;
use crate::SettingError;
use crate::data::Dataset2d;
use crate::modelio::activation_name;

/// A way of learning a flow from a source law to a data set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// Flow matching with the independent coupling (rectified flow's first stage).
    Fm,
    /// Flow matching with the exact minibatch OT coupling.
    OtCfm,
    /// Neural Sinkhorn gradient flow: a velocity network regressed on Sinkhorn-flow
    /// trajectories.
    Nsgf,
    /// NSGF++: a few NSGF steps, a time predictor, then a straight (FM) flow.
    NsgfPp,
}

impl Method {
    /// Every method.
    pub const ALL: [Method; 4] = [Self::Fm, Self::OtCfm, Self::Nsgf, Self::NsgfPp];

    /// `fm`, `otcfm`, `nsgf` or `nsgfpp` (the trainer's kind and the manifest's method).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Fm => "fm",
            Self::OtCfm => "otcfm",
            Self::Nsgf => "nsgf",
            Self::NsgfPp => "nsgfpp",
        }
    }

    /// The method called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The Sinkhorn-flow part of NSGF and NSGF++. `Copy`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NsgfSettings {
    /// Sinkhorn-flow steps T of a trajectory (NSGF++: at most 5).
    pub steps: usize,
    /// Step η: trajectory k visits the times k·η, k < T (the velocity network's time
    /// input), and sampling integrates over [0, T·η].
    pub eta: f64,
    /// Sinkhorn blur (ε = blur²; GeomLoss's convention).
    pub blur: f64,
    /// GeomLoss's ε-scaling ratio, in (0, 1).
    pub scaling: f64,
    /// Particles of a trajectory (points of X⁰ and of Y).
    pub particles: usize,
    /// Capacity of the trajectory pool in records (one record: a point, its time and its
    /// velocity); the oldest are dropped first.
    pub pool: usize,
    /// Training steps between two trajectories (one at step 0, 1 + ⌊(steps − 1)/k⌋ in all).
    pub refill_every: u64,
}

/// Everything a flow training run depends on (what its checkpoint records).
#[derive(Clone, Debug, PartialEq)]
pub struct FlowSettings {
    /// The method.
    pub method: Method,
    /// Source and target.
    pub problem: Problem,
    /// The seed of every random draw.
    pub seed: u64,
    /// Training steps (one Adam step of each network per step).
    pub steps: u64,
    /// Training points per network per step.
    pub batch: usize,
    /// Hidden widths of every network.
    pub widths: Vec<usize>,
    /// Activation of the hidden layers.
    pub activation: Activation,
    /// Adam's learning rate.
    pub lr: f64,
    /// The Sinkhorn flow (NSGF and NSGF++ only).
    pub nsgf: NsgfSettings,
    /// NSGF++'s straight-flow step ω: a particle at predicted time τ takes ⌈(1 − τ)/ω⌉
    /// Euler steps to t = 1.
    pub omega: f64,
    /// NSGF++: the coupling of the straight path on which the time predictor and the
    /// straight flow are trained (default: exact OT; see [`super::NsgfPpTrainer`]).
    pub path_coupling: Coupling,
}

impl FlowSettings {
    /// The defaults of `gradflow train METHOD`.
    ///
    /// FM, OT-CFM and NSGF: the paper's 2D settings (MLP 3×256 SiLU, batch 256, 20 000
    /// steps, Adam 1e-3; NSGF's Sinkhorn flow with blur 0.05 and scaling 0.9, T = 40 steps
    /// of η = 0.1, where the flow of 256 particles has come to rest on moons, a trajectory
    /// every 200 steps: 100 trajectories; NSGF's own inference is then 40 Euler steps, see
    /// Table 1 of docs/src/results/flows.md for models trained for 10 or 100). NSGF++:
    /// sized to train and evaluate in under two minutes on two cores: MLP 3×128, 6000
    /// steps, T = 5, η = 0.2, a trajectory every 200 steps, ω = 0.1 (see
    /// docs/src/results/flows.md for the figures).
    pub fn defaults(method: Method) -> Self {
        let paper = Self {
            method,
            problem: Problem::from_normal(Dataset2d::Moons),
            seed: 0,
            steps: 20_000,
            batch: 256,
            widths: vec![256, 256, 256],
            activation: Activation::Silu,
            lr: 1e-3,
            nsgf: NsgfSettings {
                steps: 40,
                eta: 0.1,
                blur: 0.05,
                scaling: 0.9,
                particles: 256,
                pool: 1 << 18,
                refill_every: 200,
            },
            omega: 0.1,
            path_coupling: Coupling::ExactOt,
        };
        match method {
            Method::Fm | Method::OtCfm | Method::Nsgf => paper,
            Method::NsgfPp => Self {
                steps: 6000,
                widths: vec![128, 128, 128],
                nsgf: NsgfSettings {
                    steps: 5,
                    eta: 0.2,
                    pool: 1 << 16,
                    refill_every: 200,
                    ..paper.nsgf
                },
                ..paper
            },
        }
    }

    /// The settings that change a run's result, as a JSON object: what a checkpoint
    /// records, and refuses to resume with other values of. The total step count is not
    /// among them (nothing depends on it), so a run can be continued to more steps.
    pub fn checkpoint_json(&self) -> Value {
        let mut v = self.to_json();
        if let Some(map) = v.as_object_mut() {
            map.remove("steps");
        }
        v
    }

    /// The settings that matter to the method as a JSON object (the manifest records
    /// them).
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "method": self.method.name(),
            "dataset": self.problem.name(),
            "seed": self.seed,
            "steps": self.steps,
            "batch": self.batch,
            "widths": self.widths,
            "activation": activation_name(self.activation),
            "lr": self.lr,
        });
        let n = &self.nsgf;
        if let Some(map) = v.as_object_mut() {
            if let Some(target) = self.problem.data_target() {
                let data = &target.data;
                map.insert("dim".into(), json!(data.dim()));
                map.insert("standardize".into(), json!(target.standardize.name()));
                map.insert("data_fingerprint".into(), json!(data.fingerprint()));
                map.insert("data_rows".into(), json!([data.train.n, data.test.n]));
                map.insert("held_out".into(), json!(data.held_out.to_string()));
            }
            if matches!(self.method, Method::Nsgf | Method::NsgfPp) {
                map.insert("nsgf_steps".into(), json!(n.steps));
                map.insert("eta".into(), json!(n.eta));
                map.insert("blur".into(), json!(n.blur));
                map.insert("scaling".into(), json!(n.scaling));
                map.insert("particles".into(), json!(n.particles));
                map.insert("pool".into(), json!(n.pool));
                map.insert("refill_every".into(), json!(n.refill_every));
            }
            if self.method == Method::NsgfPp {
                map.insert("omega".into(), json!(self.omega));
                map.insert("path_coupling".into(), json!(self.path_coupling.name()));
            }
        }
        v
    }

    /// Checks every setting the method uses; the error names the first bad one.
    pub fn validate(&self) -> Result<(), FlowError> {
        let bad = |field, what: String| Err(FlowError::Settings(SettingError::new(field, what)));
        let positive = |x: f64| x.is_finite() && x > 0.0;
        if self.steps == 0 {
            return bad("steps", "must be at least 1".into());
        }
        if self.batch == 0 {
            return bad("batch", "must be at least 1".into());
        }
        if self.widths.is_empty() || self.widths.len() > 16 {
            return bad("widths", "needs 1 to 16 hidden widths".into());
        }
        if let Some(w) = self.widths.iter().find(|&&w| !(1..=4096).contains(&w)) {
            return bad("widths", format!("has a width {w} outside 1..=4096"));
        }
        if !positive(self.lr) {
            return bad("lr", format!("{} must be finite and > 0", self.lr));
        }
        if !matches!(self.method, Method::Nsgf | Method::NsgfPp) {
            return Ok(());
        }
        let n = &self.nsgf;
        let most = if self.method == Method::NsgfPp {
            5
        } else {
            100_000
        };
        if !(1..=most).contains(&n.steps) {
            return bad("nsgf.steps", format!("{} must be in 1..={most}", n.steps));
        }
        if !positive(n.eta) {
            return bad("nsgf.eta", format!("{} must be finite and > 0", n.eta));
        }
        if !positive(n.blur) {
            return bad("nsgf.blur", format!("{} must be finite and > 0", n.blur));
        }
        if !(n.scaling > 0.0 && n.scaling < 1.0) {
            return bad("nsgf.scaling", format!("{} must be in (0, 1)", n.scaling));
        }
        if n.particles < 2 {
            return bad("nsgf.particles", "must be at least 2".into());
        }
        if n.pool < n.particles * n.steps {
            return bad(
                "nsgf.pool",
                format!(
                    "{} must hold at least one trajectory ({} particles × {} steps = {})",
                    n.pool,
                    n.particles,
                    n.steps,
                    n.particles * n.steps
                ),
            );
        }
        if n.refill_every == 0 {
            return bad("nsgf.refill_every", "must be at least 1".into());
        }
        if self.method == Method::NsgfPp && !(self.omega > 0.0 && self.omega <= 1.0) {
            return bad("omega", format!("{} must be in (0, 1]", self.omega));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_are_named() {
        for m in Method::ALL {
            FlowSettings::defaults(m).validate().unwrap();
            assert_eq!(Method::from_name(m.name()), Some(m));
        }
        let mut s = FlowSettings::defaults(Method::NsgfPp);
        s.nsgf.steps = 6;
        let field = |s: &FlowSettings| match s.validate() {
            Err(FlowError::Settings(e)) => (e.field, e.to_string()),
            other => panic!("expected a settings error, got {other:?}"),
        };
        assert_eq!(
            field(&s),
            ("nsgf.steps", "nsgf.steps 6 must be in 1..=5".to_string())
        );
        s = FlowSettings::defaults(Method::Fm);
        s.lr = f64::NAN;
        assert_eq!(
            field(&s),
            ("lr", "lr NaN must be finite and > 0".to_string())
        );
        s.lr = 1e-3;
        s.widths = vec![8, 0];
        assert_eq!(field(&s).0, "widths");
        // FM ignores the NSGF settings, and does not record them.
        s = FlowSettings::defaults(Method::Fm);
        s.nsgf.scaling = 2.0;
        s.validate().unwrap();
        assert!(s.to_json().get("scaling").is_none());
    }
}
