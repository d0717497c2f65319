//! `gradflow train ebm` through the real binary (a tiny run writes its model, figure,
//! report and checkpoint; a resumed run equals an uninterrupted one; bad options give one
//! line), and the training loop on an MLP energy: it learns 8gaussians (grid KL falls far
//! below the untrained model's) and resumes bit for bit.

use std::path::PathBuf;

use gradflow::ebm::{
    BatchEnergy, EbmData, EbmSet2d, EbmSettings, EbmTrainer, EnergyModel, KL_CELLS, MlpEnergy,
    grid_kl,
};
use gradflow::engine::Network;
use gradflow::train::{RunOptions, Trainer, run};
use gradflow_core::Activation;

mod common;

use common::gradflow;

fn scratch(name: &str) -> PathBuf {
    common::scratch("ebm-cli", name)
}

/// A tiny run: 8-wide network, 40 updates, short evaluation chains.
const TINY: [&str; 16] = [
    "train",
    "ebm",
    "--dataset",
    "gmm",
    "--widths",
    "8,8",
    "--batch",
    "32",
    "--buffer",
    "64",
    "--eval-steps",
    "20",
    "--scheme",
    "jko",
    "--grad-evals",
    "6",
];

#[test]
fn train_ebm_writes_its_files_and_resumes_bit_for_bit() {
    let dir = scratch("run");
    let (code, out, err) = gradflow(
        &dir,
        &[
            &TINY[..],
            &["--steps", "40", "--out", "whole", "--no-progress"],
        ]
        .concat(),
    );
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("trained ebm on gmm in"), "{out}");
    assert!(out.contains("jko(M=4) (1 particle steps"), "{out}");
    assert!(
        out.contains("KL(data ‖ model)") && out.contains("floors"),
        "{out}"
    );
    for ext in ["gfm", "png", "json", "ckpt"] {
        assert!(dir.join(format!("whole.{ext}")).exists(), "no whole.{ext}");
    }
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("whole.json")).unwrap()).unwrap();
    assert_eq!(report["grad_evals_per_update"], 4);
    // 40 updates × 32 particles × 4 gradients.
    assert_eq!(report["grad_evals_total"], 40 * 32 * 4);
    assert!(report["kl"].as_f64().unwrap() > 0.0);
    assert_eq!(report["settings"]["scheme"], "jko");

    // 25 updates, then resumed to 40: the same model file, byte for byte.
    let (code, out, err) = gradflow(
        &dir,
        &[
            &TINY[..],
            &["--steps", "25", "--out", "part", "--no-progress"],
        ]
        .concat(),
    );
    assert_eq!(code, Some(0), "{out}{err}");
    let (code, out, err) = gradflow(
        &dir,
        &[
            &TINY[..],
            &[
                "--steps",
                "40",
                "--out",
                "part",
                "--resume",
                "--no-progress",
            ],
        ]
        .concat(),
    );
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("resumed at update 25"), "{out}");
    assert_eq!(
        std::fs::read(dir.join("whole.gfm")).unwrap(),
        std::fs::read(dir.join("part.gfm")).unwrap(),
        "the resumed run's model differs"
    );
    // Other settings are refused, naming the difference.
    let (code, _, err) = gradflow(
        &dir,
        &[
            &TINY[..],
            &[
                "--steps", "40", "--out", "part", "--resume", "--tau", "0.02",
            ],
        ]
        .concat(),
    );
    assert_eq!(code, Some(1));
    assert!(err.contains("tau"), "{err}");
}

