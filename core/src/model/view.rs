//! Evaluating a model file's network in place, from its bytes: a front-end of the one
//! evaluator ([`Network`]) over the weights' little-endian `f32` bytes.

use super::crc32;
use super::format::{Architecture, ModelError, ModelKind, has_units, read_u32};
use crate::error::{Error, check_len};
use crate::nn::{Layers, Network};
use crate::{Activation, Scalar};

/// A validated, borrowed model: the architecture plus the weight bytes, read in place
/// (zero-copy, any alignment, any host endianness).
#[derive(Clone, Copy, Debug)]
pub struct ModelView<'a> {
    // The evaluator itself, built once: evaluations borrow it in place (no copy on the
    // firmware stack).
    net: Network<'a, Architecture, [[u8; 4]]>,
}

/// The data units a version-2 model file records ([`ModelView::units`]): per coordinate of
/// x, the mean and the scale of the standardisation `u = (x − mean)/scale` the network
/// was trained in (already folded into its weights). Read in place. Every mean is finite,
/// every scale finite and positive.
#[derive(Clone, Copy, Debug)]
pub struct Units<'a> {
    /// x_dim mean words, then x_dim scale words.
    words: &'a [[u8; 4]],
}

impl Units<'_> {
    /// The dimension (the model's `x_dim`).
    pub fn dim(&self) -> usize {
        self.words.len() / 2
    }

    /// The mean of coordinate `i` (`None` past the dimension).
    pub fn mean(&self, i: usize) -> Option<f32> {
        (i < self.dim()).then(|| f32::from_le_bytes(self.words[i]))
    }

    /// The scale of coordinate `i` (`None` past the dimension).
    pub fn scale(&self, i: usize) -> Option<f32> {
        (i < self.dim()).then(|| f32::from_le_bytes(self.words[self.dim() + i]))
    }
}

/// A model file's layers: its hidden widths between the input and the output.
impl Layers for Architecture {
    #[inline]
    fn n_layers(&self) -> usize {
        Architecture::n_layers(self)
    }

    #[inline]
    fn layer_dims(&self, k: usize) -> (usize, usize) {
        Architecture::layer_dims(self, k)
    }

    #[inline]
    fn activation(&self) -> Activation {
        self.activation
    }

    #[inline]
    fn hidden_units(&self) -> usize {
        self.widths().sum()
    }

    #[inline]
    fn widest_hidden(&self) -> usize {
        self.widths().fold(1, usize::max)
    }
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
        let has_units = has_units(bytes);
        let header = arch.header_len();
        let units_len = 8 * arch.x_dim() * usize::from(has_units);
        let expected = header + 4 * arch.n_params() + units_len + 4;
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
        let (words, _) = bytes[header..expected - 4 - units_len].as_chunks::<4>();
        Ok(Self {
            net: Network::new(arch, words),
        })
    }

    /// The data units the model file `bytes` records (format version 2), or `None`
    /// (version 1, or written without them). The bytes are checked as
    /// [`Self::parse_structure`] does, and the values: every mean finite, every scale
    /// finite and positive. (A function of the bytes rather than of the view, so that the
    /// view, which the firmware copies around, stays as small as version 1's.)
    pub fn units(bytes: &[u8]) -> Result<Option<Units<'_>>, Error> {
        let view = ModelView::parse_structure(bytes)?;
        let arch = view.architecture();
        let start = arch.header_len() + 4 * arch.n_params();
        let (words, _) = bytes[start..bytes.len() - 4].as_chunks::<4>();
        if words.is_empty() {
            return Ok(None);
        }
        let units = Units { words };
        let valid = (0..units.dim()).all(|i| {
            let (m, s) = (units.mean(i), units.scale(i));
            m.is_some_and(f32::is_finite) && s.is_some_and(|s| s.is_finite() && s > 0.0)
        });
        if !valid {
            return Err(ModelError::BadArchitecture {
                what: "units: every mean must be finite, every scale finite and positive",
            }
            .into());
        }
        Ok(Some(units))
    }

    /// The network's architecture.
    pub fn architecture(&self) -> &Architecture {
        self.net.layers()
    }

    /// Fails with [`ModelError::WrongKind`] unless the model is of kind `kind`.
    pub fn expect_kind(&self, kind: ModelKind) -> Result<(), Error> {
        if self.architecture().kind == kind {
            Ok(())
        } else {
            Err(ModelError::WrongKind {
                expected: kind,
                found: self.architecture().kind,
            }
            .into())
        }
    }

    /// Fails with [`ModelError::WrongKind`] (expecting [`ModelKind::Energy`]) unless the
    /// model is an energy: [`ModelKind::Energy`] or [`ModelKind::LatentEnergy`] (see
    /// [`ModelKind::is_energy`]).
    pub fn expect_energy(&self) -> Result<(), Error> {
        if self.architecture().kind.is_energy() {
            Ok(())
        } else {
            self.expect_kind(ModelKind::Energy)
        }
    }

    /// Scalars of scratch every evaluation needs (see [`Architecture::scratch_len`]).
    pub fn scratch_len(&self) -> usize {
        self.architecture().scratch_len()
    }

    /// The weight `f32` at flat index `i`, for exporters (`i < n_params`).
    pub fn param(&self, i: usize) -> Option<f32> {
        self.net.params().get(i).copied().map(f32::from_le_bytes)
    }

    /// The network, its weights read in place as little-endian `f32`.
    #[inline(always)]
    pub fn network(&self) -> &Network<'a, Architecture, [[u8; 4]]> {
        &self.net
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
        check_len("model input", self.architecture().in_dim(), input.len())?;
        self.check_scratch(scratch)?;
        self.network().forward_unchecked(input, out, scratch)
    }

    /// For a scalar-output model (energy, time predictor, latent energy): returns y(input)
    /// and writes ∇y into `grad` (size `in_dim`). Same bits as [`crate::Mlp::vjp`] with
    /// cotangent `[1]`.
    // Inlined into its one firmware caller (`ModelEval`'s energy): 27 B less `.text` there.
    #[inline(always)]
    pub fn value_grad<S: Scalar>(
        &self,
        input: &[S],
        grad: &mut [S],
        scratch: &mut [S],
    ) -> Result<S, Error> {
        let arch = self.architecture();
        if arch.out_dim() != 1 {
            return Err(ModelError::BadArchitecture {
                what: "gradients need a scalar-output model",
            }
            .into());
        }
        check_len("model input", arch.in_dim(), input.len())?;
        check_len("model gradient", arch.in_dim(), grad.len())?;
        self.check_scratch(scratch)?;
        let mut y = [S::ZERO];
        self.network()
            .vjp_unchecked(input, &[S::ONE], &mut y, grad, None, scratch);
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
        check_len("velocity input", self.architecture().x_dim(), x.len())?;
        let in_dim = self.architecture().in_dim();
        let (input, rest) = scratch.split_at_mut(in_dim);
        input[..x.len()].copy_from_slice(x);
        if in_dim > x.len() {
            input[x.len()] = t;
        }
        // The forward pass needs 2·widest ≤ scratch_len − in_dim scalars of `rest`.
        self.network().forward_unchecked(input, v, rest)
    }

    /// t(x) of a time predictor (the raw network output).
    pub fn predict_time<S: Scalar>(&self, x: &[S], scratch: &mut [S]) -> Result<S, Error> {
        self.expect_kind(ModelKind::TimePredictor)?;
        let mut t = [S::ZERO];
        self.forward(x, &mut t, scratch)?;
        Ok(t[0])
    }
}
