//! SDE kernels (ULA, MALA, BAOAB, the W2/JKO schemes) and ODE solvers (Euler, Heun, RK4).
//!
//! Time convention, used everywhere in gradflow: the overdamped Langevin step with step size
//! τ is `x ← x − τ∇E(x) + √(2τ)ξ`, ξ ~ N(0, I), which targets p ∝ exp(−E). The
//! "step size and noise scale" pair of JEM/IGEBM is a different parameterisation: convert
//! it (their λ/2 is our τ when their noise is √λ), do not mix the two.

mod baoab;
mod batch;
mod jko;
mod mala;
mod ode;
pub mod rules;
mod ula;

pub use baoab::Baoab;
pub use batch::{BatchReport, run_batch, run_conditional};
pub use jko::{Jko, Jko2, prox};
pub use mala::Mala;
pub use ode::OdeSolver;
pub use ula::Ula;

use crate::error::{Error, check_len};
use crate::{Energy, Scalar, StreamRng};

/// What one kernel step did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StepInfo {
    /// False only for a rejected Metropolis–Hastings proposal.
    pub accepted: bool,
    /// Energy-gradient evaluations spent on this step (the cost unit for comparing schemes).
    pub grad_evals: u32,
}

/// A Markov kernel that targets p ∝ exp(−E), generic over the energy.
///
/// The state of one chain is `state_len(d)` scalars (d = `energy.dim()`): the position
/// for the overdamped kernels, position then velocity for [`Baoab`]. Scratch is owned by
/// the caller and must hold at least `scratch_len(d)` scalars; its contents on entry do not
/// matter. The state is written only by a step that succeeds.
///
/// Each kernel's update rule lives in [`Kernel::run`]; [`Kernel::step`] is `run` for one
/// step. Prefer `run` for consecutive steps of one chain: [`Mala`] and [`Baoab`] carry the
/// energy and gradient at the current position from one step to the next within a call,
/// so n steps cost n + 1 gradient evaluations there, against 2n by n calls of `step`. The
/// samples are the same bits either way.
pub trait Kernel<S: Scalar> {
    /// Scalars in the state of one chain of dimension `dim`.
    fn state_len(&self, dim: usize) -> usize {
        dim
    }

    /// Scalars of scratch a call needs for dimension `dim`.
    fn scratch_len(&self, dim: usize) -> usize;

    /// Checks the kernel's settings (step, friction, iterations, ...); [`Kernel::run`]
    /// checks them first too.
    fn check_settings(&self) -> Result<(), Error>;

    /// Advances one chain's `state` by `steps` steps drawing from `rng`, and adds what they
    /// did to `report`. Lengths and settings are checked first, even for `steps` = 0.
    ///
    /// On error, `state` holds the last state reached (finite), `report.steps` counts the
    /// steps completed before the failure, and `report.accepted` and `report.grad_evals`
    /// count their work (including the evaluation at the starting position, once made).
    fn run<E: Energy<S> + ?Sized>(
        &self,
        energy: &E,
        state: &mut [S],
        rng: &mut StreamRng,
        steps: u64,
        scratch: &mut [S],
        report: &mut BatchReport,
    ) -> Result<(), Error>;

    /// Advances `state` by one step using the random stream `rng`: [`Kernel::run`] with
    /// `steps` = 1.
    fn step<E: Energy<S> + ?Sized>(
        &self,
        energy: &E,
        state: &mut [S],
        rng: &mut StreamRng,
        scratch: &mut [S],
    ) -> Result<StepInfo, Error> {
        let mut report = BatchReport::default();
        self.run(energy, state, rng, 1, scratch, &mut report)?;
        Ok(StepInfo {
            accepted: report.accepted == 1,
            grad_evals: report.grad_evals as u32,
        })
    }
}

/// Checks the state and scratch lengths of one kernel call; returns d.
pub(crate) fn check_buffers<S: Scalar, K: Kernel<S> + ?Sized, E: Energy<S> + ?Sized>(
    kernel: &K,
    energy: &E,
    state: &[S],
    scratch: &[S],
) -> Result<usize, Error> {
    let d = energy.dim();
    check_len("state", kernel.state_len(d), state.len())?;
    let needed = kernel.scratch_len(d);
    if scratch.len() < needed {
        return Err(Error::ScratchTooSmall {
            needed,
            found: scratch.len(),
        });
    }
    Ok(d)
}

/// Evaluates E and ∇E at `x`, failing on the energy's own error or on a non-finite value.
pub(crate) fn finite_energy_grad<S: Scalar, E: Energy<S> + ?Sized>(
    energy: &E,
    x: &[S],
    grad: &mut [S],
) -> Result<S, Error> {
    let e = energy.energy_grad(x, grad)?;
    if !e.is_finite() {
        return Err(Error::NonFinite { what: "energy" });
    }
    crate::error::check_finite("energy gradient", grad)?;
    Ok(e)
}

/// Copies `new` into `state` if every element is finite; otherwise fails and leaves
/// `state` untouched.
pub(crate) fn commit<S: Scalar>(state: &mut [S], new: &[S]) -> Result<(), Error> {
    crate::error::check_finite("new state", new)?;
    state.copy_from_slice(new);
    Ok(())
}
