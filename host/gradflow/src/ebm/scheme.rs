//! The particle schemes of EBM training, as settings: which kernel, its step τ, and its
//! cost in energy-gradient evaluations.

use std::fmt;
use std::str::FromStr;

/// The particle scheme that moves the negative particles (docs/src/design.md §4.2). All use the
/// overdamped convention `x ← x − τ∇E(x) + √(2τ)ξ` for the step τ.
///
/// `jko` and `jko2` are **our reconstructions** of the W2-proximal schemes (the source
/// paper's full text was not at hand): see [`gradflow_core::Jko`] and
/// [`gradflow_core::Jko2`] for the formulas and their known stationary laws.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// The baseline "KL discrete flow": an explicit Langevin step (1 gradient per step).
    Ula,
    /// The near-proximal W2 step: `y ≈ prox_{τE}(x)` by `inner` fixed-point iterations,
    /// then `x ← y + √(2τ)ξ` (`inner` gradients per step).
    Jko {
        /// Fixed-point iterations M ≥ 1 of the proximal solve.
        inner: u32,
    },
    /// The symmetrized W2 splitting: half explicit step, heat step, half proximal step by
    /// `inner` iterations (1 + `inner` gradients per step).
    Jko2 {
        /// Fixed-point iterations M ≥ 1 of the proximal half-step.
        inner: u32,
    },
    /// Metropolis-adjusted Langevin, the unbiased reference (K steps cost K + 1 gradients:
    /// the gradient at an accepted proposal is reused).
    Mala,
}

impl Scheme {
    /// The scheme's name: `ula`, `jko`, `jko2` or `mala`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Ula => "ula",
            Self::Jko { .. } => "jko",
            Self::Jko2 { .. } => "jko2",
            Self::Mala => "mala",
        }
    }

    /// The same scheme with `inner` proximal iterations (unchanged for `ula` and `mala`).
    pub const fn with_inner(self, inner: u32) -> Self {
        match self {
            Self::Jko { .. } => Self::Jko { inner },
            Self::Jko2 { .. } => Self::Jko2 { inner },
            other => other,
        }
    }

    /// The proximal iterations (0 for `ula` and `mala`).
    pub const fn inner(self) -> u32 {
        match self {
            Self::Jko { inner } | Self::Jko2 { inner } => inner,
            Self::Ula | Self::Mala => 0,
        }
    }

    /// Energy-gradient evaluations per particle for `steps` steps.
    pub fn grad_evals(self, steps: usize) -> usize {
        match self {
            Self::Ula => steps,
            Self::Jko { inner } => steps * inner as usize,
            Self::Jko2 { inner } => steps * (1 + inner as usize),
            Self::Mala => steps + usize::from(steps > 0),
        }
    }

    /// The most steps whose cost fits in `budget` gradient evaluations per particle (0 if
    /// not even one step fits).
    pub fn steps_for_budget(self, budget: usize) -> usize {
        match self {
            Self::Ula => budget,
            Self::Jko { inner } => budget / inner.max(1) as usize,
            Self::Jko2 { inner } => budget / (1 + inner as usize),
            Self::Mala => budget.saturating_sub(1),
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Jko { inner } | Self::Jko2 { inner } => write!(f, "{}(M={inner})", self.name()),
            _ => f.write_str(self.name()),
        }
    }
}

/// The name given to [`Scheme::from_str`] is not a scheme.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownScheme(pub String);

impl fmt::Display for UnknownScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown particle scheme {:?}; expected ula, jko, jko2 or mala",
            self.0
        )
    }
}

impl std::error::Error for UnknownScheme {}

impl FromStr for Scheme {
    type Err = UnknownScheme;

    /// `ula`, `jko`, `jko2` (with 4 proximal iterations; see [`Scheme::with_inner`]) or
    /// `mala`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ula" => Ok(Self::Ula),
            "jko" => Ok(Self::Jko { inner: 4 }),
            "jko2" => Ok(Self::Jko2 { inner: 4 }),
            "mala" => Ok(Self::Mala),
            _ => Err(UnknownScheme(s.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_and_costs_agree() {
        for scheme in ["ula", "jko", "jko2", "mala"].map(|s| s.parse::<Scheme>().unwrap()) {
            for budget in [5, 20, 41] {
                let k = scheme.steps_for_budget(budget);
                assert!(scheme.grad_evals(k) <= budget, "{scheme} {budget}");
                assert!(scheme.grad_evals(k + 1) > budget, "{scheme} {budget}");
            }
        }
        assert_eq!(Scheme::Jko2 { inner: 4 }.steps_for_budget(20), 4);
        assert_eq!(Scheme::Mala.grad_evals(19), 20);
        assert!("langevin".parse::<Scheme>().is_err());
    }
}
