//! `gradflow train` and `gradflow flow-sample` through the real binary: a tiny NSGF++ run
//! writes its models, manifest and figure, the manifest samples, a resumed run continues,
//! and bad input gives one line.

use std::path::PathBuf;

use gradflow::data::Samples;
use gradflow::flows::{Flow, FlowManifest, Method, Sampling};

mod common;

use common::gradflow;

fn scratch(name: &str) -> PathBuf {
    common::scratch("flows-cli", name)
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

    let (code, out, err) = gradflow(
        &dir,
        &[
            "flow-sample",
            "--flow",
            "run.json",
            "-n",
            "100",
            "--out",
            "s.npy",
        ],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("NFE"), "{out}");
    let s = Samples::read(dir.join("s.npy")).unwrap();
    assert_eq!((s.n, s.d), (100, 2));
    assert!(s.data.iter().all(|v| v.is_finite()));

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
    let cases: [(&[&str], &str); 9] = [
        (
            &["train", "fm", "--eta", "0.1"],
            "--eta applies to nsgf and nsgfpp only",
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
