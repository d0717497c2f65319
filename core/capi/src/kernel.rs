//! The sampler kernels the C API can reach, chosen at run time by a `GF_SAMPLER_*` code.

// With every kernel left out (a build that only evaluates energies), the enum is empty.
#![cfg_attr(
    not(any(feature = "ula", feature = "mala", feature = "baoab", feature = "jko")),
    allow(unused_variables, unreachable_code)
)]

use super::GfStatus;
use super::run::{self, GfSamplerParams};
#[cfg(feature = "baoab")]
use gradflow_core::Baoab;
#[cfg(feature = "mala")]
use gradflow_core::Mala;
#[cfg(feature = "ula")]
use gradflow_core::Ula;
use gradflow_core::{BatchReport, Error, Kernel, Scalar};
#[cfg(feature = "jko")]
use gradflow_core::{Jko, Jko2};

/// One of the five kernels, chosen at run time. Each is compiled in by its cargo feature
/// (`ula`, `mala`, `baoab`, `jko` for jko and jko2), so firmware
/// carries only the kernels it calls; a code whose kernel is left out gives
/// [`GfStatus::NotCompiled`].
pub(super) enum AnyKernel<S> {
    #[cfg(feature = "ula")]
    Ula(Ula<S>),
    #[cfg(feature = "mala")]
    Mala(Mala<S>),
    #[cfg(feature = "baoab")]
    Baoab(Baoab<S>),
    #[cfg(feature = "jko")]
    Jko(Jko<S>),
    #[cfg(feature = "jko")]
    Jko2(Jko2<S>),
    /// Keeps `S` used and the matches exhaustive when every kernel is left out.
    #[allow(dead_code)]
    Never(core::convert::Infallible, core::marker::PhantomData<S>),
}

impl<S: Scalar> AnyKernel<S> {
    pub(super) fn new(code: u32, p: &GfSamplerParams) -> Result<Self, GfStatus> {
        let f = S::from_f64;
        let values = [p.step, p.friction, p.mass, p.relaxation];
        if !values.iter().all(|v| v.is_finite()) {
            return Err(GfStatus::NonFiniteInput);
        }
        Ok(match code {
            #[cfg(feature = "ula")]
            run::GF_SAMPLER_ULA => Self::Ula(Ula { step: f(p.step) }),
            #[cfg(feature = "mala")]
            run::GF_SAMPLER_MALA => Self::Mala(Mala { step: f(p.step) }),
            #[cfg(feature = "baoab")]
            run::GF_SAMPLER_BAOAB => Self::Baoab(Baoab {
                step: f(p.step),
                friction: f(p.friction),
                mass: f(p.mass),
            }),
            #[cfg(feature = "jko")]
            run::GF_SAMPLER_JKO => Self::Jko(Jko {
                step: f(p.step),
                inner_iters: p.inner_iters,
                relaxation: f(p.relaxation),
            }),
            #[cfg(feature = "jko")]
            run::GF_SAMPLER_JKO2 => Self::Jko2(Jko2 {
                step: f(p.step),
                inner_iters: p.inner_iters,
                relaxation: f(p.relaxation),
            }),
            // Unreachable when every kernel is compiled in.
            #[allow(unreachable_patterns)]
            run::GF_SAMPLER_ULA..=run::GF_SAMPLER_JKO2 => return Err(GfStatus::NotCompiled),
            _ => return Err(GfStatus::UnknownCode),
        })
    }
}

/// Dispatches a [`Kernel`] method to the chosen kernel.
macro_rules! dispatch {
    ($self:expr, $k:ident => $body:expr) => {
        match $self {
            #[cfg(feature = "ula")]
            AnyKernel::Ula($k) => $body,
            #[cfg(feature = "mala")]
            AnyKernel::Mala($k) => $body,
            #[cfg(feature = "baoab")]
            AnyKernel::Baoab($k) => $body,
            #[cfg(feature = "jko")]
            AnyKernel::Jko($k) => $body,
            #[cfg(feature = "jko")]
            AnyKernel::Jko2($k) => $body,
            AnyKernel::Never(never, _) => match *never {},
        }
    };
}

impl<S: Scalar> Kernel<S> for AnyKernel<S> {
    fn state_len(&self, dim: usize) -> usize {
        dispatch!(self, k => k.state_len(dim))
    }
    fn scratch_len(&self, dim: usize) -> usize {
        dispatch!(self, k => k.scratch_len(dim))
    }
    fn run<E: gradflow_core::Energy<S> + ?Sized>(
        &self,
        energy: &E,
        state: &mut [S],
        rng: &mut gradflow_core::StreamRng,
        steps: u64,
        scratch: &mut [S],
        report: &mut BatchReport,
    ) -> Result<(), Error> {
        dispatch!(self, k => k.run(energy, state, rng, steps, scratch, report))
    }
}