#[test]
fn bad_ebm_options_give_one_line() {
    let dir = scratch("bad");
    let cases: [(&[&str], &str); 8] = [
        (
            &["train", "ebm", "--eta", "0.1"],
            "--eta does not apply to ebm",
        ),
        (
            &["train", "fm", "--scheme", "ula"],
            "--scheme does not apply to fm",
        ),
        (
            &["train", "ebm", "--dataset", "moons"],
            "unknown EBM set \"moons\"",
        ),
        (
            &["train", "ebm", "--scheme", "sgld"],
            "unknown particle scheme",
        ),
        (
            &["train", "ebm", "--scheme", "ula", "--inner-iters", "3"],
            "--inner-iters applies to jko and jko2",
        ),
        (
            &["train", "ebm", "--scheme", "jko2", "--grad-evals", "4"],
            "not enough for one jko2(M=4) step",
        ),
        (
            &["train", "ebm", "--tau=-1"],
            "jko2(τ=-1, M=4, ω=1): invalid parameter: JKO step must be finite and > 0",
        ),
        // A bad EbmSettings field, named by its flag.
        (
            &["train", "ebm", "--reinit", "2"],
            "invalid EBM settings: --reinit 2 must be in [0, 1]",
        ),
    ];
    for (args, expected) in cases {
        let (code, out, err) = gradflow(&dir, args);
        assert_ne!(code, Some(0), "{args:?} succeeded: {out}");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
    }
}

fn kl(model: &MlpEnergy<f32>, set: EbmSet2d) -> f64 {
    let energy = |x: &[f64], e: &mut [f64]| -> Result<(), String> {
        let xs: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let mut es = vec![0.0f32; e.len()];
        model.energies(&xs, &mut es).map_err(|e| e.to_string())?;
        for (o, v) in e.iter_mut().zip(es) {
            *o = f64::from(v);
        }
        Ok(())
    };
    grid_kl(set, energy, KL_CELLS).unwrap().kl
}

/// 400 updates of the default jko2 settings on 8gaussians: the grid KL falls from the
/// untrained network's (5.4 nats) to under 0.7 (0.44 measured; the full
/// 4000-update runs of docs/src/results/ebm.md reach about 0.1); a run stopped at 150 and resumed
/// from its checkpoint ends with the same parameters, bit for bit.
#[test]
fn mlp_ebm_learns_8gaussians_and_resumes_exactly() {
    let set = EbmSet2d::EightGaussians;
    let (train, _) = EbmData::Set2d(set).train_test(0).unwrap();
    let settings = EbmSettings {
        updates: 400,
        buffer: 2048,
        ..EbmSettings::default()
    };
    let model = || {
        let net = Network::<f64>::energy(2, &[64, 64], Activation::Silu, 0).unwrap();
        MlpEnergy::<f32>::new(net, 2)
    };
    let mut t = EbmTrainer::new(&settings, model(), &train).unwrap();
    let before = kl(t.model(), set);
    run(&mut t, &RunOptions::new(settings.updates)).unwrap();
    let after = kl(t.model(), set);
    println!("grid KL: untrained {before:.3}, after 400 updates {after:.3}");
    assert!(before > 3.0, "{before}");
    assert!(after < 0.7, "{after}");

    let path = scratch("resume").join("ebm.ckpt");
    let options = RunOptions {
        checkpoint: Some(path.clone()),
        ..RunOptions::new(150)
    };
    run(
        &mut EbmTrainer::new(&settings, model(), &train).unwrap(),
        &options,
    )
    .unwrap();
    let mut resumed = EbmTrainer::new(&settings, model(), &train).unwrap();
    let options = RunOptions {
        total_steps: 400,
        resume: true,
        ..options
    };
    run(&mut resumed, &options).unwrap();
    assert_eq!(resumed.steps_done(), 400);
    let same = resumed
        .model()
        .params()
        .iter()
        .zip(t.model().params())
        .all(|(a, b)| a.to_bits() == b.to_bits());
    assert!(same, "the resumed run's parameters differ");
    assert_eq!(resumed.grad_evals(), t.grad_evals());
}

