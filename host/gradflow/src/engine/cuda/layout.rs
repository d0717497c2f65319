//! Row-major matrix products as cuBLAS (column-major) calls.
//!
//! A row-major `p × q` matrix in memory is the column-major `q × p` matrix of its
//! transpose, with leading dimension q. So the row-major product `C = op(A)·op(B)`
//! (`r × c`) is the column-major `Cᵀ = op(B)ᵀ·op(A)ᵀ`: cuBLAS is called with the operands
//! swapped, each transposition flag kept, and every leading dimension the stored row
//! length. The test below checks this against a column-major reference gemm.

use cudarc::cublas::GemmConfig;
use cudarc::cublas::sys::cublasOperation_t;

/// A row-major operand of a product: whether it enters transposed, and its stored shape.
#[derive(Clone, Copy, Debug)]
pub struct Operand {
    /// Enters as its transpose.
    pub transposed: bool,
    /// Stored rows.
    pub rows: usize,
    /// Stored columns (the row length in memory).
    pub cols: usize,
}

impl Operand {
    /// A stored `rows × cols` matrix taken as it is.
    pub fn plain(rows: usize, cols: usize) -> Self {
        Self {
            transposed: false,
            rows,
            cols,
        }
    }

    /// A stored `rows × cols` matrix taken transposed (`cols × rows`).
    pub fn transposed(rows: usize, cols: usize) -> Self {
        Self {
            transposed: true,
            rows,
            cols,
        }
    }

    /// Shape as it enters the product.
    fn shape(&self) -> (usize, usize) {
        if self.transposed {
            (self.cols, self.rows)
        } else {
            (self.rows, self.cols)
        }
    }

    fn op(&self) -> cublasOperation_t {
        if self.transposed {
            cublasOperation_t::CUBLAS_OP_T
        } else {
            cublasOperation_t::CUBLAS_OP_N
        }
    }
}

/// The cuBLAS call for the row-major `C ← op(A)·op(B) + beta·C`, to be made with the
/// operands in the order (B, A, C). Panics if the inner dimensions differ (a bug).
pub fn row_major<T>(a: Operand, b: Operand, alpha: T, beta: T) -> GemmConfig<T> {
    let (r, k) = a.shape();
    let (kb, c) = b.shape();
    assert_eq!(k, kb, "inner dimensions of a row-major product");
    let int = |v: usize| i32::try_from(v).expect("a matrix dimension beyond i32 (cuBLAS)");
    GemmConfig {
        transa: b.op(),
        transb: a.op(),
        m: int(c),
        n: int(r),
        k: int(k),
        alpha,
        lda: int(b.cols.max(1)),
        ldb: int(a.cols.max(1)),
        beta,
        ldc: int(c.max(1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// cuBLAS's gemm as its documentation defines it, column-major:
    /// `C ← α·op(A)·op(B) + β·C`, `op(A)` m × k, `op(B)` k × n, C m × n.
    fn reference_gemm(cfg: &GemmConfig<f64>, a: &[f64], b: &[f64], c: &mut [f64]) {
        let (m, n, k) = (cfg.m as usize, cfg.n as usize, cfg.k as usize);
        let (lda, ldb, ldc) = (cfg.lda as usize, cfg.ldb as usize, cfg.ldc as usize);
        let ta = cfg.transa == cublasOperation_t::CUBLAS_OP_T;
        let tb = cfg.transb == cublasOperation_t::CUBLAS_OP_T;
        let at = |i: usize, l: usize| if ta { a[l + i * lda] } else { a[i + l * lda] };
        let bt = |l: usize, j: usize| if tb { b[j + l * ldb] } else { b[l + j * ldb] };
        for i in 0..m {
            for j in 0..n {
                let s: f64 = (0..k).map(|l| at(i, l) * bt(l, j)).sum();
                c[i + j * ldc] = cfg.alpha * s + cfg.beta * c[i + j * ldc];
            }
        }
    }

    fn matrix(rows: usize, cols: usize, seed: f64) -> Vec<f64> {
        (0..rows * cols)
            .map(|i| ((i as f64 + 1.0) * seed).sin())
            .collect()
    }

    /// Entry (i, j) of a stored row-major matrix entering as `op`.
    fn entry(m: &[f64], op: Operand, i: usize, j: usize) -> f64 {
        if op.transposed {
            m[j * op.cols + i]
        } else {
            m[i * op.cols + j]
        }
    }

    #[test]
    fn every_transposition_matches_the_row_major_product() {
        let (r, k, c) = (5, 3, 4);
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a_op = if ta {
                Operand::transposed(k, r)
            } else {
                Operand::plain(r, k)
            };
            let b_op = if tb {
                Operand::transposed(c, k)
            } else {
                Operand::plain(k, c)
            };
            let a = matrix(r, k, 0.37);
            let b = matrix(k, c, 0.91);
            let mut out = matrix(r, c, 0.13);
            let before = out.clone();
            let cfg = row_major(a_op, b_op, 1.0, 1.0);
            reference_gemm(&cfg, &b, &a, &mut out);
            for i in 0..r {
                for j in 0..c {
                    let want: f64 = before[i * c + j]
                        + (0..k)
                            .map(|l| entry(&a, a_op, i, l) * entry(&b, b_op, l, j))
                            .sum::<f64>();
                    assert!(
                        (out[i * c + j] - want).abs() < 1e-12,
                        "ta {ta} tb {tb} ({i}, {j}): {} vs {want}",
                        out[i * c + j]
                    );
                }
            }
        }
    }
}
