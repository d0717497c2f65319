//! The checkpoint file: everything a training run needs to continue bit for bit.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use gradflow_core::StreamRng;
use serde_json::{Map, Value, json};

use super::crc::crc32;
use crate::modelio::{ModelIoError, write_atomic};
use crate::optim::{Adam, AdamState, AdamStateError};

/// The first eight bytes of every checkpoint.
pub const MAGIC: [u8; 8] = *b"GFLOWCKP";
/// The format version this build writes and reads.
pub const VERSION: u32 = 1;
/// Bytes before the JSON header.
const PREFIX: usize = 32;

/// One named array of a checkpoint.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Array {
    /// Double-precision values (parameters, moments, particles).
    F64(Vec<f64>),
    /// Single-precision values (particle buffers, f32 networks).
    F32(Vec<f32>),
    /// Unsigned integers (random-stream states, counters, indices).
    U64(Vec<u64>),
}

impl Array {
    /// The type's name in the header: `f64`, `f32` or `u64`.
    pub fn dtype(&self) -> &'static str {
        match self {
            Self::F64(_) => "f64",
            Self::F32(_) => "f32",
            Self::U64(_) => "u64",
        }
    }

    /// The number of values.
    pub fn len(&self) -> usize {
        match self {
            Self::F64(v) => v.len(),
            Self::F32(v) => v.len(),
            Self::U64(v) => v.len(),
        }
    }

    /// Whether it holds no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn width(dtype: &str) -> Option<usize> {
        match dtype {
            "f64" | "u64" => Some(8),
            "f32" => Some(4),
            _ => None,
        }
    }

    fn write_le(&self, out: &mut Vec<u8>) {
        match self {
            Self::F64(v) => v
                .iter()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
            Self::F32(v) => v
                .iter()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
            Self::U64(v) => v
                .iter()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        }
    }

    fn read_le(dtype: &str, bytes: &[u8]) -> Self {
        let w8 = |c: &[u8]| <[u8; 8]>::try_from(c).unwrap_or([0; 8]);
        match dtype {
            "f32" => Self::F32(
                bytes
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect(),
            ),
            "u64" => Self::U64(
                bytes
                    .chunks_exact(8)
                    .map(|c| u64::from_le_bytes(w8(c)))
                    .collect(),
            ),
            _ => Self::F64(
                bytes
                    .chunks_exact(8)
                    .map(|c| f64::from_le_bytes(w8(c)))
                    .collect(),
            ),
        }
    }
}

/// The running loss and metrics of a run at one checkpoint (display and plots only: these
/// go through JSON, so they are not bit-exact).
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryRow {
    /// Steps completed.
    pub step: u64,
    /// Running (exponentially averaged) loss.
    pub loss: f64,
    /// Running averages of the trainer's metrics, by name.
    pub metrics: Vec<(String, f64)>,
}

/// A training run's complete state: named arrays, the step count, the settings and a
/// history, in a self-describing file.
///
/// # Layout (version 1, little-endian)
///
/// | offset      | bytes | field                                                    |
/// |-------------|-------|----------------------------------------------------------|
/// | 0           | 8     | magic `GFLOWCKP`                                         |
/// | 8           | 4     | format version, `u32` (1)                                |
/// | 12          | 4     | reserved, zero                                           |
/// | 16          | 8     | total file length in bytes, `u64`                        |
/// | 24          | 8     | header length H, `u64`                                   |
/// | 32          | H     | header: UTF-8 JSON (below)                               |
/// | 32 + H      | …     | the arrays' values, in the header's order, no padding    |
/// | length − 4  | 4     | CRC-32 (IEEE, as zlib) of every byte before it           |
///
/// The header is `{"kind", "step", "settings", "arrays", "history"}`: the trainer that wrote
/// it, the number of steps completed, the run's settings (resuming refuses other settings),
/// the arrays' names, types (`f64`, `f32`, `u64`) and lengths, and a free-form history of
/// the running loss and metrics at each checkpoint. Values that must survive exactly
/// (parameters, optimiser moments and hyperparameters, random-stream states) live in the
/// binary arrays, never in the JSON. A file cut short, extended or altered anywhere is
/// refused with a one-line reason before any of it is used.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
    /// The trainer that wrote it (e.g. `fit`); resuming with another trainer is refused.
    pub kind: String,
    /// Steps completed: the next step to take is `step + 1` (counting from 1).
    pub step: u64,
    /// The run's settings; resuming with other settings is refused.
    pub settings: Value,
    /// Running loss and metrics at each checkpoint so far.
    pub history: Vec<HistoryRow>,
    arrays: BTreeMap<String, Array>,
}

