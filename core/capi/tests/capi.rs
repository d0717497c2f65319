//! The C API's robustness contract: every entry point refuses bad input with its own
//! status and never panics; outputs are untouched on refusal. Property tests feed random
//! corruptions of model bytes and random settings.

use core::ptr::{null, null_mut};

use gradflow_capi::*;
use gradflow_core::model::{Architecture, ModelKind, crc32, encode, encoded_len};
use gradflow_core::{Activation, StreamRng};
use proptest::prelude::*;

fn model_bytes(kind: ModelKind) -> Vec<u8> {
    let (arch, n) = match kind {
        ModelKind::Velocity => {
            let a = Architecture::mlp(kind, Activation::Silu, 2, &[8, 8], 2).unwrap();
            (a, a.n_params())
        }
        _ => {
            let a = Architecture::mlp(kind, Activation::Silu, 2, &[8, 8], 1).unwrap();
            (a, a.n_params())
        }
    };
    let mut rng = StreamRng::new(1, 2);
    let params: Vec<f32> = (0..n).map(|_| 0.3 * rng.normal::<f32>()).collect();
    let mut bytes = vec![0u8; encoded_len(&arch)];
    encode(&arch, &params, &mut bytes).unwrap();
    bytes
}

fn open(bytes: &[u8]) -> Result<GfModel, GfStatus> {
    let mut m = core::mem::MaybeUninit::<GfModel>::uninit();
    // SAFETY: valid bytes and a writable out-pointer.
    match unsafe { gf_model_open(bytes.as_ptr(), bytes.len(), m.as_mut_ptr()) } {
        // SAFETY: written on success.
        GfStatus::Ok => Ok(unsafe { m.assume_init() }),
        s => Err(s),
    }
}

fn potential(model: &GfModel) -> GfPotential {
    let mut p = core::mem::MaybeUninit::<GfPotential>::uninit();
    // SAFETY: valid pointers.
    assert_eq!(
        unsafe { gf_potential_model(model, p.as_mut_ptr()) },
        GfStatus::Ok
    );
    // SAFETY: written on success.
    unsafe { p.assume_init() }
}

fn double_well() -> GfPotential {
    let mut p = core::mem::MaybeUninit::<GfPotential>::uninit();
    // SAFETY: valid pointer.
    assert_eq!(
        unsafe { gf_potential_double_well(2, 1.0, 1.0, p.as_mut_ptr()) },
        GfStatus::Ok
    );
    // SAFETY: written on success.
    unsafe { p.assume_init() }
}

fn params(sampler: u32) -> GfSamplerParams {
    let mut p = core::mem::MaybeUninit::<GfSamplerParams>::uninit();
    // SAFETY: valid pointer.
    assert_eq!(
        unsafe { gf_sampler_params_default(sampler, p.as_mut_ptr()) },
        GfStatus::Ok
    );
    // SAFETY: written on success.
    unsafe { p.assume_init() }
}

fn rngs(n: usize) -> Vec<GfRng> {
    let mut r = vec![GfRng::default(); n];
    // SAFETY: n writable states.
    assert_eq!(
        unsafe { gf_rng_init_streams(9, 0, r.as_mut_ptr(), n) },
        GfStatus::Ok
    );
    r
}

/// Calls gf_energy_force_f64 with explicit lengths.
#[allow(clippy::too_many_arguments)]
fn ef(
    pot: *const GfPotential,
    n: usize,
    x: &[f64],
    x_len: usize,
    e: &mut [f64],
    f: &mut [f64],
    s: &mut [f64],
    s_len: usize,
) -> GfStatus {
    // SAFETY: every pointer is valid for the lengths given whenever they do not exceed
    // the slices; the tests below only pass larger lengths where an earlier check (n,
    // size consistency) must refuse the call before any access.
    unsafe {
        gf_energy_force_f64(
            pot,
            n,
            x.as_ptr(),
            x_len,
            e.as_mut_ptr(),
            e.len(),
            f.as_mut_ptr(),
            f.len(),
            s.as_mut_ptr(),
            s_len,
        )
    }
}

