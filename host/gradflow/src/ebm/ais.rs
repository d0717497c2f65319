//! log Z = log ∫exp(−E(x, z)) dx dz of a joint energy by annealed importance sampling
//! (Neal 2001) from a diagonal Gaussian base, with MALA transitions (exactly invariant for
//! each intermediate law) run on all chains as one batch.

use std::f64::consts::PI;

use gradflow_core::{SamplerKind, SamplerSettings, StreamRng};

use super::{BatchEnergy, EbmError, move_particles};
use crate::SettingError;
use crate::engine::EngineError;

/// A diagonal Gaussian N(m, diag s²): the base law of [`ais_log_partition`].
#[derive(Clone, Debug, PartialEq)]
pub struct GaussianBase {
    mean: Vec<f64>,
    std: Vec<f64>,
}

impl GaussianBase {
    /// N(`mean`, diag `std`²); the two must have the same length ≥ 1, finite entries and
    /// `std` > 0.
    pub fn new(mean: Vec<f64>, std: Vec<f64>) -> Result<Self, EbmError> {
        let bad = |field, what: String| Err(EbmError::Setting(SettingError::new(field, what)));
        if mean.is_empty() {
            return bad("mean", "has no value: need at least one".into());
        }
        if mean.len() != std.len() {
            return bad(
                "std",
                format!(
                    "has {} values for {} means: need one per mean",
                    std.len(),
                    mean.len()
                ),
            );
        }
        if mean.iter().any(|v| !v.is_finite()) {
            return bad("mean", "must be finite".into());
        }
        if std.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
            return bad("std", "must be finite and > 0".into());
        }
        Ok(Self { mean, std })
    }

    /// The moment-matched base of `particles` (n × `d`, e.g. the joint negative pool), each
    /// standard deviation multiplied by `widen` ≥ 1 (a base wider than the target keeps the
    /// importance weights' tails light; 1.5 is a good default).
    pub fn fit(particles: &[f64], d: usize, widen: f64) -> Result<Self, EbmError> {
        if d == 0 || !particles.len().is_multiple_of(d) || particles.len() < 2 * d {
            return Err(EbmError::Data(format!(
                "fitting a Gaussian base needs at least 2 rows of dimension {d} >= 1, got {} \
                 values",
                particles.len()
            )));
        }
        if !(widen.is_finite() && widen >= 1.0) {
            return Err(EbmError::Setting(SettingError::new(
                "widen",
                format!("{widen} must be finite and >= 1"),
            )));
        }
        let (mean, var) = moments(particles, d);
        let std = var.iter().map(|v| widen * v.sqrt()).collect();
        Self::new(mean, std)
    }

    /// Dimension d.
    pub fn dim(&self) -> usize {
        self.mean.len()
    }

    /// m.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// s.
    pub fn std(&self) -> &[f64] {
        &self.std
    }

    /// log ∫exp(−½‖(x − m)/s‖²) dx = Σ log(s·√(2π)).
    pub fn log_normaliser(&self) -> f64 {
        self.std.iter().map(|s| (s * (2.0 * PI).sqrt()).ln()).sum()
    }
}

/// Per-coordinate mean and variance (1/n) of `rows` (n × d).
pub(crate) fn moments(rows: &[f64], d: usize) -> (Vec<f64>, Vec<f64>) {
    let n = (rows.len() / d) as f64;
    let mut mean = vec![0.0; d];
    for r in rows.chunks_exact(d) {
        for (m, v) in mean.iter_mut().zip(r) {
            *m += v / n;
        }
    }
    let mut var = vec![0.0; d];
    for r in rows.chunks_exact(d) {
        for ((s, v), m) in var.iter_mut().zip(r).zip(&mean) {
            *s += (v - m) * (v - m) / n;
        }
    }
    (mean, var)
}

/// How the inverse temperatures 0 = β₀ < β₁ < … < β_T = 1 are spaced.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Schedule {
    /// β_t = t/T.
    Linear,
    /// β_t = β_min^{1 − (t−1)/(T−1)} for t ≥ 1: dense near 0, where a base far from the
    /// target changes fastest.
    Geometric {
        /// β₁ ∈ (0, 1).
        min: f64,
    },
    /// β_t ∝ σ(δ(2t/T − 1)), rescaled to [0, 1] (Grosse et al. 2015): dense at both ends.
    Sigmoid {
        /// The sharpness δ > 0.
        sharpness: f64,
    },
}

