//! The no_std proof: builds `tests/nostd-proof`, a freestanding `#![no_std] #![no_main]`
//! binary with its own `#[panic_handler]` that links `gradflow-core` and runs MALA chains,
//! then runs it and checks that it passes its own statistical check.
//!
//! If the build fails with a duplicate `panic_impl` lang item (rustc error E0152, "found
//! duplicate lang item `panic_impl`", raised when the crates are linked together), something
//! pulled `std` into the core: the core itself, a new dependency of it, or a dependency
//! feature that enables `std`. The proof is its own workspace (excluded from the main one)
//! so that the host's features cannot hide this.
//!
//! The proof is built with a separate target dir, `target/nostd-proof`, so this inner cargo
//! does not wait on the lock the outer `cargo test` holds on `target/`.

use std::path::PathBuf;
use std::process::Command;

#[test]
fn nostd_proof_builds_and_samples_correctly() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf();
    let manifest = repo.join("tests/nostd-proof/Cargo.toml");
    let target_dir = repo.join("target/nostd-proof");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());

    let build = Command::new(&cargo)
        .args(["build", "--release", "--manifest-path"])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target_dir)
        .output()
        .expect("failed to run cargo");
    assert!(
        build.status.success(),
        "building the no_std proof failed ({}); if the error is a duplicate `panic_impl` lang \
         item, something pulled std into gradflow-core.\n--- cargo stderr ---\n{}",
        build.status,
        String::from_utf8_lossy(&build.stderr),
    );

    let binary = target_dir.join("release/gradflow-nostd-proof");
    let run = Command::new(&binary)
        .output()
        .unwrap_or_else(|e| panic!("failed to run {}: {e}", binary.display()));
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    println!("{stdout}");
    assert!(
        run.status.success(),
        "the no_std proof failed ({})\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        run.status,
    );
    assert!(
        stdout
            .lines()
            .any(|line| line.starts_with("nostd-proof: mala variance")),
        "no result line from the no_std proof\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
    );
}
