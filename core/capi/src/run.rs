//! Batch calls: energies and forces, sampler steps, velocity integration, time prediction.
//!
//! Each comes as a safe Rust function on slices (which the host's threaded versions call
//! on chunks) and as `extern "C"` wrappers for `float` and `double` positions.

use super::kernel;
use super::{
    GfModel, GfPotential, GfRng, GfStatus, c_mut, c_ref, c_slice, c_slice_mut, check_finite_input,
    disjoint, expect_len, guard, write_optional,
};
use gradflow_core::model::{ModelEval, ModelKind};
use gradflow_core::{BatchReport, Energy, Kernel, OdeSolver, Sampler, SamplerSettings, Scalar};

/// Sampler code for [`gf_scratch_len`]: no sampler (scratch for energies and forces).
pub const GF_SAMPLER_NONE: u32 = 0;
/// Sampler code: unadjusted Langevin, `x ← x − τ∇E + √(2τ)ξ`.
pub const GF_SAMPLER_ULA: u32 = 1;
/// Sampler code: Metropolis-adjusted Langevin (reports acceptances).
pub const GF_SAMPLER_MALA: u32 = 2;
/// Sampler code: BAOAB underdamped Langevin; a particle's state is `[x, v]` (2d scalars).
pub const GF_SAMPLER_BAOAB: u32 = 3;
/// Sampler code: the W2 proximal (JKO) scheme `jko` (reconstruction, see the docs).
pub const GF_SAMPLER_JKO: u32 = 4;
/// Sampler code: the split W2 proximal scheme `jko2` (reconstruction, see the docs).
pub const GF_SAMPLER_JKO2: u32 = 5;

/// Solver code for [`gf_flow_scratch_len`]: no solver (scratch for the time predictor).
pub const GF_SOLVER_NONE: u32 = 0;
/// Solver code: forward Euler.
pub const GF_SOLVER_EULER: u32 = 1;
/// Solver code: Heun.
pub const GF_SOLVER_HEUN: u32 = 2;
/// Solver code: classical Runge–Kutta 4.
pub const GF_SOLVER_RK4: u32 = 3;

/// Sampler settings; [`gf_sampler_params_default`] fills the defaults. Fields that a
/// sampler does not use are ignored.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GfSamplerParams {
    /// Step size τ > 0 (all samplers).
    pub step: f64,
    /// Friction γ ≥ 0 (BAOAB).
    pub friction: f64,
    /// Mass m > 0 (BAOAB).
    pub mass: f64,
    /// Relaxation ω ∈ (0, 1] of the proximal solve (jko, jko2).
    pub relaxation: f64,
    /// Fixed-point iterations ≥ 1 of the proximal solve (jko, jko2).
    pub inner_iters: u32,
}

/// What a sampling call did, summed over particles.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GfSampleReport {
    /// Steps taken (particles × steps).
    pub steps: u64,
    /// Accepted steps (all, except for MALA's rejections).
    pub accepted: u64,
    /// Energy-gradient evaluations. Per particle: `steps` for ULA; `steps + 1` for MALA
    /// and BAOAB, which carry the gradient from one step to the next within a call (0 for
    /// no steps); `steps × inner_iters` for jko and `steps × (1 + inner_iters)` for jko2.
    pub grad_evals: u64,
}

impl From<BatchReport> for GfSampleReport {
    fn from(r: BatchReport) -> Self {
        Self {
            steps: r.steps,
            accepted: r.accepted,
            grad_evals: r.grad_evals,
        }
    }
}

impl GfSampleReport {
    /// Adds another report's counts into this one.
    pub fn merge(&mut self, other: &GfSampleReport) {
        self.steps += other.steps;
        self.accepted += other.accepted;
        self.grad_evals += other.grad_evals;
    }
}

fn solver(code: u32) -> Result<OdeSolver, GfStatus> {
    match code {
        GF_SOLVER_EULER => Ok(OdeSolver::Euler),
        GF_SOLVER_HEUN => Ok(OdeSolver::Heun),
        GF_SOLVER_RK4 => Ok(OdeSolver::Rk4),
        _ => Err(GfStatus::UnknownCode),
    }
}

