//! The debiased Sinkhorn divergence, converged: the **reference implementation**.
//!
//! Simple and meant to be obviously right rather than fast: the fast threaded engine of
//! the Sinkhorn flows is a separate piece of work, to be tested against this one.
//!
//! # Conventions (GeomLoss's; docs/src/design.md §4.3)
//! - cost `C(x, y) = ‖x − y‖²/2`, `ε = blur²`, uniform weights `aᵢ = 1/n`, `bⱼ = 1/m`;
//! - softmin `smin_ε(C, h)ᵢ = −ε log Σⱼ exp(hⱼ − Cᵢⱼ/ε)`;
//! - `OT_ε(a, b) = ⟨a, f⟩ + ⟨b, g⟩` at the fixed point of
//!   `f = smin_ε(C_xy, log b + g/ε)`, `g = smin_ε(C_yx, log a + f/ε)`;
//! - `S_ε(a, b) = OT_ε(a, b) − ½ OT_ε(a, a) − ½ OT_ε(b, b)`.
//!
//! For the full cost `‖x − y‖²` (POT's `sqeuclidean`) at regularisation ε′, use
//! `S′ = 2·S` computed here with `ε = ε′/2`, i.e. `blur = √(ε′/2)`.
//!
//! # Algorithm
//! Log-domain Sinkhorn with alternating updates `f ← smin(g)`, `g ← smin(f)`. It is warmed
//! up by GeomLoss's ε-scaling schedule (one update per ε, from the squared diameter of the
//! bounding box down to blur², ratio `scaling²`), then iterated **at ε = blur² until the
//! column-marginal error** `‖P^T 1 − b‖₂ < tol`, where `Pᵢⱼ = aᵢ bⱼ exp((fᵢ + gⱼ − Cᵢⱼ)/ε)`
//! (the rows are exact right after an `f` update). That error is free: the column marginal
//! is `bⱼ exp((gⱼ − g̃ⱼ)/ε)` with `g̃` the next `g` update. The fixed point does not depend
//! on the warm-up, only the iteration count does. The self problems (xx, yy) use GeomLoss's
//! averaged symmetric update `p ← ½(p + smin_ε(C, log a + p/ε))` instead, to the same
//! tolerance on their marginal error: the alternating one converges very slowly there on
//! clustered points.
//!
//! The cross problem, too, converges slowly when both clouds split into clusters that are
//! far apart on the scale of `blur` (the mass exchanged between clusters is corrected
//! through exponentially small couplings): raise `max_iter`, loosen `tol`, or use a larger
//! blur; [`MetricsError::NotConverged`] reports the error reached.
//!
//! Each softmin streams over the points with an online log-sum-exp: memory O(n + m), no
//! n×m matrix. Rows are split over rayon's pool; each row is reduced sequentially, so the
//! result is bit-identical for any number of threads.

use rayon::prelude::*;

use super::MetricsError;
use super::points::{check_points, check_positive, pairwise_sum, sq_dist};
use crate::sinkhorn::schedule;

/// Settings of the reference Sinkhorn divergence. `Copy + Default`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sinkhorn {
    /// Blur: `ε = blur²` (GeomLoss's parameter; a length on the scale of the data).
    pub blur: f64,
    /// Stopping tolerance on the L2 norm of the column-marginal error of each problem.
    pub tol: f64,
    /// Cap on the iterations at the final ε, per problem; reaching it gives
    /// [`MetricsError::NotConverged`].
    pub max_iter: usize,
    /// Ratio of successive blurs in the ε-scaling warm-up, in (0, 1) (GeomLoss's `scaling`).
    pub scaling: f64,
}

impl Default for Sinkhorn {
    fn default() -> Self {
        Self {
            blur: 0.05,
            tol: 1e-10,
            max_iter: 100_000,
            scaling: 0.5,
        }
    }
}

