//! The [`Trainer`] trait: what a training method provides to the generic runner.

use serde_json::Value;

use super::checkpoint::{Checkpoint, CheckpointError};

/// What one training step reports: its loss and any named metrics.
///
/// The runner stops the run when the loss or any metric is NaN or infinite (see
/// [`run`](super::run)), so a trainer reports there every quantity whose blowing up means
/// the run has diverged (energies of the data and of the particles, for instance).
#[derive(Clone, Debug, PartialEq)]
pub struct StepStats {
    /// The step's loss (for EBMs, the contrastive objective).
    pub loss: f64,
    /// Named metrics, in the order the progress bar shows them.
    pub metrics: Vec<(&'static str, f64)>,
}

impl StepStats {
    /// A step with loss `loss` and no metrics.
    pub fn new(loss: f64) -> Self {
        Self {
            loss,
            metrics: Vec::new(),
        }
    }

    /// The same, with metric `name` = `value` appended.
    pub fn with(mut self, name: &'static str, value: f64) -> Self {
        self.metrics.push((name, value));
        self
    }

    /// The first NaN or infinite quantity, by name (`loss` or a metric's).
    pub fn non_finite(&self) -> Option<(&'static str, f64)> {
        std::iter::once(("loss", self.loss))
            .chain(self.metrics.iter().copied())
            .find(|(_, v)| !v.is_finite())
    }
}

/// The error a [`Trainer::step`] may fail with (other than divergence, which the loss
/// reports).
pub type StepError = Box<dyn std::error::Error + Send + Sync>;

/// A training method, as the runner drives it.
///
/// Contract, on which bit-identical resumption rests:
/// - [`Trainer::step`] advances [`Trainer::steps_done`] by exactly one, and everything it
///   depends on (parameters, optimiser moments and step count, random-stream states,
///   particle buffers, the position in any schedule, which must be a function of
///   `steps_done`) is in [`Trainer::save`]'s checkpoint;
/// - [`Trainer::restore`] of that checkpoint, on a trainer built with the same settings,
///   makes the following steps equal bit for bit to those of the trainer that saved it.
pub trait Trainer {
    /// The method's name, stored in checkpoints (e.g. `fit`); resuming from another
    /// method's checkpoint is refused.
    fn kind(&self) -> &'static str;

    /// The run's settings as a JSON object; resuming from a checkpoint whose settings
    /// differ is refused, naming the keys that differ. Put here everything that changes
    /// the result (sizes, seeds, learning rates, the number of steps of a schedule).
    fn settings(&self) -> Value;

    /// Steps completed.
    fn steps_done(&self) -> u64;

    /// Takes one step and reports its loss and metrics.
    fn step(&mut self) -> Result<StepStats, StepError>;

    /// The complete state, as a checkpoint of [`Trainer::kind`] at [`Trainer::steps_done`]
    /// with [`Trainer::settings`] (start from [`Checkpoint::new`]).
    fn save(&self) -> Checkpoint;

    /// Continues from `checkpoint` (already checked to be of this kind and settings),
    /// including its step count.
    fn restore(&mut self, checkpoint: &Checkpoint) -> Result<(), CheckpointError>;
}

/// The settings a checkpoint must match for a particle trainer to resume: `settings`
/// without `updates` (the learning rate is constant, so a run may be resumed to more
/// updates), plus the parameter count, the data's fingerprint
/// ([`crate::data::shuffle::fingerprint`]) and `extra`.
pub(crate) fn resume_settings(
    mut settings: serde_json::Value,
    params: usize,
    data_fingerprint: u64,
    extra: &[(&str, serde_json::Value)],
) -> serde_json::Value {
    if let Some(o) = settings.as_object_mut() {
        o.remove("updates");
        o.insert("params".into(), params.into());
        o.insert(
            "data_fingerprint".into(),
            format!("{data_fingerprint:016x}").into(),
        );
        for (k, v) in extra {
            o.insert((*k).into(), v.clone());
        }
    }
    settings
}
