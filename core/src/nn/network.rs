//! The one per-particle MLP evaluator: forward pass, input gradient and parameter VJP,
//! written once over an explicit architecture ([`Layers`]) and a parameter storage
//! ([`ParamStore`]). [`super::Mlp`] (const-generic sizes, scalars in memory) and
//! [`crate::model::ModelView`] (any architecture, model-file bytes) are front-ends of it.

use super::kernels::{accumulate_param_grad, affine, affine_backward};
use super::{Layers, ParamStore};
use crate::Scalar;
use crate::error::{Error, check_len};

/// One MLP: its architecture (owned or borrowed: `&L` is [`Layers`] too) and its
/// parameters in the flat layout of [`super::MlpParams`], wherever they are stored. All
/// buffers belong to the caller.
#[derive(Debug)]
pub struct Network<'a, L, P: ?Sized> {
    layers: L,
    params: &'a P,
}

// Manual impls: the derives would require `P: Clone`, which slices are not.
impl<L: Clone, P: ?Sized> Clone for Network<'_, L, P> {
    fn clone(&self) -> Self {
        Self {
            layers: self.layers.clone(),
            params: self.params,
        }
    }
}

impl<L: Copy, P: ?Sized> Copy for Network<'_, L, P> {}

impl<'a, L: Layers, P: ?Sized> Network<'a, L, P> {
    /// The network with architecture `layers` and parameters `params` (checked by
    /// [`Network::forward`] and [`Network::vjp`]: exactly [`Network::n_params`] words).
    #[inline]
    pub fn new(layers: L, params: &'a P) -> Self {
        Self { layers, params }
    }

    /// The architecture.
    #[inline]
    pub fn layers(&self) -> &L {
        &self.layers
    }

    /// The parameters.
    #[inline]
    pub fn params(&self) -> &'a P {
        self.params
    }

    /// Size of the input.
    #[inline]
    pub fn in_dim(&self) -> usize {
        self.layers.layer_dims(0).0
    }

    /// Size of the output.
    #[inline]
    pub fn out_dim(&self) -> usize {
        self.layers.layer_dims(self.layers.n_layers() - 1).1
    }

    /// Number of parameters, `Σ (n_k + 1)·n_{k+1}` over the layers.
    pub fn n_params(&self) -> usize {
        (0..self.layers.n_layers())
            .map(|k| {
                let (i, o) = self.layers.layer_dims(k);
                (i + 1) * o
            })
            .sum()
    }

    #[inline]
    fn widest(&self) -> usize {
        self.layers.widest_hidden()
    }

    #[inline]
    fn hidden_units(&self) -> usize {
        self.layers.hidden_units()
    }

    /// Scalars of scratch that [`Network::forward`] needs: two of the widest hidden layer.
    #[inline]
    pub fn forward_scratch_len(&self) -> usize {
        2 * self.widest()
    }

    /// Scalars of scratch that [`Network::vjp`] needs: σ(z) and σ′(z) of every hidden unit,
    /// then two of the widest hidden layer.
    #[inline]
    pub fn vjp_scratch_len(&self) -> usize {
        2 * self.hidden_units() + 2 * self.widest()
    }
}

impl<'a, L: Layers, P: ?Sized> Network<'a, L, P> {
    /// Where layer k's parameters start in the flat layout.
    #[inline(always)]
    fn layer_offset(&self, k: usize) -> usize {
        let mut offset = 0;
        for j in 0..k {
            let (i, o) = self.layers.layer_dims(j);
            offset += (i + 1) * o;
        }
        offset
    }

    /// The weights (row-major, `i × o`), the biases and the (in, out) sizes of layer k.
    #[inline(always)]
    fn layer<S: Scalar>(&self, k: usize) -> (&'a [P::Word], &'a [P::Word], usize, usize)
    where
        P: ParamStore<S>,
    {
        let offset = self.layer_offset(k);
        let (i, o) = self.layers.layer_dims(k);
        let (weight, rest) = self.params.words()[offset..].split_at(i * o);
        (weight, &rest[..o], i, o)
    }

