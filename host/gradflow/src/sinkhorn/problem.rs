//! The Sinkhorn loop of one entropic OT problem, following GeomLoss's `sinkhorn_loop`
//! (`geomloss/sinkhorn_divergence.py`, balanced case, single scale) line by line:
//!
//! - start at ε₀ (the first ε of the schedule) from zero potentials:
//!   `g = smin_ε₀(C_yx, log a)`, `f = smin_ε₀(C_xy, log b)`;
//! - for each ε of the schedule, one symmetric averaged update from the old pair:
//!   `f̃ = smin_ε(C_xy, log b + g/ε)`, `g̃ = smin_ε(C_yx, log a + f/ε)`,
//!   `f ← (f + f̃)/2`, `g ← (g + g̃)/2`;
//! - the last extrapolation at the final ε, again from the old pair:
//!   `f ← smin_ε(C_xy, log b + g/ε)`, `g ← smin_ε(C_yx, log a + f/ε)`.
//!
//! A self problem (OT(a, a), debiasing) runs the same loop on one potential
//! `p ← (p + smin_ε(C_xx, log a + p/ε))/2`.
//!
//! In [`Stopping::Tolerance`] mode the loop goes on at the final ε before the extrapolation
//! until the L2 column-marginal error `‖b ⊙ (exp((g − g̃)/ε) − 1)‖₂` of the plan is below
//! `tol`: the cross problem with alternating updates `f ← smin(g)`, `g ← smin(f)` (which
//! make the row marginals exact and converge faster than the averaged ones), over-relaxed
//! by an adaptive factor ω ∈ [1, 2) (module `overrelax`: about 10× fewer iterations at
//! small ε, the same fixed point), the self problems with the averaged update (the
//! alternating one stalls on clustered points).
//!
//! The barycentric projections `Σⱼ Wᵢⱼ yⱼ` that GeomLoss's gradient differentiates are
//! those of the weights of the final `f` update (`Wᵢⱼ ∝ exp((gⱼ − Cᵢⱼ)/ε)` with the `g`
//! *before* the extrapolation); they are accumulated in that same pass.

use std::cell::Cell;

use super::cloud::Cloud;
use super::engine::SoftminEngine;
use super::overrelax::{Relaxation, relax};
use super::report::ProblemReport;
use super::{SinkhornError, SinkhornScalar, Stopping};
use crate::metrics::pairwise_sum;

/// The potentials of a cross problem OT(a, b) after the last extrapolation.
pub(crate) struct Cross {
    /// `f` on the points of x.
    pub(crate) f: Vec<f64>,
    /// `g` on the points of y (the pre-extrapolation `g` when it was not asked for).
    pub(crate) g: Vec<f64>,
    /// Barycentric projections of the x points on y (`n × d`), when asked for.
    pub(crate) bary: Option<Vec<f64>>,
    /// Iterations and marginal error.
    pub(crate) report: ProblemReport,
}

/// The potential of a self problem OT(a, a) after the last extrapolation.
pub(crate) struct Symmetric {
    /// `p` on the points.
    pub(crate) p: Vec<f64>,
    /// Barycentric projections of the points on themselves (`n × d`), when asked for.
    pub(crate) bary: Option<Vec<f64>>,
    /// Iterations and marginal error.
    pub(crate) report: ProblemReport,
}

/// `a ← (a + b)/2`, GeomLoss's averaging.
fn average(a: &mut [f64], b: &[f64]) {
    a.iter_mut().zip(b).for_each(|(a, b)| *a = 0.5 * (*a + b));
}

/// The L2 marginal error on one side of the plan built from a potential `old` whose
/// soft-C-transform is `new` (uniform weights `1/len`): `‖(exp((old − new)/ε) − 1)/len‖₂`.
pub(crate) fn marginal_error(old: &[f64], new: &[f64], eps: f64) -> f64 {
    let w = 1.0 / old.len() as f64;
    let sq: Vec<f64> = old
        .iter()
        .zip(new)
        .map(|(o, n)| {
            let e = w * (((o - n) / eps).exp() - 1.0);
            e * e
        })
        .collect();
    pairwise_sum(&sq).sqrt()
}

/// The engine's soft-min, counting its calls in `passes` (the report's pass count).
#[allow(
    clippy::type_complexity,
    reason = "the soft-min's own signature, spelled out once"
)]
fn counted<'a, S: SinkhornScalar>(
    engine: SoftminEngine<'a>,
    passes: &'a Cell<usize>,
) -> impl Fn(
    &Cloud<S>,
    &Cloud<S>,
    f64,
    &[f64],
    Option<&[f64]>,
    &mut [f64],
    Option<&mut [f64]>,
) -> Result<(), SinkhornError>
+ 'a {
    move |rows, cols, eps, pot, guess, out, bary| {
        passes.set(passes.get() + 1);
        engine.softmin(rows, cols, eps, pot, guess, out, bary)
    }
}

