//! EBM maximum-likelihood training on a case with a known answer: Gaussian data and the
//! quadratic family E = ½xᵀAx − bᵀx, whose MLE is the sample precision A = C⁻¹ (C the
//! sample covariance, 1/n) with b = C⁻¹m.
//!
//! The training loop reaches the A at which the particle scheme's stationary covariance
//! equals C. With an exact sampler (MALA; jko2, whose law is exact on Gaussians) that is
//! the MLE; with ULA at step τ the stationary covariance is (A(I − τA/2))⁻¹, so the loop
//! converges to the biased A = (I − √(I − 2τC⁻¹))/τ; with `jko` (prox solved to
//! convergence) to the root of (1 + τa)²/(a(1 + τa/2)) = c on each eigenvalue c of C.
//! Each is a known answer; the test checks the learnt A, averaged over the last half of
//! the updates, against it.
//!
//! Tolerance: the averaged iterate estimates C through the particles' second moments.
//! With P particles per update, W averaged updates and an integrated autocorrelation of
//! at most 20 updates (measured: 3 to 10 for these settings), the relative sd of a
//! second moment is about √(2·20/(P·W)) = 0.63 % for P = 1000, W = 1000; the test allows
//! 4 sd = 2.5 % on each eigenvalue of A, against ULA's 13–38 % bias at τ = 0.4 and
//! jko's 8–18 % at τ = 0.1.

use gradflow::ebm::{EbmSettings, EbmTrainer, QuadraticEnergy};
use gradflow::train::Trainer;
use gradflow_core::StreamRng;
use gradflow_core::{SamplerKind, SamplerSettings};

/// Eigenvalues of the symmetric 2 × 2 matrix [[a, b], [b, c]], ascending.
fn eig2(m: &[f64]) -> [f64; 2] {
    let (a, b, c) = (m[0], m[1], m[3]);
    let mean = 0.5 * (a + c);
    let r = (0.25 * (a - c).powi(2) + b * b).sqrt();
    [mean - r, mean + r]
}

/// 4000 points of N(m, Σ), Σ with eigenvalues 1 and 2; their mean and covariance (1/n).
fn gaussian_data() -> (Vec<f64>, [f64; 2], [f64; 4]) {
    let n = 4000;
    let (c, s) = (0.6f64.cos(), 0.6f64.sin());
    let mut data = Vec::with_capacity(2 * n);
    for i in 0..n {
        let mut rng = StreamRng::new(99, i as u64);
        let (z0, z1) = (rng.normal::<f64>(), 2f64.sqrt() * rng.normal::<f64>());
        data.push(0.5 + c * z0 - s * z1);
        data.push(-1.0 + s * z0 + c * z1);
    }
    let m = [0, 1].map(|k| data.iter().skip(k).step_by(2).sum::<f64>() / n as f64);
    let mut cov = [0.0; 4];
    for p in data.chunks_exact(2) {
        let dx = [p[0] - m[0], p[1] - m[1]];
        for (k, v) in cov.iter_mut().enumerate() {
            *v += dx[k / 2] * dx[k % 2] / n as f64;
        }
    }
    (data, m, cov)
}

/// The particle scheme `kind` with `inner_iters` proximal iterations (jko, jko2).
fn scheme(kind: SamplerKind, inner_iters: u32) -> SamplerSettings {
    SamplerSettings {
        inner_iters,
        ..SamplerSettings::of(kind)
    }
}

