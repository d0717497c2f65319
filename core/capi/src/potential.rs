//! Potentials for the C samplers: a model file's energy or an analytic energy.

use super::{GfModel, GfStatus, c_mut, c_ref, guard};
use gradflow_core::model::{ModelEval, ModelKind};
#[cfg(feature = "analytic")]
use gradflow_core::{DoubleWell, Dw4, LennardJones, MullerBrown};
use gradflow_core::{Energy, Scalar};

/// [`GfPotential::kind`]: the energy model of [`GfPotential::model`].
pub const GF_POTENTIAL_MODEL: u32 = 1;
/// [`GfPotential::kind`]: the double well h(x₀² − 1)² + ½κ Σ_{i≥1} xᵢ² in 1 to 3 dimensions.
pub const GF_POTENTIAL_DOUBLE_WELL: u32 = 2;
/// [`GfPotential::kind`]: the Müller–Brown surface times `params[0]`.
pub const GF_POTENTIAL_MULLER_BROWN: u32 = 3;
/// [`GfPotential::kind`]: DW4 (4 particles in 2D, the standard coefficients).
pub const GF_POTENTIAL_DW4: u32 = 4;
/// [`GfPotential::kind`]: LJ13 (13 Lennard-Jones atoms in 3D, ε = σ = 1, unit restraint).
pub const GF_POTENTIAL_LJ13: u32 = 5;

/// An energy for the samplers and the batch force calls. Fill it with one of the
/// `gf_potential_*` functions (they validate the settings); fixed size, no allocation.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct GfPotential {
    /// One of the `GF_POTENTIAL_*` codes.
    pub kind: u32,
    /// The dimension d of one particle's position.
    pub dim: u32,
    /// Settings of analytic potentials (see each constructor).
    pub params: [f64; 4],
    /// The model, for `GF_POTENTIAL_MODEL` (borrowed: keep it alive), else NULL.
    pub model: *const GfModel,
}

// SAFETY: the only non-thread-safe field is `model`, a pointer that is only ever read
// through, to a `GfModel` the C caller keeps alive and unchanged while calls use it (the
// documented contract); sharing the potential across the host's threads reads it only.
unsafe impl Sync for GfPotential {}

/// An analytic energy or a model, resolved from a [`GfPotential`]. The analytic ones are
/// compiled in by the `analytic` feature (else [`GfStatus::NotCompiled`]).
enum Resolved<'m, S> {
    Model(gradflow_core::model::ModelView<'m>),
    #[cfg(feature = "analytic")]
    DoubleWell1(DoubleWell<S, 1>),
    #[cfg(feature = "analytic")]
    DoubleWell2(DoubleWell<S, 2>),
    #[cfg(feature = "analytic")]
    DoubleWell3(DoubleWell<S, 3>),
    #[cfg(feature = "analytic")]
    MullerBrown(MullerBrown<S>),
    #[cfg(feature = "analytic")]
    Dw4(Dw4<S>),
    #[cfg(feature = "analytic")]
    Lj13(LennardJones<S, 13>),
    /// Keeps `S` used when the analytic potentials are left out.
    #[allow(dead_code)]
    Never(core::convert::Infallible, core::marker::PhantomData<S>),
}

/// Whether the analytic `GF_POTENTIAL_*` codes are compiled in.
fn analytic_compiled() -> Result<(), GfStatus> {
    if cfg!(feature = "analytic") {
        Ok(())
    } else {
        Err(GfStatus::NotCompiled)
    }
}