/// Solves OT(a, b) between `x` (weights 1/n) and `y` (weights 1/m) on the schedule (its last
/// value is the final ε). `extrapolate_g`: also run the extrapolation of `g` (the divergence
/// needs it, the velocity does not); `want_bary`: accumulate the barycentric projections
/// of x on y in the final `f` update. In Tolerance mode the pair is gauge-fixed so that
/// `⟨a, f⟩ = ⟨b, g⟩`.
pub(crate) fn cross<S: SinkhornScalar>(
    engine: SoftminEngine<'_>,
    x: &Cloud<S>,
    y: &Cloud<S>,
    schedule: &[f64],
    stopping: Stopping,
    extrapolate_g: bool,
    want_bary: bool,
) -> Result<Cross, SinkhornError> {
    let passes = Cell::new(0);
    let transform = counted::<S>(engine, &passes);
    let (n, m) = (x.n, y.n);
    let eps0 = schedule[0];
    let (mut f, mut g) = (vec![0.0; n], vec![0.0; m]);
    let (mut ft, mut gt) = (vec![0.0; n], vec![0.0; m]);
    transform(y, x, eps0, &vec![0.0; n], None, &mut g, None)?;
    transform(x, y, eps0, &vec![0.0; m], None, &mut f, None)?;
    for &eps in schedule {
        transform(x, y, eps, &g, Some(&f), &mut ft, None)?;
        transform(y, x, eps, &f, Some(&g), &mut gt, None)?;
        average(&mut f, &ft);
        average(&mut g, &gt);
    }
    let eps = *schedule.last().expect("the schedule ends with blur²");
    let mut bary = want_bary.then(|| vec![0.0; n * x.d]);
    let report = match stopping {
        Stopping::Annealed => {
            transform(x, y, eps, &g, Some(&f), &mut ft, bary.as_deref_mut())?;
            let error = marginal_error(&f, &ft, eps);
            if extrapolate_g {
                transform(y, x, eps, &f, Some(&g), &mut gt, None)?;
                std::mem::swap(&mut g, &mut gt);
            }
            std::mem::swap(&mut f, &mut ft);
            ProblemReport {
                iterations: schedule.len(),
                marginal_error: error,
                passes: passes.get(),
            }
        }
        Stopping::Tolerance { tol, max_iter } => {
            let mut done = None;
            let mut relaxation = Relaxation::new();
            for k in 1..=max_iter {
                let check = relaxation.checks_at(k) || k == max_iter;
                transform(x, y, eps, &g, Some(&f), &mut ft, None)?;
                relax(&mut f, &ft, if check { 1.0 } else { relaxation.omega() });
                transform(y, x, eps, &f, Some(&g), &mut gt, None)?;
                if check {
                    let error = marginal_error(&g, &gt, eps);
                    if error < tol {
                        done = Some((k, error));
                        break;
                    }
                    if k == max_iter {
                        return Err(SinkhornError::NotConverged {
                            error,
                            iterations: k,
                        });
                    }
                    relaxation.observe(k, error);
                }
                relax(&mut g, &gt, relaxation.omega());
            }
            let (k, error) = done.expect("max_iter ≥ 1 is checked");
            // The extrapolation from (f, g) with f = smin(g): f again (recomputed only for
            // the barycentres; equal up to rounding) and g = smin(f), already in gt.
            if want_bary {
                transform(x, y, eps, &g, Some(&f), &mut ft, bary.as_deref_mut())?;
                std::mem::swap(&mut f, &mut ft);
            }
            std::mem::swap(&mut g, &mut gt);
            gauge_fix(&mut f, &mut g);
            ProblemReport {
                iterations: schedule.len() + k,
                marginal_error: error,
                passes: passes.get(),
            }
        }
    };
    Ok(Cross { f, g, bary, report })
}

