//! `rings`: two concentric circles, scikit-learn's `make_circles` at FFJORD's scale.

use gradflow_core::StreamRng;

use crate::data::shuffle::permutation;

/// Radius of the outer circle (scikit-learn's 1, times FFJORD's 3).
pub const OUTER_RADIUS: f64 = 3.0;

/// Radius of the inner circle (`factor=0.5` of the outer).
pub const INNER_RADIUS: f64 = 1.5;

/// Standard deviation of the Gaussian noise on each coordinate after scaling (0.08 × 3).
pub const NOISE: f64 = 0.24;

/// The stream of the row shuffle (the rows' noise use streams `0..n`).
const SHUFFLE_STREAM: u64 = u64::MAX;

/// Fills `out` (n×2, row-major) as scikit-learn's `make_circles(n, factor=0.5, noise=0.08)`
/// scaled by 3, the `circles` set of FFJORD's `lib/toy_data.py`; torchcfm has no rings.
/// As in scikit-learn the angles are equally spaced, not random: `n / 2` points at angles
/// `2πk / (n/2)` on the outer circle (radius 3) and the other `n − n/2` likewise on the
/// inner circle (radius 1.5); the rows are then shuffled (a seeded permutation, scikit-learn's
/// default `shuffle=True`) and each coordinate gets N(0, 0.24²) noise. Row `i`'s noise uses
/// the stream `(seed, i)`, the permutation the stream `(seed, 2⁶⁴ − 1)`.
///
/// # Panics
/// If `out.len()` is odd.
pub fn rings(out: &mut [f64], seed: u64) {
    let n = super::rows_of(out);
    let n_out = n / 2;
    let tau = 2.0 * core::f64::consts::PI;
    let perm = permutation(n, seed, SHUFFLE_STREAM);
    for (i, r) in out.chunks_exact_mut(2).enumerate() {
        let k = perm[i];
        let (radius, j, m) = if k < n_out {
            (OUTER_RADIUS, k, n_out)
        } else {
            (INNER_RADIUS, k - n_out, n - n_out)
        };
        let theta = tau * j as f64 / m as f64;
        let mut rng = StreamRng::new(seed, i as u64);
        r[0] = radius * theta.cos() + NOISE * rng.normal::<f64>();
        r[1] = radius * theta.sin() + NOISE * rng.normal::<f64>();
    }
}
