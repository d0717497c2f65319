//! Settings of EBM maximum-likelihood training.

use serde_json::{Value, json};

use gradflow_core::{SamplerKind, SamplerSettings};

use super::{EbmError, check_particle_settings};
use crate::SettingError;

/// Settings of [`super::EbmTrainer`]: the particle scheme, the replay buffer and the
/// optimiser. The energy family and the data are given to the trainer separately.
#[derive(Clone, Debug, PartialEq)]
pub struct EbmSettings {
    /// The particle scheme of the negative particles (ula, mala, jko or jko2) and its
    /// step τ, proximal iterations and relaxation.
    pub particles: SamplerSettings,
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
        let particles = SamplerSettings {
            step: 0.01,
            inner_iters: 4,
            relaxation: 1.0,
            ..SamplerSettings::of(SamplerKind::Jko2)
        };
        Self {
            particles,
            particle_steps: particles.steps_for_budget(20) as usize,
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
    /// ([`super::check_particle_settings`]), then the others by their field
    /// ([`EbmError::Setting`]).
    pub fn validate(&self) -> Result<(), EbmError> {
        check_particle_settings(&self.particles)?;
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
        self.particles.grad_evals(self.particle_steps as u64) as usize
    }

    /// The settings as JSON (for checkpoints and reports).
    pub fn to_json(&self) -> Value {
        json!({
            "scheme": self.particles.kind.name(),
            "inner_iters": proximal_iters(&self.particles),
            "tau": self.particles.step,
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

/// The proximal iterations of a particle scheme as its reports and checkpoints record them:
/// 0 for the schemes without a proximal solve.
pub fn proximal_iters(s: &SamplerSettings) -> u32 {
    if s.kind.is_proximal() {
        s.inner_iters
    } else {
        0
    }
}