/// What went wrong with a checkpoint.
#[derive(Debug)]
#[non_exhaustive]
pub enum CheckpointErrorKind {
    /// Reading or writing the file failed.
    Io(std::io::Error),
    /// The bytes are not a checkpoint this build reads: not one at all, another format
    /// version, cut short, or corrupted (the reason says which).
    Invalid(String),
    /// An array a trainer needs is absent or of another type.
    Missing {
        /// The array's name.
        name: String,
        /// The type the trainer expected.
        dtype: &'static str,
    },
    /// A well-formed checkpoint that does not fit this run (another trainer, other
    /// settings, other sizes); the reason says which.
    Incompatible(String),
    /// The checkpoint's JSON header is not valid JSON (the checksum matched: the file was
    /// written by something else).
    Header(serde_json::Error),
    /// The stored Adam state cannot be resumed.
    Adam(AdamStateError),
}

/// Why a checkpoint could not be written, read or restored: what went wrong, and the file
/// when one is involved. It displays as one line.
#[derive(Debug)]
pub struct CheckpointError {
    path: Option<PathBuf>,
    kind: CheckpointErrorKind,
}

impl CheckpointError {
    /// An error with no file attached yet.
    pub fn new(kind: CheckpointErrorKind) -> Self {
        Self { path: None, kind }
    }

    /// A checkpoint that does not fit the run, for the reason given.
    pub fn incompatible(what: impl Into<String>) -> Self {
        Self::new(CheckpointErrorKind::Incompatible(what.into()))
    }

    fn invalid(what: impl Into<String>) -> Self {
        Self::new(CheckpointErrorKind::Invalid(what.into()))
    }

    /// The same error, naming `path` (unless it already names a file).
    pub fn with_path(mut self, path: &Path) -> Self {
        self.path.get_or_insert_with(|| path.to_path_buf());
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &CheckpointErrorKind {
        &self.kind
    }

    /// The file involved, if known.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
}

impl fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(path) = &self.path {
            write!(f, "{}: ", path.display())?;
        }
        match &self.kind {
            CheckpointErrorKind::Io(e) => write!(f, "{e}"),
            CheckpointErrorKind::Invalid(what) | CheckpointErrorKind::Incompatible(what) => {
                write!(f, "{what}")
            }
            CheckpointErrorKind::Missing { name, dtype } => {
                write!(f, "the checkpoint has no {dtype} array `{name}`")
            }
            CheckpointErrorKind::Header(e) => write!(f, "malformed checkpoint: header: {e}"),
            CheckpointErrorKind::Adam(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for CheckpointError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            CheckpointErrorKind::Io(e) => Some(e),
            CheckpointErrorKind::Header(e) => Some(e),
            CheckpointErrorKind::Adam(e) => Some(e),
            _ => None,
        }
    }
}

impl Checkpoint {
    /// An empty checkpoint of trainer `kind` after `step` steps, with the run's settings.
    pub fn new(kind: impl Into<String>, step: u64, settings: Value) -> Self {
        Self {
            kind: kind.into(),
            step,
            settings,
            history: Vec::new(),
            arrays: BTreeMap::new(),
        }
    }

    /// Stores `array` under `name`, replacing any array of that name.
    pub fn insert(&mut self, name: impl Into<String>, array: Array) {
        self.arrays.insert(name.into(), array);
    }

    /// Stores `f64` values under `name`.
    pub fn put_f64(&mut self, name: impl Into<String>, values: &[f64]) {
        self.insert(name, Array::F64(values.to_vec()));
    }

    /// Stores `f32` values under `name`.
    pub fn put_f32(&mut self, name: impl Into<String>, values: &[f32]) {
        self.insert(name, Array::F32(values.to_vec()));
    }

    /// Stores `u64` values under `name`.
    pub fn put_u64(&mut self, name: impl Into<String>, values: &[u64]) {
        self.insert(name, Array::U64(values.to_vec()));
    }

    /// The array called `name`, if any.
    pub fn get(&self, name: &str) -> Option<&Array> {
        self.arrays.get(name)
    }

