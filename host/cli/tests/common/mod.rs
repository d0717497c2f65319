//! Helpers of the CLI tests: a fresh scratch directory and a run of the real binary.

use std::path::{Path, PathBuf};
use std::process::Command;

/// An empty directory `gradflow-{suite}-{pid}-{name}` under the system's temporary one.
pub fn scratch(suite: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gradflow-{suite}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `gradflow ARGS` in `dir`: (exit code, stdout, stderr).
pub fn gradflow(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gradflow"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("failed to start gradflow");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