#[test]
fn energy_force_refuses_bad_input_and_writes_nothing() {
    let pot = double_well();
    let x = [0.3, -0.2, 1.1, 0.4];
    let (mut e, mut f, mut s) = ([7.0; 2], [7.0; 4], [0.0; 16]);
    assert_eq!(ef(&pot, 2, &x, 4, &mut e, &mut f, &mut s, 16), GfStatus::Ok);
    assert!(
        (f[0] + 4.0 * 0.3 * (0.09 - 1.0)).abs() < 1e-12,
        "force is −∇E"
    );

    let (mut e, mut f) = ([7.0; 2], [7.0; 4]);
    assert_eq!(
        ef(null(), 2, &x, 4, &mut e, &mut f, &mut s, 16),
        GfStatus::NullPointer
    );
    assert_eq!(
        ef(&pot, 0, &x, 4, &mut e, &mut f, &mut s, 16),
        GfStatus::ZeroCount
    );
    assert_eq!(
        ef(&pot, 2, &x, 3, &mut e, &mut f, &mut s, 16),
        GfStatus::SizeMismatch
    );
    assert_eq!(
        ef(&pot, 3, &x, 4, &mut e, &mut f, &mut s, 16),
        GfStatus::SizeMismatch
    );
    assert_eq!(
        ef(&pot, 2, &x, usize::MAX / 4, &mut e, &mut f, &mut s, 16),
        GfStatus::SizeOverflow
    );
    assert_eq!(
        ef(&pot, 2, &x, 4, &mut e, &mut f, &mut s, 1),
        GfStatus::ScratchTooSmall
    );
    let nan = [0.3, f64::NAN, 1.1, 0.4];
    assert_eq!(
        ef(&pot, 2, &nan, 4, &mut e, &mut f, &mut s, 16),
        GfStatus::NonFiniteInput
    );
    let inf = [0.3, 0.1, f64::INFINITY, 0.4];
    assert_eq!(
        ef(&pot, 2, &inf, 4, &mut e, &mut f, &mut s, 16),
        GfStatus::NonFiniteInput
    );
    assert_eq!((e, f), ([7.0; 2], [7.0; 4]), "nothing written on refusal");

    // Misaligned and overlapping buffers.
    let raw = [0.0f64; 9];
    let misaligned = (raw.as_ptr() as *const u8).wrapping_add(1) as *const f64;
    // SAFETY: the misaligned pointer is refused before any access.
    let st = unsafe {
        gf_energy_force_f64(
            &pot,
            2,
            misaligned,
            4,
            e.as_mut_ptr(),
            2,
            f.as_mut_ptr(),
            4,
            s.as_mut_ptr(),
            16,
        )
    };
    assert_eq!(st, GfStatus::Misaligned);
    let mut buf = [0.5f64; 8];
    let p = buf.as_mut_ptr();
    // SAFETY: x and force overlap, which is refused before any access.
    let st = unsafe {
        gf_energy_force_f64(
            &pot,
            2,
            p,
            4,
            e.as_mut_ptr(),
            2,
            p.add(2),
            4,
            s.as_mut_ptr(),
            16,
        )
    };
    assert_eq!(st, GfStatus::AliasedBuffers);

    let mut bad = pot;
    bad.kind = 99;
    assert_eq!(
        ef(&bad, 2, &x, 4, &mut e, &mut f, &mut s, 16),
        GfStatus::UnknownCode
    );
}

#[test]
fn sampler_refuses_bad_settings_codes_and_rng_states() {
    let pot = double_well();
    let mut s = [0.0f64; 64];
    let call =
        |sampler: u32, p: &GfSamplerParams, x: &mut [f64], r: &mut [GfRng], s: &mut [f64]| {
            // SAFETY: valid slices with their lengths.
            unsafe {
                gf_sample_f64(
                    &pot,
                    sampler,
                    p,
                    r.len(),
                    x.as_mut_ptr(),
                    x.len(),
                    r.as_mut_ptr(),
                    r.len(),
                    10,
                    s.as_mut_ptr(),
                    s.len(),
                    null_mut(),
                )
            }
        };
    for sampler in [
        GF_SAMPLER_ULA,
        GF_SAMPLER_MALA,
        GF_SAMPLER_JKO,
        GF_SAMPLER_JKO2,
    ] {
        let (mut x, mut r) = ([0.5; 6], rngs(3));
        assert_eq!(
            call(sampler, &params(sampler), &mut x, &mut r, &mut s),
            GfStatus::Ok
        );
    }
    let (mut x, mut r) = ([0.5; 12], rngs(3));
    assert_eq!(
        call(
            GF_SAMPLER_BAOAB,
            &params(GF_SAMPLER_BAOAB),
            &mut x,
            &mut r,
            &mut s
        ),
        GfStatus::Ok
    );

    let (mut x, mut r) = ([0.5; 6], rngs(3));
    let before = (x, r.clone());
    let mut p = params(GF_SAMPLER_ULA);
    p.step = -1.0;
    assert_eq!(
        call(GF_SAMPLER_ULA, &p, &mut x, &mut r, &mut s),
        GfStatus::InvalidParameter
    );
    p.step = f64::NAN;
    assert_eq!(
        call(GF_SAMPLER_ULA, &p, &mut x, &mut r, &mut s),
        GfStatus::NonFiniteInput
    );
    assert_eq!(
        call(77, &params(GF_SAMPLER_ULA), &mut x, &mut r, &mut s),
        GfStatus::UnknownCode
    );
    r[1] = GfRng::default();
    assert_eq!(
        call(
            GF_SAMPLER_ULA,
            &params(GF_SAMPLER_ULA),
            &mut x,
            &mut r,
            &mut s
        ),
        GfStatus::BadRngState
    );
    assert_eq!(x, before.0, "state untouched on refusal");
    assert_eq!(r[0], before.1[0], "streams untouched on refusal");
    let mut p = GfSamplerParams {
        step: 0.0,
        friction: 0.0,
        mass: 0.0,
        relaxation: 0.0,
        inner_iters: 0,
    };
    // SAFETY: NULL out-pointer, refused.
    assert_eq!(
        unsafe { gf_sampler_params_default(1, null_mut()) },
        GfStatus::NullPointer
    );
    // SAFETY: valid out-pointer.
    assert_eq!(
        unsafe { gf_sampler_params_default(0, &mut p) },
        GfStatus::UnknownCode
    );
}

