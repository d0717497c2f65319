//! `--device` through the real binary, for each family of trainers (EBM, flows, latent
//! EBM). Without a GPU (CI): `cuda` is refused in one line naming what is missing, `auto`
//! says it falls back and trains on the CPU. With one: both train on it. `gradflow devices`
//! lists the GPUs or says why there are none.

use gradflow::engine::cuda::probe;

mod common;

use common::{gradflow, scratch};

const EBM: [&str; 13] = [
    "train",
    "ebm",
    "--dataset",
    "gmm",
    "--widths",
    "8",
    "--batch",
    "16",
    "--buffer",
    "32",
    "--eval-steps",
    "5",
    "--no-progress",
];
const FLOW: [&str; 9] = [
    "train",
    "fm",
    "--widths",
    "8",
    "--batch",
    "16",
    "--eval-draws",
    "1",
    "--no-progress",
];
const LVEBM: [&str; 12] = [
    "train",
    "lvebm",
    "--dataset",
    "ppca",
    "--family",
    "mlp",
    "--latent-dim",
    "1",
    "--widths",
    "8",
    "--pool-size",
    "16",
];

#[test]
fn every_trainer_takes_a_device() {
    let dir = scratch("cli-device", "run");
    let gpu = probe();
    for (name, base) in [("ebm", &EBM[..]), ("fm", &FLOW[..]), ("lvebm", &LVEBM[..])] {
        let run = |device: &str| {
            let mut args = base.to_vec();
            args.extend(["--steps", "5", "-o", name, "--device", device, "--force"]);
            gradflow(&dir, &args)
        };
        let (code, out, err) = run("auto");
        assert_eq!(code, Some(0), "{name} auto: {out}{err}");
        let (cuda, cuda_out, cuda_err) = run("cuda");
        match &gpu {
            Err(why) => {
                assert!(
                    err.contains(&format!("--device auto: using the CPU ({why})")),
                    "{err}"
                );
                assert!(out.contains(", cpu ("), "{name}: {out}");
                assert_eq!(cuda, Some(1), "{name} cuda: {cuda_out}{cuda_err}");
                assert_eq!(
                    cuda_err.trim(),
                    format!("gradflow train: --device cuda: {why}"),
                    "{name}"
                );
            }
            Ok(_) => {
                assert!(out.contains(", cuda:0 ("), "{name}: {out}");
                assert_eq!(cuda, Some(0), "{name} cuda: {cuda_out}{cuda_err}");
            }
        }
    }
    let (code, out, err) = gradflow(&dir, &["devices"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.starts_with("cpu: "), "{out}");
    match &gpu {
        Err(why) => assert!(out.contains(&format!("cuda: none ({why})")), "{out}"),
        Ok(count) => assert_eq!(out.matches("cuda:").count(), *count, "{out}"),
    }
    let (code, _, err) = gradflow(&dir, &[&EBM[..], &["--device", "tpu"]].concat());
    assert_eq!(code, Some(2));
    assert!(
        err.contains("unknown device \"tpu\" (cpu, cuda or auto)"),
        "{err}"
    );
}