/// A converged debiased Sinkhorn divergence with its three OT terms and dual potentials.
#[derive(Clone, Debug, PartialEq)]
pub struct SinkhornDivergence {
    /// `S_ε = OT_ε(a, b) − ½ OT_ε(a, a) − ½ OT_ε(b, b)`.
    pub value: f64,
    /// `OT_ε(a, b)`.
    pub ot_xy: f64,
    /// `OT_ε(a, a)`.
    pub ot_xx: f64,
    /// `OT_ε(b, b)`.
    pub ot_yy: f64,
    /// The ε used (`blur²`).
    pub eps: f64,
    /// Potential `f` of OT(a, b) on the points of `x`, gauge-fixed so that `⟨a, f⟩ = ⟨b, g⟩`.
    pub f_xy: Vec<f64>,
    /// Potential `g` of OT(a, b) on the points of `y` (same gauge).
    pub g_xy: Vec<f64>,
    /// Symmetric potential of OT(a, a) on `x` (`OT(a, a) = 2⟨a, p⟩`).
    pub p_xx: Vec<f64>,
    /// Symmetric potential of OT(b, b) on `y` (`OT(b, b) = 2⟨b, q⟩`).
    pub q_yy: Vec<f64>,
    /// Iterations at the final ε for the xy, xx and yy problems.
    pub iterations: [usize; 3],
    /// Final column-marginal errors (L2) of the xy, xx and yy problems.
    pub marginal_error: [f64; 3],
}

/// Debiased Sinkhorn divergence `S_ε` between two uniform samples (GeomLoss conventions:
/// cost `‖x − y‖²/2`, `ε = blur²`), converged to the column-marginal tolerance `tol`; see
/// the module docs. `x` is `n × d`, `y` is `m × d`, row-major; `n ≠ m` is allowed.
///
/// ```
/// use gradflow::metrics::sinkhorn_divergence;
/// let x = [0.0, 0.0, 1.0, 0.0];
/// let s_same = sinkhorn_divergence(&x, &x, 2, 0.1, 1e-12)?;
/// assert!(s_same.abs() < 1e-12);
/// # Ok::<(), gradflow::metrics::MetricsError>(())
/// ```
pub fn sinkhorn_divergence(
    x: &[f64],
    y: &[f64],
    d: usize,
    blur: f64,
    tol: f64,
) -> Result<f64, MetricsError> {
    let settings = Sinkhorn {
        blur,
        tol,
        ..Sinkhorn::default()
    };
    Ok(settings.solve(x, y, d)?.value)
}

impl Sinkhorn {
    /// Solves the three entropic problems (each to `tol`) and returns the divergence with
    /// its potentials. Errors: bad points or parameters, or
    /// [`MetricsError::NotConverged`] when a problem reaches `max_iter`.
    pub fn solve(
        &self,
        x: &[f64],
        y: &[f64],
        d: usize,
    ) -> Result<SinkhornDivergence, MetricsError> {
        check_points("x", x, d, 1)?;
        check_points("y", y, d, 1)?;
        let blur = check_positive("blur", self.blur)?;
        check_positive("tol", self.tol)?;
        if !(self.scaling > 0.0 && self.scaling < 1.0) {
            return Err(MetricsError::InvalidParameter {
                name: "scaling",
                value: self.scaling,
            });
        }
        let eps = blur * blur;
        let schedule = eps_schedule(x, y, d, blur, self.scaling);

        let xy = self.ot(x, y, d, &schedule)?;
        let xx = self.ot_self(x, d, &schedule)?;
        let yy = self.ot_self(y, d, &schedule)?;
        Ok(SinkhornDivergence {
            value: xy.value - 0.5 * xx.value - 0.5 * yy.value,
            ot_xy: xy.value,
            ot_xx: xx.value,
            ot_yy: yy.value,
            eps,
            iterations: [xy.iterations, xx.iterations, yy.iterations],
            marginal_error: [xy.error, xx.error, yy.error],
            f_xy: xy.f,
            g_xy: xy.g,
            p_xx: xx.f,
            q_yy: yy.f,
        })
    }

