//! The `std` additions to the C API (header `gradflow.h`): loading a model file from a
//! path, and the batch calls spread over threads.
//!
//! The threaded calls split the particles into contiguous blocks, one per thread, each
//! with its own scratch and with the particles' own RNG states, so their results are
//! bit-identical to the single-threaded core calls for every thread count.

use std::ffi::{CStr, c_char};

use crate::{
    GF_SAMPLER_NONE, GfModel, GfPotential, GfRng, GfSampleReport, GfSamplerParams, GfStatus, c_mut,
    c_ref, check_energy_force, check_sample, energy_force, energy_force_slices, guard, sample,
    sample_slices, scratch_len, write_optional,
};
use gradflow_core::Scalar;

/// A model file read into memory by [`gf_model_file_load`]; free it with
/// [`gf_model_file_free`].
#[derive(Debug)]
pub struct GfModelFile {
    /// The file's bytes, which `model` points into; owned here, never read directly.
    #[allow(dead_code)]
    bytes: Box<[u8]>,
    model: GfModel,
}

/// Reads the model file at `path` (NUL-terminated), checks it like `gf_model_open`, and
/// stores a new handle in `*out`. Errors: `GF_STATUS_IO` if the file cannot be read, the
/// model codes if its bytes are rejected.
///
/// # Safety
/// `path` must be NULL or a NUL-terminated string; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gf_model_file_load(
    path: *const c_char,
    out: *mut *mut GfModelFile,
) -> GfStatus {
    guard(|| {
        if path.is_null() {
            return Err(GfStatus::NullPointer);
        }
        // SAFETY: non-NULL and NUL-terminated by the caller's contract.
        let path = unsafe { CStr::from_ptr(path) };
        // SAFETY: the caller's contract above.
        let out = unsafe { c_mut(out) }?;
        let path = path.to_str().map_err(|_| GfStatus::Io)?;
        let bytes = std::fs::read(path)
            .map_err(|_| GfStatus::Io)?
            .into_boxed_slice();
        // The boxed bytes do not move when the box does, and the handle owns both them
        // and the model that points into them.
        let model = GfModel::open(&bytes)?;
        let file = Box::new(GfModelFile { bytes, model });
        *out = Box::into_raw(file);
        Ok(())
    })
}

/// The model of a loaded file (valid until [`gf_model_file_free`]); NULL for NULL.
///
/// # Safety
/// `file` must be NULL or a live handle from [`gf_model_file_load`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gf_model_file_model(file: *const GfModelFile) -> *const GfModel {
    // SAFETY: the caller's contract above.
    match unsafe { c_ref(file) } {
        Ok(f) => &f.model,
        Err(_) => std::ptr::null(),
    }
}

/// Frees a handle from [`gf_model_file_load`] (NULL is ignored). Models and potentials
/// taken from it must not be used afterwards.
///
/// # Safety
/// `file` must be NULL or a live handle from [`gf_model_file_load`], not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gf_model_file_free(file: *mut GfModelFile) {
    if !file.is_null() {
        // SAFETY: a live handle from `Box::into_raw` in `gf_model_file_load`, freed once.
        drop(unsafe { Box::from_raw(file) });
    }
}

/// The number of threads to use for n items: `threads` (0 = one per core), never more
/// than one per 64 items.
fn thread_count(threads: u32, n: usize) -> usize {
    let wanted = match threads {
        0 => std::thread::available_parallelism().map_or(1, |t| t.get()),
        t => t as usize,
    };
    wanted.min(n.div_ceil(64)).max(1)
}

/// Runs `work` on every block on its own thread; returns the first error in block order,
/// or the block results in order.
fn run_blocks<I: Send, T: Send>(
    blocks: Vec<I>,
    work: impl Fn(I) -> Result<T, GfStatus> + Sync,
) -> Result<Vec<T>, GfStatus> {
    let results: Vec<Result<T, GfStatus>> = std::thread::scope(|s| {
        let work = &work;
        let handles: Vec<_> = blocks
            .into_iter()
            .map(|block| s.spawn(move || work(block)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(Err(GfStatus::Panic)))
            .collect()
    });
    results.into_iter().collect()
}

/// [`energy_force`] on threads.
#[allow(clippy::too_many_arguments)]
unsafe fn host_energy_force_c<S: Scalar + Send + Sync>(
    pot: *const GfPotential,
    n: usize,
    x: *const S,
    x_len: usize,
    energy: *mut S,
    energy_len: usize,
    force: *mut S,
    force_len: usize,
    threads: u32,
) -> GfStatus {
    guard(|| {
        // SAFETY: each pointer NULL or valid for its length (the caller's contract).
        let (x, energy, force) = unsafe {
            energy_force_slices(
                n,
                x,
                x_len,
                energy,
                energy_len,
                force,
                force_len,
                std::ptr::null(),
                0,
            )
        }?;
        // SAFETY: as above.
        let pot = unsafe { c_ref(pot) }?;
        check_energy_force(pot, x, energy, force)?;
        let need = scratch_len::<S>(pot, GF_SAMPLER_NONE)?;
        let (d, per) = (pot.dim as usize, n.div_ceil(thread_count(threads, n)));
        let blocks: Vec<_> = x
            .chunks(per * d)
            .zip(energy.chunks_mut(per))
            .zip(force.chunks_mut(per * d))
            .collect();
        run_blocks(blocks, |((x, e), f)| {
            energy_force(pot, x, e, f, &mut vec![S::ZERO; need])
        })?;
        Ok(())
    })
}

/// `gf_energy_force_f32` on up to `threads` threads (0 = one per core), allocating its own
/// scratch. Results are identical to the single-threaded call.
///
/// # Safety
/// Each pointer must be NULL or valid for its length; outputs must not overlap inputs.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gf_host_energy_force_f32(
    pot: *const GfPotential,
    n: usize,
    x: *const f32,
    x_len: usize,
    energy: *mut f32,
    energy_len: usize,
    force: *mut f32,
    force_len: usize,
    threads: u32,
) -> GfStatus {
    // SAFETY: forwarded contract.
    unsafe {
        host_energy_force_c(
            pot, n, x, x_len, energy, energy_len, force, force_len, threads,
        )
    }
}

