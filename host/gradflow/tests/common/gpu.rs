//! Whether a GPU test runs: it skips, printing why, where no GPU can be used, unless
//! `GRADFLOW_REQUIRE_GPU` is set (bench/gpu_check.sh sets it), which makes a missing GPU a
//! failure.

use gradflow::engine::cuda::probe;

/// `true` when a GPU can be used; otherwise prints why `test` skips and returns `false`
/// (or panics with the reason under `GRADFLOW_REQUIRE_GPU`).
pub fn gpu_present(test: &str) -> bool {
    match probe() {
        Ok(_) => true,
        Err(why) => {
            assert!(
                std::env::var_os("GRADFLOW_REQUIRE_GPU").is_none(),
                "{test}: GRADFLOW_REQUIRE_GPU is set but no GPU can be used: {why}"
            );
            println!("{test}: skipped, no usable GPU: {why}");
            false
        }
    }
}
