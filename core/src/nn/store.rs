//! Where a network's parameters live: the one evaluator ([`super::Network`]) reads them
//! through [`ParamStore`], so the same code runs on scalars in memory and on model-file
//! bytes.

use crate::Scalar;

/// A network's parameters in the flat layout of [`super::MlpParams`], stored as words
/// that convert to scalars one at a time (like heapless's `VecInner<S: Storage>`: one
/// implementation, several storages).
///
/// Implemented for `[S]` (parameters in memory, as [`super::MlpParams::as_flat`] gives
/// them) and for `[[u8; 4]]` (little-endian `f32`, the model-file weights, read in place
/// at any alignment).
pub trait ParamStore<S: Scalar> {
    /// One stored parameter.
    type Word: Copy;

    /// Every stored parameter, in the flat layout.
    fn words(&self) -> &[Self::Word];

    /// The value of one stored parameter.
    fn load(word: Self::Word) -> S;
}

impl<S: Scalar> ParamStore<S> for [S] {
    type Word = S;

    #[inline(always)]
    fn words(&self) -> &[S] {
        self
    }

    #[inline(always)]
    fn load(word: S) -> S {
        word
    }
}

/// Model-file weights: little-endian `f32`, widened to `S` (exact for `f32` and `f64`).
impl<S: Scalar> ParamStore<S> for [[u8; 4]] {
    type Word = [u8; 4];

    #[inline(always)]
    fn words(&self) -> &[[u8; 4]] {
        self
    }

    #[inline(always)]
    fn load(word: [u8; 4]) -> S {
        S::from_f32(f32::from_le_bytes(word))
    }
}
