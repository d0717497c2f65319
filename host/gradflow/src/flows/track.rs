//! Tracking a flow on held-out data while it trains: every K steps the flow samples the
//! same evaluation points ([`evaluate`], draw 0) and is scored against the test points;
//! each check is a JSON line of `PREFIX.metrics.jsonl`, and the best flow so far (lowest
//! W2) is kept as `PREFIX.best.json` and its model files, next to the last one.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::eval::evaluate;
use super::manifest::Sampling;
use super::problem::Problem;
use super::trainer::FlowTrainer;
use crate::train::{MetricsLog, MetricsLogError, StepError, Validation, best_prefix};

/// Euler steps of a check (what `gradflow flow-sample` uses by default); NSGF++ sets its
/// own.
pub const TRACK_EULER_STEPS: u32 = 100;

/// The [`Validation`] of a flow run: every `every` steps, W2, the Sinkhorn divergence,
/// MMD², energy distance and the worst per-feature errors of the flow's samples against the
/// problem's test points.
#[derive(Debug)]
pub struct HeldOutTracker {
    problem: Problem,
    every: u64,
    log: MetricsLog,
    best_prefix: PathBuf,
}

impl HeldOutTracker {
    /// Checks `problem`'s flow every `every` steps, writing `PREFIX.metrics.jsonl` and
    /// `PREFIX.best.*` for the run prefix `prefix`. With `resume`, continues the metrics
    /// file and the best W2 it records ([`MetricsLog::open`]); otherwise starts both
    /// afresh.
    pub fn new(
        problem: &Problem,
        every: u64,
        prefix: &Path,
        resume: bool,
    ) -> Result<Self, MetricsLogError> {
        Ok(Self {
            problem: problem.clone(),
            every,
            log: MetricsLog::open(prefix, "w2", resume)?,
            best_prefix: best_prefix(prefix),
        })
    }

    /// The metrics file, `PREFIX.metrics.jsonl`.
    pub fn metrics_path(&self) -> &Path {
        self.log.path()
    }

    /// The prefix of the best flow's files, `PREFIX.best`.
    pub fn best_prefix(&self) -> &Path {
        &self.best_prefix
    }

    /// The step and W2 of the best check so far (the earliest of equal ones).
    pub fn best(&self) -> Option<(u64, f64)> {
        self.log.best()
    }

    /// The checks made so far.
    pub fn checks(&self) -> usize {
        self.log.checks()
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
        let mut row = m.to_json();
        row["step"] = json!(step);
        row["nfe"] = json!(e.sample.nfe);
        if self.log.record(&row)? {
            flow.write(&self.best_prefix)?;
        }
        let (best_step, best_w2) = self.log.best().expect("a check was just recorded");
        Ok(format!(
            "step {step}: held-out W2 {:.4}, Sinkhorn {:.4}, MMD² {:.4}, energy distance {:.4} \
             (best W2 {best_w2:.4} at step {best_step})",
            e.w2, m.sinkhorn, m.mmd2, m.energy_distance
        ))
    }
}
