//! One description of a sampler — which kernel and its settings — and the kernel it builds.
//!
//! [`SamplerSettings`] is what every front end stores and passes around: the C API's
//! sampler codes and parameter struct, `gradflow sample`, the EBM trainer's particle
//! scheme. [`SamplerSettings::kernel`] turns it into a [`Sampler`], a [`Kernel`] chosen at
//! run time.

// With every kernel left out (a firmware build that only evaluates energies), the
// `Sampler` enum has no variant to build.
#![cfg_attr(
    not(any(feature = "ula", feature = "mala", feature = "baoab", feature = "jko")),
    allow(unused_variables, unreachable_code, unused_imports)
)]

use core::fmt;

use crate::error::Error;
#[cfg(feature = "baoab")]
use crate::integrators::Baoab;
use crate::integrators::BatchReport;
#[cfg(feature = "mala")]
use crate::integrators::Mala;
#[cfg(feature = "ula")]
use crate::integrators::Ula;
#[cfg(feature = "jko")]
use crate::integrators::{Jko, Jko2};
use crate::{Energy, Kernel, Scalar, StreamRng};

/// Which Markov kernel. All use the overdamped convention `x ← x − τ∇E + √(2τ)ξ` for
/// their step τ (BAOAB's τ is its time step).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SamplerKind {
    /// Unadjusted Langevin ([`crate::Ula`]): biased by O(τ), 1 gradient per step.
    Ula,
    /// Metropolis-adjusted Langevin ([`crate::Mala`]): exact, 1 gradient per step.
    #[default]
    Mala,
    /// Underdamped Langevin, BAOAB splitting ([`crate::Baoab`]); state `[x, v]`.
    Baoab,
    /// The near-proximal W2 step ([`crate::Jko`], a reconstruction).
    Jko,
    /// The symmetrized W2 splitting ([`crate::Jko2`], a reconstruction).
    Jko2,
}

impl SamplerKind {
    /// Every kind, in the order of the C API's codes.
    pub const ALL: [SamplerKind; 5] = [Self::Ula, Self::Mala, Self::Baoab, Self::Jko, Self::Jko2];

    /// The kind's name: `ula`, `mala`, `baoab`, `jko` or `jko2`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Ula => "ula",
            Self::Mala => "mala",
            Self::Baoab => "baoab",
            Self::Jko => "jko",
            Self::Jko2 => "jko2",
        }
    }

    /// The kind of that name, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Whether the kind runs the proximal solver (and so uses `inner_iters` and
    /// `relaxation`).
    pub const fn is_proximal(self) -> bool {
        matches!(self, Self::Jko | Self::Jko2)
    }
}

impl fmt::Display for SamplerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A sampler: its kind and every setting a kind can use (fields a kind does not use are
/// ignored). `Copy + Default`; the defaults are τ = 0.01, γ = 1, m = 1, ω = 1 and 4
/// proximal iterations.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SamplerSettings {
    /// Which kernel.
    pub kind: SamplerKind,
    /// Step size τ > 0.
    pub step: f64,
    /// BAOAB's friction γ ≥ 0.
    pub friction: f64,
    /// BAOAB's mass m > 0.
    pub mass: f64,
    /// Relaxation ω ∈ (0, 1] of the proximal iterations (jko, jko2).
    pub relaxation: f64,
    /// Fixed-point iterations M ≥ 1 of the proximal solve (jko, jko2).
    pub inner_iters: u32,
}

impl Default for SamplerSettings {
    fn default() -> Self {
        Self::of(SamplerKind::default())
    }
}

impl SamplerSettings {
    /// The default settings of `kind`.
    pub const fn of(kind: SamplerKind) -> Self {
        Self {
            kind,
            step: 0.01,
            friction: 1.0,
            mass: 1.0,
            relaxation: 1.0,
            inner_iters: 4,
        }
    }

    /// The kernel these settings describe, in precision `S` (its settings are checked by
    /// [`Kernel::run`], or now by [`SamplerSettings::validate`]). A kind whose cargo
    /// feature is off gives [`Error::NotCompiled`].
    pub fn kernel<S: Scalar>(&self) -> Result<Sampler<S>, Error> {
        let f = S::from_f64;
        let sampler = match self.kind {
            #[cfg(feature = "ula")]
            SamplerKind::Ula => Sampler::Ula(Ula { step: f(self.step) }),
            #[cfg(feature = "mala")]
            SamplerKind::Mala => Sampler::Mala(Mala { step: f(self.step) }),
            #[cfg(feature = "baoab")]
            SamplerKind::Baoab => Sampler::Baoab(Baoab {
                step: f(self.step),
                friction: f(self.friction),
                mass: f(self.mass),
            }),
            #[cfg(feature = "jko")]
            SamplerKind::Jko => Sampler::Jko(Jko {
                step: f(self.step),
                inner_iters: self.inner_iters,
                relaxation: f(self.relaxation),
            }),
            #[cfg(feature = "jko")]
            SamplerKind::Jko2 => Sampler::Jko2(Jko2 {
                step: f(self.step),
                inner_iters: self.inner_iters,
                relaxation: f(self.relaxation),
            }),
            // Unreachable when every kernel is compiled in.
            #[allow(unreachable_patterns)]
            _ => {
                return Err(Error::NotCompiled {
                    what: self.kind.name(),
                });
            }
        };
        Ok(sampler)
    }

