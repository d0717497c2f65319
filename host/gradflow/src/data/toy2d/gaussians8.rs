//! `8gaussians`: eight isotropic Gaussians on a circle, as torchcfm's `sample_8gaussians`.

use gradflow_core::StreamRng;

use super::{Row, rows};
use crate::data::shuffle::index_below;

/// Radius of the circle of means: torchcfm's `scale=5`.
pub const RADIUS: f64 = 5.0;

/// Standard deviation of each coordinate around its mean: 0.1^(1/4) ≈ 0.5623.
///
/// torchcfm calls `eight_normal_sample(n, 2, scale=5, var=0.1)`, which builds
/// `MultivariateNormal(0, math.sqrt(var) * I)`: the *covariance* is √0.1·I, so the variance
/// of each coordinate is √0.1 ≈ 0.3162, not 0.1. We reproduce that law.
pub const STD: f64 = 0.562_341_325_190_349_1;

/// The eight unit directions in torchcfm's order: ±x, ±y, then the four diagonals
/// (+,+), (+,−), (−,+), (−,−).
pub const DIRECTIONS: [[f64; 2]; 8] = {
    const H: f64 = core::f64::consts::FRAC_1_SQRT_2;
    [
        [1.0, 0.0],
        [-1.0, 0.0],
        [0.0, 1.0],
        [0.0, -1.0],
        [H, H],
        [H, -H],
        [-H, H],
        [-H, -H],
    ]
};

/// One row: two normals, then the mode (uniform over the eight).
fn row(rng: &mut StreamRng) -> Row {
    let (zx, zy) = (rng.normal::<f64>(), rng.normal::<f64>());
    let [cx, cy] = DIRECTIONS[index_below(rng, 8)];
    [RADIUS * cx + STD * zx, RADIUS * cy + STD * zy]
}

/// Fills `out` (n×2, row-major) with the law of torchcfm's `sample_8gaussians`
/// (`torchcfm/utils.py`): a uniformly chosen mode `5·u_k` (the eight [`DIRECTIONS`]), plus
/// N(0, √0.1·I) noise, so each coordinate has standard deviation [`STD`] ≈ 0.562 around its
/// mode. Row `i` uses the stream `(seed, i)` alone.
///
/// # Panics
/// If `out.len()` is odd.
pub fn eight_gaussians(out: &mut [f64], seed: u64) {
    fill(out, seed, 0);
}

pub(super) fn fill(out: &mut [f64], seed: u64, stream0: u64) {
    rows(out, seed, stream0, row);
}
