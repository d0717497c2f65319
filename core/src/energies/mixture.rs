//! Mixture of Gaussians.

use super::Gaussian;
use crate::error::Error;
use crate::error::{fixed, fixed_mut};
use crate::{Energy, Scalar};

/// E(x) = −ln Σₖ wₖ N(x; µₖ, Pₖ⁻¹): a normalised mixture of K Gaussians (so e^−E integrates
/// to one). The gradient is Σₖ rₖ(x) Pₖ(x − µₖ) with responsibilities r = softmax.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GaussianMixture<S, const D: usize, const K: usize> {
    components: [Gaussian<S, D>; K],
    /// ln wₖ + ½ ln det Pₖ − (D/2) ln 2π.
    log_coef: [S; K],
    weights: [S; K],
}

impl<S: Scalar, const D: usize, const K: usize> GaussianMixture<S, D, K> {
    /// A mixture with the given weights (normalised here; each must be finite and > 0).
    pub fn new(weights: [S; K], components: [Gaussian<S, D>; K]) -> Result<Self, Error> {
        if K == 0 {
            return Err(Error::InvalidParameter {
                what: "mixture needs at least one component",
            });
        }
        let mut total = S::ZERO;
        for w in weights {
            crate::error::check_positive("mixture weights must be finite and > 0", w)?;
            total += w;
        }
        let half_d_ln_2pi = S::from_f64(0.5 * D as f64 * (2.0 * core::f64::consts::PI).ln());
        let mut log_coef = [S::ZERO; K];
        let mut normalised = [S::ZERO; K];
        for k in 0..K {
            normalised[k] = weights[k] / total;
            log_coef[k] =
                normalised[k].ln() + S::HALF * components[k].log_det_precision() - half_d_ln_2pi;
        }
        Ok(Self {
            components,
            log_coef,
            weights: normalised,
        })
    }

    /// The normalised weights.
    pub fn weights(&self) -> &[S; K] {
        &self.weights
    }

    /// The components.
    pub fn components(&self) -> &[Gaussian<S, D>; K] {
        &self.components
    }

    /// Responsibilities rₖ(x) = P(component k | x), written into `out`.
    pub fn responsibilities(&self, x: &[S; D], out: &mut [S; K]) {
        let mut g = [S::ZERO; D];
        for (k, o) in out.iter_mut().enumerate() {
            *o = self.log_coef[k] - self.components[k].eval(x, &mut g);
        }
        let m = out.iter().copied().fold(out[0], S::max);
        let mut sum = S::ZERO;
        for o in out.iter_mut() {
            *o = (*o - m).exp();
            sum += *o;
        }
        for o in out.iter_mut() {
            *o /= sum;
        }
    }

    fn eval(&self, x: &[S; D], grad: Option<&mut [S; D]>) -> S {
        let mut logits = [S::ZERO; K];
        let mut grads = [[S::ZERO; D]; K];
        for k in 0..K {
            logits[k] = self.log_coef[k] - self.components[k].eval(x, &mut grads[k]);
        }
        let m = logits.iter().copied().fold(logits[0], S::max);
        let mut sum = S::ZERO;
        for l in logits.iter_mut() {
            *l = (*l - m).exp();
            sum += *l;
        }
        if let Some(grad) = grad {
            *grad = [S::ZERO; D];
            for k in 0..K {
                let r = logits[k] / sum;
                for (g, gk) in grad.iter_mut().zip(&grads[k]) {
                    *g += r * *gk;
                }
            }
        }
        -(m + sum.ln())
    }
}

impl<S: Scalar, const D: usize, const K: usize> Energy<S> for GaussianMixture<S, D, K> {
    fn dim(&self) -> usize {
        D
    }
    fn energy(&self, x: &[S]) -> Result<S, Error> {
        Ok(self.eval(fixed("point", x)?, None))
    }
    fn energy_grad(&self, x: &[S], grad: &mut [S]) -> Result<S, Error> {
        Ok(self.eval(fixed("point", x)?, Some(fixed_mut("gradient", grad)?)))
    }
}
