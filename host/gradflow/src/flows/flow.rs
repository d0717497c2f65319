//! A trained flow: its manifest and model files, written, read and sampled.

use std::path::{Path, PathBuf};

use gradflow_core::model::ModelKind;

use super::error::FlowError;
use super::manifest::{FlowManifest, ModelRole, Sampling};
use super::sample::{euler, euler_per_particle};
use crate::SettingError;
use crate::engine::{Backend, Network};
use crate::modelio::{ModelBytes, write_atomic};

/// A flow ready to sample: the manifest and one model per role it needs, with their
/// networks widened to f64 (what the core's f64 path evaluates).
#[derive(Clone, Debug)]
pub struct Flow {
    manifest: FlowManifest,
    models: Vec<(ModelRole, ModelBytes)>,
    nets: Vec<(ModelRole, Network<f64>)>,
}

/// Samples of a flow and what they cost.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowSample {
    /// The samples (n × d).
    pub x: Vec<f64>,
    /// Mean network evaluations per sample (NFE), the time predictor's included.
    pub nfe: f64,
    /// Frames of the trajectories (frame-major, `frames × n × d`), when asked for: every
    /// Euler step; for NSGF++ the NSGF steps and the end point.
    pub frames: Vec<f64>,
    /// NSGF++ only: the clamped predicted time τ of each particle.
    pub tau: Vec<f64>,
    /// NSGF++ only: the straight-flow Euler steps of each particle, ⌈(1 − τ)/ω⌉.
    pub straight_steps: Vec<u32>,
}

impl FlowSample {
    /// The number of frames in [`FlowSample::frames`].
    pub fn frame_count(&self) -> usize {
        if self.x.is_empty() {
            0
        } else {
            self.frames.len() / self.x.len()
        }
    }
}

/// The expected kind and output size of each role's model.
fn expected_kind(role: ModelRole) -> ModelKind {
    match role {
        ModelRole::Velocity | ModelRole::Straight => ModelKind::Velocity,
        ModelRole::Time => ModelKind::TimePredictor,
    }
}

impl Flow {
    /// A flow from its manifest and models (one per role the manifest's scheme needs, in
    /// the manifest's dimension, of the right kind; velocity models with the time as an
    /// input).
    pub fn new(
        manifest: FlowManifest,
        models: Vec<(ModelRole, ModelBytes)>,
    ) -> Result<Self, FlowError> {
        let mut nets = Vec::new();
        for &role in manifest.sampling.roles() {
            let model = models
                .iter()
                .find(|(r, _)| *r == role)
                .map(|(_, m)| m)
                .ok_or_else(|| FlowError::manifest(format!("no {} model", role.name())))?;
            let view = model.view();
            let a = view.architecture();
            let kind = expected_kind(role);
            let d = manifest.dim;
            let timed = kind != ModelKind::Velocity || a.in_dim() == d + 1;
            if a.kind != kind || a.x_dim() != d || !timed {
                return Err(FlowError::manifest(format!(
                    "the {} model is not a {d}-D {} with the time as an input",
                    role.name(),
                    crate::modelio::kind_name(kind)
                )));
            }
            nets.push((role, Network::from_view(&view)));
        }
        Ok(Self {
            manifest,
            models,
            nets,
        })
    }

    /// Reads a flow from its manifest file and the model files it lists.
    pub fn load(manifest_path: &Path) -> Result<Self, FlowError> {
        let manifest = FlowManifest::read(manifest_path)?;
        let mut models = Vec::new();
        for &role in manifest.sampling.roles() {
            let path = manifest
                .model_path(manifest_path, role)
                .ok_or_else(|| FlowError::manifest(format!("no {} model", role.name())))?;
            models.push((role, ModelBytes::read(&path)?));
        }
        Self::new(manifest, models).map_err(|e| e.in_file(manifest_path))
    }

    /// The manifest.
    pub fn manifest(&self) -> &FlowManifest {
        &self.manifest
    }

    /// The model of `role`, if the flow has one.
    pub fn model(&self, role: ModelRole) -> Option<&ModelBytes> {
        self.models.iter().find(|(r, _)| *r == role).map(|(_, m)| m)
    }

