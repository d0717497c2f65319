//! Random stream states that C code keeps in its own (even static) memory.

use super::{GfStatus, c_mut, c_slice_mut, guard};
use gradflow_core::StreamRng;

/// The state of one particle's random stream (Xoshiro256++, 32 bytes). Initialise it
/// with [`gf_rng_init`]; the samplers advance it, so later calls continue the stream.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GfRng {
    /// The generator's four state words; all zero is invalid.
    pub s: [u64; 4],
}

impl GfRng {
    /// The Rust stream with this state.
    pub fn stream(&self) -> Result<StreamRng, GfStatus> {
        StreamRng::from_state(self.s).ok_or(GfStatus::BadRngState)
    }

    /// Stores the stream's state.
    pub fn store(&mut self, rng: &StreamRng) {
        self.s = rng.state();
    }
}

/// Writes the state of stream `stream` under `seed` (the same stream as Rust's
/// `StreamRng::new(seed, stream)`).
///
/// # Safety
/// `out` must be NULL or point to a writable `GfRng`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gf_rng_init(seed: u64, stream: u64, out: *mut GfRng) -> GfStatus {
    guard(|| {
        // SAFETY: the caller's contract above.
        let out = unsafe { c_mut(out) }?;
        out.store(&StreamRng::new(seed, stream));
        Ok(())
    })
}

/// Initialises `n` states: `rngs[i]` gets stream `first + i` under `seed`. Give each
/// particle its global index and results do not depend on how particles are batched.
///
/// # Safety
/// `rngs` must be NULL or point to `n` writable `GfRng`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn gf_rng_init_streams(
    seed: u64,
    first: u64,
    rngs: *mut GfRng,
    n: usize,
) -> GfStatus {
    guard(|| {
        if n == 0 {
            return Err(GfStatus::ZeroCount);
        }
        // SAFETY: the caller's contract above.
        let rngs = unsafe { c_slice_mut(rngs, n) }?;
        for (k, r) in rngs.iter_mut().enumerate() {
            r.store(&StreamRng::new(seed, first.wrapping_add(k as u64)));
        }
        Ok(())
    })
}
