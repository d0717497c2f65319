//! Model files on disk: the gradflow format (written atomically), safetensors (for
//! PyTorch), and C arrays (for firmware).
//!
//! # Safetensors layout
//! One `F32` tensor pair per layer k = 0..=n_hidden, in PyTorch's `nn.Linear` convention:
//! `layers.{k}.weight` of shape `[out, in]` and `layers.{k}.bias` of shape `[out]`. The
//! widths come from the shapes; the rest of the architecture is string metadata:
//! `gradflow.kind` (`energy`, `velocity`, `time_predictor`, `latent_energy`),
//! `gradflow.activation` (`silu`, `tanh`, `softplus`, `relu`, `selu`, `gelu_tanh`),
//! `gradflow.x_dim`, and optionally `gradflow.z_dim` (latent energies; default 0) and
//! `gradflow.time_input` (`none` or `appended`; default `appended` for velocity fields).
//! This exports a PyTorch MLP that gradflow then loads:
//!
//! ```python
//! import torch, torch.nn as nn
//! from safetensors.torch import save_file
//!
//! net = nn.Sequential(nn.Linear(2, 16), nn.SiLU(), nn.Linear(16, 16), nn.SiLU(),
//!                     nn.Linear(16, 1))          # an energy E(x), x in R^2
//! linears = [m for m in net if isinstance(m, nn.Linear)]
//! tensors = {}
//! for k, lin in enumerate(linears):
//!     tensors[f"layers.{k}.weight"] = lin.weight.detach().float().contiguous()
//!     tensors[f"layers.{k}.bias"] = lin.bias.detach().float().contiguous()
//! save_file(tensors, "energy.safetensors",
//!           metadata={"gradflow.kind": "energy", "gradflow.activation": "silu",
//!                     "gradflow.x_dim": "2"})
//! # then: gradflow convert energy.safetensors energy.gfm
//! ```

use std::collections::HashMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use gradflow_core::Activation;
use gradflow_core::model::{
    Architecture, ModelKind, ModelView, TimeInput, encode, encode_with_units, encoded_len,
    encoded_len_with_units,
};
use safetensors::{Dtype, SafeTensors, tensor::TensorView};

/// A model held in memory: its file bytes (checked).
#[derive(Clone, Debug, PartialEq)]
pub struct ModelBytes(Vec<u8>);

/// Why a model could not be read, converted or written.
#[derive(Debug)]
pub enum ModelIoError {
    /// Reading or writing a file failed.
    Io(PathBuf, std::io::Error),
    /// The model bytes or the architecture were rejected.
    Model(gradflow_core::Error),
    /// A safetensors file does not follow the documented layout (what is wrong).
    Safetensors(String),
    /// The safetensors library could not parse the bytes, or serialise the tensors.
    SafetensorsFile(safetensors::SafeTensorError),
}

impl fmt::Display for ModelIoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(path, e) => write!(f, "{}: {e}", path.display()),
            Self::Model(e) => write!(f, "{e}"),
            Self::Safetensors(what) => write!(f, "safetensors: {what}"),
            Self::SafetensorsFile(e) => write!(f, "safetensors: {e}"),
        }
    }
}

impl std::error::Error for ModelIoError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(_, e) => Some(e),
            Self::Model(e) => Some(e),
            Self::SafetensorsFile(e) => Some(e),
            Self::Safetensors(_) => None,
        }
    }
}

impl From<safetensors::SafeTensorError> for ModelIoError {
    fn from(e: safetensors::SafeTensorError) -> Self {
        Self::SafetensorsFile(e)
    }
}

impl From<gradflow_core::Error> for ModelIoError {
    fn from(e: gradflow_core::Error) -> Self {
        Self::Model(e)
    }
}

fn st_err(what: impl Into<String>) -> ModelIoError {
    ModelIoError::Safetensors(what.into())
}

const ACTIVATION_NAMES: [(&str, Activation); 6] = [
    ("silu", Activation::Silu),
    ("tanh", Activation::Tanh),
    ("softplus", Activation::Softplus),
    ("relu", Activation::Relu),
    ("selu", Activation::Selu),
    ("gelu_tanh", Activation::GeluTanh),
];

const KIND_NAMES: [(&str, ModelKind); 4] = [
    ("energy", ModelKind::Energy),
    ("velocity", ModelKind::Velocity),
    ("time_predictor", ModelKind::TimePredictor),
    ("latent_energy", ModelKind::LatentEnergy),
];

/// The documented name of an activation (`silu`, ...).
pub fn activation_name(a: Activation) -> &'static str {
    ACTIVATION_NAMES
        .iter()
        .find(|(_, x)| *x == a)
        .map_or("?", |(n, _)| n)
}

/// The documented name of a model kind (`energy`, ...).
pub fn kind_name(k: ModelKind) -> &'static str {
    KIND_NAMES
        .iter()
        .find(|(_, x)| *x == k)
        .map_or("?", |(n, _)| n)
}

