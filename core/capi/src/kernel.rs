//! The C API's sampler codes and parameters as the core's one sampler description.

use super::GfStatus;
use super::run::{
    GF_SAMPLER_BAOAB, GF_SAMPLER_JKO, GF_SAMPLER_JKO2, GF_SAMPLER_MALA, GF_SAMPLER_ULA,
    GfSamplerParams,
};
use gradflow_core::{Sampler, SamplerKind, SamplerSettings, Scalar};

// The codes are the positions in `SamplerKind::ALL`, plus one (0 is "no sampler").
const _: () = {
    assert!(matches!(
        SamplerKind::ALL[GF_SAMPLER_ULA as usize - 1],
        SamplerKind::Ula
    ));
    assert!(matches!(
        SamplerKind::ALL[GF_SAMPLER_MALA as usize - 1],
        SamplerKind::Mala
    ));
    assert!(matches!(
        SamplerKind::ALL[GF_SAMPLER_BAOAB as usize - 1],
        SamplerKind::Baoab
    ));
    assert!(matches!(
        SamplerKind::ALL[GF_SAMPLER_JKO as usize - 1],
        SamplerKind::Jko
    ));
    assert!(matches!(
        SamplerKind::ALL[GF_SAMPLER_JKO2 as usize - 1],
        SamplerKind::Jko2
    ));
};

/// The kind of sampler `code`, or [`GfStatus::UnknownCode`].
pub(super) fn kind(code: u32) -> Result<SamplerKind, GfStatus> {
    (code as usize)
        .checked_sub(1)
        .and_then(|i| SamplerKind::ALL.get(i).copied())
        .ok_or(GfStatus::UnknownCode)
}

/// The parameters of `kind`'s defaults, as the C struct.
pub(super) fn default_params(kind: SamplerKind) -> GfSamplerParams {
    let s = SamplerSettings::of(kind);
    GfSamplerParams {
        step: s.step,
        friction: s.friction,
        mass: s.mass,
        relaxation: s.relaxation,
        inner_iters: s.inner_iters,
    }
}

/// The kernel of sampler `code` with `params` (checked); a code whose kernel this build
/// left out gives [`GfStatus::NotCompiled`].
pub(super) fn kernel<S: Scalar>(code: u32, p: &GfSamplerParams) -> Result<Sampler<S>, GfStatus> {
    let kind = kind(code)?;
    if ![p.step, p.friction, p.mass, p.relaxation]
        .iter()
        .all(|v| v.is_finite())
    {
        return Err(GfStatus::NonFiniteInput);
    }
    let settings = SamplerSettings {
        kind,
        step: p.step,
        friction: p.friction,
        mass: p.mass,
        relaxation: p.relaxation,
        inner_iters: p.inner_iters,
    };
    Ok(settings.kernel()?)
}
