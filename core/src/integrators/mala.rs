//! The Metropolis-adjusted Langevin algorithm.

use super::{BatchReport, Kernel, check_buffers, finite_energy_grad, rules};
use crate::error::{Error, check_positive};
use crate::{Energy, Scalar, StreamRng};

/// MALA: a ULA proposal `y = x − τ∇E(x) + √(2τ)ξ` accepted with the Metropolis–Hastings
/// probability, so the stationary law is exactly p ∝ exp(−E). One gradient evaluation per
/// step, at y: [`Kernel::run`] keeps E and ∇E at the current x from the previous step, so
/// a call of n steps costs n + 1 (a single [`Kernel::step`] costs 2).
/// [`StepInfo::accepted`](super::StepInfo::accepted) and [`BatchReport::accepted`] report
/// the outcomes.
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

    fn check_settings(&self) -> Result<(), Error> {
        check_positive("MALA step must be finite and > 0", self.step)
    }

    fn run<E: Energy<S> + ?Sized>(
        &self,
        energy: &E,
        x: &mut [S],
        rng: &mut StreamRng,
        steps: u64,
        scratch: &mut [S],
        report: &mut BatchReport,
    ) -> Result<(), Error> {
        let d = check_buffers(self, energy, x, scratch)?;
        self.check_settings()?;
        let tau = self.step;
        if steps == 0 {
            return Ok(());
        }
        let (gx, rest) = scratch[..3 * d].split_at_mut(d);
        let (y, gy) = rest.split_at_mut(d);
        // E and ∇E at the current x; an accepted proposal's replace them.
        let mut ex = finite_energy_grad(energy, x, gx)?;
        report.grad_evals += 1;
        let noise = rules::langevin_noise(tau);
        for _ in 0..steps {
            for ((yi, &xi), &g) in y.iter_mut().zip(x.iter()).zip(gx.iter()) {
                *yi = rules::langevin(xi, g, tau, noise, rng);
            }
            let u = rng.uniform_open01();
            crate::error::check_finite("proposal", y)?;
            let ey = energy.energy_grad(y, gy)?;
            if ey.is_nan() || gy.iter().any(|g| g.is_nan()) {
                return Err(Error::NonFinite {
                    what: "energy at proposal",
                });
            }
            // An infinite energy or gradient at y rejects it.
            let accepted = rules::mala_accepts(u, ey, gy, || {
                rules::mala_log_acceptance(tau, x, y, gx, gy, ex, ey)
            });
            if accepted {
                x.copy_from_slice(y);
                gx.copy_from_slice(gy);
                ex = ey;
            }
            report.add_step(accepted, 1);
        }
        Ok(())
    }
}
