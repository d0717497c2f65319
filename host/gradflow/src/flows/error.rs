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

#[cfg(test)]
mod tests {
    use std::error::Error;

    use super::*;
    use crate::engine::DeviceError;

    /// Every message of `e`'s `source()` chain, from `e` down.
    fn chain(e: &(dyn Error + 'static)) -> Vec<String> {
        std::iter::successors(Some(e), |e| (*e).source())
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn source_walks_to_the_wrapped_sinkhorn_and_engine_errors() {
        let inner = SinkhornError::InvalidSetting {
            name: "blur",
            value: -1.0,
            domain: "finite and > 0",
        };
        let e = FlowError::from(inner.clone());
        assert_eq!(e.to_string(), format!("Sinkhorn velocity: {inner}"));
        let source = e.source().expect("a Sinkhorn error has a source");
        assert_eq!(source.downcast_ref::<SinkhornError>(), Some(&inner));

        let gpu = EngineError::Device(DeviceError::NoDriver);
        let e = FlowError::Sinkhorn(SinkhornError::Device(gpu.clone()));
        let messages = chain(&e);
        assert_eq!(messages.len(), 4, "{messages:?}");
        assert_eq!(messages[2], "no NVIDIA driver (libcuda.so) found");
        assert_eq!(messages[3], messages[2]);
        let mut walk =
            std::iter::successors(Some(&e as &(dyn Error + 'static)), |e| (*e).source()).skip(2);
        assert_eq!(
            walk.next().unwrap().downcast_ref::<EngineError>(),
            Some(&gpu)
        );
        let last = walk.next().unwrap();
        assert_eq!(
            last.downcast_ref::<DeviceError>(),
            Some(&DeviceError::NoDriver)
        );
    }

    #[test]
    fn a_settings_error_names_the_field_and_is_the_source() {
        let e = FlowError::Settings(SettingError::new("lr", "0 must be finite and > 0"));
        assert_eq!(e.to_string(), "lr 0 must be finite and > 0");
        let setting = e.source().and_then(|s| s.downcast_ref::<SettingError>());
        assert_eq!(setting.map(|s| s.field), Some("lr"));
        assert!(FlowError::NonFinite("a sample").source().is_none());
    }
}
