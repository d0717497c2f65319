//! The error type of the Sinkhorn engine.

use std::fmt;

use crate::engine::EngineError;

/// Why a Sinkhorn problem could not be solved.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum SinkhornError {
    /// The dimension `d` is zero.
    ZeroDimension,
    /// A point set has no points.
    Empty {
        /// Which input (`"x"` or `"y"`).
        which: &'static str,
    },
    /// A point set's length is not a multiple of the dimension (a ragged matrix).
    Ragged {
        /// Which input (`"x"` or `"y"`).
        which: &'static str,
        /// Its length.
        len: usize,
        /// The dimension given.
        d: usize,
    },
    /// A coordinate is NaN or infinite.
    NonFinite {
        /// Which input (`"x"` or `"y"`).
        which: &'static str,
        /// Index of the offending coordinate in the flat slice.
        index: usize,
    },
    /// A setting is out of its domain: blur ≤ 0 or NaN, scaling outside (0, 1), tol ≤ 0.
    InvalidSetting {
        /// The setting's name.
        name: &'static str,
        /// The value given.
        value: f64,
        /// The domain it must lie in.
        domain: &'static str,
    },
    /// An output buffer has the wrong length.
    OutputLength {
        /// Its length.
        len: usize,
        /// The length expected (`n × d`).
        expected: usize,
    },
    /// A potential came out NaN or infinite: the squared distances overflowed the working
    /// precision (coordinates beyond about 1e19 in f32, or 1e154 in f64).
    Overflow,
    /// Tolerance mode reached `max_iter` iterations at the final ε before the marginal
    /// error fell below `tol`.
    NotConverged {
        /// The marginal error reached (L2, of the problem that did not converge).
        error: f64,
        /// Iterations run at the final ε.
        iterations: usize,
    },
    /// The GPU running the soft-mins failed (a CUDA error) or refused a call.
    Device(EngineError),
}

impl fmt::Display for SinkhornError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ZeroDimension => write!(f, "the dimension d must be at least 1"),
            Self::Empty { which } => write!(f, "point set {which} has no points"),
            Self::Ragged { which, len, d } => write!(
                f,
                "point set {which} has {len} coordinates, not a multiple of the dimension {d}"
            ),
            Self::NonFinite { which, index } => write!(
                f,
                "point set {which} has a NaN or infinite coordinate at index {index}"
            ),
            Self::InvalidSetting {
                name,
                value,
                domain,
            } => write!(f, "Sinkhorn setting {name} = {value} must be {domain}"),
            Self::OutputLength { len, expected } => write!(
                f,
                "the output buffer has {len} values, expected {expected} (n × d)"
            ),
            Self::Overflow => write!(
                f,
                "the Sinkhorn potentials overflowed: the points are too far apart for this \
                 precision (rescale them, or use f64)"
            ),
            Self::NotConverged { error, iterations } => write!(
                f,
                "Sinkhorn did not reach its tolerance in {iterations} iterations \
                 (marginal error {error:e}); raise max_iter, loosen tol or use a larger blur"
            ),
            Self::Device(e) => write!(f, "the Sinkhorn soft-min on the GPU failed: {e}"),
        }
    }
}

impl std::error::Error for SinkhornError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Device(e) => Some(e),
            _ => None,
        }
    }
}

impl From<EngineError> for SinkhornError {
    fn from(e: EngineError) -> Self {
        Self::Device(e)
    }
}