pub(super) fn check_scratch(found: usize, needed: usize) -> Result<(), GfStatus> {
    if found < needed {
        Err(GfStatus::ScratchTooSmall)
    } else {
        Ok(())
    }
}

/// Scalars of scratch for one call on `pot` with sampler `sampler` (or
/// [`GF_SAMPLER_NONE`] for energies and forces), in precision `S`.
pub fn scratch_len<S: Scalar>(pot: &GfPotential, sampler: u32) -> Result<usize, GfStatus> {
    let own = pot.own_scratch_len()?;
    if sampler == GF_SAMPLER_NONE {
        return Ok(own + pot.dim as usize);
    }
    let kernel = SamplerSettings::of(kernel::kind(sampler)?).kernel::<S>()?;
    Ok(own + kernel.scratch_len(pot.dim as usize))
}

/// The checks of [`energy_force`] on its inputs (for callers that split the batch).
pub fn check_energy_force<S: Scalar>(
    pot: &GfPotential,
    x: &[S],
    energy: &[S],
    force: &[S],
) -> Result<(), GfStatus> {
    check_energy_force_lengths(pot, x, energy, force)?;
    pot.validate::<S>()?;
    check_finite_input(x)
}

/// The checks of [`check_energy_force`] that do not look at the potential's energy.
fn check_energy_force_lengths<S>(
    pot: &GfPotential,
    x: &[S],
    energy: &[S],
    force: &[S],
) -> Result<(), GfStatus> {
    let (n, d) = (energy.len(), pot.dim as usize);
    if n == 0 {
        return Err(GfStatus::ZeroCount);
    }
    expect_len(x.len(), n, d)?;
    expect_len(force.len(), n, d)
}

/// Energies `energy[i] = E(x_i)` and forces `force_i = −∇E(x_i)` of `n = energy.len()`
/// particles (positions `x`, n·d scalars). Inputs are checked first (nothing written on
/// error); on `NonFiniteResult` the particles before the failing one are written.
pub fn energy_force<S: Scalar>(
    pot: &GfPotential,
    x: &[S],
    energy: &mut [S],
    force: &mut [S],
    scratch: &mut [S],
) -> Result<(), GfStatus> {
    check_energy_force_lengths(pot, x, energy, force)?;
    let d = pot.dim as usize;
    // The potential is resolved (and checked) once, by `with_energy`.
    pot.with_energy(scratch, |e, rest| {
        check_scratch(rest.len(), d)?;
        check_finite_input(x)?;
        for ((xi, ei), fi) in x
            .chunks_exact(d)
            .zip(energy.iter_mut())
            .zip(force.chunks_exact_mut(d))
        {
            *ei = e.energy_grad(xi, fi)?;
            for f in fi.iter_mut() {
                *f = -*f;
            }
            if !ei.is_finite() || !fi.iter().all(|f| f.is_finite()) {
                return Err(GfStatus::NonFiniteResult);
            }
        }
        Ok(())
    })
}

/// The checks of [`sample`] on its inputs (for callers that split the batch).
pub fn check_sample<S: Scalar>(
    pot: &GfPotential,
    sampler: u32,
    params: &GfSamplerParams,
    state: &[S],
    rngs: &[GfRng],
) -> Result<impl Kernel<S> + use<S>, GfStatus> {
    let kernel = check_sample_lengths(pot, sampler, params, state, rngs)?;
    pot.validate::<S>()?;
    check_sample_values(state, rngs)?;
    Ok(kernel)
}

/// The kernel and the checks of [`check_sample`] that do not look at the potential.
fn check_sample_lengths<S: Scalar>(
    pot: &GfPotential,
    sampler: u32,
    params: &GfSamplerParams,
    state: &[S],
    rngs: &[GfRng],
) -> Result<Sampler<S>, GfStatus> {
    let kernel = kernel::kernel::<S>(sampler, params)?;
    let (n, d) = (rngs.len(), pot.dim as usize);
    if n == 0 {
        return Err(GfStatus::ZeroCount);
    }
    expect_len(state.len(), n, kernel.state_len(d))?;
    Ok(kernel)
}