impl Schedule {
    /// β₀..β_T for `temperatures` = T ≥ 1.
    pub fn betas(self, temperatures: usize) -> Vec<f64> {
        let t = temperatures as f64;
        let mut b: Vec<f64> = match self {
            Self::Linear => (0..=temperatures).map(|i| i as f64 / t).collect(),
            Self::Geometric { min } => std::iter::once(0.0)
                .chain((1..=temperatures).map(|i| {
                    let frac = if temperatures == 1 {
                        1.0
                    } else {
                        (i - 1) as f64 / (t - 1.0)
                    };
                    min.powf(1.0 - frac)
                }))
                .collect(),
            Self::Sigmoid { sharpness } => {
                let s: Vec<f64> = (0..=temperatures)
                    .map(|i| 1.0 / (1.0 + (-sharpness * (2.0 * i as f64 / t - 1.0)).exp()))
                    .collect();
                let (lo, hi) = (s[0], s[temperatures]);
                s.iter().map(|v| (v - lo) / (hi - lo)).collect()
            }
        };
        b[0] = 0.0;
        b[temperatures] = 1.0;
        b
    }

    fn validate(self) -> Result<(), EbmError> {
        match self {
            Self::Geometric { min } if !(min > 0.0 && min < 1.0) => {
                Err(EbmError::Setting(SettingError::new(
                    "ais.schedule",
                    format!("geometric β_min = {min} must be in (0, 1)"),
                )))
            }
            Self::Sigmoid { sharpness } if !(sharpness.is_finite() && sharpness > 0.0) => {
                Err(EbmError::Setting(SettingError::new(
                    "ais.schedule",
                    format!("sigmoid sharpness {sharpness} must be finite and > 0"),
                )))
            }
            _ => Ok(()),
        }
    }
}

/// The settings of [`ais_log_partition`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AisSettings {
    /// Independent chains C ≥ 2 (chain c draws from `StreamRng::new(seed, c)`).
    pub chains: usize,
    /// Temperatures T ≥ 1 (T weight increments, T − 1 transitions).
    pub temperatures: usize,
    /// Spacing of the β's.
    pub schedule: Schedule,
    /// MALA steps per intermediate temperature (≥ 1).
    pub mala_steps: usize,
    /// MALA step τ > 0 in the base's standardised coordinates u = (x − m)/s (where a
    /// well-fitted base makes the target of unit scale).
    pub tau: f64,
    /// Adapts τ after each temperature towards an acceptance of about 0.6 (τ ← τ·e^{2(a −
    /// 0.6)}): the step then depends on all chains' past, a coupling whose bias vanishes
    /// with C (as in adaptive SMC samplers); `false` gives the textbook estimator.
    pub adapt: bool,
    /// Seed of the chains' streams.
    pub seed: u64,
}

impl Default for AisSettings {
    fn default() -> Self {
        Self {
            chains: 1000,
            temperatures: 200,
            schedule: Schedule::Sigmoid { sharpness: 4.0 },
            mala_steps: 2,
            tau: 0.5,
            adapt: true,
            seed: 0,
        }
    }
}

impl AisSettings {
    /// Checks every field, naming the first bad one as `ais.FIELD` ([`EbmError::Setting`]).
    pub fn validate(&self) -> Result<(), EbmError> {
        let bad = |field, what: String| Err(EbmError::Setting(SettingError::new(field, what)));
        if self.chains < 2 {
            return bad(
                "ais.chains",
                format!("{} must be at least 2 (for a standard error)", self.chains),
            );
        }
        if self.temperatures == 0 {
            return bad("ais.temperatures", "must be at least 1".into());
        }
        if self.mala_steps == 0 {
            return bad("ais.mala_steps", "must be at least 1".into());
        }
        if !(self.tau.is_finite() && self.tau > 0.0) {
            return bad("ais.tau", format!("{} must be finite and > 0", self.tau));
        }
        self.schedule.validate()
    }
}