    fn check_params<S: Scalar>(&self) -> Result<(), Error>
    where
        P: ParamStore<S>,
    {
        check_len(
            "model parameters",
            self.n_params(),
            self.params.words().len(),
        )
    }

    /// `out = x·W + b` for layer k (`x`, `out` of exactly its sizes). Never inlined: one
    /// copy serves every caller, which keeps the firmware build within its code budget
    /// (a call per layer costs nothing next to the layer's dot products).
    #[inline(never)]
    fn affine<S: Scalar>(&self, k: usize, x: &[S], out: &mut [S])
    where
        P: ParamStore<S>,
    {
        let (weight, bias, _, _) = self.layer::<S>(k);
        affine::<S, P>(weight, bias, x, out);
    }

    /// `grad_in = W·delta` for layer k (`delta`, `grad_in` of exactly its sizes).
    #[inline(always)]
    fn affine_backward<S: Scalar>(&self, k: usize, delta: &[S], grad_in: &mut [S])
    where
        P: ParamStore<S>,
    {
        let (weight, _, _, _) = self.layer::<S>(k);
        affine_backward::<S, P>(weight, delta, grad_in);
    }

    /// Adds layer k's parameter cotangent (input `x`, output cotangent `delta`) into its
    /// block of the flat gradient `grad`.
    #[inline(always)]
    fn accumulate_param_grad<S: Scalar>(&self, k: usize, x: &[S], delta: &[S], grad: &mut [S]) {
        let offset = self.layer_offset(k);
        let (i, o) = self.layers.layer_dims(k);
        accumulate_param_grad(x, delta, &mut grad[offset..offset + (i + 1) * o]);
    }

    /// The output y(input) into `out`, with [`Network::forward_scratch_len`] scalars of
    /// scratch. Checks every length.
    pub fn forward<S: Scalar>(
        &self,
        input: &[S],
        out: &mut [S],
        scratch: &mut [S],
    ) -> Result<(), Error>
    where
        P: ParamStore<S>,
    {
        self.check_params::<S>()?;
        check_len("model input", self.in_dim(), input.len())?;
        self.forward_unchecked(input, out, scratch)
    }

    /// [`Network::forward`] for an input of checked length: checks the output and the
    /// scratch. The hidden activations ping-pong between two halves of the scratch; the
    /// last layer writes `out` directly.
    #[inline]
    pub(crate) fn forward_unchecked<S: Scalar>(
        &self,
        input: &[S],
        out: &mut [S],
        scratch: &mut [S],
    ) -> Result<(), Error>
    where
        P: ParamStore<S>,
    {
        check_len("model output", self.out_dim(), out.len())?;
        let widest = self.widest();
        if scratch.len() < 2 * widest {
            return Err(Error::ScratchTooSmall {
                needed: 2 * widest,
                found: scratch.len(),
            });
        }
        let (mut a, rest) = scratch.split_at_mut(widest);
        let mut b = &mut rest[..widest];
        let act = self.layers.activation();
        let last = self.layers.n_layers() - 1;
        let (_, n) = self.layers.layer_dims(0);
        self.affine(0, input, &mut a[..n]);
        // The hidden-to-hidden layers, then the output layer on its own: with sizes known
        // at compile time (an `Mlp`), each call then has constant sizes.
        for k in 1..last {
            let (i, o) = self.layers.layer_dims(k);
            act.apply(&mut a[..i]);
            self.affine(k, &a[..i], &mut b[..o]);
            core::mem::swap(&mut a, &mut b);
        }
        let (i, _) = self.layers.layer_dims(last);
        act.apply(&mut a[..i]);
        self.affine(last, &a[..i], out);
        Ok(())
    }

