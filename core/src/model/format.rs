//! The model file format, versions 1 and 2.
//!
//! All integers are little-endian `u32`, all weights little-endian IEEE-754 `f32`. A file is
//! exactly `header_len + 4·n_params + 8·x_dim·units + 4` bytes (`units` is 1 when the file
//! records its data units, version 2, else 0):
//!
//! | offset | field | value |
//! |---|---|---|
//! | 0 | magic | the 8 bytes `89 47 46 4D 0D 0A 1A 0A` (`\x89GFM\r\n\x1a\n`, PNG-style: catches text-mode and 7-bit transfers) |
//! | 8 | version | 1, or 2 for a file with a units block |
//! | 12 | header_len | 64 + 4·n_hidden rounded up to a multiple of 16 |
//! | 16 | kind | [`ModelKind`]: 1 energy, 2 velocity field, 3 time predictor, 4 latent-variable energy |
//! | 20 | activation | [`crate::Activation`]: 0 SiLU, 1 tanh, 2 softplus, 3 ReLU, 4 SELU, 5 GELU (tanh form) |
//! | 24 | time_input | [`TimeInput`]: 0 none, 1 the time t is appended as the last input |
//! | 28 | x_dim | data dimension d ≥ 1 |
//! | 32 | z_dim | latent dimension (latent-variable energies only, else 0) |
//! | 36 | out_dim | output dimension |
//! | 40 | n_hidden | number of hidden layers, 1 ≤ n_hidden ≤ [`MAX_HIDDEN_LAYERS`] |
//! | 44 | n_params | number of `f32` weights that follow the header |
//! | 48 | flags | version 1: 0; version 2: [`FLAG_UNITS`] (a units block follows the weights) |
//! | 52 | reserved | three words, 0 |
//! | 64 | widths | n_hidden words, each in 1..=[`MAX_WIDTH`], then zero padding to header_len |
//! | header_len | params | n_params `f32`, layer by layer |
//! | header_len + 4·n_params | units (version 2) | x_dim `f32` means, then x_dim `f32` scales |
//! | end − 4 | crc32 | [`super::crc32`] of every byte before it |
//!
//! The network's input is `[x, z, t]` (z only for latent-variable energies, t only with
//! time input), of size `in_dim = x_dim + z_dim + (time_input ? 1 : 0)`. Layer k maps
//! `n_k → n_{k+1}` with `n_0 = in_dim`, `n_k = widths[k-1]`, `n_{L+1} = out_dim`; its
//! parameters are the `n_k × n_{k+1}` weight matrix, row-major in the row-vector convention
//! `y = x·W + b` (PyTorch's `Linear.weight` transposed), then the `n_{k+1}` biases. The
//! activation follows every layer but the last. This is exactly the flat layout of
//! [`crate::MlpParams`], so `n_params` must equal `Σ (n_k + 1)·n_{k+1}`.
//!
//! Per kind: an energy has `out_dim = 1`, no latent, no time; a velocity field has
//! `out_dim = x_dim` and no latent (time input optional); a time predictor has
//! `out_dim = 1`, no latent, no time; a latent-variable energy E(x, z) has `z_dim ≥ 1`,
//! `out_dim = 1`, no time.
//!
//! # Units (version 2)
//! A network trained on standardised data `u = (x − mean) / scale` is stored with that map
//! folded into its weights: it takes and returns the data's own units either way. The
//! units block records the map (every mean finite, every scale finite and positive) so
//! that a reader knows the scale of each coordinate, e.g. to precondition a sampler
//! ([`super::ModelView::units`]). Writers write version 1 when there are no units, so
//! that files without them stay readable by version-1 readers.
//!
//! # Bounds
//! `x_dim + z_dim` and `out_dim` up to [`MAX_DIM`], widths up to [`MAX_WIDTH`], at most
//! [`MAX_HIDDEN_LAYERS`] hidden layers. Within them, no size computation overflows even
//! with a 32-bit `usize`.

use crate::Activation;
use crate::error::Error;

