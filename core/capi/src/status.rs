//! Status codes: what every C function returns.

use core::ffi::{CStr, c_char};

use gradflow_core::Error;
use gradflow_core::model::ModelError;

/// The result of a C API call. `GF_STATUS_OK` is 0; errors start at the distinctive base
/// 7701 so that a stray integer is not mistaken for one. Returned to C only (inputs never
/// take this enum: codes from C are `uint32_t`); name any code with [`gf_status_str`].
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GfStatus {
    /// Success: the outputs are written.
    Ok = 0,
    /// A required pointer was NULL.
    NullPointer = 7701,
    /// A pointer is not aligned for its element type.
    Misaligned = 7702,
    /// The particle count n is 0.
    ZeroCount = 7703,
    /// A buffer's length does not match what n and the dimension require.
    SizeMismatch = 7704,
    /// A size computation (n × dimension × element size) overflows: absurd n.
    SizeOverflow = 7705,
    /// The scratch buffer is shorter than the matching `gf_*scratch_len` says.
    ScratchTooSmall = 7706,
    /// An output buffer overlaps another buffer of the call.
    AliasedBuffers = 7707,
    /// An input holds NaN or infinity (nothing is written).
    NonFiniteInput = 7708,
    /// A result became NaN or infinite: a diverging chain or an energy undefined there.
    NonFiniteResult = 7709,
    /// A setting is outside its domain (step ≤ 0, friction < 0, ...).
    InvalidParameter = 7710,
    /// A `uint32_t` code (sampler, solver, potential) names nothing.
    UnknownCode = 7711,
    /// An RNG state is all zero (never produced by `gf_rng_init`).
    BadRngState = 7712,
    /// The `GfModel` was not filled by `gf_model_open` (or was overwritten).
    ModelNotOpen = 7713,
    /// The model bytes are shorter than their header announces.
    ModelTruncated = 7714,
    /// The model bytes are longer than their header announces.
    ModelTrailingBytes = 7715,
    /// The bytes are not a gradflow model file.
    ModelBadMagic = 7716,
    /// The model file's format version is not supported.
    ModelUnsupportedVersion = 7717,
    /// The model file's checksum does not match: corrupted.
    ModelChecksum = 7718,
    /// The model file's header describes no valid network.
    ModelBadArchitecture = 7719,
    /// The model is of another kind than the call needs.
    ModelWrongKind = 7720,
    /// A file could not be read (host only).
    Io = 7721,
    /// An internal error was caught at the C boundary (a bug: please report it).
    Panic = 7722,
    /// The sampler or potential exists but is not compiled into this library (a firmware
    /// build that left out its cargo feature).
    NotCompiled = 7723,
}

impl GfStatus {
    /// The code's name and meaning.
    pub fn message(self) -> &'static CStr {
        STATUSES
            .iter()
            .find(|(s, _)| *s == self)
            .map_or(c"unknown gradflow status code", |&(_, m)| m)
    }
}

