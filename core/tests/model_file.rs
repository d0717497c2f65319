//! Model files: the view's front-end (kinds, time input, the sampler adapters) and every
//! kind of bad bytes rejected with its own error. The network it evaluates is checked
//! against finite differences in `network.rs`.

use gradflow_core::model::{
    Architecture, ModelError, ModelEval, ModelKind, ModelView, TimeInput, crc32, encode,
    encode_with_units, encoded_len, encoded_len_with_units,
};
use gradflow_core::{Activation, Energy, Error, Mlp, MlpParams, OdeSolver, StreamRng};

fn file(arch: &Architecture, params: &[f32]) -> Vec<u8> {
    let mut bytes = vec![0u8; encoded_len(arch)];
    encode(arch, params, &mut bytes).unwrap();
    bytes
}

fn random_params<const IN: usize, const W: usize, const D: usize, const OUT: usize>(
    seed: u64,
) -> MlpParams<f32, IN, W, D, OUT> {
    let mut p = MlpParams::<f32, IN, W, D, OUT>::zeroed();
    p.init_lecun_normal(&mut StreamRng::new(seed, 0));
    // Non-zero biases, so that their order of addition is exercised too.
    let mut rng = StreamRng::new(seed, 1);
    let n = p.as_flat().len();
    for w in p.as_flat_mut()[n - OUT..].iter_mut() {
        *w = 0.1 * rng.normal::<f32>();
    }
    p
}

fn promote<const IN: usize, const W: usize, const D: usize, const OUT: usize>(
    p: &MlpParams<f32, IN, W, D, OUT>,
) -> MlpParams<f64, IN, W, D, OUT> {
    let mut q = MlpParams::<f64, IN, W, D, OUT>::zeroed();
    for (a, b) in q.as_flat_mut().iter_mut().zip(p.as_flat()) {
        *a = *b as f64;
    }
    q
}

/// A velocity model appends t to x: its velocity is the network's output on `[x, t]`.
#[test]
fn velocity_is_the_network_on_x_then_t() {
    let p = random_params::<3, 24, 1, 2>(7);
    let arch = Architecture::mlp(ModelKind::Velocity, Activation::Silu, 2, &[24, 24], 2).unwrap();
    assert_eq!(arch.time_input, TimeInput::Appended);
    let bytes = file(&arch, p.as_flat());
    let view = ModelView::parse(&bytes).unwrap();
    let mut scratch = vec![0f32; view.scratch_len()];
    let mut rng = StreamRng::new(7, 5);
    for _ in 0..20 {
        let x = [rng.normal::<f32>(), rng.normal::<f32>()];
        let t = rng.uniform_open01() as f32;
        let mut v = [0f32; 2];
        view.velocity(&x, t, &mut v, &mut scratch).unwrap();
        let mut y = [0f32; 2];
        view.network()
            .forward(&[x[0], x[1], t], &mut y, &mut scratch)
            .unwrap();
        assert_eq!(v, y);
    }
}

/// A velocity model's evaluation error (here a short scratch) reaches the ODE solver's
/// caller as itself, not as a non-finite velocity, and the state is not moved.
#[test]
fn a_velocity_model_error_reaches_the_solver_caller() {
    let p = random_params::<3, 24, 1, 2>(7);
    let arch = Architecture::mlp(ModelKind::Velocity, Activation::Silu, 2, &[24, 24], 2).unwrap();
    let bytes = file(&arch, p.as_flat());
    let view = ModelView::parse(&bytes).unwrap();
    let needed = view.scratch_len();
    let mut short = vec![0f64; needed - 1];
    let field = ModelEval::new_checked(&view, &mut short);
    let mut x = [0.5, -0.25];
    let mut solver_scratch = [0.0; 6];
    let err = OdeSolver::Rk4
        .integrate(&field, &mut x, 0.0, 1.0, 3, &mut solver_scratch)
        .unwrap_err();
    assert_eq!(
        err,
        Error::ScratchTooSmall {
            needed,
            found: needed - 1
        }
    );
    assert_eq!(x, [0.5, -0.25]);
}

