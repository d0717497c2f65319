//! Why EBM training or sampling failed.

use std::fmt;

use super::grid_kl::GridKlError;
use crate::SettingError;
use crate::data::DataError;
use crate::engine::EngineError;
use crate::metrics::MetricsError;
use crate::modelio::ModelIoError;

/// An error of EBM training.
#[derive(Debug)]
#[non_exhaustive]
pub enum EbmError {
    /// A setting is out of its domain, named by its field ([`super::EbmSettings`]'s, or an
    /// argument's).
    Setting(SettingError),
    /// A setting or argument is invalid, as free text (which, and why): the particle
    /// schemes' and the latent-variable EBMs' checks.
    Settings(String),
    /// The particle scheme's settings are invalid (a step τ ≤ 0, no proximal iteration).
    Sampler {
        /// The settings.
        settings: gradflow_core::SamplerSettings,
        /// What the kernel's check said.
        error: gradflow_core::Error,
    },
    /// The sampler cannot move a batch of particles (BAOAB carries velocities).
    NotAParticleScheme(gradflow_core::SamplerKind),
    /// The data set is unusable (empty, wrong dimension, non-finite values).
    Data(String),
    /// The data set could not be split into training and test points.
    Split(DataError),
    /// The metrics of the long-run samples against the test points failed.
    Metrics(MetricsError),
    /// The grid KL of the model's density against the data set's failed.
    GridKl(Box<GridKlError<EbmError>>),
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
            Self::Setting(e) => write!(f, "invalid EBM settings: {e}"),
            Self::Settings(what) => write!(f, "invalid EBM settings: {what}"),
            Self::Sampler { settings, error } => {
                write!(f, "invalid particle scheme {settings}: {error}")
            }
            Self::NotAParticleScheme(kind) => write!(
                f,
                "{kind} is not a particle scheme (one of ula, mala, jko, jko2)"
            ),
            Self::Data(what) => write!(f, "unusable EBM data: {what}"),
            Self::Split(e) => write!(f, "unusable EBM data: {e}"),
            Self::Metrics(e) => {
                write!(f, "unusable EBM data: metrics of the long-run samples: {e}")
            }
            Self::GridKl(e) => write!(f, "unusable EBM data: {e}"),
            Self::Diverged { what } => write!(
                f,
                "{what} became NaN or infinite (lower the step τ or the learning rate)"
            ),
            Self::Engine(e) => write!(f, "{e}"),
            Self::Model(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for EbmError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Setting(e) => Some(e),
            Self::Split(e) => Some(e),
            Self::Sampler { error, .. } => Some(error),
            Self::Metrics(e) => Some(e),
            Self::GridKl(e) => Some(e.as_ref()),
            Self::Engine(e) => Some(e),
            Self::Model(e) => Some(e),
            Self::Settings(_)
            | Self::Data(_)
            | Self::NotAParticleScheme(_)
            | Self::Diverged { .. } => None,
        }
    }
}

impl From<SettingError> for EbmError {
    fn from(e: SettingError) -> Self {
        Self::Setting(e)
    }
}

impl From<EngineError> for EbmError {
    fn from(e: EngineError) -> Self {
        Self::Engine(e)
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error;

    use super::*;
    use crate::sampling::SampleError;

    #[test]
    fn a_setting_error_is_the_source() {
        let e = EbmError::Setting(SettingError::new("lr", "0 must be finite and > 0"));
        assert_eq!(
            e.to_string(),
            "invalid EBM settings: lr 0 must be finite and > 0"
        );
        let setting = e.source().and_then(|s| s.downcast_ref::<SettingError>());
        assert_eq!(setting.map(|s| s.field), Some("lr"));
    }

    #[test]
    fn source_walks_from_a_sample_error_to_the_engine_error() {
        let engine = EngineError::InvalidParameter("step");
        let e = SampleError::Particles(EbmError::Engine(engine.clone()));
        let ebm = e.source().and_then(|s| s.downcast_ref::<EbmError>());
        assert!(matches!(ebm, Some(EbmError::Engine(_))), "{e}");
        let inner = ebm.and_then(|s| s.source());
        assert_eq!(inner.and_then(|s| s.downcast_ref()), Some(&engine));
        assert_eq!(e.to_string(), engine.to_string());
    }
}