/// An AIS estimate of log Z.
#[derive(Clone, Debug, PartialEq)]
pub struct AisEstimate {
    /// log Ẑ = log(mean of the weights) + the base's log normaliser.
    pub log_z: f64,
    /// Its standard error by the delta method: sd(w)/(√C·mean(w)).
    pub std_error: f64,
    /// The weights' effective sample size (Σw)²/Σw² (C for equal weights).
    pub ess: f64,
    /// The MALA acceptance rate over all transitions.
    pub acceptance: f64,
    /// The final step τ (after adaptation).
    pub final_tau: f64,
    /// Each chain's log-weight.
    pub log_weights: Vec<f64>,
}

/// The intermediate energy E_β(u) = (1 − β)·½‖u‖² + β·E(m + s⊙u) in the base's
/// standardised coordinates, where the base is N(0, I).
struct Annealed<'a, M: ?Sized> {
    model: &'a M,
    base: &'a GaussianBase,
    beta: f64,
}

impl<M: BatchEnergy<f64> + ?Sized> Annealed<'_, M> {
    /// x = m + s⊙u.
    fn to_x(&self, u: &[f64]) -> Vec<f64> {
        let d = self.base.dim();
        let mut x = u.to_vec();
        for row in x.chunks_exact_mut(d) {
            for ((v, m), s) in row.iter_mut().zip(&self.base.mean).zip(&self.base.std) {
                *v = m + s * *v;
            }
        }
        x
    }
}

impl<M: BatchEnergy<f64> + ?Sized> BatchEnergy<f64> for Annealed<'_, M> {
    fn dim(&self) -> usize {
        self.base.dim()
    }

    fn energies(&self, u: &[f64], e: &mut [f64]) -> Result<(), EngineError> {
        let mut g = vec![0.0; u.len()];
        self.energy_grad(u, e, &mut g)
    }

    fn energy_grad(&self, u: &[f64], e: &mut [f64], g: &mut [f64]) -> Result<(), EngineError> {
        let d = self.base.dim();
        let x = self.to_x(u);
        self.model.energy_grad(&x, e, g)?;
        let b = self.beta;
        for ((ur, gr), er) in u.chunks_exact(d).zip(g.chunks_exact_mut(d)).zip(e) {
            let half_u2 = 0.5 * ur.iter().map(|v| v * v).sum::<f64>();
            *er = (1.0 - b) * half_u2 + b * *er;
            for ((gv, uv), s) in gr.iter_mut().zip(ur).zip(&self.base.std) {
                *gv = (1.0 - b) * uv + b * s * *gv;
            }
        }
        Ok(())
    }
}

/// log Z of `model` (rows of dimension d = `base.dim()`) by annealed importance sampling
/// along π_β ∝ base^{1−β}·exp(−βE): C chains start from the base; at each β_t the
/// log-weight gains (β_t − β_{t−1})·(E_base − E) at the current state, then (for t < T)
/// `mala_steps` MALA steps leave π_{β_t} invariant. All chains move as one batch.
///
/// Errors: invalid settings, a dimension mismatch, a chain whose energy is not finite.
pub fn ais_log_partition<M: BatchEnergy<f64> + ?Sized>(
    model: &M,
    base: &GaussianBase,
    settings: &AisSettings,
) -> Result<AisEstimate, EbmError> {
    settings.validate()?;
    let d = base.dim();
    if model.dim() != d {
        return Err(EbmError::Setting(SettingError::new(
            "base",
            format!(
                "has dimension {d}, the energy {}: they must match",
                model.dim()
            ),
        )));
    }
    let c = settings.chains;
    let betas = settings.schedule.betas(settings.temperatures);
    let mut rngs: Vec<StreamRng> = StreamRng::streams(settings.seed, 0, c).collect();
    let mut u = vec![0.0; c * d];
    for (row, rng) in u.chunks_exact_mut(d).zip(&mut rngs) {
        rng.fill_normal(row);
    }
    let mut log_w = vec![0.0; c];
    let mut e = vec![0.0; c];
    let mut step = SamplerSettings {
        step: settings.tau,
        ..SamplerSettings::of(SamplerKind::Mala)
    };
    let (mut proposals, mut accepted) = (0u64, 0u64);
    for t in 1..betas.len() {
        let annealed = Annealed {
            model,
            base,
            beta: betas[t],
        };
        model.energies(&annealed.to_x(&u), &mut e)?;
        let db = betas[t] - betas[t - 1];
        for ((lw, &ei), ur) in log_w.iter_mut().zip(&e).zip(u.chunks_exact(d)) {
            let e_base = 0.5 * ur.iter().map(|v| v * v).sum::<f64>();
            *lw += db * (e_base - ei);
        }
        if log_w.iter().any(|v| !v.is_finite()) {
            return Err(EbmError::Diverged {
                what: "an AIS chain's energy",
            });
        }
        if t + 1 < betas.len() {
            let report = move_particles(&annealed, &step, &mut u, &mut rngs, settings.mala_steps)?;
            proposals += report.steps;
            accepted += report.accepted;
            if settings.adapt {
                let rate = report.accepted as f64 / report.steps.max(1) as f64;
                step.step = (step.step * (2.0 * (rate - 0.6)).exp()).clamp(1e-8, 1e3);
            }
        }
    }
    let (log_mean, std_error, ess) = weight_summary(&log_w);
    let log_jacobian: f64 = base.std.iter().map(|s| s.ln()).sum();
    Ok(AisEstimate {
        log_z: log_mean + 0.5 * d as f64 * (2.0 * PI).ln() + log_jacobian,
        std_error,
        ess,
        acceptance: accepted as f64 / proposals.max(1) as f64,
        final_tau: step.step,
        log_weights: log_w,
    })
}

