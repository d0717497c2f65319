//! The C API of the core: no allocation, usable from the `no_std` build (firmware) and
//! from the host's static library (which adds file loading and threads).
//!
//! Conventions (after rustls-ffi):
//! - Every fallible function returns a [`GfStatus`]; `GF_STATUS_OK` is 0, errors start at
//!   7701; [`gf_status_str`] names any code.
//! - Every buffer is followed by its length in elements; the caller owns every buffer,
//!   including scratch, whose size the `gf_*scratch_len` functions give.
//! - Codes that select something (sampler, solver, potential) are `uint32_t`, never enums.
//! - NULL pointers, misaligned pointers, n = 0, lengths that do not match, sizes that
//!   overflow and overlapping output buffers are refused before anything is read.
//! - NaN/Inf policy: inputs (positions, times, settings) must be finite, else
//!   `GF_STATUS_NON_FINITE_INPUT` and nothing is written. A result that becomes non-finite
//!   gives `GF_STATUS_NON_FINITE_RESULT`; see each function for what was written then.
//! - Out-parameters are written only on success. State arrays that a call advances
//!   (positions, RNG states) are in-out; each function says what they hold on error.
//! - No panic crosses the boundary: with the `std` feature (the host library) every entry
//!   point catches panics and returns `GF_STATUS_PANIC`; the `no_std` library is built with
//!   `panic = "abort"`, and its code paths validate before indexing.

mod conditional;
mod kernel;
mod model;
mod potential;
mod rng;
mod run;
mod status;

pub use conditional::{
    conditional_scratch_len, gf_conditional_scratch_len, gf_sample_conditional_f32,
    gf_sample_conditional_f64, sample_conditional,
};
pub use model::{GF_MODEL_OPENED, GfModel, gf_model_open};
pub use potential::{
    GF_POTENTIAL_DOUBLE_WELL, GF_POTENTIAL_DW4, GF_POTENTIAL_LJ13, GF_POTENTIAL_MODEL,
    GF_POTENTIAL_MULLER_BROWN, GfPotential, gf_potential_double_well, gf_potential_dw4,
    gf_potential_lj13, gf_potential_model, gf_potential_muller_brown,
};
pub use rng::{GfRng, gf_rng_init, gf_rng_init_streams};
pub use run::{
    GF_SAMPLER_BAOAB, GF_SAMPLER_JKO, GF_SAMPLER_JKO2, GF_SAMPLER_MALA, GF_SAMPLER_NONE,
    GF_SAMPLER_ULA, GF_SOLVER_EULER, GF_SOLVER_HEUN, GF_SOLVER_NONE, GF_SOLVER_RK4, GfSampleReport,
    GfSamplerParams, check_energy_force, check_sample, energy_force, energy_force_slices,
    gf_energy_force_f32, gf_energy_force_f64, gf_flow_scratch_len, gf_integrate_f32,
    gf_integrate_f64, gf_sample_f32, gf_sample_f64, gf_sampler_params_default, gf_scratch_len,
    gf_time_predict_f32, gf_time_predict_f64, integrate, predict_time, sample, sample_slices,
    scratch_len,
};
pub use status::{GfStatus, gf_status_str};

use core::ffi::c_char;

/// The library version, `MAJOR.MINOR.PATCH` (static, NUL-terminated).
#[unsafe(no_mangle)]
pub extern "C" fn gf_version() -> *const c_char {
    const V: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
    V.as_ptr().cast()
}

/// Runs `f`, turning a panic into [`GfStatus::Panic`] when `std` is available (without it,
/// the `no_std` library aborts on panic, which never unwinds into C).
pub fn guard(f: impl FnOnce() -> Result<(), GfStatus>) -> GfStatus {
    #[cfg(feature = "std")]
    let result =
        std::panic::catch_unwind(core::panic::AssertUnwindSafe(f)).unwrap_or(Err(GfStatus::Panic));
    #[cfg(not(feature = "std"))]
    let result = f();
    match result {
        Ok(()) => GfStatus::Ok,
        Err(s) => s,
    }
}

/// Checks a C pointer for NULL and alignment.
fn check_ptr<T>(ptr: *const T) -> Result<(), GfStatus> {
    if ptr.is_null() {
        Err(GfStatus::NullPointer)
    } else if !ptr.is_aligned() {
        Err(GfStatus::Misaligned)
    } else {
        Ok(())
    }
}

