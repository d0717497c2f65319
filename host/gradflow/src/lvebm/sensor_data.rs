//! Data of the double-well sensor ([`super::DoubleWellSensor`]): the particle's positions
//! z are snapshots of a simulated overdamped Langevin trajectory in U(z) = h(z² − 1)², and
//! only the noisy sensor readings x = Az + c + σε are observed.

use gradflow_core::{BatchReport, DoubleWell, Kernel, Mala, StreamRng};
use serde_json::{Value, json};

use super::DoubleWellSensor;
use crate::SettingError;
use crate::ebm::EbmError;

/// How the trajectory is simulated: MALA (the Metropolis-adjusted Euler–Maruyama step of
/// dz = −U'(z)dt + √2 dW, so its stationary law is exactly exp(−U)/Z_U) at time step
/// `step` from z = 1, `burn_in` steps discarded, then one snapshot every `thin` steps.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SimSettings {
    /// Time step τ.
    pub step: f64,
    /// Steps discarded before the first snapshot.
    pub burn_in: u64,
    /// Steps between snapshots.
    pub thin: u64,
}

impl Default for SimSettings {
    /// τ = 0.01, burn-in 10 000 steps (time 100), a snapshot every 2 000 steps (time 20).
    /// At h = 2 Kramers' hopping rate is k = √(U''(1)|U''(0)|)/(2π)·e^{−h} ≈ 0.24 per unit
    /// time, so the well occupancy decorrelates at rate 2k ≈ 0.49: over time 20 the
    /// correlation left between successive snapshots is e^{−9.7} ≈ 6e-5 (independent for
    /// all practical purposes), and the burn-in is ~50 relaxation times.
    fn default() -> Self {
        Self {
            step: 0.01,
            burn_in: 10_000,
            thin: 2_000,
        }
    }
}

impl SimSettings {
    /// The settings as JSON.
    pub fn to_json(&self) -> Value {
        json!({
            "integrator": "mala",
            "step": self.step,
            "burn_in": self.burn_in,
            "thin": self.thin,
        })
    }
}

/// Simulated observations with their hidden truth.
#[derive(Clone, Debug, PartialEq)]
pub struct SensorData {
    /// Sensor readings, n × 2 row-major: the data a model sees.
    pub x: Vec<f64>,
    /// The hidden positions (n).
    pub z: Vec<f64>,
    /// The model that generated them.
    pub truth: DoubleWellSensor,
    /// How the trajectory was simulated.
    pub settings: SimSettings,
    /// MALA's acceptance rate over the run.
    pub acceptance: f64,
}

impl SensorData {
    /// Number of observations n.
    pub fn len(&self) -> usize {
        self.z.len()
    }

    /// True when there is no observation.
    pub fn is_empty(&self) -> bool {
        self.z.is_empty()
    }
}

/// n observations of [`DoubleWellSensor::truth`] with the default [`SimSettings`]: the
/// trajectory draws from stream `(seed, 0)`, the sensor noise from `(seed, 1)`.
pub fn simulate(n: usize, seed: u64) -> Result<SensorData, EbmError> {
    simulate_with(&DoubleWellSensor::truth(), &SimSettings::default(), n, seed)
}

