//! `gradflow sample` (potentials, model files, data sets, thinning, trajectories) and
//! `gradflow eval`, end to end through the binary, against known answers and the core.

use std::path::{Path, PathBuf};
use std::process::Command;

use gradflow::data::{Samples, Trajectory};
use gradflow::modelio::ModelBytes;
use gradflow::sampling::{Potential, normal_init};
use gradflow_core::model::{Architecture, ModelEval, ModelKind};
use gradflow_core::{Activation, Kernel, Mala, StreamRng};

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn gradflow(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_gradflow"))
        .args(args)
        .output()
        .expect("failed to start gradflow");
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs a command that must succeed and returns its stdout.
fn ok(args: &[&str]) -> String {
    let r = gradflow(args);
    assert!(r.ok, "gradflow {args:?} failed: {}", r.stderr);
    r.stdout
}

/// A fresh directory for one test.
fn dir(test: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cli_sample_eval-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The one JSON line `eval --json` prints.
fn eval_json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["eval", "--json"];
    all.extend_from_slice(args);
    let out = ok(&all);
    assert_eq!(out.lines().count(), 1, "{out}");
    serde_json::from_str(out.trim()).unwrap()
}

fn num(v: &serde_json::Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("no number {key} in {v}"))
}

/// MALA is exact: the mean and covariance of 4000 independent final states agree with the
/// Gaussian's within 5 standard errors, computed from the exact law (s.e. of a mean:
/// √(Σᵢᵢ/n); of a covariance entry: √((ΣᵢᵢΣⱼⱼ + Σᵢⱼ²)/n)). The file does not depend on the
/// thread count.
#[test]
fn gaussian_potential_with_mala_has_the_exact_mean_and_covariance() {
    let d = dir("gaussian");
    let out = d.join("g.npy");
    let n = 4000;
    let stdout = ok(&[
        "sample",
        "--potential",
        "gaussian",
        "--sampler",
        "mala",
        "-n",
        "4000",
        "--steps",
        "500",
        "--seed",
        "11",
        "--threads",
        "2",
        "--out",
        s(&out),
    ]);
    assert!(stdout.contains("acceptance 0."), "{stdout}");
    assert!(stdout.contains("particle-steps/s"), "{stdout}");
    let x = Samples::read(&out).unwrap();
    assert_eq!((x.n, x.d), (n, 2));
    let (mean, cov) = Potential::Gaussian.exact_moments().unwrap();
    let nf = n as f64;
    let m: Vec<f64> = (0..2)
        .map(|k| x.rows().map(|r| r[k]).sum::<f64>() / nf)
        .collect();
    for k in 0..2 {
        let se = (cov[k * 3] / nf).sqrt();
        assert!(
            (m[k] - mean[k]).abs() < 5.0 * se,
            "mean {k}: {} vs {} (s.e. {se})",
            m[k],
            mean[k]
        );
    }
    for (i, j) in [(0, 0), (1, 1), (0, 1)] {
        let c = x.rows().map(|r| (r[i] - m[i]) * (r[j] - m[j])).sum::<f64>() / (nf - 1.0);
        let exact = cov[i * 2 + j];
        let se = ((cov[i * 3] * cov[j * 3] + exact * exact) / nf).sqrt();
        assert!(
            (c - exact).abs() < 5.0 * se,
            "cov {i}{j}: {c} vs {exact} (s.e. {se})"
        );
    }
    let one = d.join("g1.npy");
    ok(&[
        "sample",
        "--potential",
        "gaussian",
        "-n",
        "4000",
        "--steps",
        "500",
        "--seed",
        "11",
        "--threads",
        "1",
        "--out",
        s(&one),
    ]);
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&one).unwrap());
}

