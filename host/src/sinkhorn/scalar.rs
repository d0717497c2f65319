//! The floating-point types the engine runs in: f32 and f64.

use std::fmt::Debug;

mod sealed {
    /// Only this crate implements [`super::SinkhornScalar`].
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A floating-point type of the points and potentials: `f32` or `f64` (sealed).
///
/// The type sets the precision of the inner loops over point pairs. Whatever the type, the
/// potentials are carried between iterations in f64 and the sums over points (OT terms,
/// marginal errors) are taken in f64.
pub trait SinkhornScalar: sealed::Sealed + Copy + Debug + Default + Send + Sync + 'static {
    /// `"f32"` or `"f64"`.
    const NAME: &'static str;
    /// Widens to f64 (exact).
    fn to_f64(self) -> f64;
    /// Rounds an f64 to this type.
    fn from_f64(v: f64) -> Self;
}

impl SinkhornScalar for f32 {
    const NAME: &'static str = "f32";
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v as f32
    }
}

impl SinkhornScalar for f64 {
    const NAME: &'static str = "f64";
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v
    }
}
