//! One fully connected layer's parameters (evaluated by [`super::Network`]).

use crate::Scalar;

/// The parameters of an affine layer `y = x·W + b` in the row-vector convention:
/// `weight[i][j]` multiplies input `i` into output `j` (NumPy/JAX layout; PyTorch's
/// `Linear.weight` is the transpose). A block of [`super::MlpParams`].
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
}
