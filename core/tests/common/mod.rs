//! Helpers shared by the core's integration tests.
#![allow(dead_code)]

use gradflow_core::{Energy, StreamRng};

/// Central-difference derivative of `f` along coordinate `i` of `x` with step h.
pub fn central_difference(f: impl Fn(&[f64]) -> f64, x: &[f64], i: usize, h: f64) -> f64 {
    let mut xp = x.to_vec();
    let mut xm = x.to_vec();
    xp[i] += h;
    xm[i] -= h;
    (f(&xp) - f(&xm)) / (2.0 * h)
}

/// Asserts that `energy_grad` agrees with central differences of `energy` at `x`, and that
/// `energy_grad` returns the same value as `energy`.
///
/// With step h = 1e-5·max(1, |x_i|) the truncation error is O(h²·E‴) and the rounding error
/// O(ε·|E|/h) ≈ 1e-11·|E|: `rel_tol` = 1e-6 relative to max(1, |g|, |E|·1e-5) leaves a
/// margin of ~100 for smooth energies of moderate curvature.
pub fn assert_gradient_matches_fd<E: Energy<f64>>(name: &str, energy: &E, x: &[f64]) {
    let d = energy.dim();
    assert_eq!(x.len(), d, "{name}: test point has the wrong dimension");
    let mut g = vec![0.0; d];
    let e = energy.energy_grad(x, &mut g).unwrap();
    assert_eq!(
        e,
        energy.energy(x).unwrap(),
        "{name}: energy_grad and energy disagree"
    );
    for i in 0..d {
        let h = 1e-5 * x[i].abs().max(1.0);
        let fd = central_difference(|y| energy.energy(y).unwrap(), x, i, h);
        let scale = 1.0f64.max(g[i].abs()).max(e.abs() * 1e-5);
        assert!(
            (g[i] - fd).abs() <= 1e-6 * scale,
            "{name}: dE/dx[{i}] = {} but finite difference gives {fd} at {x:?}",
            g[i]
        );
    }
}

/// `n` standard-normal draws scaled by `scale`, from stream 0 of `seed`.
pub fn normal_vec(seed: u64, n: usize, scale: f64) -> Vec<f64> {
    let mut rng = StreamRng::new(seed, 0);
    (0..n).map(|_| scale * rng.normal::<f64>()).collect()
}
