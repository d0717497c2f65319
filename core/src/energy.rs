//! The two model interfaces every sampler and integrator is generic over.

use crate::{Error, Scalar};

/// A potential energy E: ℝᵈ → ℝ, the negative log of an unnormalised density
/// p(x) ∝ exp(−E(x)).
///
/// Implementations write into caller-owned buffers and never allocate. The slices passed in
/// have length [`Energy::dim`]; a wrong length is an [`Error::DimensionMismatch`], never a
/// panic.
///
/// Two kinds of trouble, as a sampler sees them (the split of nuts-rs's recoverable and
/// fatal log-density errors):
/// - **a point outside the support** (a hard wall, two overlapping atoms) is a value:
///   `Ok(+∞)`. MALA rejects such a proposal and goes on;
/// - **a failed evaluation** (a wrong length, a model whose scratch is too short, a
///   backend that failed) is an `Err`: every sampler stops and returns it unchanged, so
///   the caller (a C program included) learns what failed instead of "non-finite result".
///
/// A NaN value is neither: the samplers report it as [`Error::NonFinite`].
pub trait Energy<S: Scalar> {
    /// The dimension d of the state.
    fn dim(&self) -> usize;

    /// E(x).
    fn energy(&self, x: &[S]) -> Result<S, Error>;

    /// Writes ∇E(x) into `grad` and returns E(x).
    fn energy_grad(&self, x: &[S], grad: &mut [S]) -> Result<S, Error>;
}

impl<S: Scalar, E: Energy<S> + ?Sized> Energy<S> for &E {
    fn dim(&self) -> usize {
        (**self).dim()
    }
    fn energy(&self, x: &[S]) -> Result<S, Error> {
        (**self).energy(x)
    }
    fn energy_grad(&self, x: &[S], grad: &mut [S]) -> Result<S, Error> {
        (**self).energy_grad(x, grad)
    }
}

/// A time-dependent velocity field v: ℝᵈ × ℝ → ℝᵈ, integrated by the ODE solvers.
///
/// As for [`Energy`], slices have length [`VelocityField::dim`], and a failed evaluation (a
/// wrong length, a model whose scratch is too short) is an `Err` that the solvers return
/// unchanged; `v` is then unspecified.
pub trait VelocityField<S: Scalar> {
    /// The dimension d of the state.
    fn dim(&self) -> usize;

    /// Writes v(x, t) into `v`.
    fn velocity(&self, x: &[S], t: S, v: &mut [S]) -> Result<(), Error>;
}

impl<S: Scalar, V: VelocityField<S> + ?Sized> VelocityField<S> for &V {
    fn dim(&self) -> usize {
        (**self).dim()
    }
    fn velocity(&self, x: &[S], t: S, v: &mut [S]) -> Result<(), Error> {
        (**self).velocity(x, t, v)
    }
}