/// MALA and BAOAB carry the gradient from one step to the next within a call: n particles
/// × s steps cost n(s + 1) gradient evaluations (2ns before); ULA costs ns.
#[test]
fn sampling_reports_one_gradient_per_step_and_one_per_particle() {
    let pot = double_well();
    let (n, steps) = (3u64, 40u64);
    for (sampler, state_len, grads) in [
        (GF_SAMPLER_ULA, 6, n * steps),
        (GF_SAMPLER_MALA, 6, n * (steps + 1)),
        (GF_SAMPLER_BAOAB, 12, n * (steps + 1)),
    ] {
        let (mut x, mut r, mut s) = (vec![0.5f64; state_len], rngs(3), [0.0; 64]);
        let mut report = GfSampleReport::default();
        // SAFETY: valid slices with their lengths and a writable report.
        let st = unsafe {
            gf_sample_f64(
                &pot,
                sampler,
                &params(sampler),
                3,
                x.as_mut_ptr(),
                state_len,
                r.as_mut_ptr(),
                3,
                steps,
                s.as_mut_ptr(),
                64,
                &mut report,
            )
        };
        assert_eq!(st, GfStatus::Ok);
        assert_eq!(
            (report.steps, report.grad_evals),
            (n * steps, grads),
            "{sampler}"
        );
    }
}

/// A diverging chain is reported as a non-finite result; it keeps its last finite state.
#[test]
fn divergence_is_reported() {
    let pot = double_well();
    let mut p = params(GF_SAMPLER_ULA);
    p.step = 10.0;
    let (mut x, mut r, mut s) = ([3.0f64; 2], rngs(1), [0.0; 16]);
    // SAFETY: valid slices with their lengths.
    let st = unsafe {
        gf_sample_f64(
            &pot,
            GF_SAMPLER_ULA,
            &p,
            1,
            x.as_mut_ptr(),
            2,
            r.as_mut_ptr(),
            1,
            100,
            s.as_mut_ptr(),
            16,
            null_mut(),
        )
    };
    assert_eq!(st, GfStatus::NonFiniteResult);
    assert!(x.iter().all(|v| v.is_finite()));
}

#[test]
fn models_of_the_wrong_kind_or_not_opened_are_refused() {
    let vel = model_bytes(ModelKind::Velocity);
    let m = open(&vel).unwrap();
    let mut p = core::mem::MaybeUninit::<GfPotential>::uninit();
    // SAFETY: valid pointers.
    assert_eq!(
        unsafe { gf_potential_model(&m, p.as_mut_ptr()) },
        GfStatus::ModelWrongKind
    );
    let mut fake = m;
    fake.opened = 0;
    let mut len = 0usize;
    // SAFETY: valid pointers.
    assert_eq!(
        unsafe { gf_flow_scratch_len(&fake, GF_SOLVER_RK4, &mut len) },
        GfStatus::ModelNotOpen
    );
    // SAFETY: valid pointers.
    assert_eq!(
        unsafe { gf_flow_scratch_len(&m, GF_SOLVER_RK4, &mut len) },
        GfStatus::Ok
    );
    let mut x = [0.1f32, 0.2, -0.3, 0.4];
    let mut s = vec![0f32; len];
    // SAFETY: valid slices with their lengths.
    let st = unsafe {
        gf_integrate_f32(
            &m,
            GF_SOLVER_RK4,
            0.0,
            1.0,
            10,
            2,
            x.as_mut_ptr(),
            4,
            s.as_mut_ptr(),
            len,
        )
    };
    assert_eq!(st, GfStatus::Ok);
    // SAFETY: as above, with an unknown solver code.
    let st = unsafe {
        gf_integrate_f32(
            &m,
            9,
            0.0,
            1.0,
            10,
            2,
            x.as_mut_ptr(),
            4,
            s.as_mut_ptr(),
            len,
        )
    };
    assert_eq!(st, GfStatus::UnknownCode);
    let mut t = [0f32; 2];
    // SAFETY: valid slices; the velocity model is not a time predictor.
    let st = unsafe {
        gf_time_predict_f32(&m, 2, x.as_ptr(), 4, t.as_mut_ptr(), 2, s.as_mut_ptr(), len)
    };
    assert_eq!(st, GfStatus::ModelWrongKind);
}

