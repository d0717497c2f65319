//! The Metropolis-adjusted Langevin algorithm.

use super::{Kernel, StepInfo, check_buffers, finite_energy_grad};
use crate::error::{Error, check_positive};
use crate::{Energy, Scalar, StreamRng};

/// MALA: a ULA proposal `y = x − τ∇E(x) + √(2τ)ξ` accepted with the Metropolis–Hastings
/// probability, so the stationary law is exactly p ∝ exp(−E). Two gradient evaluations
/// per step (at x and at y). [`StepInfo::accepted`] reports the outcome.
///
/// A proposal whose energy is +∞ (a hard wall, two overlapping Lennard-Jones atoms) is
/// rejected; a NaN energy or gradient at the proposal is an error.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mala<S> {
    /// Step size τ > 0 of the proposal.
    pub step: S,
}

impl<S: Scalar> Default for Mala<S> {
    fn default() -> Self {
        Self {
            step: S::from_f64(0.01),
        }
    }
}

impl<S: Scalar> Kernel<S> for Mala<S> {
    fn scratch_len(&self, dim: usize) -> usize {
        3 * dim
    }

    fn step<E: Energy<S> + ?Sized>(
        &self,
        energy: &E,
        x: &mut [S],
        rng: &mut StreamRng,
        scratch: &mut [S],
    ) -> Result<StepInfo, Error> {
        let d = check_buffers(self, energy, x, scratch)?;
        let tau = self.step;
        check_positive("MALA step must be finite and > 0", tau)?;
        let (gx, rest) = scratch[..3 * d].split_at_mut(d);
        let (y, gy) = rest.split_at_mut(d);

        let ex = finite_energy_grad(energy, x, gx)?;
        let noise = (S::TWO * tau).sqrt();
        for ((yi, &xi), &g) in y.iter_mut().zip(x.iter()).zip(gx.iter()) {
            *yi = xi - tau * g + noise * rng.normal::<S>();
        }
        let u = rng.uniform_open01();
        crate::error::check_finite("proposal", y)?;
        let ey = energy.energy_grad(y, gy);
        if ey.is_nan() || gy.iter().any(|g| g.is_nan()) {
            return Err(Error::NonFinite {
                what: "energy at proposal",
            });
        }
        let rejected = StepInfo {
            accepted: false,
            grad_evals: 2,
        };
        if !ey.is_finite() || gy.iter().any(|g| !g.is_finite()) {
            return Ok(rejected);
        }
        // log q(x | y) − log q(y | x), with log q(b | a) = −‖b − a + τ∇E(a)‖² / (4τ).
        let mut fwd = 0.0f64;
        let mut bwd = 0.0f64;
        for i in 0..d {
            let f = (y[i] - x[i] + tau * gx[i]).to_f64();
            let b = (x[i] - y[i] + tau * gy[i]).to_f64();
            fwd += f * f;
            bwd += b * b;
        }
        let log_alpha = (ex - ey).to_f64() + (fwd - bwd) / (4.0 * tau.to_f64());
        if u.ln() < log_alpha {
            x.copy_from_slice(y);
            Ok(StepInfo {
                accepted: true,
                grad_evals: 2,
            })
        } else {
            Ok(rejected)
        }
    }
}