impl GfPotential {
    fn resolve<S: Scalar>(&self) -> Result<Resolved<'_, S>, GfStatus> {
        #[cfg(feature = "analytic")]
        let p = self.params.map(S::from_f64);
        let resolved = match self.kind {
            GF_POTENTIAL_MODEL => {
                // SAFETY: `model` was set by `gf_potential_model` from a valid `GfModel`
                // that the caller keeps alive (the documented contract); `c_ref` checks
                // NULL and alignment.
                let model = unsafe { c_ref(self.model) }?;
                let view = model.view()?;
                view.expect_energy()?;
                Resolved::Model(view)
            }
            #[cfg(feature = "analytic")]
            GF_POTENTIAL_DOUBLE_WELL => match self.dim {
                1 => Resolved::DoubleWell1(DoubleWell::new(p[0], p[1])?),
                2 => Resolved::DoubleWell2(DoubleWell::new(p[0], p[1])?),
                3 => Resolved::DoubleWell3(DoubleWell::new(p[0], p[1])?),
                _ => return Err(GfStatus::InvalidParameter),
            },
            #[cfg(feature = "analytic")]
            GF_POTENTIAL_MULLER_BROWN => {
                if !(p[0].is_finite() && p[0] > S::ZERO) {
                    return Err(GfStatus::InvalidParameter);
                }
                Resolved::MullerBrown(MullerBrown { scale: p[0] })
            }
            #[cfg(feature = "analytic")]
            GF_POTENTIAL_DW4 => Resolved::Dw4(Dw4::default()),
            #[cfg(feature = "analytic")]
            GF_POTENTIAL_LJ13 => Resolved::Lj13(LennardJones::default()),
            // Unreachable when the analytic potentials are compiled in.
            #[allow(unreachable_patterns)]
            GF_POTENTIAL_DOUBLE_WELL..=GF_POTENTIAL_LJ13 => return Err(GfStatus::NotCompiled),
            _ => return Err(GfStatus::UnknownCode),
        };
        Ok(resolved)
    }

    /// Fails unless the potential resolves in precision `S` (valid kind, settings, model).
    pub fn validate<S: Scalar>(&self) -> Result<(), GfStatus> {
        self.resolve::<S>().map(|_| ())
    }

    /// The split a latent-energy model records: `Some(x_dim)` for a model of kind
    /// [`ModelKind::LatentEnergy`], `None` for any other potential (checks the model).
    pub fn recorded_x_dim(&self) -> Result<Option<usize>, GfStatus> {
        if self.kind != GF_POTENTIAL_MODEL {
            return Ok(None);
        }
        // SAFETY: as in `resolve`.
        let model = unsafe { c_ref(self.model) }?;
        let a = *model.view()?.architecture();
        Ok((a.kind == ModelKind::LatentEnergy).then_some(a.x_dim()))
    }

    /// Scalars of scratch the potential itself needs (a model's evaluation buffers; 0 for
    /// analytic potentials). Checks the model but not analytic settings.
    pub fn own_scratch_len(&self) -> Result<usize, GfStatus> {
        match self.kind {
            GF_POTENTIAL_MODEL => {
                // SAFETY: as in `resolve`.
                let model = unsafe { c_ref(self.model) }?;
                Ok(model.view()?.scratch_len())
            }
            GF_POTENTIAL_DOUBLE_WELL..=GF_POTENTIAL_LJ13 => analytic_compiled().map(|()| 0),
            _ => Err(GfStatus::UnknownCode),
        }
    }

    /// Runs `f` on the potential as an [`Energy`] in precision `S`, giving a model the
    /// first [`GfPotential::own_scratch_len`] scalars of `scratch`; `f` gets the rest. The
    /// potential is resolved and checked here (kind, settings, model header), once.
    pub fn with_energy<S: Scalar, R>(
        &self,
        scratch: &mut [S],
        f: impl FnOnce(&dyn Energy<S>, &mut [S]) -> Result<R, GfStatus>,
    ) -> Result<R, GfStatus> {
        match self.resolve::<S>()? {
            Resolved::Model(view) => {
                let needed = view.scratch_len();
                if scratch.len() < needed {
                    return Err(GfStatus::ScratchTooSmall);
                }
                let (own, rest) = scratch.split_at_mut(needed);
                // `resolve` checked the kind.
                f(&ModelEval::new_checked(&view, own), rest)
            }
            #[cfg(feature = "analytic")]
            Resolved::DoubleWell1(e) => f(&e, scratch),
            #[cfg(feature = "analytic")]
            Resolved::DoubleWell2(e) => f(&e, scratch),
            #[cfg(feature = "analytic")]
            Resolved::DoubleWell3(e) => f(&e, scratch),
            #[cfg(feature = "analytic")]
            Resolved::MullerBrown(e) => f(&e, scratch),
            #[cfg(feature = "analytic")]
            Resolved::Dw4(e) => f(&e, scratch),
            #[cfg(feature = "analytic")]
            Resolved::Lj13(e) => f(&e, scratch),
            Resolved::Never(never, _) => match never {},
        }
    }
}

