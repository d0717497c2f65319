//! `gradflow bench --workload sinkhorn`: the JSON lines the peer scripts read, and the
//! device each row names.

use std::path::PathBuf;
use std::process::{Command, Output};

use gradflow::data::{NpyDtype, Samples};
use gradflow::engine::cuda::probe;
use gradflow::sinkhorn::{SinkhornSettings, Stopping};
use gradflow_core::StreamRng;
use serde_json::Value;

#[path = "../../gradflow/tests/common/gpu.rs"]
mod gpu_check;

/// The default (annealed) settings at blur `blur`.
fn annealed(blur: f64) -> SinkhornSettings {
    SinkhornSettings {
        blur,
        stopping: Stopping::Annealed,
        ..SinkhornSettings::default()
    }
}

/// Writes `x` and `y` (rows of `d`) as f32 .npy files in a fresh directory named after
/// `test`; returns the directory and a run of `gradflow bench --workload sinkhorn` on them
/// with more arguments.
fn sinkhorn_bench(
    test: &str,
    x: &[f64],
    y: &[f64],
    d: usize,
) -> (PathBuf, impl Fn(&[&str]) -> Output) {
    let dir = std::env::temp_dir().join(format!("gradflow-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (xp, yp) = (dir.join("x.npy"), dir.join("y.npy"));
    for (path, v) in [(&xp, x), (&yp, y)] {
        Samples::new(v.len() / d, d, v.to_vec())
            .unwrap()
            .write_npy(path, NpyDtype::F32)
            .unwrap();
    }
    let run = move |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_gradflow"))
            .args(["bench", "--workload", "sinkhorn", "--x"])
            .arg(&xp)
            .arg("--y")
            .arg(&yp)
            .args(args)
            .output()
            .unwrap()
    };
    (dir, run)
}

/// `v` rounded to f32.
fn narrow(v: &[f64]) -> Vec<f32> {
    v.iter().map(|&t| t as f32).collect()
}

/// `count` standard normals from stream `stream` of seed `seed`.
fn normals(seed: u64, stream: u64, count: usize) -> Vec<f64> {
    let mut rng = StreamRng::new(seed, stream);
    (0..count).map(|_| rng.normal::<f64>()).collect()
}

/// `gradflow bench --workload sinkhorn --json` prints one JSON line per thread count with
/// the fields the peer script reads, and the value of the library's divergence.
#[test]
fn bench_command_prints_the_agreed_json_lines() {
    let (n, m, d) = (100, 80, 2);
    let x = normals(9, 0, n * d);
    let y: Vec<f64> = normals(9, 1, m * d).iter().map(|v| v + 1.0).collect();
    let (dir, bench) = sinkhorn_bench("sinkhorn-bench", &x, &y, d);
    let run = |extra: &[&str]| {
        let args = [
            "--blur",
            "0.1",
            "--threads",
            "1,2",
            "--repeats",
            "2",
            "--json",
        ];
        let out = bench(&[&args[..], extra].concat());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let lines = run(&[]);
    let rows: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    let want = annealed(0.1)
        .divergence(&narrow(&x), &narrow(&y), d)
        .unwrap();
    for (row, threads) in rows.iter().zip([1, 2]) {
        assert_eq!(row["workload"], "sinkhorn");
        assert_eq!(
            (row["n"].as_u64(), row["m"].as_u64()),
            (Some(100), Some(80))
        );
        assert_eq!(row["dim"], 2);
        assert_eq!(
            (row["blur"].as_f64(), row["scaling"].as_f64()),
            (Some(0.1), Some(0.5))
        );
        assert_eq!(row["stopping"], "annealed");
        assert!(row["tol"].is_null());
        assert_eq!(row["precision"], "f32");
        assert_eq!(row["threads"], threads);
        assert!(row["seconds"].as_f64().unwrap() > 0.0);
        assert_eq!(row["runs"], 2, "a short run is timed --repeats times");
        assert_eq!(row["value"].as_f64().unwrap(), want.value);
        let its: Vec<u64> = row["iterations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(its.len(), 3);
        assert!(its.iter().all(|&i| i as usize == want.report.schedule_len));
    }
    let tol = run(&["--tol", "1e-6", "--precision", "f64", "--threads", "1"]);
    let row: Value = serde_json::from_str(tol.lines().next().unwrap()).unwrap();
    assert_eq!(
        (row["stopping"].as_str(), row["tol"].as_f64()),
        (Some("tolerance"), Some(1e-6))
    );
    assert_eq!(row["precision"], "f64");
    // Bad settings are one-line errors.
    let out = bench(&["--blur", "0"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("blur") && err.lines().count() == 1, "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `gradflow bench --workload sinkhorn --device ...` names its device; `cuda` without a
/// GPU is a one-line error with the probe's reason, `auto` falls back to the CPU. With a
/// GPU, `cuda` runs there and its value agrees with the CPU's.
#[test]
fn bench_names_its_device() {
    let (n, m, d) = (100, 80, 2);
    let (x, y) = (
        normals(17, 50, n * d),
        normals(17, 51, m * d)
            .iter()
            .enumerate()
            .map(|(i, v)| 0.8 * v + if i % d == 0 { 1.0 } else { 0.0 })
            .collect::<Vec<_>>(),
    );
    let (dir, bench) = sinkhorn_bench("cuda-sinkhorn", &x, &y, d);
    let run = |device: &str| {
        let args = [
            "--blur",
            "0.1",
            "--threads",
            "1",
            "--repeats",
            "1",
            "--json",
        ];
        bench(&[&args[..], &["--device", device]].concat())
    };
    let row = |out: &Output| -> Value {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        serde_json::from_str(text.lines().next().unwrap()).unwrap()
    };
    let cpu = row(&run("cpu"));
    assert_eq!(cpu["device"], "cpu");
    let want = annealed(0.1)
        .divergence(&narrow(&x), &narrow(&y), d)
        .unwrap();
    assert_eq!(cpu["value"].as_f64(), Some(want.value));
    let auto = run("auto");
    match probe() {
        Err(why) => {
            gpu_check::gpu_present("bench_names_its_device (GPU part)");
            assert_eq!(row(&auto)["device"], "cpu");
            assert!(String::from_utf8_lossy(&auto.stderr).contains(&why.to_string()));
            let out = run("cuda");
            assert!(!out.status.success());
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.contains(&why.to_string()) && err.lines().count() == 1,
                "{err}"
            );
        }
        Ok(_) => {
            for out in [auto, run("cuda")] {
                let r = row(&out);
                let device = r["device"].as_str().unwrap().to_string();
                assert!(device.starts_with("cuda:0"), "{device}");
                let value = r["value"].as_f64().unwrap();
                assert!((value - want.value).abs() < 1e-4 * want.value, "{value}");
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
