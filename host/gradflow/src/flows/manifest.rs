//! The flow manifest: a small JSON file next to a flow's model files that says how to
//! sample it (which files, which times, which steps), so that the CLI, a Rust program or a
//! C program calling `gf_integrate_*` and `gf_time_predict_*` all sample it alike. The
//! model file format itself is unchanged: one `.gfm` per network.
//!
//! ```json
//! {
//!   "format": "gradflow-flow", "version": 2,
//!   "method": "nsgfpp", "dataset": "moons", "source": "normal", "dim": 2, "seed": 0,
//!   "models": {"velocity": "run.velocity.gfm", "time": "run.time.gfm",
//!              "straight": "run.straight.gfm"},
//!   "sampling": {"scheme": "nsgfpp", "nsgf_steps": 5, "eta": 0.2, "nsgf_t1": 1.0,
//!                "omega": 0.1},
//!   "description": "...", "training": {...}
//! }
//! ```
//!
//! `dataset` names the training data (informative); `source` is the law of x₀ (`normal`:
//! N(0, I_dim); `8gaussians`: 2D) and `dim` the dimension of the points. A flow trained on
//! standardised data also has `units`, `{"mean": [...], "scale": [...]}`: its source is
//! then the standard normal in those units, x₀ = mean + scale ⊙ z with z ~ N(0, I_dim),
//! while its model files take and return data units. Version 1 files (before `dim`) are
//! read as 2D.
//!
//! Schemes (all Euler, x₀ drawn from the source law):
//! - `euler` (FM, OT-CFM, NSGF): K steps of `velocity` on [`t0`, `t1`], K any step count
//!   (`steps` lists the ones reported at training); for NSGF `t1` = T·η, the physical time
//!   of the Sinkhorn flow the network learnt.
//! - `nsgfpp`: `nsgf_steps` Euler steps of `velocity` on [0, `nsgf_t1`]; then for each
//!   particle τ = clamp(`time`(x), 0, 1) (the time predictor's raw output, clamped), and
//!   k = ⌈(1 − τ)/ω⌉ Euler steps of `straight` on [τ, 1], computed in double precision
//!   (no step when k = 0). The mean number of network evaluations per sample (NFE) is
//!   `nsgf_steps + 1 + mean(k)`.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::error::FlowError;
use super::problem::{Problem, Source};
use super::settings::Method;
use crate::data::Standardization;

/// The `format` field of every manifest.
pub const MANIFEST_FORMAT: &str = "gradflow-flow";
/// The manifest version this build writes (it also reads version 1, the 2D-only one).
pub const MANIFEST_VERSION: u64 = 2;

/// What a model file of a flow is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ModelRole {
    /// The velocity field (FM, OT-CFM, NSGF; NSGF++'s Sinkhorn-flow phase).
    Velocity,
    /// NSGF++'s time predictor t_φ(x).
    Time,
    /// NSGF++'s straight flow u_δ(x, t).
    Straight,
}

impl ModelRole {
    /// Every role.
    pub const ALL: [ModelRole; 3] = [Self::Velocity, Self::Time, Self::Straight];

    /// `velocity`, `time` or `straight`: the key in the manifest and the file suffix.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Velocity => "velocity",
            Self::Time => "time",
            Self::Straight => "straight",
        }
    }
}

/// How a flow is sampled.
#[derive(Clone, Debug, PartialEq)]
pub enum Sampling {
    /// Euler steps of the velocity model on [0, `t1`].
    Euler {
        /// End time (1 for flow matching, T·η for NSGF).
        t1: f64,
        /// Step counts to report (10 and 100 by default); any count samples the flow.
        steps: Vec<u32>,
    },
    /// NSGF++: Sinkhorn-flow phase, time prediction, straight flow (module docs).
    NsgfPp {
        /// NSGF Euler steps T.
        nsgf_steps: u32,
        /// NSGF step η (the phase ends at T·η).
        eta: f64,
        /// Straight-flow step ω.
        omega: f64,
    },
}