    /// Vector–Jacobian product with [`Network::vjp_scratch_len`] scalars of scratch:
    /// writes y(input) into `out` and `grad_input = (∂y/∂x)ᵀ·cotangent`, and when
    /// `grad_params` is given (a flat gradient of [`Network::n_params`] scalars) *adds*
    /// `(∂y/∂θ)ᵀ·cotangent` into it. Checks every length.
    pub fn vjp<S: Scalar>(
        &self,
        input: &[S],
        cotangent: &[S],
        out: &mut [S],
        grad_input: &mut [S],
        grad_params: Option<&mut [S]>,
        scratch: &mut [S],
    ) -> Result<(), Error>
    where
        P: ParamStore<S>,
    {
        self.check_params::<S>()?;
        check_len("model input", self.in_dim(), input.len())?;
        check_len("model gradient", self.in_dim(), grad_input.len())?;
        check_len("model cotangent", self.out_dim(), cotangent.len())?;
        check_len("model output", self.out_dim(), out.len())?;
        if let Some(g) = grad_params.as_deref() {
            check_len("parameter gradient", self.n_params(), g.len())?;
        }
        let needed = self.vjp_scratch_len();
        if scratch.len() < needed {
            return Err(Error::ScratchTooSmall {
                needed,
                found: scratch.len(),
            });
        }
        self.vjp_unchecked(input, cotangent, out, grad_input, grad_params, scratch);
        Ok(())
    }

    /// [`Network::vjp`] on buffers of checked lengths (it panics otherwise). Always inlined:
    /// each front-end instantiates it once, and a constant `grad_params = None` removes
    /// the parameter-gradient code.
    #[inline(always)]
    pub(crate) fn vjp_unchecked<S: Scalar>(
        &self,
        input: &[S],
        cotangent: &[S],
        out: &mut [S],
        grad_input: &mut [S],
        mut grad_params: Option<&mut [S]>,
        scratch: &mut [S],
    ) where
        P: ParamStore<S>,
    {
        let layers = &self.layers;
        let last = layers.n_layers() - 1;
        let (tape, work) = scratch.split_at_mut(2 * self.hidden_units());
        let widest = self.widest();
        let (delta, back) = work.split_at_mut(widest);
        // Forward, keeping σ(z) and σ′(z) of every hidden layer: layer k's activations at
        // tape[2·off_k..], its derivatives right after them.
        let act = layers.activation();
        let mut off = 0;
        for k in 0..last {
            let (m, n) = layers.layer_dims(k);
            let (prev, cur) = tape.split_at_mut(2 * off);
            let (h, deriv) = cur[..2 * n].split_at_mut(n);
            if k == 0 {
                self.affine(0, input, h);
            } else {
                let start = 2 * off - 2 * m;
                self.affine(k, &prev[start..start + m], h);
            }
            act.apply_with_deriv(h, deriv);
            off += n;
        }
        let (last_n, out_n) = layers.layer_dims(last);
        let hidden_out = &tape[2 * off - 2 * last_n..2 * off - last_n];
        self.affine(last, hidden_out, out);
        // Backward: delta is the cotangent of the current hidden layer's pre-activation.
        if let Some(g) = grad_params.as_deref_mut() {
            self.accumulate_param_grad(last, hidden_out, cotangent, g);
        }
        self.affine_backward(last, &cotangent[..out_n], &mut delta[..last_n]);
        for k in (0..last).rev() {
            let (i, n) = layers.layer_dims(k);
            off -= n;
            let deriv = &tape[2 * off + n..2 * off + 2 * n];
            for (d, s) in delta[..n].iter_mut().zip(deriv) {
                *d *= *s;
            }
            if let Some(g) = grad_params.as_deref_mut() {
                let x = if k == 0 {
                    input
                } else {
                    &tape[2 * off - 2 * i..2 * off - i]
                };
                self.accumulate_param_grad(k, x, &delta[..n], g);
            }
            // One call site in the loop: affine_backward is inlined (a frame less on
            // firmware stacks, little code).
            let target: &mut [S] = if k == 0 {
                &mut *grad_input
            } else {
                &mut back[..i]
            };
            self.affine_backward(k, &delta[..n], target);
            if k > 0 {
                delta[..i].copy_from_slice(&back[..i]);
            }
        }
    }
}
