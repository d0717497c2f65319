//! The one error type of the core.

use core::fmt;

/// What went wrong in a core call. Every fallible function returns it; nothing is written
/// to the caller's output on error unless the function's docs say otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A buffer's length does not match the dimension it must hold.
    DimensionMismatch {
        /// Which buffer.
        what: &'static str,
        /// The length required (lengths beyond `u32::MAX` are reported as `u32::MAX`).
        expected: u32,
        /// The length given (likewise).
        found: u32,
    },
    /// The caller's scratch buffer is shorter than the integrator needs.
    ScratchTooSmall {
        /// Scalars needed.
        needed: usize,
        /// Scalars given.
        found: usize,
    },
    /// A NaN or infinity appeared: in an input, an energy, a gradient or a new state.
    /// The chain diverged (step too large?) or the energy is undefined there.
    NonFinite {
        /// Where it was seen.
        what: &'static str,
    },
    /// A setting or model parameter is outside its domain (a non-positive step, a
    /// precision matrix that is not positive definite, ...).
    InvalidParameter {
        /// Which one, and what it must be.
        what: &'static str,
    },
    /// Model bytes were rejected, or the model is of the wrong kind.
    Model(crate::model::ModelError),
    /// The sampler's kernel was left out of this build by its cargo feature.
    NotCompiled {
        /// The sampler's name.
        what: &'static str,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::DimensionMismatch {
                what,
                expected,
                found,
            } => write!(f, "{what}: expected length {expected}, found {found}"),
            Error::ScratchTooSmall { needed, found } => {
                write!(
                    f,
                    "scratch buffer too small: need {needed} scalars, got {found}"
                )
            }
            Error::NonFinite { what } => write!(f, "non-finite value (NaN or inf) in {what}"),
            Error::InvalidParameter { what } => write!(f, "invalid parameter: {what}"),
            Error::Model(e) => write!(f, "{e}"),
            Error::NotCompiled { what } => {
                write!(f, "the {what} sampler is not compiled into this build")
            }
        }
    }
}

impl core::error::Error for Error {}

impl Error {
    /// A [`Error::DimensionMismatch`] for buffer `what`: lengths beyond `u32::MAX` are
    /// reported as `u32::MAX`.
    pub fn dimension_mismatch(what: &'static str, expected: usize, found: usize) -> Self {
        Error::DimensionMismatch {
            what,
            expected: saturate(expected),
            found: saturate(found),
        }
    }

    /// `Ok` if buffer `what` has the length `expected`, else its
    /// [`Error::dimension_mismatch`]: the length check of every [`crate::Energy`].
    pub fn check_len(what: &'static str, expected: usize, found: usize) -> Result<(), Self> {
        if found == expected {
            Ok(())
        } else {
            Err(Error::dimension_mismatch(what, expected, found))
        }
    }
}

/// [`Error::check_len`], as the core's checks call it.
pub(crate) fn check_len(what: &'static str, expected: usize, found: usize) -> Result<(), Error> {
    Error::check_len(what, expected, found)
}

/// Returns `NonFinite` if any element of `v` is NaN or infinite.
pub(crate) fn check_finite<S: crate::Scalar>(what: &'static str, v: &[S]) -> Result<(), Error> {
    if v.iter().all(|x| x.is_finite()) {
        Ok(())
    } else {
        Err(Error::NonFinite { what })
    }
}

/// Returns `InvalidParameter` unless `v` is finite and strictly positive.
pub(crate) fn check_positive<S: crate::Scalar>(what: &'static str, v: S) -> Result<(), Error> {
    if v.is_finite() && v > S::ZERO {
        Ok(())
    } else {
        Err(Error::InvalidParameter { what })
    }
}

/// `x` as a fixed-size array, or `DimensionMismatch` naming `what`.
pub(crate) fn fixed<'a, S, const N: usize>(
    what: &'static str,
    x: &'a [S],
) -> Result<&'a [S; N], Error> {
    let found = x.len();
    x.try_into()
        .map_err(|_| Error::dimension_mismatch(what, N, found))
}

/// `x` as a mutable fixed-size array, or `DimensionMismatch` naming `what`.
pub(crate) fn fixed_mut<'a, S, const N: usize>(
    what: &'static str,
    x: &'a mut [S],
) -> Result<&'a mut [S; N], Error> {
    let found = x.len();
    x.try_into()
        .map_err(|_| Error::dimension_mismatch(what, N, found))
}

/// Checks a point and its gradient buffer against an energy's dimension.
pub(crate) fn check_point<S>(dim: usize, x: &[S], grad: &[S]) -> Result<(), Error> {
    check_len("point", dim, x.len())?;
    check_len("gradient", dim, grad.len())
}

/// A length as an error reports it: `u32::MAX` for anything longer (an `Error` stays small,
/// which keeps every `Result` of the samplers cheap to return on firmware).
fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
