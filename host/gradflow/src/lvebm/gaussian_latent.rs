//! The two one-parameter known-answer problems of docs/src/design.md §4.4, x, z ∈ ℝᴰ (rows (x, z)):
//! T1, a latent mean, and T2, a latent precision.

use std::f64::consts::PI;

use super::ClosedForm;

/// T1: E_θ(x, z) = ½‖z − θ𝟙‖² + ½‖x − z‖². The marginal of x is N(θ𝟙, 2I), so the MLE θ*
/// is the mean of all data entries; the posterior is z | x ~ N((x + θ𝟙)/2, ½I).
#[derive(Clone, Debug, PartialEq)]
pub struct LatentMean {
    d: usize,
    theta: [f64; 1],
}

impl LatentMean {
    /// T1 in `d` dimensions (rows of 2d) at θ = `theta`.
    pub fn new(d: usize, theta: f64) -> Self {
        Self { d, theta: [theta] }
    }

    /// θ.
    pub fn theta(&self) -> f64 {
        self.theta[0]
    }

    /// The maximum-likelihood θ* on `data` (n × d): the mean of its entries.
    pub fn mle(data: &[f64]) -> f64 {
        data.iter().sum::<f64>() / data.len() as f64
    }

    /// log p_θ(x) of one observed row: x ~ N(θ𝟙, 2I).
    pub fn log_marginal(&self, x: &[f64]) -> f64 {
        let r2: f64 = x.iter().map(|v| (v - self.theta[0]).powi(2)).sum();
        -0.5 * self.d as f64 * (4.0 * PI).ln() - r2 / 4.0
    }

    /// Mean and variance (per coordinate) of z | x.
    pub fn posterior(&self, x: &[f64]) -> (Vec<f64>, f64) {
        (x.iter().map(|v| 0.5 * (v + self.theta[0])).collect(), 0.5)
    }
}

impl ClosedForm for LatentMean {
    fn dim(&self) -> usize {
        2 * self.d
    }

    fn params(&self) -> &[f64] {
        &self.theta
    }

    fn set_params(&mut self, params: &[f64]) {
        self.theta.copy_from_slice(params);
    }

    fn value_grad(&self, row: &[f64], grad: &mut [f64]) -> f64 {
        let (x, z) = row.split_at(self.d);
        let (gx, gz) = grad.split_at_mut(self.d);
        let mut e = 0.0;
        for k in 0..self.d {
            let (a, b) = (z[k] - self.theta[0], x[k] - z[k]);
            e += 0.5 * (a * a + b * b);
            gx[k] = b;
            gz[k] = a - b;
        }
        e
    }

    fn add_param_grad(&self, row: &[f64], weight: f64, grad: &mut [f64]) {
        let z = &row[self.d..];
        grad[0] -= weight * z.iter().map(|v| v - self.theta[0]).sum::<f64>();
    }

    /// log Z = D·log 2π, whatever θ.
    fn log_partition(&self) -> f64 {
        self.d as f64 * (2.0 * PI).ln()
    }

    fn log_partition_grad(&self) -> Vec<f64> {
        vec![0.0]
    }
}

/// T2: E_a(x, z) = ½a‖z‖² + ½‖x − z‖², a > 0. The marginal of x is N(0, (1 + 1/a)I), so
/// with s² = Σᵢ‖xᵢ‖²/(nD) > 1 the MLE is a* = 1/(s² − 1); the posterior is
/// z | x ~ N(x/(1 + a), I/(1 + a)). log Z depends on a: the pool carries its gradient.
#[derive(Clone, Debug, PartialEq)]
pub struct LatentPrecision {
    d: usize,
    a: [f64; 1],
}

impl LatentPrecision {
    /// T2 in `d` dimensions (rows of 2d) at precision `a`.
    pub fn new(d: usize, a: f64) -> Self {
        Self { d, a: [a] }
    }

    /// a.
    pub fn precision(&self) -> f64 {
        self.a[0]
    }

    /// The maximum-likelihood a* on `data` (n × d), `None` when s² ≤ 1 (no maximum).
    pub fn mle(data: &[f64]) -> Option<f64> {
        let s2 = data.iter().map(|v| v * v).sum::<f64>() / data.len() as f64;
        (s2 > 1.0).then(|| 1.0 / (s2 - 1.0))
    }

    /// log p_a(x) of one observed row: x ~ N(0, (1 + 1/a)I).
    pub fn log_marginal(&self, x: &[f64]) -> f64 {
        let var = 1.0 + 1.0 / self.a[0];
        let r2: f64 = x.iter().map(|v| v * v).sum();
        -0.5 * self.d as f64 * (2.0 * PI * var).ln() - r2 / (2.0 * var)
    }

    /// Mean and variance (per coordinate) of z | x.
    pub fn posterior(&self, x: &[f64]) -> (Vec<f64>, f64) {
        let p = 1.0 + self.a[0];
        (x.iter().map(|v| v / p).collect(), 1.0 / p)
    }
}

impl ClosedForm for LatentPrecision {
    fn dim(&self) -> usize {
        2 * self.d
    }

    fn params(&self) -> &[f64] {
        &self.a
    }

    fn set_params(&mut self, params: &[f64]) {
        self.a.copy_from_slice(params);
    }

    fn value_grad(&self, row: &[f64], grad: &mut [f64]) -> f64 {
        let (x, z) = row.split_at(self.d);
        let (gx, gz) = grad.split_at_mut(self.d);
        let a = self.a[0];
        let mut e = 0.0;
        for k in 0..self.d {
            let b = x[k] - z[k];
            e += 0.5 * (a * z[k] * z[k] + b * b);
            gx[k] = b;
            gz[k] = a * z[k] - b;
        }
        e
    }

    fn add_param_grad(&self, row: &[f64], weight: f64, grad: &mut [f64]) {
        let z = &row[self.d..];
        grad[0] += weight * 0.5 * z.iter().map(|v| v * v).sum::<f64>();
    }

    /// log Z = D·log 2π − (D/2)·log a.
    fn log_partition(&self) -> f64 {
        let d = self.d as f64;
        d * (2.0 * PI).ln() - 0.5 * d * self.a[0].ln()
    }

    fn log_partition_grad(&self) -> Vec<f64> {
        vec![-0.5 * self.d as f64 / self.a[0]]
    }
}
