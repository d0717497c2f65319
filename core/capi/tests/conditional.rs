//! `gf_sample_conditional_*`: z | x of a joint energy model through the C API. It must give
//! the Rust driver's samples bit for bit, and refuse bad input (NULL, sizes, overlaps,
//! NaN observations, a split outside 0 < x_dim < d, a model of another kind, a split other
//! than a latent-energy model's recorded one) with a status, changing nothing.

use core::ptr::{null, null_mut};

use gradflow_capi::*;
use gradflow_core::model::{Architecture, ModelEval, ModelKind, ModelView, encode, encoded_len};
use gradflow_core::{Activation, Mala, StreamRng, Ula, run_conditional};

/// A 3 → 8 → 8 → 1 model of `kind` (a joint energy over (x, z) ∈ ℝ¹ × ℝ² for `Energy`).
fn model_bytes(kind: ModelKind, out_dim: usize) -> Vec<u8> {
    encoded(Architecture::mlp(kind, Activation::Silu, 3, &[8, 8], out_dim).unwrap())
}

/// The same weights as [`model_bytes`]`(Energy, 1)` in a latent-energy file recording the
/// split (x, z) ∈ ℝ¹ × ℝ².
fn latent_model_bytes() -> Vec<u8> {
    encoded(Architecture::latent_energy(Activation::Silu, 1, 2, &[8, 8]).unwrap())
}

/// `a` with seeded weights, encoded.
fn encoded(a: Architecture) -> Vec<u8> {
    let mut rng = StreamRng::new(1, 2);
    let params: Vec<f32> = (0..a.n_params())
        .map(|_| 0.3 * rng.normal::<f32>())
        .collect();
    let mut bytes = vec![0u8; encoded_len(&a)];
    encode(&a, &params, &mut bytes).unwrap();
    bytes
}

