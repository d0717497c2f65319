//! Arbitrary sampler codes, settings, positions and RNG states on the analytic potentials:
//! every call returns a status; a successful one leaves finite states.
#![no_main]

use gradflow_capi::*;
use libfuzzer_sys::fuzz_target;

mod bytes;

use bytes::f64_at;

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let (kind, sampler, n, steps) = (
        data[0] % 6,
        data[1] as u32 % 7,
        data[2] as usize % 5,
        data[3] as u64 % 16,
    );
    let data = &data[4..];
    let mut pot = std::mem::MaybeUninit::<GfPotential>::uninit();
    // SAFETY: valid out-pointers.
    let st = unsafe {
        match kind {
            0 => gf_potential_double_well(
                1 + (f64_at(data, 0).to_bits() % 4) as u32,
                f64_at(data, 1),
                f64_at(data, 2),
                pot.as_mut_ptr(),
            ),
            1 => gf_potential_muller_brown(f64_at(data, 1), pot.as_mut_ptr()),
            2 => gf_potential_dw4(pot.as_mut_ptr()),
            3 => gf_potential_lj13(pot.as_mut_ptr()),
            _ => gf_potential_double_well(2, 1.0, 1.0, pot.as_mut_ptr()),
        }
    };
    if st != GfStatus::Ok {
        return;
    }
    // SAFETY: written on success.
    let pot = unsafe { pot.assume_init() };
    let params = GfSamplerParams {
        step: f64_at(data, 3),
        friction: f64_at(data, 4),
        mass: f64_at(data, 5),
        relaxation: f64_at(data, 6),
        inner_iters: (f64_at(data, 7).to_bits() % 8) as u32,
    };
    let len = n * pot.dim as usize * if sampler == GF_SAMPLER_BAOAB { 2 } else { 1 };
    let mut x: Vec<f64> = (0..len).map(|i| f64_at(data, 8 + i)).collect();
    let mut rngs: Vec<GfRng> = (0..n)
        .map(|i| GfRng {
            s: [f64_at(data, 100 + i).to_bits(), 1, 2, 3],
        })
        .collect();
    let mut scratch = vec![0f64; 512];
    // SAFETY: valid slices with their lengths (dangling-but-aligned for n = 0, refused).
    let st = unsafe {
        gf_sample_f64(
            &pot,
            sampler,
            &params,
            n,
            x.as_mut_ptr(),
            len,
            rngs.as_mut_ptr(),
            n,
            steps,
            scratch.as_mut_ptr(),
            scratch.len(),
            std::ptr::null_mut(),
        )
    };
    if st == GfStatus::Ok {
        assert!(x.iter().all(|v| v.is_finite()));
    }
});