#[test]
fn model_eval_is_an_energy_for_the_samplers() {
    let p = random_params::<2, 16, 1, 1>(3);
    let arch = Architecture::mlp(ModelKind::Energy, Activation::Tanh, 2, &[16, 16], 1).unwrap();
    let bytes = file(&arch, p.as_flat());
    let view = ModelView::parse(&bytes).unwrap();
    let mut scratch = vec![0f64; view.scratch_len()];
    let energy = ModelEval::energy(&view, &mut scratch).unwrap();
    let net = Mlp::new(promote(&p), Activation::Tanh);
    let x = [0.4, -1.1];
    let (mut g1, mut g2) = ([0.0; 2], [0.0; 2]);
    assert_eq!(
        energy.energy_grad(&x, &mut g1).unwrap(),
        net.energy_grad(&x, &mut g2).unwrap()
    );
    assert_eq!(g1, g2);
    // A wrong length is an error that says so, not a NaN or a panic.
    assert!(matches!(
        energy.energy_grad(&[1.0], &mut [0.0]),
        Err(gradflow_core::Error::DimensionMismatch { .. })
    ));
    // A failed evaluation reaches the sampler's caller as itself: a short scratch (only
    // possible through `new_checked`) stops MALA with that error, the state untouched,
    // instead of a NaN reported as "non-finite".
    let mut short = vec![0f64; view.scratch_len() - 1];
    let unchecked = ModelEval::new_checked(&view, &mut short);
    let mut state = x;
    let mut rng = StreamRng::new(1, 0);
    let mala = gradflow_core::Mala { step: 0.1 };
    let err = gradflow_core::Kernel::step(&mala, &unchecked, &mut state, &mut rng, &mut [0.0; 6]);
    assert!(matches!(err, Err(Error::ScratchTooSmall { .. })), "{err:?}");
    assert_eq!(state, x);
    // A velocity model is not an energy.
    let vel = Architecture::mlp(ModelKind::Velocity, Activation::Silu, 2, &[4], 2).unwrap();
    let vbytes = file(&vel, &vec![0.0; vel.n_params()]);
    let mut s = vec![0f64; 64];
    assert!(matches!(
        ModelEval::energy(&ModelView::parse(&vbytes).unwrap(), &mut s),
        Err(Error::Model(ModelError::WrongKind { .. }))
    ));
}

fn small_model() -> Vec<u8> {
    let p = random_params::<2, 8, 1, 1>(4);
    let arch = Architecture::mlp(ModelKind::Energy, Activation::Silu, 2, &[8, 8], 1).unwrap();
    file(&arch, p.as_flat())
}

fn model_error(bytes: &[u8]) -> ModelError {
    match ModelView::parse(bytes) {
        Err(Error::Model(e)) => e,
        other => panic!("expected a model error, got {other:?}"),
    }
}

/// Rewrites the checksum after a deliberate edit, so that the edit itself is what fails.
fn reseal(bytes: &mut [u8]) {
    let body = bytes.len() - 4;
    let crc = crc32(&bytes[..body]);
    bytes[body..].copy_from_slice(&crc.to_le_bytes());
}

#[test]
fn every_truncation_is_rejected() {
    let bytes = small_model();
    for len in 0..bytes.len() {
        match model_error(&bytes[..len]) {
            ModelError::Truncated { found, .. } => assert_eq!(found, len),
            e => panic!("length {len}: {e:?}"),
        }
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        model_error(&longer),
        ModelError::TrailingBytes { .. }
    ));
}

/// CRC-32 detects every single-bit error, so each of the file's bits, flipped, must be
/// rejected (by the checksum, or earlier by a header check).
#[test]
fn every_single_bit_flip_is_rejected() {
    let bytes = small_model();
    for bit in 0..8 * bytes.len() {
        let mut b = bytes.clone();
        b[bit / 8] ^= 1 << (bit % 8);
        assert!(
            ModelView::parse(&b).is_err(),
            "bit {bit} flipped went unnoticed"
        );
    }
}

#[test]
fn header_errors_have_their_own_codes() {
    let bytes = small_model();
    let mut b = bytes.clone();
    b[0] = b'G';
    assert_eq!(model_error(&b), ModelError::BadMagic);

    for version in [0u8, 3] {
        let mut b = bytes.clone();
        b[8] = version;
        reseal(&mut b);
        assert_eq!(
            model_error(&b),
            ModelError::UnsupportedVersion {
                found: version.into()
            }
        );
    }

    let mut b = bytes.clone();
    b[100] ^= 0x40;
    assert!(matches!(
        model_error(&b),
        ModelError::ChecksumMismatch { .. }
    ));

    for (offset, value) in [(16, 9u8), (20, 17), (24, 2), (40, 0), (44, 3), (48, 1)] {
        let mut b = bytes.clone();
        b[offset] = value;
        reseal(&mut b);
        assert!(
            matches!(model_error(&b), ModelError::BadArchitecture { .. }),
            "offset {offset}"
        );
    }
}

#[test]
fn architectures_outside_the_rules_are_refused() {
    let bad = |r: Result<Architecture, Error>| {
        assert!(matches!(
            r,
            Err(Error::Model(ModelError::BadArchitecture { .. }))
        ))
    };
    let s = Activation::Silu;
    bad(Architecture::mlp(ModelKind::Energy, s, 2, &[], 1));
    bad(Architecture::mlp(ModelKind::Energy, s, 2, &[8; 17], 1));
    bad(Architecture::mlp(ModelKind::Energy, s, 2, &[4097], 1));
    bad(Architecture::mlp(ModelKind::Energy, s, 0, &[8], 1));
    bad(Architecture::mlp(ModelKind::Energy, s, 2, &[8], 2));
    bad(Architecture::mlp(ModelKind::Velocity, s, 2, &[8], 3));
    bad(Architecture::latent_energy(s, 2, 0, &[8]));
    let a = Architecture::latent_energy(s, 2, 3, &[8]).unwrap();
    assert_eq!(a.in_dim(), 5);
    assert_eq!(a.n_params(), 6 * 8 + 9);
}

