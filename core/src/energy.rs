//! The two model interfaces every sampler and integrator is generic over.

use crate::Scalar;

/// A potential energy E: ℝᵈ → ℝ, the negative log of an unnormalised density
/// p(x) ∝ exp(−E(x)).
///
/// Implementations write into caller-owned buffers and never allocate. The slices passed in
/// must have length [`Energy::dim`]; implementations may panic otherwise (the samplers check
/// lengths once per call and return [`crate::Error::DimensionMismatch`] instead).
pub trait Energy<S: Scalar> {
    /// The dimension d of the state.
    fn dim(&self) -> usize;

    /// E(x).
    fn energy(&self, x: &[S]) -> S;

    /// Writes ∇E(x) into `grad` and returns E(x).
    fn energy_grad(&self, x: &[S], grad: &mut [S]) -> S;
}

impl<S: Scalar, E: Energy<S> + ?Sized> Energy<S> for &E {
    fn dim(&self) -> usize {
        (**self).dim()
    }
    fn energy(&self, x: &[S]) -> S {
        (**self).energy(x)
    }
    fn energy_grad(&self, x: &[S], grad: &mut [S]) -> S {
        (**self).energy_grad(x, grad)
    }
}

/// A time-dependent velocity field v: ℝᵈ × ℝ → ℝᵈ, integrated by the ODE solvers.
///
/// As for [`Energy`], slices have length [`VelocityField::dim`].
pub trait VelocityField<S: Scalar> {
    /// The dimension d of the state.
    fn dim(&self) -> usize;

    /// Writes v(x, t) into `v`.
    fn velocity(&self, x: &[S], t: S, v: &mut [S]);
}

impl<S: Scalar, V: VelocityField<S> + ?Sized> VelocityField<S> for &V {
    fn dim(&self) -> usize {
        (**self).dim()
    }
    fn velocity(&self, x: &[S], t: S, v: &mut [S]) {
        (**self).velocity(x, t, v)
    }
}
