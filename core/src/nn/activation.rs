//! Element-wise activation functions and their derivatives.

use crate::Scalar;

/// √(2/π), for the tanh form of GELU.
const SQRT_2_OVER_PI: f64 = 0.797_884_560_802_865_4;
/// The cubic coefficient of the tanh form of GELU.
const GELU_CUBIC: f64 = 0.044_715;
/// SELU scale λ (Klambauer et al. 2017).
const SELU_LAMBDA: f64 = 1.050_700_987_355_480_5;
/// SELU α.
const SELU_ALPHA: f64 = 1.673_263_242_354_377_3;

/// An activation σ applied after every hidden layer. The discriminants are stable: they are
/// stored in model files and passed through the C ABI.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Activation {
    /// z·sigmoid(z), smooth: the default for energies, whose forces must be continuous.
    #[default]
    Silu = 0,
    /// tanh(z).
    Tanh = 1,
    /// ln(1 + eᶻ), computed as max(z, 0) + ln(1 + e^−|z|).
    Softplus = 2,
    /// max(z, 0); its derivative at 0 is taken as 0. Forces of a ReLU energy are piecewise
    /// constant: fine for velocity fields, poor for Langevin.
    Relu = 3,
    /// λz for z > 0, λα(eᶻ − 1) otherwise.
    Selu = 4,
    /// The tanh form of GELU: ½z(1 + tanh(√(2/π)(z + 0.044715z³))).
    GeluTanh = 5,
}

/// Runs `$body` with `$act` bound to a *constant* copy of the activation: the match is taken
/// once per layer, and inside each arm `eval` folds to one branch-free formula, so the
/// element loop vectorises.
macro_rules! per_activation {
    ($value:expr, $act:ident => $body:block) => {
        match $value {
            Activation::Silu => {
                let $act = Activation::Silu;
                $body
            }
            Activation::Tanh => {
                let $act = Activation::Tanh;
                $body
            }
            Activation::Softplus => {
                let $act = Activation::Softplus;
                $body
            }
            Activation::Relu => {
                let $act = Activation::Relu;
                $body
            }
            Activation::Selu => {
                let $act = Activation::Selu;
                $body
            }
            Activation::GeluTanh => {
                let $act = Activation::GeluTanh;
                $body
            }
        }
    };
}

impl Activation {
    /// Every activation, in discriminant order.
    pub const ALL: [Activation; 6] = [
        Activation::Silu,
        Activation::Tanh,
        Activation::Softplus,
        Activation::Relu,
        Activation::Selu,
        Activation::GeluTanh,
    ];

    /// The activation with discriminant `code`, if any.
    pub fn from_u32(code: u32) -> Option<Self> {
        Self::ALL.get(code as usize).copied()
    }

    /// σ(z) and σ′(z).
    #[inline]
    pub fn eval<S: Scalar>(self, z: S) -> (S, S) {
        match self {
            Activation::Silu => {
                let s = z.sigmoid();
                (z * s, s * (S::ONE + z * (S::ONE - s)))
            }
            Activation::Tanh => {
                let a = z.tanh();
                (a, S::ONE - a * a)
            }
            Activation::Softplus => (z.max(S::ZERO) + (-z.abs()).exp().ln_1p(), z.sigmoid()),
            Activation::Relu => {
                if z > S::ZERO {
                    (z, S::ONE)
                } else {
                    (S::ZERO, S::ZERO)
                }
            }
            Activation::Selu => {
                let lambda = S::from_f64(SELU_LAMBDA);
                if z > S::ZERO {
                    (lambda * z, lambda)
                } else {
                    let la = lambda * S::from_f64(SELU_ALPHA);
                    (la * z.exp_m1(), la * z.exp())
                }
            }
            Activation::GeluTanh => {
                let c = S::from_f64(SQRT_2_OVER_PI);
                let k = S::from_f64(GELU_CUBIC);
                let z2 = z * z;
                let t = (c * (z + k * z2 * z)).tanh();
                let du = c * (S::ONE + S::from_f64(3.0) * k * z2);
                (
                    S::HALF * z * (S::ONE + t),
                    S::HALF * (S::ONE + t) + S::HALF * z * (S::ONE - t * t) * du,
                )
            }
        }
    }

    /// Applies σ to `z` in place and writes σ′(z) into `deriv`.
    #[inline]
    pub fn apply_with_deriv<S: Scalar>(self, z: &mut [S], deriv: &mut [S]) {
        per_activation!(self, act => {
            for (zi, di) in z.iter_mut().zip(deriv.iter_mut()) {
                (*zi, *di) = act.eval(*zi);
            }
        });
    }

    /// Applies σ to `z` in place.
    #[inline]
    pub fn apply<S: Scalar>(self, z: &mut [S]) {
        per_activation!(self, act => {
            for zi in z.iter_mut() {
                *zi = act.eval(*zi).0;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::Activation;

    /// σ′ against a central difference with h = 1e-6 in f64: truncation error O(h²σ‴) and
    /// rounding O(ε/h) are both below 1e-8 away from ReLU's kink.
    #[test]
    fn derivatives_match_central_differences() {
        let h = 1e-6;
        for act in Activation::ALL {
            for &z in &[-3.1, -0.7, -0.05, 0.04, 0.9, 2.5, 12.0] {
                let (_, d) = act.eval::<f64>(z);
                let fd = (act.eval::<f64>(z + h).0 - act.eval::<f64>(z - h).0) / (2.0 * h);
                assert!((d - fd).abs() < 1e-8, "{act:?} at {z}: {d} vs {fd}");
            }
        }
    }

    /// Known values: SiLU(1) = 1/(1 + e⁻¹), softplus(0) = ln 2, SELU(−1) = λα(e⁻¹ − 1),
    /// GELU-tanh(1) = 0.8411919906082768 (PyTorch `gelu(approximate='tanh')`).
    #[test]
    fn known_values() {
        let e = core::f64::consts::E;
        assert!((Activation::Silu.eval(1.0f64).0 - 1.0 / (1.0 + 1.0 / e)).abs() < 1e-15);
        assert!((Activation::Softplus.eval(0.0f64).0 - core::f64::consts::LN_2).abs() < 1e-15);
        let selu = 1.050_700_987_355_480_5 * 1.673_263_242_354_377_3 * (1.0 / e - 1.0);
        assert!((Activation::Selu.eval(-1.0f64).0 - selu).abs() < 1e-15);
        assert!((Activation::GeluTanh.eval(1.0f64).0 - 0.841_191_990_608_276_8).abs() < 1e-12);
        assert_eq!(Activation::Softplus.eval(800.0f64).0, 800.0);
    }

    #[test]
    fn codes_round_trip() {
        for act in Activation::ALL {
            assert_eq!(Activation::from_u32(act as u32), Some(act));
        }
        assert_eq!(Activation::from_u32(6), None);
    }
}
