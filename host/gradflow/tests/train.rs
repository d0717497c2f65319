//! Training runs (`gradflow::train`): bit-identical resume, atomic and checked
//! checkpoint files, divergence, interruption; with `fit` as the trainer.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use gradflow::fit::{FitSettings, FitTrainer, fit};
use gradflow::optim::Adam;
use gradflow::train::{
    Array, Checkpoint, CheckpointError, CheckpointErrorKind, HistoryRow, RunOptions, RunOutcome,
    StepError, StepStats, TrainError, Trainer, run,
};
use gradflow_core::StreamRng;
use serde_json::{Value, json};

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gradflow-train-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A small, fast fit (width 16, 16 points per step).
fn small(iters: usize) -> FitSettings {
    FitSettings {
        width: 16,
        batch: 16,
        iters,
        seed: 3,
        ..FitSettings::default()
    }
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn options(total: u64, path: &Path) -> RunOptions {
    RunOptions {
        checkpoint: Some(path.to_path_buf()),
        ..RunOptions::new(total)
    }
}

/// The same fit uninterrupted (through `fit()` and through the runner), and stopped after
/// 150 of 400 steps, dropped, and resumed from the file: parameters and model bytes agree
/// bit for bit. Also the plain save / write / read / restore path, without the runner.
#[test]
fn resumed_fit_is_bit_identical_to_an_uninterrupted_one() {
    let dir = scratch("resume");
    let s = small(400);
    let (model, report) = fit(&s).unwrap();
    let mut whole = FitTrainer::new(&s).unwrap();
    let outcome = run(&mut whole, &RunOptions::new(400)).unwrap();
    assert_eq!(
        outcome,
        RunOutcome::Finished {
            started_at: 0,
            step: 400
        }
    );
    assert_eq!(whole.finish().unwrap().0, model);
    assert_eq!(whole.finish().unwrap().1, report);

    // Runner: 150 steps to a file, then a fresh trainer resumes to 400.
    let path = dir.join("fit.ckpt");
    {
        let mut first = FitTrainer::new(&s).unwrap();
        run(&mut first, &options(150, &path)).unwrap();
        assert_eq!(Checkpoint::read(&path).unwrap().step, 150);
    }
    let mut resumed = FitTrainer::new(&s).unwrap();
    let outcome = run(
        &mut resumed,
        &RunOptions {
            resume: true,
            ..options(400, &path)
        },
    )
    .unwrap();
    assert_eq!(
        outcome,
        RunOutcome::Finished {
            started_at: 150,
            step: 400
        }
    );
    assert_eq!(bits(resumed.params()), bits(whole.params()));
    assert_eq!(resumed.finish().unwrap().0.as_bytes(), model.as_bytes());
    let ckpt = Checkpoint::read(&path).unwrap();
    assert_eq!(ckpt.step, 400);
    assert_eq!(bits(ckpt.f64s("params").unwrap()), bits(whole.params()));

    // By hand: save after 77 steps, write, read, restore into a fresh trainer.
    let mut a = FitTrainer::new(&s).unwrap();
    for _ in 0..77 {
        a.step().unwrap();
    }
    let manual = dir.join("manual.ckpt");
    a.save().write(&manual).unwrap();
    drop(a);
    let mut b = FitTrainer::new(&s).unwrap();
    b.restore(&Checkpoint::read(&manual).unwrap()).unwrap();
    assert_eq!(b.steps_done(), 77);
    while b.steps_done() < 400 {
        b.step().unwrap();
    }
    assert_eq!(bits(b.params()), bits(whole.params()));
    assert_eq!(b.finish().unwrap().0, model);
}

/// Wraps a trainer: raises the interrupt flag after step `interrupt_at`, or reports a NaN
/// loss (and an infinite metric) at step `nan_at`, delegating everything else.
struct Sabotage<T> {
    inner: T,
    interrupt_at: Option<(u64, Arc<AtomicBool>)>,
    nan_at: Option<u64>,
}

impl<T: Trainer> Trainer for Sabotage<T> {
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }
    fn settings(&self) -> Value {
        self.inner.settings()
    }
    fn steps_done(&self) -> u64 {
        self.inner.steps_done()
    }
    fn step(&mut self) -> Result<StepStats, StepError> {
        let mut stats = self.inner.step()?;
        let now = self.inner.steps_done();
        if self.nan_at == Some(now) {
            stats.loss = f64::NAN;
            stats.metrics.push(("energy", f64::INFINITY));
        }
        if let Some((at, flag)) = &self.interrupt_at
            && *at == now
        {
            flag.store(true, Ordering::SeqCst);
        }
        Ok(stats)
    }
    fn save(&self) -> Checkpoint {
        self.inner.save()
    }
    fn restore(&mut self, c: &Checkpoint) -> Result<(), CheckpointError> {
        self.inner.restore(c)
    }
}

