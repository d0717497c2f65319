//! The vectorisable kernels of one affine layer `y = x·W + b`, over weights in any
//! [`ParamStore`] word (scalars, or little-endian `f32` bytes converted as they are read).

use super::ParamStore;
use crate::Scalar;

/// Dot product with eight independent partial sums, so that it vectorises: floating-point
/// addition is not associative and the compiler will not split one running sum by itself.
/// The summation order is fixed, so results are deterministic.
#[inline]
pub fn dot<S: Scalar>(a: &[S], b: &[S]) -> S {
    dot_with(a, b, |x| x)
}

/// [`dot`] over a row stored in another form (for instance little-endian bytes), converted
/// element by element by `load`; same summation order, so the same bits as [`dot`] on the
/// converted row.
#[inline]
pub(crate) fn dot_with<S: Scalar, W: Copy>(a: &[W], b: &[S], load: impl Fn(W) -> S) -> S {
    const LANES: usize = 8;
    let mut acc = [S::ZERO; LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..LANES {
            acc[k] += load(x[k]) * y[k];
        }
    }
    let mut tail = S::ZERO;
    for (x, y) in ra.iter().zip(rb) {
        tail += load(*x) * *y;
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// `out = x·W + b` with W the `x.len() × out.len()` row-major `weight` (row-vector
/// convention: `weight[i·o + j]` multiplies input i into output j). The loop runs along
/// contiguous rows of W (axpy form), so it vectorises without reassociating sums.
#[inline]
pub(crate) fn affine<S: Scalar, P: ParamStore<S> + ?Sized>(
    weight: &[P::Word],
    bias: &[P::Word],
    x: &[S],
    out: &mut [S],
) {
    for (a, &b) in out.iter_mut().zip(bias) {
        *a = P::load(b);
    }
    for (&xi, row) in x.iter().zip(weight.chunks_exact(out.len())) {
        for (a, &w) in out.iter_mut().zip(row) {
            *a += xi * P::load(w);
        }
    }
}

/// `grad_in = W·delta` (the input cotangent), as `grad_in.len()` dot products of
/// contiguous rows of length `delta.len()`. Always inlined into its one call site in the
/// evaluator's backward loop (a frame less on firmware stacks, little code).
#[inline(always)]
pub(crate) fn affine_backward<S: Scalar, P: ParamStore<S> + ?Sized>(
    weight: &[P::Word],
    delta: &[S],
    grad_in: &mut [S],
) {
    for (g, row) in grad_in.iter_mut().zip(weight.chunks_exact(delta.len())) {
        *g = dot_with(row, delta, P::load);
    }
}

/// Accumulates the parameter cotangent of one layer into its block of the flat gradient
/// (`x.len() × delta.len()` weights, then `delta.len()` biases):
/// `grad_weight += xᵀ·delta`, `grad_bias += delta`.
#[inline]
pub(crate) fn accumulate_param_grad<S: Scalar>(x: &[S], delta: &[S], grad: &mut [S]) {
    let (grad_weight, grad_bias) = grad.split_at_mut(x.len() * delta.len());
    for (xi, row) in x.iter().zip(grad_weight.chunks_exact_mut(delta.len())) {
        for (g, d) in row.iter_mut().zip(delta) {
            *g += *xi * *d;
        }
    }
    for (b, d) in grad_bias.iter_mut().zip(delta) {
        *b += *d;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_matches_naive_sum_on_integers() {
        let a: [f64; 19] = core::array::from_fn(|i| i as f64);
        let b: [f64; 19] = core::array::from_fn(|i| (2 * i + 1) as f64);
        let naive: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert_eq!(dot(&a, &b), naive);
    }

    #[test]
    fn affine_uses_row_vector_convention() {
        let weight = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let bias = [0.5, 0.0, -0.5];
        let mut out = [0.0; 3];
        affine::<f64, [f64]>(&weight, &bias, &[1.0, -1.0], &mut out);
        assert_eq!(out, [-2.5, -3.0, -3.5]);
        let mut g = [0.0; 2];
        affine_backward::<f64, [f64]>(&weight, &[1.0, 0.0, 1.0], &mut g);
        assert_eq!(g, [4.0, 10.0]);
        let mut grad = [0.0; 9];
        accumulate_param_grad(&[1.0, -1.0], &[1.0, 0.0, 2.0], &mut grad);
        assert_eq!(grad, [1.0, 0.0, 2.0, -1.0, 0.0, -2.0, 1.0, 0.0, 2.0]);
    }

    #[test]
    fn bytes_and_scalars_give_the_same_bits() {
        let weight = [0.1f32, -2.5, 3.75, 1e-3, 7.0, -0.3];
        let bytes = weight.map(f32::to_le_bytes);
        let bias = [0.25f32, -1.5, 2.0];
        let bias_bytes = bias.map(f32::to_le_bytes);
        let x = [0.7f32, -1.3];
        let (mut a, mut b) = ([0.0f32; 3], [0.0f32; 3]);
        affine::<f32, [f32]>(&weight, &bias, &x, &mut a);
        affine::<f32, [[u8; 4]]>(&bytes, &bias_bytes, &x, &mut b);
        assert_eq!(a.map(f32::to_bits), b.map(f32::to_bits));
    }
}
