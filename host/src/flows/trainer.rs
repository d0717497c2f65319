//! What every flow trainer provides beyond [`Trainer`], and the constructor by method.

use gradflow_core::model::{Architecture, ModelKind};

use super::error::FlowError;
use super::flow::Flow;
use super::fm::FmTrainer;
use super::problem::{Role, derive_seed};
use super::regress::{Compute, Regressor};
use super::settings::{FlowSettings, Method};
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

/// The trainer of `settings.method` on `threads` threads (0: one per core).
pub fn trainer(settings: &FlowSettings, threads: usize) -> Result<Box<dyn FlowTrainer>, FlowError> {
    Ok(match settings.method {
        Method::Fm | Method::OtCfm => Box::new(FmTrainer::new(settings, threads)?),
        Method::Nsgf | Method::NsgfPp => {
            return Err(FlowError::Settings(format!(
                "{} needs the Sinkhorn engine, which this build lacks",
                settings.method
            )));
        }
    })
}

/// A velocity network v(x, t) of the settings' widths and activation (2D, time appended),
/// initialised from the seed's network number `which`.
pub(crate) fn velocity_net(settings: &FlowSettings, which: u64) -> Result<Regressor, FlowError> {
    let arch = Architecture::mlp(
        ModelKind::Velocity,
        settings.activation,
        2,
        &settings.widths,
        2,
    )
    .map_err(|e| FlowError::Settings(format!("--widths: {e}")))?;
    Ok(Regressor::new(
        arch,
        derive_seed(settings.seed, Role::Init, which),
        settings.lr,
    ))
}
