//! The n-dimensional double well.

use crate::error::{Error, check_point, check_positive, fixed};
use crate::{Energy, Scalar};

/// E(x) = h(x₀² − 1)² + ½κ Σ_{i≥1} xᵢ²: two wells at x₀ = ±1 separated by a barrier of
/// height h at x₀ = 0, harmonic with stiffness κ in the other D − 1 coordinates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DoubleWell<S, const D: usize> {
    barrier: S,
    stiffness: S,
}

impl<S: Scalar, const D: usize> DoubleWell<S, D> {
    /// Barrier height h > 0 and transverse stiffness κ > 0.
    pub fn new(barrier: S, stiffness: S) -> Result<Self, Error> {
        const { assert!(D >= 1, "a double well needs at least one dimension") };
        check_positive("double-well barrier must be finite and > 0", barrier)?;
        check_positive("double-well stiffness must be finite and > 0", stiffness)?;
        Ok(Self { barrier, stiffness })
    }
}

impl<S: Scalar, const D: usize> Energy<S> for DoubleWell<S, D> {
    fn dim(&self) -> usize {
        D
    }
    fn energy(&self, x: &[S]) -> Result<S, Error> {
        let x: &[S; D] = fixed("point", x)?;
        let u = x[0] * x[0] - S::ONE;
        let mut e = self.barrier * u * u;
        for &xi in &x[1..D] {
            e += S::HALF * self.stiffness * xi * xi;
        }
        Ok(e)
    }
    fn energy_grad(&self, x: &[S], grad: &mut [S]) -> Result<S, Error> {
        check_point(D, x, grad)?;
        let u = x[0] * x[0] - S::ONE;
        grad[0] = S::from_f64(4.0) * self.barrier * x[0] * u;
        for (g, &xi) in grad[1..D].iter_mut().zip(&x[1..D]) {
            *g = self.stiffness * xi;
        }
        self.energy(x)
    }
}