    fn net(&self, role: ModelRole) -> &Network<f64> {
        self.nets
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, n)| n)
            .expect("Flow::new checked that every role of the scheme has a network")
    }

    /// Writes `PREFIX.ROLE.gfm` for each model and the manifest `PREFIX.json` (which lists
    /// the model files by name, relative to its own directory); returns the manifest's
    /// path. Each file is written atomically, the manifest last.
    pub fn write(&mut self, prefix: &Path) -> Result<PathBuf, FlowError> {
        let name = prefix
            .file_name()
            .and_then(|n| n.to_str())
            .filter(|n| !n.is_empty())
            .ok_or_else(|| {
                FlowError::Settings(SettingError::new(
                    "prefix",
                    format!("{} does not end in a file name", prefix.display()),
                ))
            })?;
        let with = |suffix: &str| prefix.with_file_name(format!("{name}.{suffix}"));
        let mut files = Vec::new();
        for (role, model) in &self.models {
            let file = format!("{name}.{}.gfm", role.name());
            model.write(&with(&format!("{}.gfm", role.name())))?;
            files.push((*role, file));
        }
        self.manifest.models = files;
        let path = with("json");
        let text = serde_json::to_string_pretty(&self.manifest.to_json())
            .map_err(|e| FlowError::manifest(e.to_string()))?;
        write_atomic(&path, format!("{text}\n").as_bytes())?;
        Ok(path)
    }

    /// Moves the source points `x0` (n × d) along the flow. `steps` is the Euler step count
    /// of an `euler` scheme (required) and must be `None` for NSGF++, whose steps are set
    /// by its manifest. With `frames`, the trajectories are kept.
    pub fn sample(
        &self,
        backend: &impl Backend<f64>,
        x0: &[f64],
        steps: Option<u32>,
        frames: bool,
    ) -> Result<FlowSample, FlowError> {
        let mut x = x0.to_vec();
        let n = x.len() / self.manifest.dim;
        let mut kept = Vec::new();
        match &self.manifest.sampling {
            Sampling::Euler { t1, .. } => {
                let k = steps.ok_or_else(|| {
                    FlowError::Settings(SettingError::new(
                        "steps",
                        "is needed: an Euler flow samples with a given step count",
                    ))
                })?;
                let net = self.net(ModelRole::Velocity);
                euler(
                    backend,
                    net,
                    &mut x,
                    0.0,
                    *t1,
                    k,
                    frames.then_some(&mut kept),
                )?;
                Ok(FlowSample {
                    x,
                    nfe: f64::from(k),
                    frames: kept,
                    tau: Vec::new(),
                    straight_steps: Vec::new(),
                })
            }
            Sampling::NsgfPp {
                nsgf_steps,
                eta,
                omega,
            } => {
                if steps.is_some() {
                    return Err(FlowError::Settings(SettingError::new(
                        "steps",
                        "must not be given: NSGF++ takes its step counts from its manifest \
                         (T and ω)",
                    )));
                }
                let t1 = Sampling::nsgf_t1(*nsgf_steps, *eta);
                let velocity = self.net(ModelRole::Velocity);
                euler(
                    backend,
                    velocity,
                    &mut x,
                    0.0,
                    t1,
                    *nsgf_steps,
                    frames.then_some(&mut kept),
                )?;
                let mut tau = vec![0.0; n];
                backend.forward(self.net(ModelRole::Time), &x, &mut tau)?;
                if tau.iter().any(|t| t.is_nan()) {
                    return Err(FlowError::NonFinite("a predicted time"));
                }
                let tau: Vec<f64> = tau.into_iter().map(|t| t.clamp(0.0, 1.0)).collect();
                let straight_steps: Vec<u32> =
                    tau.iter().map(|&t| straight_steps(t, *omega)).collect();
                let straight = self.net(ModelRole::Straight);
                euler_per_particle(backend, straight, &mut x, &tau, &straight_steps, 1.0)?;
                if frames {
                    kept.extend_from_slice(&x);
                }
                let mean_steps =
                    straight_steps.iter().map(|&k| f64::from(k)).sum::<f64>() / n as f64;
                Ok(FlowSample {
                    x,
                    nfe: f64::from(*nsgf_steps) + 1.0 + mean_steps,
                    frames: kept,
                    tau,
                    straight_steps,
                })
            }
        }
    }
}

/// NSGF++'s straight-flow step count for a particle at clamped predicted time `tau`:
/// ⌈(1 − τ)/ω⌉ in f64 (0 at τ = 1).
pub fn straight_steps(tau: f64, omega: f64) -> u32 {
    ((1.0 - tau) / omega).ceil() as u32
}