/// Finite states and valid RNG states.
pub(super) fn check_sample_values<S: Scalar>(state: &[S], rngs: &[GfRng]) -> Result<(), GfStatus> {
    check_finite_input(state)?;
    for r in rngs {
        r.stream()?;
    }
    Ok(())
}

/// Advances `n = rngs.len()` particles (`state`: n blocks of d scalars, 2d for BAOAB,
/// whose second half is the velocity) by `steps` steps of `sampler`, particle i drawing
/// from `rngs[i]`. Inputs are checked first (nothing changes on error). If a chain
/// diverges, the particles before it have finished, the failing one holds its last finite
/// state, the ones after it are untouched, and every RNG matches its particle.
pub fn sample<S: Scalar>(
    pot: &GfPotential,
    sampler: u32,
    params: &GfSamplerParams,
    state: &mut [S],
    rngs: &mut [GfRng],
    steps: u64,
    scratch: &mut [S],
) -> Result<GfSampleReport, GfStatus> {
    let kernel = check_sample_lengths(pot, sampler, params, state, rngs)?;
    let d = pot.dim as usize;
    let len = kernel.state_len(d);
    // The potential is resolved (and checked) once, by `with_energy`.
    pot.with_energy(scratch, |e, kernel_scratch| {
        check_scratch(kernel_scratch.len(), kernel.scratch_len(d))?;
        check_sample_values(state, rngs)?;
        run_chains(&kernel, e, state, len, rngs, steps, kernel_scratch)
    })
}

/// The sampling loop of [`sample`], on checked inputs. Never inlined: its locals then do
/// not share a stack frame with the potential's resolution, whose call chain runs first
/// (this lowers the stack high-water mark, which firmware pays for).
#[inline(never)]
fn run_chains<S: Scalar>(
    kernel: &impl Kernel<S>,
    e: &dyn Energy<S>,
    state: &mut [S],
    len: usize,
    rngs: &mut [GfRng],
    steps: u64,
    scratch: &mut [S],
) -> Result<GfSampleReport, GfStatus> {
    let mut report = BatchReport::default();
    for (chain, r) in state.chunks_exact_mut(len).zip(rngs.iter_mut()) {
        let mut stream = r.stream()?;
        let result = kernel.run(e, chain, &mut stream, steps, scratch, &mut report);
        r.store(&stream);
        result?;
    }
    Ok(report.into())
}

/// Integrates `dx/dt = v(x, t)` of a velocity model from `t0` to `t1` in `steps` steps for
/// every particle of `x` (blocks of d). Inputs are checked first; if a particle's state
/// becomes non-finite, the ones before it are done and it holds its last finite state.
pub fn integrate<S: Scalar>(
    model: &GfModel,
    solver_code: u32,
    t0: f64,
    t1: f64,
    steps: u32,
    x: &mut [S],
    scratch: &mut [S],
) -> Result<(), GfStatus> {
    let solver = solver(solver_code)?;
    let view = model.view()?;
    view.expect_kind(ModelKind::Velocity)?;
    let d = view.architecture().x_dim();
    if x.is_empty() {
        return Err(GfStatus::ZeroCount);
    }
    if !x.len().is_multiple_of(d) {
        return Err(GfStatus::SizeMismatch);
    }
    if !t0.is_finite() || !t1.is_finite() {
        return Err(GfStatus::NonFiniteInput);
    }
    if steps == 0 {
        return Err(GfStatus::InvalidParameter);
    }
    let own = view.scratch_len();
    check_scratch(scratch.len(), own + solver.scratch_len(d))?;
    check_finite_input(x)?;
    let (model_scratch, rest) = scratch.split_at_mut(own);
    let field = ModelEval::velocity(&view, model_scratch)?;
    let (t0, t1) = (S::from_f64(t0), S::from_f64(t1));
    for xi in x.chunks_exact_mut(d) {
        solver.integrate(&field, xi, t0, t1, steps, rest)?;
    }
    Ok(())
}

