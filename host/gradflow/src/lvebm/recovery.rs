//! How well the conditional latent particles recover a hidden variable: the double-well
//! sensor's positions z from the particles of z | xᵢ, read against the oracle, the exact
//! posterior of the true parameters (by quadrature): the best any method can do at that
//! noise level.

use serde_json::{Value, json};

use super::DoubleWellSensor;
use crate::ebm::EbmError;

/// Errors of an estimate ẑ of the hidden z.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RecoveryMetrics {
    /// √(mean (ẑᵢ − zᵢ)²).
    pub rmse: f64,
    /// Pearson correlation of ẑ and z.
    pub correlation: f64,
    /// Fraction of data with sign(ẑᵢ) = sign(zᵢ): the well is right.
    pub well_accuracy: f64,
}

impl RecoveryMetrics {
    /// The metrics of `estimate` against `truth` (same length, > 1).
    pub fn of(estimate: &[f64], truth: &[f64]) -> Self {
        let n = truth.len() as f64;
        let mse = estimate
            .iter()
            .zip(truth)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            / n;
        let (ma, mb) = (
            estimate.iter().sum::<f64>() / n,
            truth.iter().sum::<f64>() / n,
        );
        let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
        for (a, b) in estimate.iter().zip(truth) {
            sab += (a - ma) * (b - mb);
            saa += (a - ma).powi(2);
            sbb += (b - mb).powi(2);
        }
        let hits = estimate.iter().zip(truth).filter(|(a, b)| *a * *b > 0.0);
        Self {
            rmse: mse.sqrt(),
            correlation: sab / (saa * sbb).sqrt(),
            well_accuracy: hits.count() as f64 / n,
        }
    }

    fn to_json(self) -> Value {
        json!({
            "rmse": self.rmse,
            "correlation": self.correlation,
            "well_accuracy": self.well_accuracy,
        })
    }
}

/// The recovery report (see [`recovery`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Recovery {
    /// Data points n.
    pub n: usize,
    /// Conditional particles M per datum.
    pub particles_per_datum: usize,
    /// The global sign s = sign(A_learned·A_true) ∈ {±1}: (z, A) ↦ (−z, −A) is a symmetry
    /// of the model, so the learned latents are compared as s·z.
    pub sign: f64,
    /// ẑᵢ = s·(mean of datum i's particles).
    pub z_hat: Vec<f64>,
    /// Standard deviation of datum i's particles (the posterior spread they carry).
    pub z_spread: Vec<f64>,
    /// The oracle's ẑᵢ: E[z | xᵢ] under the true parameters, by quadrature.
    pub z_oracle: Vec<f64>,
    /// Metrics of the learned ẑ.
    pub learned: RecoveryMetrics,
    /// Metrics of the oracle's ẑ.
    pub oracle: RecoveryMetrics,
    /// The oracle's expected well accuracy, mean of P(sign z = sign ẑᵢ | xᵢ) by quadrature:
    /// what its measured accuracy estimates (a check of the quadrature against the data).
    pub oracle_expected_accuracy: f64,
    /// Fraction of data whose true posterior gives the less likely well at least 10 %:
    /// the points near the barrier, where z | x is bimodal.
    pub bimodal_fraction: f64,
    /// Learned (h, A₁, A₂, c₁, c₂, σ²) with A multiplied by s (the equivalent model).
    pub learned_params: [f64; 6],
    /// True (h, A₁, A₂, c₁, c₂, σ²).
    pub true_params: [f64; 6],
}

/// (h, A₁, A₂, c₁, c₂, σ²) of a model, A multiplied by `sign`.
fn readable_params(m: &DoubleWellSensor, sign: f64) -> [f64; 6] {
    let (a, c) = (m.gain(), m.offset());
    [m.barrier(), sign * a[0], sign * a[1], c[0], c[1], m.noise()]
}

