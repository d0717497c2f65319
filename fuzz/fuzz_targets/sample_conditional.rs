//! Arbitrary observed dimensions, observed rows, latents, lengths, sampler codes, settings
//! and RNG states for conditional sampling z | x on analytic joint energies: every call
//! returns a status; a successful one leaves finite latents and never touches the
//! observed rows.
#![no_main]

use gradflow_capi::*;
use libfuzzer_sys::fuzz_target;

mod bytes;

use bytes::f64_at;

fuzz_target!(|data: &[u8]| {
    if data.len() < 7 {
        return;
    }
    let (kind, sampler, n, steps, x_dim) = (
        data[0] % 3,
        data[1] as u32 % 7,
        data[2] as usize % 5,
        data[3] as u64 % 16,
        data[4] as usize % 6,
    );
    // Length slack: -1, 0 or +1 on the observed and latent buffers, and a scratch length.
    let (obs_slack, z_slack, scratch_len) = (
        data[5] as usize % 3,
        (data[5] / 3) as usize % 3,
        data[6] as usize * 2,
    );
    let data = &data[7..];
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
            _ => gf_potential_dw4(pot.as_mut_ptr()),
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
    let d = pot.dim as usize;
    let dz = d.saturating_sub(x_dim);
    let per = if sampler == GF_SAMPLER_BAOAB { 2 } else { 1 };
    let obs_len = (n * x_dim + obs_slack).saturating_sub(1);
    let z_len = (n * dz * per + z_slack).saturating_sub(1);
    let observed: Vec<f64> = (0..obs_len).map(|i| f64_at(data, 8 + i)).collect();
    let before = observed.clone();
    let mut z: Vec<f64> = (0..z_len).map(|i| f64_at(data, 40 + i)).collect();
    let mut rngs: Vec<GfRng> = (0..n)
        .map(|i| GfRng {
            s: [f64_at(data, 100 + i).to_bits(), 1, 2, 3],
        })
        .collect();
    let mut scratch = vec![0f64; scratch_len];
    // SAFETY: valid slices with their lengths (dangling-but-aligned when empty).
    let st = unsafe {
        gf_sample_conditional_f64(
            &pot,
            x_dim,
            sampler,
            &params,
            n,
            observed.as_ptr(),
            observed.len(),
            z.as_mut_ptr(),
            z.len(),
            rngs.as_mut_ptr(),
            n,
            steps,
            scratch.as_mut_ptr(),
            scratch.len(),
            std::ptr::null_mut(),
        )
    };
    assert_eq!(
        observed.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        before.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    );
    if st == GfStatus::Ok {
        assert!(z.iter().all(|v| v.is_finite()));
    }
});