/// `t[i] = t_φ(x_i)` of a time-predictor model for every particle of `x` (blocks of d).
pub fn predict_time<S: Scalar>(
    model: &GfModel,
    x: &[S],
    t: &mut [S],
    scratch: &mut [S],
) -> Result<(), GfStatus> {
    let view = model.view()?;
    view.expect_kind(ModelKind::TimePredictor)?;
    let d = view.architecture().x_dim();
    if t.is_empty() {
        return Err(GfStatus::ZeroCount);
    }
    expect_len(x.len(), t.len(), d)?;
    check_scratch(scratch.len(), view.scratch_len())?;
    check_finite_input(x)?;
    for (xi, ti) in x.chunks_exact(d).zip(t.iter_mut()) {
        *ti = view.predict_time(xi, scratch)?;
        if !ti.is_finite() {
            return Err(GfStatus::NonFiniteResult);
        }
    }
    Ok(())
}

/// Fills `out` with the default settings of `sampler`: τ = 0.01, γ = 1, m = 1, ω = 1, 4
/// inner iterations.
///
/// # Safety
/// `out` must be NULL or point to a writable `GfSamplerParams`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gf_sampler_params_default(
    sampler: u32,
    out: *mut GfSamplerParams,
) -> GfStatus {
    guard(|| {
        let p = kernel::default_params(kernel::kind(sampler)?);
        // SAFETY: the caller's contract above.
        *unsafe { c_mut(out) }? = p;
        Ok(())
    })
}

/// Writes into `out` the scratch length, in scalars of the call's precision (`float` for
/// the `_f32` calls, `double` for `_f64`; the larger of the two is safe for both), that
/// one call on `pot` with `sampler` needs ([`GF_SAMPLER_NONE`] for `gf_energy_force_*`).
/// It depends on neither n nor the number of steps.
///
/// # Safety
/// `pot` must be NULL or point to a `GfPotential`; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gf_scratch_len(
    pot: *const GfPotential,
    sampler: u32,
    out: *mut usize,
) -> GfStatus {
    guard(|| {
        // SAFETY: the caller's contract above.
        let (pot, out) = unsafe { (c_ref(pot)?, c_mut(out)?) };
        *out = scratch_len::<f64>(pot, sampler)?;
        Ok(())
    })
}

/// Writes into `out` the scratch length (scalars) that `gf_integrate_*` with `solver`, or
/// `gf_time_predict_*` with [`GF_SOLVER_NONE`], needs for `model`.
///
/// # Safety
/// `model` must be NULL or point to a `GfModel`; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gf_flow_scratch_len(
    model: *const GfModel,
    solver_code: u32,
    out: *mut usize,
) -> GfStatus {
    guard(|| {
        // SAFETY: the caller's contract above.
        let (model, out) = unsafe { (c_ref(model)?, c_mut(out)?) };
        let view = model.view()?;
        let d = view.architecture().x_dim();
        let extra = match solver_code {
            GF_SOLVER_NONE => 0,
            code => solver(code)?.scratch_len(d),
        };
        *out = view.scratch_len() + extra;
        Ok(())
    })
}

/// Energies and forces of n particles: `x` (n·d), `energy` (n), `force` (n·d), `scratch`
/// (`gf_scratch_len(pot, GF_SAMPLER_NONE)`). Forces are −∇E.
///
/// # Safety
/// Each pointer must be NULL or point to as many elements as its length says; the output
/// buffers must not overlap anything else (checked).
#[allow(clippy::too_many_arguments)]
unsafe fn energy_force_c<S: Scalar>(
    pot: *const GfPotential,
    n: usize,
    x: *const S,
    x_len: usize,
    energy: *mut S,
    energy_len: usize,
    force: *mut S,
    force_len: usize,
    scratch: *mut S,
    scratch_len: usize,
) -> GfStatus {
    guard(|| {
        // SAFETY: the caller's contract above.
        let (x, energy, force) = unsafe {
            energy_force_slices(
                n,
                x,
                x_len,
                energy,
                energy_len,
                force,
                force_len,
                scratch,
                scratch_len,
            )
        }?;
        // SAFETY: the caller's contract above; `scratch` does not overlap the others
        // (checked by `energy_force_slices`).
        let (pot, scratch) = unsafe { (c_ref(pot)?, c_slice_mut(scratch, scratch_len)?) };
        energy_force(pot, x, energy, force, scratch)
    })
}

