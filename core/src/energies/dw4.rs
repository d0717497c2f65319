//! DW4: four particles in the plane with a double-well pair potential.

use super::pairwise::pair_sum;
use crate::error::{Error, check_len, check_point};
use crate::{Energy, Scalar};

/// E(x) = (1/T) Σ_{i<j} [a(d − d₀) + b(d − d₀)² + c(d − d₀)⁴], dᵢⱼ = ‖xᵢ − xⱼ‖, for 4
/// particles in 2D (d = 8, stored x₀, y₀, x₁, y₁, ...). The standard benchmark (Köhler et al.
/// 2020) uses a = 0, b = −4, c = 0.9, d₀ = 4, T = 1: the defaults. Invariant under
/// rotations, translations and permutations, so e^−E is not normalisable without a
/// restraint: sample it with that in mind (or compare only pair distances).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dw4<S> {
    /// Linear coefficient a.
    pub a: S,
    /// Quadratic coefficient b.
    pub b: S,
    /// Quartic coefficient c.
    pub c: S,
    /// Reference distance d₀.
    pub d0: S,
    /// Temperature T > 0.
    pub temperature: S,
}

impl<S: Scalar> Default for Dw4<S> {
    fn default() -> Self {
        Self {
            a: S::ZERO,
            b: S::from_f64(-4.0),
            c: S::from_f64(0.9),
            d0: S::from_f64(4.0),
            temperature: S::ONE,
        }
    }
}

impl<S: Scalar> Dw4<S> {
    fn phi(&self, d: S) -> (S, S) {
        let u = d - self.d0;
        let inv_t = S::ONE / self.temperature;
        let value = self.a * u + self.b * u * u + self.c * u * u * u * u;
        let slope = self.a + S::TWO * self.b * u + S::from_f64(4.0) * self.c * u * u * u;
        (value * inv_t, slope * inv_t)
    }
}

impl<S: Scalar> Energy<S> for Dw4<S> {
    fn dim(&self) -> usize {
        8
    }
    fn energy(&self, x: &[S]) -> Result<S, Error> {
        check_len("point", 8, x.len())?;
        Ok(pair_sum::<S, 2>(x, None, |d| self.phi(d)))
    }
    fn energy_grad(&self, x: &[S], grad: &mut [S]) -> Result<S, Error> {
        check_point(8, x, grad)?;
        grad.fill(S::ZERO);
        Ok(pair_sum::<S, 2>(x, Some(grad), |d| self.phi(d)))
    }
}
