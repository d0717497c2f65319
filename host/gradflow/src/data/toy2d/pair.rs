//! The paired `8gaussians → moons` problem: a source sample and an independent target.

use super::{gaussians8, moons};

/// First stream of the target sample, so that it never shares a stream with the source
/// (which uses streams `0..n`) nor with a plain [`moons`](super::moons) call.
pub const TARGET_STREAM0: u64 = 1 << 63;

/// A source sample and a target sample, both n×2 row-major, independent of each other.
#[derive(Clone, Debug, PartialEq)]
pub struct Pair2d {
    /// Draws from the source law.
    pub source: Vec<f64>,
    /// Draws from the target law.
    pub target: Vec<f64>,
}

/// The `8gaussians → moons` transport problem of torchcfm's examples, which the NSGF
/// paper's 2D benchmark and the public Sinkhorn-flow scripts in its style reuse
/// (`x0 = sample_8gaussians(n)`, `x1 = sample_moons(n)`): the source is
/// exactly [`eight_gaussians`](super::eight_gaussians)`(n, seed)` and the target is a
/// [`moons`](super::moons) sample whose noise comes from the streams
/// `(seed, 2⁶³ + i)`, independent of the source.
pub fn eight_gaussians_to_moons(n: usize, seed: u64) -> Pair2d {
    let mut source = vec![0.0; 2 * n];
    let mut target = vec![0.0; 2 * n];
    gaussians8::fill(&mut source, seed, 0);
    moons::fill(&mut target, seed, TARGET_STREAM0);
    Pair2d { source, target }
}
