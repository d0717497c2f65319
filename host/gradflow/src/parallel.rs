//! Many chains on CPU threads, with results independent of the thread count.

use gradflow_core::{BatchReport, Energy, Error, Kernel, Scalar, StreamRng, run_batch};

/// Advances every chain by `steps` kernel steps on up to `threads` threads (0 means one per
/// available core). `states` holds the chains back to back, `rngs` one stream per chain.
///
/// Each thread runs a contiguous block of chains with their own streams, so the samples are
/// bit-identical for any `threads`. On error, the first error (in chain order) is returned;
/// chains in other blocks may have advanced.
pub fn run_chains<S, K, E>(
    kernel: &K,
    energy: &E,
    states: &mut [S],
    rngs: &mut [StreamRng],
    steps: u64,
    threads: usize,
) -> Result<BatchReport, Error>
where
    S: Scalar,
    K: Kernel<S> + Sync + ?Sized,
    E: Energy<S> + Sync + ?Sized,
{
    let len = kernel.state_len(energy.dim());
    let chains = rngs.len();
    if states.len() != chains * len {
        return Err(Error::dimension_mismatch(
            "states (chains × state length)",
            chains * len,
            states.len(),
        ));
    }
    let results = for_each_block(states, len, rngs, threads, |_, block, block_rngs| {
        let mut scratch = vec![S::ZERO; kernel.scratch_len(energy.dim())];
        run_batch(kernel, energy, block, block_rngs, steps, &mut scratch)
    });
    let mut total = BatchReport::default();
    for r in results {
        total.merge(r?);
    }
    Ok(total)
}

/// The number of worker threads `threads` asks for: itself, or one per available core for 0.
pub fn resolve_threads(threads: usize) -> usize {
    if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    }
}

/// Splits the chains into contiguous blocks, one per thread (up to `threads`, 0 meaning one
/// per available core), and runs `f(first_chain, block_states, block_rngs)` on each block on
/// its own scoped thread. `states` holds the chains back to back, `len` scalars each, and
/// `rngs` one stream per chain (`states.len()` must be `rngs.len() × len`). The results come
/// back in block order. This is the split [`run_chains`] uses: code that needs its own
/// per-chain loop (or per-thread state, such as a model's scratch) runs on it and stays
/// independent of the thread count when each chain uses only its own stream.
///
/// # Panics
/// If `f` panics on a thread (the panic is propagated).
pub fn for_each_block<S, R, F>(
    states: &mut [S],
    len: usize,
    rngs: &mut [StreamRng],
    threads: usize,
    f: F,
) -> Vec<R>
where
    S: Send,
    R: Send,
    F: Fn(usize, &mut [S], &mut [StreamRng]) -> R + Sync,
{
    let chains = rngs.len();
    let per_thread = chains.div_ceil(resolve_threads(threads).max(1)).max(1);
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = states
            .chunks_mut(per_thread * len.max(1))
            .zip(rngs.chunks_mut(per_thread))
            .enumerate()
            .map(|(k, (block, block_rngs))| s.spawn(move || f(k * per_thread, block, block_rngs)))
            .collect();
        handles
            .into_iter()
            .map(|h| match h.join() {
                Ok(r) => r,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use gradflow_core::{Gaussian, Ula};

    #[test]
    fn thread_count_does_not_change_samples() {
        let target = Gaussian::<f64, 3>::isotropic([1.0, 0.0, -1.0], 2.0).unwrap();
        let run = |threads| {
            let mut states = vec![0.5; 3 * 101];
            let mut rngs: Vec<_> = StreamRng::streams(3, 0, 101).collect();
            let r = run_chains(
                &Ula { step: 0.1 },
                &target,
                &mut states,
                &mut rngs,
                20,
                threads,
            );
            (states, r.unwrap())
        };
        let (one, r1) = run(1);
        for threads in [2, 3, 7, 200] {
            let (many, r) = run(threads);
            assert_eq!(one, many, "{threads} threads");
            assert_eq!(r1, r);
        }
    }

    #[test]
    fn wrong_state_length_is_an_error() {
        let target = Gaussian::<f64, 2>::isotropic([0.0, 0.0], 1.0).unwrap();
        let mut states = vec![0.0; 5];
        let mut rngs: Vec<_> = StreamRng::streams(0, 0, 3).collect();
        let r = run_chains(&Ula { step: 0.1 }, &target, &mut states, &mut rngs, 1, 1);
        assert!(matches!(
            r,
            Err(Error::DimensionMismatch { expected: 6, .. })
        ));
    }
}
