//! `scurve`: scikit-learn's 3-D S curve seen from the side.

use gradflow_core::StreamRng;

use super::{Row, rows};

/// Standard deviation of the Gaussian noise on each coordinate (`make_s_curve(noise=0.1)`).
pub const NOISE: f64 = 0.1;

/// One row: the curve parameter, then the two noises.
fn row(rng: &mut StreamRng) -> Row {
    let t = 3.0 * core::f64::consts::PI * (rng.uniform_open01() - 0.5);
    let (ex, ez) = (rng.normal::<f64>(), rng.normal::<f64>());
    [
        t.sin() + NOISE * ex,
        t.signum() * (t.cos() - 1.0) + NOISE * ez,
    ]
}

/// Fills `out` (n×2, row-major) with scikit-learn's `make_s_curve(n, noise=0.1)` projected
/// on its (x, z) columns, no rescaling: `t ~ U(−3π/2, 3π/2)`,
/// `(sin t, sign(t)·(cos t − 1)) + 0.1·N(0, I)`. The points span about [−1, 1] × [−2, 2].
///
/// torchcfm has no S curve, and we found no public reference code for the NSGF paper's
/// (the public Sinkhorn-flow scripts in its style import only torchcfm's 8gaussians and
/// moons), so this follows scikit-learn's convention; the noise 0.1 is our choice (it is
/// the value other public S-curve flow benchmarks use). Row `i` uses the stream `(seed, i)`.
///
/// # Panics
/// If `out.len()` is odd.
pub fn scurve(out: &mut [f64], seed: u64) {
    rows(out, seed, 0, row);
}
