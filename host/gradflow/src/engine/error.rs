//! What the engine refuses.

use std::fmt;

/// An engine call's inputs do not fit the network, or a value is not finite.
#[derive(Clone, Debug, PartialEq)]
pub enum EngineError {
    /// A buffer's length does not match the batch and the network.
    Size {
        /// Which buffer.
        what: &'static str,
        /// Length required.
        expected: usize,
        /// Length given.
        found: usize,
    },
    /// The network cannot do this (for example a gradient of a vector-valued network).
    Unsupported(&'static str),
    /// A setting is outside its domain.
    InvalidParameter(&'static str),
    /// The architecture or the parameters were rejected.
    Model(gradflow_core::Error),
    /// The compute device is missing or failed (no GPU, no driver, a CUDA error): the
    /// driver's or the probe's reason, as text.
    Device(String),
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Size {
                what,
                expected,
                found,
            } => write!(f, "{what}: expected {expected} values, found {found}"),
            Self::Unsupported(what) => write!(f, "unsupported: {what}"),
            Self::InvalidParameter(what) => write!(f, "invalid parameter: {what}"),
            Self::Model(e) => write!(f, "{e}"),
            Self::Device(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for EngineError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Model(e) => Some(e),
            _ => None,
        }
    }
}

impl From<gradflow_core::Error> for EngineError {
    fn from(e: gradflow_core::Error) -> Self {
        Self::Model(e)
    }
}

/// `Size` unless `found == expected`.
pub(crate) fn expect_len(
    what: &'static str,
    expected: usize,
    found: usize,
) -> Result<(), EngineError> {
    if found == expected {
        Ok(())
    } else {
        Err(EngineError::Size {
            what,
            expected,
            found,
        })
    }
}