/// Compares the learned latents with the hidden truth.
///
/// `model` is the trained model, `truth` the generating one, `x` the observations (n × 2),
/// `z` their hidden positions (n), `latents` the trainer's conditional particles (datum
/// i's M particles are `latents[i·M..(i+1)·M]`, dz = 1; `LvebmTrainer::latents`).
///
/// Errors: sizes that do not match, n < 2, M = 0, a truth that is not normalisable.
pub fn recovery(
    model: &DoubleWellSensor,
    truth: &DoubleWellSensor,
    x: &[f64],
    z: &[f64],
    latents: &[f64],
    particles_per_datum: usize,
) -> Result<Recovery, EbmError> {
    let (n, m) = (z.len(), particles_per_datum);
    if n < 2 || m == 0 || x.len() != 2 * n || latents.len() != n * m {
        return Err(EbmError::Data(format!(
            "recovery: {} observed values, {n} hidden positions, {} particles at {m} per \
             datum: need n >= 2 rows of 2, and n·M particles",
            x.len(),
            latents.len()
        )));
    }
    let (a, at) = (model.gain(), truth.gain());
    let sign = if a[0] * at[0] + a[1] * at[1] < 0.0 {
        -1.0
    } else {
        1.0
    };
    let mut z_hat = Vec::with_capacity(n);
    let mut z_spread = Vec::with_capacity(n);
    for p in latents.chunks_exact(m) {
        let mean = p.iter().sum::<f64>() / m as f64;
        let var = p.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / m as f64;
        z_hat.push(sign * mean);
        z_spread.push(var.sqrt());
    }
    let mut z_oracle = Vec::with_capacity(n);
    let (mut expected, mut bimodal) = (0.0, 0);
    for xi in x.chunks_exact(2) {
        let post = truth.posterior(xi).ok_or(EbmError::NotNormalisable {
            model: "recovery's true model (barrier h <= 0)",
        })?;
        let p = post.prob_right;
        expected += if post.mean > 0.0 { p } else { 1.0 - p };
        bimodal += usize::from(p.min(1.0 - p) >= 0.1);
        z_oracle.push(post.mean);
    }
    Ok(Recovery {
        n,
        particles_per_datum: m,
        sign,
        learned: RecoveryMetrics::of(&z_hat, z),
        oracle: RecoveryMetrics::of(&z_oracle, z),
        oracle_expected_accuracy: expected / n as f64,
        bimodal_fraction: bimodal as f64 / n as f64,
        learned_params: readable_params(model, sign),
        true_params: readable_params(truth, 1.0),
        z_hat,
        z_spread,
        z_oracle,
    })
}

impl Recovery {
    /// The scalar results as JSON (the per-datum vectors are left out).
    pub fn to_json(&self) -> Value {
        let params = |p: &[f64; 6]| json!({"h": p[0], "gain": [p[1], p[2]], "offset": [p[3], p[4]], "noise": p[5]});
        json!({
            "n": self.n,
            "particles_per_datum": self.particles_per_datum,
            "sign": self.sign,
            "learned": self.learned.to_json(),
            "oracle": self.oracle.to_json(),
            "oracle_expected_accuracy": self.oracle_expected_accuracy,
            "bimodal_fraction": self.bimodal_fraction,
            "learned_params": params(&self.learned_params),
            "true_params": params(&self.true_params),
        })
    }
}

#[cfg(test)]
mod tests {
    use gradflow_core::{Energy, Kernel, Mala, StreamRng};

    use super::*;
    use crate::lvebm::{ClosedForm, simulate};

