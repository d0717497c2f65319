//! The record of a run's held-out checks: one JSON line per check in
//! `PREFIX.metrics.jsonl`, the file rewritten atomically with each, and which check scored
//! best so far (the lowest score).

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::modelio::write_atomic;

/// The metrics file of the run prefix `prefix`: `PREFIX.metrics.jsonl`.
pub fn metrics_path(prefix: &Path) -> PathBuf {
    with_suffix(prefix, ".metrics.jsonl")
}

/// The prefix of the best check's files of the run prefix `prefix`: `PREFIX.best`.
pub fn best_prefix(prefix: &Path) -> PathBuf {
    with_suffix(prefix, ".best")
}

fn with_suffix(prefix: &Path, suffix: &str) -> PathBuf {
    let name = prefix.file_name().and_then(|n| n.to_str()).unwrap_or("");
    prefix.with_file_name(format!("{name}{suffix}"))
}

/// Why the metrics file could not be read or written.
#[derive(Debug)]
pub enum MetricsLogError {
    /// Reading or writing the file failed.
    Io(PathBuf, std::io::Error),
    /// A line of an earlier run's file is not a check (JSON with the step and the score).
    BadLine {
        /// The file.
        path: PathBuf,
        /// The line number (from 1).
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
}

impl fmt::Display for MetricsLogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(path, e) => write!(f, "{}: {e}", path.display()),
            Self::BadLine { path, line, reason } => {
                write!(f, "{} line {line}: {reason}", path.display())
            }
        }
    }
}

impl std::error::Error for MetricsLogError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(_, e) => Some(e),
            Self::BadLine { .. } => None,
        }
    }
}

/// The checks of a run, each a JSON object with its `"step"` and its score under `key`
/// (lower is better).
#[derive(Debug)]
pub struct MetricsLog {
    path: PathBuf,
    key: &'static str,
    /// Every check's step, score and JSON line.
    rows: Vec<(u64, f64, String)>,
}

impl MetricsLog {
    /// The log of the run prefix `prefix` ([`metrics_path`]), scored by `key`. With
    /// `resume`, continues the file an earlier run wrote (a resumed run repeats its steps
    /// bit for bit, so a check after its checkpoint is recomputed to the same line and
    /// [`Self::record`] replaces it); otherwise starts afresh.
    pub fn open(prefix: &Path, key: &'static str, resume: bool) -> Result<Self, MetricsLogError> {
        let mut log = Self {
            path: metrics_path(prefix),
            key,
            rows: Vec::new(),
        };
        if resume && log.path.exists() {
            let text = std::fs::read_to_string(&log.path)
                .map_err(|e| MetricsLogError::Io(log.path.clone(), e))?;
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let bad = |reason: String| MetricsLogError::BadLine {
                    path: log.path.clone(),
                    line: i + 1,
                    reason,
                };
                let row: Value = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
                let (Some(step), Some(score)) = (row["step"].as_u64(), row[key].as_f64()) else {
                    return Err(bad(format!("no \"step\" and \"{key}\"")));
                };
                log.rows.push((step, score, line.to_owned()));
            }
        }
        Ok(log)
    }

    /// Adds the check `row` (a JSON object with `"step"` and the score; checks at its step
    /// or later are dropped first) and rewrites the file atomically. Returns whether it is
    /// the best check so far.
    pub fn record(&mut self, row: &Value) -> Result<bool, MetricsLogError> {
        let (Some(step), Some(score)) = (row["step"].as_u64(), row[self.key].as_f64()) else {
            return Err(MetricsLogError::BadLine {
                path: self.path.clone(),
                line: self.rows.len() + 1,
                reason: format!("no \"step\" and \"{}\" in {row}", self.key),
            });
        };
        self.rows.retain(|&(s, _, _)| s < step);
        self.rows.push((step, score, row.to_string()));
        let text: String = self.rows.iter().map(|(_, _, l)| format!("{l}\n")).collect();
        write_atomic(&self.path, text.as_bytes()).map_err(|e| match e {
            crate::modelio::ModelIoError::Io(path, e) => MetricsLogError::Io(path, e),
            other => MetricsLogError::Io(self.path.clone(), std::io::Error::other(other)),
        })?;
        Ok(self.best().map(|(s, _)| s) == Some(step))
    }

    /// The file, `PREFIX.metrics.jsonl`.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The step and score of the best check so far (the earliest of equal ones).
    pub fn best(&self) -> Option<(u64, f64)> {
        self.rows
            .iter()
            .map(|&(step, score, _)| (step, score))
            .reduce(|best, row| if row.1 < best.1 { row } else { best })
    }

    /// The checks recorded so far.
    pub fn checks(&self) -> usize {
        self.rows.len()
    }
}