/// A checkpoint written by the runner mid-run (every 50 steps), kept when the run is
/// interrupted after step 130: it holds step 130 exactly, and resuming from it reproduces
/// the uninterrupted run bit for bit.
#[test]
fn interrupted_run_checkpoints_and_resumes_bit_identically() {
    let dir = scratch("interrupt");
    let path = dir.join("fit.ckpt");
    let s = small(300);
    let mut whole = FitTrainer::new(&s).unwrap();
    run(&mut whole, &RunOptions::new(300)).unwrap();

    let flag = Arc::new(AtomicBool::new(false));
    let mut first = Sabotage {
        inner: FitTrainer::new(&s).unwrap(),
        interrupt_at: Some((130, flag.clone())),
        nan_at: None,
    };
    let opts = RunOptions {
        checkpoint_every: 50,
        interrupt: Some(flag.clone()),
        ..options(300, &path)
    };
    let outcome = run(&mut first, &opts).unwrap();
    assert_eq!(
        outcome,
        RunOutcome::Interrupted {
            step: 130,
            checkpoint: Some(path.clone())
        }
    );
    let ckpt = Checkpoint::read(&path).unwrap();
    assert_eq!(ckpt.step, 130);
    assert_eq!(
        bits(ckpt.f64s("params").unwrap()),
        bits(first.inner.params())
    );
    // History rows at the periodic checkpoints and at the interruption.
    let steps: Vec<u64> = ckpt.history.iter().map(|r| r.step).collect();
    assert_eq!(steps, [50, 100, 130]);
    assert!(
        ckpt.history
            .iter()
            .all(|r| r.loss.is_finite() && r.loss > 0.0)
    );
    assert_eq!(ckpt.history[0].metrics[0].0, "rms_e");
    drop(first);

    // A flag still set at the start: interrupted before any step, nothing rewritten.
    let mut again = FitTrainer::new(&s).unwrap();
    let resume = RunOptions {
        resume: true,
        ..opts.clone()
    };
    let outcome = run(&mut again, &resume).unwrap();
    assert!(matches!(outcome, RunOutcome::Interrupted { step: 130, .. }));

    flag.store(false, Ordering::SeqCst);
    let mut resumed = FitTrainer::new(&s).unwrap();
    let outcome = run(&mut resumed, &resume).unwrap();
    assert_eq!(
        outcome,
        RunOutcome::Finished {
            started_at: 130,
            step: 300
        }
    );
    assert_eq!(bits(resumed.params()), bits(whole.params()));
    assert_eq!(resumed.finish().unwrap().0, whole.finish().unwrap().0);
    let steps: Vec<u64> = Checkpoint::read(&path)
        .unwrap()
        .history
        .iter()
        .map(|r| r.step)
        .collect();
    assert_eq!(steps, [50, 100, 130, 150, 200, 250, 300]);
}

/// A NaN at step 7 with checkpoints every 5 steps: the run stops naming step 7 and the
/// quantity, the file still holds step 5 and loads, and resuming from it with a sound
/// trainer reproduces the uninterrupted run.
#[test]
fn divergence_stops_the_run_and_keeps_the_last_good_checkpoint() {
    let dir = scratch("diverge");
    let path = dir.join("fit.ckpt");
    let s = small(20);
    let mut bad = Sabotage {
        inner: FitTrainer::new(&s).unwrap(),
        interrupt_at: None,
        nan_at: Some(7),
    };
    let opts = RunOptions {
        checkpoint_every: 5,
        ..options(20, &path)
    };
    let err = run(&mut bad, &opts).unwrap_err();
    match &err {
        TrainError::Diverged {
            step,
            quantity,
            value,
            last_good,
        } => {
            assert_eq!((*step, *quantity), (7, "loss"));
            assert!(value.is_nan());
            assert_eq!(last_good, &Some((5, path.clone())));
        }
        other => panic!("expected divergence, got {other}"),
    }
    assert_eq!(
        err.to_string(),
        format!(
            "diverged at step 7 (loss = NaN); the last good checkpoint (step 5) is kept at {}",
            path.display()
        )
    );
    let kept = Checkpoint::read(&path).unwrap();
    assert_eq!(kept.step, 5);

    let mut whole = FitTrainer::new(&s).unwrap();
    run(&mut whole, &RunOptions::new(20)).unwrap();
    let mut resumed = FitTrainer::new(&s).unwrap();
    run(
        &mut resumed,
        &RunOptions {
            resume: true,
            ..opts
        },
    )
    .unwrap();
    assert_eq!(bits(resumed.params()), bits(whole.params()));

    // Without a checkpoint path, nothing is kept and the message says so.
    let mut bad = Sabotage {
        inner: FitTrainer::new(&s).unwrap(),
        interrupt_at: None,
        nan_at: Some(1),
    };
    let err = run(&mut bad, &RunOptions::new(20)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "diverged at step 1 (loss = NaN); no checkpoint was written"
    );
}

