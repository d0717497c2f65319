//! Forward and backward passes of one tile of particles: the matrix products of the batched
//! engine, with the activations of every hidden layer kept for the backward pass.

use super::gemm::{GemmScalar, Layout, matmul};
use super::network::Network;

/// Per-thread buffers for a tile of up to `rows` particles: σ(z) and σ′(z) of every hidden
/// layer, and two work matrices for the backward pass.
pub(crate) struct Tape<S> {
    rows: usize,
    acts: Vec<S>,
    derivs: Vec<S>,
    delta: Vec<S>,
    back: Vec<S>,
}

impl<S: GemmScalar> Tape<S> {
    /// Buffers for tiles of up to `rows` particles of `net`.
    pub(crate) fn new(net: &Network<S>, rows: usize) -> Self {
        let arch = net.architecture();
        let total: usize = arch.widths().sum();
        let widest = arch
            .widths()
            .fold(arch.out_dim().max(arch.in_dim()), usize::max);
        Self {
            rows,
            acts: vec![S::ZERO; rows * total],
            derivs: vec![S::ZERO; rows * total],
            delta: vec![S::ZERO; rows * widest],
            back: vec![S::ZERO; rows * widest],
        }
    }
}

/// `out (b × out_dim) ← net(x)` for the b = `x.len() / in_dim` particles of `x`, keeping
/// the hidden activations and their derivatives in `tape`.
pub(crate) fn forward<S: GemmScalar>(net: &Network<S>, x: &[S], out: &mut [S], tape: &mut Tape<S>) {
    let arch = net.architecture();
    let b = x.len() / arch.in_dim();
    assert!(b <= tape.rows);
    let hidden = arch.n_hidden();
    let mut offset = 0;
    for k in 0..=hidden {
        let (weight, bias, i, o) = net.layer(k);
        let (done, rest) = tape.acts.split_at_mut(offset);
        let input = if k == 0 { x } else { &done[offset - b * i..] };
        let target = if k == hidden {
            &mut out[..b * o]
        } else {
            &mut rest[..b * o]
        };
        for row in target.chunks_exact_mut(o) {
            row.copy_from_slice(bias);
        }
        matmul(
            b,
            i,
            o,
            input,
            Layout::AsIs,
            weight,
            Layout::AsIs,
            target,
            true,
        );
        if k < hidden {
            let deriv = &mut tape.derivs[offset..offset + b * o];
            arch.activation.apply_with_deriv(target, deriv);
            offset += b * o;
        }
    }
}

/// The backward pass after [`forward`] on the same `x`: with cotangent `cot` (b × out_dim;
/// `None` for all ones) on the outputs, adds the parameter gradient of Σᵢ ⟨cotᵢ, y(xᵢ)⟩
/// into `grad_params` (if given) and writes its input gradient into `grad_x` (b × in_dim,
/// if given).
pub(crate) fn backward<S: GemmScalar>(
    net: &Network<S>,
    x: &[S],
    cot: Option<&[S]>,
    tape: &mut Tape<S>,
    mut grad_params: Option<&mut [S]>,
    grad_x: Option<&mut [S]>,
) {
    let arch = net.architecture();
    let b = x.len() / arch.in_dim();
    let hidden = arch.n_hidden();
    let Tape {
        acts,
        derivs,
        delta,
        back,
        ..
    } = tape;
    let mut end: usize = b * arch.widths().sum::<usize>();
    let seed = &mut delta[..b * arch.out_dim()];
    match cot {
        Some(cot) => seed.copy_from_slice(cot),
        None => seed.fill(S::ONE),
    }
    let mut grad_x = grad_x;
    for k in (0..=hidden).rev() {
        let (weight, _, i, o) = net.layer(k);
        let input_start = end.saturating_sub(b * i);
        let input = if k == 0 { x } else { &acts[input_start..end] };
        if let Some(g) = grad_params.as_deref_mut() {
            let offset = super::network::layer_offset(arch, k);
            let (gw, gb) = g[offset..offset + (i + 1) * o].split_at_mut(i * o);
            // dW += inputᵀ · δ, db += Σ_rows δ.
            matmul(
                i,
                b,
                o,
                input,
                Layout::Transposed,
                &delta[..b * o],
                Layout::AsIs,
                gw,
                true,
            );
            for row in delta[..b * o].chunks_exact(o) {
                for (g, &d) in gb.iter_mut().zip(row) {
                    *g += d;
                }
            }
        }
        if k == 0 {
            if let Some(gx) = grad_x.take() {
                matmul(
                    b,
                    o,
                    i,
                    &delta[..b * o],
                    Layout::AsIs,
                    weight,
                    Layout::Transposed,
                    gx,
                    false,
                );
            }
            break;
        }
        // δ_{k−1} = (δ_k · Wᵀ) ⊙ σ′(z_{k−1}).
        matmul(
            b,
            o,
            i,
            &delta[..b * o],
            Layout::AsIs,
            weight,
            Layout::Transposed,
            back,
            false,
        );
        let deriv = &derivs[input_start..end];
        for ((d, &g), &s) in delta[..b * i].iter_mut().zip(&back[..b * i]).zip(deriv) {
            *d = g * s;
        }
        end = input_start;
    }
}
