//! The one per-particle evaluator (`nn::Network`) against finite differences, on both
//! parameter storages: model-file bytes (little-endian `f32`, read in place) and scalars in
//! memory, for architectures of uneven widths. The const-generic front-end (`Mlp`) is
//! checked the same way in `gradients.rs`.

mod common;

use common::{central_difference, normal_vec};
use gradflow_core::model::{Architecture, ModelKind, ModelView, encode, encoded_len};
use gradflow_core::nn::Network;
use gradflow_core::{Activation, Error};

/// Hidden widths that are and are not multiples of the 8 summation lanes, widening and
/// narrowing.
const WIDTHS: &[usize] = &[5, 11, 3];

/// An energy on 3 inputs, and a velocity field on 2 (+ t) with 2 outputs.
fn architectures(act: Activation) -> [(Architecture, Vec<f64>); 2] {
    [
        (
            Architecture::mlp(ModelKind::Energy, act, 3, WIDTHS, 1).unwrap(),
            vec![1.0],
        ),
        (
            Architecture::mlp(ModelKind::Velocity, act, 2, WIDTHS, 2).unwrap(),
            vec![0.8, -1.3],
        ),
    ]
}

/// Random weights and biases (all non-zero, so every term is exercised).
fn weights(arch: &Architecture, seed: u64) -> Vec<f32> {
    normal_vec(seed, arch.n_params(), 0.7)
        .into_iter()
        .map(|w| w as f32)
        .collect()
}

