//! Tracking a flow on held-out data while it trains: every K steps the flow samples the
//! same evaluation points ([`evaluate`], draw 0) and is scored against the test points;
//! each check is a JSON line of `PREFIX.metrics.jsonl`, and the best flow so far (lowest
//! W2) is kept as `PREFIX.best.json` and its model files, next to the last one.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::error::FlowError;
use super::eval::evaluate;
use super::manifest::Sampling;
use super::problem::Problem;
use super::trainer::FlowTrainer;
use crate::modelio::{ModelIoError, write_atomic};
use crate::train::{StepError, Validation};

/// Euler steps of a check (what `gradflow flow-sample` uses by default); NSGF++ sets its
/// own.
pub const TRACK_EULER_STEPS: u32 = 100;

/// The [`Validation`] of a flow run: every `every` steps, W2, MMD², energy distance and the
/// worst per-feature errors of the flow's samples against the problem's test points.
#[derive(Debug)]
pub struct HeldOutTracker {
    problem: Problem,
    every: u64,
    metrics: PathBuf,
    best_prefix: PathBuf,
    /// Every check's step, W2 and JSON line (the file is rewritten atomically with each).
    rows: Vec<(u64, f64, String)>,
}

impl HeldOutTracker {
    /// Checks `problem`'s flow every `every` steps, writing `PREFIX.metrics.jsonl` and
    /// `PREFIX.best.*` for the run prefix `prefix`. With `resume`, continues the metrics
    /// file and the best W2 it records (a resumed run repeats its steps bit for bit, so a
    /// check after the checkpoint is recomputed to the same line); otherwise starts both
    /// afresh.
    pub fn new(
        problem: &Problem,
        every: u64,
        prefix: &Path,
        resume: bool,
    ) -> Result<Self, FlowError> {
        let name = prefix.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let metrics = prefix.with_file_name(format!("{name}.metrics.jsonl"));
        let best_prefix = prefix.with_file_name(format!("{name}.best"));
        let mut tracker = Self {
            problem: problem.clone(),
            every,
            metrics,
            best_prefix,
            rows: Vec::new(),
        };
        if resume && tracker.metrics.exists() {
            let text = std::fs::read_to_string(&tracker.metrics)
                .map_err(|e| FlowError::Model(ModelIoError::Io(tracker.metrics.clone(), e)))?;
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let row: Value = serde_json::from_str(line).map_err(|e| {
                    FlowError::manifest(format!("{}: {e}", tracker.metrics.display()))
                })?;
                let (Some(step), Some(w2)) = (row["step"].as_u64(), row["w2"].as_f64()) else {
                    return Err(FlowError::manifest(format!(
                        "{}: a line without step and w2: {line}",
                        tracker.metrics.display()
                    )));
                };
                tracker.rows.push((step, w2, line.to_owned()));
            }
        }
        Ok(tracker)
    }

    /// The metrics file, `PREFIX.metrics.jsonl`.
    pub fn metrics_path(&self) -> &Path {
        &self.metrics
    }

    /// The prefix of the best flow's files, `PREFIX.best`.
    pub fn best_prefix(&self) -> &Path {
        &self.best_prefix
    }

    /// The step and W2 of the best check so far (the earliest of equal ones).
    pub fn best(&self) -> Option<(u64, f64)> {
        self.rows
            .iter()
            .map(|&(step, w2, _)| (step, w2))
            .reduce(|best, row| if row.1 < best.1 { row } else { best })
    }

    /// The checks made so far.
    pub fn checks(&self) -> usize {
        self.rows.len()
    }
}

impl Validation<dyn FlowTrainer> for HeldOutTracker {
    fn every(&self) -> u64 {
        self.every
    }

    fn check(&mut self, trainer: &dyn FlowTrainer) -> Result<String, StepError> {
        let step = trainer.steps_done();
        let mut flow = trainer.flow()?;
        let steps = match flow.manifest().sampling {
            Sampling::Euler { .. } => Some(TRACK_EULER_STEPS),
            Sampling::NsgfPp { .. } => None,
        };
        let e = evaluate(&flow, &self.problem, trainer.compute(), steps, false, 1)?;
        let m = &e.metrics;
        let row = json!({
            "step": step,
            "w2": e.w2,
            "mmd2": m.mmd2,
            "mmd_bandwidth": m.bandwidth,
            "energy_distance": m.energy_distance,
            "worst_mean_error": m.worst_mean_error,
            "worst_sd_error": m.worst_sd_error,
            "nfe": e.sample.nfe,
        });
        // A resumed run repeats the checks after its checkpoint: the new line replaces them.
        self.rows.retain(|&(s, _, _)| s < step);
        self.rows.push((step, e.w2, row.to_string()));
        let text: String = self.rows.iter().map(|(_, _, l)| format!("{l}\n")).collect();
        write_atomic(&self.metrics, text.as_bytes())?;
        let (best_step, best_w2) = self.best().expect("a check was just added");
        if best_step == step {
            flow.write(&self.best_prefix)?;
        }
        Ok(format!(
            "step {step}: held-out W2 {:.4}, MMD² {:.4}, energy distance {:.4} (best W2 \
             {best_w2:.4} at step {best_step})",
            e.w2, m.mmd2, m.energy_distance
        ))
    }
}
