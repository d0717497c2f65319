//! The soft-C-transform, the one operation every Sinkhorn update is made of:
//!
//! `out[i] = −ε (log_w + log Σⱼ exp((potⱼ − C(xᵢ, yⱼ))/ε))`, `C(x, y) = ‖x − y‖²/2`,
//!
//! with `log_w = −ln m` (uniform weights on the m columns), and optionally the barycentric
//! projection `Σⱼ Wᵢⱼ yⱼ` of each row, `Wᵢⱼ = softmaxⱼ((potⱼ − C(xᵢ, yⱼ))/ε)`, from the same
//! weights in the same pass. Streaming over the columns with an online log-sum-exp: memory
//! O(n + m). Rows are split over rayon's current pool; each row is reduced sequentially,
//! so the result does not depend on the number of threads.

use rayon::prelude::*;

use super::SinkhornScalar;
use super::cloud::Cloud;

/// One soft-C-transform from the columns `cols` (potential `pot`) to the rows `rows`; see
/// the module docs. `bary`, when given, receives the barycentric projections (`n × d`,
/// in the centred coordinates of the clouds).
pub(crate) fn softmin<S: SinkhornScalar>(
    rows: &Cloud<S>,
    cols: &Cloud<S>,
    eps: f64,
    pot: &[f64],
    out: &mut [f64],
    bary: Option<&mut [f64]>,
) {
    let log_w = -(cols.n as f64).ln();
    let finish = |lse: f64| -eps * (log_w + lse);
    match bary {
        None => out.par_iter_mut().enumerate().for_each(|(i, o)| {
            *o = finish(row_lse(rows.point(i), cols, eps, pot, None));
        }),
        Some(bary) => out
            .par_iter_mut()
            .zip(bary.par_chunks_exact_mut(rows.d))
            .enumerate()
            .for_each(|(i, (o, b))| {
                *o = finish(row_lse(rows.point(i), cols, eps, pot, Some(b)));
            }),
    }
}

/// `log Σⱼ exp((potⱼ − C(xᵢ, yⱼ))/ε)` for one row by an online log-sum-exp, with the
/// barycentre written into `bary` when given.
fn row_lse<S: SinkhornScalar>(
    xi: &[S],
    cols: &Cloud<S>,
    eps: f64,
    pot: &[f64],
    mut bary: Option<&mut [f64]>,
) -> f64 {
    let inv = 1.0 / eps;
    let (mut top, mut sum) = (f64::NEG_INFINITY, 0.0);
    if let Some(b) = bary.as_deref_mut() {
        b.fill(0.0);
    }
    for (j, &pj) in pot.iter().enumerate() {
        let yj = cols.point(j);
        let c: f64 = xi
            .iter()
            .zip(yj)
            .map(|(a, b)| {
                let t = a.to_f64() - b.to_f64();
                t * t
            })
            .sum();
        let t = (pj - 0.5 * c) * inv;
        let w = if t > top {
            let r = (top - t).exp();
            sum *= r;
            if let Some(b) = bary.as_deref_mut() {
                b.iter_mut().for_each(|v| *v *= r);
            }
            top = t;
            1.0
        } else {
            (t - top).exp()
        };
        sum += w;
        if let Some(b) = bary.as_deref_mut() {
            b.iter_mut()
                .zip(yj)
                .for_each(|(v, &c)| *v += w * c.to_f64());
        }
    }
    if let Some(b) = bary {
        b.iter_mut().for_each(|v| *v /= sum);
    }
    top + sum.ln()
}
