//! The two-sample W2 floor of each 2D data set: how far apart two independent samples of
//! the same law are. A model's W2 to a data sample cannot be expected to fall below it.

use super::Dataset2d;
use crate::metrics::wasserstein2;

/// Points per sample of the documented floors.
pub const W2_FLOOR_POINTS: usize = 1024;

/// Seed pairs the documented floors average over.
pub const W2_FLOOR_PAIRS: usize = 20;

impl Dataset2d {
    /// The exact W2 between two independent samples of `n` points each, as (mean, standard
    /// deviation) over `pairs` seed pairs `(2k, 2k + 1)`, k < `pairs`.
    ///
    /// # Panics
    /// If `n` or `pairs` is zero.
    pub fn measure_w2_floor(self, n: usize, pairs: usize) -> (f64, f64) {
        assert!(n > 0 && pairs > 0, "need at least one point and one pair");
        let w: Vec<f64> = (0..pairs as u64)
            .map(|k| {
                let (a, b) = (self.sample(n, 2 * k), self.sample(n, 2 * k + 1));
                wasserstein2(&a, &b, 2)
                    .expect("generated samples are finite and of equal size")
                    .w2
            })
            .collect();
        let mean = w.iter().sum::<f64>() / pairs as f64;
        let var = w.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (pairs.max(2) - 1) as f64;
        (mean, var.sqrt())
    }

    /// The measured W2 floor at [`W2_FLOOR_POINTS`] vs [`W2_FLOOR_POINTS`] points, as
    /// (mean, standard deviation) over [`W2_FLOOR_PAIRS`] seed pairs; what
    /// [`Dataset2d::measure_w2_floor`] gives (a test keeps the two in step). Reproduce with
    /// `cargo run --release -p gradflow --example w2_floors`. The 8gaussians floor is
    /// large and noisy because the eight modes' counts fluctuate (binomially) between the
    /// samples, and the surplus of a mode travels ~3.8 to its neighbour; `moons` and `rings`
    /// place their points on fixed angles, so only their noise differs.
    ///
    /// | data set | W2 floor (mean ± sd) |
    /// |---|---|
    /// | `8gaussians` | 0.5975 ± 0.1319 |
    /// | `moons` | 0.1005 ± 0.0042 |
    /// | `scurve` | 0.1413 ± 0.0399 |
    /// | `checkerboard` | 0.3471 ± 0.0696 |
    /// | `rings` | 0.1608 ± 0.0042 |
    /// | `swissroll` | 0.1994 ± 0.0298 |
    pub const fn w2_floor(self) -> (f64, f64) {
        match self {
            Self::EightGaussians => (0.5975, 0.1319),
            Self::Moons => (0.1005, 0.0042),
            Self::SCurve => (0.1413, 0.0399),
            Self::Checkerboard => (0.3471, 0.0696),
            Self::Rings => (0.1608, 0.0042),
            Self::SwissRoll => (0.1994, 0.0298),
        }
    }
}
