//! Running many independent chains with one deterministic stream each.

use super::Kernel;
use crate::error::Error;
use crate::{Energy, Scalar, StreamRng};

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
        for _ in 0..steps {
            let info = kernel.step(energy, chain, rng, scratch)?;
            report.steps += 1;
            report.accepted += u64::from(info.accepted);
            report.grad_evals += u64::from(info.grad_evals);
        }
    }
    Ok(report)
}