/// Positions, energies and forces of an energy/force call.
pub type EnergyForceSlices<'a, S> = (&'a [S], &'a mut [S], &'a mut [S]);

/// The checked slices of an energy/force call on n particles: refuses n = 0, buffers
/// that overlap each other or the call's `other` buffer (NULL and 0 if none), and an
/// energy buffer that does not hold n values. Shared by the core and host C calls.
///
/// # Safety
/// Each pointer must be NULL or valid for its length.
#[allow(clippy::too_many_arguments)]
pub unsafe fn energy_force_slices<'a, S>(
    n: usize,
    x: *const S,
    x_len: usize,
    energy: *mut S,
    energy_len: usize,
    force: *mut S,
    force_len: usize,
    other: *const S,
    other_len: usize,
) -> Result<EnergyForceSlices<'a, S>, GfStatus> {
    if n == 0 {
        return Err(GfStatus::ZeroCount);
    }
    let sz = size_of::<S>();
    disjoint(&[
        (x as usize, x_len, sz),
        (energy as usize, energy_len, sz),
        (force as usize, force_len, sz),
        (other as usize, other_len, sz),
    ])?;
    // SAFETY: the caller's contract above; overlaps were excluded.
    let slices = unsafe {
        (
            c_slice(x, x_len)?,
            c_slice_mut(energy, energy_len)?,
            c_slice_mut(force, force_len)?,
        )
    };
    if slices.1.len() != n {
        return Err(GfStatus::SizeMismatch);
    }
    Ok(slices)
}

/// [`energy_force`] for `float` positions (evaluated in single precision).
///
/// # Safety
/// See `energy_force_c`: every pointer NULL or valid for its length; outputs not
/// overlapping other buffers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gf_energy_force_f32(
    pot: *const GfPotential,
    n: usize,
    x: *const f32,
    x_len: usize,
    energy: *mut f32,
    energy_len: usize,
    force: *mut f32,
    force_len: usize,
    scratch: *mut f32,
    scratch_len: usize,
) -> GfStatus {
    // SAFETY: forwarded contract.
    unsafe {
        energy_force_c(
            pot,
            n,
            x,
            x_len,
            energy,
            energy_len,
            force,
            force_len,
            scratch,
            scratch_len,
        )
    }
}

/// [`energy_force`] for `double` positions (evaluated in double precision).
///
/// # Safety
/// As [`gf_energy_force_f32`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gf_energy_force_f64(
    pot: *const GfPotential,
    n: usize,
    x: *const f64,
    x_len: usize,
    energy: *mut f64,
    energy_len: usize,
    force: *mut f64,
    force_len: usize,
    scratch: *mut f64,
    scratch_len: usize,
) -> GfStatus {
    // SAFETY: forwarded contract.
    unsafe {
        energy_force_c(
            pot,
            n,
            x,
            x_len,
            energy,
            energy_len,
            force,
            force_len,
            scratch,
            scratch_len,
        )
    }
}

/// The pointer-checking half of the `gf_sample_*` calls.
///
/// # Safety
/// Each pointer must be NULL or valid for its length; `report` NULL or writable.
#[allow(clippy::too_many_arguments)]
unsafe fn sample_c<S: Scalar>(
    pot: *const GfPotential,
    sampler: u32,
    params: *const GfSamplerParams,
    n: usize,
    state: *mut S,
    state_len: usize,
    rngs: *mut GfRng,
    rngs_len: usize,
    steps: u64,
    scratch: *mut S,
    scratch_len: usize,
    report: *mut GfSampleReport,
) -> GfStatus {
    guard(|| {
        // SAFETY: the caller's contract above.
        let (state, rngs) =
            unsafe { sample_slices(n, state, state_len, rngs, rngs_len, scratch, scratch_len) }?;
        // SAFETY: the caller's contract above; `scratch` does not overlap the others
        // (checked by `sample_slices`).
        let (pot, params, scratch) = unsafe {
            (
                c_ref(pot)?,
                c_ref(params)?,
                c_slice_mut(scratch, scratch_len)?,
            )
        };
        let done = sample(pot, sampler, params, state, rngs, steps, scratch)?;
        // SAFETY: the caller's contract above.
        unsafe { write_optional(report, done) }
    })
}

