//! The epilogues of the fused kernels' products: what each layer does with a finished block
//! of `A·B` before it leaves the registers.

use gradflow_core::Activation;

use super::act::eval_f32;
use super::micro::{Block, Epilogue};

/// A hidden layer on the way forward: `h = σ(acc + b)` and `σ′(acc + b)` for the backward
/// pass. Rows of `h` and `deriv` are `cols` long.
pub(super) struct Activate<'a> {
    pub act: Activation,
    pub bias: &'a [f32],
    pub cols: usize,
    pub h: &'a mut [f32],
    pub deriv: &'a mut [f32],
}

impl<const MR: usize, const NR: usize> Epilogue<MR, NR> for Activate<'_> {
    #[inline(always)]
    fn apply(&mut self, r0: usize, j0: usize, acc: &Block<MR, NR>) {
        let bias = &self.bias[j0..j0 + NR];
        for (r, acc_row) in acc.iter().enumerate() {
            let at = (r0 + r) * self.cols + j0;
            let h = &mut self.h[at..at + NR];
            let deriv = &mut self.deriv[at..at + NR];
            for j in 0..NR {
                (h[j], deriv[j]) = eval_f32(self.act, acc_row[j] + bias[j]);
            }
        }
    }
}

/// The last hidden layer of a scalar energy `E = h·w_out + b_out`: the seed of the backward
/// pass, `δ = ∂E/∂z = w_out ⊙ σ′(acc + b)`.
pub(super) struct Seed<'a> {
    pub act: Activation,
    pub bias: &'a [f32],
    pub w_out: &'a [f32],
    pub cols: usize,
    pub delta: &'a mut [f32],
}

impl<const MR: usize, const NR: usize> Epilogue<MR, NR> for Seed<'_> {
    #[inline(always)]
    fn apply(&mut self, r0: usize, j0: usize, acc: &Block<MR, NR>) {
        let bias = &self.bias[j0..j0 + NR];
        let w_out = &self.w_out[j0..j0 + NR];
        for (r, acc_row) in acc.iter().enumerate() {
            let at = (r0 + r) * self.cols + j0;
            let delta = &mut self.delta[at..at + NR];
            for j in 0..NR {
                delta[j] = w_out[j] * eval_f32(self.act, acc_row[j] + bias[j]).1;
            }
        }
    }
}

/// A hidden layer on the way back: `δ_{k−1} = acc ⊙ σ′(z_{k−1})` with `acc = δ_k · W_kᵀ`.
pub(super) struct BackThrough<'a> {
    pub deriv: &'a [f32],
    pub cols: usize,
    pub delta: &'a mut [f32],
}

impl<const MR: usize, const NR: usize> Epilogue<MR, NR> for BackThrough<'_> {
    #[inline(always)]
    fn apply(&mut self, r0: usize, j0: usize, acc: &Block<MR, NR>) {
        for (r, acc_row) in acc.iter().enumerate() {
            let at = (r0 + r) * self.cols + j0;
            let deriv = &self.deriv[at..at + NR];
            let delta = &mut self.delta[at..at + NR];
            for j in 0..NR {
                delta[j] = acc_row[j] * deriv[j];
            }
        }
    }
}
