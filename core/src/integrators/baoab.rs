//! Underdamped Langevin dynamics by the BAOAB splitting (Leimkuhler & Matthews 2013).

use super::{BatchReport, Kernel, StepInfo, check_buffers, finite_energy_grad};
use crate::error::{Error, check_len, check_positive};
use crate::{Energy, Scalar, StreamRng};

/// BAOAB for `dx = v dt`, `m dv = −∇E(x) dt − γ m v dt + √(2γm) dW` at unit temperature
/// (energies in units of kT): the position marginal targets p ∝ exp(−E), velocities
/// N(0, I/m). On a harmonic energy the position marginal is exact for any stable step
/// (τ²p/m < 4).
///
/// Two ways in:
/// - [`Baoab::step_with_force`], for molecular-dynamics codes that carry forces: one
///   gradient evaluation per step;
/// - the [`Kernel`] impl, whose state is `[x, v]` (2d scalars): [`Kernel::run`] evaluates
///   ∇E(x) once and then loops over `step_with_force`, so n steps cost n + 1 gradient
///   evaluations (a single [`Kernel::step`] costs 2).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Baoab<S> {
    /// Time step τ > 0.
    pub step: S,
    /// Friction γ ≥ 0 (1/time).
    pub friction: S,
    /// Mass m > 0 (the same for every coordinate).
    pub mass: S,
}

impl<S: Scalar> Default for Baoab<S> {
    fn default() -> Self {
        Self {
            step: S::from_f64(0.01),
            friction: S::ONE,
            mass: S::ONE,
        }
    }
}

impl<S: Scalar> Baoab<S> {
    /// One BAOAB step. On entry `grad` must hold ∇E(x) (evaluate it once with
    /// [`Energy::energy_grad`] before the first step); on success it holds ∇E at the new
    /// position, ready for the next step. `scratch` needs 3d scalars. Nothing is written
    /// unless the step succeeds.
    pub fn step_with_force<E: Energy<S> + ?Sized>(
        &self,
        energy: &E,
        x: &mut [S],
        v: &mut [S],
        grad: &mut [S],
        rng: &mut StreamRng,
        scratch: &mut [S],
    ) -> Result<StepInfo, Error> {
        let d = energy.dim();
        check_len("position", d, x.len())?;
        check_len("velocity", d, v.len())?;
        check_len("gradient", d, grad.len())?;
        if scratch.len() < 3 * d {
            return Err(Error::ScratchTooSmall {
                needed: 3 * d,
                found: scratch.len(),
            });
        }
        self.check_settings()?;
        let (h, gamma, m) = (self.step, self.friction, self.mass);
        let half = h * S::HALF;
        let c1 = (-gamma * h).exp();
        let c2 = ((S::ONE - c1 * c1) / m).sqrt();
        let (xn, rest) = scratch[..3 * d].split_at_mut(d);
        let (vn, gn) = rest.split_at_mut(d);
        for i in 0..d {
            let vb = v[i] - half * grad[i] / m; // B
            let xa = x[i] + half * vb; // A
            let vo = c1 * vb + c2 * rng.normal::<S>(); // O
            xn[i] = xa + half * vo; // A
            vn[i] = vo;
        }
        crate::error::check_finite("new state", xn)?;
        finite_energy_grad(energy, xn, gn)?;
        for i in 0..d {
            vn[i] -= half * gn[i] / m; // B
        }
        crate::error::check_finite("new velocity", vn)?;
        x.copy_from_slice(xn);
        v.copy_from_slice(vn);
        grad.copy_from_slice(gn);
        Ok(StepInfo {
            accepted: true,
            grad_evals: 1,
        })
    }
}

impl<S: Scalar> Kernel<S> for Baoab<S> {
    fn state_len(&self, dim: usize) -> usize {
        2 * dim
    }

    fn check_settings(&self) -> Result<(), Error> {
        check_positive("BAOAB step must be finite and > 0", self.step)?;
        check_positive("BAOAB mass must be finite and > 0", self.mass)?;
        if !self.friction.is_finite() || self.friction < S::ZERO {
            return Err(Error::InvalidParameter {
                what: "BAOAB friction must be finite and >= 0",
            });
        }
        Ok(())
    }

    fn scratch_len(&self, dim: usize) -> usize {
        4 * dim
    }

    fn run<E: Energy<S> + ?Sized>(
        &self,
        energy: &E,
        state: &mut [S],
        rng: &mut StreamRng,
        steps: u64,
        scratch: &mut [S],
        report: &mut BatchReport,
    ) -> Result<(), Error> {
        let d = check_buffers(self, energy, state, scratch)?;
        self.check_settings()?;
        if steps == 0 {
            return Ok(());
        }
        let (grad, rest) = scratch[..4 * d].split_at_mut(d);
        let (x, v) = state.split_at_mut(d);
        finite_energy_grad(energy, x, grad)?;
        report.grad_evals += 1;
        for _ in 0..steps {
            let info = self.step_with_force(energy, x, v, grad, rng, rest)?;
            report.add_step(info.accepted, info.grad_evals);
        }
        Ok(())
    }
}