/// The eight magic bytes that open every model file.
pub const MAGIC: [u8; 8] = *b"\x89GFM\r\n\x1a\n";
/// The newest format version this library writes and reads (it reads version 1 too).
pub const VERSION: u32 = 2;
/// The header flag of a version-2 file whose weights are followed by a units block.
pub const FLAG_UNITS: u32 = 1;
/// Bytes of the fixed part of the header (before the widths).
pub const FIXED_HEADER_LEN: usize = 64;
/// Most hidden layers a model file may have.
pub const MAX_HIDDEN_LAYERS: usize = 16;
/// Widest hidden layer a model file may have.
pub const MAX_WIDTH: usize = 4096;
/// Largest input (`x_dim + z_dim`) or output dimension a model file may have.
pub const MAX_DIM: usize = 65536;

/// What a model file's network computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ModelKind {
    /// An energy E(x): ℝᵈ → ℝ.
    Energy = 1,
    /// A velocity field v(x, t): ℝᵈ (× ℝ) → ℝᵈ.
    Velocity = 2,
    /// A time predictor t(x): ℝᵈ → ℝ (NSGF++).
    TimePredictor = 3,
    /// A latent-variable energy E(x, z): ℝᵈ × ℝᵏ → ℝ.
    LatentEnergy = 4,
}

impl ModelKind {
    /// The kind with code `code`, if any.
    pub fn from_u32(code: u32) -> Option<Self> {
        [
            Self::Energy,
            Self::Velocity,
            Self::TimePredictor,
            Self::LatentEnergy,
        ]
        .into_iter()
        .find(|k| *k as u32 == code)
    }

    /// Whether the network is a scalar energy over all its inputs: [`ModelKind::Energy`],
    /// or [`ModelKind::LatentEnergy`] (an energy over joint rows `(x, z)` whose file also
    /// records the split after `x_dim` coordinates).
    pub fn is_energy(self) -> bool {
        matches!(self, Self::Energy | Self::LatentEnergy)
    }
}

/// Whether the network takes a time input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum TimeInput {
    /// No time input.
    None = 0,
    /// The time t is appended as the last input coordinate (as in [`crate::TimeMlp`]).
    Appended = 1,
}

/// Why model bytes were rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ModelError {
    /// Fewer bytes than the header announces.
    Truncated {
        /// Bytes needed.
        needed: usize,
        /// Bytes given.
        found: usize,
    },
    /// More bytes than the header announces.
    TrailingBytes {
        /// Bytes expected.
        expected: usize,
        /// Bytes given.
        found: usize,
    },
    /// The bytes do not start with [`MAGIC`]: not a gradflow model file.
    BadMagic,
    /// A format version this library does not read.
    UnsupportedVersion {
        /// The version found.
        found: u32,
    },
    /// The stored CRC-32 differs from the bytes' CRC-32: the file is corrupted.
    ChecksumMismatch {
        /// CRC-32 stored in the file.
        stored: u32,
        /// CRC-32 of the bytes.
        computed: u32,
    },
    /// The header describes no valid network (which field, and what it must be).
    BadArchitecture {
        /// What is wrong.
        what: &'static str,
    },
    /// The model is valid but of another kind than the operation needs.
    WrongKind {
        /// The kind the operation needs.
        expected: ModelKind,
        /// The model's kind.
        found: ModelKind,
    },
}

impl core::fmt::Display for ModelError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Truncated { needed, found } => {
                write!(f, "model truncated: {found} bytes, need {needed}")
            }
            Self::TrailingBytes { expected, found } => {
                write!(f, "model has {found} bytes, its header says {expected}")
            }
            Self::BadMagic => write!(f, "not a gradflow model file (bad magic bytes)"),
            Self::UnsupportedVersion { found } => write!(
                f,
                "model format version {found} is not supported (this library reads 1 to {VERSION})"
            ),
            Self::ChecksumMismatch { stored, computed } => write!(
                f,
                "model corrupted: CRC-32 {computed:#010x}, stored {stored:#010x}"
            ),
            Self::BadArchitecture { what } => write!(f, "invalid model architecture: {what}"),
            Self::WrongKind { expected, found } => {
                write!(f, "model is a {found:?}, this needs a {expected:?}")
            }
        }
    }
}

