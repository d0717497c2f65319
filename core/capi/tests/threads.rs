//! The threaded C calls (the `std` feature) give the single-threaded core calls' bits, for any thread
//! count, and load model files from paths with clear statuses.

use std::ffi::CString;
use std::ptr::null_mut;

use gradflow_capi::*;
use gradflow_core::model::{Architecture, ModelKind, encode, encoded_len};
use gradflow_core::{Activation, StreamRng};

fn muller_brown() -> GfPotential {
    let mut p = std::mem::MaybeUninit::<GfPotential>::uninit();
    // SAFETY: valid out-pointer.
    assert_eq!(
        unsafe { gf_potential_muller_brown(0.05, p.as_mut_ptr()) },
        GfStatus::Ok
    );
    // SAFETY: written on success.
    unsafe { p.assume_init() }
}

#[test]
fn threaded_sampling_matches_single_threaded_bits() {
    let pot = muller_brown();
    let mut params = std::mem::MaybeUninit::<GfSamplerParams>::uninit();
    // SAFETY: valid out-pointer.
    unsafe { gf_sampler_params_default(GF_SAMPLER_MALA, params.as_mut_ptr()) };
    // SAFETY: written by the call above.
    let mut params = unsafe { params.assume_init() };
    params.step = 1e-3;
    for (n, threads) in [(1usize, 4u32), (130, 2), (1000, 3), (257, 0)] {
        let mut rngs = vec![GfRng::default(); n];
        // SAFETY: n writable states.
        unsafe { gf_rng_init_streams(3, 0, rngs.as_mut_ptr(), n) };
        let x0: Vec<f64> = (0..2 * n)
            .map(|i| if i % 2 == 0 { -0.55 } else { 1.44 })
            .collect();
        let (mut x1, mut r1, mut x2, mut r2) = (x0.clone(), rngs.clone(), x0, rngs);
        let mut scratch = vec![0.0; 64];
        let (mut rep1, mut rep2) = (GfSampleReport::default(), GfSampleReport::default());
        // SAFETY: valid slices with their lengths.
        let s1 = unsafe {
            gf_sample_f64(
                &pot,
                GF_SAMPLER_MALA,
                &params,
                n,
                x1.as_mut_ptr(),
                2 * n,
                r1.as_mut_ptr(),
                n,
                50,
                scratch.as_mut_ptr(),
                64,
                &mut rep1,
            )
        };
        // SAFETY: valid slices with their lengths.
        let s2 = unsafe {
            gf_host_sample_f64(
                &pot,
                GF_SAMPLER_MALA,
                &params,
                n,
                x2.as_mut_ptr(),
                2 * n,
                r2.as_mut_ptr(),
                n,
                50,
                threads,
                &mut rep2,
            )
        };
        assert_eq!((s1, s2), (GfStatus::Ok, GfStatus::Ok));
        assert_eq!(x1, x2, "n = {n}, threads = {threads}");
        assert_eq!(r1, r2);
        assert_eq!(rep1, rep2);
    }
}

#[test]
fn threaded_forces_match_and_model_files_load_from_paths() {
    // A 2 → 16 → 16 → 1 SiLU energy with N(0, 1/4) weights: what matters here is that
    // the threaded and single-threaded calls agree on it, not what it learned.
    let arch = Architecture::mlp(ModelKind::Energy, Activation::Silu, 2, &[16, 16], 1).unwrap();
    let mut rng = StreamRng::new(11, 0);
    let params: Vec<f32> = (0..arch.n_params())
        .map(|_| 0.5 * rng.normal::<f32>())
        .collect();
    let mut model = vec![0u8; encoded_len(&arch)];
    encode(&arch, &params, &mut model).unwrap();
    let dir = std::env::temp_dir().join(format!("gradflow-capi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("dw.gfm");
    std::fs::write(&path, &model).unwrap();
    let c_path = CString::new(path.to_str().unwrap()).unwrap();
    let mut file = null_mut();
    // SAFETY: NUL-terminated path and a writable out-pointer.
    assert_eq!(
        unsafe { gf_model_file_load(c_path.as_ptr(), &mut file) },
        GfStatus::Ok
    );
    // SAFETY: a live handle.
    let m = unsafe { gf_model_file_model(file) };
    let mut pot = std::mem::MaybeUninit::<GfPotential>::uninit();
    // SAFETY: valid pointers.
    assert_eq!(
        unsafe { gf_potential_model(m, pot.as_mut_ptr()) },
        GfStatus::Ok
    );
    // SAFETY: written on success.
    let pot = unsafe { pot.assume_init() };
    let n = 333;
    let x: Vec<f32> = (0..2 * n).map(|i| (i as f32 * 0.37).sin() * 1.5).collect();
    let (mut e1, mut f1, mut e2, mut f2) = (
        vec![0f32; n],
        vec![0f32; 2 * n],
        vec![0f32; n],
        vec![0f32; 2 * n],
    );
    let mut scratch = vec![0f32; 256];
    // SAFETY: valid slices with their lengths.
    let s1 = unsafe {
        gf_energy_force_f32(
            &pot,
            n,
            x.as_ptr(),
            2 * n,
            e1.as_mut_ptr(),
            n,
            f1.as_mut_ptr(),
            2 * n,
            scratch.as_mut_ptr(),
            256,
        )
    };
    // SAFETY: valid slices with their lengths.
    let s2 = unsafe {
        gf_host_energy_force_f32(
            &pot,
            n,
            x.as_ptr(),
            2 * n,
            e2.as_mut_ptr(),
            n,
            f2.as_mut_ptr(),
            2 * n,
            3,
        )
    };
    assert_eq!((s1, s2), (GfStatus::Ok, GfStatus::Ok));
    assert_eq!((e1, f1), (e2, f2));
    // SAFETY: a live handle, freed once.
    unsafe { gf_model_file_free(file) };

    // Missing and corrupted files.
    let missing = CString::new(dir.join("none.gfm").to_str().unwrap()).unwrap();
    // SAFETY: as above.
    assert_eq!(
        unsafe { gf_model_file_load(missing.as_ptr(), &mut file) },
        GfStatus::Io
    );
    let mut bytes = model.clone();
    bytes[100] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    // SAFETY: as above.
    assert_eq!(
        unsafe { gf_model_file_load(c_path.as_ptr(), &mut file) },
        GfStatus::ModelChecksum
    );
    // SAFETY: NULL path is refused.
    assert_eq!(
        unsafe { gf_model_file_load(std::ptr::null(), &mut file) },
        GfStatus::NullPointer
    );
    std::fs::remove_dir_all(&dir).ok();
}