impl Sampling {
    /// The end time of the NSGF++ phase, T·η (in f64, as written in the manifest).
    pub fn nsgf_t1(nsgf_steps: u32, eta: f64) -> f64 {
        f64::from(nsgf_steps) * eta
    }

    /// The models this scheme needs.
    pub fn roles(&self) -> &'static [ModelRole] {
        match self {
            Self::Euler { .. } => &[ModelRole::Velocity],
            Self::NsgfPp { .. } => &ModelRole::ALL,
        }
    }
}

/// The contents of a flow manifest.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowManifest {
    /// The method that trained the flow.
    pub method: Method,
    /// The training data's name (informative).
    pub dataset: String,
    /// The law of the starting points x₀.
    pub source: Source,
    /// The dimension d of the points.
    pub dim: usize,
    /// The standardisation of the source law, if any (x₀ = mean + scale ⊙ z).
    pub units: Option<Standardization>,
    /// The training run's seed.
    pub seed: u64,
    /// How to sample.
    pub sampling: Sampling,
    /// Model file of each role, relative to the manifest's directory (or absolute).
    pub models: Vec<(ModelRole, String)>,
    /// The training settings (informative).
    pub training: Value,
}

impl FlowManifest {
    /// A manifest for a flow trained on `problem`, with no model file listed yet.
    pub fn for_problem(
        method: Method,
        problem: &Problem,
        seed: u64,
        sampling: Sampling,
        models: Vec<(ModelRole, String)>,
        training: Value,
    ) -> Self {
        Self {
            method,
            dataset: problem.name(),
            source: problem.source,
            dim: problem.dim(),
            units: problem.units().cloned(),
            seed,
            sampling,
            models,
            training,
        }
    }

    /// `n` starting points x₀ (n × dim, data units) of the source law for the seed `seed`.
    pub fn source_batch(&self, n: usize, seed: u64) -> Vec<f64> {
        let z = self.source.sample(n, self.dim, seed);
        match &self.units {
            Some(units) => units.to_data(&z),
            None => z,
        }
    }

    /// The source law as text: `normal in d = 8`, `8gaussians`, `normal in d = 8, in the
    /// data's standardised units`.
    pub fn source_description(&self) -> String {
        let units = if self.units.is_some() {
            ", in the data's standardised units"
        } else {
            ""
        };
        match self.source {
            Source::Normal => format!("normal in d = {}{units}", self.dim),
            Source::EightGaussians => self.source.name().to_owned(),
        }
    }

