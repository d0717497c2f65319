//! Conditional sampling of latents: z | x of a joint energy E(x, z) over rows `(x, z)`,
//! observed coordinates first: a latent-energy model (which records its split `x_dim`) or
//! any other energy potential split where the caller says.

use super::kernel;
use super::run::{GfSampleReport, GfSamplerParams, check_sample_values, check_scratch};
use super::{
    GfPotential, GfRng, GfStatus, c_mut, c_ref, c_slice, c_slice_mut, check_finite_input, disjoint,
    expect_len, guard, write_optional,
};
use gradflow_core::{
    BatchReport, Conditional, Kernel, SamplerSettings, Scalar, conditional_work_len,
};

/// The latent dimension dz = d − `x_dim` of `pot` split after `x_dim` observed coordinates;
/// [`GfStatus::InvalidParameter`] unless 0 < `x_dim` < d and, for a latent-energy model,
/// `x_dim` is the split its file records.
fn latent_dim(pot: &GfPotential, x_dim: usize) -> Result<usize, GfStatus> {
    let d = pot.dim as usize;
    if x_dim == 0 || x_dim >= d {
        return Err(GfStatus::InvalidParameter);
    }
    match pot.recorded_x_dim()? {
        Some(recorded) if recorded != x_dim => Err(GfStatus::InvalidParameter),
        _ => Ok(d - x_dim),
    }
}

/// Scalars of scratch for one conditional sampling call on `pot` split after `x_dim`
/// coordinates, with sampler `sampler`, in precision `S`: the potential's own, the joint
/// row and gradient (2d), and the kernel's for dimension dz.
pub fn conditional_scratch_len<S: Scalar>(
    pot: &GfPotential,
    x_dim: usize,
    sampler: u32,
) -> Result<usize, GfStatus> {
    let dz = latent_dim(pot, x_dim)?;
    let kernel = SamplerSettings::of(kernel::kind(sampler)?).kernel::<S>()?;
    Ok(pot.own_scratch_len()? + conditional_work_len(pot.dim as usize) + kernel.scratch_len(dz))
}

/// Advances the latents of `n = rngs.len()` particles by `steps` steps of `sampler`, each
/// on the conditional energy z ↦ E(xᵢ, z) of its own observed row: `observed` holds n rows
/// of `x_dim` values, `z` n blocks of dz = d − `x_dim` (2dz for BAOAB: latents, then their
/// velocities), particle i draws from `rngs[i]`. Inputs are checked first (nothing changes
/// on error: `InvalidParameter` for a split outside 0 < `x_dim` < d or other than a
/// latent-energy model's recorded one, `NonFiniteInput` for
/// a NaN or infinite observed value or latent). If a chain diverges, the particles before
/// it have finished, the failing one holds its last finite state, the ones after it are
/// untouched, and every RNG matches its particle.
#[allow(clippy::too_many_arguments)]
pub fn sample_conditional<S: Scalar>(
    pot: &GfPotential,
    x_dim: usize,
    sampler: u32,
    params: &GfSamplerParams,
    observed: &[S],
    z: &mut [S],
    rngs: &mut [GfRng],
    steps: u64,
    scratch: &mut [S],
) -> Result<GfSampleReport, GfStatus> {
    let kernel = kernel::kernel::<S>(sampler, params)?;
    let n = rngs.len();
    if n == 0 {
        return Err(GfStatus::ZeroCount);
    }
    let d = pot.dim as usize;
    let dz = latent_dim(pot, x_dim)?;
    let len = kernel.state_len(dz);
    expect_len(observed.len(), n, x_dim)?;
    expect_len(z.len(), n, len)?;
    // The potential is resolved (and checked) once, by `with_energy`.
    pot.with_energy(scratch, |joint, rest| {
        if joint.dim() != d {
            return Err(GfStatus::SizeMismatch);
        }
        check_scratch(rest.len(), conditional_work_len(d) + kernel.scratch_len(dz))?;
        check_finite_input(observed)?;
        check_sample_values(z, rngs)?;
        let (work, kernel_scratch) = rest.split_at_mut(conditional_work_len(d));
        let mut report = BatchReport::default();
        for ((x, chain), r) in observed
            .chunks_exact(x_dim)
            .zip(z.chunks_exact_mut(len))
            .zip(rngs.iter_mut())
        {
            let energy = Conditional::new(joint, x, &mut *work)?;
            let mut stream = r.stream()?;
            let result = kernel.run(
                &energy,
                chain,
                &mut stream,
                steps,
                kernel_scratch,
                &mut report,
            );
            r.store(&stream);
            result?;
        }
        Ok(report.into())
    })
}

/// Writes into `out` the scratch length, in scalars of the call's precision (the larger,
/// `double`, count is safe for both), that `gf_sample_conditional_*` on `pot` split after
/// `x_dim` observed coordinates needs with `sampler`. It depends on neither n nor the
/// number of steps. `GF_STATUS_INVALID_PARAMETER` unless 0 < `x_dim` < the potential's
/// dimension and, for a latent-energy model (kind 4), `x_dim` is the one its file records.
///
/// # Safety
/// `pot` must be NULL or point to a `GfPotential`; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gf_conditional_scratch_len(
    pot: *const GfPotential,
    x_dim: usize,
    sampler: u32,
    out: *mut usize,
) -> GfStatus {
    guard(|| {
        // SAFETY: the caller's contract above.
        let (pot, out) = unsafe { (c_ref(pot)?, c_mut(out)?) };
        *out = conditional_scratch_len::<f64>(pot, x_dim, sampler)?;
        Ok(())
    })
}

