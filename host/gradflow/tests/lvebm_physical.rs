//! A physical system with a hidden variable: a Brownian particle
//! in the double well U(z) = 2(z² − 1)², simulated by overdamped Langevin dynamics and
//! observed only through the noisy 2-D sensor x = Az + c + 0.5ε. The latent-variable EBM
//! trainer, started from a wrong model, learns θ = (h, A, c, ln σ²) with MALA particles and
//! Adam, and its conditional particles recover the hidden z about as well as the exact
//! posterior of the true parameters does.
//!
//! Tolerances:
//! - θ: the MLE of n points lies within a few standard errors of the truth, the standard
//!   errors from the inverse of the empirical Fisher information Σᵢ sᵢsᵢᵀ at the truth
//!   (sᵢ = ∇θ log p(xᵢ), exact by quadrature); the trained θ is averaged over the second
//!   half of the run and fluctuates about the MLE with a batch-means standard error (10
//!   batches). Assert |θ̄ − θ_true| ≤ 4·(SE_Fisher + SE_batch).
//! - well accuracy: ≥ oracle − 4·√(p(1 − p)/n), p the oracle's accuracy (a binomial
//!   standard error at n points).

use gradflow::lvebm::{
    ClosedForm, DoubleWellSensor, LvebmSettings, LvebmTrainer, SENSOR_DIM, ThetaOptimizer,
    cholesky, cholesky_solve, plot_recovery, recovery, simulate,
};
use gradflow::train::Trainer;
use gradflow_core::{SamplerKind, SamplerSettings};

#[path = "common/batch_means.rs"]
mod batch_means;

use batch_means::batch_means;

const NAMES: [&str; 6] = ["h", "A₁", "A₂", "c₁", "c₂", "ln σ²"];

/// √diag(F⁻¹) of the empirical Fisher information F = Σᵢ sᵢsᵢᵀ of `model` on `x`.
fn fisher_standard_errors(model: &DoubleWellSensor, x: &[f64]) -> Vec<f64> {
    let p = ClosedForm::params(model).len();
    let mut f = vec![0.0; p * p];
    for xi in x.chunks_exact(SENSOR_DIM) {
        let s = model.posterior(xi).expect("normalisable").score;
        for a in 0..p {
            for b in 0..p {
                f[a * p + b] += s[a] * s[b];
            }
        }
    }
    let l = cholesky(&f, p).expect("the Fisher information is positive definite");
    (0..p)
        .map(|k| {
            let mut e = vec![0.0; p];
            e[k] = 1.0;
            cholesky_solve(&l, p, &e)[k].sqrt()
        })
        .collect()
}

#[test]
fn particles_recover_the_hidden_position_of_a_double_well_particle() {
    let n = 300;
    let data = simulate(n, 2024).unwrap();
    let truth = DoubleWellSensor::truth();
    let se_fisher = fisher_standard_errors(&truth, &data.x);

    let mala = |tau| SamplerSettings {
        step: tau,
        ..SamplerSettings::of(SamplerKind::Mala)
    };
    // τ = 0.01: at τ = 0.05 MALA particles that start (or land) at |z| ≳ 2, where
    // U' = 4hz(z² − 1) is steep, reject every proposal and stay there for good; the stuck
    // pool inflates E_pool[(z² − 1)²] and h then climbs without bound (seen: h ≈ 13 after
    // 1500 updates, acceptance 15 %).
    let settings = LvebmSettings {
        posterior: mala(0.01),
        posterior_steps: 5,
        particles_per_datum: 16,
        pool: mala(0.01),
        pool_steps: 5,
        pool_size: 1000,
        batch: 0,
        optimizer: ThetaOptimizer::Adam,
        lr: 0.01,
        updates: 1500,
        seed: 3,
        ..LvebmSettings::default()
    };
    let start = DoubleWellSensor::new(1.0, [0.5, 0.5], [0.0, 0.0], 1.0);
    let mut t = LvebmTrainer::<f64, _>::new(&settings, start, &data.x, SENSOR_DIM).unwrap();

    let updates = settings.updates as usize;
    let mut trace = Vec::new();
    for k in 0..updates {
        let s = t.step().unwrap();
        assert!(s.loss.is_finite(), "update {k}: loss {}", s.loss);
        if k >= updates / 2 {
            trace.push(ClosedForm::params(t.model()).to_vec());
        }
    }
    let (means, ses) = batch_means(&trace);
    let rec = recovery(
        t.model(),
        &truth,
        &data.x,
        &data.z,
        t.latents(),
        settings.particles_per_datum,
    )
    .unwrap();
    let want = ClosedForm::params(&truth);
    for (j, name) in NAMES.iter().enumerate() {
        let (mut mean, se_batch) = (means[j], ses[j]);
        if (1..3).contains(&j) {
            mean *= rec.sign;
        }
        let tol = 4.0 * (se_fisher[j] + se_batch);
        eprintln!(
            "{name}: learned {mean:.4} vs true {:.4} (|Δ| {:.4}; SE Fisher {:.4}, batch {:.4}; \
             tol {tol:.4})",
            want[j],
            (mean - want[j]).abs(),
            se_fisher[j],
            se_batch
        );
        assert!((mean - want[j]).abs() <= tol, "{name}");
    }

    eprintln!("recovery: {}", rec.to_json());
    let p = rec.oracle.well_accuracy;
    let floor = p - 4.0 * (p * (1.0 - p) / n as f64).sqrt();
    eprintln!(
        "well accuracy: learned {:.4}, oracle {p:.4} (floor {floor:.4}); RMSE learned {:.4}, \
         oracle {:.4}; correlation learned {:.4}, oracle {:.4}",
        rec.learned.well_accuracy,
        rec.learned.rmse,
        rec.oracle.rmse,
        rec.learned.correlation,
        rec.oracle.correlation
    );
    assert!(rec.learned.well_accuracy >= floor);

    if let Some(dir) = std::env::var_os("GRADFLOW_PLOT_DIR") {
        let path = std::path::Path::new(&dir).join("lvebm_physical_recovery.png");
        plot_recovery(&path, &data, &rec).unwrap();
        eprintln!("wrote {}", path.display());
    }
}