/// A learning rate of 1e300 makes the loss NaN at the second step: `fit()` reports
/// divergence, and the runner keeps the step-1 checkpoint.
#[test]
fn a_huge_learning_rate_diverges() {
    let s = FitSettings {
        lr: 1e300,
        ..small(50)
    };
    assert!(matches!(fit(&s), Err(gradflow::fit::FitError::Diverged)));
    let dir = scratch("huge-lr");
    let path = dir.join("fit.ckpt");
    let opts = RunOptions {
        checkpoint_every: 1,
        ..options(50, &path)
    };
    let err = run(&mut FitTrainer::new(&s).unwrap(), &opts).unwrap_err();
    let TrainError::Diverged {
        step, last_good, ..
    } = err
    else {
        panic!("expected divergence, got {err}");
    };
    let kept = Checkpoint::read(&path).unwrap();
    assert_eq!(last_good.map(|(at, _)| at), Some(kept.step));
    assert!(
        kept.step < step,
        "kept step {} vs diverged {step}",
        kept.step
    );
}

/// A checkpoint with every kind of content, NaN and infinite values included.
fn sample_checkpoint() -> Checkpoint {
    let mut c = Checkpoint::new("test", 42, json!({"lr": 0.1, "name": "x"}));
    c.put_f64("a", &[1.0, -0.0, f64::NAN, f64::INFINITY, 1e-310]);
    c.put_f32("b", &[1.5, f32::NEG_INFINITY]);
    c.put_u64("c", &[0, u64::MAX]);
    c.put_f64("empty", &[]);
    let mut rng = StreamRng::new(9, 4);
    let _: f64 = rng.normal();
    c.put_rng("rng", &rng);
    c.put_rngs("rngs", &[StreamRng::new(1, 0), StreamRng::new(1, 1)]);
    let mut adam = Adam::new(3, 0.25);
    let mut p = [1.0, 2.0, 3.0];
    adam.step(&mut p, &[0.1, -0.2, 0.3]);
    c.put_adam("adam", &adam);
    c.history.push(HistoryRow {
        step: 40,
        loss: 0.5,
        metrics: vec![("m".into(), 2.0)],
    });
    c
}

/// Everything survives the file exactly (NaN payloads, -0, subnormals, stream states,
/// Adam's state); missing or mistyped arrays are named.
#[test]
fn checkpoint_round_trips_exactly() {
    let c = sample_checkpoint();
    let back = Checkpoint::from_bytes(&c.to_bytes()).unwrap();
    assert_eq!(back.kind, "test");
    assert_eq!(back.step, 42);
    assert_eq!(back.settings, c.settings);
    assert_eq!(back.history, c.history);
    assert_eq!(bits(back.f64s("a").unwrap()), bits(c.f64s("a").unwrap()));
    assert_eq!(back.get("b"), c.get("b"));
    assert_eq!(back.u64s("c").unwrap(), [0, u64::MAX]);
    assert_eq!(back.get("empty"), Some(&Array::F64(vec![])));
    assert_eq!(back.rng("rng").unwrap(), c.rng("rng").unwrap());
    assert_eq!(back.rngs("rngs").unwrap(), c.rngs("rngs").unwrap());
    assert_eq!(
        back.adam("adam", 3).unwrap().state(),
        c.adam("adam", 3).unwrap().state()
    );
    assert_eq!(back.names().count(), c.names().count());

    let err = back.f64s("b").unwrap_err();
    assert!(matches!(err.kind(), CheckpointErrorKind::Missing { .. }));
    assert_eq!(err.to_string(), "the checkpoint has no f64 array `b`");
    let err = back.f64s_len("a", 4).unwrap_err();
    assert_eq!(err.to_string(), "array `a` has 5 values, expected 4");
    assert!(back.adam("adam", 4).is_err());
    assert!(back.rng("rngs").is_err());
}

