//! One fully connected layer and the vectorisable kernels behind it.

use crate::Scalar;

/// An affine layer `y = x·W + b` in the row-vector convention: `weight[i][j]` multiplies
/// input `i` into output `j` (NumPy/JAX layout; PyTorch's `Linear.weight` is the transpose).
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C)]
pub struct Dense<S, const I: usize, const O: usize> {
    /// I×O weights, row-major.
    pub weight: [[S; O]; I],
    /// O biases.
    pub bias: [S; O],
}

impl<S: Scalar, const I: usize, const O: usize> Dense<S, I, O> {
    /// All zeros.
    pub fn zeroed() -> Self {
        Self {
            weight: [[S::ZERO; O]; I],
            bias: [S::ZERO; O],
        }
    }

    /// `out = x·W + b`. The loop runs along contiguous rows of W (axpy form), so it
    /// vectorises without reassociating sums. The result is built in a local array and each
    /// input is read once into a register: the compiler then knows that the stores cannot
    /// touch the input (otherwise, once inlined next to the caller's stack buffers, it
    /// falls back to a scalar loop).
    #[inline]
    pub fn forward(&self, x: &[S; I], out: &mut [S; O]) {
        let mut acc = self.bias;
        for (&xi, row) in x.iter().zip(self.weight.iter()) {
            for (o, &w) in acc.iter_mut().zip(row.iter()) {
                *o += xi * w;
            }
        }
        *out = acc;
    }

    /// `grad_in = W·delta` (the input cotangent), as I dot products of contiguous rows.
    #[inline]
    pub fn backward_input(&self, delta: &[S; O], grad_in: &mut [S; I]) {
        let mut acc = [S::ZERO; I];
        for (g, row) in acc.iter_mut().zip(self.weight.iter()) {
            *g = dot(row, delta);
        }
        *grad_in = acc;
    }

    /// Accumulates the parameter cotangent: `grad.weight += xᵀ·delta`, `grad.bias += delta`.
    #[inline]
    pub fn accumulate_param_grad(&self, x: &[S; I], delta: &[S; O], grad: &mut Self) {
        for (xi, row) in x.iter().zip(grad.weight.iter_mut()) {
            for (g, d) in row.iter_mut().zip(delta.iter()) {
                *g += *xi * *d;
            }
        }
        for (b, d) in grad.bias.iter_mut().zip(delta.iter()) {
            *b += *d;
        }
    }
}

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
    fn forward_uses_row_vector_convention() {
        let layer = Dense::<f64, 2, 3> {
            weight: [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
            bias: [0.5, 0.0, -0.5],
        };
        let mut out = [0.0; 3];
        layer.forward(&[1.0, -1.0], &mut out);
        assert_eq!(out, [-2.5, -3.0, -3.5]);
        let mut g = [0.0; 2];
        layer.backward_input(&[1.0, 0.0, 1.0], &mut g);
        assert_eq!(g, [4.0, 10.0]);
    }
}
