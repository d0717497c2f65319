//! The register-blocked product at the heart of the fused kernels: an `MR × NR` block of
//! `A·B` (A a tile of activations, B a padded weight matrix), kept in vector registers and
//! handed to an epilogue (bias, activation, derivative) before it is stored. No packing:
//! B's rows are read in place (one `NR`-wide panel of B, `k × NR`, stays in L1 across the
//! row blocks), A's rows come from the tile's buffers.

use std::marker::PhantomData;

use super::simd::Simd;

/// A finished block: `MR` particles × `NR` output units.
pub(super) type Block<const MR: usize, const NR: usize> = [[f32; NR]; MR];

/// What happens to a finished block: `r0` and `j0` are its first row and column in C.
/// Implementations are `#[inline(always)]`, so they compile with the caller's target
/// features (a closure would not inherit them).
pub(super) trait Epilogue<const MR: usize, const NR: usize> {
    /// Stores (a function of) the block.
    fn apply(&mut self, r0: usize, j0: usize, acc: &Block<MR, NR>);
}

/// The products of one instruction set `I`: blocks of `MR` rows × `NV` vectors (`NR =
/// NV · I::LANES` columns).
pub(super) struct Micro<I, const MR: usize, const NV: usize, const NR: usize>(PhantomData<I>);

impl<I: Simd, const MR: usize, const NV: usize, const NR: usize> Micro<I, MR, NV, NR> {
    /// `A[r0..r0+MR, 0..k] · B[0..k, j0..j0+NR]` with A at `a` (`lda` per row) and B at `b`
    /// (`ldb` per row), by `k` rank-one updates of fused multiply-adds.
    ///
    /// # Safety
    /// `I`'s instruction set must be available; `a` must hold `(MR − 1)·lda + k` floats and
    /// `b` `(k − 1)·ldb + NR` (checked by [`Self::product`]).
    #[inline(always)]
    unsafe fn block(a: &[f32], lda: usize, b: &[f32], ldb: usize, k: usize) -> Block<MR, NR> {
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        // SAFETY: the instruction set is available and every offset is in bounds (see the
        // function's contract: rows r < MR at r·lda + p < (MR − 1)·lda + k, panels at
        // p·ldb + v·LANES + LANES ≤ (k − 1)·ldb + NR).
        unsafe {
            let mut acc = [[I::zero(); NV]; MR];
            for p in 0..k {
                let panel: [I::V; NV] =
                    std::array::from_fn(|v| I::load(pb.add(p * ldb + v * I::LANES)));
                for (r, acc_row) in acc.iter_mut().enumerate() {
                    let av = I::splat(*pa.add(r * lda + p));
                    for (acc_v, &bv) in acc_row.iter_mut().zip(&panel) {
                        *acc_v = I::fma(av, bv, *acc_v);
                    }
                }
            }
            let mut out = [[0.0f32; NR]; MR];
            for (out_row, acc_row) in out.iter_mut().zip(&acc) {
                for (v, &acc_v) in acc_row.iter().enumerate() {
                    I::store(out_row.as_mut_ptr().add(v * I::LANES), acc_v);
                }
            }
            out
        }
    }

    /// Runs `epilogue.apply(row0, col0, block)` over every block of `C = A·B` with C
    /// `rows × cols` (multiples of `MR` and `NR`), A `rows × k` (`lda` per row) and B
    /// `k × cols` (`cols` per row). Column panels are the outer loop, so that a panel of B
    /// is reused from L1 by every row block.
    ///
    /// # Safety
    /// `I`'s instruction set must be available.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    pub(super) unsafe fn product(
        a: &[f32],
        lda: usize,
        b: &[f32],
        k: usize,
        rows: usize,
        cols: usize,
        epilogue: &mut impl Epilogue<MR, NR>,
    ) {
        assert!(NV * I::LANES == NR && rows.is_multiple_of(MR) && cols.is_multiple_of(NR));
        assert!(k >= 1 && lda >= k && a.len() >= (rows - 1) * lda + k && b.len() >= k * cols);
        for j0 in (0..cols).step_by(NR) {
            for r0 in (0..rows).step_by(MR) {
                // SAFETY: the instruction set is available (caller); the asserts above
                // bound the last row block's rows and the last panel's columns.
                let acc = unsafe { Self::block(&a[r0 * lda..], lda, &b[j0..], cols, k) };
                epilogue.apply(r0, j0, &acc);
            }
        }
    }
}