/// Thinning keeps (steps − burn-in)/thin records per chain, record by record; the
/// trajectory starts at the documented initial states and its last frame is the last
/// record; .csv and .npy hold the same values.
#[test]
fn thinning_and_trajectory_have_the_documented_layout() {
    let d = dir("thin");
    let (npy, csv) = (d.join("s.npy"), d.join("s.csv"));
    let (traj, traj_csv) = (d.join("t.npy"), d.join("t.csv"));
    let common = [
        "sample",
        "--potential",
        "double-well",
        "--sampler",
        "ula",
        "-n",
        "50",
        "--steps",
        "200",
        "--burn-in",
        "100",
        "--thin",
        "10",
        "--frame-every",
        "50",
        "--seed",
        "4",
    ];
    let mut a = common.to_vec();
    a.extend(["--out", s(&npy), "--trajectory", s(&traj)]);
    let stdout = ok(&a);
    assert!(stdout.contains("10 records per chain"), "{stdout}");
    assert!(stdout.contains("5 frames × 50 chains × 2"), "{stdout}");
    let mut b = common.to_vec();
    b.extend(["--out", s(&csv), "--trajectory", s(&traj_csv)]);
    ok(&b);

    let x = Samples::read(&npy).unwrap();
    assert_eq!((x.n, x.d), (500, 2));
    assert_eq!(x, Samples::read(&csv).unwrap());
    let t = Trajectory::read(&traj).unwrap();
    assert_eq!((t.frames, t.n, t.d), (5, 50, 2));
    assert_eq!(t, Trajectory::read(&traj_csv).unwrap());
    // Frame 0 is the N(0, I) start of the documented streams; frame 4 (step 200) is the
    // last record of every chain; frame 2 (step 100) is not recorded (burn-in).
    assert_eq!(t.frame(0), &normal_init(50, 2, 1.0, 4).data[..]);
    assert_eq!(t.frame(4), &x.data[450 * 2..]);
    assert_ne!(t.frame(2), &x.data[..100]);
    // The .npy is a plain (5, 50, 2) float64 array.
    let bytes = std::fs::read(&traj).unwrap();
    let header = String::from_utf8_lossy(&bytes[..128]);
    assert!(header.contains("'shape': (5, 50, 2"), "{header}");
    assert!(header.contains("<f8"), "{header}");
}

/// A model file sampled by the CLI (threads, f64) gives exactly the states of the core's
/// per-particle MALA on the same model with the documented streams; and the model, fitted
/// to the double well, gives samples close to the analytic double well's.
#[test]
fn model_file_sampling_equals_the_core_per_particle_run() {
    let d = dir("model");
    let model = d.join("dw.gfm");
    ok(&[
        "fit",
        "--potential",
        "double-well",
        "--iters",
        "200",
        "--out",
        s(&model),
    ]);
    let out = d.join("m.npy");
    let (chains, steps, seed) = (64, 100, 5);
    let stdout = ok(&[
        "sample",
        "--model",
        s(&model),
        "--sampler",
        "mala",
        "--step",
        "0.05",
        "-n",
        "64",
        "--steps",
        "100",
        "--seed",
        "5",
        "--threads",
        "2",
        "--out",
        s(&out),
    ]);
    assert!(stdout.contains("energy silu, 2 → 32 → 32 → 1"), "{stdout}");
    let cli = Samples::read(&out).unwrap();

    let bytes = ModelBytes::read(&model).unwrap();
    let view = bytes.view();
    let mut model_scratch = vec![0.0f64; view.scratch_len()];
    let energy = ModelEval::energy(&view, &mut model_scratch).unwrap();
    let mala = Mala { step: 0.05 };
    let mut scratch = vec![0.0; mala.scratch_len(2)];
    let init = normal_init(chains, 2, 1.0, seed);
    for k in 0..chains {
        let mut x = init.row(k).to_vec();
        let mut rng = StreamRng::new(seed, k as u64);
        for _ in 0..steps {
            mala.step(&energy, &mut x, &mut rng, &mut scratch).unwrap();
        }
        assert_eq!(&x[..], cli.row(k), "chain {k}");
    }

    // Against the analytic potential the model was fitted to (loose: a 200-step fit).
    let (m, a) = (d.join("m2.npy"), d.join("a2.npy"));
    let sample_to = |source: &[&str], path: &Path| {
        let mut v = vec!["sample", "-n", "1024", "--steps", "300", "--step", "0.05"];
        v.extend_from_slice(source);
        v.extend_from_slice(&["--out", s(path)]);
        ok(&v);
    };
    sample_to(&["--model", s(&model), "--seed", "1"], &m);
    sample_to(&["--potential", "double-well", "--seed", "2"], &a);
    let v = eval_json(&[s(&m), s(&a), "--metrics", "w2"]);
    assert!(num(&v, "w2") < 0.25, "{v}");
}

