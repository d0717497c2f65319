//! Row-major matrix products through the `gemm` crate (packed kernels for f32 and f64 with
//! run-time CPU dispatch up to AVX-512), wrapped so that every length is checked before the
//! unsafe call. `gemm` was kept over `matrixmultiply` because it is faster on the engine's
//! tile shapes: 98–108 against 83–95 GFLOP/s on one core for 64..256 × 128 × 128 f32
//! products on this project's 2-core AMD EPYC machine.

use gradflow_core::Scalar;

/// A scalar with a GEMM kernel: f32 and f64.
pub trait GemmScalar: Scalar + Send + Sync {
    /// `c ← a·b + beta·c` (`beta` 0 or 1) with explicit row and column strides (in
    /// elements).
    ///
    /// # Safety
    /// Every index `i·rs + j·cs` for i < rows, j < cols of each operand must be in bounds of
    /// the memory its pointer addresses, and `c` must not overlap `a` or `b`.
    #[allow(clippy::too_many_arguments)]
    unsafe fn gemm_raw(
        m: usize,
        k: usize,
        n: usize,
        a: *const Self,
        rsa: isize,
        csa: isize,
        b: *const Self,
        rsb: isize,
        csb: isize,
        beta: Self,
        c: *mut Self,
        rsc: isize,
        csc: isize,
    );

    /// The same network and positions as f32, when `Self` is f32: the entry to the fused
    /// f32 kernels from generic code, without casts.
    fn as_f32<'a>(
        net: &'a super::Network<Self>,
        x: &'a mut [Self],
    ) -> Option<(&'a super::Network<f32>, &'a mut [f32])>;
}

macro_rules! gemm_scalar {
    ($t:ty, $as_f32:expr) => {
        impl GemmScalar for $t {
            fn as_f32<'a>(
                net: &'a super::Network<Self>,
                x: &'a mut [Self],
            ) -> Option<(&'a super::Network<f32>, &'a mut [f32])> {
                $as_f32(net, x)
            }

            unsafe fn gemm_raw(
                m: usize,
                k: usize,
                n: usize,
                a: *const Self,
                rsa: isize,
                csa: isize,
                b: *const Self,
                rsb: isize,
                csb: isize,
                beta: Self,
                c: *mut Self,
                rsc: isize,
                csc: isize,
            ) {
                // `gemm` computes dst ← α·dst + β·lhs·rhs and takes column strides first.
                // SAFETY: forwarded contract (bounds and no overlap of `c`).
                unsafe {
                    gemm::gemm(
                        m,
                        n,
                        k,
                        c,
                        csc,
                        rsc,
                        beta != 0.0,
                        a,
                        csa,
                        rsa,
                        b,
                        csb,
                        rsb,
                        beta,
                        1.0,
                        false,
                        false,
                        false,
                        gemm::Parallelism::None,
                    )
                }
            }
        }
    };
}

gemm_scalar!(f32, |net, x| Some((net, x)));
gemm_scalar!(f64, |_, _| None);

/// How an operand is stored: as the matrix itself (row-major) or as its transpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Layout {
    /// The slice holds the matrix, row-major.
    AsIs,
    /// The slice holds the transpose, row-major.
    Transposed,
}

/// (row stride, column stride) of a rows×cols operand stored as `layout`.
fn strides(rows: usize, cols: usize, layout: Layout) -> (isize, isize) {
    match layout {
        Layout::AsIs => (cols as isize, 1),
        Layout::Transposed => (1, rows as isize),
    }
}

/// `c (m×n) ← a (m×k) · b (k×n) + (accumulate ? c : 0)`, all row-major, `a` and `b` stored
/// as their layouts say. Panics on a length mismatch (an engine bug, never user input).
#[allow(clippy::too_many_arguments)]
pub(crate) fn matmul<S: GemmScalar>(
    m: usize,
    k: usize,
    n: usize,
    a: &[S],
    a_layout: Layout,
    b: &[S],
    b_layout: Layout,
    c: &mut [S],
    accumulate: bool,
) {
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n);
    if m == 0 || n == 0 {
        return;
    }
    let (rsa, csa) = strides(m, k, a_layout);
    let (rsb, csb) = strides(k, n, b_layout);
    let beta = if accumulate { S::ONE } else { S::ZERO };
    // SAFETY: the lengths were checked above for the strides `strides` gives (the largest
    // index of each operand is rows·cols − 1); `c` is a `&mut` slice, so it overlaps
    // neither `a` nor `b`.
    unsafe {
        S::gemm_raw(
            m,
            k,
            n,
            a.as_ptr(),
            rsa,
            csa,
            b.as_ptr(),
            rsb,
            csb,
            beta,
            c.as_mut_ptr(),
            n as isize,
            1,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::{Layout, matmul};

    /// Against the triple loop, for every layout and with accumulation.
    #[test]
    fn matches_the_definition() {
        let (m, k, n) = (5, 7, 3);
        let a: Vec<f64> = (0..m * k).map(|i| (i as f64 * 0.7).sin()).collect();
        let b: Vec<f64> = (0..k * n).map(|i| (i as f64 * 1.3).cos()).collect();
        let at: Vec<f64> = (0..k * m).map(|t| a[(t % m) * k + t / m]).collect();
        let bt: Vec<f64> = (0..n * k).map(|t| b[(t % k) * n + t / k]).collect();
        let mut want = vec![1.0; m * n];
        for i in 0..m {
            for j in 0..n {
                want[i * n + j] += (0..k).map(|l| a[i * k + l] * b[l * n + j]).sum::<f64>();
            }
        }
        for (aa, al) in [(&a, Layout::AsIs), (&at, Layout::Transposed)] {
            for (bb, bl) in [(&b, Layout::AsIs), (&bt, Layout::Transposed)] {
                let mut c = vec![1.0; m * n];
                matmul(m, k, n, aa, al, bb, bl, &mut c, true);
                for (x, y) in c.iter().zip(&want) {
                    assert!((x - y).abs() < 1e-12, "{al:?} {bl:?}: {x} vs {y}");
                }
            }
        }
    }
}