/// Solves OT(a, a) on `x` (weights 1/n) on the schedule; `want_bary`: accumulate the
/// barycentric projections of x on itself in the final update.
pub(crate) fn symmetric<S: SinkhornScalar>(
    engine: SoftminEngine<'_>,
    x: &Cloud<S>,
    schedule: &[f64],
    stopping: Stopping,
    want_bary: bool,
) -> Result<Symmetric, SinkhornError> {
    let passes = Cell::new(0);
    let transform = counted::<S>(engine, &passes);
    let n = x.n;
    let mut p = vec![0.0; n];
    let mut pt = vec![0.0; n];
    transform(x, x, schedule[0], &vec![0.0; n], None, &mut p, None)?;
    for &eps in schedule {
        transform(x, x, eps, &p, Some(&p), &mut pt, None)?;
        average(&mut p, &pt);
    }
    let eps = *schedule.last().expect("the schedule ends with blur²");
    let mut iterations = schedule.len();
    let mut tolerance_error = None;
    if let Stopping::Tolerance { tol, max_iter } = stopping {
        for k in 1..=max_iter {
            transform(x, x, eps, &p, Some(&p), &mut pt, None)?;
            let error = marginal_error(&p, &pt, eps);
            if error < tol {
                iterations += k;
                tolerance_error = Some(error);
                break;
            }
            if k == max_iter {
                return Err(SinkhornError::NotConverged {
                    error,
                    iterations: k,
                });
            }
            average(&mut p, &pt);
        }
    }
    let mut bary = want_bary.then(|| vec![0.0; n * x.d]);
    transform(x, x, eps, &p, Some(&p), &mut pt, bary.as_deref_mut())?;
    let marginal_error = tolerance_error.unwrap_or_else(|| marginal_error(&p, &pt, eps));
    Ok(Symmetric {
        p: pt,
        bary,
        report: ProblemReport {
            iterations,
            marginal_error,
            passes: passes.get(),
        },
    })
}

/// Shifts `(f, g)` to `(f + c, g − c)` so that `⟨a, f⟩ = ⟨b, g⟩` (uniform weights): the
/// gauge of the converged fixtures. The plan and the OT value do not change.
fn gauge_fix(f: &mut [f64], g: &mut [f64]) {
    let mean_f = pairwise_sum(f) / f.len() as f64;
    let mean_g = pairwise_sum(g) / g.len() as f64;
    let shift = 0.5 * (mean_g - mean_f);
    f.iter_mut().for_each(|v| *v += shift);
    g.iter_mut().for_each(|v| *v -= shift);
}

#[cfg(test)]
mod tests {
    use super::super::softmin::softmin;
    use super::super::{cloud, schedule};
    use super::*;

    /// The over-relaxed tolerance phase reaches the fixed point of plain alternating
    /// Sinkhorn (potentials to 1e-6 ε after gauge fixing) in under a third of its
    /// iterations: 256 + 256 points in 2D at blur 0.05, f64, tolerance 1e-11.
    #[test]
    fn over_relaxation_converges_to_the_plain_fixed_point_in_fewer_iterations() {
        let n = 256;
        let point = |i: usize, shift: f64| {
            let a = i as f64 * 2.399_963;
            let r = (i as f64 / n as f64).sqrt();
            [r * a.cos() + shift, r * a.sin()]
        };
        let x: Vec<f64> = (0..n).flat_map(|i| point(i, 0.0)).collect();
        let y: Vec<f64> = (0..n).flat_map(|i| point(i, 0.7)).collect();
        let (cx, cy, diameter) = cloud::prepare(&x, &y, 2).expect("valid clouds");
        let schedule = schedule::eps_schedule(diameter, 0.05, 0.5);
        let eps = *schedule.last().expect("non-empty");
        let tol = 1e-11;
        let fast = cross(
            SoftminEngine::Cpu,
            &cx,
            &cy,
            &schedule,
            Stopping::Tolerance {
                tol,
                max_iter: 100_000,
            },
            true,
            false,
        )
        .expect("converges");

        // Plain alternating Sinkhorn from the same warm start (the annealed schedule).
        let (mut f, mut g) = (vec![0.0; n], vec![0.0; n]);
        let (mut ft, mut gt) = (vec![0.0; n], vec![0.0; n]);
        softmin(&cy, &cx, schedule[0], &vec![0.0; n], None, &mut g, None);
        softmin(&cx, &cy, schedule[0], &vec![0.0; n], None, &mut f, None);
        for &e in &schedule {
            softmin(&cx, &cy, e, &g, Some(&f), &mut ft, None);
            softmin(&cy, &cx, e, &f, Some(&g), &mut gt, None);
            average(&mut f, &ft);
            average(&mut g, &gt);
        }
        let mut plain_iterations = 0;
        loop {
            plain_iterations += 1;
            softmin(&cx, &cy, eps, &g, Some(&f), &mut ft, None);
            std::mem::swap(&mut f, &mut ft);
            softmin(&cy, &cx, eps, &f, Some(&g), &mut gt, None);
            std::mem::swap(&mut g, &mut gt);
            if marginal_error(&gt, &g, eps) < tol {
                break;
            }
            assert!(
                plain_iterations < 100_000,
                "plain Sinkhorn did not converge"
            );
        }
        gauge_fix(&mut f, &mut g);

        let relaxed_iterations = fast.report.iterations - schedule.len();
        assert!(
            3 * relaxed_iterations < plain_iterations,
            "over-relaxed {relaxed_iterations} against plain {plain_iterations} iterations"
        );
        for (a, b) in fast.f.iter().zip(&f).chain(fast.g.iter().zip(&g)) {
            assert!((a - b).abs() < 1e-6 * eps, "{a} against {b}");
        }
    }
}
