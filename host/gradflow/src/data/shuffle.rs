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

/// `k` distinct indices of `0..n` (`k ≤ n`), uniformly, by a partial Fisher–Yates shuffle.
pub(crate) fn distinct_below(rng: &mut StreamRng, n: usize, k: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    for i in 0..k {
        let j = i + index_below(rng, n - i);
        order.swap(i, j);
    }
    order.truncate(k);
    order
}

/// FNV-1a over the bits of `values`: checkpoints store it, so that a run resumed on other
/// data is refused.
pub(crate) fn fingerprint<'a>(values: impl IntoIterator<Item = &'a f64>) -> u64 {
    values
        .into_iter()
        .flat_map(|v| v.to_bits().to_le_bytes())
        .fold(0xcbf2_9ce4_8422_2325, |h, byte| {
            (h ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        })
}
