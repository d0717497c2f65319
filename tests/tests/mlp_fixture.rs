//! The core's MLP energy against an independent float64 reference (numpy/JAX):
//! `tests/fixtures/mlp_energy_grad.json`, a 2→128→128→1 SiLU network at 16 points, from
//! weights in memory (`Mlp`) and from a model file's bytes (`ModelView`).

use gradflow_core::model::{Architecture, ModelKind, ModelView, encode, encoded_len};
use gradflow_core::{Activation, Energy, Mlp, MlpParams};
use serde_json::Value;

type Net<S> = Mlp<S, 2, 128, 1, 1>;

fn fixture() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/mlp_energy_grad.json");
    let text = std::fs::read_to_string(path).expect("fixture file is missing");
    serde_json::from_str(&text).expect("fixture is not valid JSON")
}

fn numbers(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(items) => items.iter().flat_map(numbers).collect(),
        Value::Number(n) => vec![n.as_f64().unwrap()],
        other => panic!("unexpected fixture value {other}"),
    }
}

/// The fixture's W1, b1, W2, b2, W3, b3 are row-vector (in × out) matrices: flattened
/// row-major in that order they are exactly the core's documented flat layout.
fn network(f: &Value) -> Net<f64> {
    let mut params = MlpParams::zeroed();
    let flat: Vec<f64> = ["W1", "b1", "W2", "b2", "W3", "b3"]
        .iter()
        .flat_map(|k| numbers(&f[*k]))
        .collect();
    params.as_flat_mut().copy_from_slice(&flat);
    Mlp::new(params, Activation::Silu)
}

/// Compares `eval(x) = (E, ∇E)` with the reference at all 16 points, each value to
/// `rel_tol` relative to max(1, |reference|).
fn assert_matches_reference(f: &Value, rel_tol: f64, eval: impl Fn([f64; 2]) -> (f64, [f64; 2])) {
    let (xs, es, gs) = (numbers(&f["x"]), numbers(&f["E"]), numbers(&f["grad_E"]));
    assert_eq!((xs.len(), es.len(), gs.len()), (32, 16, 32));
    for k in 0..16 {
        let (e, g) = eval([xs[2 * k], xs[2 * k + 1]]);
        let close = |v: f64, r: f64| (v - r).abs() <= rel_tol * r.abs().max(1.0);
        assert!(close(e, es[k]), "E[{k}] {e} vs {}", es[k]);
        for i in 0..2 {
            assert!(
                close(g[i], gs[2 * k + i]),
                "grad[{k}][{i}] {} vs {}",
                g[i],
                gs[2 * k + i]
            );
        }
    }
}

/// f64 agrees with the reference to 1e-12 relative: a 128-term dot product accumulates
/// rounding of order 128·ε ≈ 3e-14 per layer, and our exp is within 2 ulp of numpy's.
#[test]
fn f64_energy_and_gradient_match_reference() {
    let f = fixture();
    let net = Box::new(network(&f));
    assert_matches_reference(&f, 1e-12, |x| {
        let mut g = [0.0; 2];
        (net.energy_grad(&x, &mut g).unwrap(), g)
    });
}

/// f32 agrees to 1e-4 relative to max(1, |value|): f32 rounding (6e-8) amplified by two
/// 128-wide layers and weights of norm ~1 stays near 1e-5.
#[test]
fn f32_energy_and_gradient_match_reference() {
    let f = fixture();
    let net64 = network(&f);
    let mut p32 = MlpParams::<f32, 2, 128, 1, 1>::zeroed();
    for (a, b) in p32.as_flat_mut().iter_mut().zip(net64.params.as_flat()) {
        *a = *b as f32;
    }
    let net = Box::new(Mlp::new(p32, Activation::Silu));
    assert_matches_reference(&f, 1e-4, |x| {
        let mut g = [0.0f32; 2];
        let e = net
            .energy_grad(&[x[0] as f32, x[1] as f32], &mut g)
            .unwrap();
        (f64::from(e), g.map(f64::from))
    });
}

/// The same network as a model file (weights rounded to `f32`, evaluated in place from the
/// bytes): in f64 it agrees to 1e-5 relative (weight rounding, 6e-8 relative, amplified as
/// for the f32 network but with f64 arithmetic), in f32 to 1e-4 as above.
#[test]
fn model_file_energy_and_gradient_match_reference() {
    let f = fixture();
    let net64 = network(&f);
    let weights: Vec<f32> = net64.params.as_flat().iter().map(|&w| w as f32).collect();
    let arch = Architecture::mlp(ModelKind::Energy, Activation::Silu, 2, &[128, 128], 1).unwrap();
    let mut bytes = vec![0u8; encoded_len(&arch)];
    encode(&arch, &weights, &mut bytes).unwrap();
    let view = ModelView::parse(&bytes).unwrap();
    let mut s64 = vec![0.0f64; view.scratch_len()];
    let s64 = std::cell::RefCell::new(&mut s64[..]);
    assert_matches_reference(&f, 1e-5, |x| {
        let mut g = [0.0; 2];
        let e = view.energy_grad(&x, &mut g, &mut s64.borrow_mut()).unwrap();
        (e, g)
    });
    let mut s32 = vec![0.0f32; view.scratch_len()];
    let s32 = std::cell::RefCell::new(&mut s32[..]);
    assert_matches_reference(&f, 1e-4, |x| {
        let mut g = [0.0f32; 2];
        let x32 = [x[0] as f32, x[1] as f32];
        let e = view
            .energy_grad(&x32, &mut g, &mut s32.borrow_mut())
            .unwrap();
        (f64::from(e), g.map(f64::from))
    });
}