impl ModelBytes {
    /// Encodes a network: architecture and flat `f32` weights (the layout of
    /// [`gradflow_core::MlpParams`]).
    pub fn encode(arch: &Architecture, params: &[f32]) -> Result<Self, ModelIoError> {
        let mut bytes = vec![0u8; encoded_len(arch)];
        encode(arch, params, &mut bytes)?;
        Ok(Self(bytes))
    }

    /// Encodes a network with the data units it was trained in (format version 2): the
    /// per-coordinate `mean` and `scale` of the standardisation folded into `params`
    /// (stored as `f32`; a scale that is not a positive finite `f32` is refused).
    pub fn encode_with_units(
        arch: &Architecture,
        params: &[f32],
        mean: &[f64],
        scale: &[f64],
    ) -> Result<Self, ModelIoError> {
        let narrow = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<f32>>();
        let mut bytes = vec![0u8; encoded_len_with_units(arch)];
        encode_with_units(arch, params, &narrow(mean), &narrow(scale), &mut bytes)?;
        Ok(Self(bytes))
    }

    /// The data units the file records, `(mean, scale)` per coordinate of x, or `None`
    /// (a file without them).
    pub fn units(&self) -> Option<(Vec<f64>, Vec<f64>)> {
        let units = ModelView::units(&self.0).expect("bytes were checked on construction")?;
        let column = |f: &dyn Fn(usize) -> Option<f32>| -> Vec<f64> {
            (0..units.dim())
                .map(|i| f64::from(f(i).expect("index within the dimension")))
                .collect()
        };
        Some((column(&|i| units.mean(i)), column(&|i| units.scale(i))))
    }

