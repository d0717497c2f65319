//! The committed C headers must be what cbindgen makes of the current sources.
//! Regenerate them with `GRADFLOW_BLESS=1 cargo test -p gradflow-tests --test header`.

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// What cbindgen reads: a whole crate, or some of its source files.
enum Source<'a> {
    Crate(&'a str),
    Files(&'a [&'a str]),
}

fn check(source: Source<'_>, config: &str, header: &str) {
    let repo = repo();
    let config = cbindgen::Config::from_file(repo.join(config)).expect("cbindgen config");
    let mut generated = Vec::new();
    let builder = match source {
        Source::Crate(dir) => cbindgen::Builder::new().with_crate(repo.join(dir)),
        Source::Files(files) => files
            .iter()
            .fold(cbindgen::Builder::new(), |b, f| b.with_src(repo.join(f))),
    };
    builder
        .with_config(config)
        .generate()
        .expect("cbindgen failed")
        .write(&mut generated);
    let generated = String::from_utf8(generated).expect("header is UTF-8");
    let path = repo.join(header);
    if std::env::var_os("GRADFLOW_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("write header");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{header} is stale: the C API changed. Regenerate it with\n    \
         GRADFLOW_BLESS=1 cargo test -p gradflow-tests --test header\nand commit the result."
    );
}

/// `gradflow_core.h`: the whole C ABI crate but its `std` module (the config excludes
/// that module's items), for firmware.
#[test]
fn core_header_is_in_sync() {
    check(
        Source::Crate("core/capi"),
        "include/cbindgen-core.toml",
        "include/gradflow_core.h",
    );
}

/// `gradflow.h`: the `std` module's items; it includes `gradflow_core.h`.
#[test]
fn host_header_is_in_sync() {
    check(
        Source::Files(&["core/capi/src/host.rs"]),
        "include/cbindgen.toml",
        "include/gradflow.h",
    );
}