/// log mean(w), the delta-method standard error of it, and the ESS of the weights given
/// their logs.
fn weight_summary(log_w: &[f64]) -> (f64, f64, f64) {
    let n = log_w.len() as f64;
    let top = log_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let w: Vec<f64> = log_w.iter().map(|v| (v - top).exp()).collect();
    let sum: f64 = w.iter().sum();
    let mean = sum / n;
    let var = w.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let ess = sum * sum / w.iter().map(|v| v * v).sum::<f64>();
    (top + mean.ln(), (var / n).sqrt() / mean, ess)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lvebm::{ClosedForm, LatentMean, LatentPrecision, Ppca};

    /// `n` exact draws of the joint law of z ~ N(0, z_scale²I), x = Az + b + noise·ξ: T2
    /// and T3 are such linear-Gaussian models.
    fn joint_draws(
        a: &[f64],
        b: &[f64],
        noise: f64,
        z_scale: f64,
        dz: usize,
        n: usize,
    ) -> Vec<f64> {
        let dx = b.len();
        let mut rng = StreamRng::new(99, 0);
        let mut out = Vec::with_capacity(n * (dx + dz));
        let (mut z, mut xi) = (vec![0.0; dz], vec![0.0; dx]);
        for _ in 0..n {
            rng.fill_normal(&mut z);
            z.iter_mut().for_each(|v| *v *= z_scale);
            rng.fill_normal(&mut xi);
            for i in 0..dx {
                out.push(b[i] + (0..dz).map(|k| a[i * dz + k] * z[k]).sum::<f64>() + noise * xi[i]);
            }
            out.extend_from_slice(&z);
        }
        out
    }

    /// `log_z` within 4 standard errors plus a bias allowance of 0.01 nats: the weights
    /// are positive-skewed, so log Ẑ sits below log Z by about se²/2 (Jensen), far below
    /// 0.01 at these standard errors (asserted < 0.05).
    fn check(name: &str, est: &AisEstimate, exact: f64) {
        println!(
            "{name}: log Z {:.5} ± {:.5} (exact {exact:.5}), ESS {:.0}, acceptance {:.3}, τ {:.3}",
            est.log_z, est.std_error, est.ess, est.acceptance, est.final_tau
        );
        assert!(est.std_error < 0.05, "{name}: se {}", est.std_error);
        let tol = 4.0 * est.std_error + 0.01;
        assert!(
            (est.log_z - exact).abs() < tol,
            "{name}: {} vs {exact}",
            est.log_z
        );
        assert!(
            est.acceptance > 0.3,
            "{name}: acceptance {}",
            est.acceptance
        );
    }

    #[test]
    fn log_partition_of_the_closed_forms() {
        let settings = AisSettings {
            chains: 500,
            temperatures: 100,
            seed: 3,
            ..AisSettings::default()
        };
        // T1, D = 1: z ~ N(θ, 1), x = z + ξ. A deliberately poor base (shifted, too narrow
        // in x) so that the annealing has work to do.
        let t1 = LatentMean::new(1, 0.7);
        let base = GaussianBase::new(vec![0.0, 0.0], vec![1.0, 1.5]).unwrap();
        let est = ais_log_partition(&t1, &base, &settings).unwrap();
        check("T1", &est, ClosedForm::log_partition(&t1));
        // T2, D = 2, a = 3: z ~ N(0, I/a), x = z + ξ; the base fitted to exact draws.
        let t2 = LatentPrecision::new(2, 3.0);
        let s = 1.0 / 3f64.sqrt();
        let pool = joint_draws(&[1.0, 0.0, 0.0, 1.0], &[0.0, 0.0], 1.0, s, 2, 400);
        let base = GaussianBase::fit(&pool, 4, 1.5).unwrap();
        let est = ais_log_partition(&t2, &base, &settings).unwrap();
        check("T2", &est, ClosedForm::log_partition(&t2));
        // T3, dx = 2, dz = 1: x = Wz + µ + σξ.
        let (w, mu, s2) = ([1.5, -0.5], [0.3, -1.0], 0.2f64);
        let t3 = Ppca::new(&w, &mu, s2);
        let pool = joint_draws(&w, &mu, s2.sqrt(), 1.0, 1, 400);
        let base = GaussianBase::fit(&pool, 3, 1.5).unwrap();
        let est = ais_log_partition(&t3, &base, &settings).unwrap();
        check("T3", &est, ClosedForm::log_partition(&t3));
    }

    #[test]
    fn schedules_and_settings() {
        for schedule in [
            Schedule::Linear,
            Schedule::Geometric { min: 1e-3 },
            Schedule::Sigmoid { sharpness: 4.0 },
        ] {
            let b = schedule.betas(50);
            assert_eq!(b.len(), 51);
            assert_eq!((b[0], b[50]), (0.0, 1.0));
            assert!(b.windows(2).all(|w| w[1] > w[0]), "{schedule:?}");
        }
        let ok = AisSettings::default();
        assert!(ok.validate().is_ok());
        for (bad, field) in [
            (AisSettings { chains: 1, ..ok }, "ais.chains"),
            (
                AisSettings {
                    temperatures: 0,
                    ..ok
                },
                "ais.temperatures",
            ),
            (
                AisSettings {
                    mala_steps: 0,
                    ..ok
                },
                "ais.mala_steps",
            ),
            (AisSettings { tau: -1.0, ..ok }, "ais.tau"),
            (
                AisSettings {
                    schedule: Schedule::Geometric { min: 0.0 },
                    ..ok
                },
                "ais.schedule",
            ),
            (
                AisSettings {
                    schedule: Schedule::Sigmoid {
                        sharpness: f64::NAN,
                    },
                    ..ok
                },
                "ais.schedule",
            ),
        ] {
            match bad.validate() {
                Err(EbmError::Setting(e)) => assert_eq!(e.field, field, "{bad:?}"),
                other => panic!("{bad:?}: expected a setting error, got {other:?}"),
            }
        }
        assert!(GaussianBase::new(vec![0.0], vec![0.0]).is_err());
        assert!(GaussianBase::new(vec![0.0, 1.0], vec![1.0]).is_err());
        assert!(GaussianBase::fit(&[1.0, 2.0], 2, 1.0).is_err());
        let base = GaussianBase::new(vec![0.0; 3], vec![1.0; 3]).unwrap();
        let t1 = LatentMean::new(1, 0.0);
        assert!(ais_log_partition(&t1, &base, &ok).is_err());
    }

    /// The delta-method summary on hand-made weights.
    #[test]
    fn weight_summary_matches_its_definition() {
        let (lm, se, ess) = weight_summary(&[0.0, 0.0, 0.0, 0.0]);
        assert!(lm.abs() < 1e-15 && se == 0.0 && (ess - 4.0).abs() < 1e-12);
        let w = [1.0f64, 2.0, 3.0, 6.0];
        let logs: Vec<f64> = w.iter().map(|v| v.ln() + 500.0).collect();
        let (lm, se, ess) = weight_summary(&logs);
        assert!((lm - (3.0f64.ln() + 500.0)).abs() < 1e-12);
        let sd = f64::sqrt((4.0 + 1.0 + 0.0 + 9.0) / 3.0);
        assert!((se - sd / 2.0 / 3.0).abs() < 1e-12);
        assert!((ess - 144.0 / 50.0).abs() < 1e-12);
    }
}