impl From<ModelError> for Error {
    fn from(e: ModelError) -> Self {
        Error::Model(e)
    }
}

fn bad_architecture(what: &'static str) -> Error {
    Error::Model(ModelError::BadArchitecture { what })
}

/// A hidden width in 1..=[`MAX_WIDTH`], stored as `u16`.
fn pack_width(w: usize) -> Result<u16, Error> {
    if w == 0 || w > MAX_WIDTH {
        return Err(bad_architecture("hidden widths must be in 1..=4096"));
    }
    Ok(w as u16)
}

/// The dimension and per-kind rules of an architecture (the widths are checked when
/// packed), on the unnarrowed values.
fn check_dims(
    kind: ModelKind,
    time_input: TimeInput,
    x_dim: usize,
    z_dim: usize,
    out_dim: usize,
) -> Result<(), Error> {
    if x_dim == 0 || x_dim > MAX_DIM || z_dim > MAX_DIM - x_dim {
        return Err(bad_architecture(
            "x_dim must be >= 1 and x_dim + z_dim <= 65536",
        ));
    }
    if out_dim == 0 || out_dim > MAX_DIM {
        return Err(bad_architecture("out_dim must be in 1..=65536"));
    }
    let scalar = out_dim == 1 && time_input == TimeInput::None;
    let ok = match kind {
        ModelKind::Energy | ModelKind::TimePredictor => scalar && z_dim == 0,
        ModelKind::LatentEnergy => scalar && z_dim >= 1,
        ModelKind::Velocity => out_dim == x_dim && z_dim == 0,
    };
    if ok {
        return Ok(());
    }
    Err(bad_architecture(match kind {
        ModelKind::Energy => "an energy has out_dim 1, no latent and no time input",
        ModelKind::TimePredictor => "a time predictor has out_dim 1, no latent and no time input",
        ModelKind::LatentEnergy => "a latent energy has out_dim 1, z_dim >= 1 and no time input",
        ModelKind::Velocity => "a velocity field has out_dim = x_dim and no latent",
    }))
}

/// The shape of a model file's network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Architecture {
    /// What the network computes.
    pub kind: ModelKind,
    /// The activation after every hidden layer.
    pub activation: Activation,
    /// Whether the time is an input.
    pub time_input: TimeInput,
    // u32 dims (≤ 65536), u16 widths (≤ 4096), a u8 count and u8 enums keep the struct
    // at 48 bytes: it is copied along the C API's call chains, where every byte is stack
    // on a microcontroller.
    x_dim: u32,
    z_dim: u32,
    out_dim: u32,
    widths: [u16; MAX_HIDDEN_LAYERS],
    n_hidden: u8,
}

impl Architecture {
    /// An MLP of `kind` on `in_dim` inputs (for a velocity field with time input: the data
    /// dimension, the time is added; for a latent energy see [`Architecture::latent_energy`]).
    pub fn mlp(
        kind: ModelKind,
        activation: Activation,
        x_dim: usize,
        widths: &[usize],
        out_dim: usize,
    ) -> Result<Self, Error> {
        let time_input = if kind == ModelKind::Velocity {
            TimeInput::Appended
        } else {
            TimeInput::None
        };
        Self::new(kind, activation, time_input, x_dim, 0, widths, out_dim)
    }

    /// A latent-variable energy E(x, z) with x ∈ ℝ^x_dim, z ∈ ℝ^z_dim.
    pub fn latent_energy(
        activation: Activation,
        x_dim: usize,
        z_dim: usize,
        widths: &[usize],
    ) -> Result<Self, Error> {
        Self::new(
            ModelKind::LatentEnergy,
            activation,
            TimeInput::None,
            x_dim,
            z_dim,
            widths,
            1,
        )
    }