/// Writes a potential whose settings the caller has checked.
fn fill(out: *mut GfPotential, pot: GfPotential) -> Result<(), GfStatus> {
    // SAFETY: `out` comes from a C caller whose contract makes it NULL or writable.
    *unsafe { c_mut(out) }? = pot;
    Ok(())
}

/// An analytic potential ([`GfStatus::NotCompiled`] without `analytic`).
fn analytic(kind: u32, dim: u32, params: [f64; 4]) -> Result<GfPotential, GfStatus> {
    analytic_compiled()?;
    Ok(GfPotential {
        kind,
        dim,
        params,
        model: core::ptr::null(),
    })
}

/// The energy model `model` as a potential. `model` must outlive `out`. Kind 1 (an energy
/// E(x)) gives dimension `x_dim`; kind 4 (a latent energy E(x, z)) an energy over joint
/// rows `(x, z)` of dimension `x_dim + z_dim` (`gf_sample_conditional_*` then needs the
/// recorded `x_dim`). Any other kind: `GF_STATUS_MODEL_WRONG_KIND`.
///
/// # Safety
/// `model` must be NULL or point to a `GfModel`; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gf_potential_model(
    model: *const GfModel,
    out: *mut GfPotential,
) -> GfStatus {
    guard(|| {
        // SAFETY: the caller's contract above.
        let m = unsafe { c_ref(model) }?;
        let view = m.view()?;
        view.expect_energy()?;
        let a = view.architecture();
        let dim = (a.x_dim() + a.z_dim()) as u32;
        fill(
            out,
            GfPotential {
                kind: GF_POTENTIAL_MODEL,
                dim,
                params: [0.0; 4],
                model,
            },
        )
    })
}

/// The double well h(x₀² − 1)² + ½κ Σ_{i≥1} xᵢ² in `dim` = 1, 2 or 3 dimensions;
/// `barrier` h > 0, `stiffness` κ > 0.
///
/// # Safety
/// `out` must be NULL or point to a writable `GfPotential`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gf_potential_double_well(
    dim: u32,
    barrier: f64,
    stiffness: f64,
    out: *mut GfPotential,
) -> GfStatus {
    guard(|| {
        let pot = analytic(
            GF_POTENTIAL_DOUBLE_WELL,
            dim,
            [barrier, stiffness, 0.0, 0.0],
        )?;
        fill(out, pot)
    })
}

/// The Müller–Brown surface (2D) multiplied by `scale` > 0 (an inverse temperature;
/// 1/20 is common for sampling).
///
/// # Safety
/// `out` must be NULL or point to a writable `GfPotential`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gf_potential_muller_brown(scale: f64, out: *mut GfPotential) -> GfStatus {
    guard(|| {
        fill(
            out,
            analytic(GF_POTENTIAL_MULLER_BROWN, 2, [scale, 0.0, 0.0, 0.0])?,
        )
    })
}

/// DW4: four particles in 2D (d = 8) with the standard double-well pair potential.
///
/// # Safety
/// `out` must be NULL or point to a writable `GfPotential`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gf_potential_dw4(out: *mut GfPotential) -> GfStatus {
    guard(|| fill(out, analytic(GF_POTENTIAL_DW4, 8, [0.0; 4])?))
}

/// LJ13: thirteen Lennard-Jones atoms in 3D (d = 39), ε = σ = 1, centre-of-mass restraint
/// k = 1.
///
/// # Safety
/// `out` must be NULL or point to a writable `GfPotential`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gf_potential_lj13(out: *mut GfPotential) -> GfStatus {
    guard(|| fill(out, analytic(GF_POTENTIAL_LJ13, 39, [0.0; 4])?))
}
