//! Flow matching (FM, independent coupling) and OT-CFM (exact minibatch OT coupling):
//! `x_t = t·y + (1 − t)·x⁰`, t ~ U(0, 1), the network regressed on `y − x⁰`; sampled by
//! Euler steps on [0, 1].

use serde_json::Value;

use super::coupling::Coupling;
use super::error::FlowError;
use super::flow::Flow;
use super::manifest::{FlowManifest, ModelRole, Sampling};
use super::path::PathBatch;
use super::regress::{Compute, Regressor};
use super::settings::{FlowSettings, Method};
use super::trainer::{FlowTrainer, REPORT_STEPS, velocity_net};
use crate::SettingError;
use crate::train::{Checkpoint, CheckpointError, StepError, StepStats, Trainer};

/// The FM or OT-CFM training run, as a [`Trainer`].
///
/// Its checkpoint holds the velocity network's master weights and Adam state
/// (`velocity.*`); every batch is a function of the seed and the step
/// ([`PathBatch::draw`]), so nothing else is needed to resume bit for bit.
#[derive(Debug)]
pub struct FmTrainer {
    settings: FlowSettings,
    coupling: Coupling,
    compute: Compute,
    velocity: Regressor,
    step: u64,
}

impl FmTrainer {
    /// A run of `settings` (method [`Method::Fm`] or [`Method::OtCfm`]) on `threads`
    /// threads (0: one per core; results do not depend on it).
    pub fn new(settings: &FlowSettings, threads: usize) -> Result<Self, FlowError> {
        Self::on(settings, Compute::new(threads))
    }

    /// A run of `settings` with its networks evaluated by `compute` (on a GPU, say).
    pub fn on(settings: &FlowSettings, compute: Compute) -> Result<Self, FlowError> {
        settings.validate()?;
        let coupling = match settings.method {
            Method::Fm => Coupling::Independent,
            Method::OtCfm => Coupling::ExactOt,
            other => {
                return Err(FlowError::Settings(SettingError::new(
                    "method",
                    format!("{other}: FmTrainer trains fm or otcfm only"),
                )));
            }
        };
        Ok(Self {
            settings: settings.clone(),
            coupling,
            compute,
            velocity: velocity_net(settings, 0)?,
            step: 0,
        })
    }

    /// The velocity network being trained.
    pub fn velocity(&self) -> &Regressor {
        &self.velocity
    }
}

impl Trainer for FmTrainer {
    fn kind(&self) -> &'static str {
        self.settings.method.name()
    }

    fn settings(&self) -> Value {
        self.settings.checkpoint_json()
    }

    fn steps_done(&self) -> u64 {
        self.step
    }

    fn step(&mut self) -> Result<StepStats, StepError> {
        let s = &self.settings;
        let batch = PathBatch::draw(&s.problem, s.batch, s.seed, self.step, self.coupling)?;
        let loss = self.velocity.step(
            &self.compute,
            &batch.velocity_input(),
            &batch.velocity_target(),
        )?;
        self.step += 1;
        Ok(StepStats::new(loss))
    }

    fn save(&self) -> Checkpoint {
        let mut c = Checkpoint::new(self.kind(), self.step, self.settings());
        self.velocity.save(&mut c, ModelRole::Velocity.name());
        c
    }

    fn restore(&mut self, c: &Checkpoint) -> Result<(), CheckpointError> {
        self.velocity.restore(c, ModelRole::Velocity.name())?;
        self.step = c.step;
        Ok(())
    }
}

impl FlowTrainer for FmTrainer {
    fn flow(&self) -> Result<Flow, FlowError> {
        let s = &self.settings;
        let manifest = FlowManifest::for_problem(
            s.method,
            &s.problem,
            s.seed,
            Sampling::Euler {
                t1: 1.0,
                steps: REPORT_STEPS.to_vec(),
            },
            Vec::new(),
            s.to_json(),
        );
        Flow::new(
            manifest,
            vec![(
                ModelRole::Velocity,
                self.velocity.model_in(s.problem.units())?,
            )],
        )
    }

    fn compute(&self) -> &Compute {
        &self.compute
    }
}
