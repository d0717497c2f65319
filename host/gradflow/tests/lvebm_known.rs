//! Known answers of latent-variable EBM training (docs/src/design.md §4.4): T1 and T2 recover their
//! closed-form MLEs and posterior moments, T3 (probabilistic PCA) recovers Tipping–Bishop's
//! µ, σ² and WWᵀ, and the PGD baseline finds the same answers.
//!
//! Tolerances: θ is averaged over the second half of the run, and its standard error is
//! estimated from the run itself by batch means (10 batches). Where the particles are MALA
//! (exact laws), the target is the MLE within 4 standard errors. Where they are ULA, the
//! target is ULA's own fixed point: for these Gaussian models ULA at step η leaves means
//! exact and turns a covariance Σ into Σ(I − ηΣ⁻¹/2)⁻¹, which moves the root of the
//! gradient in closed form.

use gradflow::ebm::EnergyModel;
use gradflow::lvebm::{
    ClosedForm, LatentMean, LatentPrecision, LvebmSettings, LvebmTrainer, Ppca, ThetaOptimizer,
};
use gradflow::train::Trainer;
use gradflow_core::StreamRng;
use gradflow_core::{SamplerKind, SamplerSettings};

#[path = "common/batch_means.rs"]
mod batch_means;

use batch_means::batch_means;

/// n × d normal draws with mean `mean` and standard deviation `sd`.
fn gaussian_data(n: usize, d: usize, mean: f64, sd: f64, seed: u64) -> Vec<f64> {
    let mut rng = StreamRng::new(seed, 0);
    (0..n * d)
        .map(|_| mean + sd * rng.normal::<f64>())
        .collect()
}

/// The second-half average of a readout of the model, with its batch-means standard error.
struct Averaged {
    mean: Vec<f64>,
    se: Vec<f64>,
}

/// Runs the trainer's `updates` updates and averages `readout(model)` over the second half.
fn run_averaged<M: EnergyModel<f64>>(
    t: &mut LvebmTrainer<f64, M>,
    updates: u64,
    readout: impl Fn(&M) -> Vec<f64>,
) -> Averaged {
    let mut trace: Vec<Vec<f64>> = Vec::new();
    for k in 0..updates {
        let s = t.step().expect("update");
        assert!(s.loss.is_finite(), "update {k}: loss {}", s.loss);
        if k >= updates / 2 {
            trace.push(readout(t.model()));
        }
    }
    let (mean, se) = batch_means(&trace);
    Averaged { mean, se }
}

fn step(kind: SamplerKind, tau: f64) -> SamplerSettings {
    SamplerSettings {
        step: tau,
        ..SamplerSettings::of(kind)
    }
}

/// Full-batch settings with the same step for both particle sets.
fn settings(
    particles: SamplerSettings,
    optimizer: ThetaOptimizer,
    lr: f64,
    updates: u64,
) -> LvebmSettings {
    LvebmSettings {
        posterior: particles,
        pool: particles,
        posterior_steps: 5,
        pool_steps: 5,
        particles_per_datum: 8,
        pool_size: 1000,
        batch: 0,
        optimizer,
        lr,
        updates,
        ..LvebmSettings::default()
    }
}

/// `|got − want| ≤ 4 se` (+ `floor` for what the standard error does not cover).
fn assert_within(what: &str, got: f64, want: f64, se: f64, floor: f64) {
    let tol = 4.0 * se + floor;
    eprintln!(
        "{what}: {got:.5} vs {want:.5} (|Δ| {:.2e}, tol {tol:.2e})",
        (got - want).abs()
    );
    assert!(
        (got - want).abs() <= tol,
        "{what}: {got} vs {want}, tolerance {tol}"
    );
}