    /// One entropic OT problem between `x` (weights 1/n) and `y` (weights 1/m).
    fn ot(
        &self,
        x: &[f64],
        y: &[f64],
        d: usize,
        schedule: &[f64],
    ) -> Result<Potentials, MetricsError> {
        let (n, m) = (x.len() / d, y.len() / d);
        let (log_a, log_b) = (-(n as f64).ln(), -(m as f64).ln());
        let zeros_x = vec![0.0; n];
        let zeros_y = vec![0.0; m];
        let (mut f, mut g) = (vec![0.0; n], vec![0.0; m]);
        let mut g_next = vec![0.0; m];
        // Warm-up on the ε-scaling schedule (GeomLoss's start: both potentials from zero
        // duals at the first ε, then one alternating update per ε).
        softmin(x, y, d, schedule[0], log_b, &zeros_y, &mut f);
        softmin(y, x, d, schedule[0], log_a, &zeros_x, &mut g);
        for &e in schedule {
            softmin(x, y, d, e, log_b, &g, &mut f);
            softmin(y, x, d, e, log_a, &f, &mut g);
        }
        // Converged mode at the final ε.
        let eps = *schedule.last().expect("the schedule ends with blur²");
        let b = 1.0 / m as f64;
        let mut error = f64::INFINITY;
        for iterations in 0..=self.max_iter {
            softmin(x, y, d, eps, log_b, &g, &mut f);
            softmin(y, x, d, eps, log_a, &f, &mut g_next);
            let sq: Vec<f64> = g
                .iter()
                .zip(&g_next)
                .map(|(old, new)| {
                    let e = b * (((old - new) / eps).exp() - 1.0);
                    e * e
                })
                .collect();
            error = pairwise_sum(&sq).sqrt();
            if error < self.tol {
                // (f, g) has exact row marginals and column error `error`.
                return Ok(Potentials::new(f, g, iterations, error));
            }
            std::mem::swap(&mut g, &mut g_next);
        }
        Err(MetricsError::NotConverged {
            iterations: self.max_iter,
            error,
        })
    }

    /// One symmetric entropic problem OT(a, a) on `x` (weights 1/n): GeomLoss's averaged
    /// symmetric update `p ← ½(p + smin_ε(C_xx, log a + p/ε))`, whose fixed point is the
    /// symmetric potential (`OT(a, a) = 2⟨a, p⟩`). The plain alternating iteration would
    /// converge very slowly here on clustered points (each cluster's potential drifts in
    /// opposite directions in `f` and `g`); the averaging removes that mode. Stops when the
    /// marginal error `‖a ⊙ (exp((p − T p)/ε) − 1)‖₂` of the plan built from `p` is below `tol`.
    fn ot_self(&self, x: &[f64], d: usize, schedule: &[f64]) -> Result<Potentials, MetricsError> {
        let n = x.len() / d;
        let log_a = -(n as f64).ln();
        let a = 1.0 / n as f64;
        let mut p = vec![0.0; n];
        let mut next = vec![0.0; n];
        softmin(x, x, d, schedule[0], log_a, &vec![0.0; n], &mut p);
        for &e in schedule {
            softmin(x, x, d, e, log_a, &p, &mut next);
            p.iter_mut()
                .zip(&next)
                .for_each(|(p, t)| *p = 0.5 * (*p + t));
        }
        let eps = *schedule.last().expect("the schedule ends with blur²");
        let mut error = f64::INFINITY;
        for iterations in 0..=self.max_iter {
            softmin(x, x, d, eps, log_a, &p, &mut next);
            let sq: Vec<f64> = p
                .iter()
                .zip(&next)
                .map(|(old, new)| {
                    let e = a * (((old - new) / eps).exp() - 1.0);
                    e * e
                })
                .collect();
            error = pairwise_sum(&sq).sqrt();
            if error < self.tol {
                let value = 2.0 * pairwise_sum(&p) * a;
                return Ok(Potentials {
                    f: p.clone(),
                    g: p,
                    value,
                    iterations,
                    error,
                });
            }
            p.iter_mut()
                .zip(&next)
                .for_each(|(p, t)| *p = 0.5 * (*p + t));
        }
        Err(MetricsError::NotConverged {
            iterations: self.max_iter,
            error,
        })
    }
}

impl SinkhornDivergence {
    /// The Sinkhorn gradient-flow velocity at the points of `x` (docs/src/design.md §4.3):
    /// `v(xᵢ) = Σⱼ W^{xy}ᵢⱼ yⱼ − Σₖ W^{xx}ᵢₖ xₖ` (barycentric projection on `y` minus on `x`
    /// itself), with `W^{xy}ᵢⱼ = softmaxⱼ(log bⱼ + (gⱼ − C(xᵢ, yⱼ))/ε)` and likewise `W^{xx}`
    /// with `p_xx`. Row-major `n × d`. `x`, `y`, `d` must be those of the solve.
    pub fn velocity_x(&self, x: &[f64], y: &[f64], d: usize) -> Result<Vec<f64>, MetricsError> {
        let n = check_points("x", x, d, 1)?;
        let m = check_points("y", y, d, 1)?;
        for (which, got, expected) in [("x", n, self.f_xy.len()), ("y", m, self.g_xy.len())] {
            if got != expected {
                return Err(MetricsError::WrongPointCount {
                    which,
                    n: got,
                    expected,
                });
            }
        }
        let to_y = barycentres(x, y, d, self.eps, &self.g_xy);
        let to_x = barycentres(x, x, d, self.eps, &self.p_xx);
        Ok(to_y.iter().zip(&to_x).map(|(t, s)| t - s).collect())
    }