/// Flipping any single byte, truncating anywhere, appending, another magic or version:
/// each is refused with a one-line reason, never parsed into garbage.
#[test]
fn corrupted_and_truncated_checkpoints_are_refused() {
    let bytes = sample_checkpoint().to_bytes();
    let reason = |b: &[u8]| {
        let e = Checkpoint::from_bytes(b).expect_err("accepted a damaged checkpoint");
        assert!(matches!(e.kind(), CheckpointErrorKind::Invalid(_)), "{e}");
        let text = e.to_string();
        assert!(!text.contains('\n'), "{text}");
        text
    };
    for i in 0..bytes.len() {
        let mut b = bytes.clone();
        b[i] ^= 0x10;
        let text = reason(&b);
        let expected = match i {
            0..8 => "not a gradflow checkpoint",
            8..12 => "checkpoint format version",
            16..24 => "bytes",
            _ => "checksum mismatch",
        };
        assert!(text.contains(expected), "byte {i}: {text}");
    }
    for len in [0, 3, 8, 20, 40, bytes.len() / 2, bytes.len() - 1] {
        let text = reason(&bytes[..len]);
        assert!(text.starts_with("truncated checkpoint"), "{len}: {text}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(reason(&longer).contains("corrupted checkpoint"));
    let mut version = bytes.clone();
    version[8] = 2;
    assert_eq!(
        reason(&version),
        "checkpoint format version 2 is not supported (this gradflow reads version 1)"
    );
    assert_eq!(
        reason(b"{\"kind\": \"not a checkpoint\"}"),
        "not a gradflow checkpoint (no GFLOWCKP magic)"
    );
}

/// Resume refuses, naming the file: a corrupt file, a truncated one, one of another
/// trainer, one with other settings, one past the end of the run, a missing file.
#[test]
fn resume_refuses_what_does_not_fit() {
    let dir = scratch("refuse");
    let path = dir.join("fit.ckpt");
    let s = small(30);
    run(&mut FitTrainer::new(&s).unwrap(), &options(30, &path)).unwrap();
    let good = std::fs::read(&path).unwrap();
    let resume = |s: &FitSettings, total: u64, p: &Path| {
        let opts = RunOptions {
            resume: true,
            ..options(total, p)
        };
        run(&mut FitTrainer::new(s).unwrap(), &opts)
            .unwrap_err()
            .to_string()
    };
    let shown = path.display().to_string();

    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 1;
    std::fs::write(&path, &flipped).unwrap();
    assert_eq!(
        resume(&s, 30, &path),
        format!("cannot resume: {shown}: corrupted checkpoint (checksum mismatch)")
    );
    std::fs::write(&path, &good[..good.len() - 9]).unwrap();
    assert!(
        resume(&s, 30, &path)
            .starts_with(&format!("cannot resume: {shown}: truncated checkpoint ("))
    );

    std::fs::write(&path, &good).unwrap();
    let other = FitSettings {
        lr: 0.02,
        seed: 4,
        ..s
    };
    assert_eq!(
        resume(&other, 30, &path),
        format!(
            "cannot resume: {shown}: written with other settings (lr = 0.01 there, 0.02 now, \
             seed = 3 there, 4 now); use the same settings, or start afresh"
        )
    );
    assert_eq!(
        resume(&s, 20, &path),
        format!("cannot resume: {shown}: at step 30, past the end of this run (20 steps)")
    );

    let mut foreign = Checkpoint::read(&path).unwrap();
    foreign.kind = "nsgf".into();
    foreign.write(&path).unwrap();
    assert_eq!(
        resume(&s, 30, &path),
        format!("cannot resume: {shown}: written by the `nsgf` trainer, not `fit`")
    );

    let mut damaged = Checkpoint::read(&path).unwrap();
    damaged.kind = "fit".into();
    damaged.put_f64("params", &[0.0; 3]);
    damaged.write(&path).unwrap();
    assert!(
        resume(&s, 30, &path).ends_with("array `params` has 3 values, expected 337"),
        "{}",
        resume(&s, 30, &path)
    );

    let missing = dir.join("missing.ckpt");
    assert!(
        resume(&s, 30, &missing).starts_with(&format!("cannot resume: {}: ", missing.display()))
    );
    let no_path = run(
        &mut FitTrainer::new(&s).unwrap(),
        &RunOptions {
            resume: true,
            ..RunOptions::new(30)
        },
    );
    assert!(matches!(no_path, Err(TrainError::Options(_))));
}

/// A write that fails (the temporary file cannot be created) returns an error and leaves
/// the previous checkpoint in place and loadable; a successful write leaves no temporary
/// file behind; a path under a regular file fails before any training step.
#[test]
fn failed_writes_leave_the_previous_checkpoint_intact() {
    let dir = scratch("atomic");
    let path = dir.join("run.ckpt");
    let mut first = Checkpoint::new("t", 5, json!({}));
    first.put_f64("x", &[1.0; 1000]);
    first.write(&path).unwrap();
    let listing = || {
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(listing(), ["run.ckpt"]);

    // A process killed mid-write leaves at worst a partial temporary file beside the
    // checkpoint, never a partial checkpoint: the file still loads, and later writes work.
    let crashed = dir.join(".run.ckpt.tmp4000000000");
    std::fs::write(&crashed, &first.to_bytes()[..100]).unwrap();
    assert_eq!(Checkpoint::read(&path).unwrap(), first);
    first.write(&path).unwrap();
    assert_eq!(Checkpoint::read(&path).unwrap(), first);
    std::fs::remove_file(&crashed).unwrap();

    // Block the temporary file's name with a directory: creating it fails, as a full disk
    // or a crash mid-write would, before anything touches `path`.
    let blocker = dir.join(format!(".run.ckpt.tmp{}", std::process::id()));
    std::fs::create_dir(&blocker).unwrap();
    let mut second = Checkpoint::new("t", 9, json!({}));
    second.put_f64("x", &[2.0; 1000]);
    let err = second.write(&path).unwrap_err();
    assert!(matches!(err.kind(), CheckpointErrorKind::Io(_)), "{err}");
    assert!(err.to_string().starts_with(&path.display().to_string()));
    let kept = Checkpoint::read(&path).unwrap();
    assert_eq!(kept, first);
    std::fs::remove_dir(&blocker).unwrap();
    second.write(&path).unwrap();
    assert_eq!(Checkpoint::read(&path).unwrap().step, 9);
    assert_eq!(listing(), ["run.ckpt"]);

    // The parent is a regular file: the run fails at once, before its first step.
    let under_file = path.join("x.ckpt");
    let mut trainer = FitTrainer::new(&small(10)).unwrap();
    let err = run(&mut trainer, &options(10, &under_file)).unwrap_err();
    assert!(matches!(err, TrainError::Checkpoint(_)), "{err}");
    assert!(
        err.to_string().starts_with(&format!(
            "writing the checkpoint failed: {}",
            under_file.display()
        )),
        "{err}"
    );
    assert_eq!(trainer.steps_done(), 0);
    assert_eq!(Checkpoint::read(&path).unwrap().step, 9);
}

/// A fresh run refuses a file at its checkpoint path (an earlier run's) and leaves it as it
/// was; with `overwrite` it starts afresh over it.
#[test]
fn a_fresh_run_refuses_an_earlier_checkpoint_unless_told_to_overwrite() {
    let dir = scratch("refuse-earlier");
    let path = dir.join("fit.ckpt");
    let settings = small(40);
    let mut first = FitTrainer::new(&settings).unwrap();
    run(&mut first, &options(40, &path)).unwrap();
    let before = std::fs::read(&path).unwrap();
    let mut second = FitTrainer::new(&settings).unwrap();
    let err = run(&mut second, &options(20, &path)).unwrap_err();
    assert!(
        matches!(&err, TrainError::CheckpointExists(p) if p == &path),
        "{err}"
    );
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!(second.steps_done(), 0);
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let overwrite = RunOptions {
        overwrite: true,
        ..options(20, &path)
    };
    run(&mut second, &overwrite).unwrap();
    assert_eq!(Checkpoint::read(&path).unwrap().step, 20);
    std::fs::remove_dir_all(&dir).ok();
}
