//! What the flows refuse or fail on.

use std::fmt;
use std::path::PathBuf;

use crate::SettingError;
use crate::engine::EngineError;
use crate::metrics::MetricsError;
use crate::modelio::ModelIoError;
use crate::sinkhorn::SinkhornError;
use crate::train::CheckpointError;

/// Why a flow could not be trained, written, read or sampled. It displays as one line.
#[derive(Debug)]
#[non_exhaustive]
pub enum FlowError {
    /// A setting or an argument is out of its domain (which field, and why).
    Settings(SettingError),
    /// A network evaluation was refused.
    Engine(EngineError),
    /// A model could not be built, read or written.
    Model(ModelIoError),
    /// A coupling or a W2 evaluation failed.
    Metrics(MetricsError),
    /// The Sinkhorn velocity of an NSGF trajectory failed.
    Sinkhorn(SinkhornError),
    /// A checkpoint could not be restored.
    Checkpoint(CheckpointError),
    /// A flow manifest is missing, unreadable or inconsistent.
    Manifest {
        /// The manifest file, when known.
        path: Option<PathBuf>,
        /// What is wrong.
        what: String,
    },
    /// A sample became NaN or infinite (the flow diverged on these inputs).
    NonFinite(&'static str),
}

impl FlowError {
    /// A manifest error without a file attached yet.
    pub fn manifest(what: impl Into<String>) -> Self {
        Self::Manifest {
            path: None,
            what: what.into(),
        }
    }

    /// The same error, naming the manifest file `path` if it is a manifest error.
    pub fn in_file(self, path: &std::path::Path) -> Self {
        match self {
            Self::Manifest { path: None, what } => Self::Manifest {
                path: Some(path.to_path_buf()),
                what,
            },
            other => other,
        }
    }
}

impl fmt::Display for FlowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Settings(what) => write!(f, "{what}"),
            Self::Engine(e) => write!(f, "{e}"),
            Self::Model(e) => write!(f, "{e}"),
            Self::Metrics(e) => write!(f, "{e}"),
            Self::Sinkhorn(e) => write!(f, "Sinkhorn velocity: {e}"),
            Self::Checkpoint(e) => write!(f, "{e}"),
            Self::Manifest { path, what } => match path {
                Some(p) => write!(f, "{}: {what}", p.display()),
                None => write!(f, "flow manifest: {what}"),
            },
            Self::NonFinite(what) => write!(f, "{what} became NaN or infinite"),
        }
    }
}

impl std::error::Error for FlowError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Settings(e) => Some(e),
            Self::Engine(e) => Some(e),
            Self::Model(e) => Some(e),
            Self::Metrics(e) => Some(e),
            Self::Sinkhorn(e) => Some(e),
            Self::Checkpoint(e) => Some(e),
            Self::Manifest { .. } | Self::NonFinite(_) => None,
        }
    }
}

impl From<SettingError> for FlowError {
    fn from(e: SettingError) -> Self {
        Self::Settings(e)
    }
}

impl From<SinkhornError> for FlowError {
    fn from(e: SinkhornError) -> Self {
        Self::Sinkhorn(e)
    }
}

impl From<EngineError> for FlowError {
    fn from(e: EngineError) -> Self {
        Self::Engine(e)
    }
}

impl From<ModelIoError> for FlowError {
    fn from(e: ModelIoError) -> Self {
        Self::Model(e)
    }
}

impl From<MetricsError> for FlowError {
    fn from(e: MetricsError) -> Self {
        Self::Metrics(e)
    }
}

impl From<CheckpointError> for FlowError {
    fn from(e: CheckpointError) -> Self {
        Self::Checkpoint(e)
    }
}