    /// The gradient `∂S_ε/∂xᵢ = aᵢ (T_xx(xᵢ) − T_xy(xᵢ)) = −v(xᵢ)/n` (it includes the weight
    /// `aᵢ = 1/n`); see [`Self::velocity_x`]. Row-major `n × d`.
    pub fn grad_x(&self, x: &[f64], y: &[f64], d: usize) -> Result<Vec<f64>, MetricsError> {
        let a = 1.0 / self.f_xy.len() as f64;
        Ok(self.velocity_x(x, y, d)?.iter().map(|v| -a * v).collect())
    }
}

/// Converged potentials of one problem, gauge-fixed so that `⟨a, f⟩ = ⟨b, g⟩`.
struct Potentials {
    f: Vec<f64>,
    g: Vec<f64>,
    value: f64,
    iterations: usize,
    error: f64,
}

impl Potentials {
    fn new(mut f: Vec<f64>, mut g: Vec<f64>, iterations: usize, error: f64) -> Self {
        let mean_f = pairwise_sum(&f) / f.len() as f64;
        let mean_g = pairwise_sum(&g) / g.len() as f64;
        let shift = 0.5 * (mean_g - mean_f);
        f.iter_mut().for_each(|v| *v += shift);
        g.iter_mut().for_each(|v| *v -= shift);
        Self {
            value: mean_f + mean_g,
            f,
            g,
            iterations,
            error,
        }
    }
}

/// `out[i] = smin_ε(C(xᵢ, ·), log_w + h/ε)ᵢ = −ε log Σⱼ exp(log_w + hⱼ/ε − ‖xᵢ − yⱼ‖²/(2ε))`,
/// streaming over `y` with an online log-sum-exp.
fn softmin(x: &[f64], y: &[f64], d: usize, eps: f64, log_w: f64, h: &[f64], out: &mut [f64]) {
    let inv = 1.0 / eps;
    out.par_iter_mut()
        .zip(x.par_chunks_exact(d))
        .for_each(|(o, xi)| {
            let (mut top, mut sum) = (f64::NEG_INFINITY, 0.0);
            for (yj, &hj) in y.chunks_exact(d).zip(h) {
                let t = (hj - 0.5 * sq_dist(xi, yj)) * inv;
                if t > top {
                    sum = sum * (top - t).exp() + 1.0;
                    top = t;
                } else {
                    sum += (t - top).exp();
                }
            }
            *o = -eps * (log_w + top + sum.ln());
        });
}

/// Barycentric projections `Σⱼ Wᵢⱼ yⱼ`, `Wᵢⱼ = softmaxⱼ((hⱼ − ‖xᵢ − yⱼ‖²/2)/ε)` (uniform
/// weights drop out of the softmax), row-major `n × d`; streaming online softmax.
fn barycentres(x: &[f64], y: &[f64], d: usize, eps: f64, h: &[f64]) -> Vec<f64> {
    let inv = 1.0 / eps;
    let mut out = vec![0.0; x.len()];
    out.par_chunks_exact_mut(d)
        .zip(x.par_chunks_exact(d))
        .for_each(|(o, xi)| {
            let (mut top, mut sum) = (f64::NEG_INFINITY, 0.0);
            o.fill(0.0);
            for (yj, &hj) in y.chunks_exact(d).zip(h) {
                let t = (hj - 0.5 * sq_dist(xi, yj)) * inv;
                let w = if t > top {
                    let r = (top - t).exp();
                    sum *= r;
                    o.iter_mut().for_each(|v| *v *= r);
                    top = t;
                    1.0
                } else {
                    (t - top).exp()
                };
                sum += w;
                o.iter_mut().zip(yj).for_each(|(v, &c)| *v += w * c);
            }
            o.iter_mut().for_each(|v| *v /= sum);
        });
    out
}

/// GeomLoss's ε-scaling schedule from the bounding box of both sets; it ends with `blur²`.
fn eps_schedule(x: &[f64], y: &[f64], d: usize, blur: f64, scaling: f64) -> Vec<f64> {
    let (lo, hi) = schedule::bounding_box([x, y], d);
    schedule::eps_schedule(schedule::diameter(&lo, &hi), blur, scaling)
}
