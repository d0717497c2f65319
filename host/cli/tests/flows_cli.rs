//! `gradflow train` and `gradflow flow-sample` through the real binary: a tiny NSGF++ run
//! writes its models, manifest and figure, the manifest samples, a resumed run continues,
//! and bad input gives one line.

use std::path::{Path, PathBuf};

use gradflow::data::Samples;
use gradflow::flows::{Flow, FlowManifest, Method, Sampling};

mod common;

use common::gradflow;

fn scratch(name: &str) -> PathBuf {
    common::scratch("flows-cli", name)
}

/// `gradflow flow-sample --flow run.json -n N --out OUT` in `dir`, which must succeed:
/// the samples (all finite) and the printed line.
fn flow_sample(dir: &Path, n: usize, out_file: &str) -> (Samples, String) {
    let n = n.to_string();
    let args = [
        "flow-sample",
        "--flow",
        "run.json",
        "-n",
        &n,
        "--out",
        out_file,
    ];
    let (code, out, err) = gradflow(dir, &args);
    assert_eq!(code, Some(0), "{out}{err}");
    let s = Samples::read(dir.join(out_file)).unwrap();
    assert!(s.data.iter().all(|v| v.is_finite()));
    (s, out)
}

/// A tiny NSGF++ run: 20 steps of 8-wide networks.
const TINY: [&str; 14] = [
    "train",
    "nsgfpp",
    "--steps",
    "20",
    "--widths",
    "8",
    "--batch",
    "32",
    "--particles",
    "16",
    "--refill-every",
    "10",
    "--pool",
    "1000",
];

