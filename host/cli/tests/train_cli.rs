//! `gradflow fit` as a training run: Ctrl-C, resume, refusals and divergence, through the
//! real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use gradflow::train::Checkpoint;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gradflow-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The settings of every run here: small and fast (well under a millisecond a step).
const SETTINGS: [&str; 8] = [
    "--width", "16", "--batch", "16", "--seed", "5", "--lr", "0.005",
];

fn fit(dir: &Path, extra: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gradflow"));
    c.current_dir(dir).arg("fit").args(SETTINGS).args(extra);
    c
}

fn output(mut c: Command) -> (Option<i32>, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = c.output().expect("failed to start gradflow");
    (
        status.code(),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// Starts `gradflow fit` with `run` in `dir`, waits until its periodic checkpoint `ckpt`
/// has moved past step 0, sends it `signal` (a `kill` option) and returns its output.
#[cfg(unix)]
fn signal_after_first_checkpoint(
    dir: &Path,
    run: &[&str],
    ckpt: &Path,
    signal: &str,
) -> std::process::Output {
    let mut child = fit(dir, run)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("failed to start gradflow");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !Checkpoint::read(ckpt).is_ok_and(|c| c.step > 0) {
        assert!(child.try_wait().unwrap().is_none(), "fit ended early");
        assert!(Instant::now() < deadline, "no checkpoint after 60 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    child.wait_with_output().unwrap()
}

/// Starts a long fit, waits until its periodic checkpoint has moved past step 0, sends it
/// SIGINT: it exits with 130 after one line on stderr, leaving a loadable checkpoint at a
/// step between; `--resume` then finishes the run with the model bytes of an uninterrupted
/// run of the same settings.
#[cfg(unix)]
#[test]
fn ctrl_c_checkpoints_and_resume_finishes_the_same_model() {
    let dir = scratch("ctrl-c");
    let iters = "60000";
    let run = [
        "--iters",
        iters,
        "--checkpoint-every",
        "200",
        "--out",
        "m.gfm",
    ];
    let ckpt = dir.join("m.gfm.ckpt");
    let out = signal_after_first_checkpoint(&dir, &run, &ckpt, "-INT");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "stderr: {stderr}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let kept = Checkpoint::read(&ckpt).unwrap();
    assert!(kept.step > 0 && kept.step < 60000, "step {}", kept.step);
    assert_eq!(
        stderr.trim_end(),
        format!(
            "gradflow fit: interrupted at step {} of {iters}; checkpoint written to \
             m.gfm.ckpt (continue with --resume and the same settings)",
            kept.step
        )
    );
    assert!(!dir.join("m.gfm").exists());

    let mut resumed_args = run.to_vec();
    resumed_args.push("--resume");
    let (code, stdout, stderr) = output(fit(&dir, &resumed_args));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains(&format!("resumed at step {}", kept.step)),
        "{stdout}"
    );
    let whole_args = [
        "--iters",
        iters,
        "--checkpoint-every",
        "0",
        "--out",
        "whole.gfm",
    ];
    let (code, _, stderr) = output(fit(&dir, &whole_args));
    assert_eq!(code, Some(0), "{stderr}");
    let resumed = std::fs::read(dir.join("m.gfm")).unwrap();
    let whole = std::fs::read(dir.join("whole.gfm")).unwrap();
    assert_eq!(resumed, whole, "the resumed model differs");
    assert_eq!(Checkpoint::read(&ckpt).unwrap().step, 60000);
    assert_eq!(
        Checkpoint::read(&dir.join("whole.gfm.ckpt")).unwrap().step,
        60000
    );
}

/// SIGTERM (what a batch scheduler sends before it kills a job) is handled as Ctrl-C is:
/// exit 130 after one line, and a loadable checkpoint past step 0.
#[cfg(unix)]
#[test]
fn sigterm_checkpoints_like_ctrl_c() {
    let dir = scratch("sigterm");
    let run = [
        "--iters",
        "60000",
        "--checkpoint-every",
        "200",
        "--out",
        "t.gfm",
    ];
    let ckpt = dir.join("t.gfm.ckpt");
    let out = signal_after_first_checkpoint(&dir, &run, &ckpt, "-TERM");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "stderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("interrupted at step"), "{stderr}");
    let kept = Checkpoint::read(&ckpt).unwrap();
    assert!(kept.step > 0 && kept.step < 60000, "step {}", kept.step);
    assert!(!dir.join("t.gfm").exists());
}

/// `--resume` with other settings, a corrupt file, or no file: exit 1, one line naming the
/// file and the reason; the checkpoint is left as it was.
#[test]
fn resume_refusals_are_one_line() {
    let dir = scratch("refuse");
    let (code, _, stderr) = output(fit(&dir, &["--iters", "50", "--out", "m.gfm"]));
    assert_eq!(code, Some(0), "{stderr}");
    let ckpt = dir.join("m.gfm.ckpt");
    let good = std::fs::read(&ckpt).unwrap();

    let (code, stdout, stderr) =
        output(fit(&dir, &["--iters", "60", "--out", "m.gfm", "--resume"]));
    assert_eq!(code, Some(1));
    assert!(stdout.is_empty());
    assert_eq!(
        stderr,
        "gradflow fit: cannot resume: m.gfm.ckpt: written with other settings (iters = 50 \
         there, 60 now); use the same settings, or start afresh\n"
    );
    assert_eq!(std::fs::read(&ckpt).unwrap(), good);

    let mut bad = good.clone();
    bad[100] ^= 4;
    std::fs::write(&ckpt, &bad).unwrap();
    let (code, _, stderr) = output(fit(&dir, &["--iters", "50", "--out", "m.gfm", "--resume"]));
    assert_eq!(code, Some(1));
    assert_eq!(
        stderr,
        "gradflow fit: cannot resume: m.gfm.ckpt: corrupted checkpoint (checksum mismatch)\n"
    );

    let (code, _, stderr) = output(fit(
        &dir,
        &["--iters", "50", "--checkpoint", "nowhere.ckpt", "--resume"],
    ));
    assert_eq!(code, Some(1));
    assert!(
        stderr.starts_with("gradflow fit: cannot resume: nowhere.ckpt: ")
            && stderr.lines().count() == 1,
        "{stderr}"
    );
}

/// A learning rate of 1e300: exit 1 with the divergence line naming step 2, the checkpoint
/// of step 1 kept and loadable, no model written.
#[test]
fn divergence_is_reported_and_the_last_good_checkpoint_kept() {
    let dir = scratch("diverge");
    let mut c = Command::new(env!("CARGO_BIN_EXE_gradflow"));
    c.current_dir(&dir).args([
        "fit",
        "--width",
        "16",
        "--batch",
        "16",
        "--lr",
        "1e300",
        "--iters",
        "100",
        "--checkpoint-every",
        "1",
        "--checkpoint",
        "run.ckpt",
        "--out",
        "m.gfm",
    ]);
    let (code, stdout, stderr) = output(c);
    assert_eq!(code, Some(1));
    assert!(stdout.is_empty());
    assert_eq!(
        stderr,
        "gradflow fit: diverged at step 2 (loss = NaN); the last good checkpoint (step 1) is \
         kept at run.ckpt; try a lower --lr\n"
    );
    assert_eq!(Checkpoint::read(&dir.join("run.ckpt")).unwrap().step, 1);
    assert!(!dir.join("m.gfm").exists());
}
