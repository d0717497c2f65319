//! What every flow trainer provides beyond [`Trainer`], and the constructor by method.

use gradflow_core::model::{Architecture, ModelKind};

use super::error::FlowError;
use super::flow::Flow;
use super::fm::FmTrainer;
use super::nsgf::NsgfTrainer;
use super::nsgfpp::NsgfPpTrainer;
use super::problem::{Role, derive_seed};
use super::regress::{Compute, Regressor};
use super::settings::{FlowSettings, Method};
use crate::SettingError;
use crate::train::Trainer;

/// Euler step counts reported for the flows sampled by Euler steps (the paper's 10 and
/// 100).
pub const REPORT_STEPS: [u32; 2] = [10, 100];

/// A flow training run: a [`Trainer`] for [`crate::train::run`] that can hand over the
/// flow it has learnt so far.
pub trait FlowTrainer: Trainer {
    /// The flow of the current weights (manifest and model files, in memory).
    fn flow(&self) -> Result<Flow, FlowError>;

    /// The threads and backend it runs on (to sample with the same).
    fn compute(&self) -> &Compute;
}

/// The trainer of `settings.method` on `threads` CPU threads (0: one per core).
pub fn trainer(settings: &FlowSettings, threads: usize) -> Result<Box<dyn FlowTrainer>, FlowError> {
    trainer_on(settings, Compute::new(threads))
}

/// The trainer of `settings.method` with its networks evaluated by `compute`.
pub fn trainer_on(
    settings: &FlowSettings,
    compute: Compute,
) -> Result<Box<dyn FlowTrainer>, FlowError> {
    Ok(match settings.method {
        Method::Fm | Method::OtCfm => Box::new(FmTrainer::on(settings, compute)?),
        Method::Nsgf => Box::new(NsgfTrainer::on(settings, compute)?),
        Method::NsgfPp => Box::new(NsgfPpTrainer::on(settings, compute)?),
    })
}

/// A network of `kind` (a velocity field v(x, t) on ℝᵈ with the time appended, or a time
/// predictor t(x) on ℝᵈ, d the problem's dimension) of the settings' widths and activation, initialised from the seed's
/// network number `which` (seed role [`Role::Init`]).
fn network(settings: &FlowSettings, kind: ModelKind, which: u64) -> Result<Regressor, FlowError> {
    let d = settings.problem.dim();
    let out = if kind == ModelKind::Velocity { d } else { 1 };
    let arch =
        Architecture::mlp(kind, settings.activation, d, &settings.widths, out).map_err(|e| {
            FlowError::Settings(SettingError::new(
                "widths",
                format!("do not make a valid network: {e}"),
            ))
        })?;
    Ok(Regressor::new(
        arch,
        derive_seed(settings.seed, Role::Init, which),
        settings.lr,
    ))
}

/// The velocity network v(x, t) number `which` of a run.
pub(crate) fn velocity_net(settings: &FlowSettings, which: u64) -> Result<Regressor, FlowError> {
    network(settings, ModelKind::Velocity, which)
}

/// The time predictor t(x) number `which` of a run.
pub(crate) fn time_net(settings: &FlowSettings, which: u64) -> Result<Regressor, FlowError> {
    network(settings, ModelKind::TimePredictor, which)
}
