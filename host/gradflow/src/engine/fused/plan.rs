//! The weights of a scalar energy MLP laid out for the fused kernels: every width padded
//! with zeros to a multiple of [`PAD`], and the transposed hidden-to-hidden matrices of the
//! backward pass. Padded units have zero weights in and out, so they change no result.

use gradflow_core::Activation;

use super::super::Network;

/// Widths are padded to a multiple of this (the widest micro-tile of any kernel).
pub(super) const PAD: usize = 64;

/// `n` rounded up to a multiple of `m`.
pub(super) fn round_up(n: usize, m: usize) -> usize {
    n.div_ceil(m) * m
}

/// A scalar-output MLP (at least one hidden layer) in the fused kernels' layout.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(super) activation: Activation,
    /// Input dimension d (not padded).
    pub(super) in_dim: usize,
    /// Padded width of each hidden layer.
    pub(super) widths: Vec<usize>,
    /// Hidden layer k's weights, `in_k × widths[k]` row-major (in₀ = d, in_k = widths[k−1]);
    /// row c of the first layer's is also ∂z₀/∂x_c, for the input gradient.
    pub(super) weights: Vec<Vec<f32>>,
    /// Hidden layer k's bias, `widths[k]`.
    pub(super) biases: Vec<Vec<f32>>,
    /// For k ≥ 1, hidden layer k's weights transposed: `widths[k] × widths[k−1]`
    /// (`transposed[0]` is empty).
    pub(super) transposed: Vec<Vec<f32>>,
    /// The output layer's weights (`widths[L−1]`); its bias does not enter ∇E.
    pub(super) out_weight: Vec<f32>,
}

impl Plan {
    /// The plan of `net`, or `None` if it is not a scalar-output MLP with hidden layers.
    pub(crate) fn new(net: &Network<f32>) -> Option<Self> {
        let arch = net.architecture();
        let hidden = arch.n_hidden();
        if arch.out_dim() != 1 || hidden == 0 {
            return None;
        }
        let in_dim = arch.in_dim();
        let widths: Vec<usize> = arch.widths().map(|w| round_up(w, PAD)).collect();
        let (mut weights, mut biases, mut transposed) = (vec![], vec![], vec![]);
        for k in 0..hidden {
            let (w, b, i, o) = net.layer(k);
            let (ip, op) = (if k == 0 { in_dim } else { widths[k - 1] }, widths[k]);
            let mut wp = vec![0.0; ip * op];
            let mut wt = vec![0.0; if k == 0 { 0 } else { ip * op }];
            for r in 0..i {
                for c in 0..o {
                    wp[r * op + c] = w[r * o + c];
                    if k > 0 {
                        wt[c * ip + r] = w[r * o + c];
                    }
                }
            }
            let mut bp = vec![0.0; op];
            bp[..o].copy_from_slice(b);
            weights.push(wp);
            biases.push(bp);
            transposed.push(wt);
        }
        let (w, _, i, _) = net.layer(hidden);
        let mut out_weight = vec![0.0; widths[hidden - 1]];
        out_weight[..i].copy_from_slice(w);
        Some(Self {
            activation: arch.activation,
            in_dim,
            widths,
            weights,
            biases,
            transposed,
            out_weight,
        })
    }

    /// The input dimension d.
    pub(crate) fn in_dim(&self) -> usize {
        self.in_dim
    }

    /// Hidden layers.
    pub(super) fn hidden(&self) -> usize {
        self.widths.len()
    }
}
