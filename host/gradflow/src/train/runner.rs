//! The generic training loop: progress, periodic checkpoints, resume, divergence, Ctrl-C.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::checkpoint::{Checkpoint, CheckpointError, HistoryRow, settings_diff};
use super::progress::{Progress, Running};
use super::trainer::{StepError, Trainer};

/// How [`run`] drives a trainer.
#[derive(Clone, Default)]
pub struct RunOptions {
    /// The run ends when the trainer has completed this many steps (counting those of a
    /// resumed checkpoint).
    pub total_steps: u64,
    /// Where checkpoints go; `None`: nowhere (no resume, nothing kept on divergence).
    pub checkpoint: Option<PathBuf>,
    /// Write a checkpoint every this many steps (0: only at the start, the end and on
    /// interruption).
    pub checkpoint_every: u64,
    /// Continue from the checkpoint at [`RunOptions::checkpoint`] instead of starting
    /// afresh.
    pub resume: bool,
    /// Start afresh even if a file is at [`RunOptions::checkpoint`] (an earlier run's
    /// checkpoint), replacing it. Without it such a run is refused
    /// ([`TrainError::CheckpointExists`]): nothing of an earlier run is lost silently.
    pub overwrite: bool,
    /// Told of every step (the `gradflow` binary draws a progress bar); `None`: nobody.
    pub progress: Option<Arc<dyn Progress>>,
    /// Checked between steps: once set, the run writes a checkpoint and returns
    /// [`RunOutcome::Interrupted`]. The `gradflow` binary passes
    /// [`ctrl_c_flag`](super::ctrl_c_flag).
    pub interrupt: Option<Arc<AtomicBool>>,
}

impl fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunOptions")
            .field("total_steps", &self.total_steps)
            .field("checkpoint", &self.checkpoint)
            .field("checkpoint_every", &self.checkpoint_every)
            .field("resume", &self.resume)
            .field("overwrite", &self.overwrite)
            .field("progress", &self.progress.is_some())
            .field("interrupt", &self.interrupt)
            .finish()
    }
}

impl RunOptions {
    /// `total_steps` steps, no checkpoints, no progress reports, no interruption.
    pub fn new(total_steps: u64) -> Self {
        Self {
            total_steps,
            ..Self::default()
        }
    }
}

/// How a run that did not fail ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunOutcome {
    /// All steps were taken (and, with a checkpoint path, the final checkpoint written).
    Finished {
        /// The step count the run started from (0, or a resumed checkpoint's).
        started_at: u64,
        /// Steps completed: the run's `total_steps`.
        step: u64,
    },
    /// The interrupt flag was set; the state after `step` steps was checkpointed.
    Interrupted {
        /// Steps completed.
        step: u64,
        /// Where the checkpoint was written, if the run had a checkpoint path.
        checkpoint: Option<PathBuf>,
    },
}

/// Why a run stopped early.
#[derive(Debug)]
#[non_exhaustive]
pub enum TrainError {
    /// A step reported a NaN or infinite loss or metric. The checkpoint file, if any, was
    /// left as it was: the last one written before the divergence.
    Diverged {
        /// The step that diverged (counting from 1).
        step: u64,
        /// Which quantity (`loss` or a metric's name).
        quantity: &'static str,
        /// Its value.
        value: f64,
        /// The step and path of the checkpoint kept.
        last_good: Option<(u64, PathBuf)>,
    },
    /// The run could not continue from its checkpoint (missing, corrupt, another
    /// trainer's, other settings, past the end of this run).
    Resume(CheckpointError),
    /// Writing a checkpoint failed (the previous file is intact).
    Checkpoint(CheckpointError),
    /// A step failed.
    Step {
        /// The step (counting from 1).
        step: u64,
        /// What went wrong.
        source: StepError,
    },
    /// The options are inconsistent (e.g. resume without a checkpoint path).
    Options(&'static str),
    /// A fresh run found a file at its checkpoint path (an earlier run's), and
    /// [`RunOptions::overwrite`] was not set.
    CheckpointExists(PathBuf),
    /// A [`Validation`] check failed.
    Validation {
        /// The step after which it ran.
        step: u64,
        /// What went wrong.
        source: StepError,
    },
}

impl fmt::Display for TrainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Diverged {
                step,
                quantity,
                value,
                last_good,
            } => {
                write!(f, "diverged at step {step} ({quantity} = {value})")?;
                match last_good {
                    Some((at, path)) => write!(
                        f,
                        "; the last good checkpoint (step {at}) is kept at {}",
                        path.display()
                    ),
                    None => write!(f, "; no checkpoint was written"),
                }
            }
            Self::Resume(e) => write!(f, "cannot resume: {e}"),
            Self::Checkpoint(e) => write!(f, "writing the checkpoint failed: {e}"),
            Self::Step { step, source } => write!(f, "step {step} failed: {source}"),
            Self::Validation { step, source } => {
                write!(f, "the check after step {step} failed: {source}")
            }
            Self::Options(what) => write!(f, "{what}"),
            Self::CheckpointExists(path) => write!(
                f,
                "{} already exists (an earlier run's checkpoint): resume it, or start afresh \
                 and overwrite it",
                path.display()
            ),
        }
    }
}

