//! Progress reports and the running (exponentially averaged) loss and metrics.

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

    /// The running loss and metrics, as [`Progress`] reports them.
    pub(crate) fn averages(&self) -> Averages<'_> {
        Averages {
            loss: self.loss,
            metrics: &self.metrics,
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
}

/// The running (about 50-step exponential) averages of the loss and of each metric, by
/// name, as a run reports them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Averages<'a> {
    /// The running loss.
    pub loss: f64,
    /// The running metrics, by name.
    pub metrics: &'a [(String, f64)],
}

/// What a training run reports as it goes. [`run`](super::run) calls it from the training
/// thread; the `gradflow` binary draws a progress bar from it.
pub trait Progress: Send + Sync {
    /// The run of `kind` (the trainer's name) starts at step `step` of `total` (past 0 when
    /// resumed).
    fn start(&self, kind: &str, step: u64, total: u64);
    /// Step `step` is done; `averages` are the running averages after it.
    fn update(&self, step: u64, averages: Averages<'_>);
    /// A line to show (a [`Validation`](super::Validation) check's result); by default,
    /// nothing.
    fn note(&self, _line: &str) {}
    /// The run ended: `finished` is false when it stopped early (interrupted, diverged or
    /// failed). `averages` as in [`Progress::update`].
    fn end(&self, finished: bool, averages: Averages<'_>);
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
    }
}