/// Writes a velocity-field model file.
fn velocity_model(path: &Path) {
    let arch = Architecture::mlp(ModelKind::Velocity, Activation::Silu, 2, &[8], 2).unwrap();
    let params = vec![0.01f32; arch.n_params()];
    ModelBytes::encode(&arch, &params)
        .unwrap()
        .write(path)
        .unwrap();
}

#[test]
fn eval_of_a_file_with_itself_is_zero() {
    let d = dir("self");
    let a = d.join("a.npy");
    let n = 512;
    ok(&[
        "sample",
        "--dataset",
        "moons",
        "-n",
        "512",
        "--seed",
        "3",
        "--out",
        s(&a),
    ]);
    let v = eval_json(&[s(&a), s(&a)]);
    assert_eq!(num(&v, "w2"), 0.0, "{v}");
    // MMD²ᵤ(x, x) = (2/n)(k̄ − 1) with k̄ the mean off-diagonal kernel value: in [−2/n, 0].
    let mmd2 = num(&v, "mmd2");
    assert!(mmd2 <= 0.0 && mmd2 >= -2.0 / n as f64, "{v}");
    // The energy distance of x with itself is −(2/n)·(mean pairwise distance) ≤ 0.
    let ed = num(&v, "energy_distance");
    assert!(ed <= 0.0 && ed > -2.0 / n as f64 * 20.0, "{v}");
    assert!(num(&v, "sinkhorn").abs() < 1e-4, "{v}");
    assert_eq!(num(&v, "sinkhorn_eps"), 0.25);
    assert_eq!(v["mmd_bandwidth_rule"], "median");
    assert_eq!(v["w2_subsampled_to"], serde_json::Value::Null);
}

/// W2 between a point set and its translate is the length of the shift; .csv and .npy
/// inputs give the same numbers.
#[test]
fn eval_of_shifted_sets_gives_the_shift_and_formats_agree() {
    let d = dir("shift");
    let x = Samples::new(300, 2, gradflow::data::Dataset2d::Rings.sample(300, 1)).unwrap();
    let y = Samples::new(
        300,
        2,
        x.rows().flat_map(|r| [r[0] + 0.3, r[1] - 0.4]).collect(),
    )
    .unwrap();
    let (xn, yn, xc, yc) = (
        d.join("x.npy"),
        d.join("y.npy"),
        d.join("x.csv"),
        d.join("y.csv"),
    );
    x.write(&xn).unwrap();
    y.write(&yn).unwrap();
    x.write(&xc).unwrap();
    y.write(&yc).unwrap();
    let npy = eval_json(&[s(&xn), s(&yn), "--bandwidth", "1.5"]);
    assert!((num(&npy, "w2") - 0.5).abs() < 1e-9, "{npy}");
    assert!(num(&npy, "mmd2") > 0.0 && num(&npy, "energy_distance") > 0.0);
    assert_eq!(num(&npy, "mmd_bandwidth"), 1.5);
    assert_eq!(npy["mmd_bandwidth_rule"], "given");
    let csv = eval_json(&[s(&xc), s(&yc), "--bandwidth", "1.5"]);
    for key in ["w2", "sinkhorn", "mmd2", "energy_distance"] {
        assert_eq!(npy[key], csv[key], "{key}");
    }
    let table = ok(&["eval", s(&xn), s(&yc), "--metrics", "w2,energy"]);
    assert!(
        table.contains("W2 (exact, cost |x-y|^2)    0.500000"),
        "{table}"
    );
    assert!(table.contains("energy distance"), "{table}");
    assert!(
        !table.contains("Sinkhorn") && !table.contains("MMD"),
        "{table}"
    );
}

#[test]
fn eval_subsamples_for_w2_and_prints_the_floor() {
    let d = dir("floor");
    let (a, b) = (d.join("a.npy"), d.join("b.csv"));
    ok(&["sample", "--dataset", "moons", "-n", "300", "--out", s(&a)]);
    ok(&[
        "sample",
        "--dataset",
        "moons",
        "-n",
        "200",
        "--seed",
        "1",
        "--out",
        s(&b),
    ]);
    let v = eval_json(&[s(&a), s(&b), "--metrics", "w2,mmd", "--floor-of", "moons"]);
    assert_eq!(v["w2_subsampled_to"], 200);
    assert_eq!((num(&v, "n_x"), num(&v, "n_y")), (300.0, 200.0));
    assert_eq!(num(&v["w2_floor"], "mean"), 0.1005);
    assert!(v.get("sinkhorn").is_none());
    let table = ok(&[
        "eval",
        s(&a),
        s(&b),
        "--floor-of",
        "moons",
        "--metrics",
        "w2",
    ]);
    assert!(
        table.contains("subsampled to 200 points, seed 0"),
        "{table}"
    );
    assert!(
        table.contains("W2 floor of moons: 0.1005 ± 0.0042"),
        "{table}"
    );
}

