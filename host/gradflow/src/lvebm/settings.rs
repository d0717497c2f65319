//! Settings of latent-variable EBM training.

use std::fmt;
use std::str::FromStr;

use serde_json::{Value, json};

use gradflow_core::{SamplerKind, SamplerSettings};

use crate::SettingError;
use crate::ebm::{EbmError, check_particle_settings, proximal_iters};

/// How θ moves along the estimated log-likelihood gradient.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ThetaOptimizer {
    /// Plain gradient steps θ ← θ − λ·g (the method as stated; PGD's update).
    Sgd,
    /// Adam (β₂ = 0.999) at learning rate λ: the default for networks.
    #[default]
    Adam,
}

/// Where the model expectation E_{p_θ(x,z)}[∇θE] = ∇θ log Z comes from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NegativePhase {
    /// The persistent joint pool of Langevin particles (the method).
    #[default]
    Pool,
    /// The family's closed-form ∇θ log Z (the PGD baseline of Kuntz, Lim & Johansen 2023,
    /// which needs a normalised model; networks have none).
    Exact,
}

/// An optimiser or negative-phase name that is not one of ours.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownName(pub String);

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown name {:?}", self.0)
    }
}

impl std::error::Error for UnknownName {}

impl ThetaOptimizer {
    /// `sgd` or `adam`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sgd => "sgd",
            Self::Adam => "adam",
        }
    }
}

impl FromStr for ThetaOptimizer {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, UnknownName> {
        match s {
            "sgd" => Ok(Self::Sgd),
            "adam" => Ok(Self::Adam),
            _ => Err(UnknownName(format!("{s} (optimisers: sgd, adam)"))),
        }
    }
}

impl NegativePhase {
    /// `pool` or `exact`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Pool => "pool",
            Self::Exact => "exact",
        }
    }
}

impl FromStr for NegativePhase {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, UnknownName> {
        match s {
            "pool" => Ok(Self::Pool),
            "exact" => Ok(Self::Exact),
            _ => Err(UnknownName(format!("{s} (negative phases: pool, exact)"))),
        }
    }
}

/// Settings of [`super::LvebmTrainer`]. The energy family, the data and the split
/// dx / dz are given to the trainer separately.
#[derive(Clone, Debug, PartialEq)]
pub struct LvebmSettings {
    /// Scheme and step η_c of the conditional latent particles z | xᵢ.
    pub posterior: SamplerSettings,
    /// Conditional steps K_c per update.
    pub posterior_steps: usize,
    /// Persistent latent particles M per datum.
    pub particles_per_datum: usize,
    /// Scheme and step η_n of the joint pool.
    pub pool: SamplerSettings,
    /// Pool steps K_n per update.
    pub pool_steps: usize,
    /// Joint pool particles P.
    pub pool_size: usize,
    /// Data points per update (their particles move; the others wait). 0: all.
    pub batch: usize,
    /// θ's optimiser.
    pub optimizer: ThetaOptimizer,
    /// Learning rate λ.
    pub lr: f64,
    /// Adam's β₁.
    pub beta1: f64,
    /// Pool or closed-form negative phase.
    pub negative: NegativePhase,
    /// Parameter updates.
    pub updates: u64,
    /// Seed of the initialisation, the batches and the particle noise.
    pub seed: u64,
}

impl Default for LvebmSettings {
    /// The two-time-scale defaults: ULA at η = 0.02 for both particle sets, K_c = K_n = 5
    /// steps per update, M = 8, P = 1024, batch 128, Adam at λ = 1e-3, 3000 updates. θ
    /// moves slowly against the particles' mixing (docs/src/design.md §4.4: one inner step with a
    /// large λ diverges).
    fn default() -> Self {
        let step = SamplerSettings {
            step: 0.02,
            ..SamplerSettings::of(SamplerKind::Ula)
        };
        Self {
            posterior: step,
            posterior_steps: 5,
            particles_per_datum: 8,
            pool: step,
            pool_steps: 5,
            pool_size: 1024,
            batch: 128,
            optimizer: ThetaOptimizer::Adam,
            lr: 1e-3,
            beta1: 0.9,
            negative: NegativePhase::Pool,
            updates: 3000,
            seed: 0,
        }
    }
}

