//! Ctrl-C and SIGTERM: a flag the runner checks between steps.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use signal_hook::consts::{SIGINT, SIGTERM};

/// The process-wide interrupt flag, installing the handlers on the first call.
///
/// After the first Ctrl-C (SIGINT) or SIGTERM (what batch schedulers and `kill` send before
/// they end a job) the flag is set: a run given it in
/// [`RunOptions::interrupt`](super::RunOptions::interrupt) writes a checkpoint after the
/// step in progress and returns [`RunOutcome::Interrupted`](super::RunOutcome). A second
/// signal, while the flag is still set, ends the process at once with exit code 130
/// (SIGINT) or 143 (SIGTERM); the checkpoint on disk is then the previous one (writes are
/// atomic).
///
/// Install it only in programs (the `gradflow` binary does): it replaces the default
/// actions of SIGINT and SIGTERM, which end the process.
pub fn ctrl_c_flag() -> std::io::Result<Arc<AtomicBool>> {
    static FLAG: Mutex<Option<Arc<AtomicBool>>> = Mutex::new(None);
    let mut slot = FLAG.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(flag) = slot.as_ref() {
        return Ok(flag.clone());
    }
    let flag = Arc::new(AtomicBool::new(false));
    // Order matters: the shutdown hook looks at the flag before the second hook sets it.
    for (signal, code) in [(SIGINT, 130), (SIGTERM, 143)] {
        signal_hook::flag::register_conditional_shutdown(signal, code, flag.clone())?;
        signal_hook::flag::register(signal, flag.clone())?;
    }
    *slot = Some(flag.clone());
    Ok(flag)
}
