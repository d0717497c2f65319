//! Ctrl-C: a flag the runner checks between steps.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use signal_hook::consts::SIGINT;

/// The process-wide Ctrl-C flag, installing the handler on the first call.
///
/// After the first Ctrl-C (SIGINT) the flag is set: a run given it in
/// [`RunOptions::interrupt`](super::RunOptions::interrupt) writes a checkpoint after the
/// step in progress and returns [`RunOutcome::Interrupted`](super::RunOutcome). A second
/// Ctrl-C, while the flag is still set, ends the process at once with exit code 130 (the
/// checkpoint on disk is then the previous one: writes are atomic).
///
/// Install it only in programs (the `gradflow` binary does): it replaces the default
/// action of SIGINT, which ends the process.
pub fn ctrl_c_flag() -> std::io::Result<Arc<AtomicBool>> {
    static FLAG: Mutex<Option<Arc<AtomicBool>>> = Mutex::new(None);
    let mut slot = FLAG.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(flag) = slot.as_ref() {
        return Ok(flag.clone());
    }
    let flag = Arc::new(AtomicBool::new(false));
    // Order matters: the shutdown hook looks at the flag before the second hook sets it.
    signal_hook::flag::register_conditional_shutdown(SIGINT, 130, flag.clone())?;
    signal_hook::flag::register(SIGINT, flag.clone())?;
    *slot = Some(flag.clone());
    Ok(flag)
}
