//! The Müller–Brown potential (Müller & Brown 1979).

use crate::error::{Error, check_len, check_point};
use crate::{Energy, Scalar};

const A: [f64; 4] = [-200.0, -100.0, -170.0, 15.0];
const LA: [f64; 4] = [-1.0, -1.0, -6.5, 0.7];
const LB: [f64; 4] = [0.0, 0.0, 11.0, 0.6];
const LC: [f64; 4] = [-10.0, -10.0, -6.5, 0.7];
const X0: [f64; 4] = [1.0, 0.0, -0.5, -1.0];
const Y0: [f64; 4] = [0.0, 0.5, 1.5, 1.0];

/// E(x, y) = s·Σₖ Aₖ exp(aₖ(x − x₀ₖ)² + bₖ(x − x₀ₖ)(y − y₀ₖ) + cₖ(y − y₀ₖ)²) with the
/// standard constants; its deepest minimum is E ≈ −146.70 at (−0.558, 1.442). The scale
/// s (an inverse temperature) makes it samplable: s = 1/20 is common.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MullerBrown<S> {
    /// The overall scale s.
    pub scale: S,
}

impl<S: Scalar> Default for MullerBrown<S> {
    fn default() -> Self {
        Self { scale: S::ONE }
    }
}

impl<S: Scalar> MullerBrown<S> {
    fn eval(&self, x: &[S], grad: Option<&mut [S]>) -> S {
        let (px, py) = (x[0], x[1]);
        let (mut e, mut gx, mut gy) = (S::ZERO, S::ZERO, S::ZERO);
        for k in 0..4 {
            let (a, b, c) = (S::from_f64(LA[k]), S::from_f64(LB[k]), S::from_f64(LC[k]));
            let dx = px - S::from_f64(X0[k]);
            let dy = py - S::from_f64(Y0[k]);
            let term = S::from_f64(A[k]) * (a * dx * dx + b * dx * dy + c * dy * dy).exp();
            e += term;
            gx += term * (S::TWO * a * dx + b * dy);
            gy += term * (b * dx + S::TWO * c * dy);
        }
        if let Some(g) = grad {
            g[0] = self.scale * gx;
            g[1] = self.scale * gy;
        }
        self.scale * e
    }
}

impl<S: Scalar> Energy<S> for MullerBrown<S> {
    fn dim(&self) -> usize {
        2
    }
    fn energy(&self, x: &[S]) -> Result<S, Error> {
        check_len("point", 2, x.len())?;
        Ok(self.eval(x, None))
    }
    fn energy_grad(&self, x: &[S], grad: &mut [S]) -> Result<S, Error> {
        check_point(2, x, grad)?;
        Ok(self.eval(x, Some(grad)))
    }
}
