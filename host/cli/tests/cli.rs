//! The `gradflow` binary end to end: the README's main job and its error path.

use std::process::Command;

fn gradflow(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gradflow"))
        .args(args)
        .output()
        .expect("failed to start gradflow");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The largest |z| the report prints on its last line.
fn worst_z(stdout: &str) -> f64 {
    let line = stdout.lines().last().unwrap();
    let value = line
        .split("largest |z| = ")
        .nth(1)
        .unwrap()
        .split(':')
        .next()
        .unwrap();
    value.parse().unwrap()
}

#[test]
fn sample_mixture_with_mala_recovers_the_weights() {
    let (ok, stdout, stderr) = gradflow(&[
        "sample",
        "--chains",
        "4000",
        "--steps",
        "600",
        "--threads",
        "2",
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("weight 2"), "{stdout}");
    assert!(worst_z(&stdout) < 5.0, "{stdout}");
    assert!(stdout.contains("agrees with the known answer"), "{stdout}");
}

#[test]
fn sample_gaussian_with_jko2_is_exact() {
    let args = [
        "sample",
        "--target",
        "gaussian",
        "--sampler",
        "jko2",
        "--step",
        "0.3",
        "--inner-iters",
        "20",
        "--chains",
        "4000",
        "--steps",
        "200",
    ];
    let (ok, stdout, stderr) = gradflow(&args);
    assert!(ok, "{stderr}");
    assert!(worst_z(&stdout) < 5.0, "{stdout}");
}

/// ULA at τ = 0.3 on the Gaussian target is visibly biased (its covariance is
/// (P(I − τP/2))⁻¹, 20–40% larger than P⁻¹ here): the demo must say so rather than agree.
#[test]
fn sample_reports_ula_bias() {
    let args = [
        "sample",
        "--target",
        "gaussian",
        "--sampler",
        "ula",
        "--step",
        "0.3",
        "--chains",
        "4000",
        "--steps",
        "200",
    ];
    let (ok, stdout, _) = gradflow(&args);
    assert!(ok);
    assert!(worst_z(&stdout) > 5.0, "{stdout}");
    assert!(stdout.contains("biased"), "{stdout}");
}

#[test]
fn bad_settings_fail_with_a_clear_message() {
    let (ok, _, stderr) = gradflow(&["sample", "--step=-1", "--chains", "10", "--steps", "1"]);
    assert!(!ok);
    assert!(stderr.contains("step must be finite and > 0"), "{stderr}");
    let (ok, _, stderr) = gradflow(&["sample", "--chains", "1"]);
    assert!(!ok);
    assert!(stderr.contains("at least 2 chains"), "{stderr}");
}

#[test]
fn bench_prints_one_json_row_per_precision() {
    let (ok, stdout, stderr) = gradflow(&["bench", "--particles", "4", "--repeats", "3", "--json"]);
    assert!(ok, "{stderr}");
    let rows: Vec<&str> = stdout.lines().collect();
    assert_eq!(rows.len(), 2, "{stdout}");
    for (row, precision) in rows.iter().zip(["f32", "f64"]) {
        assert!(
            row.contains(&format!("\"precision\": \"{precision}\"")),
            "{row}"
        );
        let ns: f64 = row
            .split("\"ns_per_particle_step\": ")
            .nth(1)
            .and_then(|s| s.split(',').next())
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no timing in {row}"));
        assert!(ns > 0.0 && ns.is_finite(), "{row}");
    }
    let (ok, _, stderr) = gradflow(&["bench", "--particles", "0"]);
    assert!(
        !ok && stderr.contains("--particles must be at least 1"),
        "{stderr}"
    );
}

/// Usage errors are one line on stderr naming the cause, with exit code 2; `--help` is not
/// an error.
#[test]
fn usage_errors_are_one_line() {
    for args in [
        &["frobnicate"][..],
        &["plot", "samples", "--width", "abc", "-o", "x.png"],
        &["sample", "--chains"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_gradflow"))
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("gradflow: "), "{stderr}");
    }
    let (ok, stdout, _) = gradflow(&["--help"]);
    assert!(ok && stdout.contains("Usage: gradflow"), "{stdout}");
}

/// The value of `key` in a one-line JSON object printed by `gradflow bench`.
fn json_number(row: &str, key: &str) -> f64 {
    row.split(&format!("\"{key}\": "))
        .nth(1)
        .and_then(|s| s.split([',', '}']).next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no {key} in {row}"))
}

#[test]
fn bench_batched_and_sgemm_print_one_json_row_per_thread_count() {
    let (ok, stdout, stderr) = gradflow(&[
        "bench",
        "--workload",
        "batched",
        "--particles",
        "100",
        "--steps",
        "2",
        "--repeats",
        "2",
        "--threads",
        "1,2",
        "--json",
    ]);
    assert!(ok, "{stderr}");
    let rows: Vec<&str> = stdout.lines().collect();
    assert_eq!(rows.len(), 2, "{stdout}");
    for (row, threads) in rows.iter().zip([1.0, 2.0]) {
        assert!(row.contains("\"impl\": \"gradflow\""), "{row}");
        assert_eq!(json_number(row, "threads"), threads, "{row}");
        assert_eq!(json_number(row, "particles"), 100.0, "{row}");
        let rate = json_number(row, "particle_steps_per_s");
        assert!(rate > 0.0 && rate.is_finite(), "{row}");
    }
    let (ok, stdout, stderr) = gradflow(&[
        "bench",
        "--workload",
        "sgemm",
        "--size",
        "96",
        "--threads",
        "2",
        "--json",
    ]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("\"impl\": \"sgemm-peak (gemm crate)\""),
        "{stdout}"
    );
    assert_eq!(json_number(&stdout, "threads"), 2.0, "{stdout}");
    assert!(json_number(&stdout, "gflops") > 0.0, "{stdout}");
    for (args, message) in [
        (
            &["bench", "--workload", "batched", "--particles", "0"][..],
            "--particles must be at least 1",
        ),
        (
            &["bench", "--workload", "batched", "--steps", "0"][..],
            "--steps must be at least 1",
        ),
        (
            &["bench", "--workload", "sgemm", "--size", "0"][..],
            "size must be at least 1",
        ),
        (&["bench", "--threads", "2"][..], "runs on one thread"),
    ] {
        let (ok, _, stderr) = gradflow(args);
        assert!(!ok && stderr.contains(message), "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    }
}