/// The checked slices of a sampling call on n particles: refuses n = 0, buffers that
/// overlap each other or the call's `other` buffer (NULL and 0 if none), and an RNG array
/// that does not hold n states. Shared by the core and host C calls.
///
/// # Safety
/// Each pointer must be NULL or valid for its length.
pub unsafe fn sample_slices<'a, S>(
    n: usize,
    state: *mut S,
    state_len: usize,
    rngs: *mut GfRng,
    rngs_len: usize,
    other: *const S,
    other_len: usize,
) -> Result<(&'a mut [S], &'a mut [GfRng]), GfStatus> {
    if n == 0 {
        return Err(GfStatus::ZeroCount);
    }
    disjoint(&[
        (state as usize, state_len, size_of::<S>()),
        (rngs as usize, rngs_len, size_of::<GfRng>()),
        (other as usize, other_len, size_of::<S>()),
    ])?;
    // SAFETY: the caller's contract above; overlaps were excluded.
    let slices = unsafe { (c_slice_mut(state, state_len)?, c_slice_mut(rngs, rngs_len)?) };
    if slices.1.len() != n {
        return Err(GfStatus::SizeMismatch);
    }
    Ok(slices)
}

/// Advances n particles by `steps` steps of `sampler` (`GF_SAMPLER_*`) with settings
/// `params` on `pot`: `state` holds n·d `float` (n·2d for BAOAB: positions, then
/// velocities, per particle), `rngs` n stream states (advanced in place), `scratch`
/// `gf_scratch_len(pot, sampler)` floats. `report` may be NULL. See [`sample`] for what
/// the arrays hold after an error.
///
/// # Safety
/// Each pointer must be NULL (allowed for `report` only) or valid for its length.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gf_sample_f32(
    pot: *const GfPotential,
    sampler: u32,
    params: *const GfSamplerParams,
    n: usize,
    state: *mut f32,
    state_len: usize,
    rngs: *mut GfRng,
    rngs_len: usize,
    steps: u64,
    scratch: *mut f32,
    scratch_len: usize,
    report: *mut GfSampleReport,
) -> GfStatus {
    // SAFETY: forwarded contract.
    unsafe {
        sample_c(
            pot,
            sampler,
            params,
            n,
            state,
            state_len,
            rngs,
            rngs_len,
            steps,
            scratch,
            scratch_len,
            report,
        )
    }
}

/// [`gf_sample_f32`] for `double` states.
///
/// # Safety
/// As [`gf_sample_f32`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gf_sample_f64(
    pot: *const GfPotential,
    sampler: u32,
    params: *const GfSamplerParams,
    n: usize,
    state: *mut f64,
    state_len: usize,
    rngs: *mut GfRng,
    rngs_len: usize,
    steps: u64,
    scratch: *mut f64,
    scratch_len: usize,
    report: *mut GfSampleReport,
) -> GfStatus {
    // SAFETY: forwarded contract.
    unsafe {
        sample_c(
            pot,
            sampler,
            params,
            n,
            state,
            state_len,
            rngs,
            rngs_len,
            steps,
            scratch,
            scratch_len,
            report,
        )
    }
}

/// The pointer-checking half of `gf_integrate_*`.
///
/// # Safety
/// Each pointer must be NULL or valid for its length.
#[allow(clippy::too_many_arguments)]
unsafe fn integrate_c<S: Scalar>(
    model: *const GfModel,
    solver_code: u32,
    t0: f64,
    t1: f64,
    steps: u32,
    n: usize,
    x: *mut S,
    x_len: usize,
    scratch: *mut S,
    scratch_len: usize,
) -> GfStatus {
    guard(|| {
        if n == 0 {
            return Err(GfStatus::ZeroCount);
        }
        let sz = size_of::<S>();
        disjoint(&[(x as usize, x_len, sz), (scratch as usize, scratch_len, sz)])?;
        // SAFETY: the caller's contract above; overlaps were excluded.
        let (model, x, scratch) = unsafe {
            (
                c_ref(model)?,
                c_slice_mut(x, x_len)?,
                c_slice_mut(scratch, scratch_len)?,
            )
        };
        expect_len(x.len(), n, model.view()?.architecture().x_dim())?;
        integrate(model, solver_code, t0, t1, steps, x, scratch)
    })
}

