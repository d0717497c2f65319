//! Why EBM training or sampling failed.

use std::fmt;

use crate::engine::EngineError;
use crate::modelio::ModelIoError;

/// An error of EBM training.
#[derive(Debug)]
#[non_exhaustive]
pub enum EbmError {
    /// A setting is invalid (which, and why).
    Settings(String),
    /// The data set is unusable (empty, wrong dimension, non-finite values).
    Data(String),
    /// A particle's state or energy became NaN or infinite (step τ too large?).
    Diverged {
        /// Which quantity.
        what: &'static str,
    },
    /// The engine rejected a call (sizes, a non-finite model).
    Engine(EngineError),
    /// Encoding the model file failed.
    Model(ModelIoError),
}

impl fmt::Display for EbmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Settings(what) => write!(f, "invalid EBM settings: {what}"),
            Self::Data(what) => write!(f, "unusable EBM data: {what}"),
            Self::Diverged { what } => write!(
                f,
                "{what} became NaN or infinite (lower the step τ or the learning rate)"
            ),
            Self::Engine(e) => write!(f, "{e}"),
            Self::Model(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for EbmError {}

impl From<EngineError> for EbmError {
    fn from(e: EngineError) -> Self {
        Self::Engine(e)
    }
}
