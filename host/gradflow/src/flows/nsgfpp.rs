//! NSGF++: (1) NSGF with T ≤ 5 steps ([`NsgfCore`]); (2) a time predictor t_φ(x) regressed
//! on `t` at straight-path points `x_t = t·y + (1 − t)·x⁰`, t ~ U(0, 1), its raw output
//! (no sigmoid: the core returns the raw output, the sampler clamps it to [0, 1]); (3) a
//! straight flow u_δ(x, t) trained by flow matching (target `y − x⁰`) on the same batches.
//! One training step takes an Adam step of each of the three networks. Sampling (see
//! [`super::manifest`]): T NSGF Euler steps, τ = clamp(t_φ(x), 0, 1) per particle, then
//! ⌈(1 − τ)/ω⌉ Euler steps of u_δ from τ to 1.
//!
//! The pairs (x⁰, y) of the straight path are coupled by [`FlowSettings::path_coupling`]:
//! the exact minibatch OT assignment by default (our choice, not the paper's plain FM
//! pairing). With independent pairs, paths cross, the time predictor can only learn a
//! blurred E[t | x], the straight flow is curved, and at the default budget the W2 on moons
//! doubles (0.53 against 0.26, docs/src/results/flows.md).

use serde_json::Value;

use super::error::FlowError;
use super::flow::Flow;
use super::manifest::{FlowManifest, ModelRole, Sampling};
use super::nsgf::NsgfCore;
use super::path::PathBatch;
use super::regress::{Compute, Regressor};
use super::settings::{FlowSettings, Method};
use super::trainer::{FlowTrainer, time_net, velocity_net};
use crate::SettingError;
use crate::train::{Checkpoint, CheckpointError, StepError, StepStats, Trainer};

/// The NSGF++ training run, as a [`Trainer`]. Its checkpoint holds the three networks with
/// their Adam states (`velocity.*`, `time.*`, `straight.*`) and the trajectory pool.
#[derive(Debug)]
pub struct NsgfPpTrainer {
    settings: FlowSettings,
    compute: Compute,
    nsgf: NsgfCore,
    time: Regressor,
    straight: Regressor,
    step: u64,
}

impl NsgfPpTrainer {
    /// A run of `settings` (method [`Method::NsgfPp`]) on `threads` threads (0: one per
    /// core; results do not depend on it).
    pub fn new(settings: &FlowSettings, threads: usize) -> Result<Self, FlowError> {
        Self::on(settings, Compute::new(threads))
    }

    /// A run of `settings` with its networks evaluated by `compute` (on a GPU, say).
    pub fn on(settings: &FlowSettings, compute: Compute) -> Result<Self, FlowError> {
        settings.validate()?;
        if settings.method != Method::NsgfPp {
            return Err(FlowError::Settings(SettingError::new(
                "method",
                format!("{}: NsgfPpTrainer trains nsgfpp only", settings.method),
            )));
        }
        Ok(Self {
            settings: settings.clone(),
            compute,
            nsgf: NsgfCore::new(settings)?,
            time: time_net(settings, 1)?,
            straight: velocity_net(settings, 2)?,
            step: 0,
        })
    }

    /// The NSGF phase's network and pool.
    pub fn nsgf(&self) -> &NsgfCore {
        &self.nsgf
    }
}

impl Trainer for NsgfPpTrainer {
    fn kind(&self) -> &'static str {
        Method::NsgfPp.name()
    }

    fn settings(&self) -> Value {
        self.settings.checkpoint_json()
    }

    fn steps_done(&self) -> u64 {
        self.step
    }

    fn step(&mut self) -> Result<StepStats, StepError> {
        let (s, c) = (&self.settings, &self.compute);
        let loss = self.nsgf.step(c, self.step)?;
        let path = PathBatch::draw(&s.problem, s.batch, s.seed, self.step, s.path_coupling)?;
        let time = self.time.step(c, &path.time_input(), &path.time_target())?;
        let straight = self
            .straight
            .step(c, &path.velocity_input(), &path.velocity_target())?;
        self.step += 1;
        Ok(StepStats::new(loss)
            .with("time", time)
            .with("straight", straight))
    }

    fn save(&self) -> Checkpoint {
        let mut c = Checkpoint::new(self.kind(), self.step, self.settings());
        self.nsgf.save(&mut c);
        self.time.save(&mut c, ModelRole::Time.name());
        self.straight.save(&mut c, ModelRole::Straight.name());
        c
    }

    fn restore(&mut self, c: &Checkpoint) -> Result<(), CheckpointError> {
        self.nsgf.restore(c)?;
        self.time.restore(c, ModelRole::Time.name())?;
        self.straight.restore(c, ModelRole::Straight.name())?;
        self.step = c.step;
        Ok(())
    }
}

impl FlowTrainer for NsgfPpTrainer {
    fn flow(&self) -> Result<Flow, FlowError> {
        let s = &self.settings;
        let manifest = FlowManifest::for_problem(
            s.method,
            &s.problem,
            s.seed,
            Sampling::NsgfPp {
                nsgf_steps: s.nsgf.steps as u32,
                eta: s.nsgf.eta,
                omega: s.omega,
            },
            Vec::new(),
            s.to_json(),
        );
        let models = vec![
            (
                ModelRole::Velocity,
                self.nsgf.velocity().model_in(s.problem.units())?,
            ),
            (ModelRole::Time, self.time.model_in(s.problem.units())?),
            (
                ModelRole::Straight,
                self.straight.model_in(s.problem.units())?,
            ),
        ];
        Flow::new(manifest, models)
    }

    fn compute(&self) -> &Compute {
        &self.compute
    }
}