impl std::error::Error for TrainError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Resume(e) | Self::Checkpoint(e) => Some(e),
            Self::Step { source, .. } | Self::Validation { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

/// Loads the checkpoint at `path` into `trainer`, after checking that it was written by the
/// same kind of trainer with the same settings, and not past `total_steps`. Returns its
/// history.
fn resume<T: Trainer + ?Sized>(
    trainer: &mut T,
    path: &Path,
    total_steps: u64,
) -> Result<Vec<HistoryRow>, CheckpointError> {
    let ckpt = Checkpoint::read(path)?;
    let incompatible = |what: String| CheckpointError::incompatible(what).with_path(path);
    if ckpt.kind != trainer.kind() {
        return Err(incompatible(format!(
            "written by the `{}` trainer, not `{}`",
            ckpt.kind,
            trainer.kind()
        )));
    }
    if let Some(diff) = settings_diff(&ckpt.settings, &trainer.settings()) {
        return Err(incompatible(format!(
            "written with other settings ({diff}); use the same settings, or start afresh"
        )));
    }
    if ckpt.step > total_steps {
        return Err(incompatible(format!(
            "at step {}, past the end of this run ({total_steps} steps)",
            ckpt.step
        )));
    }
    trainer.restore(&ckpt).map_err(|e| e.with_path(path))?;
    if trainer.steps_done() != ckpt.step {
        return Err(incompatible(format!(
            "the trainer restored step {} from a checkpoint at step {}",
            trainer.steps_done(),
            ckpt.step
        )));
    }
    Ok(ckpt.history)
}

/// Writes the trainer's checkpoint, with the history so far plus the current averages.
fn save<T: Trainer + ?Sized>(
    trainer: &T,
    path: &Path,
    history: &mut Vec<HistoryRow>,
    running: &Running,
) -> Result<(), TrainError> {
    let mut ckpt = trainer.save();
    let step = trainer.steps_done();
    if step > 0 && history.last().is_none_or(|r| r.step != step) {
        history.push(running.row(step));
    }
    ckpt.history.clone_from(history);
    ckpt.write(path).map_err(TrainError::Checkpoint)
}

/// A check of the model every few steps of a run (an evaluation on held-out data, say),
/// for [`run_validated`].
pub trait Validation<T: ?Sized> {
    /// Steps between two checks: after every step count that is a multiple of it (the
    /// last step included); 0 for none.
    fn every(&self) -> u64;

    /// Checks `trainer` after its step [`Trainer::steps_done`]; the line returned is shown
    /// by the run's [`Progress::note`].
    fn check(&mut self, trainer: &T) -> Result<String, StepError>;
}

/// No checks (what [`run`] uses).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoValidation;

impl<T: ?Sized> Validation<T> for NoValidation {
    fn every(&self) -> u64 {
        0
    }

    fn check(&mut self, _: &T) -> Result<String, StepError> {
        Ok(String::new())
    }
}

/// Runs `trainer` to `options.total_steps` steps ([`run_validated`] without checks).
pub fn run<T: Trainer + ?Sized>(
    trainer: &mut T,
    options: &RunOptions,
) -> Result<RunOutcome, TrainError> {
    run_validated(trainer, options, &mut NoValidation)
}

/// Runs `trainer` to `options.total_steps` steps, with `validation`'s checks.
///
/// - With [`RunOptions::resume`], first continues from the checkpoint (refusing one of
///   another trainer, other settings, or a corrupt file, with a one-line reason);
///   otherwise refuses a path where a file already is, unless [`RunOptions::overwrite`],
///   and writes a checkpoint of the initial state at once, so that an unwritable path
///   fails before any work is done.
/// - Writes a checkpoint every [`RunOptions::checkpoint_every`] steps and at the end,
///   atomically: the file on disk is always a complete checkpoint.
/// - Stops with [`TrainError::Diverged`] at the first step whose loss or a metric is NaN or
///   infinite, without writing: the file on disk stays the last good checkpoint.
/// - Between steps, if the interrupt flag is set, writes a checkpoint and returns
///   [`RunOutcome::Interrupted`].
///
/// - After every [`Validation::every`] steps, runs [`Validation::check`] (before that
///   step's checkpoint) and shows its line; a failed check stops the run with
///   [`TrainError::Validation`].
///
/// Resuming from a checkpoint gives the same steps, bit for bit, as never having stopped
/// (given a trainer that keeps the [`Trainer`] contract).
pub fn run_validated<T: Trainer + ?Sized, V: Validation<T> + ?Sized>(
    trainer: &mut T,
    options: &RunOptions,
    validation: &mut V,
) -> Result<RunOutcome, TrainError> {
    let path = options.checkpoint.as_deref();
    let total = options.total_steps;
    let mut history = Vec::new();
    if options.resume {
        let path = path.ok_or(TrainError::Options(
            "resuming needs a checkpoint path to resume from",
        ))?;
        history = resume(trainer, path, total).map_err(TrainError::Resume)?;
    }
    let started_at = trainer.steps_done();
    let mut running = Running::from_history(&history);
    // The step of the checkpoint now on disk, if this run has one.
    let mut saved = None;
    if let Some(path) = path {
        if !options.resume {
            if !options.overwrite && path.exists() {
                return Err(TrainError::CheckpointExists(path.to_path_buf()));
            }
            save(trainer, path, &mut history, &running)?;
        }
        saved = Some(started_at);
    }
    let progress = options.progress.as_deref();
    // Every early return below reports the end first.
    let stop = |running: &Running| {
        if let Some(p) = progress {
            p.end(false, running.averages());
        }
    };
    if let Some(p) = progress {
        p.start(trainer.kind(), started_at, total);
    }
    let interrupted = || {
        options
            .interrupt
            .as_ref()
            .is_some_and(|f| f.load(Ordering::SeqCst))
    };
    while trainer.steps_done() < total {
        let done = trainer.steps_done();
        if interrupted() {
            stop(&running);
            if let Some(path) = path
                && saved != Some(done)
            {
                save(trainer, path, &mut history, &running)?;
            }
            return Ok(RunOutcome::Interrupted {
                step: done,
                checkpoint: path.map(Path::to_path_buf),
            });
        }
        let stats = trainer.step().map_err(|source| {
            stop(&running);
            TrainError::Step {
                step: done + 1,
                source,
            }
        })?;
        if let Some((quantity, value)) = stats.non_finite() {
            stop(&running);
            return Err(TrainError::Diverged {
                step: done + 1,
                quantity,
                value,
                last_good: saved.zip(path.map(Path::to_path_buf)),
            });
        }
        let now = trainer.steps_done();
        if now != done + 1 {
            stop(&running);
            return Err(TrainError::Step {
                step: done + 1,
                source: format!("the trainer's step count went from {done} to {now}").into(),
            });
        }
        running.update(&stats);
        if let Some(p) = progress {
            p.update(now, running.averages());
        }
        let every = validation.every();
        if every > 0 && now.is_multiple_of(every) {
            let line = validation.check(trainer).map_err(|source| {
                stop(&running);
                TrainError::Validation { step: now, source }
            })?;
            if let Some(p) = progress {
                p.note(&line);
            }
        }
        if let Some(path) = path
            && options.checkpoint_every > 0
            && now.is_multiple_of(options.checkpoint_every)
            && now < total
        {
            save(trainer, path, &mut history, &running)?;
            saved = Some(now);
        }
    }
    if let Some(path) = path
        && saved != Some(trainer.steps_done())
    {
        save(trainer, path, &mut history, &running)?;
    }
    if let Some(p) = progress {
        p.end(true, running.averages());
    }
    Ok(RunOutcome::Finished {
        started_at,
        step: trainer.steps_done(),
    })
}
