//! The error type of the metrics module.

use std::fmt;

use crate::sinkhorn::SinkhornError;

/// Why a distance between two samples could not be computed.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum MetricsError {
    /// The dimension `d` is zero.
    ZeroDimension,
    /// A point set's length is not a multiple of the dimension.
    NotMultipleOfDimension {
        /// Which input (`"x"` or `"y"`).
        which: &'static str,
        /// Its length.
        len: usize,
        /// The dimension given.
        d: usize,
    },
    /// A point set has fewer points than the metric needs.
    TooFewPoints {
        /// Which input (`"x"` or `"y"`).
        which: &'static str,
        /// Its number of points.
        n: usize,
        /// The least number of points the metric needs.
        needed: usize,
    },
    /// The two samples must have the same number of points (exact W2 between uniform
    /// samples is an assignment problem).
    SizeMismatch {
        /// Points in `x`.
        n: usize,
        /// Points in `y`.
        m: usize,
    },
    /// A point set does not have the number of points it must have (e.g. the velocity of a
    /// Sinkhorn solution asked at other points than those it was solved for).
    WrongPointCount {
        /// Which input (`"x"` or `"y"`).
        which: &'static str,
        /// Its number of points.
        n: usize,
        /// The number expected.
        expected: usize,
    },
    /// A coordinate is NaN or infinite.
    NonFinite {
        /// Which input (`"x"` or `"y"`).
        which: &'static str,
        /// Index of the offending coordinate in the flat slice.
        index: usize,
    },
    /// A parameter is out of its domain (non-positive bandwidth, blur, tolerance...).
    InvalidParameter {
        /// The parameter's name.
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// An iterative solver stopped at its iteration cap before reaching its tolerance.
    NotConverged {
        /// Iterations run.
        iterations: usize,
        /// The error reached (the solver's own measure, e.g. marginal error).
        error: f64,
    },
    /// The Sinkhorn engine failed (e.g. an overflow of its potentials).
    Sinkhorn(SinkhornError),
}

impl fmt::Display for MetricsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ZeroDimension => write!(f, "dimension d must be at least 1"),
            Self::NotMultipleOfDimension { which, len, d } => write!(
                f,
                "point set {which} has {len} coordinates, not a multiple of the dimension {d}"
            ),
            Self::TooFewPoints { which, n, needed } => write!(
                f,
                "point set {which} has {n} points, this metric needs at least {needed}"
            ),
            Self::SizeMismatch { n, m } => write!(
                f,
                "samples must have the same number of points, got {n} and {m}"
            ),
            Self::WrongPointCount { which, n, expected } => {
                write!(f, "point set {which} has {n} points, expected {expected}")
            }
            Self::NonFinite { which, index } => {
                write!(
                    f,
                    "point set {which} has a NaN or infinite coordinate at index {index}"
                )
            }
            Self::InvalidParameter { name, value } => {
                write!(f, "parameter {name} = {value} is out of its domain")
            }
            Self::NotConverged { iterations, error } => write!(
                f,
                "solver did not converge in {iterations} iterations (error {error:e})"
            ),
            Self::Sinkhorn(e) => write!(f, "Sinkhorn divergence: {e}"),
        }
    }
}

impl std::error::Error for MetricsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Sinkhorn(e) => Some(e),
            _ => None,
        }
    }
}
