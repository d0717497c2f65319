//! Training runs: a generic loop with progress reports, atomic checkpoints, bit-identical
//! resume, divergence detection and Ctrl-C handling.
//!
//! A training method implements [`Trainer`] (one step, save, restore); [`run`] drives it
//! to [`RunOptions::total_steps`]:
//!
//! - progress reports to a [`Progress`] (the step and the running loss and metrics as
//!   50-step exponential averages): the `gradflow` binary draws a bar on stderr from them;
//! - a [`Checkpoint`] every [`RunOptions::checkpoint_every`] steps, at the start and at the
//!   end, written atomically (temporary file in the same directory, fsync, rename): the
//!   file on disk is always a complete checkpoint, never a torn one;
//! - [`RunOptions::resume`] continues from the checkpoint, refusing (one line) a corrupt or
//!   truncated file, one of another trainer, or one written with other settings; the
//!   resumed run is bit for bit the run that was never stopped;
//! - a NaN or infinite loss or metric stops the run with [`TrainError::Diverged`], naming
//!   the step, and keeps the last good checkpoint (nothing is written after it);
//! - when the [`RunOptions::interrupt`] flag is set (by [`ctrl_c_flag`] on Ctrl-C), the run
//!   writes a checkpoint after the step in progress and returns
//!   [`RunOutcome::Interrupted`].
//!
//! `gradflow fit` ([`crate::fit::FitTrainer`]) is the first trainer.
//!
//! # Example
//!
//! A toy trainer (gradient descent on ½(p − 3)² with a noisy gradient), interrupted after
//! 40 steps and resumed from its checkpoint: the result equals an uninterrupted run's bit
//! for bit.
//!
//! ```
//! use gradflow_core::StreamRng;
//! use gradflow::train::{
//!     Checkpoint, CheckpointError, RunOptions, RunOutcome, StepError, StepStats, Trainer, run,
//! };
//! use serde_json::{Value, json};
//!
//! struct Toy { p: f64, rng: StreamRng, step: u64, lr: f64 }
//!
//! impl Toy {
//!     fn new(lr: f64) -> Self { Self { p: 0.0, rng: StreamRng::new(1, 0), step: 0, lr } }
//! }
//!
//! impl Trainer for Toy {
//!     fn kind(&self) -> &'static str { "toy" }
//!     fn settings(&self) -> Value { json!({ "lr": self.lr }) }
//!     fn steps_done(&self) -> u64 { self.step }
//!     fn step(&mut self) -> Result<StepStats, StepError> {
//!         let noise: f64 = self.rng.normal();
//!         self.p -= self.lr * (self.p - 3.0 + 0.1 * noise);
//!         self.step += 1;
//!         Ok(StepStats::new(0.5 * (self.p - 3.0).powi(2)).with("p", self.p))
//!     }
//!     fn save(&self) -> Checkpoint {
//!         let mut c = Checkpoint::new(self.kind(), self.step, self.settings());
//!         c.put_f64("p", &[self.p]);
//!         c.put_rng("rng", &self.rng);
//!         c
//!     }
//!     fn restore(&mut self, c: &Checkpoint) -> Result<(), CheckpointError> {
//!         self.p = c.f64s_len("p", 1)?[0];
//!         self.rng = c.rng("rng")?;
//!         self.step = c.step;
//!         Ok(())
//!     }
//! }
//!
//! let path = std::env::temp_dir().join(format!("toy-{}.ckpt", std::process::id()));
//! let mut whole = Toy::new(0.1);
//! run(&mut whole, &RunOptions::new(100))?;
//!
//! // 40 steps, checkpointed to `path`, then a fresh trainer resumes from the file.
//! let options = RunOptions { checkpoint: Some(path.clone()), ..RunOptions::new(40) };
//! run(&mut Toy::new(0.1), &options)?;
//! let mut resumed = Toy::new(0.1);
//! let options = RunOptions { total_steps: 100, resume: true, ..options };
//! let outcome = run(&mut resumed, &options)?;
//! assert_eq!(outcome, RunOutcome::Finished { started_at: 40, step: 100 });
//! assert_eq!(resumed.p.to_bits(), whole.p.to_bits());
//!
//! // Other settings are refused, naming what differs.
//! let err = run(&mut Toy::new(0.2), &options).unwrap_err();
//! assert!(err.to_string().contains("lr = 0.1 there, 0.2 now"), "{err}");
//! # std::fs::remove_file(&path).ok();
//! # Ok::<(), gradflow::train::TrainError>(())
//! ```

mod checkpoint;
mod crc;
mod interrupt;
mod metrics_log;
mod progress;
mod runner;
mod trainer;

pub use checkpoint::{
    Array, Checkpoint, CheckpointError, CheckpointErrorKind, HistoryRow, MAGIC, VERSION,
};
pub use interrupt::ctrl_c_flag;
pub use metrics_log::{MetricsLog, MetricsLogError, best_prefix, metrics_path};
pub use progress::{Averages, Progress};
pub use runner::{
    NoValidation, RunOptions, RunOutcome, TrainError, Validation, run, run_validated,
};
pub(crate) use trainer::resume_settings;
pub use trainer::{StepError, StepStats, Trainer};