/// Every failure is one line on stderr and a non-zero exit status.
#[test]
fn every_error_is_one_line() {
    let d = dir("errors");
    let good = d.join("good.npy");
    Samples::new(3, 2, vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
        .unwrap()
        .write(&good)
        .unwrap();
    let nan = d.join("nan.csv");
    std::fs::write(&nan, "x,y\n0,1\n2,NaN\n").unwrap();
    let three = d.join("three.csv");
    std::fs::write(&three, "0,1,2\n3,4,5\n").unwrap();
    let single = d.join("single.csv");
    std::fs::write(&single, "0,1\n").unwrap();
    let bad_ext = d.join("points.txt");
    std::fs::write(&bad_ext, "0,1\n").unwrap();
    let velocity = d.join("v.gfm");
    velocity_model(&velocity);
    let missing = d.join("missing.npy");
    let out = d.join("out.npy");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["eval", s(&missing), s(&good)], "No such file"),
        (vec!["eval", s(&good), s(&bad_ext)], "unknown file type"),
        (
            vec!["eval", s(&nan), s(&good)],
            "NaN or infinite value at row 1, column 1",
        ),
        (vec!["eval", s(&good), s(&three)], "dimension mismatch"),
        (vec!["eval", s(&single), s(&good)], "need at least 2 points"),
        (
            vec!["eval", s(&good), s(&good), "--bandwidth", "0"],
            "--bandwidth",
        ),
        (
            vec!["eval", s(&three), s(&three), "--floor-of", "moons"],
            "2D",
        ),
        (
            vec!["eval", s(&good), s(&good), "--metrics", "w3"],
            "invalid value 'w3'",
        ),
        (
            vec!["sample", "--model", s(&velocity), "--out", s(&out)],
            "velocity model",
        ),
        (vec!["sample", "--model", s(&missing)], "No such file"),
        (
            vec!["sample", "--potential", "gaussian", "--out", s(&bad_ext)],
            "unknown file type",
        ),
        (
            vec![
                "sample",
                "--potential",
                "gaussian",
                "--sampler",
                "ula",
                "--step",
                "3",
                "-n",
                "20",
            ],
            "of 20 chains diverged",
        ),
        (
            vec!["sample", "--out", s(&out)],
            "--out needs --potential, --model or --dataset",
        ),
        (
            vec!["sample", "--potential", "gaussian", "--dim", "3"],
            "--dim applies to",
        ),
        (
            vec!["sample", "--potential", "normal", "--dim", "0"],
            "dimension must be at least 1",
        ),
        (
            vec!["sample", "--potential", "mixture", "--init", s(&three)],
            "3 columns",
        ),
        (
            vec!["sample", "--potential", "mixture", "--init", s(&nan)],
            "NaN",
        ),
        (
            vec!["sample", "--potential", "mixture", "--burn-in", "5"],
            "--burn-in 5 needs thinning",
        ),
        (
            vec!["sample", "--potential", "nope"],
            "invalid value 'nope'",
        ),
        (
            vec!["sample", "--potential", "gaussian", "--model", s(&velocity)],
            "cannot be used",
        ),
        (
            vec!["sample", "--dataset", "moons"],
            "--dataset needs --out",
        ),
    ];
    for (args, needle) in cases {
        let r = gradflow(&args);
        assert!(!r.ok, "{args:?} succeeded: {}", r.stdout);
        assert_eq!(r.stderr.lines().count(), 1, "{args:?}: {:?}", r.stderr);
        assert!(r.stderr.contains(needle), "{args:?}: {:?}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{args:?}: {:?}", r.stderr);
    }
    assert!(!out.exists(), "a failed run left a file behind");
}
