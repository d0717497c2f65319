//! Deterministic random streams: one independent Xoshiro256++ stream per (seed, particle).
//!
//! The stream of particle `i` depends on `(seed, i)` alone, so a batch of particles gives
//! bit-identical samples whatever the thread count or the way it is split into chunks.

use rand_core::{Rng, SeedableRng, TryRng};
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::Scalar;

/// The random stream of one particle.
///
/// The 256-bit Xoshiro256++ state is derived from `(seed, stream)` by the SplitMix64
/// finaliser applied word by word, each word keyed separately (see [`stream_state`]); two
/// different keys give the same state only if they collide in all four 64-bit words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamRng {
    inner: Xoshiro256PlusPlus,
}

/// SplitMix64's output function (Steele, Lea, Flood 2014): a bijective 64-bit mixer.
#[inline]
const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The four state words of stream `stream` under `seed`:
/// `wₖ = mix64(mix64(seed + k·γ₁) ⊕ mix64(stream + k·γ₂ + γ₃))`, k = 0..4.
pub const fn stream_state(seed: u64, stream: u64) -> [u64; 4] {
    const G1: u64 = 0x9e37_79b9_7f4a_7c15;
    const G2: u64 = 0xd1b5_4a32_d192_ed03;
    const G3: u64 = 0x8cb9_2ba7_2f3d_8dd7;
    let mut w = [0u64; 4];
    let mut k = 0;
    while k < 4 {
        let kk = k as u64;
        w[k] = mix64(
            mix64(seed.wrapping_add(kk.wrapping_mul(G1)))
                ^ mix64(stream.wrapping_add(kk.wrapping_mul(G2)).wrapping_add(G3)),
        );
        k += 1;
    }
    w
}

impl StreamRng {
    /// The stream of particle (or chain) `stream` under `seed`.
    pub fn new(seed: u64, stream: u64) -> Self {
        let words = stream_state(seed, stream);
        let mut bytes = [0u8; 32];
        for (chunk, w) in bytes.chunks_exact_mut(8).zip(words) {
            chunk.copy_from_slice(&w.to_le_bytes());
        }
        Self {
            inner: Xoshiro256PlusPlus::from_seed(bytes),
        }
    }

    /// The generator's 256-bit state (four words, in Xoshiro256++ order): save it to resume
    /// the stream later with [`StreamRng::from_state`] (checkpoints, the C API's `GfRng`).
    pub fn state(&self) -> [u64; 4] {
        let bytes = self.inner.state();
        core::array::from_fn(|k| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&bytes[8 * k..8 * k + 8]);
            u64::from_le_bytes(w)
        })
    }

    /// The stream that continues from `state`; `None` for the all-zero state, which
    /// Xoshiro256++ never reaches (it would output zeros forever).
    pub fn from_state(state: [u64; 4]) -> Option<Self> {
        if state == [0; 4] {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (chunk, w) in bytes.chunks_exact_mut(8).zip(state) {
            chunk.copy_from_slice(&w.to_le_bytes());
        }
        Some(Self {
            inner: Xoshiro256PlusPlus::from_seed(bytes),
        })
    }

    /// The streams of chains `first..first + count` under `seed`, in order.
    pub fn streams(seed: u64, first: u64, count: usize) -> impl Iterator<Item = StreamRng> {
        (first..first + count as u64).map(move |k| StreamRng::new(seed, k))
    }

    /// A standard-normal draw (Ziggurat, drawn in `f64` and rounded for `f32`, so `f32` and
    /// `f64` chains with the same seed see the same noise).
    #[inline]
    pub fn normal<S: Scalar>(&mut self) -> S {
        let z: f64 = StandardNormal.sample(&mut self.inner);
        S::from_f64(z)
    }

    /// Fills `out` with independent standard-normal draws.
    #[inline]
    pub fn fill_normal<S: Scalar>(&mut self, out: &mut [S]) {
        for o in out {
            *o = self.normal();
        }
    }

    /// A uniform draw in the open interval (0, 1), from the top 53 bits.
    #[inline]
    pub fn uniform_open01(&mut self) -> f64 {
        let bits = self.inner.next_u64() >> 11;
        (bits as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
    }
}

impl TryRng for StreamRng {
    type Error = core::convert::Infallible;
    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.inner.next_u32())
    }
    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(self.inner.next_u64())
    }
    #[inline]
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        self.inner.fill_bytes(dst);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let mut a = StreamRng::new(7, 3);
        let mut b = StreamRng::new(7, 3);
        let mut c = StreamRng::new(7, 4);
        let mut d = StreamRng::new(8, 3);
        let (xa, xb, xc, xd) = (a.next_u64(), b.next_u64(), c.next_u64(), d.next_u64());
        assert_eq!(xa, xb);
        assert_ne!(xa, xc);
        assert_ne!(xa, xd);
    }

    #[test]
    fn state_round_trip_resumes_the_stream() {
        let mut a = StreamRng::new(11, 5);
        a.next_u64();
        let mut b = StreamRng::from_state(a.state()).unwrap();
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        assert!(StreamRng::from_state([0; 4]).is_none());
    }

    #[test]
    fn uniform_stays_inside_open_interval() {
        let mut r = StreamRng::new(0, 0);
        for _ in 0..10_000 {
            let u = r.uniform_open01();
            assert!(u > 0.0 && u < 1.0);
        }
    }

    /// Mean and variance of 200 000 draws: standard errors are 1/√n ≈ 0.0022 for the mean
    /// and √(2/n) ≈ 0.0032 for the variance; we allow 5 standard errors.
    #[test]
    fn normal_draws_have_unit_moments() {
        let n = 200_000;
        let mut r = StreamRng::new(42, 0);
        let (mut s1, mut s2) = (0.0f64, 0.0f64);
        for _ in 0..n {
            let z: f64 = r.normal();
            s1 += z;
            s2 += z * z;
        }
        let mean = s1 / n as f64;
        let var = s2 / n as f64 - mean * mean;
        let nf = n as f64;
        assert!(mean.abs() < 5.0 / nf.sqrt(), "mean {mean}");
        assert!((var - 1.0).abs() < 5.0 * (2.0 / nf).sqrt(), "var {var}");
    }

    /// Neighbouring streams must be uncorrelated: the sample correlation of the first
    /// draws of streams i and i+1 over 100 000 pairs has standard error 1/√n ≈ 0.0032.
    #[test]
    fn neighbouring_streams_are_uncorrelated() {
        let n = 100_000u64;
        let mut sxy = 0.0f64;
        for i in 0..n {
            let x: f64 = StreamRng::new(1, i).normal();
            let y: f64 = StreamRng::new(1, i + 1).normal();
            sxy += x * y;
        }
        let corr = sxy / n as f64;
        assert!(corr.abs() < 5.0 / (n as f64).sqrt(), "corr {corr}");
    }
}
