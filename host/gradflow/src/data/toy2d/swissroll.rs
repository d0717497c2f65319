//! `swissroll`: scikit-learn's Swiss roll seen from its axis, at FFJORD's scale.

use gradflow_core::StreamRng;

use super::{Row, rows};

/// Standard deviation of the noise on each coordinate before the division by [`DIVISOR`]
/// (`make_swiss_roll(noise=1.0)`); 0.2 after it.
pub const NOISE: f64 = 1.0;

/// The final scale `x ↦ x / 5`.
pub const DIVISOR: f64 = 5.0;

/// One row: the roll parameter, then the two noises.
fn row(rng: &mut StreamRng) -> Row {
    let t = 1.5 * core::f64::consts::PI * (1.0 + 2.0 * rng.uniform_open01());
    let (ex, ez) = (rng.normal::<f64>(), rng.normal::<f64>());
    [
        (t * t.cos() + NOISE * ex) / DIVISOR,
        (t * t.sin() + NOISE * ez) / DIVISOR,
    ]
}

/// Fills `out` (n×2, row-major) with scikit-learn's `make_swiss_roll(n, noise=1.0)`
/// projected on its (x, z) columns and divided by 5, the `swissroll` of FFJORD's
/// `lib/toy_data.py`; torchcfm has none. `t ~ U(1.5π, 4.5π)`, point
/// `(t cos t, t sin t)/5 + 0.2·N(0, I)`: a spiral of 1.5 turns reaching radius
/// 4.5π/5 ≈ 2.83. Row `i` uses the stream `(seed, i)`.
///
/// # Panics
/// If `out.len()` is odd.
pub fn swissroll(out: &mut [f64], seed: u64) {
    rows(out, seed, 0, row);
}