impl LvebmSettings {
    /// The PGD baseline (Kuntz, Lim & Johansen 2023) with step h: one ULA step of the
    /// conditional particles and one gradient step θ ← θ − h·g per update, with the
    /// closed-form ∇θ log Z, and no pool. Their θ-gradient is the per-datum mean (their
    /// rescaled variant), as here.
    pub fn pgd(h: f64, particles_per_datum: usize, updates: u64, seed: u64) -> Self {
        let step = SamplerSettings {
            step: h,
            ..SamplerSettings::of(SamplerKind::Ula)
        };
        Self {
            posterior: step,
            posterior_steps: 1,
            particles_per_datum,
            pool: step,
            pool_steps: 0,
            pool_size: 0,
            batch: 0,
            optimizer: ThetaOptimizer::Sgd,
            lr: h,
            beta1: 0.9,
            negative: NegativePhase::Exact,
            updates,
            seed,
        }
    }

    /// Checks every setting, naming the first bad one: the particle steps'
    /// ([`check_particle_settings`]), then the others by their field
    /// ([`EbmError::Setting`]).
    pub fn validate(&self) -> Result<(), EbmError> {
        check_particle_settings(&self.posterior)?;
        check_particle_settings(&self.pool)?;
        let bad = |field, what: String| Err(EbmError::Setting(SettingError::new(field, what)));
        if self.posterior_steps == 0 {
            return bad("posterior_steps", "must be at least 1".into());
        }
        if self.particles_per_datum == 0 {
            return bad("particles_per_datum", "must be at least 1".into());
        }
        if self.negative == NegativePhase::Pool {
            if self.pool_steps == 0 {
                return bad(
                    "pool_steps",
                    "must be at least 1 (with the pool negative phase)".into(),
                );
            }
            if self.pool_size == 0 {
                return bad(
                    "pool_size",
                    "must be at least 1 (with the pool negative phase)".into(),
                );
            }
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return bad("lr", format!("{} must be finite and > 0", self.lr));
        }
        if !(0.0..1.0).contains(&self.beta1) {
            return bad("beta1", format!("{} must be in [0, 1)", self.beta1));
        }
        if self.updates == 0 {
            return bad("updates", "must be at least 1".into());
        }
        Ok(())
    }

    /// The settings as JSON (for checkpoints and reports).
    pub fn to_json(&self) -> Value {
        let step = |s: &SamplerSettings| {
            json!({
                "scheme": s.kind.name(),
                "inner_iters": proximal_iters(s),
                "tau": s.step,
                "relaxation": s.relaxation,
            })
        };
        json!({
            "posterior": step(&self.posterior),
            "posterior_steps": self.posterior_steps,
            "particles_per_datum": self.particles_per_datum,
            "pool": step(&self.pool),
            "pool_steps": self.pool_steps,
            "pool_size": self.pool_size,
            "batch": self.batch,
            "optimizer": self.optimizer.name(),
            "lr": self.lr,
            "beta1": self.beta1,
            "negative": self.negative.name(),
            "updates": self.updates,
            "seed": self.seed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_are_named_by_their_field() {
        let ok = LvebmSettings::default();
        ok.validate().unwrap();
        LvebmSettings::pgd(0.01, 4, 10, 0).validate().unwrap();
        let field = |s: LvebmSettings| match s.validate() {
            Err(EbmError::Setting(e)) => e.field,
            other => panic!("expected a setting error, got {other:?}"),
        };
        let with = |f: fn(&mut LvebmSettings)| {
            let mut s = ok.clone();
            f(&mut s);
            s
        };
        assert_eq!(field(with(|s| s.posterior_steps = 0)), "posterior_steps");
        assert_eq!(
            field(with(|s| s.particles_per_datum = 0)),
            "particles_per_datum"
        );
        assert_eq!(field(with(|s| s.pool_steps = 0)), "pool_steps");
        assert_eq!(field(with(|s| s.pool_size = 0)), "pool_size");
        assert_eq!(field(with(|s| s.lr = f64::NAN)), "lr");
        assert_eq!(field(with(|s| s.beta1 = 1.0)), "beta1");
        assert_eq!(field(with(|s| s.updates = 0)), "updates");
        let e = with(|s| s.lr = 0.0).validate().unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid EBM settings: lr 0 must be finite and > 0"
        );
    }
}
