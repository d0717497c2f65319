//! Evaluating a model file's network in place, from its bytes.

use super::crc32;
use super::format::{Architecture, ModelError, ModelKind, read_u32};
use crate::Scalar;
use crate::error::{Error, check_len};
use crate::nn::dot_with;

/// A validated, borrowed model: the architecture plus the weight bytes, read in place
/// (zero-copy, any alignment, any host endianness).
#[derive(Clone, Copy, Debug)]
pub struct ModelView<'a> {
    arch: Architecture,
    params: &'a [u8],
}

/// One weight, stored as little-endian `f32`.
#[inline(always)]
fn load<S: Scalar>(w: [u8; 4]) -> S {
    S::from_f32(f32::from_le_bytes(w))
}

impl<'a> ModelView<'a> {
    /// Checks `bytes` (magic, version, architecture, exact length, CRC-32) and borrows them.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
        let view = Self::parse_structure(bytes)?;
        let body = bytes.len() - 4;
        let stored = read_u32(bytes, body);
        let computed = crc32(&bytes[..body]);
        if stored != computed {
            return Err(ModelError::ChecksumMismatch { stored, computed }.into());
        }
        Ok(view)
    }

    /// As [`ModelView::parse`] without the checksum: enough for memory safety, used where
    /// bytes that were fully checked once are looked at again (the C API re-reads the
    /// header on every call, so a caller who corrupts a handle gets an error, not UB).
    pub fn parse_structure(bytes: &'a [u8]) -> Result<Self, Error> {
        let arch = Architecture::read_header(bytes)?;
        let header = arch.header_len();
        let expected = header + 4 * arch.n_params() + 4;
        if bytes.len() < expected {
            return Err(ModelError::Truncated {
                needed: expected,
                found: bytes.len(),
            }
            .into());
        }
        if bytes.len() > expected {
            return Err(ModelError::TrailingBytes {
                expected,
                found: bytes.len(),
            }
            .into());
        }
        Ok(Self {
            arch,
            params: &bytes[header..expected - 4],
        })
    }

    /// The network's architecture.
    pub fn architecture(&self) -> &Architecture {
        &self.arch
    }

    /// Fails with [`ModelError::WrongKind`] unless the model is of kind `kind`.
    pub fn expect_kind(&self, kind: ModelKind) -> Result<(), Error> {
        if self.arch.kind == kind {
            Ok(())
        } else {
            Err(ModelError::WrongKind {
                expected: kind,
                found: self.arch.kind,
            }
            .into())
        }
    }

    /// Fails with [`ModelError::WrongKind`] (expecting [`ModelKind::Energy`]) unless the
    /// model is an energy: [`ModelKind::Energy`] or [`ModelKind::LatentEnergy`] (see
    /// [`ModelKind::is_energy`]).
    pub fn expect_energy(&self) -> Result<(), Error> {
        if self.arch.kind.is_energy() {
            Ok(())
        } else {
            self.expect_kind(ModelKind::Energy)
        }
    }

    /// Scalars of scratch every evaluation needs (see [`Architecture::scratch_len`]).
    pub fn scratch_len(&self) -> usize {
        self.arch.scratch_len()
    }

    /// The weight `f32` at flat index `i`, for exporters (`i < n_params`).
    pub fn param(&self, i: usize) -> Option<f32> {
        let b = self.params.get(4 * i..4 * i + 4)?;
        Some(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// The weight bytes of layer k (matrix then bias) and its (in, out) sizes.
    #[inline(always)]
    fn layer(&self, k: usize) -> (&'a [[u8; 4]], &'a [[u8; 4]], usize, usize) {
        let mut offset = 0;
        for j in 0..k {
            let (i, o) = self.arch.layer_dims(j);
            offset += (i + 1) * o;
        }
        let (i, o) = self.arch.layer_dims(k);
        let (words, _) = self.params.as_chunks::<4>();
        let (weight, rest) = words[offset..].split_at(i * o);
        (weight, &rest[..o], i, o)
    }

    /// `out = x·W + b` for layer k, in the same order as [`crate::Dense::forward`].
    fn affine<S: Scalar>(&self, k: usize, x: &[S], out: &mut [S]) {
        let (weight, bias, i, o) = self.layer(k);
        for (a, &b) in out.iter_mut().zip(bias) {
            *a = load(b);
        }
        for (&xi, row) in x[..i].iter().zip(weight.chunks_exact(o)) {
            for (a, &w) in out[..o].iter_mut().zip(row) {
                *a += xi * load::<S>(w);
            }
        }
    }

    /// `grad_in = W·delta` for layer k, in the same order as
    /// [`crate::Dense::backward_input`].
    #[inline(always)]
    fn affine_backward<S: Scalar>(&self, k: usize, delta: &[S], grad_in: &mut [S]) {
        let (weight, _, i, o) = self.layer(k);
        for (g, row) in grad_in[..i].iter_mut().zip(weight.chunks_exact(o)) {
            *g = dot_with(row, &delta[..o], load::<S>);
        }
    }

    fn check_scratch<S>(&self, scratch: &[S]) -> Result<(), Error> {
        let needed = self.scratch_len();
        if scratch.len() < needed {
            return Err(Error::ScratchTooSmall {
                needed,
                found: scratch.len(),
            });
        }
        Ok(())
    }

    /// The network output y(input) for a raw input of size `in_dim` (x, then z, then t).
    pub fn forward<S: Scalar>(
        &self,
        input: &[S],
        out: &mut [S],
        scratch: &mut [S],
    ) -> Result<(), Error> {
        check_len("model input", self.arch.in_dim(), input.len())?;
        self.check_scratch(scratch)?;
        self.forward_unchecked(input, out, scratch)
    }

    /// For a scalar-output model (energy, time predictor, latent energy): returns y(input)
    /// and writes ∇y into `grad` (size `in_dim`). Same bits as [`crate::Mlp::vjp`] with
    /// cotangent `[1]`.
    pub fn value_grad<S: Scalar>(
        &self,
        input: &[S],
        grad: &mut [S],
        scratch: &mut [S],
    ) -> Result<S, Error> {
        let arch = &self.arch;
        if arch.out_dim() != 1 {
            return Err(ModelError::BadArchitecture {
                what: "gradients need a scalar-output model",
            }
            .into());
        }
        check_len("model input", arch.in_dim(), input.len())?;
        check_len("model gradient", arch.in_dim(), grad.len())?;
        self.check_scratch(scratch)?;
        let hidden = arch.n_layers() - 1;
        let total: usize = arch.widths().sum();
        let (tape, work) = scratch.split_at_mut(2 * total);
        let widest = arch.widths().fold(1, usize::max);
        let (delta, back) = work.split_at_mut(widest);
        // Forward, keeping σ(z) and σ′(z) of every hidden layer: layer k's activations at
        // tape[2·off_k..], its derivatives right after them.
        let mut off = 0;
        for k in 0..hidden {
            let (_, n) = arch.layer_dims(k);
            let (prev, cur) = tape.split_at_mut(2 * off);
            let (h, deriv) = cur[..2 * n].split_at_mut(n);
            if k == 0 {
                self.affine(0, input, h);
            } else {
                let (_, m) = arch.layer_dims(k - 1);
                let start = 2 * off - 2 * m;
                self.affine(k, &prev[start..start + m], h);
            }
            arch.activation.apply_with_deriv(h, deriv);
            off += n;
        }
        let (_, last_n) = arch.layer_dims(hidden - 1);
        let last = &tape[2 * off - 2 * last_n..2 * off - last_n];
        let mut y = [S::ZERO];
        self.affine(hidden, last, &mut y);
        // Backward.
        self.affine_backward(hidden, &[S::ONE], delta);
        for k in (0..hidden).rev() {
            let (i, n) = arch.layer_dims(k);
            off -= n;
            let deriv = &tape[2 * off + n..2 * off + 2 * n];
            for (d, s) in delta[..n].iter_mut().zip(deriv) {
                *d *= *s;
            }
            // One call site in the loop: affine_backward is inlined (a frame less on
            // firmware stacks, little code).
            let target: &mut [S] = if k == 0 { &mut *grad } else { &mut *back };
            self.affine_backward(k, &delta[..n], target);
            if k > 0 {
                delta[..i].copy_from_slice(&back[..i]);
            }
        }
        Ok(y[0])
    }

    /// E(x) and ∇E(x) of an energy model (for a latent energy, x is the joint row
    /// `(x, z)` of size `x_dim + z_dim`).
    pub fn energy_grad<S: Scalar>(
        &self,
        x: &[S],
        grad: &mut [S],
        scratch: &mut [S],
    ) -> Result<S, Error> {
        self.expect_energy()?;
        self.value_grad(x, grad, scratch)
    }

    /// v(x, t) of a velocity model (t is ignored without time input). The scratch must
    /// hold [`ModelView::scratch_len`] scalars.
    pub fn velocity<S: Scalar>(
        &self,
        x: &[S],
        t: S,
        v: &mut [S],
        scratch: &mut [S],
    ) -> Result<(), Error> {
        self.expect_kind(ModelKind::Velocity)?;
        self.check_scratch(scratch)?;
        check_len("velocity input", self.arch.x_dim(), x.len())?;
        let in_dim = self.arch.in_dim();
        let (input, rest) = scratch.split_at_mut(in_dim);
        input[..x.len()].copy_from_slice(x);
        if in_dim > x.len() {
            input[x.len()] = t;
        }
        // The forward pass needs 2·widest ≤ scratch_len − in_dim scalars of `rest`.
        self.forward_unchecked(input, v, rest)
    }

    /// t(x) of a time predictor (the raw network output).
    pub fn predict_time<S: Scalar>(&self, x: &[S], scratch: &mut [S]) -> Result<S, Error> {
        self.expect_kind(ModelKind::TimePredictor)?;
        let mut t = [S::ZERO];
        self.forward(x, &mut t, scratch)?;
        Ok(t[0])
    }

    /// The forward pass on an input of checked length; checks the output length and
    /// uses 2·widest scalars of scratch.
    fn forward_unchecked<S: Scalar>(
        &self,
        input: &[S],
        out: &mut [S],
        scratch: &mut [S],
    ) -> Result<(), Error> {
        check_len("model output", self.arch.out_dim(), out.len())?;
        let widest = self.arch.widths().fold(self.arch.out_dim(), usize::max);
        if scratch.len() < 2 * widest {
            return Err(Error::ScratchTooSmall {
                needed: 2 * widest,
                found: scratch.len(),
            });
        }
        let (mut a, rest) = scratch.split_at_mut(widest);
        let mut b = &mut rest[..widest];
        let act = self.arch.activation;
        self.affine(0, input, a);
        for k in 1..self.arch.n_layers() {
            let (_, n) = self.arch.layer_dims(k - 1);
            act.apply(&mut a[..n]);
            self.affine(k, &a[..n], b);
            core::mem::swap(&mut a, &mut b);
        }
        out.copy_from_slice(&a[..self.arch.out_dim()]);
        Ok(())
    }
}
