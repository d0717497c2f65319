//! `checkerboard`: uniform on the eight black squares of a 4×4 board.

use gradflow_core::StreamRng;

use super::{Row, rows};

/// Half the side of the board: the board is [−4, 4]², each square has side 2.
pub const HALF_WIDTH: f64 = 4.0;

/// One row, in FFJORD's construction (before its final ×2): `x₁ ~ U(−2, 2)`, then
/// `x₂ = U(0, 1) − 2·B + (⌊x₁⌋ mod 2)` with `B ~ Bernoulli(1/2)`.
fn row(rng: &mut StreamRng) -> Row {
    let x1 = 4.0 * rng.uniform_open01() - 2.0;
    let v = rng.uniform_open01();
    let b = if rng.uniform_open01() < 0.5 { 0.0 } else { 2.0 };
    let x2 = v - b + x1.floor().rem_euclid(2.0);
    [2.0 * x1, 2.0 * x2]
}

/// Whether `(x, y)` lies in a black square: `⌊x/2⌋ + ⌊y/2⌋` even, inside [−4, 4]².
pub fn is_black(x: f64, y: f64) -> bool {
    x.abs() <= HALF_WIDTH
        && y.abs() <= HALF_WIDTH
        && ((x / 2.0).floor() + (y / 2.0).floor()).rem_euclid(2.0) == 0.0
}

/// Fills `out` (n×2, row-major) with the uniform law on the eight black squares of the
/// board [−4, 4]² (squares of side 2, the square [0, 2)² black), as the `checkerboard` of
/// FFJORD's `lib/toy_data.py` (Grathwohl et al. 2019), the version that the flow-matching
/// and gradient-flow 2D benchmarks reuse. torchcfm has no checkerboard and scikit-learn's
/// `make_checkerboard` is a biclustering matrix, not a point cloud. Each coordinate is
/// uniform on [−4, 4] (variance 16/3) and the covariance of x and y is 1. Row `i` uses the
/// stream `(seed, i)`.
///
/// # Panics
/// If `out.len()` is odd.
pub fn checkerboard(out: &mut [f64], seed: u64) {
    rows(out, seed, 0, row);
}
