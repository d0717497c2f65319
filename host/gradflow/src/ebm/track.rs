//! Tracking an EBM on held-out data while it trains: every K updates the model's long-run
//! chains ([`evaluate_trained`], the same seed each time) are scored against the test
//! points; each check is a JSON line of `PREFIX.metrics.jsonl`, and the best model so far
//! (lowest W2) is kept as `PREFIX.best.gfm`, in the data's units, next to the last one.

use std::path::{Path, PathBuf};

use gradflow_core::Scalar;
use serde_json::json;

use super::experiment::{EbmData, evaluate_trained};
use super::{EbmTrainer, EnergyModel};
use crate::train::{MetricsLog, MetricsLogError, StepError, Trainer, Validation, best_prefix};

/// The [`Validation`] of an EBM run: every `every` updates, W2, the Sinkhorn divergence,
/// MMD², the energy distance, the worst per-feature errors and (2D sets) the grid KL of
/// the model's long-run samples against the test points, in the coordinates the energy is
/// trained in.
#[derive(Debug)]
pub struct EbmTracker {
    data: EbmData,
    test: Vec<f64>,
    chain_steps: usize,
    every: u64,
    log: MetricsLog,
    best_model: PathBuf,
}

impl EbmTracker {
    /// Checks a model trained on `data` against its `test` rows (as
    /// [`EbmData::train_test`] gives them) every `every` updates with `chain_steps`-step
    /// chains, writing `PREFIX.metrics.jsonl` and `PREFIX.best.gfm` for the run prefix
    /// `prefix`. With `resume`, continues the metrics file and the best W2 it records
    /// ([`MetricsLog::open`]).
    pub fn new(
        data: &EbmData,
        test: &[f64],
        chain_steps: usize,
        every: u64,
        prefix: &Path,
        resume: bool,
    ) -> Result<Self, MetricsLogError> {
        let best = best_prefix(prefix);
        let name = best.file_name().and_then(|n| n.to_str()).unwrap_or("");
        Ok(Self {
            data: data.clone(),
            test: test.to_vec(),
            chain_steps,
            every,
            log: MetricsLog::open(prefix, "w2", resume)?,
            best_model: best.with_file_name(format!("{name}.gfm")),
        })
    }

    /// The metrics file, `PREFIX.metrics.jsonl`.
    pub fn metrics_path(&self) -> &Path {
        self.log.path()
    }

    /// The best model's file, `PREFIX.best.gfm`.
    pub fn best_model_path(&self) -> &Path {
        &self.best_model
    }

    /// The update and W2 of the best check so far (the earliest of equal ones).
    pub fn best(&self) -> Option<(u64, f64)> {
        self.log.best()
    }
}

impl<S: Scalar, M: EnergyModel<S>> Validation<EbmTrainer<S, M>> for EbmTracker {
    fn every(&self) -> u64 {
        self.every
    }

    fn check(&mut self, trainer: &EbmTrainer<S, M>) -> Result<String, StepError> {
        let step = trainer.steps_done();
        let e = evaluate_trained(trainer, &self.data, &self.test, self.chain_steps)?;
        let m = &e.metrics;
        let mut row = m.to_json();
        row["step"] = json!(step);
        row["kl"] = json!(e.kl.map(|k| k.kl));
        if self.log.record(&row)? {
            let bytes = self.data.model_file(trainer.model().model_bytes()?)?;
            bytes.write(&self.best_model)?;
        }
        let (best_step, best_w2) = self.log.best().expect("a check was just recorded");
        let kl = e.kl.map_or(String::new(), |k| format!(", KL {:.4}", k.kl));
        Ok(format!(
            "update {step}: held-out W2 {:.4}, Sinkhorn {:.4}, MMD² {:.3e}{kl} (best W2 \
             {best_w2:.4} at update {best_step})",
            m.w2, m.sinkhorn, m.mmd2
        ))
    }
}