    /// The arrays' names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.arrays.keys().map(String::as_str)
    }

    fn missing(name: &str, dtype: &'static str) -> CheckpointError {
        CheckpointError::new(CheckpointErrorKind::Missing {
            name: name.into(),
            dtype,
        })
    }

    /// The `f64` array called `name`.
    pub fn f64s(&self, name: &str) -> Result<&[f64], CheckpointError> {
        match self.arrays.get(name) {
            Some(Array::F64(v)) => Ok(v),
            _ => Err(Self::missing(name, "f64")),
        }
    }

    /// The `f32` array called `name`.
    pub fn f32s(&self, name: &str) -> Result<&[f32], CheckpointError> {
        match self.arrays.get(name) {
            Some(Array::F32(v)) => Ok(v),
            _ => Err(Self::missing(name, "f32")),
        }
    }

    /// The `u64` array called `name`.
    pub fn u64s(&self, name: &str) -> Result<&[u64], CheckpointError> {
        match self.arrays.get(name) {
            Some(Array::U64(v)) => Ok(v),
            _ => Err(Self::missing(name, "u64")),
        }
    }

    /// The `f64` array called `name`, which must hold exactly `len` values.
    pub fn f64s_len(&self, name: &str, len: usize) -> Result<&[f64], CheckpointError> {
        let v = self.f64s(name)?;
        check_len(name, v.len(), len)?;
        Ok(v)
    }

    /// The `f32` array called `name`, which must hold exactly `len` values.
    pub fn f32s_len(&self, name: &str, len: usize) -> Result<&[f32], CheckpointError> {
        let v = self.f32s(name)?;
        check_len(name, v.len(), len)?;
        Ok(v)
    }

    /// Stores the state of one random stream under `name` (a `u64` array of 4).
    pub fn put_rng(&mut self, name: impl Into<String>, rng: &StreamRng) {
        self.put_u64(name, &rng.state());
    }

    /// The random stream stored under `name`, continuing where it was saved.
    pub fn rng(&self, name: &str) -> Result<StreamRng, CheckpointError> {
        let mut rngs = self.rngs(name)?;
        if rngs.len() != 1 {
            return Err(CheckpointError::incompatible(format!(
                "array `{name}` holds {} random streams, expected 1",
                rngs.len()
            )));
        }
        Ok(rngs.remove(0))
    }

    /// Stores the states of many random streams (e.g. one per particle) under `name`.
    pub fn put_rngs(&mut self, name: impl Into<String>, rngs: &[StreamRng]) {
        let words: Vec<u64> = rngs.iter().flat_map(|r| r.state()).collect();
        self.put_u64(name, &words);
    }

    /// The random streams stored under `name` by [`Checkpoint::put_rngs`].
    pub fn rngs(&self, name: &str) -> Result<Vec<StreamRng>, CheckpointError> {
        let words = self.u64s(name)?;
        if words.len() % 4 != 0 {
            return Err(CheckpointError::incompatible(format!(
                "array `{name}` has {} words, not a whole number of random-stream states",
                words.len()
            )));
        }
        words
            .chunks_exact(4)
            .map(|w| {
                StreamRng::from_state([w[0], w[1], w[2], w[3]]).ok_or_else(|| {
                    CheckpointError::incompatible(format!(
                        "array `{name}` holds an all-zero random-stream state"
                    ))
                })
            })
            .collect()
    }

    /// Stores an Adam optimiser's complete state under `prefix`: arrays `{prefix}.m` and
    /// `{prefix}.v` (moments), `{prefix}.hyper` (lr, β₁, β₂, ε) and `{prefix}.t` (steps).
    pub fn put_adam(&mut self, prefix: &str, adam: &Adam) {
        let s = adam.state();
        self.put_f64(format!("{prefix}.m"), &s.m);
        self.put_f64(format!("{prefix}.v"), &s.v);
        self.put_f64(format!("{prefix}.hyper"), &[s.lr, s.beta1, s.beta2, s.eps]);
        self.put_u64(format!("{prefix}.t"), &[s.t]);
    }

    /// The Adam optimiser stored under `prefix`, for exactly `len` parameters.
    pub fn adam(&self, prefix: &str, len: usize) -> Result<Adam, CheckpointError> {
        let hyper = self.f64s_len(&format!("{prefix}.hyper"), 4)?;
        let t = self.u64s(&format!("{prefix}.t"))?;
        check_len(&format!("{prefix}.t"), t.len(), 1)?;
        let state = AdamState {
            lr: hyper[0],
            beta1: hyper[1],
            beta2: hyper[2],
            eps: hyper[3],
            m: self.f64s_len(&format!("{prefix}.m"), len)?.to_vec(),
            v: self.f64s_len(&format!("{prefix}.v"), len)?.to_vec(),
            t: t[0],
        };
        Adam::from_state(state).map_err(|e| CheckpointError::new(CheckpointErrorKind::Adam(e)))
    }

    /// The file's bytes (see [`Checkpoint`] for the layout).
    pub fn to_bytes(&self) -> Vec<u8> {
        let arrays: Vec<Value> = self
            .arrays
            .iter()
            .map(|(name, a)| json!({"name": name, "dtype": a.dtype(), "len": a.len()}))
            .collect();
        let history: Vec<Value> = self
            .history
            .iter()
            .map(|row| {
                let metrics: Map<String, Value> = row
                    .metrics
                    .iter()
                    .map(|(k, v)| (k.clone(), json!(v)))
                    .collect();
                json!({"step": row.step, "loss": row.loss, "metrics": metrics})
            })
            .collect();
        let header = json!({
            "kind": self.kind,
            "step": self.step,
            "settings": self.settings,
            "arrays": arrays,
            "history": history,
        })
        .to_string();
        let data: usize = self
            .arrays
            .values()
            .map(|a| a.len() * Array::width(a.dtype()).unwrap_or(8))
            .sum();
        let total = PREFIX + header.len() + data + 4;
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&(total as u64).to_le_bytes());
        out.extend_from_slice(&(header.len() as u64).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        for a in self.arrays.values() {
            a.write_le(&mut out);
        }
        let crc = crc32(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        debug_assert_eq!(out.len(), total);
        out
    }

    /// Parses and checks a checkpoint's bytes: magic, version, length and checksum first,
    /// then the header and the arrays' sizes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CheckpointError> {
        let n = bytes.len();
        if n < MAGIC.len() || bytes[..MAGIC.len()] != MAGIC {
            return Err(if MAGIC.starts_with(bytes) {
                CheckpointError::invalid(format!("truncated checkpoint ({n} bytes)"))
            } else {
                CheckpointError::invalid("not a gradflow checkpoint (no GFLOWCKP magic)")
            });
        }
        if n < PREFIX + 4 {
            return Err(CheckpointError::invalid(format!(
                "truncated checkpoint ({n} bytes)"
            )));
        }
        let u64_at = |at: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&bytes[at..at + 8]);
            u64::from_le_bytes(w)
        };
        let version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
        if version != VERSION {
            return Err(CheckpointError::invalid(format!(
                "checkpoint format version {version} is not supported (this gradflow reads \
                 version {VERSION})"
            )));
        }
        let total = u64_at(16);
        if (n as u64) < total {
            return Err(CheckpointError::invalid(format!(
                "truncated checkpoint ({n} of {total} bytes)"
            )));
        }
        if (n as u64) > total {
            return Err(CheckpointError::invalid(format!(
                "corrupted checkpoint ({n} bytes where its header says {total})"
            )));
        }
        let (body, tail) = bytes.split_at(n - 4);
        let stored = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
        if crc32(body) != stored {
            return Err(CheckpointError::invalid(
                "corrupted checkpoint (checksum mismatch)",
            ));
        }
        // From here on the bytes are what was written; the checks below catch files that
        // were written by something else with a valid checksum.
        let bad = |what: &str| CheckpointError::invalid(format!("malformed checkpoint: {what}"));
        let header_len = usize::try_from(u64_at(24)).map_err(|_| bad("header length"))?;
        if header_len > body.len() - PREFIX {
            return Err(bad("header length"));
        }
        let header: Value = serde_json::from_slice(&body[PREFIX..PREFIX + header_len])
            .map_err(|e| CheckpointError::new(CheckpointErrorKind::Header(e)))?;
        let kind = header["kind"].as_str().ok_or_else(|| bad("no kind"))?;
        let step = header["step"].as_u64().ok_or_else(|| bad("no step"))?;
        let mut ckpt = Checkpoint::new(kind, step, header["settings"].clone());
        for row in header["history"]
            .as_array()
            .ok_or_else(|| bad("no history"))?
        {
            let number = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
            let metrics = row["metrics"]
                .as_object()
                .ok_or_else(|| bad("history row without metrics"))?
                .iter()
                .map(|(k, v)| (k.clone(), number(v)))
                .collect();
            ckpt.history.push(HistoryRow {
                step: row["step"]
                    .as_u64()
                    .ok_or_else(|| bad("history row without step"))?,
                loss: number(&row["loss"]),
                metrics,
            });
        }
        let mut data = &body[PREFIX + header_len..];
        for entry in header["arrays"]
            .as_array()
            .ok_or_else(|| bad("no arrays"))?
        {
            let name = entry["name"]
                .as_str()
                .ok_or_else(|| bad("array without name"))?;
            let dtype = entry["dtype"].as_str().unwrap_or("");
            let width = Array::width(dtype)
                .ok_or_else(|| bad(&format!("array `{name}` has unknown type {dtype:?}")))?;
            let size = entry["len"]
                .as_u64()
                .and_then(|len| usize::try_from(len).ok())
                .and_then(|len| len.checked_mul(width))
                .filter(|&size| size <= data.len())
                .ok_or_else(|| bad(&format!("array `{name}` runs past the end")))?;
            let (values, rest) = data.split_at(size);
            ckpt.insert(name, Array::read_le(dtype, values));
            data = rest;
        }
        if !data.is_empty() {
            return Err(bad(&format!("{} bytes after the last array", data.len())));
        }
        Ok(ckpt)
    }

    /// Writes the checkpoint atomically: a temporary file in the same directory, flushed to
    /// disk, renamed over `path` (then the directory is flushed too, where the system
    /// allows). A crash or a failed write leaves the previous file at `path` untouched.
    pub fn write(&self, path: &Path) -> Result<(), CheckpointError> {
        write_atomic(path, &self.to_bytes()).map_err(|e| {
            let e = match e {
                ModelIoError::Io(_, e) => e,
                other => std::io::Error::other(other.to_string()),
            };
            CheckpointError::new(CheckpointErrorKind::Io(e)).with_path(path)
        })?;
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        // Best effort: persists the rename itself; not every system can open a directory.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// Reads and checks the checkpoint at `path`.
    pub fn read(path: &Path) -> Result<Self, CheckpointError> {
        let bytes = std::fs::read(path)
            .map_err(|e| CheckpointError::new(CheckpointErrorKind::Io(e)).with_path(path))?;
        Self::from_bytes(&bytes).map_err(|e| e.with_path(path))
    }
}

