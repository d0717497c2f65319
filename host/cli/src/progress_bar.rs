//! The progress bar of training runs: an indicatif bar on stderr fed by the library's
//! [`Progress`] reports (step/total, elapsed, ETA, rate and the running averages).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gradflow::train::{Averages, Progress};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// The bar, or with `--no-progress` only the notes (held-out checks) on stderr. indicatif
/// hides the bar when stderr is not a terminal.
pub(crate) fn progress_bar(enabled: bool) -> Option<Arc<dyn Progress>> {
    Some(if enabled {
        Arc::new(Bar {
            bar: ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
            last_message: Mutex::new(None),
        }) as Arc<dyn Progress>
    } else {
        Arc::new(NotesOnly)
    })
}

/// No bar; the notes on stderr.
struct NotesOnly;

impl Progress for NotesOnly {
    fn start(&self, _: &str, _: u64, _: u64) {}
    fn update(&self, _: u64, _: Averages<'_>) {}
    fn end(&self, _: bool, _: Averages<'_>) {}
    fn note(&self, line: &str) {
        eprintln!("{line}");
    }
}

struct Bar {
    bar: ProgressBar,
    last_message: Mutex<Option<Instant>>,
}

/// `loss 1.234e-2 rms_e 5.000e-3 …`
fn message(averages: Averages<'_>) -> String {
    let mut m = format!("loss {:.3e}", averages.loss);
    for (name, v) in averages.metrics {
        m.push_str(&format!(" {name} {v:.3e}"));
    }
    m
}

impl Progress for Bar {
    fn start(&self, kind: &str, step: u64, total: u64) {
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
        self.bar.set_style(style);
        self.bar.set_length(total);
        self.bar.set_prefix(kind.to_string());
        self.bar.set_position(step);
        self.bar.reset_eta();
        if !self.bar.is_hidden() {
            // Keeps the elapsed time and ETA moving through slow steps.
            self.bar.enable_steady_tick(Duration::from_millis(500));
        }
    }

    /// Moves to `step`; refreshes the message at most ten times a second.
    fn update(&self, step: u64, averages: Averages<'_>) {
        self.bar.set_position(step);
        let mut last = self.last_message.lock().unwrap_or_else(|e| e.into_inner());
        let due = last.is_none_or(|t| t.elapsed() >= Duration::from_millis(100));
        if due && !self.bar.is_hidden() {
            self.bar.set_message(message(averages));
            *last = Some(Instant::now());
        }
    }

    /// Prints `line` above the bar (on stderr as it is when the bar is hidden).
    fn note(&self, line: &str) {
        if self.bar.is_hidden() {
            eprintln!("{line}");
        } else {
            self.bar.println(line);
        }
    }

    /// Leaves the bar on the terminal: with the final averages when the run finished,
    /// where it stopped otherwise.
    fn end(&self, finished: bool, averages: Averages<'_>) {
        if finished {
            if !self.bar.is_hidden() {
                self.bar.set_message(message(averages));
            }
            self.bar.finish();
        } else {
            self.bar.abandon();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_lists_the_loss_then_the_metrics() {
        let metrics = [("m".to_string(), 3.0)];
        let averages = Averages {
            loss: 1.0,
            metrics: &metrics,
        };
        assert_eq!(message(averages), "loss 1.000e0 m 3.000e0");
    }
}
