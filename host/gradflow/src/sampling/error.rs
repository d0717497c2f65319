//! The error type of the sampling module.

use std::fmt;

use gradflow_core::model::ModelKind;

use crate::SettingError;
use crate::ebm::EbmError;
use crate::modelio::kind_name;

/// Why a sampling run could not start or did not finish.
#[derive(Debug)]
#[non_exhaustive]
pub enum SampleError {
    /// A core error: an invalid sampler setting or potential parameter, a length mismatch.
    Core(gradflow_core::Error),
    /// A model file of another kind than an energy or a latent energy (a velocity field
    /// cannot be sampled).
    NotAnEnergy(ModelKind),
    /// A setting or an argument is out of its domain, named by its field or argument name
    /// (`given`, `chains`, `init` of [`super::sample_conditional`] and [`super::sample`];
    /// `burn_in`, `thin`, `frame_every` of a [`super::Schedule`]).
    Setting(SettingError),
    /// The batched particle schemes of conditional sampling failed: a setting, or a
    /// particle that diverged.
    Particles(EbmError),
    /// Some chains reached a NaN or infinite state, energy or gradient. No output is kept.
    Diverged {
        /// Chains that diverged.
        diverged: usize,
        /// Chains run.
        chains: usize,
        /// The first (lowest-numbered) chain that diverged.
        chain: usize,
        /// The step at which it diverged (1-based).
        step: u64,
        /// What was non-finite in it.
        what: String,
    },
}

impl fmt::Display for SampleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Core(e) => write!(f, "{e}"),
            Self::NotAnEnergy(kind) => write!(
                f,
                "this is a {} model; sampling needs an energy model (kind energy or latent_energy)",
                kind_name(*kind)
            ),
            Self::Setting(e) => write!(f, "{e}"),
            Self::Particles(e) => write!(f, "{e}"),
            Self::Diverged {
                diverged,
                chains,
                chain,
                step,
                what,
            } => write!(
                f,
                "{diverged} of {chains} chains diverged (first: chain {chain} at step {step}, {what}); \
                 try a smaller step"
            ),
        }
    }
}

impl std::error::Error for SampleError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Core(e) => Some(e),
            Self::Setting(e) => Some(e),
            Self::Particles(e) => Some(e),
            _ => None,
        }
    }
}

impl From<SettingError> for SampleError {
    fn from(e: SettingError) -> Self {
        Self::Setting(e)
    }
}

impl From<gradflow_core::Error> for SampleError {
    fn from(e: gradflow_core::Error) -> Self {
        Self::Core(e)
    }
}