/// Pooled (over data and particles) mean offset from the closed-form posterior means, and
/// pooled variance around them, of the conditional particles.
fn posterior_moments<M: EnergyModel<f64>>(
    t: &LvebmTrainer<f64, M>,
    post_mean: impl Fn(&[f64]) -> Vec<f64>,
) -> (f64, f64, usize) {
    let (dx, dz, m) = (
        t.observed_dim(),
        t.latent_dim(),
        t.lvebm_settings().particles_per_datum,
    );
    let (mut off, mut sq, mut count) = (0.0, 0.0, 0);
    for (x, zs) in t
        .data()
        .chunks_exact(dx)
        .zip(t.latents().chunks_exact(m * dz))
    {
        let mu = post_mean(x);
        for z in zs.chunks_exact(dz) {
            for (a, b) in z.iter().zip(&mu) {
                off += a - b;
                sq += (a - b).powi(2);
                count += 1;
            }
        }
    }
    (off / count as f64, sq / count as f64, count)
}

/// The variance `v` of a Gaussian of precision p after ULA at step η: 1/(p(1 − ηp/2)).
fn ula_variance(p: f64, eta: f64) -> f64 {
    1.0 / (p * (1.0 - eta * p / 2.0))
}

/// The root of `f` in (lo, hi) by bisection (f changes sign there).
fn bisect(f: impl Fn(f64) -> f64, mut lo: f64, mut hi: f64) -> f64 {
    let flo = f(lo);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if (f(mid) > 0.0) == (flo > 0.0) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// T1 with ULA particles: means are exact under ULA, so θ lands on the MLE (the data
/// mean); the particles' spread about the closed-form posterior mean (x + θ)/2 is ULA's
/// variance of precision 2.
#[test]
fn t1_recovers_the_mle_and_the_posterior() {
    let (n, d, eta) = (200, 2, 0.1);
    let data = gaussian_data(n, d, 1.5, 2f64.sqrt(), 11);
    let s = settings(step(SamplerKind::Ula, eta), ThetaOptimizer::Sgd, 0.05, 600);
    let mut t = LvebmTrainer::<f64, _>::new(&s, LatentMean::new(d, 0.0), &data, d).unwrap();
    let avg = run_averaged(&mut t, s.updates, |m| vec![m.theta()]);
    assert_within("T1 θ", avg.mean[0], LatentMean::mle(&data), avg.se[0], 0.0);
    let theta = t.model().theta();
    let (off, var, count) =
        posterior_moments(&t, |x| x.iter().map(|v| 0.5 * (v + theta)).collect());
    let v = ula_variance(2.0, eta);
    // `count` independent particles (across data): the mean has sd √(v/count), the
    // variance sd v√(2/count).
    assert_within(
        "T1 posterior mean offset",
        off,
        0.0,
        (v / count as f64).sqrt(),
        0.0,
    );
    assert_within(
        "T1 posterior variance",
        var,
        v,
        v * (2.0 / count as f64).sqrt(),
        0.0,
    );
}

/// T2 with MALA particles: a lands on the MLE 1/(s² − 1) and the posterior variance is
/// exactly 1/(1 + a).
#[test]
fn t2_with_mala_recovers_the_mle_and_the_posterior() {
    let (n, d) = (200, 2);
    let data = gaussian_data(n, d, 0.0, 2f64.sqrt(), 12);
    let s = settings(
        step(SamplerKind::Mala, 0.3),
        ThetaOptimizer::Sgd,
        0.05,
        1000,
    );
    let mut t = LvebmTrainer::<f64, _>::new(&s, LatentPrecision::new(d, 2.0), &data, d).unwrap();
    let avg = run_averaged(&mut t, s.updates, |m| vec![m.precision()]);
    let mle = LatentPrecision::mle(&data).unwrap();
    assert_within("T2 a (MALA)", avg.mean[0], mle, avg.se[0], 0.0);
    let a = t.model().precision();
    let (off, var, count) = posterior_moments(&t, |x| x.iter().map(|v| v / (1.0 + a)).collect());
    let v = 1.0 / (1.0 + a);
    assert_within(
        "T2 posterior mean offset",
        off,
        0.0,
        (v / count as f64).sqrt(),
        0.0,
    );
    assert_within(
        "T2 posterior variance",
        var,
        v,
        v * (2.0 / count as f64).sqrt(),
        0.0,
    );
}

/// T2 with ULA particles at a large step: a lands on ULA's predicted fixed point, where
/// the conditional particles' E[z²] equals the pool's, both under ULA's biased laws —
/// measurably away from the MLE.
#[test]
fn t2_with_ula_lands_on_the_predicted_biased_root() {
    let (n, d, eta) = (200, 2, 0.3);
    let data = gaussian_data(n, d, 0.0, 2f64.sqrt(), 12);
    let s = settings(step(SamplerKind::Ula, eta), ThetaOptimizer::Sgd, 0.05, 1000);
    let mut t = LvebmTrainer::<f64, _>::new(&s, LatentPrecision::new(d, 2.0), &data, d).unwrap();
    let avg = run_averaged(&mut t, s.updates, |m| vec![m.precision()]);
    let x2 = data.iter().map(|v| v * v).sum::<f64>() / data.len() as f64;
    // Posterior E[z²] = x̄²/(1 + a)² + ULA variance; the pool's z variance is the (z, z)
    // entry of Q⁻¹(I − ηQ/2)⁻¹, Q = [[1, −1], [−1, 1 + a]] per coordinate.
    let gap = |a: f64| {
        let post = x2 / (1.0 + a).powi(2) + ula_variance(1.0 + a, eta);
        let q = [1.0, -1.0, -1.0, 1.0 + a];
        let pool = ula_cov_2x2(q, eta)[3];
        post - pool
    };
    let predicted = bisect(gap, 0.3, 3.0);
    let mle = LatentPrecision::mle(&data).unwrap();
    eprintln!(
        "T2 ULA: a = {:.4} ± {:.4}, predicted biased root {predicted:.4}, MLE {mle:.4}",
        avg.mean[0], avg.se[0]
    );
    assert!(
        (predicted - mle).abs() > 4.0 * avg.se[0],
        "the bias must be measurable"
    );
    assert_within("T2 a (ULA)", avg.mean[0], predicted, avg.se[0], 0.0);
}

/// ULA's stationary covariance Q⁻¹(I − ηQ/2)⁻¹ for a 2 × 2 precision Q (row-major).
fn ula_cov_2x2(q: [f64; 4], eta: f64) -> [f64; 4] {
    // Q and I − ηQ/2 commute: the product is (Q − ηQ²/2)⁻¹.
    let q2 = [
        q[0] * q[0] + q[1] * q[2],
        q[0] * q[1] + q[1] * q[3],
        q[2] * q[0] + q[3] * q[2],
        q[2] * q[1] + q[3] * q[3],
    ];
    let m: Vec<f64> = q.iter().zip(q2).map(|(a, b)| a - 0.5 * eta * b).collect();
    let det = m[0] * m[3] - m[1] * m[2];
    [m[3] / det, -m[1] / det, -m[2] / det, m[0] / det]
}

/// Data from a PPCA model with dx = 3, dz = 1.
fn ppca_data(n: usize, seed: u64) -> Vec<f64> {
    let (w, mu) = ([1.5, -1.0, 0.5], [0.5, -0.5, 1.0]);
    let mut rng = StreamRng::new(seed, 0);
    let mut data = Vec::with_capacity(n * 3);
    for _ in 0..n {
        let z: f64 = rng.normal();
        for i in 0..3 {
            data.push(mu[i] + w[i] * z + 0.5 * rng.normal::<f64>());
        }
    }
    data
}

/// µ, σ², WWᵀ of a PPCA model, as one vector.
fn ppca_readout(m: &Ppca) -> Vec<f64> {
    let mut v = m.mean().to_vec();
    v.push(m.noise());
    v.extend(m.wwt());
    v
}

/// T3, probabilistic PCA with MALA particles and Adam: µ, σ² and WWᵀ match Tipping and
/// Bishop's closed form.
#[test]
fn t3_ppca_recovers_tipping_bishop() {
    let (n, dx, dz) = (300, 3, 1);
    let data = ppca_data(n, 13);
    let mle = Ppca::mle(&data, dx, dz);
    let s = LvebmSettings {
        pool_size: 2000,
        ..settings(
            step(SamplerKind::Mala, 0.1),
            ThetaOptimizer::Adam,
            0.01,
            2000,
        )
    };
    let init = Ppca::new(&[0.3, 0.3, 0.3], &[0.0, 0.0, 0.0], 1.0);
    let mut t = LvebmTrainer::<f64, _>::new(&s, init, &data, dx).unwrap();
    let avg = run_averaged(&mut t, s.updates, ppca_readout);
    let mut want = mle.mean.clone();
    want.push(mle.noise);
    want.extend(&mle.wwt);
    let names = ["µ0", "µ1", "µ2", "σ²"];
    for (j, (&got, &w)) in avg.mean.iter().zip(&want).enumerate() {
        let name = names
            .get(j)
            .map_or_else(|| format!("WWᵀ[{}]", j - 4), |s| s.to_string());
        assert_within(&format!("T3 {name}"), got, w, avg.se[j], 0.0);
    }
}

/// PGD (closed-form ∇ log Z, one ULA step per update) on T1 lands on the MLE, and on T2 on
/// its own ULA-biased root, where the posterior E[z²] under ULA equals 1/a.
#[test]
fn pgd_baseline_lands_on_its_predicted_roots() {
    let (n, d, h) = (200, 2, 0.1);
    let data = gaussian_data(n, d, 1.5, 2f64.sqrt(), 11);
    let s = LvebmSettings::pgd(h, 8, 1500, 0);
    let mut t = LvebmTrainer::<f64, _>::new(&s, LatentMean::new(d, 0.0), &data, d).unwrap();
    let avg = run_averaged(&mut t, s.updates, |m| vec![m.theta()]);
    assert_within(
        "PGD T1 θ",
        avg.mean[0],
        LatentMean::mle(&data),
        avg.se[0],
        0.0,
    );

    let data = gaussian_data(n, d, 0.0, 2f64.sqrt(), 12);
    let mut t = LvebmTrainer::<f64, _>::new(&s, LatentPrecision::new(d, 2.0), &data, d).unwrap();
    let avg = run_averaged(&mut t, s.updates, |m| vec![m.precision()]);
    let x2 = data.iter().map(|v| v * v).sum::<f64>() / data.len() as f64;
    let gap = |a: f64| x2 / (1.0 + a).powi(2) + ula_variance(1.0 + a, h) - 1.0 / a;
    let predicted = bisect(gap, 0.2, 5.0);
    assert_within("PGD T2 a", avg.mean[0], predicted, avg.se[0], 0.0);
}

/// A run resumed from a checkpoint continues bit for bit.
#[test]
fn resume_is_bit_identical() {
    let data = ppca_data(50, 3);
    let s = LvebmSettings {
        batch: 20,
        ..settings(step(SamplerKind::Mala, 0.1), ThetaOptimizer::Adam, 0.01, 30)
    };
    let init = Ppca::new(&[0.3, 0.3, 0.3], &[0.0, 0.0, 0.0], 1.0);
    let mut straight = LvebmTrainer::<f64, _>::new(&s, init.clone(), &data, 3).unwrap();
    for _ in 0..30 {
        straight.step().unwrap();
    }
    let mut first = LvebmTrainer::<f64, _>::new(&s, init.clone(), &data, 3).unwrap();
    for _ in 0..12 {
        first.step().unwrap();
    }
    let bytes = first.save().to_bytes();
    let mut resumed = LvebmTrainer::<f64, _>::new(&s, init, &data, 3).unwrap();
    resumed
        .restore(&gradflow::train::Checkpoint::from_bytes(&bytes).unwrap())
        .unwrap();
    for _ in 12..30 {
        resumed.step().unwrap();
    }
    assert_eq!(
        ClosedForm::params(straight.model()),
        ClosedForm::params(resumed.model())
    );
    assert_eq!(straight.latents(), resumed.latents());
    assert_eq!(straight.pool(), resumed.pool());
}