#[test]
fn train_writes_a_flow_that_samples_and_resumes() {
    let dir = scratch("run");
    let (code, out, err) = gradflow(
        &dir,
        &[&TINY[..], &["--out", "run", "--no-progress"]].concat(),
    );
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("trained nsgfpp on moons in"), "{out}");
    assert!(out.contains("at NFE") && out.contains("floor"), "{out}");
    for file in [
        "run.json",
        "run.velocity.gfm",
        "run.time.gfm",
        "run.straight.gfm",
        "run.png",
        "run.ckpt",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    let m = FlowManifest::read(&dir.join("run.json")).unwrap();
    assert_eq!(m.method, Method::NsgfPp);
    assert!(matches!(m.sampling, Sampling::NsgfPp { nsgf_steps: 5, .. }));
    Flow::load(&dir.join("run.json")).unwrap();

    let (s, out) = flow_sample(&dir, 100, "s.npy");
    assert!(out.contains("NFE"), "{out}");
    assert_eq!((s.n, s.d), (100, 2));

    // Continue the run to 30 steps from its checkpoint.
    let mut more = TINY.to_vec();
    more[3] = "30";
    let (code, out, err) = gradflow(
        &dir,
        &[&more[..], &["--out", "run", "--resume", "--no-progress"]].concat(),
    );
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("resumed at step 20"), "{out}");
    // Other settings are refused, in one line.
    let (code, _, err) = gradflow(
        &dir,
        &[&more[..], &["--out", "run", "--resume", "--lr", "0.01"]].concat(),
    );
    assert_eq!(code, Some(1));
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("lr = 0.001 there, 0.01 now"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_input_gives_one_line() {
    let dir = scratch("bad");
    std::fs::write(
        dir.join("bad.json"),
        "{\"format\": \"gradflow-flow\", \"version\": 9}",
    )
    .unwrap();
    let cases: [(&[&str], &str); 10] = [
        (
            &["train", "fm", "--eta", "0.1"],
            "--eta applies to nsgf and nsgfpp only",
        ),
        (
            &["train", "otcfm", "--scaling", "0.5"],
            "--scaling applies to nsgf and nsgfpp only",
        ),
        (
            &["train", "nsgf", "--omega", "0.1"],
            "--omega applies to nsgfpp only",
        ),
        (
            &["train", "nsgfpp", "--nsgf-steps", "6"],
            "--nsgf-steps 6 must be in 1..=5",
        ),
        (
            &["train", "fm", "--dataset", "rings"],
            "unknown data set \"rings\"",
        ),
        (
            &["train", "fm", "--widths", "0"],
            "--widths has a width 0 outside 1..=4096",
        ),
        (&["train", "sgd"], "invalid value 'sgd'"),
        (
            &["train", "nsgfpp", "--path-coupling", "x"],
            "expected independent or ot",
        ),
        (
            &["flow-sample", "--flow", "bad.json", "--out", "s.npy"],
            "version 9 is not supported",
        ),
        (
            &["flow-sample", "--flow", "missing.json", "--out", "s.txt"],
            "unknown file type",
        ),
    ];
    for (args, needle) in cases {
        let (code, out, err) = gradflow(&dir, args);
        assert!(matches!(code, Some(1) | Some(2)), "{args:?}: {code:?}");
        assert!(out.is_empty(), "{args:?}: {out}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// NSGF reports its own inference (T Euler steps of η, the training discretisation) besides
/// 10 and 100 steps, and its manifest lists the three counts.
#[test]
fn nsgf_reports_its_own_step_count() {
    let dir = scratch("nsgf-own");
    let mut args = TINY.to_vec();
    args[1] = "nsgf";
    args.extend([
        "--nsgf-steps",
        "7",
        "--eta",
        "0.5",
        "--out",
        "n",
        "--no-progress",
    ]);
    let (code, out, err) = gradflow(&dir, &args);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("7 Euler steps") && out.contains("NSGF's own inference is 7 steps"),
        "{out}"
    );
    let m = FlowManifest::read(&dir.join("n.json")).unwrap();
    match m.sampling {
        Sampling::Euler { t1, steps } => {
            assert_eq!(steps, vec![7, 10, 100]);
            assert_eq!(t1, 3.5);
        }
        other => panic!("NSGF sampled by {other:?}"),
    }
}

/// Rows of a 3-D Gaussian with means (1, −2, 0.5) and standard deviations (0.5, 1, 2).
fn gaussian_rows(n: usize, seed: u64) -> Samples {
    let mut rng = gradflow_core::StreamRng::new(seed, 0);
    let (mean, sd) = ([1.0, -2.0, 0.5], [0.5, 1.0, 2.0]);
    let data = (0..n * 3)
        .map(|k| mean[k % 3] + sd[k % 3] * rng.normal::<f64>())
        .collect();
    Samples::new(n, 3, data).unwrap()
}

/// A flow trains on a user's 3-D file (CSV, then .npy with a separate test file), says how
/// it split the data, and `flow-sample` returns 3-D points; bad data files give one line.
#[test]
fn flows_train_on_a_data_file_in_any_dimension() {
    let dir = scratch("data");
    gaussian_rows(500, 1).write(dir.join("train.csv")).unwrap();
    let small = ["--steps", "30", "--widths", "16", "--batch", "64"];
    let (code, out, err) = gradflow(
        &dir,
        &[
            &["train", "otcfm", "--data", "train.csv", "--out", "run"][..],
            &small,
        ]
        .concat(),
    );
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("trained otcfm on train.csv"), "{out}");
    assert!(
        out.contains(
            "450 training rows, 50 test rows (held out by a seeded split: 10 %, seed 0), d = 3"
        ),
        "{out}"
    );
    assert!(
        out.contains("50 generated points vs 50 held-out rows"),
        "{out}"
    );
    assert!(out.contains("no figure (3-D data)") && !dir.join("run.png").exists());
    let m = FlowManifest::read(&dir.join("run.json")).unwrap();
    assert_eq!((m.dim, m.dataset.as_str()), (3, "train.csv"));
    let (s, out) = flow_sample(&dir, 40, "s.csv");
    assert!(out.contains("from normal in d = 3"), "{out}");
    assert_eq!((s.n, s.d), (40, 3));

    // A separate test file, and .npy in float32.
    let npy = |name: &str, s: &Samples| {
        s.write_npy(dir.join(name), gradflow::data::NpyDtype::F32)
            .unwrap()
    };
    npy("train.npy", &gaussian_rows(300, 2));
    npy("test.npy", &gaussian_rows(70, 3));
    let (code, out, err) = gradflow(
        &dir,
        &[
            &["train", "fm", "--data", "train.npy", "--test", "test.npy"][..],
            &["--out", "npy", "--standardize", "none"],
            &small,
        ]
        .concat(),
    );
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("300 training rows, 70 test rows (given), d = 3; trained in data units"),
        "{out}"
    );

    // Bad data files.
    let mut nan = gaussian_rows(20, 4);
    nan.data[3 * 6 + 1] = f64::NAN;
    nan.write(dir.join("nan.csv")).unwrap();
    std::fs::write(dir.join("ragged.csv"), "1,2,3\n4,5\n").unwrap();
    gaussian_rows(2, 5).write(dir.join("two.csv")).unwrap();
    Samples::new(5, 2, vec![0.0; 10])
        .unwrap()
        .write(dir.join("flat.csv"))
        .unwrap();
    let cases: [(&[&str], &str); 8] = [
        (
            &["--data", "nan.csv"],
            "nan.csv: data: row 7, column 2 is NaN (every value must be finite)",
        ),
        (
            &["--data", "ragged.csv"],
            "--dataset: ragged.csv: CSV line 2 has 2 columns, expected 3",
        ),
        (
            &["--data", "two.csv"],
            "training data has 1 rows, at least 2 are needed",
        ),
        (
            &["--data", "train.csv", "--test", "flat.csv"],
            "test data has 2 columns, expected 3",
        ),
        (
            &["--data", "train.csv", "--test-fraction", "0"],
            "--test-fraction 0: must be in (0, 1)",
        ),
        (&["--data", "missing.npy"], "missing.npy"),
        (
            &["--data", "train.csv", "--standardize", "whiten"],
            "--standardize: unknown standardisation \"whiten\"; expected per-feature or none",
        ),
        (
            &["--dataset", "moons", "--standardize", "none"],
            "--standardize applies to a data file",
        ),
    ];
    for (args, needle) in cases {
        let (code, out, err) = gradflow(&dir, &[&["train", "fm"][..], args, &small].concat());
        assert_eq!(code, Some(1), "{args:?}: {out}{err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// The built-in digits train a flow in 64-D on their fixed split: the two-sample floor is
/// printed and the figure is a grid of samples; the split options are refused.
#[test]
fn flows_train_on_the_digits() {
    let dir = scratch("digits");
    let tiny = [
        "--steps",
        "5",
        "--widths",
        "8",
        "--batch",
        "32",
        "--no-progress",
    ];
    let (code, out, err) = gradflow(
        &dir,
        &[
            &["train", "fm", "--data", "digits", "--out", "run"][..],
            &tiny,
        ]
        .concat(),
    );
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("1437 training rows, 360 test rows (held out by a seeded split: 20 %"),
        "{out}"
    );
    assert!(
        out.contains("two-sample floor, 360 training rows vs the same held-out rows: W2"),
        "{out}"
    );
    assert!(out.contains("run.png (the first 64 samples)"), "{out}");
    assert!(dir.join("run.png").is_file());
    let (code, out, err) = gradflow(
        &dir,
        &[
            &["train", "fm", "--data", "digits", "--test-fraction", "0.5"][..],
            &tiny,
        ]
        .concat(),
    );
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        err.contains("--test-fraction: the digits have a fixed held-out split (20 %"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `--eval-every K` scores the flow on the held-out rows every K steps: one JSON line per
/// check in PREFIX.metrics.jsonl, the best flow kept as PREFIX.best.json; a run resumed
/// half-way writes the same lines and the same best model as one that never stopped.
#[test]
fn eval_every_tracks_held_out_metrics_and_keeps_the_best_flow() {
    let dir = scratch("track");
    gaussian_rows(400, 6).write(dir.join("train.csv")).unwrap();
    let train = |out: &str, steps: &str, extra: &[&str]| {
        let args = [
            &[
                "train",
                "otcfm",
                "--data",
                "train.csv",
                "--widths",
                "16",
                "--batch",
                "64",
            ][..],
            &[
                "--eval-every",
                "20",
                "--steps",
                steps,
                "--out",
                out,
                "--no-progress",
            ],
            extra,
        ]
        .concat();
        let (code, out, err) = gradflow(&dir, &args);
        assert_eq!(code, Some(0), "{out}{err}");
        out
    };
    let out = train("full", "60", &[]);
    assert!(
        out.contains("held-out checks every 20 steps: 3 lines in full.metrics.jsonl"),
        "{out}"
    );
    let text = std::fs::read_to_string(dir.join("full.metrics.jsonl")).unwrap();
    let rows: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let steps: Vec<u64> = rows.iter().map(|r| r["step"].as_u64().unwrap()).collect();
    assert_eq!(steps, [20, 40, 60]);
    let w2: Vec<f64> = rows.iter().map(|r| r["w2"].as_f64().unwrap()).collect();
    assert!(w2.iter().all(|w| w.is_finite() && *w > 0.0), "{w2:?}");
    // The best flow is the one of the lowest W2, and it samples.
    let best = (0..3).min_by(|&a, &b| w2[a].total_cmp(&w2[b])).unwrap();
    assert!(
        out.contains(&format!("at step {}) is full.best.json", steps[best])),
        "{out}"
    );
    Flow::load(&dir.join("full.best.json")).unwrap();
    // The last check is the final flow's evaluation at 100 Euler steps.
    assert!(
        out.contains(&format!("100 Euler steps {:.4}", w2[2])),
        "{out}"
    );

    train("half", "40", &[]);
    train("half", "60", &["--resume"]);
    let resumed = std::fs::read_to_string(dir.join("half.metrics.jsonl")).unwrap();
    assert_eq!(resumed, text);
    assert_eq!(
        std::fs::read(dir.join("half.best.velocity.gfm")).unwrap(),
        std::fs::read(dir.join("full.best.velocity.gfm")).unwrap()
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `--config run.toml` supplies `train` options (aliases and `snake_case` keys included);
/// the command line overrides them; unknown keys, the method and bad TOML give one line.
#[test]
fn config_file_supplies_options_and_the_command_line_overrides_them() {
    let dir = scratch("config");
    gaussian_rows(300, 7).write(dir.join("train.csv")).unwrap();
    std::fs::write(
        dir.join("run.toml"),
        "data = \"train.csv\"\nsteps = 30\nwidths = [16, 8]\nbatch = 64\neval_every = 15\n\
         no-progress = true\nforce = false\n",
    )
    .unwrap();
    let (code, out, err) = gradflow(
        &dir,
        &[
            "train", "fm", "--config", "run.toml", "--steps", "20", "-o", "run",
        ],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("trained fm on train.csv") && out.contains("20 steps × batch 64, MLP 16×8"),
        "{out}"
    );
    // eval_every 15 of 20 steps: one check, shown on stderr even without a progress bar.
    assert!(err.contains("step 15: held-out W2"), "{err}");
    let m = FlowManifest::read(&dir.join("run.json")).unwrap();
    assert_eq!(m.training["steps"], 20);
    let cases: [(&str, &str); 4] = [
        ("bogus = 1\n", "unknown option `bogus`"),
        ("method = \"fm\"\n", "`method` belongs on the command line"),
        ("steps = [\n", "--config bad.toml: "),
        (
            "steps = {a = 1}\n",
            "`steps`: a table is not an option value",
        ),
    ];
    for (text, needle) in cases {
        std::fs::write(dir.join("bad.toml"), text).unwrap();
        let (code, out, err) = gradflow(&dir, &["train", "fm", "--config", "bad.toml"]);
        assert_eq!(code, Some(1), "{text}: {out}{err}");
        assert_eq!(err.trim().lines().count(), 1, "{text}: {err}");
        assert!(err.contains(needle), "{text}: {err}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A fresh run over an earlier run's files is refused in one line and leaves them as they
/// were; `--force` starts afresh over them; `--force` and `--resume` exclude each other.
#[test]
fn a_fresh_run_does_not_overwrite_an_earlier_one() {
    let dir = scratch("overwrite");
    let run = |extra: &[&str]| {
        let args = [
            &["train", "fm", "--steps", "5", "--widths", "8", "--out", "r"][..],
            extra,
        ]
        .concat();
        gradflow(&dir, &args)
    };
    let (code, out, err) = run(&[]);
    assert_eq!(code, Some(0), "{out}{err}");
    let files = ["r.json", "r.velocity.gfm", "r.ckpt"];
    let before: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(dir.join(f)).unwrap())
        .collect();
    let (code, out, err) = run(&["--seed", "3"]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("r.json already exists") && err.contains("--force"),
        "{err}"
    );
    // Only the checkpoint left: the run itself refuses it.
    std::fs::remove_file(dir.join("r.json")).unwrap();
    let (code, _, err) = run(&["--seed", "3"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("r.ckpt already exists (an earlier run's checkpoint)"),
        "{err}"
    );
    for (f, b) in files.iter().zip(&before).skip(1) {
        assert_eq!(&std::fs::read(dir.join(f)).unwrap(), b, "{f} changed");
    }
    let (code, out, err) = run(&["--seed", "3", "--force"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert_ne!(
        std::fs::read(dir.join("r.velocity.gfm")).unwrap(),
        before[1]
    );
    let (code, _, err) = run(&["--force", "--resume"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("cannot be used with"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