    /// The file of `role`, if listed.
    pub fn file(&self, role: ModelRole) -> Option<&str> {
        self.models
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, f)| f.as_str())
    }

    /// A one-line description of the sampling scheme.
    pub fn description(&self) -> String {
        match &self.sampling {
            Sampling::Euler { t1, .. } => format!(
                "x0 ~ {}; K Euler steps of `velocity` (time appended to the input) from t = 0 \
                 to t = {t1}",
                self.source_description()
            ),
            Sampling::NsgfPp {
                nsgf_steps,
                eta,
                omega,
            } => format!(
                "x0 ~ {}; {nsgf_steps} Euler steps of `velocity` from t = 0 to t = {}; per \
                 particle tau = clamp(time(x), 0, 1) and k = ceil((1 - tau)/{omega}) Euler \
                 steps of `straight` from t = tau to t = 1 (none if k = 0)",
                self.source_description(),
                Sampling::nsgf_t1(*nsgf_steps, *eta)
            ),
        }
    }

    /// The JSON document.
    pub fn to_json(&self) -> Value {
        let models: Map<String, Value> = self
            .models
            .iter()
            .map(|(r, f)| (r.name().to_owned(), json!(f)))
            .collect();
        let sampling = match &self.sampling {
            Sampling::Euler { t1, steps } => {
                json!({"scheme": "euler", "t0": 0.0, "t1": t1, "steps": steps})
            }
            Sampling::NsgfPp {
                nsgf_steps,
                eta,
                omega,
            } => json!({
                "scheme": "nsgfpp",
                "nsgf_steps": nsgf_steps,
                "eta": eta,
                "nsgf_t1": Sampling::nsgf_t1(*nsgf_steps, *eta),
                "omega": omega,
            }),
        };
        let mut v = json!({
            "format": MANIFEST_FORMAT,
            "version": MANIFEST_VERSION,
            "method": self.method.name(),
            "dataset": self.dataset,
            "source": self.source.name(),
            "dim": self.dim,
            "seed": self.seed,
            "models": models,
            "sampling": sampling,
            "description": self.description(),
            "training": self.training,
        });
        if let (Some(units), Some(map)) = (&self.units, v.as_object_mut()) {
            map.insert(
                "units".into(),
                json!({"mean": units.mean, "scale": units.scale}),
            );
        }
        v
    }

    /// Parses and checks a manifest document.
    pub fn from_json(v: &Value) -> Result<Self, FlowError> {
        let bad = |what: &str| FlowError::manifest(what.to_owned());
        if v["format"] != MANIFEST_FORMAT {
            return Err(bad(
                "not a gradflow flow manifest (no \"format\": \"gradflow-flow\")",
            ));
        }
        let version = v["version"].as_u64();
        if !matches!(version, Some(1..=MANIFEST_VERSION)) {
            return Err(bad(&format!(
                "manifest version {} is not supported (this gradflow reads versions 1 to \
                 {MANIFEST_VERSION})",
                v["version"]
            )));
        }
        let text = |key: &str| {
            v[key]
                .as_str()
                .ok_or_else(|| bad(&format!("missing text field \"{key}\"")))
        };
        let method = text("method")?;
        let method =
            Method::from_name(method).ok_or_else(|| bad(&format!("unknown method {method:?}")))?;
        let dataset = text("dataset")?.to_owned();
        let source = text("source")?;
        let source = Source::from_name(source)
            .ok_or_else(|| bad(&format!("unknown source {source:?} (normal or 8gaussians)")))?;
        let dim = if version == Some(1) {
            // Version 1 flows are 2D, on a built-in problem.
            let problem: Problem = dataset
                .parse()
                .map_err(|e: super::problem::UnknownProblem| bad(&e.to_string()))?;
            if problem.source != source {
                return Err(bad("\"source\" does not match \"dataset\""));
            }
            2
        } else {
            v["dim"]
                .as_u64()
                .and_then(|d| usize::try_from(d).ok())
                .filter(|&d| d >= 1)
                .ok_or_else(|| bad("missing \"dim\" (a dimension >= 1)"))?
        };
        if source == Source::EightGaussians && dim != 2 {
            return Err(bad(&format!("the 8gaussians source is 2D, not {dim}D")));
        }
        let units = match v.get("units") {
            None => None,
            Some(u) => Some(parse_units(u, dim).map_err(|what| bad(&what))?),
        };
        let seed = v["seed"].as_u64().ok_or_else(|| bad("missing \"seed\""))?;
        let sampling = parse_sampling(&v["sampling"])?;
        let expected = if method == Method::NsgfPp {
            "nsgfpp"
        } else {
            "euler"
        };
        if v["sampling"]["scheme"] != expected {
            return Err(bad(&format!(
                "method {method} samples with scheme \"{expected}\""
            )));
        }
        let listed = v["models"]
            .as_object()
            .ok_or_else(|| bad("missing \"models\""))?;
        let mut models = Vec::new();
        for role in sampling.roles() {
            let file = listed[role.name()]
                .as_str()
                .ok_or_else(|| bad(&format!("no model file for \"{}\"", role.name())))?;
            models.push((*role, file.to_owned()));
        }
        Ok(Self {
            method,
            dataset,
            source,
            dim,
            units,
            seed,
            sampling,
            models,
            training: v["training"].clone(),
        })
    }

    /// Reads the manifest at `path`.
    pub fn read(path: &Path) -> Result<Self, FlowError> {
        let in_file = |what: String| FlowError::Manifest {
            path: Some(path.to_path_buf()),
            what,
        };
        let text = std::fs::read_to_string(path).map_err(|e| in_file(e.to_string()))?;
        let v: Value =
            serde_json::from_str(&text).map_err(|e| in_file(format!("not JSON: {e}")))?;
        Self::from_json(&v).map_err(|e| e.in_file(path))
    }

    /// Where the model of `role` is, for a manifest at `manifest_path`.
    pub fn model_path(&self, manifest_path: &Path, role: ModelRole) -> Option<PathBuf> {
        let file = Path::new(self.file(role)?);
        if file.is_absolute() {
            return Some(file.to_path_buf());
        }
        let dir = manifest_path.parent().unwrap_or(Path::new(""));
        Some(dir.join(file))
    }
}