    /// Any architecture, validated against the per-kind rules and the bounds of [`self`].
    pub fn new(
        kind: ModelKind,
        activation: Activation,
        time_input: TimeInput,
        x_dim: usize,
        z_dim: usize,
        widths: &[usize],
        out_dim: usize,
    ) -> Result<Self, Error> {
        if widths.is_empty() || widths.len() > MAX_HIDDEN_LAYERS {
            return Err(bad_architecture("between 1 and 16 hidden layers"));
        }
        let mut packed = [0u16; MAX_HIDDEN_LAYERS];
        for (dst, &src) in packed.iter_mut().zip(widths) {
            *dst = pack_width(src)?;
        }
        check_dims(kind, time_input, x_dim, z_dim, out_dim)?;
        Ok(Self {
            kind,
            activation,
            time_input,
            x_dim: x_dim as u32,
            z_dim: z_dim as u32,
            out_dim: out_dim as u32,
            widths: packed,
            n_hidden: widths.len() as u8,
        })
    }

    /// Data dimension d.
    pub fn x_dim(&self) -> usize {
        self.x_dim as usize
    }

    /// Latent dimension (latent-variable energies only, else 0).
    pub fn z_dim(&self) -> usize {
        self.z_dim as usize
    }

    /// Output dimension.
    pub fn out_dim(&self) -> usize {
        self.out_dim as usize
    }

