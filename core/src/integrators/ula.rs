//! The unadjusted Langevin algorithm (Euler–Maruyama on the overdamped Langevin SDE).

use super::{BatchReport, Kernel, check_buffers, commit, finite_energy_grad, rules};
use crate::error::{Error, check_positive};
use crate::{Energy, Scalar, StreamRng};

/// ULA: `x ← x − τ∇E(x) + √(2τ)ξ`. One gradient per step; biased: on E = p‖x‖²/2 its
/// stationary variance is 1/(p(1 − τp/2)), not 1/p. The baseline "KL" particle scheme.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ula<S> {
    /// Step size τ > 0.
    pub step: S,
}

impl<S: Scalar> Default for Ula<S> {
    fn default() -> Self {
        Self {
            step: S::from_f64(0.01),
        }
    }
}

impl<S: Scalar> Kernel<S> for Ula<S> {
    fn scratch_len(&self, dim: usize) -> usize {
        2 * dim
    }

    fn check_settings(&self) -> Result<(), Error> {
        check_positive("ULA step must be finite and > 0", self.step)
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
        let (grad, new) = scratch[..2 * d].split_at_mut(d);
        let noise = rules::langevin_noise(self.step);
        for _ in 0..steps {
            finite_energy_grad(energy, x, grad)?;
            for ((n, &xi), &g) in new.iter_mut().zip(x.iter()).zip(grad.iter()) {
                *n = rules::langevin(xi, g, self.step, noise, rng);
            }
            commit(x, new)?;
            report.add_step(true, 1);
        }
        Ok(())
    }
}
