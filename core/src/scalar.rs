//! The floating-point element type: `f32` or `f64`, with the maths routed through `libm`
//! so that the core needs no `std`.

use core::fmt::{Debug, Display};
use core::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

/// A real scalar the core computes in. Implemented for `f32` and `f64`.
///
/// Every transcendental function goes through `libm`, so results are the same with or
/// without `std` and on every target.
pub trait Scalar:
    Copy
    + Default
    + Debug
    + Display
    + PartialOrd
    + Send
    + Sync
    + 'static
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
{
    /// 0.
    const ZERO: Self;
    /// 1.
    const ONE: Self;
    /// 1/2.
    const HALF: Self;
    /// 2.
    const TWO: Self;
    /// Machine epsilon.
    const EPSILON: Self;
    /// +∞.
    const INFINITY: Self;

    /// Converts from `f64`, rounding to nearest for `f32`.
    fn from_f64(v: f64) -> Self;
    /// Converts from `f32` (exact for both types).
    fn from_f32(v: f32) -> Self;
    /// Converts to `f64` exactly.
    fn to_f64(self) -> f64;
    /// Converts a count (a dimension, a sample size) to a scalar.
    fn from_usize(n: usize) -> Self {
        Self::from_f64(n as f64)
    }

    /// eˣ, branch-free so that loops over it vectorise; within 2 ulp of libm (see
    /// `exp.rs`).
    fn exp(self) -> Self;
    /// eˣ − 1, accurate near 0.
    fn exp_m1(self) -> Self;
    /// Natural logarithm.
    fn ln(self) -> Self;
    /// ln(1 + x), accurate near 0.
    fn ln_1p(self) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// Hyperbolic tangent.
    fn tanh(self) -> Self;
    /// Absolute value.
    fn abs(self) -> Self;
    /// `x` raised to an integer power, by repeated squaring.
    fn powi(self, n: i32) -> Self {
        let mut base = if n < 0 { Self::ONE / self } else { self };
        let mut e = n.unsigned_abs();
        let mut acc = Self::ONE;
        while e > 0 {
            if e & 1 == 1 {
                acc *= base;
            }
            base *= base;
            e >>= 1;
        }
        acc
    }
    /// True when neither NaN nor ±∞.
    fn is_finite(self) -> bool;
    /// True for NaN.
    fn is_nan(self) -> bool;

    /// The larger of two values (NaN-propagating is not guaranteed).
    fn max(self, other: Self) -> Self {
        if self > other { self } else { other }
    }
    /// The smaller of two values.
    fn min(self, other: Self) -> Self {
        if self < other { self } else { other }
    }
    /// Logistic sigmoid 1/(1 + e⁻ˣ), evaluated without overflow for any sign of `x`.
    /// Written as a select between two values computed from one e^−|x|, without branches.
    #[inline]
    fn sigmoid(self) -> Self {
        let e = (-self.abs()).exp();
        let inv = Self::ONE / (Self::ONE + e);
        if self >= Self::ZERO { inv } else { e * inv }
    }
}

macro_rules! impl_scalar {
    ($t:ty, $exp:path, $expm1:path, $ln:path, $ln1p:path, $sqrt:path, $tanh:path, $fabs:path) => {
        impl Scalar for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const HALF: Self = 0.5;
            const TWO: Self = 2.0;
            const EPSILON: Self = <$t>::EPSILON;
            const INFINITY: Self = <$t>::INFINITY;

            #[inline]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline]
            fn from_f32(v: f32) -> Self {
                v as $t
            }
            #[inline]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline]
            fn exp(self) -> Self {
                $exp(self)
            }
            #[inline]
            fn exp_m1(self) -> Self {
                $expm1(self)
            }
            #[inline]
            fn ln(self) -> Self {
                $ln(self)
            }
            #[inline]
            fn ln_1p(self) -> Self {
                $ln1p(self)
            }
            #[inline]
            fn sqrt(self) -> Self {
                $sqrt(self)
            }
            #[inline]
            fn tanh(self) -> Self {
                $tanh(self)
            }
            #[inline]
            fn abs(self) -> Self {
                $fabs(self)
            }
            #[inline]
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
            #[inline]
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
        }
    };
}

impl_scalar!(
    f32,
    crate::exp::exp_f32,
    libm::expm1f,
    libm::logf,
    libm::log1pf,
    libm::sqrtf,
    libm::tanhf,
    libm::fabsf
);
impl_scalar!(
    f64,
    crate::exp::exp_f64,
    libm::expm1,
    libm::log,
    libm::log1p,
    libm::sqrt,
    libm::tanh,
    libm::fabs
);

#[cfg(test)]
mod tests {
    use super::Scalar;

    #[test]
    fn sigmoid_is_stable_at_both_tails() {
        assert_eq!(Scalar::sigmoid(-1000.0f64), 0.0);
        assert_eq!(Scalar::sigmoid(1000.0f64), 1.0);
        assert!((Scalar::sigmoid(0.3f32) - 0.574_442_5).abs() < 1e-6);
    }

    #[test]
    fn libm_routes_match_known_values() {
        assert!((Scalar::exp(1.0f64) - core::f64::consts::E).abs() < 1e-15);
        // ln(1 + x) = x − x²/2 + O(x³): exact to f64 rounding at x = 1e-10.
        assert!((Scalar::ln_1p(1e-10f64) - (1e-10 - 5e-21)).abs() < 1e-25);
        assert_eq!(Scalar::powi(2.0f32, 10), 1024.0);
        assert_eq!(Scalar::powi(2.0f64, -3), 0.125);
        assert_eq!(Scalar::powi(3.0f64, 0), 1.0);
    }
}
