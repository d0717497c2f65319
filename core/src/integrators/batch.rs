//! Running many independent chains with one deterministic stream each.

use super::Kernel;
use crate::error::Error;
use crate::{Conditional, Energy, Scalar, StreamRng};

/// Totals over a batch of chains.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchReport {
    /// Kernel steps taken (chains × steps).
    pub steps: u64,
    /// Steps whose proposal was accepted (all of them for the unadjusted kernels).
    pub accepted: u64,
    /// Energy-gradient evaluations spent.
    pub grad_evals: u64,
}

impl BatchReport {
    /// Adds another report's counts into this one.
    pub fn merge(&mut self, other: BatchReport) {
        self.steps += other.steps;
        self.accepted += other.accepted;
        self.grad_evals += other.grad_evals;
    }

    /// Counts one completed step that spent `grad_evals` gradient evaluations.
    pub(crate) fn add_step(&mut self, accepted: bool, grad_evals: u32) {
        self.steps += 1;
        self.accepted += u64::from(accepted);
        self.grad_evals += u64::from(grad_evals);
    }

    /// Fraction of accepted steps (1 when no step was taken).
    pub fn acceptance_rate(&self) -> f64 {
        if self.steps == 0 {
            1.0
        } else {
            self.accepted as f64 / self.steps as f64
        }
    }
}

/// Advances every chain in `states` (consecutive blocks of `kernel.state_len(d)` scalars)
/// by `steps` kernel steps; chain `k` draws from `rngs[k]`, which carries on where it
/// stopped, so repeated calls continue the same streams.
///
/// Make chain `k`'s stream with [`StreamRng::new`]`(seed, k)` (by its global index): then
/// splitting a set of chains into several calls, on as many threads, gives bit-identical
/// results. On error, the chains before the failing one have finished all their steps and
/// the failing chain holds its last finite state.
pub fn run_batch<S: Scalar, K: Kernel<S> + ?Sized, E: Energy<S> + ?Sized>(
    kernel: &K,
    energy: &E,
    states: &mut [S],
    rngs: &mut [StreamRng],
    steps: u64,
    scratch: &mut [S],
) -> Result<BatchReport, Error> {
    let len = kernel.state_len(energy.dim());
    crate::error::check_len(
        "states (chains × state length)",
        rngs.len() * len,
        states.len(),
    )?;
    let mut report = BatchReport::default();
    for (chain, rng) in states.chunks_exact_mut(len.max(1)).zip(rngs.iter_mut()) {
        kernel.run(energy, chain, rng, steps, scratch, &mut report)?;
    }
    Ok(report)
}

/// Samples the latents of a joint energy E(x, z) given observed rows (docs/src/design.md §4.4): chain
/// `k` moves z_k (a block of `kernel.state_len(dz)` scalars of `states`, dz = d −
/// `observed_dim`) on the conditional energy z ↦ E(x_k, z) ([`Conditional`]) of its own
/// observed row x_k (`observed`: one row of `observed_dim` scalars per chain), by `steps`
/// kernel steps drawing from `rngs[k]`, exactly as [`run_batch`] does on one chain.
///
/// `scratch` holds at least `kernel.scratch_len(dz)` +
/// [`conditional_work_len`](crate::conditional_work_len)`(d)` scalars. Lengths and the
/// split (0 < `observed_dim` < d) are checked before anything moves; on a later error the
/// chains before the failing one are done and it holds its last finite state.
#[allow(clippy::too_many_arguments)]
pub fn run_conditional<S: Scalar, K: Kernel<S> + ?Sized, E: Energy<S> + ?Sized>(
    kernel: &K,
    joint: &E,
    observed_dim: usize,
    observed: &[S],
    states: &mut [S],
    rngs: &mut [StreamRng],
    steps: u64,
    scratch: &mut [S],
) -> Result<BatchReport, Error> {
    let d = joint.dim();
    if observed_dim == 0 || observed_dim >= d {
        return Err(Error::InvalidParameter {
            what: "the observed dimension must be at least 1 and below the joint dimension",
        });
    }
    let len = kernel.state_len(d - observed_dim);
    let n = rngs.len();
    crate::error::check_len(
        "observed rows (chains × observed dimension)",
        n * observed_dim,
        observed.len(),
    )?;
    crate::error::check_len("states (chains × state length)", n * len, states.len())?;
    let work_len = crate::conditional_work_len(d);
    let needed = work_len + kernel.scratch_len(d - observed_dim);
    if scratch.len() < needed {
        return Err(Error::ScratchTooSmall {
            needed,
            found: scratch.len(),
        });
    }
    let (work, rest) = scratch.split_at_mut(work_len);
    let mut report = BatchReport::default();
    for ((x, z), rng) in observed
        .chunks_exact(observed_dim)
        .zip(states.chunks_exact_mut(len.max(1)))
        .zip(rngs.iter_mut())
    {
        let energy = Conditional::new(joint, x, work)?;
        report.merge(run_batch(
            kernel,
            &energy,
            z,
            core::slice::from_mut(rng),
            steps,
            rest,
        )?);
    }
    Ok(report)
}