    /// Checks model bytes (as the core does, the units' values included) and keeps them.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, ModelIoError> {
        ModelView::parse(&bytes)?;
        ModelView::units(&bytes)?;
        Ok(Self(bytes))
    }

    /// The file bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The checked view (cannot fail: the bytes were checked on construction).
    pub fn view(&self) -> ModelView<'_> {
        ModelView::parse_structure(&self.0).expect("bytes were checked on construction")
    }

    /// The weights in the flat layout.
    pub fn params(&self) -> Vec<f32> {
        let view = self.view();
        (0..view.architecture().n_params())
            .map(|i| view.param(i).expect("index within n_params"))
            .collect()
    }

    /// Reads a gradflow model file.
    pub fn read(path: &Path) -> Result<Self, ModelIoError> {
        let bytes = std::fs::read(path).map_err(|e| ModelIoError::Io(path.into(), e))?;
        Self::from_bytes(bytes)
    }

    /// Writes the model file atomically (a temporary file in the same directory, then a
    /// rename), so a crash never leaves a half-written model behind.
    pub fn write(&self, path: &Path) -> Result<(), ModelIoError> {
        write_atomic(path, &self.0)
    }

    /// Reads a safetensors file in the documented layout.
    pub fn from_safetensors(bytes: &[u8]) -> Result<Self, ModelIoError> {
        let (_, meta) = SafeTensors::read_metadata(bytes)?;
        let tensors = SafeTensors::deserialize(bytes)?;
        let meta: HashMap<String, String> = meta.metadata().clone().unwrap_or_default();
        let get = |key: &str| meta.get(key).map(String::as_str);
        let kind = lookup(&KIND_NAMES, get("gradflow.kind"), "gradflow.kind")?;
        let activation = lookup(
            &ACTIVATION_NAMES,
            get("gradflow.activation"),
            "gradflow.activation",
        )?;
        let number = |key: &str, default: Option<usize>| -> Result<usize, ModelIoError> {
            match (get(key), default) {
                (Some(v), _) => v
                    .parse()
                    .map_err(|_| st_err(format!("metadata {key} = {v:?} is not a number"))),
                (None, Some(d)) => Ok(d),
                (None, None) => Err(st_err(format!("metadata {key} is missing"))),
            }
        };
        let x_dim = number("gradflow.x_dim", None)?;
        let z_dim = number("gradflow.z_dim", Some(0))?;
        let time_input = match get("gradflow.time_input") {
            None if kind == ModelKind::Velocity => TimeInput::Appended,
            None | Some("none") => TimeInput::None,
            Some("appended") => TimeInput::Appended,
            Some(v) => return Err(st_err(format!("gradflow.time_input {v:?}: none|appended"))),
        };
        // Layers in order; each weight [out, in] is transposed to our [in][out].
        let mut layers = Vec::new();
        while let Ok(w) = tensors.tensor(&format!("layers.{}.weight", layers.len())) {
            let k = layers.len();
            let b = tensors
                .tensor(&format!("layers.{k}.bias"))
                .map_err(|_| st_err(format!("layers.{k}.bias is missing")))?;
            layers.push((f32_tensor(&w, 2, k)?, f32_tensor(&b, 1, k)?));
        }
        if layers.len() < 2 {
            return Err(st_err(
                "need at least layers.0 and layers.1 (one hidden layer)",
            ));
        }
        let widths: Vec<usize> = layers[..layers.len() - 1]
            .iter()
            .map(|((_, shape), _)| shape[0])
            .collect();
        let out_dim = layers.last().map_or(0, |((_, s), _)| s[0]);
        let arch = Architecture::new(kind, activation, time_input, x_dim, z_dim, &widths, out_dim)?;
        let mut params = Vec::with_capacity(arch.n_params());
        for (k, ((w, shape), (b, bshape))) in layers.iter().enumerate() {
            let (i, o) = arch.layer_dims(k);
            if shape[..] != [o, i] || bshape[..] != [o] {
                return Err(st_err(format!(
                    "layers.{k}: weight {shape:?} and bias {bshape:?}, expected [{o}, {i}] and [{o}]"
                )));
            }
            for row in 0..i {
                params.extend((0..o).map(|col| w[col * i + row]));
            }
            params.extend_from_slice(b);
        }
        Self::encode(&arch, &params)
    }

    /// The model as safetensors bytes in the documented layout.
    pub fn to_safetensors(&self) -> Result<Vec<u8>, ModelIoError> {
        let view = self.view();
        let arch = *view.architecture();
        let params = self.params();
        let mut data: Vec<(String, Vec<u8>, Vec<usize>)> = Vec::new();
        let mut offset = 0;
        for k in 0..arch.n_layers() {
            let (i, o) = arch.layer_dims(k);
            let w = &params[offset..offset + i * o];
            let transposed: Vec<f32> = (0..o)
                .flat_map(|col| (0..i).map(move |row| w[row * o + col]))
                .collect();
            let b = &params[offset + i * o..offset + (i + 1) * o];
            data.push((
                format!("layers.{k}.weight"),
                le_bytes(&transposed),
                vec![o, i],
            ));
            data.push((format!("layers.{k}.bias"), le_bytes(b), vec![o]));
            offset += (i + 1) * o;
        }
        let views = data
            .iter()
            .map(|(name, bytes, shape)| {
                TensorView::new(Dtype::F32, shape.clone(), bytes)
                    .map(|v| (name.clone(), v))
                    .map_err(ModelIoError::SafetensorsFile)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let time = match arch.time_input {
            TimeInput::None => "none",
            TimeInput::Appended => "appended",
        };
        let meta: HashMap<String, String> = [
            ("gradflow.kind", kind_name(arch.kind).to_string()),
            (
                "gradflow.activation",
                activation_name(arch.activation).to_string(),
            ),
            ("gradflow.x_dim", arch.x_dim().to_string()),
            ("gradflow.z_dim", arch.z_dim().to_string()),
            ("gradflow.time_input", time.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        safetensors::serialize(views, Some(meta)).map_err(ModelIoError::SafetensorsFile)
    }

    /// The model file as a C header defining `static const uint8_t <name>[]` and
    /// `<name>_len`, for firmware that embeds the model in flash.
    pub fn to_c_array(&self, name: &str) -> String {
        let view = self.view();
        let a = view.architecture();
        let widths: Vec<String> = a.widths().map(|w| w.to_string()).collect();
        let mut s = format!(
            "/* gradflow model file ({} bytes): {} {}, {} -> {} -> {}.\n   \
             Generated by `gradflow convert`; open it with gf_model_open. */\n\
             #include <stddef.h>\n#include <stdint.h>\n\n\
             static const uint8_t {name}[{}] = {{\n",
            self.0.len(),
            kind_name(a.kind),
            activation_name(a.activation),
            a.in_dim(),
            widths.join(" -> "),
            a.out_dim(),
            self.0.len(),
        );
        for line in self.0.chunks(16) {
            let bytes: Vec<String> = line.iter().map(|b| format!("0x{b:02x}")).collect();
            s += &format!("    {},\n", bytes.join(", "));
        }
        s += &format!("}};\nstatic const size_t {name}_len = {};\n", self.0.len());
        s
    }
}

fn lookup<T: Copy>(table: &[(&str, T)], value: Option<&str>, key: &str) -> Result<T, ModelIoError> {
    let value = value.ok_or_else(|| st_err(format!("metadata {key} is missing")))?;
    table
        .iter()
        .find(|(n, _)| *n == value)
        .map(|(_, t)| *t)
        .ok_or_else(|| {
            let names: Vec<&str> = table.iter().map(|(n, _)| *n).collect();
            st_err(format!(
                "{key} = {value:?}, expected one of {}",
                names.join(", ")
            ))
        })
}

fn f32_tensor(
    t: &TensorView<'_>,
    rank: usize,
    k: usize,
) -> Result<(Vec<f32>, Vec<usize>), ModelIoError> {
    if t.dtype() != Dtype::F32 || t.shape().len() != rank {
        return Err(st_err(format!(
            "layers.{k}: expected a rank-{rank} F32 tensor, found {:?} {:?}",
            t.dtype(),
            t.shape()
        )));
    }
    let values = t
        .data()
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Ok((values, t.shape().to_vec()))
}

fn le_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, flushed to
/// disk, then renamed over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ModelIoError> {
    let io = |e| ModelIoError::Io(path.into(), e);
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| io(std::io::Error::other("not a file path")))?;
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}