/// The pointer-checking half of the `gf_sample_conditional_*` calls.
///
/// # Safety
/// Each pointer must be NULL or valid for its length; `report` NULL or writable.
#[allow(clippy::too_many_arguments)]
unsafe fn sample_conditional_c<S: Scalar>(
    pot: *const GfPotential,
    x_dim: usize,
    sampler: u32,
    params: *const GfSamplerParams,
    n: usize,
    observed: *const S,
    observed_len: usize,
    z: *mut S,
    z_len: usize,
    rngs: *mut GfRng,
    rngs_len: usize,
    steps: u64,
    scratch: *mut S,
    scratch_len: usize,
    report: *mut GfSampleReport,
) -> GfStatus {
    guard(|| {
        if n == 0 {
            return Err(GfStatus::ZeroCount);
        }
        let sz = size_of::<S>();
        disjoint(&[
            (observed as usize, observed_len, sz),
            (z as usize, z_len, sz),
            (rngs as usize, rngs_len, size_of::<GfRng>()),
            (scratch as usize, scratch_len, sz),
        ])?;
        // SAFETY: the caller's contract above; overlaps were excluded.
        let (pot, params, observed, z, rngs, scratch) = unsafe {
            (
                c_ref(pot)?,
                c_ref(params)?,
                c_slice(observed, observed_len)?,
                c_slice_mut(z, z_len)?,
                c_slice_mut(rngs, rngs_len)?,
                c_slice_mut(scratch, scratch_len)?,
            )
        };
        if rngs.len() != n {
            return Err(GfStatus::SizeMismatch);
        }
        let done = sample_conditional(
            pot, x_dim, sampler, params, observed, z, rngs, steps, scratch,
        )?;
        // SAFETY: the caller's contract above.
        unsafe { write_optional(report, done) }
    })
}

/// Samples the latents z of a joint energy E(x, z) given observed rows x: `pot` is the
/// joint energy over rows `(x, z)` of dimension d (observed coordinates first; typically
/// `gf_potential_model` of a latent-variable EBM's model file), split after `x_dim`
/// coordinates (0 < `x_dim` < d, else `GF_STATUS_INVALID_PARAMETER`); dz = d − `x_dim`.
/// A latent-energy model (kind 4) records its split: `x_dim` must equal the model's
/// `x_dim` (else `GF_STATUS_INVALID_PARAMETER`); a plain energy model (kind 1) may be split
/// anywhere.
/// Advances n particles by `steps` steps of `sampler` (`GF_SAMPLER_*`) with `params`,
/// particle i on z ↦ E(xᵢ, z):
/// - `observed`: n·`x_dim` `float`, row i is xᵢ (read only; NaN/Inf refused);
/// - `z`: n·dz `float` (n·2dz for BAOAB: latents, then velocities, per particle), in-out;
/// - `rngs`: n stream states (advanced in place; `gf_rng_init_streams(seed, 0, rngs, n)`
///   gives particle i the stream i);
/// - `scratch`: `gf_conditional_scratch_len(pot, x_dim, sampler)` floats.
///
/// `report` may be NULL. See `gf_sample_f32` for what the arrays hold after an error.
///
/// # Safety
/// Each pointer must be NULL (allowed for `report` only) or valid for its length.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gf_sample_conditional_f32(
    pot: *const GfPotential,
    x_dim: usize,
    sampler: u32,
    params: *const GfSamplerParams,
    n: usize,
    observed: *const f32,
    observed_len: usize,
    z: *mut f32,
    z_len: usize,
    rngs: *mut GfRng,
    rngs_len: usize,
    steps: u64,
    scratch: *mut f32,
    scratch_len: usize,
    report: *mut GfSampleReport,
) -> GfStatus {
    // SAFETY: forwarded contract.
    unsafe {
        sample_conditional_c(
            pot,
            x_dim,
            sampler,
            params,
            n,
            observed,
            observed_len,
            z,
            z_len,
            rngs,
            rngs_len,
            steps,
            scratch,
            scratch_len,
            report,
        )
    }
}

/// [`gf_sample_conditional_f32`] for `double` values.
///
/// # Safety
/// As [`gf_sample_conditional_f32`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gf_sample_conditional_f64(
    pot: *const GfPotential,
    x_dim: usize,
    sampler: u32,
    params: *const GfSamplerParams,
    n: usize,
    observed: *const f64,
    observed_len: usize,
    z: *mut f64,
    z_len: usize,
    rngs: *mut GfRng,
    rngs_len: usize,
    steps: u64,
    scratch: *mut f64,
    scratch_len: usize,
    report: *mut GfSampleReport,
) -> GfStatus {
    // SAFETY: forwarded contract.
    unsafe {
        sample_conditional_c(
            pot,
            x_dim,
            sampler,
            params,
            n,
            observed,
            observed_len,
            z,
            z_len,
            rngs,
            rngs_len,
            steps,
            scratch,
            scratch_len,
            report,
        )
    }
}