/// Every code with its name and meaning, in numeric order: one table that
/// [`GfStatus::message`] and [`gf_status_str`] read (a lookup, not a `match`, keeps the
/// firmware's `.text` small; the strings are `.rodata` either way).
const STATUSES: [(GfStatus, &CStr); 24] = [
    (GfStatus::Ok, c"GF_STATUS_OK: success"),
    (
        GfStatus::NullPointer,
        c"GF_STATUS_NULL_POINTER: a required pointer is NULL",
    ),
    (
        GfStatus::Misaligned,
        c"GF_STATUS_MISALIGNED: a pointer is not aligned for its type",
    ),
    (
        GfStatus::ZeroCount,
        c"GF_STATUS_ZERO_COUNT: the particle count is 0",
    ),
    (
        GfStatus::SizeMismatch,
        c"GF_STATUS_SIZE_MISMATCH: a buffer length does not match n and the dimension",
    ),
    (
        GfStatus::SizeOverflow,
        c"GF_STATUS_SIZE_OVERFLOW: the buffer size overflows (absurd n)",
    ),
    (
        GfStatus::ScratchTooSmall,
        c"GF_STATUS_SCRATCH_TOO_SMALL: scratch shorter than gf_*scratch_len says",
    ),
    (
        GfStatus::AliasedBuffers,
        c"GF_STATUS_ALIASED_BUFFERS: an output buffer overlaps another buffer",
    ),
    (
        GfStatus::NonFiniteInput,
        c"GF_STATUS_NON_FINITE_INPUT: an input holds NaN or inf",
    ),
    (
        GfStatus::NonFiniteResult,
        c"GF_STATUS_NON_FINITE_RESULT: a result became NaN or inf (diverged?)",
    ),
    (
        GfStatus::InvalidParameter,
        c"GF_STATUS_INVALID_PARAMETER: a setting is outside its domain",
    ),
    (
        GfStatus::UnknownCode,
        c"GF_STATUS_UNKNOWN_CODE: unknown sampler, solver or potential",
    ),
    (
        GfStatus::BadRngState,
        c"GF_STATUS_BAD_RNG_STATE: all-zero RNG state (use gf_rng_init)",
    ),
    (
        GfStatus::ModelNotOpen,
        c"GF_STATUS_MODEL_NOT_OPEN: GfModel not filled by gf_model_open",
    ),
    (
        GfStatus::ModelTruncated,
        c"GF_STATUS_MODEL_TRUNCATED: model bytes are truncated",
    ),
    (
        GfStatus::ModelTrailingBytes,
        c"GF_STATUS_MODEL_TRAILING_BYTES: model bytes longer than the header says",
    ),
    (
        GfStatus::ModelBadMagic,
        c"GF_STATUS_MODEL_BAD_MAGIC: not a gradflow model file",
    ),
    (
        GfStatus::ModelUnsupportedVersion,
        c"GF_STATUS_MODEL_UNSUPPORTED_VERSION: unsupported model format version",
    ),
    (
        GfStatus::ModelChecksum,
        c"GF_STATUS_MODEL_CHECKSUM: model checksum mismatch (corrupted)",
    ),
    (
        GfStatus::ModelBadArchitecture,
        c"GF_STATUS_MODEL_BAD_ARCHITECTURE: model header describes no valid network",
    ),
    (
        GfStatus::ModelWrongKind,
        c"GF_STATUS_MODEL_WRONG_KIND: model of the wrong kind",
    ),
    (GfStatus::Io, c"GF_STATUS_IO: the file could not be read"),
    (
        GfStatus::Panic,
        c"GF_STATUS_PANIC: internal error caught at the C boundary (a bug)",
    ),
    (
        GfStatus::NotCompiled,
        c"GF_STATUS_NOT_COMPILED: sampler or potential left out of this build (features)",
    ),
];

impl From<Error> for GfStatus {
    fn from(e: Error) -> Self {
        match e {
            Error::DimensionMismatch { .. } => Self::SizeMismatch,
            Error::ScratchTooSmall { .. } => Self::ScratchTooSmall,
            Error::NonFinite { .. } => Self::NonFiniteResult,
            Error::InvalidParameter { .. } => Self::InvalidParameter,
            Error::NotCompiled { .. } => Self::NotCompiled,
            Error::Model(m) => match m {
                ModelError::Truncated { .. } => Self::ModelTruncated,
                ModelError::TrailingBytes { .. } => Self::ModelTrailingBytes,
                ModelError::BadMagic => Self::ModelBadMagic,
                ModelError::UnsupportedVersion { .. } => Self::ModelUnsupportedVersion,
                ModelError::ChecksumMismatch { .. } => Self::ModelChecksum,
                ModelError::BadArchitecture { .. } => Self::ModelBadArchitecture,
                ModelError::WrongKind { .. } => Self::ModelWrongKind,
                // The core's errors are non-exhaustive: a variant added there later is a
                // model the C API cannot use.
                _ => Self::ModelBadArchitecture,
            },
            _ => Self::InvalidParameter,
        }
    }
}

/// A static, NUL-terminated description of status `code` (never NULL; unknown codes get
/// a description saying so).
#[unsafe(no_mangle)]
pub extern "C" fn gf_status_str(code: u32) -> *const c_char {
    STATUSES
        .iter()
        .find(|(s, _)| *s as u32 == code)
        .map_or(c"unknown gradflow status code", |&(_, m)| m)
        .as_ptr()
}