/// `gf_energy_force_f64` on threads; see [`gf_host_energy_force_f32`].
///
/// # Safety
/// As [`gf_host_energy_force_f32`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gf_host_energy_force_f64(
    pot: *const GfPotential,
    n: usize,
    x: *const f64,
    x_len: usize,
    energy: *mut f64,
    energy_len: usize,
    force: *mut f64,
    force_len: usize,
    threads: u32,
) -> GfStatus {
    // SAFETY: forwarded contract.
    unsafe {
        host_energy_force_c(
            pot, n, x, x_len, energy, energy_len, force, force_len, threads,
        )
    }
}

/// [`sample`] on threads.
#[allow(clippy::too_many_arguments)]
unsafe fn host_sample_c<S: Scalar + Send + Sync>(
    pot: *const GfPotential,
    sampler: u32,
    params: *const GfSamplerParams,
    n: usize,
    state: *mut S,
    state_len: usize,
    rngs: *mut GfRng,
    rngs_len: usize,
    steps: u64,
    threads: u32,
    report: *mut GfSampleReport,
) -> GfStatus {
    guard(|| {
        // SAFETY: each pointer NULL or valid for its length (the caller's contract).
        let (state, rngs) =
            unsafe { sample_slices(n, state, state_len, rngs, rngs_len, std::ptr::null(), 0) }?;
        // SAFETY: as above.
        let (pot, params) = unsafe { (c_ref(pot)?, c_ref(params)?) };
        check_sample(pot, sampler, params, state, rngs)?;
        let need = scratch_len::<S>(pot, sampler)?;
        let (per_item, per) = (state.len() / n, n.div_ceil(thread_count(threads, n)));
        let blocks: Vec<_> = state
            .chunks_mut(per * per_item)
            .zip(rngs.chunks_mut(per))
            .collect();
        let reports = run_blocks(blocks, |(st, rg)| {
            sample(
                pot,
                sampler,
                params,
                st,
                rg,
                steps,
                &mut vec![S::ZERO; need],
            )
        })?;
        let mut total = GfSampleReport::default();
        for r in &reports {
            total.merge(r);
        }
        // SAFETY: `report` is NULL or writable (the caller's contract).
        unsafe { write_optional(report, total) }
    })
}

/// `gf_sample_f32` on up to `threads` threads (0 = one per core), allocating its own
/// scratch. Results (states, RNG states, report) are identical to the single-threaded call.
///
/// # Safety
/// Each pointer must be NULL (allowed for `report` only) or valid for its length.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gf_host_sample_f32(
    pot: *const GfPotential,
    sampler: u32,
    params: *const GfSamplerParams,
    n: usize,
    state: *mut f32,
    state_len: usize,
    rngs: *mut GfRng,
    rngs_len: usize,
    steps: u64,
    threads: u32,
    report: *mut GfSampleReport,
) -> GfStatus {
    // SAFETY: forwarded contract.
    unsafe {
        host_sample_c(
            pot, sampler, params, n, state, state_len, rngs, rngs_len, steps, threads, report,
        )
    }
}

/// `gf_sample_f64` on threads; see [`gf_host_sample_f32`].
///
/// # Safety
/// As [`gf_host_sample_f32`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gf_host_sample_f64(
    pot: *const GfPotential,
    sampler: u32,
    params: *const GfSamplerParams,
    n: usize,
    state: *mut f64,
    state_len: usize,
    rngs: *mut GfRng,
    rngs_len: usize,
    steps: u64,
    threads: u32,
    report: *mut GfSampleReport,
) -> GfStatus {
    // SAFETY: forwarded contract.
    unsafe {
        host_sample_c(
            pot, sampler, params, n, state, state_len, rngs, rngs_len, steps, threads, report,
        )
    }
}