/// n observations of `truth` (h > 0, σ² > 0) simulated with `settings`.
///
/// Errors: n = 0, `settings.step` ≤ 0 or `settings.thin` = 0 ([`EbmError::Setting`] of
/// `n`, `simulation.step`, `simulation.thin`), σ² ≤ 0 (of `truth`), a well or a MALA step
/// that the core refuses ([`EbmError::Simulation`]).
pub fn simulate_with(
    truth: &DoubleWellSensor,
    settings: &SimSettings,
    n: usize,
    seed: u64,
) -> Result<SensorData, EbmError> {
    let bad = |field, what: String| Err(EbmError::Setting(SettingError::new(field, what)));
    if n == 0 {
        return bad("n", "must be at least 1".into());
    }
    if !(settings.step.is_finite() && settings.step > 0.0) {
        return bad(
            "simulation.step",
            format!("{} must be finite and > 0", settings.step),
        );
    }
    if settings.thin == 0 {
        return bad("simulation.thin", "must be at least 1".into());
    }
    let well = DoubleWell::<f64, 1>::new(truth.barrier(), 1.0).map_err(EbmError::Simulation)?;
    let noise = truth.noise();
    if !(noise.is_finite() && noise > 0.0) {
        return bad(
            "truth",
            format!("has sensor noise σ² = {noise}: it must be finite and > 0"),
        );
    }
    let kernel = Mala {
        step: settings.step,
    };
    let mut rng = StreamRng::new(seed, 0);
    let mut scratch = vec![0.0; Kernel::<f64>::scratch_len(&kernel, 1)];
    let mut state = [1.0];
    let mut report = BatchReport::default();
    let mut advance = |steps: u64, state: &mut [f64; 1]| -> Result<(), EbmError> {
        kernel
            .run(&well, state, &mut rng, steps, &mut scratch, &mut report)
            .map_err(EbmError::Simulation)
    };
    advance(settings.burn_in, &mut state)?;
    let mut z = Vec::with_capacity(n);
    for _ in 0..n {
        advance(settings.thin, &mut state)?;
        z.push(state[0]);
    }
    let total = settings.burn_in + n as u64 * settings.thin;
    let (a, c, sd) = (truth.gain(), truth.offset(), noise.sqrt());
    let mut sensor = StreamRng::new(seed, 1);
    let mut x = Vec::with_capacity(2 * n);
    for &zi in &z {
        for k in 0..2 {
            x.push(a[k] * zi + c[k] + sd * sensor.normal::<f64>());
        }
    }
    Ok(SensorData {
        x,
        z,
        truth: truth.clone(),
        settings: *settings,
        acceptance: report.accepted as f64 / total as f64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tolerances are 4 standard errors of n independent snapshots.
    #[test]
    fn the_simulated_law_is_the_boltzmann_law_and_the_noise_is_sigma() {
        let n = 2000;
        let d = simulate(n, 7).unwrap();
        assert_eq!((d.len(), d.x.len()), (n, 2 * n));
        assert!(d.acceptance > 0.9, "MALA acceptance {}", d.acceptance);
        let nf = n as f64;
        let right = d.z.iter().filter(|&&z| z > 0.0).count() as f64 / nf;
        let tol = 4.0 * (0.25 / nf).sqrt();
        eprintln!("fraction in the right well {right:.4} (tol {tol:.4})");
        assert!((right - 0.5).abs() <= tol);

        let q = d.truth.prior_quadrature().unwrap();
        let (m2, m4) = (q.expect(|z| z * z), q.expect(|z| z.powi(4)));
        let z2 = d.z.iter().map(|z| z * z).sum::<f64>() / nf;
        let tol = 4.0 * ((m4 - m2 * m2) / nf).sqrt();
        eprintln!("E[z²] {z2:.4} vs {m2:.4} (tol {tol:.4})");
        assert!((z2 - m2).abs() <= tol);

        // Successive snapshots are uncorrelated (lag-1 correlation of z, mean 0 by
        // symmetry): within 4/√n of 0.
        let lag1 = d.z.windows(2).map(|w| w[0] * w[1]).sum::<f64>() / (nf - 1.0) / m2;
        assert!(lag1.abs() <= 4.0 / nf.sqrt(), "lag-1 correlation {lag1}");

        let (a, c, s2) = (d.truth.gain(), d.truth.offset(), d.truth.noise());
        let mut r2 = 0.0;
        for (x, &z) in d.x.chunks_exact(2).zip(&d.z) {
            for k in 0..2 {
                r2 += (x[k] - a[k] * z - c[k]).powi(2);
            }
        }
        let var = r2 / (2.0 * nf);
        let tol = 4.0 * s2 * (2.0 / (2.0 * nf)).sqrt();
        eprintln!("sensor noise variance {var:.4} vs {s2} (tol {tol:.4})");
        assert!((var - s2).abs() <= tol);
    }

    #[test]
    fn bad_settings_are_errors_and_runs_repeat() {
        let err = simulate(0, 1).unwrap_err();
        assert!(
            matches!(&err, EbmError::Setting(e) if e.field == "n"),
            "{err}"
        );
        let thin = SimSettings {
            thin: 0,
            ..SimSettings::default()
        };
        let err = simulate_with(&DoubleWellSensor::truth(), &thin, 5, 1).unwrap_err();
        assert!(
            matches!(&err, EbmError::Setting(e) if e.field == "simulation.thin"),
            "{err}"
        );
        let bad = DoubleWellSensor::new(-1.0, [1.0, 0.0], [0.0, 0.0], 1.0);
        let err = simulate_with(&bad, &SimSettings::default(), 5, 1).unwrap_err();
        assert!(matches!(err, EbmError::Simulation(_)), "{err}");
        let source = std::error::Error::source(&err);
        assert!(
            source.is_some_and(|s| s.is::<gradflow_core::Error>()),
            "{err}"
        );
        assert_eq!(simulate(20, 3).unwrap(), simulate(20, 3).unwrap());
    }
}