/// `train ebm` on a user's 3-D file with features on scales 0.01 to 100: it trains in
/// standardised units, says so, and writes a 3-D model file whose energy (data units)
/// varies on the data's own scales; `train lvebm` refuses the data-file options it does
/// not take.
#[test]
fn train_ebm_takes_a_data_file_and_writes_the_model_in_data_units() {
    let dir = scratch("data");
    let mut rng = gradflow_core::StreamRng::new(4, 0);
    let scales = [0.01, 1.0, 100.0];
    let data: Vec<f64> = (0..600)
        .map(|k| 5.0 * scales[k % 3] + scales[k % 3] * rng.normal::<f64>())
        .collect();
    gradflow::data::Samples::new(200, 3, data.clone())
        .unwrap()
        .write(dir.join("x.csv"))
        .unwrap();
    let (code, out, err) = gradflow(
        &dir,
        &[
            "train",
            "ebm",
            "--data",
            "x.csv",
            "--steps",
            "20",
            "--widths",
            "8",
            "--out",
            "e",
            "--test-fraction",
            "0.2",
        ],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("trained ebm on x.csv"), "{out}");
    assert!(
        out.contains("vs 40 held-out points (in standardised units)"),
        "{out}"
    );
    assert!(
        out.contains("no figure") && !dir.join("e.png").exists(),
        "{out}"
    );
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("e.json")).unwrap()).unwrap();
    assert_eq!(record["dim"], 3);
    assert_eq!(record["data_rows"], serde_json::json!([160, 40]));
    assert_eq!(record["data_fingerprint"].as_str().map(str::len), Some(16));
    assert_eq!(record["units"]["scale"].as_array().map(Vec::len), Some(3));
    let model = gradflow::modelio::ModelBytes::read(&dir.join("e.gfm")).unwrap();
    let view = model.view();
    assert_eq!(view.architecture().x_dim(), 3);
    // The folded first layer: a step of one data-unit standard deviation along a feature
    // moves the energy about as much whatever the feature's scale, so the gradient in
    // data units scales as 1/scale: the 0.01-scale feature's is far steeper than the
    // 100-scale one's, on average over the data.
    let mut scratch = vec![0.0f64; view.scratch_len()];
    let (mut g_small, mut g_large) = (0.0, 0.0);
    for row in data.chunks_exact(3) {
        let mut g = [0.0; 3];
        view.energy_grad(row, &mut g, &mut scratch).unwrap();
        g_small += g[0].abs();
        g_large += g[2].abs();
    }
    assert!(g_small > 100.0 * g_large, "{g_small} vs {g_large}");
    let (code, _, err) = gradflow(&dir, &["train", "lvebm", "--standardize", "none"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("--standardize does not apply to lvebm"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `--eval-every` on an EBM run: a line per check in PREFIX.metrics.jsonl (W2, Sinkhorn,
/// MMD², grid KL on a 2D set), the best model kept as PREFIX.best.gfm, the same lines and
/// best model after a resume; a fresh run refuses to overwrite them; lvebm refuses it.
#[test]
fn train_ebm_tracks_held_out_metrics_and_keeps_the_best_model() {
    let dir = scratch("track");
    let every = ["--eval-every", "10", "--no-progress"];
    let (code, out, err) = gradflow(
        &dir,
        &[&TINY[..], &every, &["--steps", "30", "--out", "whole"]].concat(),
    );
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(err.matches("held-out W2").count(), 3, "{err}");
    assert!(err.contains("update 30: held-out W2"), "{err}");
    assert!(out.contains("held-out checks every 10 updates"), "{out}");
    let lines = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    let whole = lines("whole.metrics.jsonl");
    let rows: Vec<serde_json::Value> = whole
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 3);
    for (row, step) in rows.iter().zip([10, 20, 30]) {
        assert_eq!(row["step"], step);
        for key in ["w2", "sinkhorn", "mmd2", "kl", "worst_sd_error"] {
            assert!(
                row[key].as_f64().is_some_and(f64::is_finite),
                "{key}: {row}"
            );
        }
    }
    // The best model is the one of the lowest W2: the model of a run that stops at that
    // update (the checks do not touch the training's state or streams).
    let best = rows
        .iter()
        .min_by(|a, b| a["w2"].as_f64().partial_cmp(&b["w2"].as_f64()).unwrap())
        .unwrap();
    let best_step = best["step"].to_string();
    let (code, out, err) = gradflow(
        &dir,
        &[
            &TINY[..],
            &["--steps", &best_step, "--out", "at-best", "--no-progress"],
        ]
        .concat(),
    );
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(
        std::fs::read(dir.join("whole.best.gfm")).unwrap(),
        std::fs::read(dir.join("at-best.gfm")).unwrap(),
        "the best model is not the model at update {best_step}"
    );

    // 15 updates, then resumed to 30: the same lines and the same best model.
    let (code, out, err) = gradflow(
        &dir,
        &[&TINY[..], &every, &["--steps", "15", "--out", "part"]].concat(),
    );
    assert_eq!(code, Some(0), "{out}{err}");
    let (code, out, err) = gradflow(
        &dir,
        &[
            &TINY[..],
            &every,
            &["--steps", "30", "--out", "part", "--resume"],
        ]
        .concat(),
    );
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(lines("part.metrics.jsonl"), whole);
    assert_eq!(
        std::fs::read(dir.join("part.best.gfm")).unwrap(),
        std::fs::read(dir.join("whole.best.gfm")).unwrap()
    );

    // A fresh run over them is refused; lvebm takes no --eval-every.
    let (code, _, err) = gradflow(
        &dir,
        &[&TINY[..], &every, &["--steps", "30", "--out", "whole"]].concat(),
    );
    assert_eq!(code, Some(1));
    assert!(err.contains("already exists"), "{err}");
    let (code, _, err) = gradflow(&dir, &["train", "lvebm", "--eval-every", "5"]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("--eval-every does not apply to lvebm"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// An 8-D Gaussian with feature scales from 0.01 to 100 and correlations: x = m + A z.
struct Gaussian8 {
    mean: Vec<f64>,
    a: Vec<Vec<f64>>,
}

impl Gaussian8 {
    const D: usize = 8;

    fn new() -> Self {
        let mut fixed = gradflow_core::StreamRng::new(99, 8);
        let scale = |i: usize| 0.01 * 10f64.powf(4.0 * i as f64 / 7.0);
        let mean = (0..Self::D)
            .map(|i| scale(i) * fixed.normal::<f64>())
            .collect();
        let a = (0..Self::D)
            .map(|i| {
                (0..Self::D)
                    .map(|j| scale(i) * (f64::from(i == j) + 0.3 * fixed.normal::<f64>()))
                    .collect()
            })
            .collect();
        Self { mean, a }
    }

    fn cov(&self, i: usize, j: usize) -> f64 {
        (0..Self::D).map(|k| self.a[i][k] * self.a[j][k]).sum()
    }

    fn rows(&self, n: usize, seed: u64) -> gradflow::data::Samples {
        let (d, mut rng) = (Self::D, gradflow_core::StreamRng::new(seed, 0));
        let mut data = Vec::with_capacity(n * d);
        for _ in 0..n {
            let z: Vec<f64> = (0..d).map(|_| rng.normal::<f64>()).collect();
            data.extend(
                (0..d).map(|i| self.mean[i] + (0..d).map(|k| self.a[i][k] * z[k]).sum::<f64>()),
            );
        }
        gradflow::data::Samples::new(n, d, data).unwrap()
    }
}

/// `train ebm --data` with its defaults on the 8-D Gaussian with feature scales 0.01 to
/// 100: the long-run samples it writes (in data units, one chain per held-out row), and
/// those `gradflow sample --model` draws from the model file, have the truth's means,
/// standard deviations and correlations. Tolerances: the sampling error of
/// n = 4000 samples at 5 sd (a mean's sd is σ/√n, a standard deviation's relative sd
/// 1/√(2n), a correlation's at most 1/√n), plus the model's own error, allowed 0.1 (an
/// MCMC-trained MLP; measured 0.100, 0.094 and 0.068 for the run's samples, 0.113, 0.086
/// and 0.078 for `sample --model`'s).
#[test]
fn train_ebm_learns_an_8d_gaussian_on_scales_from_0_01_to_100() {
    let dir = scratch("gauss8");
    let truth = Gaussian8::new();
    truth
        .rows(4000, 1)
        .write_npy(dir.join("x.npy"), gradflow::data::NpyDtype::F64)
        .unwrap();
    truth.rows(4000, 2).write(dir.join("t.csv")).unwrap();
    let (code, out, err) = gradflow(
        &dir,
        &[
            "train",
            "ebm",
            "--data",
            "x.npy",
            "--test",
            "t.csv",
            "--out",
            "e",
            "--no-progress",
        ],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("jko2(M=4) (4 particle steps of τ = 0.05"),
        "{out}"
    );
    let written = gradflow::data::Samples::read(dir.join("e.samples.npy")).unwrap();
    assert_gaussian8(&truth, &written, "the run's long-run samples");

    // The model file records its data units, so `sample --model` runs MALA in the
    // standardised coordinates: one step size mixes every feature, from the 0.01-scale
    // one to the 100-scale one. Started at the held-out rows, the chains end decorrelated
    // from their starts (|corr| < 0.3 per feature: every feature moved) and the ends have
    // the truth's moments.
    let model = gradflow::modelio::ModelBytes::read(&dir.join("e.gfm")).unwrap();
    let (mean, scale) = model.units().expect("the file records its units");
    assert_eq!((mean.len(), scale.len()), (8, 8));
    assert!(scale[7] / scale[0] > 1e3, "{scale:?}");
    let (code, out, err) = gradflow(
        &dir,
        &[
            "sample", "--model", "e.gfm", "--init", "t.csv", "--steps", "400", "--step", "0.05",
            "--out", "s.npy",
        ],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("the file records its data units"), "{out}");
    let sampled = gradflow::data::Samples::read(dir.join("s.npy")).unwrap();
    assert_gaussian8(&truth, &sampled, "sample --model");
    let start = gradflow::data::Samples::read(dir.join("t.csv")).unwrap();
    for i in 0..Gaussian8::D {
        let column = |s: &gradflow::data::Samples| -> Vec<f64> {
            s.data
                .iter()
                .skip(i)
                .step_by(Gaussian8::D)
                .copied()
                .collect()
        };
        let r = correlation(&column(&start), &column(&sampled));
        assert!(r.abs() < 0.3, "feature {i}: start-to-end correlation {r}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// The sample correlation of two columns.
fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let var = |v: &[f64], m: f64| v.iter().map(|x| (x - m).powi(2)).sum::<f64>();
    cov / (var(a, ma) * var(b, mb)).sqrt()
}

/// `s` has the means, standard deviations and correlations of `truth` within the
/// tolerances of [`train_ebm_learns_an_8d_gaussian_on_scales_from_0_01_to_100`].
fn assert_gaussian8(truth: &Gaussian8, s: &gradflow::data::Samples, what: &str) {
    let (n, d) = (s.n, Gaussian8::D);
    assert_eq!((n, s.d), (4000, d));
    let mean: Vec<f64> = (0..d)
        .map(|i| s.data.iter().skip(i).step_by(d).sum::<f64>() / n as f64)
        .collect();
    let cov = |i: usize, j: usize| {
        s.data
            .chunks_exact(d)
            .map(|r| (r[i] - mean[i]) * (r[j] - mean[j]))
            .sum::<f64>()
            / (n - 1) as f64
    };
    let (mut worst_mean, mut worst_sd, mut worst_corr) = (0f64, 0f64, 0f64);
    for (i, (m_hat, m)) in mean.iter().zip(&truth.mean).enumerate() {
        let sd = truth.cov(i, i).sqrt();
        worst_mean = worst_mean.max((m_hat - m).abs() / sd);
        worst_sd = worst_sd.max((cov(i, i).sqrt() / sd - 1.0).abs());
        for j in 0..i {
            let rho = truth.cov(i, j) / (sd * truth.cov(j, j).sqrt());
            let rho_hat = cov(i, j) / (cov(i, i) * cov(j, j)).sqrt();
            worst_corr = worst_corr.max((rho_hat - rho).abs());
        }
    }
    println!("{what}: worst mean {worst_mean:.3} sd, sd {worst_sd:.3}, corr {worst_corr:.3}");
    let n = n as f64;
    assert!(
        worst_mean <= 0.1 + 5.0 / n.sqrt(),
        "{what}: mean {worst_mean}"
    );
    assert!(
        worst_sd <= 0.1 + 5.0 / (2.0 * n).sqrt(),
        "{what}: sd {worst_sd}"
    );
    assert!(
        worst_corr <= 0.1 + 5.0 / n.sqrt(),
        "{what}: corr {worst_corr}"
    );
}
