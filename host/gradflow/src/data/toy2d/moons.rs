//! `moons`: two interleaved half circles, as torchcfm's `sample_moons`.

use gradflow_core::StreamRng;

/// Width of the uniform offset added along (1, 1) before scaling: torchdyn's `noise=0.2`.
pub const NOISE: f64 = 0.2;

/// The final affine map `x ↦ SCALE·x + SHIFT` applied to both coordinates (`x0 * 3 - 1`).
pub const SCALE: f64 = 3.0;

/// See [`SCALE`].
pub const SHIFT: f64 = -1.0;

/// The noiseless point of row `i` of an `n`-row sample, before the affine map: the upper
/// moon `(cos θ, sin θ)` for the first `n / 2` rows and the lower moon
/// `(1 − cos θ, 0.5 − sin θ)` for the rest, θ equally spaced over [0, π] with both ends
/// included (NumPy's `linspace(0, π, m)`).
pub fn arc_point(i: usize, n: usize) -> [f64; 2] {
    let n_out = n / 2;
    let (j, m, upper) = if i < n_out {
        (i, n_out, true)
    } else {
        (i - n_out, n - n_out, false)
    };
    let theta = if m > 1 {
        core::f64::consts::PI * j as f64 / (m - 1) as f64
    } else {
        0.0
    };
    if upper {
        [theta.cos(), theta.sin()]
    } else {
        [1.0 - theta.cos(), 0.5 - theta.sin()]
    }
}

/// Fills `out` (n×2, row-major) as torchcfm's `sample_moons(n)` (`torchcfm/utils.py`),
/// which is `3 · generate_moons(n, noise=0.2) − 1` with torchdyn's `generate_moons`
/// (`torchdyn/datasets/static_datasets.py`):
///
/// * the angles are *not* random: row `i` sits at [`arc_point`]`(i, n)`, the upper moon
///   (radius 1, centre (0, 0)) in the first `n / 2` rows and the lower moon (radius 1,
///   centre (1, 0.5)) in the rest, in that order (torchdyn does not shuffle);
/// * the noise is one uniform `u ~ U[0, 0.2)` per row added to *both* coordinates (NumPy
///   `rand(n, 1) * noise` broadcast), so each point is shifted along (1, 1);
/// * finally `x ↦ 3x − 1`: radii 3, upper centre (−1, −1), lower centre (2, 0.5), and a
///   diagonal shift of `3u ∈ [0, 0.6)`.
///
/// Row `i` draws its `u` from the stream `(seed, i)`.
///
/// # Panics
/// If `out.len()` is odd.
pub fn moons(out: &mut [f64], seed: u64) {
    fill(out, seed, 0);
}

pub(super) fn fill(out: &mut [f64], seed: u64, stream0: u64) {
    let n = super::rows_of(out);
    for (i, r) in out.chunks_exact_mut(2).enumerate() {
        let u = NOISE * StreamRng::new(seed, stream0 + i as u64).uniform_open01();
        let [x, y] = arc_point(i, n);
        r[0] = SCALE * (x + u) + SHIFT;
        r[1] = SCALE * (y + u) + SHIFT;
    }
}