/// Checks that `len` elements of `T` fit in `isize::MAX` bytes.
fn check_size<T>(len: usize) -> Result<(), GfStatus> {
    match len.checked_mul(size_of::<T>()) {
        Some(bytes) if bytes <= isize::MAX as usize => Ok(()),
        _ => Err(GfStatus::SizeOverflow),
    }
}

/// A shared reference from a C pointer.
///
/// # Safety
/// A non-NULL, aligned `ptr` must point to a valid `T` that nothing mutates for `'a`.
pub unsafe fn c_ref<'a, T>(ptr: *const T) -> Result<&'a T, GfStatus> {
    check_ptr(ptr)?;
    // SAFETY: non-NULL and aligned (checked); validity and lifetime are the caller's
    // contract above.
    Ok(unsafe { &*ptr })
}

/// An exclusive reference from a C pointer.
///
/// # Safety
/// A non-NULL, aligned `ptr` must point to a `T` that nothing else accesses for `'a`.
pub unsafe fn c_mut<'a, T>(ptr: *mut T) -> Result<&'a mut T, GfStatus> {
    check_ptr(ptr)?;
    // SAFETY: as in `c_ref`, with exclusivity promised by the caller.
    Ok(unsafe { &mut *ptr })
}

/// A shared slice from a C pointer and element count.
///
/// # Safety
/// A non-NULL, aligned `ptr` must point to `len` initialised `T` that nothing mutates
/// for `'a`.
pub unsafe fn c_slice<'a, T>(ptr: *const T, len: usize) -> Result<&'a [T], GfStatus> {
    check_ptr(ptr)?;
    check_size::<T>(len)?;
    // SAFETY: non-NULL, aligned, and `len · size_of::<T>() ≤ isize::MAX` (checked); the
    // memory's validity and lifetime are the caller's contract above.
    Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
}

/// An exclusive slice from a C pointer and element count.
///
/// # Safety
/// A non-NULL, aligned `ptr` must point to `len` initialised `T` that nothing else
/// accesses for `'a` (check overlaps with [`disjoint`] first).
pub unsafe fn c_slice_mut<'a, T>(ptr: *mut T, len: usize) -> Result<&'a mut [T], GfStatus> {
    check_ptr(ptr)?;
    check_size::<T>(len)?;
    // SAFETY: as in `c_slice`, with exclusivity promised by the caller.
    Ok(unsafe { core::slice::from_raw_parts_mut(ptr, len) })
}

/// Writes `value` through `ptr` unless `ptr` is NULL (optional out-parameters).
///
/// # Safety
/// A non-NULL `ptr` must be aligned and point to a writable `T`.
pub unsafe fn write_optional<T>(ptr: *mut T, value: T) -> Result<(), GfStatus> {
    if !ptr.is_null() {
        // SAFETY: the caller's contract above.
        *unsafe { c_mut(ptr) }? = value;
    }
    Ok(())
}

/// Fails with [`GfStatus::SizeOverflow`] if a byte range `(address, element count,
/// element size)` exceeds `isize::MAX` bytes, then with [`GfStatus::AliasedBuffers`] if any
/// two overlap. Call it before making slices.
pub fn disjoint(ranges: &[(usize, usize, usize)]) -> Result<(), GfStatus> {
    for &(_, n, size) in ranges {
        match n.checked_mul(size) {
            Some(bytes) if bytes <= isize::MAX as usize => {}
            _ => return Err(GfStatus::SizeOverflow),
        }
    }
    for (i, &(a, an, asz)) in ranges.iter().enumerate() {
        for &(b, bn, bsz) in &ranges[i + 1..] {
            let a_end = a.saturating_add(an.saturating_mul(asz));
            let b_end = b.saturating_add(bn.saturating_mul(bsz));
            if an > 0 && bn > 0 && a < b_end && b < a_end {
                return Err(GfStatus::AliasedBuffers);
            }
        }
    }
    Ok(())
}

/// A buffer length that must equal `n · per_item`, with overflow checked.
fn expect_len(found: usize, n: usize, per_item: usize) -> Result<(), GfStatus> {
    match n.checked_mul(per_item) {
        None => Err(GfStatus::SizeOverflow),
        Some(expected) if expected == found => Ok(()),
        Some(_) => Err(GfStatus::SizeMismatch),
    }
}

/// `NonFiniteInput` unless every element is finite.
fn check_finite_input<S: crate::Scalar>(v: &[S]) -> Result<(), GfStatus> {
    if v.iter().all(|x| x.is_finite()) {
        Ok(())
    } else {
        Err(GfStatus::NonFiniteInput)
    }
}