fn parse_sampling(s: &Value) -> Result<Sampling, FlowError> {
    let bad = |what: String| FlowError::manifest(format!("\"sampling\": {what}"));
    let number = |key: &str| {
        s[key]
            .as_f64()
            .filter(|v| v.is_finite())
            .ok_or_else(|| bad(format!("missing or non-finite \"{key}\"")))
    };
    match s["scheme"].as_str() {
        Some("euler") => {
            if number("t0")? != 0.0 {
                return Err(bad("\"t0\" must be 0".into()));
            }
            let t1 = number("t1")?;
            if t1 <= 0.0 {
                return Err(bad(format!("\"t1\" {t1} must be > 0")));
            }
            let steps = s["steps"]
                .as_array()
                .ok_or_else(|| bad("missing \"steps\"".into()))?
                .iter()
                .map(|k| {
                    k.as_u64()
                        .and_then(|k| u32::try_from(k).ok())
                        .filter(|&k| k > 0)
                        .ok_or_else(|| bad(format!("step count {k} is not in 1..2^32")))
                })
                .collect::<Result<_, _>>()?;
            Ok(Sampling::Euler { t1, steps })
        }
        Some("nsgfpp") => {
            let nsgf_steps = s["nsgf_steps"]
                .as_u64()
                .and_then(|k| u32::try_from(k).ok())
                .filter(|&k| k > 0)
                .ok_or_else(|| bad("\"nsgf_steps\" must be a positive integer".into()))?;
            let (eta, omega) = (number("eta")?, number("omega")?);
            if eta <= 0.0 || !(omega > 0.0 && omega <= 1.0) {
                return Err(bad("\"eta\" must be > 0 and \"omega\" in (0, 1]".into()));
            }
            let t1 = number("nsgf_t1")?;
            if t1 != Sampling::nsgf_t1(nsgf_steps, eta) {
                return Err(bad(format!("\"nsgf_t1\" {t1} is not nsgf_steps × eta")));
            }
            Ok(Sampling::NsgfPp {
                nsgf_steps,
                eta,
                omega,
            })
        }
        other => Err(bad(format!(
            "unknown scheme {}",
            other.map_or("(none)".into(), |s| format!("{s:?}"))
        ))),
    }
}

