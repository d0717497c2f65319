//! Arbitrary bytes as a model file: opening must return a status, never crash; a model
//! that opens must then evaluate (energy/force, integration, time prediction) safely.
//! When the first byte is odd, the rest gets a correct CRC-32 first, so that the fuzzer
//! explores the header and weight checks behind the checksum.
#![no_main]

use gradflow_capi::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Some((&flag, rest)) = input.split_first() else {
        return;
    };
    let mut data = rest.to_vec();
    if flag % 2 == 1 && data.len() >= 4 {
        let body = data.len() - 4;
        let crc = gradflow_core::model::crc32(&data[..body]);
        data[body..].copy_from_slice(&crc.to_le_bytes());
    }
    let mut model = std::mem::MaybeUninit::<GfModel>::uninit();
    // SAFETY: `data` is valid for its length; `model` is writable.
    if unsafe { gf_model_open(data.as_ptr(), data.len(), model.as_mut_ptr()) } != GfStatus::Ok {
        return;
    }
    // SAFETY: written on success.
    let model = unsafe { model.assume_init() };
    let d = model.x_dim as usize;
    if d > 64 {
        return;
    }
    let x: Vec<f32> = (0..2 * d).map(|i| (i as f32 * 0.7).sin()).collect();
    let mut pot = std::mem::MaybeUninit::<GfPotential>::uninit();
    // SAFETY: valid pointers.
    if unsafe { gf_potential_model(&model, pot.as_mut_ptr()) } == GfStatus::Ok {
        // SAFETY: written on success.
        let pot = unsafe { pot.assume_init() };
        let mut len = 0usize;
        // SAFETY: valid pointers.
        unsafe { gf_scratch_len(&pot, GF_SAMPLER_NONE, &mut len) };
        let len = len.min(1 << 16);
        let (mut e, mut f, mut s) = (vec![0f32; 2], vec![0f32; 2 * d], vec![0f32; len]);
        // SAFETY: valid slices with their lengths.
        unsafe {
            gf_energy_force_f32(
                &pot,
                2,
                x.as_ptr(),
                2 * d,
                e.as_mut_ptr(),
                2,
                f.as_mut_ptr(),
                2 * d,
                s.as_mut_ptr(),
                len,
            )
        };
    }
    for solver in [GF_SOLVER_NONE, GF_SOLVER_RK4] {
        let mut len = 0usize;
        // SAFETY: valid pointers.
        if unsafe { gf_flow_scratch_len(&model, solver, &mut len) } != GfStatus::Ok {
            continue;
        }
        let mut s = vec![0f32; len.min(1 << 16)];
        let mut y = x.clone();
        let mut t = [0f32; 2];
        // SAFETY: valid slices with their lengths.
        unsafe {
            gf_integrate_f32(
                &model,
                solver,
                0.0,
                1.0,
                3,
                2,
                y.as_mut_ptr(),
                2 * d,
                s.as_mut_ptr(),
                s.len(),
            );
            gf_time_predict_f32(
                &model,
                2,
                x.as_ptr(),
                2 * d,
                t.as_mut_ptr(),
                2,
                s.as_mut_ptr(),
                s.len(),
            );
        }
    }
});
