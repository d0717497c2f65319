//! Why EBM training or sampling failed.

use std::fmt;

use super::grid_kl::GridKlError;
use crate::SettingError;
use crate::engine::EngineError;
use crate::metrics::MetricsError;
use crate::modelio::ModelIoError;

/// An error of EBM training.
#[derive(Debug)]
#[non_exhaustive]
pub enum EbmError {
    /// A setting is out of its domain, named by its field ([`super::EbmSettings`]'s,
    /// [`crate::lvebm::LvebmSettings`]'s, an evaluation's settings (`ais.tau`,
    /// `gaussian_elbo.lr`, `grid.points`), or an argument's).
    Setting(SettingError),
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
    /// The model has no model file (a closed-form test family, a test energy): only an MLP
    /// energy is written to one.
    NoModelFile {
        /// Which model.
        model: &'static str,
    },
    /// A model that must be normalisable is not (∫exp(−E) is infinite).
    NotNormalisable {
        /// Which model, and why (`"recovery's true model (barrier h <= 0)"`).
        model: &'static str,
    },
    /// The core refused to simulate the double-well sensor's data: the true model's well,
    /// or a MALA step of the trajectory.
    Simulation(gradflow_core::Error),
    /// The Gaussian ELBO's fixed reparameterisation draws of a datum are degenerate: their
    /// sample covariance is not positive definite (more draws per datum fix it).
    DegenerateDraws {
        /// Draws per datum.
        draws: usize,
        /// The latent dimension dz.
        latent_dim: usize,
    },
    /// The quadrature over z found exp(−E(xᵢ, z)) not negligible at an end of its search
    /// range: the range is too narrow or off-centre, or the energy does not confine z.
    QuadratureRange {
        /// The datum i.
        datum: usize,
        /// The search range's centre.
        centre: f64,
        /// Its half-width.
        half_width: f64,
    },
}

impl fmt::Display for EbmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Setting(e) => write!(f, "invalid EBM settings: {e}"),
            Self::Sampler { settings, error } => {
                write!(f, "invalid particle scheme {settings}: {error}")
            }
            Self::NotAParticleScheme(kind) => write!(
                f,
                "{kind} is not a particle scheme (one of ula, mala, jko, jko2)"
            ),
            Self::Data(what) => write!(f, "unusable EBM data: {what}"),
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
            Self::NoModelFile { model } => write!(
                f,
                "{model} has no model file (only an MLP energy is written to one)"
            ),
            Self::NotNormalisable { model } => write!(f, "{model} is not normalisable"),
            Self::Simulation(e) => write!(f, "simulating the double-well sensor: {e}"),
            Self::DegenerateDraws { draws, latent_dim } => write!(
                f,
                "the Gaussian ELBO's {draws} fixed draws per datum are degenerate in latent \
                 dimension {latent_dim} (use more draws)"
            ),
            Self::QuadratureRange {
                datum,
                centre,
                half_width,
            } => write!(
                f,
                "exp(-E(x, z)) of datum {datum} is not negligible at an end of the search \
                 range {centre} ± {half_width}: widen it or move its centre"
            ),
        }
    }
}

impl std::error::Error for EbmError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Setting(e) => Some(e),
            Self::Sampler { error, .. } => Some(error),
            Self::Metrics(e) => Some(e),
            Self::GridKl(e) => Some(e.as_ref()),
            Self::Engine(e) => Some(e),
            Self::Model(e) => Some(e),
            Self::Simulation(e) => Some(e),
            Self::Data(_)
            | Self::NotAParticleScheme(_)
            | Self::Diverged { .. }
            | Self::NoModelFile { .. }
            | Self::NotNormalisable { .. }
            | Self::DegenerateDraws { .. }
            | Self::QuadratureRange { .. } => None,
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
