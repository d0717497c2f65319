//! Settings of EBM maximum-likelihood training.

use serde_json::{Value, json};

use super::{EbmError, ParticleStep, Scheme};
use crate::SettingError;

/// Settings of [`super::EbmTrainer`]: the particle scheme, the replay buffer and the
/// optimiser. The energy family and the data are given to the trainer separately.
#[derive(Clone, Debug, PartialEq)]
pub struct EbmSettings {
    /// Scheme, step τ and relaxation of the negative particles.
    pub particles: ParticleStep,
    /// Particle steps K per parameter update.
    pub particle_steps: usize,
    /// Data points and negative particles per update.
    pub batch: usize,
    /// Replay-buffer slots.
    pub buffer: usize,
    /// Probability that a drawn particle is re-initialised from the uniform box first.
    pub reinit: f64,
    /// Margin of the re-initialisation box around the data's bounding box, as a fraction
    /// of its extent.
    pub init_margin: f64,
    /// Adam learning rate.
    pub lr: f64,
    /// Adam's first-moment decay β₁ (β₂ = 0.999).
    pub beta1: f64,
    /// Weight α of the energy-magnitude penalty α(mean E₊² + mean E₋²) (0: none).
    pub penalty: f64,
    /// Parameter updates.
    pub updates: u64,
    /// Seed of the initialisation, the batches and the particle noise.
    pub seed: u64,
}

impl Default for EbmSettings {
    /// The 2D defaults: jko2 (M = 4) at τ = 0.01 on a buffer of 8192 particles, K set for
    /// 20 gradient evaluations per update, batch 256, Adam at 1e-3, penalty 0.1, 4000
    /// updates.
    fn default() -> Self {
        let scheme = Scheme::Jko2 { inner: 4 };
        Self {
            particles: ParticleStep {
                scheme,
                tau: 0.01,
                relaxation: 1.0,
            },
            particle_steps: scheme.steps_for_budget(20),
            batch: 256,
            buffer: 8192,
            reinit: 0.05,
            init_margin: 0.1,
            lr: 1e-3,
            beta1: 0.9,
            penalty: 0.1,
            updates: 4000,
            seed: 0,
        }
    }
}

impl EbmSettings {
    /// Checks every setting, naming the first bad one: the particle step's
    /// ([`ParticleStep::validate`]), then the others by their field ([`EbmError::Setting`]).
    pub fn validate(&self) -> Result<(), EbmError> {
        self.particles.validate()?;
        let bad = |field, what: String| Err(EbmError::Setting(SettingError::new(field, what)));
        if self.particle_steps == 0 {
            return bad("particle_steps", "must be at least 1".into());
        }
        if self.batch == 0 {
            return bad("batch", "must be at least 1".into());
        }
        if self.buffer < self.batch {
            return bad(
                "buffer",
                format!(
                    "{} must hold a batch (at least {})",
                    self.buffer, self.batch
                ),
            );
        }
        if !(0.0..=1.0).contains(&self.reinit) {
            return bad("reinit", format!("{} must be in [0, 1]", self.reinit));
        }
        if !(self.init_margin.is_finite() && self.init_margin >= 0.0) {
            return bad(
                "init_margin",
                format!("{} must be finite and >= 0", self.init_margin),
            );
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return bad("lr", format!("{} must be finite and > 0", self.lr));
        }
        if !(0.0..1.0).contains(&self.beta1) {
            return bad("beta1", format!("{} must be in [0, 1)", self.beta1));
        }
        if !(self.penalty.is_finite() && self.penalty >= 0.0) {
            return bad(
                "penalty",
                format!("{} must be finite and >= 0", self.penalty),
            );
        }
        if self.updates == 0 {
            return bad("updates", "must be at least 1".into());
        }
        Ok(())
    }

    /// Energy-gradient evaluations per particle per update.
    pub fn grad_evals_per_update(&self) -> usize {
        self.particles.scheme.grad_evals(self.particle_steps)
    }

    /// The settings as JSON (for checkpoints and reports).
    pub fn to_json(&self) -> Value {
        json!({
            "scheme": self.particles.scheme.name(),
            "inner_iters": self.particles.scheme.inner(),
            "tau": self.particles.tau,
            "relaxation": self.particles.relaxation,
            "particle_steps": self.particle_steps,
            "batch": self.batch,
            "buffer": self.buffer,
            "reinit": self.reinit,
            "init_margin": self.init_margin,
            "lr": self.lr,
            "beta1": self.beta1,
            "penalty": self.penalty,
            "updates": self.updates,
            "seed": self.seed,
        })
    }
}