fn open(bytes: &[u8]) -> GfModel {
    let mut m = core::mem::MaybeUninit::<GfModel>::uninit();
    // SAFETY: valid bytes and a writable out-pointer.
    assert_eq!(
        unsafe { gf_model_open(bytes.as_ptr(), bytes.len(), m.as_mut_ptr()) },
        GfStatus::Ok
    );
    // SAFETY: written on success.
    unsafe { m.assume_init() }
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

fn params(sampler: u32, step: f64) -> GfSamplerParams {
    let mut p = core::mem::MaybeUninit::<GfSamplerParams>::uninit();
    // SAFETY: valid pointer.
    assert_eq!(
        unsafe { gf_sampler_params_default(sampler, p.as_mut_ptr()) },
        GfStatus::Ok
    );
    // SAFETY: written on success.
    let mut p = unsafe { p.assume_init() };
    p.step = step;
    p
}

fn rngs(seed: u64, n: usize) -> Vec<GfRng> {
    let mut r = vec![GfRng::default(); n];
    // SAFETY: n writable states.
    assert_eq!(
        unsafe { gf_rng_init_streams(seed, 0, r.as_mut_ptr(), n) },
        GfStatus::Ok
    );
    r
}

fn scratch_len(pot: &GfPotential, x_dim: usize, sampler: u32) -> Result<usize, GfStatus> {
    let mut len = 0;
    // SAFETY: valid pointers.
    match unsafe { gf_conditional_scratch_len(pot, x_dim, sampler, &mut len) } {
        GfStatus::Ok => Ok(len),
        s => Err(s),
    }
}

/// One `gf_sample_conditional_f64` call on whole slices.
#[allow(clippy::too_many_arguments)]
fn call(
    pot: &GfPotential,
    x_dim: usize,
    sampler: u32,
    p: &GfSamplerParams,
    observed: &[f64],
    z: &mut [f64],
    r: &mut [GfRng],
    steps: u64,
    s: &mut [f64],
    report: *mut GfSampleReport,
) -> GfStatus {
    // SAFETY: valid slices with their lengths; `report` NULL or valid.
    unsafe {
        gf_sample_conditional_f64(
            pot,
            x_dim,
            sampler,
            p,
            r.len(),
            observed.as_ptr(),
            observed.len(),
            z.as_mut_ptr(),
            z.len(),
            r.as_mut_ptr(),
            r.len(),
            steps,
            s.as_mut_ptr(),
            s.len(),
            report,
        )
    }
}

#[test]
fn c_calls_give_the_rust_drivers_samples() {
    let bytes = model_bytes(ModelKind::Energy, 1);
    let model = open(&bytes);
    let pot = potential(&model);
    let view = ModelView::parse(&bytes).unwrap();
    let n = 5;
    let observed: Vec<f64> = (0..n).map(|i| i as f64 * 0.7 - 1.4).collect();
    let z0: Vec<f64> = (0..2 * n).map(|i| (i as f64 * 0.9).sin()).collect();
    for (sampler, step) in [(GF_SAMPLER_ULA, 0.05), (GF_SAMPLER_MALA, 0.5)] {
        let len = scratch_len(&pot, 1, sampler).unwrap();
        let (mut z, mut r, mut s) = (z0.clone(), rngs(4, n), vec![0.0; len]);
        let mut report = GfSampleReport::default();
        let p = params(sampler, step);
        assert_eq!(
            call(
                &pot,
                1,
                sampler,
                &p,
                &observed,
                &mut z,
                &mut r,
                30,
                &mut s,
                &mut report
            ),
            GfStatus::Ok
        );
        // The Rust driver on the same model (f64 evaluation of the f32 weights).
        let mut model_scratch = vec![0.0; view.scratch_len()];
        let joint = ModelEval::energy(&view, &mut model_scratch).unwrap();
        let mut zr = z0.clone();
        let mut streams: Vec<_> = StreamRng::streams(4, 0, n).collect();
        let mut scratch = vec![0.0; 64];
        let rust = if sampler == GF_SAMPLER_ULA {
            let k = Ula { step };
            run_conditional(
                &k,
                &joint,
                1,
                &observed,
                &mut zr,
                &mut streams,
                30,
                &mut scratch,
            )
        } else {
            let k = Mala { step };
            run_conditional(
                &k,
                &joint,
                1,
                &observed,
                &mut zr,
                &mut streams,
                30,
                &mut scratch,
            )
        }
        .unwrap();
        assert_eq!(z, zr, "sampler {sampler}");
        assert_eq!(report.steps, 30 * n as u64);
        assert_eq!(report.accepted, rust.accepted);
        assert_ne!(z, z0, "the latents moved");
        for (a, b) in r.iter().zip(&streams) {
            assert_eq!(a.s, b.state(), "the RNG states are advanced as in Rust");
        }
        // The f32 call runs too, on the same layout.
        let mut z32: Vec<f32> = z0.iter().map(|&v| v as f32).collect();
        let obs32: Vec<f32> = observed.iter().map(|&v| v as f32).collect();
        let mut s32 = vec![0.0f32; len];
        let mut r32 = rngs(4, n);
        // SAFETY: valid slices with their lengths.
        let st = unsafe {
            gf_sample_conditional_f32(
                &pot,
                1,
                sampler,
                &p,
                n,
                obs32.as_ptr(),
                n,
                z32.as_mut_ptr(),
                2 * n,
                r32.as_mut_ptr(),
                n,
                30,
                s32.as_mut_ptr(),
                len,
                null_mut(),
            )
        };
        assert_eq!(st, GfStatus::Ok);
        let worst = z32
            .iter()
            .zip(&z)
            .map(|(a, b)| (f64::from(*a) - b).abs())
            .fold(0.0, f64::max);
        // MALA may decide one proposal differently in single precision; ULA may not.
        if sampler == GF_SAMPLER_ULA {
            assert!(worst < 1e-3, "f32 and f64 differ by {worst}");
        }
    }
}

#[test]
fn bad_input_is_refused_and_changes_nothing() {
    let bytes = model_bytes(ModelKind::Energy, 1);
    let model = open(&bytes);
    let pot = potential(&model);
    let p = params(GF_SAMPLER_ULA, 0.05);
    let len = scratch_len(&pot, 1, GF_SAMPLER_ULA).unwrap();
    let (observed, z0) = ([0.5, -0.5], [0.1, 0.2, 0.3, 0.4]);
    let (mut z, mut r, mut s) = (z0, rngs(1, 2), vec![0.0; len]);
    let r0 = r.clone();
    let ula = GF_SAMPLER_ULA;
    let mut check = |x_dim: usize, obs: &[f64], z: &mut [f64], s: &mut [f64], want: GfStatus| {
        assert_eq!(
            call(&pot, x_dim, ula, &p, obs, z, &mut r, 3, s, null_mut()),
            want,
            "x_dim {x_dim}, {} observed, {} latents, {} scratch",
            obs.len(),
            z.len(),
            s.len()
        );
    };
    // The split must leave at least one observed and one latent coordinate.
    check(0, &[], &mut z, &mut s, GfStatus::InvalidParameter);
    check(3, &[0.0; 6], &mut z, &mut s, GfStatus::InvalidParameter);
    check(99, &[0.0; 198], &mut z, &mut s, GfStatus::InvalidParameter);
    // Sizes: observed rows, latent blocks, scratch.
    check(1, &observed[..1], &mut z, &mut s, GfStatus::SizeMismatch);
    check(1, &observed, &mut z[..3], &mut s, GfStatus::SizeMismatch);
    check(2, &[0.0; 4], &mut z, &mut s, GfStatus::SizeMismatch);
    check(
        1,
        &observed,
        &mut z,
        &mut s[..len - 1],
        GfStatus::ScratchTooSmall,
    );
    // NaN or infinite observations and latents.
    check(
        1,
        &[0.5, f64::NAN],
        &mut z,
        &mut s,
        GfStatus::NonFiniteInput,
    );
    check(
        1,
        &[f64::INFINITY, 0.5],
        &mut z,
        &mut s,
        GfStatus::NonFiniteInput,
    );
    let mut bad_z = [0.1, f64::NAN, 0.3, 0.4];
    check(1, &observed, &mut bad_z, &mut s, GfStatus::NonFiniteInput);
    assert_eq!(z, z0, "latents untouched on refusal");
    assert_eq!(r, r0, "streams untouched on refusal");
    assert_eq!(scratch_len(&pot, 0, ula), Err(GfStatus::InvalidParameter));
    assert_eq!(scratch_len(&pot, 3, ula), Err(GfStatus::InvalidParameter));
    assert_eq!(scratch_len(&pot, 1, 77), Err(GfStatus::UnknownCode));

    // NULL pointers, n = 0, n ≠ rngs, overlaps.
    // SAFETY: every call below passes NULL or valid pointers with their lengths; the
    // function must refuse before reading anything it should not.
    unsafe {
        let zp = z.as_mut_ptr();
        let sp = s.as_mut_ptr();
        let rp = r.as_mut_ptr();
        let op = observed.as_ptr();
        let f = |pot: *const GfPotential,
                 pp: *const GfSamplerParams,
                 n: usize,
                 op: *const f64,
                 zp: *mut f64,
                 zl: usize,
                 rp: *mut GfRng,
                 rl: usize,
                 sp: *mut f64,
                 sl: usize| {
            gf_sample_conditional_f64(
                pot,
                1,
                ula,
                pp,
                n,
                op,
                2,
                zp,
                zl,
                rp,
                rl,
                3,
                sp,
                sl,
                null_mut(),
            )
        };
        assert_eq!(
            f(null(), &p, 2, op, zp, 4, rp, 2, sp, len),
            GfStatus::NullPointer
        );
        assert_eq!(
            f(&pot, null(), 2, op, zp, 4, rp, 2, sp, len),
            GfStatus::NullPointer
        );
        assert_eq!(
            f(&pot, &p, 2, null(), zp, 4, rp, 2, sp, len),
            GfStatus::NullPointer
        );
        assert_eq!(
            f(&pot, &p, 2, op, null_mut(), 4, rp, 2, sp, len),
            GfStatus::NullPointer
        );
        assert_eq!(
            f(&pot, &p, 2, op, zp, 4, null_mut(), 2, sp, len),
            GfStatus::NullPointer
        );
        assert_eq!(
            f(&pot, &p, 2, op, zp, 4, rp, 2, null_mut(), len),
            GfStatus::NullPointer
        );
        assert_eq!(
            f(&pot, &p, 0, op, zp, 4, rp, 2, sp, len),
            GfStatus::ZeroCount
        );
        assert_eq!(
            f(&pot, &p, 2, op, zp, 4, rp, 1, sp, len),
            GfStatus::SizeMismatch
        );
        // The latents overlap the scratch; the observed rows overlap the latents.
        assert_eq!(
            f(&pot, &p, 2, op, sp, 4, rp, 2, sp.add(2), len - 2),
            GfStatus::AliasedBuffers
        );
        assert_eq!(
            f(&pot, &p, 2, zp, zp, 4, rp, 2, sp, len),
            GfStatus::AliasedBuffers
        );
        assert_eq!(
            f(&pot, &p, 2, op, zp, usize::MAX / 4, rp, 2, sp, len),
            GfStatus::SizeOverflow
        );
    }
    assert_eq!(z, z0);
    assert_eq!(r, r0);
}

#[test]
fn a_model_of_another_kind_is_refused() {
    let energy = model_bytes(ModelKind::Energy, 1);
    let velocity = model_bytes(ModelKind::Velocity, 3);
    let (e, v) = (open(&energy), open(&velocity));
    // A potential can only be made of an energy model.
    let mut out = core::mem::MaybeUninit::<GfPotential>::uninit();
    // SAFETY: valid pointers.
    assert_eq!(
        unsafe { gf_potential_model(&v, out.as_mut_ptr()) },
        GfStatus::ModelWrongKind
    );
    // A potential whose model was swapped for a velocity field after the fact.
    let mut pot = potential(&e);
    pot.model = &v;
    let p = params(GF_SAMPLER_MALA, 0.1);
    let (mut z, mut r, mut s) = ([0.0; 2], rngs(1, 1), vec![0.0; 4096]);
    assert_eq!(
        call(
            &pot,
            1,
            GF_SAMPLER_MALA,
            &p,
            &[0.0],
            &mut z,
            &mut r,
            1,
            &mut s,
            null_mut()
        ),
        GfStatus::ModelWrongKind
    );
    // A potential whose dimension was overwritten.
    let mut pot = potential(&e);
    pot.dim = 5;
    let mut z4 = [0.0; 4];
    assert_eq!(
        call(
            &pot,
            1,
            GF_SAMPLER_MALA,
            &p,
            &[0.0],
            &mut z4,
            &mut r,
            1,
            &mut s,
            null_mut()
        ),
        GfStatus::SizeMismatch
    );
}

#[test]
fn a_latent_energy_model_is_the_joint_energy_with_its_recorded_split() {
    let (plain, latent) = (model_bytes(ModelKind::Energy, 1), latent_model_bytes());
    let (pm, lm) = (open(&plain), open(&latent));
    assert_eq!((lm.kind, lm.x_dim, lm.z_dim), (4, 1, 2));
    let (pp, lp) = (potential(&pm), potential(&lm));
    assert_eq!(lp.dim, 3, "the potential is over joint rows (x, z)");
    // As an energy, the latent model is the plain one: same weights, same input.
    let (pv, lv) = (
        ModelView::parse(&plain).unwrap(),
        ModelView::parse(&latent).unwrap(),
    );
    let (mut s1, mut s2) = (vec![0.0; pv.scratch_len()], vec![0.0; lv.scratch_len()]);
    let (pe, le) = (
        ModelEval::energy(&pv, &mut s1).unwrap(),
        ModelEval::energy(&lv, &mut s2).unwrap(),
    );
    assert_eq!(gradflow_core::Energy::dim(&le), 3);
    let row = [0.3f64, -0.7, 1.1];
    let (mut g1, mut g2) = ([0.0; 3], [0.0; 3]);
    let e1 = gradflow_core::Energy::energy_grad(&pe, &row, &mut g1).unwrap();
    let e2 = gradflow_core::Energy::energy_grad(&le, &row, &mut g2).unwrap();
    assert!(e1.is_finite());
    assert_eq!((e1, g1), (e2, g2));
    // The recorded split samples exactly as the plain model split at 1.
    let p = params(GF_SAMPLER_MALA, 0.5);
    let n = 4;
    let observed: Vec<f64> = (0..n).map(|i| i as f64 - 1.5).collect();
    let z0: Vec<f64> = (0..2 * n).map(|i| (i as f64).cos()).collect();
    let run = |pot: &GfPotential| {
        let len = scratch_len(pot, 1, GF_SAMPLER_MALA).unwrap();
        let (mut z, mut r, mut s) = (z0.clone(), rngs(9, n), vec![0.0; len]);
        let st = call(
            pot,
            1,
            GF_SAMPLER_MALA,
            &p,
            &observed,
            &mut z,
            &mut r,
            20,
            &mut s,
            null_mut(),
        );
        assert_eq!(st, GfStatus::Ok);
        z
    };
    let z = run(&lp);
    assert_ne!(z, z0, "the latents moved");
    assert_eq!(z, run(&pp));
    // Another split is refused for the latent model, by both calls, changing nothing...
    assert_eq!(
        scratch_len(&lp, 2, GF_SAMPLER_MALA),
        Err(GfStatus::InvalidParameter)
    );
    let obs2: Vec<f64> = (0..2 * n).map(|i| i as f64 * 0.1).collect();
    let (mut z1, mut r) = (vec![0.25; n], rngs(9, n));
    let r0 = r.clone();
    let mut s = vec![0.0; 4096];
    for (pot, records_split) in [(&lp, true), (&pp, false)] {
        let st = call(
            pot,
            2,
            GF_SAMPLER_MALA,
            &p,
            &obs2,
            &mut z1,
            &mut r,
            5,
            &mut s,
            null_mut(),
        );
        if records_split {
            assert_eq!(st, GfStatus::InvalidParameter);
            assert_eq!(z1, vec![0.25; n]);
            assert_eq!(r, r0);
        } else {
            // ...while the plain model may be split anywhere in 0 < x_dim < d.
            assert_eq!(st, GfStatus::Ok);
            assert_ne!(z1, vec![0.25; n]);
        }
    }
    assert!(scratch_len(&pp, 2, GF_SAMPLER_MALA).is_ok());
}