fn file(arch: &Architecture, params: &[f32]) -> Vec<u8> {
    let mut bytes = vec![0u8; encoded_len(arch)];
    encode(arch, params, &mut bytes).unwrap();
    bytes
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// c·y(input), evaluated in f64 from the model bytes of `params`.
fn objective_from_bytes(arch: &Architecture, params: &[f32], input: &[f64], c: &[f64]) -> f64 {
    let bytes = file(arch, params);
    let view = ModelView::parse(&bytes).unwrap();
    let net = view.network();
    let mut out = vec![0.0; arch.out_dim()];
    let mut scratch = vec![0.0; net.forward_scratch_len()];
    net.forward(input, &mut out, &mut scratch).unwrap();
    dot(c, &out)
}

/// Bytes storage: the input gradient and the parameter VJP of c·y against central
/// differences in f64, for every activation. A perturbed weight must be an `f32` to be
/// stored, so the steps are the exact differences of the rounded weights: the one-sided
/// steps then differ by an `f32` ulp (≤ 2.4e-7 here), which adds an error of that order
/// times y″, far below the 1e-5 tolerance; truncation with h = 1e-4 is O(h²·y‴) ≈ 1e-9.
#[test]
fn bytes_storage_gradients_match_finite_differences() {
    for (seed, act) in Activation::ALL.into_iter().enumerate() {
        for (arch, c) in architectures(act) {
            let params = weights(&arch, 10 + seed as u64);
            let bytes = file(&arch, &params);
            let view = ModelView::parse(&bytes).unwrap();
            let net = view.network();
            let input = normal_vec(40 + seed as u64, arch.in_dim(), 1.2);
            let mut out = vec![0.0; arch.out_dim()];
            let mut grad_input = vec![0.0; arch.in_dim()];
            let mut grad_params = vec![0.0; arch.n_params()];
            let mut scratch = vec![0.0; net.vjp_scratch_len()];
            net.vjp(
                &input,
                &c,
                &mut out,
                &mut grad_input,
                Some(&mut grad_params),
                &mut scratch,
            )
            .unwrap();
            let y = objective_from_bytes(&arch, &params, &input, &c);
            assert_eq!(dot(&c, &out), y, "{act:?}: vjp and forward disagree");

            let objective = |x: &[f64]| objective_from_bytes(&arch, &params, x, &c);
            for (i, g) in grad_input.iter().enumerate() {
                let fd = central_difference(objective, &input, i, 1e-5);
                assert!(
                    (g - fd).abs() <= 1e-6 * g.abs().max(1.0),
                    "{act:?} {:?}: dx[{i}] = {g}, finite difference {fd}",
                    arch.kind
                );
            }
            for (i, g) in grad_params.iter().enumerate() {
                let theta = f64::from(params[i]);
                let (mut up, mut down) = (params.clone(), params.clone());
                up[i] = (theta + 1e-4) as f32;
                down[i] = (theta - 1e-4) as f32;
                let step = f64::from(up[i]) - f64::from(down[i]);
                let fd = (objective_from_bytes(&arch, &up, &input, &c)
                    - objective_from_bytes(&arch, &down, &input, &c))
                    / step;
                assert!(
                    (g - fd).abs() <= 1e-5 * g.abs().max(1.0),
                    "{act:?} {:?}: dθ[{i}] = {g}, finite difference {fd}",
                    arch.kind
                );
            }
        }
    }
}

/// Scalars in memory with a runtime architecture: the same checks in plain f64 (steps
/// 1e-6, tolerance 1e-6 relative, as for the const-generic network), and a second VJP adds
/// the same parameter gradient again.
#[test]
fn slice_storage_gradients_match_finite_differences() {
    for (seed, act) in Activation::ALL.into_iter().enumerate() {
        for (arch, c) in architectures(act) {
            let params = normal_vec(70 + seed as u64, arch.n_params(), 0.7);
            let net = Network::new(arch, &params[..]);
            assert_eq!(net.n_params(), arch.n_params());
            let input = normal_vec(90 + seed as u64, arch.in_dim(), 1.2);
            let mut out = vec![0.0; arch.out_dim()];
            let mut grad_input = vec![0.0; arch.in_dim()];
            let mut grad_params = vec![0.0; arch.n_params()];
            let mut scratch = vec![0.0; net.vjp_scratch_len()];
            net.vjp(
                &input,
                &c,
                &mut out,
                &mut grad_input,
                Some(&mut grad_params),
                &mut scratch,
            )
            .unwrap();

            let eval = |theta: &[f64], x: &[f64]| {
                let mut y = vec![0.0; arch.out_dim()];
                let mut s = vec![0.0; net.forward_scratch_len()];
                Network::new(arch, theta)
                    .forward(x, &mut y, &mut s)
                    .unwrap();
                dot(&c, &y)
            };
            assert_eq!(dot(&c, &out), eval(&params, &input));
            for (i, g) in grad_input.iter().enumerate() {
                let fd = central_difference(|x| eval(&params, x), &input, i, 1e-6);
                assert!(
                    (g - fd).abs() <= 1e-6 * g.abs().max(1.0),
                    "{act:?}: dx[{i}] = {g}, finite difference {fd}"
                );
            }
            for (i, g) in grad_params.iter().enumerate() {
                let fd = central_difference(|theta| eval(theta, &input), &params, i, 1e-6);
                assert!(
                    (g - fd).abs() <= 1e-6 * g.abs().max(1.0),
                    "{act:?}: dθ[{i}] = {g}, finite difference {fd}"
                );
            }

            let once = grad_params.clone();
            net.vjp(
                &input,
                &c,
                &mut out,
                &mut grad_input,
                Some(&mut grad_params),
                &mut scratch,
            )
            .unwrap();
            for (a, b) in grad_params.iter().zip(&once) {
                assert!((a - 2.0 * b).abs() <= 1e-12 * b.abs().max(1.0));
            }
        }
    }
}

/// The bytes are little-endian `f32`: read in place they give the values, hence the bits,
/// of the same weights held as `f32` in memory.
#[test]
fn both_storages_read_the_same_weights() {
    let arch = Architecture::mlp(ModelKind::Energy, Activation::Silu, 3, WIDTHS, 1).unwrap();
    let params = weights(&arch, 3);
    let bytes = file(&arch, &params);
    let view = ModelView::parse(&bytes).unwrap();
    let in_memory = Network::new(arch, &params[..]);
    let input = [0.3f32, -1.1, 0.7];
    let (mut a, mut b) = ([0f32], [0f32]);
    let mut scratch = vec![0f32; in_memory.forward_scratch_len()];
    in_memory.forward(&input, &mut a, &mut scratch).unwrap();
    view.network()
        .forward(&input, &mut b, &mut scratch)
        .unwrap();
    assert_eq!(a[0].to_bits(), b[0].to_bits());
    for (i, w) in params.iter().enumerate() {
        assert_eq!(view.param(i), Some(*w));
    }
}

#[test]
fn every_length_is_checked() {
    let arch = Architecture::mlp(ModelKind::Energy, Activation::Tanh, 3, WIDTHS, 1).unwrap();
    let params = vec![0.1; arch.n_params()];
    let net = Network::new(arch, &params[..]);
    assert_eq!(net.forward_scratch_len(), 2 * 11);
    assert_eq!(net.vjp_scratch_len(), 2 * (5 + 11 + 3) + 2 * 11);
    let mut scratch = vec![0.0; net.vjp_scratch_len()];
    let (mut out, mut gx) = ([0.0], [0.0; 3]);
    let mismatch =
        |what| move |e: Error| matches!(e, Error::DimensionMismatch { what: w, .. } if w == what);
    let short = Network::new(arch, &params[1..]);
    let err = short
        .forward(&[0.0; 3], &mut out, &mut scratch)
        .unwrap_err();
    assert!(mismatch("model parameters")(err));
    let err = net.forward(&[0.0; 2], &mut out, &mut scratch).unwrap_err();
    assert!(mismatch("model input")(err));
    let err = net
        .forward(&[0.0; 3], &mut [0.0; 2], &mut scratch)
        .unwrap_err();
    assert!(mismatch("model output")(err));
    let err = net
        .forward(&[0.0; 3], &mut out, &mut [0.0; 21])
        .unwrap_err();
    assert_eq!(
        err,
        Error::ScratchTooSmall {
            needed: 22,
            found: 21
        }
    );
    let mut short_grad = vec![0.0; arch.n_params() - 1];
    let err = net
        .vjp(
            &[0.0; 3],
            &[1.0],
            &mut out,
            &mut gx,
            Some(&mut short_grad),
            &mut scratch,
        )
        .unwrap_err();
    assert!(mismatch("parameter gradient")(err));
    let err = net
        .vjp(
            &[0.0; 3],
            &[1.0, 2.0],
            &mut out,
            &mut gx,
            None,
            &mut scratch,
        )
        .unwrap_err();
    assert!(mismatch("model cotangent")(err));
    let err = net
        .vjp(
            &[0.0; 3],
            &[1.0],
            &mut out,
            &mut gx,
            None,
            &mut scratch[1..],
        )
        .unwrap_err();
    assert!(matches!(err, Error::ScratchTooSmall { .. }));
}