    /// The hidden widths, first to last.
    pub fn widths(&self) -> impl ExactSizeIterator<Item = usize> + Clone + '_ {
        self.widths[..self.n_hidden as usize]
            .iter()
            .map(|&w| w as usize)
    }

    /// Number of hidden layers.
    pub fn n_hidden(&self) -> usize {
        self.n_hidden as usize
    }

    /// The network's input size: x_dim + z_dim, plus 1 with time input.
    pub fn in_dim(&self) -> usize {
        self.x_dim() + self.z_dim() + (self.time_input == TimeInput::Appended) as usize
    }

    /// Size of layer k's input and output (k = 0..=n_hidden).
    pub fn layer_dims(&self, k: usize) -> (usize, usize) {
        let n = |j: usize| match j {
            0 => self.in_dim(),
            j if j <= self.n_hidden() => self.widths[j - 1] as usize,
            _ => self.out_dim(),
        };
        (n(k), n(k + 1))
    }

    /// Number of layers (hidden layers + the output layer).
    pub fn n_layers(&self) -> usize {
        self.n_hidden() + 1
    }

    /// Number of `f32` parameters.
    pub fn n_params(&self) -> usize {
        (0..self.n_layers())
            .map(|k| {
                let (i, o) = self.layer_dims(k);
                (i + 1) * o
            })
            .sum()
    }

    /// Header bytes: 64 + 4·n_hidden, rounded up to a multiple of 16.
    pub fn header_len(&self) -> usize {
        (FIXED_HEADER_LEN + 4 * self.n_hidden()).next_multiple_of(16)
    }

    /// Scalars of scratch that [`super::ModelView`]'s evaluations need:
    /// `in_dim + 2·Σwidths + 2·max(widths, out_dim)`.
    pub fn scratch_len(&self) -> usize {
        let widest = self.widths().fold(self.out_dim(), usize::max);
        self.in_dim() + 2 * self.widths().sum::<usize>() + 2 * widest
    }

    /// Reads and validates the header at the start of `bytes` (not the weights or the
    /// checksum). Returns the architecture; the caller checks the total length (and
    /// reads whether a units block follows the weights: [`has_units`]).
    pub(crate) fn read_header(bytes: &[u8]) -> Result<Self, ModelError> {
        if bytes.len() < FIXED_HEADER_LEN {
            if bytes.len() >= MAGIC.len() && bytes[..MAGIC.len()] != MAGIC {
                return Err(ModelError::BadMagic);
            }
            return Err(ModelError::Truncated {
                needed: FIXED_HEADER_LEN,
                found: bytes.len(),
            });
        }
        if bytes[..MAGIC.len()] != MAGIC {
            return Err(ModelError::BadMagic);
        }
        let word = |i: usize| read_u32(bytes, 8 + 4 * i);
        let version = word(0);
        if version == 0 || version > VERSION {
            return Err(ModelError::UnsupportedVersion { found: version });
        }
        let bad = |what| ModelError::BadArchitecture { what };
        let kind = ModelKind::from_u32(word(2)).ok_or(bad("unknown model kind"))?;
        let activation = Activation::from_u32(word(3)).ok_or(bad("unknown activation"))?;
        let time_input = match word(4) {
            0 => TimeInput::None,
            1 => TimeInput::Appended,
            _ => return Err(bad("unknown time input mode")),
        };
        let n_hidden = word(8) as usize;
        if n_hidden == 0 || n_hidden > MAX_HIDDEN_LAYERS {
            return Err(bad("between 1 and 16 hidden layers"));
        }
        // Flags: 0 in version 1, 0 or FLAG_UNITS in version 2.
        let flags = word(10);
        if (11..14).any(|i| word(i) != 0) || flags > version - 1 {
            return Err(bad(
                "reserved header words must be 0, flags 0 or 1 (version 2)",
            ));
        }
        let header_len = word(1) as usize;
        let expected_header = (FIXED_HEADER_LEN + 4 * n_hidden).next_multiple_of(16);
        if header_len != expected_header {
            return Err(bad("header_len does not match n_hidden"));
        }
        if bytes.len() < header_len {
            return Err(ModelError::Truncated {
                needed: header_len,
                found: bytes.len(),
            });
        }
        if bytes[FIXED_HEADER_LEN + 4 * n_hidden..header_len]
            .iter()
            .any(|&b| b != 0)
        {
            return Err(bad("header padding must be 0"));
        }
        let model_error = |e| match e {
            Error::Model(m) => m,
            _ => bad("invalid architecture"),
        };
        let mut widths = [0u16; MAX_HIDDEN_LAYERS];
        for (k, w) in widths[..n_hidden].iter_mut().enumerate() {
            let stored = read_u32(bytes, FIXED_HEADER_LEN + 4 * k) as usize;
            *w = pack_width(stored).map_err(model_error)?;
        }
        let (x_dim, z_dim, out_dim) = (word(5), word(6), word(7));
        check_dims(
            kind,
            time_input,
            x_dim as usize,
            z_dim as usize,
            out_dim as usize,
        )
        .map_err(model_error)?;
        let arch = Self {
            kind,
            activation,
            time_input,
            x_dim,
            z_dim,
            out_dim,
            widths,
            n_hidden: n_hidden as u8,
        };
        if word(9) as usize != arch.n_params() {
            return Err(bad("n_params does not match the layer sizes"));
        }
        Ok(arch)
    }

    /// Writes the header into `out[..header_len]`: version 1, or version 2 with
    /// [`FLAG_UNITS`] when a units block follows the weights.
    pub(crate) fn write_header(&self, out: &mut [u8], units: bool) {
        let header = &mut out[..self.header_len()];
        header.fill(0);
        header[..8].copy_from_slice(&MAGIC);
        let (version, flags) = if units { (2, FLAG_UNITS) } else { (1, 0) };
        let words = [
            version,
            self.header_len() as u32,
            self.kind as u32,
            self.activation as u32,
            self.time_input as u32,
            self.x_dim,
            self.z_dim,
            self.out_dim,
            self.n_hidden() as u32,
            self.n_params() as u32,
            flags,
        ];
        for (i, w) in words.into_iter().enumerate() {
            header[8 + 4 * i..12 + 4 * i].copy_from_slice(&w.to_le_bytes());
        }
        for (k, w) in self.widths().enumerate() {
            let at = FIXED_HEADER_LEN + 4 * k;
            header[at..at + 4].copy_from_slice(&(w as u32).to_le_bytes());
        }
    }
}

/// Whether the model file `bytes`, whose header [`Architecture::read_header`] accepted,
/// has a units block after its weights.
pub(crate) fn has_units(bytes: &[u8]) -> bool {
    read_u32(bytes, 48) == FLAG_UNITS
}

/// The little-endian `u32` at `at` (the caller has checked `at + 4 <= bytes.len()`).
pub(crate) fn read_u32(bytes: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(w)
}
