//! The Wasserstein-2 (JKO) particle schemes of docs/src/design.md §4.2 (*reconstructed*: our own
//! derivation from the paper's abstract and Wibisono's symmetrized Langevin, not a
//! faithful reproduction of arXiv 1910.14216).

use super::{BatchReport, Kernel, check_buffers, commit, finite_energy_grad, rules};
use crate::error::{Error, check_positive};
use crate::{Energy, Scalar, StreamRng};

/// Approximates the proximal point `y = argmin_y E(y) + ‖y − c‖²/(2h)` in place of `y`,
/// by `iters` relaxed fixed-point iterations `y ← (1 − ω)y + ω(c − h∇E(y))` from `y = c`.
///
/// The iteration is gradient descent with step ωh on the proximal objective, so it
/// converges when ω(1 + hL) < 2 (L the Lipschitz constant of ∇E); with ω = 1 it is the
/// classical fixed point of implicit Euler, contracting by hL per iteration. The first
/// iteration with ω = 1 is the explicit step `c − h∇E(c)`. `grad` is scratch of length d.
/// Costs `iters` gradient evaluations.
pub fn prox<S: Scalar, E: Energy<S> + ?Sized>(
    energy: &E,
    center: &[S],
    h: S,
    iters: u32,
    relaxation: S,
    y: &mut [S],
    grad: &mut [S],
) -> Result<(), Error> {
    y.copy_from_slice(center);
    for _ in 0..iters {
        finite_energy_grad(energy, y, grad)?;
        for ((yi, &ci), &g) in y.iter_mut().zip(center).zip(grad.iter()) {
            *yi = rules::proximal(*yi, ci, g, h, relaxation);
        }
    }
    Ok(())
}

/// Validates the proximal-solver settings shared by [`Jko`] and [`Jko2`].
fn check_prox_settings<S: Scalar>(step: S, iters: u32, relaxation: S) -> Result<(), Error> {
    check_positive("JKO step must be finite and > 0", step)?;
    if iters == 0 {
        return Err(Error::InvalidParameter {
            what: "JKO inner iterations must be >= 1",
        });
    }
    if relaxation.is_nan() || relaxation <= S::ZERO || relaxation > S::ONE {
        return Err(Error::InvalidParameter {
            what: "JKO relaxation must be in (0, 1]",
        });
    }
    Ok(())
}

/// `jko`, the near-proximal W2 step: `y ≈ argmin E(y) + ‖y − x‖²/(2τ)` by
/// [`prox`], then `x ← y + √(2τ)ξ`. Implicit Euler on the drift, exact heat step.
///
/// With one inner iteration (and ω = 1) it is exactly [`super::Ula`]. Its stationary
/// variance on E = p‖x‖²/2 (prox solved exactly) is (1 + τp)²/(p(1 + τp/2)): biased the
/// other way from ULA. An exact prox is stable for every τ on convex energies; the
/// fixed-point solver itself needs ω(1 + τL) < 2 (see [`prox`]). Costs `inner_iters`
/// gradients per step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Jko<S> {
    /// Step size τ > 0.
    pub step: S,
    /// Fixed-point iterations M ≥ 1 of the proximal solve.
    pub inner_iters: u32,
    /// Relaxation ω ∈ (0, 1] of the proximal iteration; lower it for stiff energies.
    pub relaxation: S,
}

impl<S: Scalar> Default for Jko<S> {
    fn default() -> Self {
        Self {
            step: S::from_f64(0.01),
            inner_iters: 4,
            relaxation: S::ONE,
        }
    }
}

impl<S: Scalar> Kernel<S> for Jko<S> {
    fn scratch_len(&self, dim: usize) -> usize {
        2 * dim
    }

    fn check_settings(&self) -> Result<(), Error> {
        check_prox_settings(self.step, self.inner_iters, self.relaxation)
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
        let (grad, y) = scratch[..2 * d].split_at_mut(d);
        let noise = rules::langevin_noise(self.step);
        for _ in 0..steps {
            prox(
                energy,
                x,
                self.step,
                self.inner_iters,
                self.relaxation,
                y,
                grad,
            )?;
            for yi in y.iter_mut() {
                *yi = rules::heat(*yi, noise, rng);
            }
            commit(x, y)?;
            report.add_step(true, self.inner_iters);
        }
        Ok(())
    }
}

/// `jko2`, the symmetrized (second-order) W2 splitting: half explicit gradient step, exact
/// heat step, half proximal step:
/// `x' = x − (τ/2)∇E(x); x'' = x' + √(2τ)ξ; x ← prox_{(τ/2)E}(x'')`.
///
/// On a Gaussian target its stationary law is exact when the proximal step is solved
/// exactly (variance 1/p on E = p‖x‖²/2, for every τ < 4/p). Costs 1 + `inner_iters`
/// gradients per step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Jko2<S> {
    /// Step size τ > 0.
    pub step: S,
    /// Fixed-point iterations M ≥ 1 of the proximal half-step.
    pub inner_iters: u32,
    /// Relaxation ω ∈ (0, 1] of the proximal iteration.
    pub relaxation: S,
}

impl<S: Scalar> Default for Jko2<S> {
    fn default() -> Self {
        Self {
            step: S::from_f64(0.01),
            inner_iters: 4,
            relaxation: S::ONE,
        }
    }
}

impl<S: Scalar> Kernel<S> for Jko2<S> {
    fn scratch_len(&self, dim: usize) -> usize {
        3 * dim
    }

    fn check_settings(&self) -> Result<(), Error> {
        check_prox_settings(self.step, self.inner_iters, self.relaxation)
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
        let half = self.step * S::HALF;
        let (grad, rest) = scratch[..3 * d].split_at_mut(d);
        let (center, y) = rest.split_at_mut(d);
        let noise = rules::langevin_noise(self.step);
        for _ in 0..steps {
            finite_energy_grad(energy, x, grad)?;
            for ((c, &xi), &g) in center.iter_mut().zip(x.iter()).zip(grad.iter()) {
                *c = rules::langevin(xi, g, half, noise, rng);
            }
            prox(
                energy,
                center,
                half,
                self.inner_iters,
                self.relaxation,
                y,
                grad,
            )?;
            commit(x, y)?;
            report.add_step(true, 1 + self.inner_iters);
        }
        Ok(())
    }
}