/// `{"mean": [...], "scale": [...]}` of `dim` finite numbers each, the scales > 0.
fn parse_units(v: &Value, dim: usize) -> Result<Standardization, String> {
    let numbers = |key: &str| -> Result<Vec<f64>, String> {
        let bad = || format!("\"units\".\"{key}\" must be {dim} finite numbers");
        let list = v[key].as_array().ok_or_else(bad)?;
        let values: Option<Vec<f64>> = list.iter().map(|x| x.as_f64()).collect();
        values
            .filter(|x| x.len() == dim && x.iter().all(|v| v.is_finite()))
            .ok_or_else(bad)
    };
    let (mean, scale) = (numbers("mean")?, numbers("scale")?);
    if scale.iter().any(|&s| s <= 0.0) {
        return Err("\"units\".\"scale\" must be > 0".into());
    }
    Ok(Standardization { mean, scale })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> FlowManifest {
        FlowManifest::for_problem(
            Method::NsgfPp,
            &Problem::EIGHT_GAUSSIANS_TO_MOONS,
            3,
            Sampling::NsgfPp {
                nsgf_steps: 5,
                eta: 0.2,
                omega: 0.1,
            },
            ModelRole::ALL
                .iter()
                .map(|r| (*r, format!("run.{}.gfm", r.name())))
                .collect(),
            json!({"lr": 0.001}),
        )
    }

    #[test]
    fn round_trips_and_refuses_inconsistent_documents() {
        let m = manifest();
        let v = m.to_json();
        assert_eq!(FlowManifest::from_json(&v).unwrap(), m);
        let euler = FlowManifest {
            method: Method::Fm,
            dataset: "my data".into(),
            source: Source::Normal,
            dim: 3,
            units: Some(Standardization {
                mean: vec![1.0, -2.0, 1e3],
                scale: vec![0.01, 1.0, 100.0],
            }),
            sampling: Sampling::Euler {
                t1: 1.0,
                steps: vec![10, 100],
            },
            models: vec![(ModelRole::Velocity, "a.gfm".into())],
            ..m.clone()
        };
        assert_eq!(FlowManifest::from_json(&euler.to_json()).unwrap(), euler);
        let z = Source::Normal.sample(4, 3, 9);
        let x = euler.source_batch(4, 9);
        assert_eq!(x[2], 1e3 + 100.0 * z[2]);
        let mut units = euler.to_json();
        units["units"]["scale"][1] = json!(0.0);
        let e = FlowManifest::from_json(&units).unwrap_err().to_string();
        assert!(e.contains("scale\" must be > 0"), "{e}");
        units["units"]["mean"] = json!([1.0]);
        let e = FlowManifest::from_json(&units).unwrap_err().to_string();
        assert!(e.contains("must be 3 finite numbers"), "{e}");
        let refuse = |edit: fn(&mut Value), needle: &str| {
            let mut w = v.clone();
            edit(&mut w);
            let e = FlowManifest::from_json(&w).unwrap_err().to_string();
            assert!(e.contains(needle), "{e}");
        };
        refuse(|w| w["format"] = json!("x"), "not a gradflow flow manifest");
        refuse(|w| w["version"] = json!(3), "version 3");
        refuse(|w| w["method"] = json!("fm"), "scheme \"euler\"");
        refuse(|w| w["source"] = json!("rings"), "unknown source");
        refuse(|w| w["dim"] = json!(3), "8gaussians source is 2D");
        refuse(|w| w["dim"] = json!(0), "missing \"dim\"");
        refuse(|w| w["sampling"]["omega"] = json!(0.0), "omega");
        refuse(
            |w| w["sampling"]["nsgf_t1"] = json!(2.0),
            "nsgf_steps × eta",
        );
        refuse(
            |w| w["models"]["time"] = Value::Null,
            "no model file for \"time\"",
        );
    }

    /// A version 1 manifest (2D, before `dim`) still reads, its dimension 2; its data set
    /// and source are checked as before.
    #[test]
    fn version_1_manifests_read_as_2d() {
        let mut v = manifest().to_json();
        v["version"] = json!(1);
        v.as_object_mut().unwrap().remove("dim");
        let m = FlowManifest::from_json(&v).unwrap();
        assert_eq!((m.dim, m.source), (2, Source::EightGaussians));
        assert_eq!(m.dataset, "8gaussians-moons");
        let mut w = v.clone();
        w["source"] = json!("normal");
        let e = FlowManifest::from_json(&w).unwrap_err().to_string();
        assert!(e.contains("does not match"), "{e}");
        w["dataset"] = json!("rings");
        let e = FlowManifest::from_json(&w).unwrap_err().to_string();
        assert!(e.contains("unknown data set"), "{e}");
    }

    #[test]
    fn model_paths_are_relative_to_the_manifest() {
        let m = manifest();
        let p = m.model_path(Path::new("/a/b/run.json"), ModelRole::Time);
        assert_eq!(p.unwrap(), Path::new("/a/b/run.time.gfm"));
        let p = m.model_path(Path::new("run.json"), ModelRole::Time);
        assert_eq!(p.unwrap(), Path::new("run.time.gfm"));
    }
}
