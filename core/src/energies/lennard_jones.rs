//! Lennard-Jones clusters with a harmonic restraint on the centre of mass.

use super::pairwise::pair_sum;
use crate::error::{Error, check_len, check_point};
use crate::{Energy, Scalar};

/// E(x) = Σ_{i<j} 4ε[(σ/r)¹² − (σ/r)⁶] + (k/2)‖c‖², c = (1/N)Σᵢ xᵢ, for N particles in 3D
/// (d = 3N, stored x₀, y₀, z₀, x₁, ...). The restraint removes the translational zero mode
/// so that e^−E is normalisable in the centre of mass (rotations remain free). LJ13 is
/// `LennardJones<S, 13>`, whose global minimum (icosahedron) is −44.326801ε. Two atoms at
/// the same point give E = +∞.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LennardJones<S, const N: usize> {
    /// Well depth ε.
    pub epsilon: S,
    /// Length scale σ (the pair minimum sits at 2^(1/6)σ).
    pub sigma: S,
    /// Stiffness k of the centre-of-mass restraint.
    pub com_stiffness: S,
}

impl<S: Scalar, const N: usize> Default for LennardJones<S, N> {
    fn default() -> Self {
        Self {
            epsilon: S::ONE,
            sigma: S::ONE,
            com_stiffness: S::ONE,
        }
    }
}

impl<S: Scalar, const N: usize> LennardJones<S, N> {
    fn phi(&self, r: S) -> (S, S) {
        if r == S::ZERO {
            return (S::INFINITY, S::ZERO);
        }
        let s6 = (self.sigma / r).powi(6);
        let four_eps = S::from_f64(4.0) * self.epsilon;
        let value = four_eps * (s6 * s6 - s6);
        let slope = four_eps * (S::from_f64(-12.0) * s6 * s6 + S::from_f64(6.0) * s6) / r;
        (value, slope)
    }

    fn centre(x: &[S]) -> [S; 3] {
        let mut c = [S::ZERO; 3];
        for p in x.chunks_exact(3) {
            for k in 0..3 {
                c[k] += p[k];
            }
        }
        let inv_n = S::ONE / S::from_usize(N);
        c.map(|v| v * inv_n)
    }
}

impl<S: Scalar, const N: usize> Energy<S> for LennardJones<S, N> {
    fn dim(&self) -> usize {
        3 * N
    }
    fn energy(&self, x: &[S]) -> Result<S, Error> {
        check_len("point", 3 * N, x.len())?;
        let c = Self::centre(x);
        let restraint = S::HALF * self.com_stiffness * (c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
        Ok(pair_sum::<S, 3>(x, None, |r| self.phi(r)) + restraint)
    }
    fn energy_grad(&self, x: &[S], grad: &mut [S]) -> Result<S, Error> {
        check_point(3 * N, x, grad)?;
        let c = Self::centre(x);
        let restraint = S::HALF * self.com_stiffness * (c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
        let pull = self.com_stiffness / S::from_usize(N);
        let g = grad;
        for p in g.chunks_exact_mut(3) {
            for k in 0..3 {
                p[k] = pull * c[k];
            }
        }
        Ok(pair_sum::<S, 3>(x, Some(g), |r| self.phi(r)) + restraint)
    }
}