/// Moves n particles `x` (n·d floats, in place) along a velocity model's flow from `t0` to
/// `t1` in `steps` steps of `solver` (`GF_SOLVER_*`); `scratch` holds
/// `gf_flow_scratch_len(model, solver)` floats.
///
/// # Safety
/// Each pointer must be NULL or valid for its length.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gf_integrate_f32(
    model: *const GfModel,
    solver_code: u32,
    t0: f64,
    t1: f64,
    steps: u32,
    n: usize,
    x: *mut f32,
    x_len: usize,
    scratch: *mut f32,
    scratch_len: usize,
) -> GfStatus {
    // SAFETY: forwarded contract.
    unsafe {
        integrate_c(
            model,
            solver_code,
            t0,
            t1,
            steps,
            n,
            x,
            x_len,
            scratch,
            scratch_len,
        )
    }
}

/// [`gf_integrate_f32`] for `double` positions.
///
/// # Safety
/// As [`gf_integrate_f32`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gf_integrate_f64(
    model: *const GfModel,
    solver_code: u32,
    t0: f64,
    t1: f64,
    steps: u32,
    n: usize,
    x: *mut f64,
    x_len: usize,
    scratch: *mut f64,
    scratch_len: usize,
) -> GfStatus {
    // SAFETY: forwarded contract.
    unsafe {
        integrate_c(
            model,
            solver_code,
            t0,
            t1,
            steps,
            n,
            x,
            x_len,
            scratch,
            scratch_len,
        )
    }
}

/// The pointer-checking half of `gf_time_predict_*`.
///
/// # Safety
/// Each pointer must be NULL or valid for its length.
#[allow(clippy::too_many_arguments)]
unsafe fn time_predict_c<S: Scalar>(
    model: *const GfModel,
    n: usize,
    x: *const S,
    x_len: usize,
    t: *mut S,
    t_len: usize,
    scratch: *mut S,
    scratch_len: usize,
) -> GfStatus {
    guard(|| {
        if n == 0 {
            return Err(GfStatus::ZeroCount);
        }
        let sz = size_of::<S>();
        disjoint(&[
            (x as usize, x_len, sz),
            (t as usize, t_len, sz),
            (scratch as usize, scratch_len, sz),
        ])?;
        // SAFETY: the caller's contract above; overlaps were excluded.
        let (model, x, t, scratch) = unsafe {
            (
                c_ref(model)?,
                c_slice(x, x_len)?,
                c_slice_mut(t, t_len)?,
                c_slice_mut(scratch, scratch_len)?,
            )
        };
        if t.len() != n {
            return Err(GfStatus::SizeMismatch);
        }
        predict_time(model, x, t, scratch)
    })
}

/// Time predictions t(x_i) of a time-predictor model for n particles `x` (n·d floats)
/// into `t` (n floats); `scratch` holds `gf_flow_scratch_len(model, GF_SOLVER_NONE)`.
///
/// # Safety
/// Each pointer must be NULL or valid for its length.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gf_time_predict_f32(
    model: *const GfModel,
    n: usize,
    x: *const f32,
    x_len: usize,
    t: *mut f32,
    t_len: usize,
    scratch: *mut f32,
    scratch_len: usize,
) -> GfStatus {
    // SAFETY: forwarded contract.
    unsafe { time_predict_c(model, n, x, x_len, t, t_len, scratch, scratch_len) }
}

/// [`gf_time_predict_f32`] for `double` positions.
///
/// # Safety
/// As [`gf_time_predict_f32`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gf_time_predict_f64(
    model: *const GfModel,
    n: usize,
    x: *const f64,
    x_len: usize,
    t: *mut f64,
    t_len: usize,
    scratch: *mut f64,
    scratch_len: usize,
) -> GfStatus {
    // SAFETY: forwarded contract.
    unsafe { time_predict_c(model, n, x, x_len, t, t_len, scratch, scratch_len) }
}
