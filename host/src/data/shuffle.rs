//! Seeded Fisher–Yates permutations, shared by the shuffled generators and the splits.

use gradflow_core::StreamRng;

/// A uniform index in `0..k` (`k ≥ 1`) from 53 random bits; the bias is below 2⁻⁵³·k.
pub(crate) fn index_below(rng: &mut StreamRng, k: usize) -> usize {
    ((rng.uniform_open01() * k as f64) as usize).min(k - 1)
}

/// A uniformly random permutation of `0..n` drawn from the stream `(seed, stream)`.
pub(crate) fn permutation(n: usize, seed: u64, stream: u64) -> Vec<usize> {
    let mut rng = StreamRng::new(seed, stream);
    let mut p: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        p.swap(i, index_below(&mut rng, i + 1));
    }
    p
}
