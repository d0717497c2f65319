//! T3, probabilistic PCA (Tipping & Bishop 1999) as a joint energy over rows (x, z),
//! x ∈ ℝᵈˣ, z ∈ ℝᵈᶻ: E(x, z) = ‖x − Wz − µ‖²/(2σ²) + ‖z‖²/2.

use std::f64::consts::PI;

use super::ClosedForm;
use super::linalg::{cholesky, cholesky_log_det, cholesky_solve, symmetric_eigen};

/// Probabilistic PCA with θ = (W row-major dx × dz, µ, ln σ²). The marginal of x is
/// N(µ, WWᵀ + σ²I); the posterior is z | x ~ N(M⁻¹Wᵀ(x − µ), σ²M⁻¹), M = WᵀW + σ²I.
#[derive(Clone, Debug, PartialEq)]
pub struct Ppca {
    dx: usize,
    dz: usize,
    theta: Vec<f64>,
}

/// The maximum-likelihood fit of [`Ppca`] in closed form (W is identifiable only up to a
/// rotation: WWᵀ is the answer to compare).
#[derive(Clone, Debug, PartialEq)]
pub struct PpcaMle {
    /// µ: the data mean.
    pub mean: Vec<f64>,
    /// σ²: the mean of the dx − dz smallest eigenvalues of the sample covariance.
    pub noise: f64,
    /// WWᵀ = U_q(Λ_q − σ²I)U_qᵀ over the dz leading eigenpairs (dx × dx).
    pub wwt: Vec<f64>,
}

impl PpcaMle {
    /// log p(x) of one observed row under the maximum-likelihood fit.
    pub fn log_marginal(&self, x: &[f64]) -> f64 {
        marginal_log_density(x, &self.mean, &self.wwt, self.noise)
    }
}

/// log N(x; µ, WWᵀ + σ²I) (NaN if the covariance is not positive definite).
fn marginal_log_density(x: &[f64], mean: &[f64], wwt: &[f64], noise: f64) -> f64 {
    let dx = mean.len();
    let mut c = wwt.to_vec();
    for i in 0..dx {
        c[i * dx + i] += noise;
    }
    let Some(l) = cholesky(&c, dx) else {
        return f64::NAN;
    };
    let r: Vec<f64> = x.iter().zip(mean).map(|(a, b)| a - b).collect();
    let y = cholesky_solve(&l, dx, &r);
    let quad: f64 = r.iter().zip(&y).map(|(a, b)| a * b).sum();
    -0.5 * (dx as f64 * (2.0 * PI).ln() + cholesky_log_det(&l, dx) + quad)
}

impl Ppca {
    /// The model with loadings `w` (dx × dz, row-major), mean `mean` and noise variance
    /// `noise` > 0.
    pub fn new(w: &[f64], mean: &[f64], noise: f64) -> Self {
        let (dx, dz) = (mean.len(), w.len() / mean.len());
        let mut theta = w.to_vec();
        theta.extend_from_slice(mean);
        theta.push(noise.ln());
        Self { dx, dz, theta }
    }

    /// dx.
    pub fn observed_dim(&self) -> usize {
        self.dx
    }

    /// W (dx × dz, row-major).
    pub fn loadings(&self) -> &[f64] {
        &self.theta[..self.dx * self.dz]
    }

    /// µ.
    pub fn mean(&self) -> &[f64] {
        &self.theta[self.dx * self.dz..self.dx * self.dz + self.dx]
    }

    /// σ².
    pub fn noise(&self) -> f64 {
        self.theta[self.dx * self.dz + self.dx].exp()
    }

    /// WWᵀ (dx × dx).
    pub fn wwt(&self) -> Vec<f64> {
        let (dx, dz, w) = (self.dx, self.dz, self.loadings());
        let mut out = vec![0.0; dx * dx];
        for i in 0..dx {
            for j in 0..dx {
                out[i * dx + j] = (0..dz).map(|k| w[i * dz + k] * w[j * dz + k]).sum();
            }
        }
        out
    }

    /// The closed-form maximum-likelihood fit to `data` (n × dx) with `dz` < dx latent
    /// dimensions.
    pub fn mle(data: &[f64], dx: usize, dz: usize) -> PpcaMle {
        let n = data.len() / dx;
        let mut mean = vec![0.0; dx];
        for row in data.chunks_exact(dx) {
            for (m, v) in mean.iter_mut().zip(row) {
                *m += v / n as f64;
            }
        }
        let mut cov = vec![0.0; dx * dx];
        for row in data.chunks_exact(dx) {
            for i in 0..dx {
                for j in 0..dx {
                    cov[i * dx + j] += (row[i] - mean[i]) * (row[j] - mean[j]) / n as f64;
                }
            }
        }
        let (vals, vecs) = symmetric_eigen(&cov, dx);
        let noise = vals[dz..].iter().sum::<f64>() / (dx - dz) as f64;
        let mut wwt = vec![0.0; dx * dx];
        for (k, &lambda) in vals.iter().enumerate().take(dz) {
            for i in 0..dx {
                for j in 0..dx {
                    wwt[i * dx + j] += (lambda - noise) * vecs[i * dx + k] * vecs[j * dx + k];
                }
            }
        }
        PpcaMle { mean, noise, wwt }
    }