/// Trains the quadratic energy with `scheme` at τ and returns A and A⁻¹b averaged over
/// the last half of the updates.
fn learnt(scheme: SamplerSettings, tau: f64, steps: usize) -> ([f64; 4], [f64; 2]) {
    let (data, _, _) = gaussian_data();
    let settings = EbmSettings {
        particles: SamplerSettings {
            step: tau,
            ..scheme
        },
        particle_steps: steps,
        batch: 1000,
        buffer: 1000,
        reinit: 0.0,
        lr: 0.01,
        penalty: 0.0,
        updates: 2000,
        seed: 5,
        ..EbmSettings::default()
    };
    let model = QuadraticEnergy::new(&[1.0, 0.0, 0.0, 1.0], &[0.0, 0.0]);
    let mut t = EbmTrainer::<f64, _>::new(&settings, model, &data).unwrap();
    let (mut a_sum, mut mean_sum, mut w) = ([0.0; 4], [0.0; 2], 0.0);
    for k in 0..settings.updates {
        let stats = t.step().unwrap();
        assert!(stats.loss.is_finite(), "{scheme} diverged at update {k}");
        if k >= settings.updates / 2 {
            let a = t.model().precision();
            let b = t.model().linear();
            let det = a[0] * a[3] - a[1] * a[2];
            let mean = [
                (a[3] * b[0] - a[1] * b[1]) / det,
                (a[0] * b[1] - a[2] * b[0]) / det,
            ];
            for i in 0..4 {
                a_sum[i] += a[i];
            }
            mean_sum[0] += mean[0];
            mean_sum[1] += mean[1];
            w += 1.0;
        }
    }
    (a_sum.map(|v| v / w), mean_sum.map(|v| v / w))
}

/// The expected A's eigenvalues: `f` maps an eigenvalue c of C to that of A.
fn check(scheme: SamplerSettings, tau: f64, steps: usize, f: impl Fn(f64) -> f64) {
    let (_, m, cov) = gaussian_data();
    let (a, mean) = learnt(scheme, tau, steps);
    let got = eig2(&a);
    let c = eig2(&cov);
    // A's eigenvalues are decreasing functions of C's: the smallest of A goes with the
    // largest of C.
    let want = [f(c[1]), f(c[0])];
    println!(
        "{scheme} τ = {tau}: A eigenvalues {got:?}, expected {want:?} (sample precision {:?}); \
         mean {mean:?}, sample mean {m:?}",
        [1.0 / c[1], 1.0 / c[0]]
    );
    for k in 0..2 {
        let rel = (got[k] / want[k] - 1.0).abs();
        assert!(rel < 0.025, "{scheme}: eigenvalue {k} off by {rel:.4}");
        // The mean's sd: √(c_max · 20 / (P·W)) = √(2·20/10⁶) = 0.0063; 0.02 is about 3 sd.
        assert!(
            (mean[k] - m[k]).abs() < 0.02,
            "{scheme}: mean {mean:?} vs {m:?}"
        );
    }
}

#[test]
fn mala_learns_the_sample_precision() {
    check(scheme(SamplerKind::Mala, 0), 0.4, 5, |c| 1.0 / c);
}

#[test]
fn jko2_learns_the_sample_precision() {
    // The half prox on a Gaussian contracts by τa/2 ≤ 0.4 per iteration: 12 iterations
    // leave 0.4¹² ≈ 2e-5 of the error.
    check(scheme(SamplerKind::Jko2, 12), 0.4, 3, |c| 1.0 / c);
}

#[test]
fn ula_learns_its_own_biased_precision() {
    let tau = 0.4;
    check(scheme(SamplerKind::Ula, 0), tau, 5, |c| {
        (1.0 - (1.0 - 2.0 * tau / c).sqrt()) / tau
    });
}

#[test]
fn jko_learns_its_own_biased_precision() {
    // A smaller τ: the fixed-point prox needs τa < 1, and the stationary variance
    // (1 + τa)²/(a(1 + τa/2)) cannot go below 2τ.
    let tau = 0.1;
    // Solve (1 + τa)²/(a(1 + τa/2)) = c by bisection (the left side decreases in a on the
    // bracket).
    let root = |c: f64| {
        let v = |a: f64| (1.0 + tau * a).powi(2) / (a * (1.0 + 0.5 * tau * a)) - c;
        let (mut lo, mut hi) = (1e-3, 50.0);
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if v(mid) > 0.0 { lo = mid } else { hi = mid }
        }
        0.5 * (lo + hi)
    };
    check(scheme(SamplerKind::Jko, 10), tau, 10, root);
}