fn check_len(name: &str, got: usize, want: usize) -> Result<(), CheckpointError> {
    if got == want {
        Ok(())
    } else {
        Err(CheckpointError::incompatible(format!(
            "array `{name}` has {got} values, expected {want}"
        )))
    }
}

/// One line naming the settings that differ between a checkpoint (`there`) and this run
/// (`now`), e.g. `lr = 0.01 there, 0.02 now`; `None` when they are equal. Both are compared
/// after the same JSON text round trip, so equal settings always compare equal.
pub(crate) fn settings_diff(there: &Value, now: &Value) -> Option<String> {
    let now: Value = serde_json::from_str(&now.to_string()).unwrap_or(Value::Null);
    if *there == now {
        return None;
    }
    let (Some(a), Some(b)) = (there.as_object(), now.as_object()) else {
        return Some(format!("{there} there, {now} now"));
    };
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    let show = |v: Option<&Value>| v.map_or("(unset)".to_string(), Value::to_string);
    let diffs: Vec<String> = keys
        .into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| format!("{k} = {} there, {} now", show(a.get(k)), show(b.get(k))))
        .collect();
    Some(diffs.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_diff_names_each_changed_key() {
        let a = json!({"lr": 0.01, "seed": 0, "width": 32});
        assert_eq!(settings_diff(&a, &a.clone()), None);
        let b = json!({"lr": 0.02, "seed": 0, "batch": 4});
        assert_eq!(
            settings_diff(&a, &b).unwrap(),
            "batch = (unset) there, 4 now, lr = 0.01 there, 0.02 now, width = 32 there, (unset) now"
        );
    }

    /// Settings read back from a file compare equal to the live ones, whatever digits the
    /// floats have.
    #[test]
    fn settings_survive_the_file() {
        let s = json!({"lr": 0.1 + 0.2, "scale": 1.0 / 3.0, "tiny": 5e-324});
        let mut c = Checkpoint::new("t", 0, s.clone());
        c.put_f64("x", &[1.0]);
        let back = Checkpoint::from_bytes(&c.to_bytes()).unwrap();
        assert_eq!(settings_diff(&back.settings, &s), None);
    }
}