    /// Checks the settings the kind uses (in f64), as [`Kernel::run`] would.
    pub fn validate(&self) -> Result<(), Error> {
        self.kernel::<f64>()?.check_settings()
    }

    /// Energy-gradient evaluations of one chain for one call of `steps` steps
    /// ([`Kernel::run`]): MALA and BAOAB carry the gradient between steps, so they pay
    /// one extra evaluation per call, at the starting point.
    pub fn grad_evals(&self, steps: u64) -> u64 {
        match self.kind {
            SamplerKind::Ula => steps,
            SamplerKind::Mala | SamplerKind::Baoab => steps + u64::from(steps > 0),
            SamplerKind::Jko => steps * u64::from(self.inner_iters),
            SamplerKind::Jko2 => steps * (1 + u64::from(self.inner_iters)),
        }
    }

    /// The most steps of one call whose cost fits in `budget` gradient evaluations per
    /// chain (0 if not even one step fits).
    pub fn steps_for_budget(&self, budget: u64) -> u64 {
        match self.kind {
            SamplerKind::Ula => budget,
            SamplerKind::Mala | SamplerKind::Baoab => budget.saturating_sub(1),
            SamplerKind::Jko => budget / u64::from(self.inner_iters.max(1)),
            SamplerKind::Jko2 => budget / (1 + u64::from(self.inner_iters)),
        }
    }
}

impl fmt::Display for SamplerSettings {
    /// `mala(τ=0.1)`, `jko2(τ=0.05, M=4, ω=1)`, `baoab(τ=0.1, γ=1, m=1)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(τ={}", self.kind, self.step)?;
        match self.kind {
            SamplerKind::Baoab => write!(f, ", γ={}, m={}", self.friction, self.mass)?,
            SamplerKind::Jko | SamplerKind::Jko2 => {
                write!(f, ", M={}, ω={}", self.inner_iters, self.relaxation)?
            }
            SamplerKind::Ula | SamplerKind::Mala => {}
        }
        f.write_str(")")
    }
}

/// A kernel chosen at run time, built by [`SamplerSettings::kernel`]. Each variant is
/// compiled in by its cargo feature (`ula`, `mala`, `baoab`, `jko` for jko and jko2, all
/// on by default), so firmware carries only the kernels it can select.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Sampler<S> {
    /// See [`Ula`](crate::Ula).
    #[cfg(feature = "ula")]
    Ula(Ula<S>),
    /// See [`Mala`](crate::Mala).
    #[cfg(feature = "mala")]
    Mala(Mala<S>),
    /// See [`Baoab`](crate::Baoab).
    #[cfg(feature = "baoab")]
    Baoab(Baoab<S>),
    /// See [`Jko`](crate::Jko).
    #[cfg(feature = "jko")]
    Jko(Jko<S>),
    /// See [`Jko2`](crate::Jko2).
    #[cfg(feature = "jko")]
    Jko2(Jko2<S>),
    /// Keeps `S` used and the matches exhaustive when every kernel is left out.
    #[doc(hidden)]
    Never(core::convert::Infallible, core::marker::PhantomData<S>),
}

/// Calls a [`Kernel`] method on the chosen kernel.
macro_rules! dispatch {
    ($self:expr, $k:ident => $body:expr) => {
        match $self {
            #[cfg(feature = "ula")]
            Sampler::Ula($k) => $body,
            #[cfg(feature = "mala")]
            Sampler::Mala($k) => $body,
            #[cfg(feature = "baoab")]
            Sampler::Baoab($k) => $body,
            #[cfg(feature = "jko")]
            Sampler::Jko($k) => $body,
            #[cfg(feature = "jko")]
            Sampler::Jko2($k) => $body,
            Sampler::Never(never, _) => match *never {},
        }
    };
}

impl<S: Scalar> Kernel<S> for Sampler<S> {
    fn state_len(&self, dim: usize) -> usize {
        dispatch!(self, k => k.state_len(dim))
    }

    fn scratch_len(&self, dim: usize) -> usize {
        dispatch!(self, k => k.scratch_len(dim))
    }

    fn check_settings(&self) -> Result<(), Error> {
        dispatch!(self, k => k.check_settings())
    }

    fn run<E: Energy<S> + ?Sized>(
        &self,
        energy: &E,
        state: &mut [S],
        rng: &mut StreamRng,
        steps: u64,
        scratch: &mut [S],
        report: &mut BatchReport,
    ) -> Result<(), Error> {
        dispatch!(self, k => k.run(energy, state, rng, steps, scratch, report))
    }
}