#[test]
fn nan_weights_are_not_written() {
    let arch = Architecture::mlp(ModelKind::Energy, Activation::Silu, 1, &[1], 1).unwrap();
    let mut out = vec![0u8; encoded_len(&arch)];
    assert!(encode(&arch, &[1.0, f32::NAN, 0.0, 0.0], &mut out).is_err());
}

/// Version 2: a units block after the weights. It reads back as written, leaves the
/// network's values alone, and is refused when a scale is not positive or a flag unknown;
/// a file without units is still written as version 1, and a version-2 header without
/// the units flag reads like it.
#[test]
fn units_are_recorded_in_version_2_and_checked() {
    let arch = Architecture::mlp(ModelKind::Energy, Activation::Silu, 2, &[16, 16], 1).unwrap();
    let params = random_params::<2, 16, 1, 1>(3);
    let plain = file(&arch, params.as_flat());
    assert_eq!(plain[8], 1, "no units: version 1");
    assert!(ModelView::units(&plain).unwrap().is_none());

    let (mean, scale) = ([0.5f32, -100.0], [0.01f32, 250.0]);
    let mut with = vec![0u8; encoded_len_with_units(&arch)];
    encode_with_units(&arch, params.as_flat(), &mean, &scale, &mut with).unwrap();
    assert_eq!(with.len(), plain.len() + 16);
    assert_eq!((with[8], with[48]), (2, 1));
    let view = ModelView::parse(&with).unwrap();
    let units = ModelView::units(&with).unwrap().unwrap();
    assert_eq!(units.dim(), 2);
    assert_eq!((units.mean(0), units.mean(1)), (Some(0.5), Some(-100.0)));
    assert_eq!((units.scale(0), units.scale(1)), (Some(0.01), Some(250.0)));
    assert_eq!((units.mean(2), units.scale(2)), (None, None));
    let (mut s1, mut s2) = ([0.0f64; 128], [0.0f64; 128]);
    let (mut g1, mut g2) = ([0.0; 2], [0.0; 2]);
    let x = [0.3, -0.7];
    let e1 = view.energy_grad(&x, &mut g1, &mut s1).unwrap();
    let e2 = ModelView::parse(&plain)
        .unwrap()
        .energy_grad(&x, &mut g2, &mut s2)
        .unwrap();
    assert_eq!((e1, g1), (e2, g2));
    // Every truncation of the longer file is still refused.
    for len in 0..with.len() {
        assert!(ModelView::parse(&with[..len]).is_err(), "length {len}");
    }

    // A zero, negative, NaN or infinite scale or a NaN mean: refused when written and,
    // forced into a file, when read.
    let weights_end = with.len() - 4 - 16;
    for (at, bad) in [
        (8, 0.0f32),
        (12, -1.0),
        (8, f32::NAN),
        (12, f32::INFINITY),
        (0, f32::NAN),
    ] {
        let (mut m, mut s) = (mean, scale);
        if at < 8 {
            m[0] = bad;
        } else {
            s[(at - 8) / 4] = bad;
        }
        let mut out = vec![0u8; with.len()];
        assert!(encode_with_units(&arch, params.as_flat(), &m, &s, &mut out).is_err());
        // The view (what the firmware reads) does not look at the units; reading them
        // refuses the file.
        let mut b = with.clone();
        b[weights_end + at..weights_end + at + 4].copy_from_slice(&bad.to_le_bytes());
        reseal(&mut b);
        assert!(ModelView::parse(&b).is_ok());
        assert!(
            matches!(
                ModelView::units(&b),
                Err(Error::Model(ModelError::BadArchitecture { .. }))
            ),
            "{at}: {bad}"
        );
    }
    // Wrong lengths of the units are refused.
    let mut out = vec![0u8; with.len()];
    assert!(encode_with_units(&arch, params.as_flat(), &mean[..1], &scale, &mut out).is_err());
    // Unknown flags, and the units flag in a version-1 header.
    for (version, flags) in [(2u8, 2u8), (2, 3), (1, 1)] {
        let mut b = with.clone();
        (b[8], b[48]) = (version, flags);
        reseal(&mut b);
        assert!(
            matches!(model_error(&b), ModelError::BadArchitecture { .. }),
            "version {version}, flags {flags}"
        );
    }
    // Version 2 without the flag: the version-1 layout.
    let mut b = plain.clone();
    b[8] = 2;
    reseal(&mut b);
    assert!(ModelView::units(&b).unwrap().is_none());
}
