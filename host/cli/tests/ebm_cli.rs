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
