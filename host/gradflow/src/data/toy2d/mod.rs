//! Seeded 2D toy distributions: `8gaussians`, `moons`, `scurve`, `checkerboard`, `rings`,
//! `swissroll`, and the paired `8gaussians → moons` problem.
//!
//! Every generator fills an n×2 row-major buffer (`out[2i]`, `out[2i + 1]` are the x and y
//! of row `i`) and is a pure function of the seed: the same `(n, seed)` gives the same bits
//! on every machine. Row `i` draws from `StreamRng::new(seed, i)`, so for the i.i.d. sets
//! (`8gaussians`, `scurve`, `checkerboard`, `swissroll`) the first k rows of an n-row sample
//! are the k-row sample. `moons` and `rings` place their points on equally spaced angles
//! that depend on `n`, as their reference implementations do.
//!
//! Each generator documents its source and its scales. Two generators with the same seed
//! share streams: pass different seeds for samples that must be independent (the paired
//! [`eight_gaussians_to_moons`] does this for you).

mod checkerboard;
mod floor;
mod gaussians8;
mod moons;
mod pair;
mod rings;
mod scurve;
mod swissroll;

use std::fmt;
use std::str::FromStr;

use gradflow_core::StreamRng;

pub use checkerboard::{checkerboard, is_black};
pub use floor::{W2_FLOOR_PAIRS, W2_FLOOR_POINTS};
pub use gaussians8::eight_gaussians;
pub use moons::{arc_point as moons_arc_point, moons};
pub use pair::{Pair2d, eight_gaussians_to_moons};
pub use rings::rings;
pub use scurve::scurve;
pub use swissroll::swissroll;

/// The scales of each generator, for tests and reports.
pub mod scales {
    pub use super::checkerboard::HALF_WIDTH as CHECKERBOARD_HALF_WIDTH;
    pub use super::gaussians8::{
        DIRECTIONS as EIGHT_GAUSSIANS_DIRECTIONS, RADIUS as EIGHT_GAUSSIANS_RADIUS,
        STD as EIGHT_GAUSSIANS_STD,
    };
    pub use super::moons::{NOISE as MOONS_NOISE, SCALE as MOONS_SCALE, SHIFT as MOONS_SHIFT};
    pub use super::pair::TARGET_STREAM0 as PAIR_TARGET_STREAM0;
    pub use super::rings::{
        INNER_RADIUS as RINGS_INNER_RADIUS, NOISE as RINGS_NOISE,
        OUTER_RADIUS as RINGS_OUTER_RADIUS,
    };
    pub use super::scurve::NOISE as SCURVE_NOISE;
    pub use super::swissroll::{DIVISOR as SWISSROLL_DIVISOR, NOISE as SWISSROLL_NOISE};
}

/// One 2D point.
type Row = [f64; 2];

/// The number of rows of an n×2 buffer.
///
/// # Panics
/// If `out.len()` is odd.
fn rows_of(out: &[f64]) -> usize {
    assert!(
        out.len().is_multiple_of(2),
        "a 2D sample buffer needs an even length, got {}",
        out.len()
    );
    out.len() / 2
}

/// Fills an n×2 buffer with i.i.d. rows, row `i` drawn by `row` from `(seed, stream0 + i)`.
fn rows(out: &mut [f64], seed: u64, stream0: u64, row: fn(&mut StreamRng) -> Row) {
    rows_of(out);
    for (i, r) in out.chunks_exact_mut(2).enumerate() {
        let mut rng = StreamRng::new(seed, stream0 + i as u64);
        r.copy_from_slice(&row(&mut rng));
    }
}

/// A named 2D toy distribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dataset2d {
    /// [`eight_gaussians`]: modes at radius 5, per-coordinate std 0.1^(1/4) ≈ 0.562.
    EightGaussians,
    /// [`moons`]: torchcfm's moons, radii 3, uniform diagonal noise of width 0.6.
    Moons,
    /// [`scurve`]: scikit-learn's S curve (x, z), noise std 0.1.
    SCurve,
    /// [`checkerboard`]: uniform on the black squares of [−4, 4]², squares of side 2.
    Checkerboard,
    /// [`rings`]: circles of radii 3 and 1.5, noise std 0.24.
    Rings,
    /// [`swissroll`]: scikit-learn's Swiss roll (x, z) / 5, noise std 0.2.
    SwissRoll,
}

impl Dataset2d {
    /// Every data set, in the order of the enum.
    pub const ALL: [Dataset2d; 6] = [
        Self::EightGaussians,
        Self::Moons,
        Self::SCurve,
        Self::Checkerboard,
        Self::Rings,
        Self::SwissRoll,
    ];

    /// The data set's name: `8gaussians`, `moons`, `scurve`, `checkerboard`, `rings` or
    /// `swissroll`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::EightGaussians => "8gaussians",
            Self::Moons => "moons",
            Self::SCurve => "scurve",
            Self::Checkerboard => "checkerboard",
            Self::Rings => "rings",
            Self::SwissRoll => "swissroll",
        }
    }

    /// Fills `out` (n×2, row-major) with a sample; see each generator for its law.
    ///
    /// # Panics
    /// If `out.len()` is odd.
    pub fn fill(self, out: &mut [f64], seed: u64) {
        match self {
            Self::EightGaussians => eight_gaussians(out, seed),
            Self::Moons => moons(out, seed),
            Self::SCurve => scurve(out, seed),
            Self::Checkerboard => checkerboard(out, seed),
            Self::Rings => rings(out, seed),
            Self::SwissRoll => swissroll(out, seed),
        }
    }

    /// `n` points, n×2 row-major.
    pub fn sample(self, n: usize, seed: u64) -> Vec<f64> {
        let mut out = vec![0.0; 2 * n];
        self.fill(&mut out, seed);
        out
    }
}

impl fmt::Display for Dataset2d {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The name given to [`Dataset2d::from_str`] is not a known data set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownDataset(pub String);

impl fmt::Display for UnknownDataset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown 2D data set {:?}; expected one of ", self.0)?;
        for (k, d) in Dataset2d::ALL.iter().enumerate() {
            let sep = if k == 0 { "" } else { ", " };
            write!(f, "{sep}{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for UnknownDataset {}

impl FromStr for Dataset2d {
    type Err = UnknownDataset;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|d| d.name() == s)
            .ok_or_else(|| UnknownDataset(s.to_owned()))
    }
}
