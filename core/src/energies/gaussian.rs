//! Gaussian energy with a full precision matrix, and the Cholesky factorisation it needs.

use crate::error::{Error, check_finite};
use crate::error::{fixed, fixed_mut};
use crate::nn::dot;
use crate::{Energy, Scalar};

/// E(x) = ½(x − µ)ᵀP(x − µ): the Gaussian N(µ, P⁻¹) up to its normalising constant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gaussian<S, const D: usize> {
    mean: [S; D],
    precision: [[S; D]; D],
    /// ln det P, from the Cholesky factor.
    log_det_precision: S,
}

impl<S: Scalar, const D: usize> Gaussian<S, D> {
    /// A Gaussian with mean µ and precision P. Fails unless every entry is finite and P is
    /// symmetric (to 1e-6 relative) and positive definite.
    pub fn new(mean: [S; D], precision: [[S; D]; D]) -> Result<Self, Error> {
        check_finite("Gaussian mean", &mean)?;
        let chol = cholesky(&precision).ok_or(Error::InvalidParameter {
            what: "Gaussian precision must be finite, symmetric and positive definite",
        })?;
        let mut log_det = S::ZERO;
        for (k, row) in chol.iter().enumerate() {
            log_det += S::TWO * row[k].ln();
        }
        Ok(Self {
            mean,
            precision,
            log_det_precision: log_det,
        })
    }

    /// The isotropic Gaussian with mean µ and precision p·I.
    pub fn isotropic(mean: [S; D], precision: S) -> Result<Self, Error> {
        let mut p = [[S::ZERO; D]; D];
        for (k, row) in p.iter_mut().enumerate() {
            row[k] = precision;
        }
        Self::new(mean, p)
    }

    /// µ.
    pub fn mean(&self) -> &[S; D] {
        &self.mean
    }

    /// P.
    pub fn precision(&self) -> &[[S; D]; D] {
        &self.precision
    }

    /// ln det P.
    pub fn log_det_precision(&self) -> S {
        self.log_det_precision
    }

    /// Writes P(x − µ) into `grad` and returns E(x).
    #[inline]
    pub(crate) fn eval(&self, x: &[S; D], grad: &mut [S; D]) -> S {
        let mut r = [S::ZERO; D];
        for ((ri, xi), mi) in r.iter_mut().zip(x).zip(&self.mean) {
            *ri = *xi - *mi;
        }
        for (g, row) in grad.iter_mut().zip(&self.precision) {
            *g = dot(row, &r);
        }
        S::HALF * dot(&r, grad)
    }
}

impl<S: Scalar, const D: usize> Energy<S> for Gaussian<S, D> {
    fn dim(&self) -> usize {
        D
    }
    fn energy(&self, x: &[S]) -> Result<S, Error> {
        Ok(self.eval(fixed("point", x)?, &mut [S::ZERO; D]))
    }
    fn energy_grad(&self, x: &[S], grad: &mut [S]) -> Result<S, Error> {
        Ok(self.eval(fixed("point", x)?, fixed_mut("gradient", grad)?))
    }
}

/// The lower Cholesky factor L of a symmetric positive-definite A = LLᵀ, or `None` when A
/// has a non-finite entry, is not symmetric (relative tolerance 1e-6), or is not positive
/// definite.
pub fn cholesky<S: Scalar, const D: usize>(a: &[[S; D]; D]) -> Option<[[S; D]; D]> {
    let tol = S::from_f64(1e-6);
    for i in 0..D {
        for j in 0..D {
            let (x, y) = (a[i][j], a[j][i]);
            if !x.is_finite() || (x - y).abs() > tol * (x.abs() + y.abs() + S::EPSILON) {
                return None;
            }
        }
    }
    let mut l = [[S::ZERO; D]; D];
    for j in 0..D {
        let mut diag = a[j][j];
        for k in 0..j {
            diag -= l[j][k] * l[j][k];
        }
        if diag.is_nan() || diag <= S::ZERO {
            return None;
        }
        let ljj = diag.sqrt();
        l[j][j] = ljj;
        for i in j + 1..D {
            let mut s = a[i][j];
            for k in 0..j {
                s -= l[i][k] * l[j][k];
            }
            l[i][j] = s / ljj;
        }
    }
    Some(l)
}