    /// log p_θ(x) of one observed row: x ~ N(µ, WWᵀ + σ²I).
    pub fn log_marginal(&self, x: &[f64]) -> f64 {
        marginal_log_density(x, self.mean(), &self.wwt(), self.noise())
    }

    /// Mean (dz) and covariance (dz × dz) of z | x.
    pub fn posterior(&self, x: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let (dx, dz, w, s2) = (self.dx, self.dz, self.loadings(), self.noise());
        let mut m = vec![0.0; dz * dz];
        for a in 0..dz {
            for b in 0..dz {
                m[a * dz + b] = (0..dx).map(|i| w[i * dz + a] * w[i * dz + b]).sum::<f64>()
                    + if a == b { s2 } else { 0.0 };
            }
        }
        let l = cholesky(&m, dz).expect("WᵀW + σ²I is positive definite");
        let wtr: Vec<f64> = (0..dz)
            .map(|a| {
                (0..dx)
                    .map(|i| w[i * dz + a] * (x[i] - self.mean()[i]))
                    .sum()
            })
            .collect();
        let mean = cholesky_solve(&l, dz, &wtr);
        let mut cov = vec![0.0; dz * dz];
        for b in 0..dz {
            let mut e = vec![0.0; dz];
            e[b] = s2;
            for (a, v) in cholesky_solve(&l, dz, &e).into_iter().enumerate() {
                cov[a * dz + b] = v;
            }
        }
        (mean, cov)
    }
}

impl Ppca {
    /// rᵢ = xᵢ − (Wz)ᵢ − µᵢ.
    fn residual_at(&self, i: usize, x: &[f64], z: &[f64]) -> f64 {
        let (dz, w) = (self.dz, self.loadings());
        x[i] - (0..dz).map(|k| w[i * dz + k] * z[k]).sum::<f64>() - self.mean()[i]
    }
}

impl ClosedForm for Ppca {
    fn dim(&self) -> usize {
        self.dx + self.dz
    }

    fn params(&self) -> &[f64] {
        &self.theta
    }

    fn set_params(&mut self, params: &[f64]) {
        self.theta.copy_from_slice(params);
    }

    fn value_grad(&self, row: &[f64], grad: &mut [f64]) -> f64 {
        let (dx, dz, w) = (self.dx, self.dz, self.loadings());
        let inv = 1.0 / self.noise();
        let (x, z) = row.split_at(dx);
        let (gx, gz) = grad.split_at_mut(dx);
        // ∇ₓE = r/σ² with r = x − Wz − µ, written first; ∇zE = z − Wᵀ(∇ₓE).
        let mut r2 = 0.0;
        for (i, g) in gx.iter_mut().enumerate() {
            let r = self.residual_at(i, x, z);
            r2 += r * r;
            *g = r * inv;
        }
        for k in 0..dz {
            gz[k] = z[k] - (0..dx).map(|i| w[i * dz + k] * gx[i]).sum::<f64>();
        }
        0.5 * (r2 * inv + z.iter().map(|v| v * v).sum::<f64>())
    }

    fn add_param_grad(&self, row: &[f64], weight: f64, grad: &mut [f64]) {
        let (dx, dz) = (self.dx, self.dz);
        let inv = 1.0 / self.noise();
        let (x, z) = row.split_at(dx);
        let mut r2 = 0.0;
        for i in 0..dx {
            let r = self.residual_at(i, x, z);
            r2 += r * r;
            for k in 0..dz {
                grad[i * dz + k] -= weight * r * z[k] * inv;
            }
            grad[dx * dz + i] -= weight * r * inv;
        }
        grad[dx * dz + dx] -= weight * 0.5 * r2 * inv;
    }

    /// log Z = (dx/2)·log 2πσ² + (dz/2)·log 2π.
    fn log_partition(&self) -> f64 {
        let (dx, dz) = (self.dx as f64, self.dz as f64);
        0.5 * dx * (2.0 * PI * self.noise()).ln() + 0.5 * dz * (2.0 * PI).ln()
    }

    fn log_partition_grad(&self) -> Vec<f64> {
        let mut g = vec![0.0; self.theta.len()];
        g[self.dx * self.dz + self.dx] = 0.5 * self.dx as f64;
        g
    }
}
