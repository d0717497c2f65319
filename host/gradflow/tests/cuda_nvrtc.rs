//! The CUDA kernels compile: NVRTC (which needs no GPU) turns `kernels.cu` into PTX for
//! every virtual architecture the backend may pick, and the PTX exports every kernel the
//! backend loads, in both precisions. `.ci/run` installs NVRTC from PyPI and sets
//! `GRADFLOW_REQUIRE_NVRTC=1`, so there the test cannot skip.

use gradflow::engine::cuda::{KERNEL_NAMES, arch_for, compile, nvrtc_present};

#[test]
fn kernels_compile_for_every_architecture() {
    if !nvrtc_present() {
        assert!(
            std::env::var_os("GRADFLOW_REQUIRE_NVRTC").is_none(),
            "GRADFLOW_REQUIRE_NVRTC is set but libnvrtc.so cannot be loaded (LD_LIBRARY_PATH?)"
        );
        println!("kernels_compile_for_every_architecture: skipped, NVRTC (libnvrtc.so) not found");
        return;
    }
    let archs = [
        (7, 0),
        (7, 5),
        (8, 0),
        (8, 6),
        (8, 9),
        (9, 0),
        (10, 0),
        (12, 0),
    ]
    .map(|(major, minor)| arch_for(major, minor));
    assert_eq!(arch_for(9, 0), "compute_90");
    assert_eq!(arch_for(6, 1), "compute_52");
    assert_eq!(arch_for(13, 0), "compute_120");
    for arch in archs {
        let ptx = compile(Some(arch))
            .unwrap_or_else(|e| panic!("{arch}: {e}"))
            .to_src();
        for name in KERNEL_NAMES {
            for suffix in ["f32", "f64"] {
                let entry = format!(".entry {name}_{suffix}(");
                assert!(ptx.contains(&entry), "{arch}: no {entry} in the PTX");
            }
        }
    }
}