    /// z ↦ E_θ(x, z) for one x, as a core energy.
    struct PosteriorEnergy<'a> {
        model: &'a DoubleWellSensor,
        x: [f64; 2],
    }

    impl Energy<f64> for PosteriorEnergy<'_> {
        fn dim(&self) -> usize {
            1
        }
        fn energy(&self, z: &[f64]) -> Result<f64, gradflow_core::Error> {
            self.energy_grad(z, &mut [0.0])
        }
        fn energy_grad(&self, z: &[f64], grad: &mut [f64]) -> Result<f64, gradflow_core::Error> {
            let found = z.len().max(grad.len());
            let (&[z], [grad]) = (z, grad) else {
                return Err(gradflow_core::Error::dimension_mismatch(
                    "latent point and gradient",
                    1,
                    found,
                ));
            };
            let mut g = [0.0; 3];
            let e = self.model.value_grad(&[self.x[0], self.x[1], z], &mut g);
            *grad = g[2];
            Ok(e)
        }
    }

    /// The oracle by quadrature is what Monte Carlo gives: (1) on simulated data its
    /// measured well accuracy is its quadrature-expected accuracy within 4 binomial
    /// standard errors; (2) for a few observations, long MALA chains on z | x (core's
    /// kernel) reproduce the quadrature's E[z | x] and P(z > 0 | x).
    #[test]
    fn the_oracle_by_quadrature_matches_monte_carlo() {
        let truth = DoubleWellSensor::truth();
        let n = 3000;
        let d = simulate(n, 21).unwrap();
        let rec = recovery(&truth, &truth, &d.x, &d.z, &d.z, 1).unwrap();
        let p = rec.oracle_expected_accuracy;
        let tol = 4.0 * (p * (1.0 - p) / n as f64).sqrt();
        eprintln!(
            "oracle accuracy {:.4}, expected {p:.4} (tol {tol:.4}); rmse {:.4}, corr {:.4}, \
             bimodal {:.3}",
            rec.oracle.well_accuracy, rec.oracle.rmse, rec.oracle.correlation, rec.bimodal_fraction
        );
        assert!((rec.oracle.well_accuracy - p).abs() <= tol);
        // Particles at the true z are a perfect estimate.
        assert_eq!(rec.learned.rmse, 0.0);
        assert_eq!(rec.learned.well_accuracy, 1.0);

        // (2): 64 chains × 20 000 MALA steps (τ = 0.05) after 2 000 of burn-in; the chains'
        // means are independent, so their spread gives the standard error.
        let kernel = Mala { step: 0.05 };
        for x in [[0.3, -0.2], [0.8, 0.1], [-0.4, -0.5]] {
            let post = truth.posterior(&x).unwrap();
            let energy = PosteriorEnergy { model: &truth, x };
            let mut scratch = [0.0; 3];
            let (chains, steps, burn) = (64, 20_000, 2_000);
            let mut means = Vec::new();
            let mut rights = Vec::new();
            for k in 0..chains {
                let mut rng = StreamRng::new(5, k);
                let mut z = [rng.normal::<f64>()];
                let (mut s, mut r) = (0.0, 0.0);
                for t in 0..steps + burn {
                    kernel
                        .step(&energy, &mut z, &mut rng, &mut scratch)
                        .unwrap();
                    if t >= burn {
                        s += z[0];
                        r += f64::from(u8::from(z[0] > 0.0));
                    }
                }
                means.push(s / steps as f64);
                rights.push(r / steps as f64);
            }
            let stats = |v: &[f64]| {
                let m = v.iter().sum::<f64>() / v.len() as f64;
                let var = v.iter().map(|a| (a - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64;
                (m, (var / v.len() as f64).sqrt())
            };
            let ((mc_mean, se_mean), (mc_right, se_right)) = (stats(&means), stats(&rights));
            eprintln!(
                "x {x:?}: E[z|x] {:.4} vs MC {mc_mean:.4} ± {se_mean:.4}; P(z>0|x) {:.4} vs \
                 MC {mc_right:.4} ± {se_right:.4}",
                post.mean, post.prob_right
            );
            assert!((post.mean - mc_mean).abs() <= 4.0 * se_mean);
            assert!((post.prob_right - mc_right).abs() <= 4.0 * se_right + 1e-4);
        }
    }

    #[test]
    fn sign_flips_are_undone_and_bad_sizes_are_errors() {
        let truth = DoubleWellSensor::truth();
        let flipped = DoubleWellSensor::new(2.0, [-1.0, -0.6], [0.3, -0.2], 0.25);
        let x = [1.3, 0.4, -0.7, -0.8, 0.2, 0.0];
        let z = [1.0, -1.0, 0.1];
        let particles = [-1.1, -0.9, 1.2, 0.8, -0.1, -0.2];
        let rec = recovery(&flipped, &truth, &x, &z, &particles, 2).unwrap();
        assert_eq!(rec.sign, -1.0);
        assert_eq!(rec.learned.well_accuracy, 1.0);
        assert!((rec.z_hat[0] - 1.0).abs() < 1e-12 && (rec.z_spread[0] - 0.1).abs() < 1e-12);
        assert_eq!(rec.learned_params, rec.true_params);
        assert!(rec.to_json()["learned"]["rmse"].is_number());
        assert!(recovery(&truth, &truth, &x, &z, &particles, 3).is_err());
        assert!(recovery(&truth, &truth, &x[..2], &z[..1], &particles[..2], 2).is_err());
    }
}
