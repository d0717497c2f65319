//! The progress bar and the running (exponentially averaged) loss and metrics.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use super::checkpoint::HistoryRow;
use super::trainer::StepStats;

/// Weight of the past in the running averages: a window of about 1/(1 − 0.98) = 50 steps.
const DECAY: f64 = 0.98;

/// Bias-corrected exponential moving averages of the loss and of each metric.
#[derive(Clone, Debug, Default)]
pub(crate) struct Running {
    loss: f64,
    metrics: Vec<(String, f64)>,
    /// 1 − DECAYⁿ after n updates: the bias correction.
    weight: f64,
}

impl Running {
    /// Continues from the last history row of a checkpoint (or starts empty).
    pub(crate) fn from_history(history: &[HistoryRow]) -> Self {
        history.last().map_or_else(Self::default, |row| Self {
            loss: row.loss,
            metrics: row.metrics.clone(),
            weight: 1.0,
        })
    }

    pub(crate) fn update(&mut self, stats: &StepStats) {
        let mix = |avg: &mut f64, x: f64| *avg = DECAY * *avg + (1.0 - DECAY) * x;
        // Work on the uncorrected sums: scale stored (corrected) values back.
        let w = self.weight;
        self.weight = DECAY * w + (1.0 - DECAY);
        let mut loss = self.loss * w;
        mix(&mut loss, stats.loss);
        self.loss = loss / self.weight;
        for &(name, x) in &stats.metrics {
            match self.metrics.iter_mut().find(|(n, _)| n == name) {
                Some((_, avg)) => {
                    let mut sum = *avg * w;
                    mix(&mut sum, x);
                    *avg = sum / self.weight;
                }
                None => self.metrics.push((name.to_string(), x)),
            }
        }
    }

    /// The averages as a history row at `step`.
    pub(crate) fn row(&self, step: u64) -> HistoryRow {
        HistoryRow {
            step,
            loss: self.loss,
            metrics: self.metrics.clone(),
        }
    }

    /// `loss 1.234e-2 rms_e 5.000e-3 …`
    fn message(&self) -> String {
        let mut m = format!("loss {:.3e}", self.loss);
        for (name, v) in &self.metrics {
            m.push_str(&format!(" {name} {v:.3e}"));
        }
        m
    }
}

/// An indicatif bar on stderr: step/total, elapsed, ETA, rate and the running averages.
/// Hidden when progress is off and, by indicatif, when stderr is not a terminal.
pub(crate) struct Progress {
    bar: ProgressBar,
    last_message: Option<Instant>,
}

impl Progress {
    pub(crate) fn new(enabled: bool, kind: &str, start: u64, total: u64) -> Self {
        let target = if enabled {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(total), target);
        let style = ProgressStyle::with_template(
            "{prefix} {bar:24} {pos}/{len} [{elapsed_precise}<{eta_precise}, {rate}] {msg}",
        )
        .map(|style| {
            style.with_key(
                "rate",
                |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.1} steps/s", state.per_sec());
                },
            )
        })
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_prefix(kind.to_string());
        bar.set_position(start);
        bar.reset_eta();
        if !bar.is_hidden() {
            // Keeps the elapsed time and ETA moving through slow steps.
            bar.enable_steady_tick(Duration::from_millis(500));
        }
        Self {
            bar,
            last_message: None,
        }
    }

    /// Moves to `step`; refreshes the message at most ten times a second.
    pub(crate) fn update(&mut self, step: u64, running: &Running) {
        self.bar.set_position(step);
        let due = self
            .last_message
            .is_none_or(|t| t.elapsed() >= Duration::from_millis(100));
        if due && !self.bar.is_hidden() {
            self.bar.set_message(running.message());
            self.last_message = Some(Instant::now());
        }
    }

    /// Leaves the bar, with the final averages, on the terminal.
    pub(crate) fn finish(&self, running: &Running) {
        if !self.bar.is_hidden() {
            self.bar.set_message(running.message());
        }
        self.bar.finish();
    }

    /// Stops drawing, leaving the bar where it stopped.
    pub(crate) fn abandon(&self) {
        self.bar.abandon();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_average_is_bias_corrected_and_tracks_a_constant() {
        let mut r = Running::default();
        r.update(&StepStats::new(2.0).with("m", -1.0));
        assert_eq!(r.loss, 2.0);
        for _ in 0..500 {
            r.update(&StepStats::new(1.0).with("m", 3.0));
        }
        assert!((r.loss - 1.0).abs() < 1e-3, "{}", r.loss);
        assert!((r.metrics[0].1 - 3.0).abs() < 1e-3);
        assert_eq!(r.row(7).step, 7);
        assert!(r.message().starts_with("loss 1.000e0 m 3.000e0"));
    }
}