#[test]
fn every_status_has_a_name() {
    for code in [0u32, 7701, 7712, 7722] {
        // SAFETY: gf_status_str returns a static NUL-terminated string.
        let s = unsafe { core::ffi::CStr::from_ptr(gf_status_str(code)) };
        assert!(s.to_str().unwrap().starts_with("GF_STATUS_"));
    }
    // SAFETY: as above.
    let s = unsafe { core::ffi::CStr::from_ptr(gf_status_str(12345)) };
    assert!(s.to_str().unwrap().contains("unknown"));
}

const MODEL_STATUSES: [GfStatus; 6] = [
    GfStatus::ModelTruncated,
    GfStatus::ModelTrailingBytes,
    GfStatus::ModelBadMagic,
    GfStatus::ModelUnsupportedVersion,
    GfStatus::ModelChecksum,
    GfStatus::ModelBadArchitecture,
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Random edits of valid model bytes: opening never panics; it succeeds only if the
    /// bytes are unchanged, otherwise it returns one of the model statuses.
    #[test]
    fn corrupted_models_are_refused(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
        cut in any::<usize>(),
        truncate in any::<bool>(),
        reseal in any::<bool>(),
    ) {
        let good = model_bytes(ModelKind::Energy);
        let mut b = good.clone();
        for (at, v) in edits {
            let i = at % b.len();
            b[i] = v;
        }
        if truncate {
            b.truncate(cut % b.len());
        }
        if reseal && b.len() >= 4 {
            let body = b.len() - 4;
            let crc = crc32(&b[..body]);
            b[body..].copy_from_slice(&crc.to_le_bytes());
        }
        match open(&b) {
            Ok(m) if m.kind == ModelKind::Energy as u32 => {
                // Resealed edits of weights are valid models; they must then evaluate.
                let pot = potential(&m);
                let mut len = 0usize;
                // SAFETY: valid pointers.
                prop_assert_eq!(unsafe { gf_scratch_len(&pot, GF_SAMPLER_NONE, &mut len) }, GfStatus::Ok);
                let d = m.x_dim as usize;
                let x = vec![0.1; d];
                let (mut e, mut f, mut s) = ([0.0; 1], vec![0.0; d], vec![0.0; len]);
                let st = ef(&pot, 1, &x, d, &mut e, &mut f, &mut s, len);
                prop_assert!(st == GfStatus::Ok || st == GfStatus::NonFiniteResult, "{st:?}");
            }
            // An edit that turned the kind into another valid one.
            Ok(_) => {}
            Err(s) => prop_assert!(MODEL_STATUSES.contains(&s), "{s:?}"),
        }
    }

    /// Random settings and positions for every sampler: a status, never a panic, and a
    /// state that is finite whenever the call reports success.
    #[test]
    fn samplers_never_panic(
        sampler in 0u32..7,
        step in prop_oneof![Just(f64::NAN), Just(-1.0), 1e-6..2.0f64],
        friction in -1.0..5.0f64,
        inner in 0u32..6,
        relaxation in -0.5..1.5f64,
        x0 in proptest::collection::vec(-50.0..50.0f64, 4),
    ) {
        let pot = double_well();
        let p = GfSamplerParams { step, friction, mass: 1.0, relaxation, inner_iters: inner };
        let len = if sampler == GF_SAMPLER_BAOAB { 8 } else { 4 };
        let mut x: Vec<f64> = x0.iter().cycle().take(len).copied().collect();
        let mut r = rngs(2);
        let mut s = [0.0f64; 64];
        // SAFETY: valid slices with their lengths.
        let st = unsafe {
            gf_sample_f64(&pot, sampler, &p, 2, x.as_mut_ptr(), len, r.as_mut_ptr(), 2, 20,
                s.as_mut_ptr(), 64, null_mut())
        };
        if st == GfStatus::Ok {
            prop_assert!(x.iter().all(|v| v.is_finite()));
        }
    }
}
