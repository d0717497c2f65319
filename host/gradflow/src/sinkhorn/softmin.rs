//! The soft-C-transform, the one operation every Sinkhorn update is made of:
//!
//! `out[i] = −ε (log_w + log Σⱼ exp((potⱼ − C(xᵢ, yⱼ))/ε))`, `C(x, y) = ‖x − y‖²/2`,
//!
//! with `log_w = −ln m` (uniform weights on the m columns), and optionally the barycentric
//! projection `Σⱼ Wᵢⱼ yⱼ` of each row, `Wᵢⱼ = softmaxⱼ((potⱼ − C(xᵢ, yⱼ))/ε)`, from the same
//! weights in the same pass. Memory O(n + m).
//!
//! **Stable log-sum-exp in one pass.** Each row's exponents are shifted by a guess of their
//! log-sum-exp, from the row's current potential (the transform changes it little from
//! one update to the next): `shiftᵢ = −guessᵢ/ε − log_w`. The kernel returns the sum and
//! the largest shifted exponent; a row whose largest exponent lies outside ±[`Lane::WINDOW`]
//! (where `exp` could overflow or the sum lose its dominant terms) is redone with the exact
//! maximum as its shift. The result does not depend on the guess beyond rounding.
//!
//! Rows are split in fixed chunks over rayon's current pool; each row is reduced
//! sequentially, so the result does not depend on the number of threads.

use rayon::prelude::*;

use super::SinkhornScalar;
use super::cloud::Cloud;
use super::kernel::{self, Columns, LANES, RowSum};

/// Rows per parallel task (they share the column tiles in L1).
const CHUNK: usize = 32;

/// One soft-C-transform from the columns `cols` (potential `pot`) to the rows `rows`; see
/// the module docs. `guess`: the rows' current potential, if any. `bary`, when given,
/// receives the barycentric projections (`n × d`, in the centred coordinates of the
/// clouds).
pub(crate) fn softmin<S: SinkhornScalar>(
    rows: &Cloud<S>,
    cols: &Cloud<S>,
    eps: f64,
    pot: &[f64],
    guess: Option<&[f64]>,
    out: &mut [f64],
    bary: Option<&mut [f64]>,
) {
    let inv = 1.0 / eps;
    let mut u = vec![S::NEG_INF; cols.blocks() * LANES];
    u.iter_mut()
        .zip(pot)
        .for_each(|(u, p)| *u = S::from_f64(p * inv));
    let columns = Columns {
        d: cols.d,
        packed: &cols.packed,
        u: &u,
        half_inv: S::from_f64(0.5 * inv),
    };
    let pass = Pass {
        rows,
        cols: &columns,
        eps,
        log_w: -(cols.n as f64).ln(),
        guess,
    };
    let d = rows.d;
    match bary {
        None => out
            .par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(c, o)| pass.chunk::<false>(c * CHUNK, o, &mut [])),
        Some(bary) => out
            .par_chunks_mut(CHUNK)
            .zip(bary.par_chunks_mut(CHUNK * d))
            .enumerate()
            .for_each(|(c, (o, b))| pass.chunk::<true>(c * CHUNK, o, b)),
    }
}

/// One pass's inputs.
struct Pass<'a, S> {
    rows: &'a Cloud<S>,
    cols: &'a Columns<'a, S>,
    eps: f64,
    log_w: f64,
    guess: Option<&'a [f64]>,
}

impl<S: SinkhornScalar> Pass<'_, S> {
    /// The rows `first..first + out.len()`.
    fn chunk<const BARY: bool>(&self, first: usize, out: &mut [f64], bary: &mut [f64]) {
        let (d, r) = (self.rows.d, out.len());
        let points = &self.rows.points[first * d..(first + r) * d];
        let inv = 1.0 / self.eps;
        let shifts: Vec<S> = (first..first + r)
            .map(|i| S::from_f64(self.guess.map_or(0.0, |g| -g[i] * inv - self.log_w)))
            .collect();
        let mut sums = vec![RowSum { sum: 0.0, top: 0.0 }; r];
        kernel::rows::<S, BARY>(self.cols, points, &shifts, &mut sums, bary);
        for (i, (o, (&shift, s))) in out.iter_mut().zip(shifts.iter().zip(&sums)).enumerate() {
            let (mut shift, mut s) = (shift, *s);
            let b = if BARY {
                &mut bary[i * d..(i + 1) * d]
            } else {
                &mut [][..]
            };
            if !(s.top.abs() <= S::WINDOW && s.sum.is_finite() && s.sum > 0.0) {
                // Redo with the exact maximum.
                shift = S::from_f64(shift.to_f64() + s.top);
                let mut one = [s];
                kernel::rows::<S, BARY>(
                    self.cols,
                    &points[i * d..(i + 1) * d],
                    &[shift],
                    &mut one,
                    b,
                );
                s = one[0];
            }
            *o = -self.eps * (self.log_w + shift.to_f64() + s.sum.ln());
            b.iter_mut().for_each(|v| *v /= s.sum);
        }
    }
}
