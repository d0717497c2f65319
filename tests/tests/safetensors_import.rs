//! Importing a PyTorch-layout MLP from safetensors (fixture made by
//! `tests/fixtures/make_torch_mlp.py` with the safetensors package) and exporting back.

use gradflow::modelio::{ModelBytes, ModelIoError};

const FIXTURE: &[u8] = include_bytes!("../fixtures/torch_mlp.safetensors");
const EXPECTED: &str = include_str!("../fixtures/torch_mlp.json");

/// Energies and gradients agree with NumPy's float64 evaluation of the same float32
/// weights; only summation order and tanh's last bits differ, so 1e-12 relative is ample.
#[test]
fn imported_model_matches_numpy() {
    let model = ModelBytes::from_safetensors(FIXTURE).expect("import");
    let view = model.view();
    assert_eq!(view.architecture().widths().collect::<Vec<_>>(), [5, 4]);
    let expected: serde_json::Value = serde_json::from_str(EXPECTED).unwrap();
    let mut scratch = vec![0.0f64; view.scratch_len()];
    let points = expected["points"].as_array().unwrap();
    for (k, p) in points.iter().enumerate() {
        let x: Vec<f64> = p
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let mut g = vec![0.0; 3];
        let e = view.energy_grad(&x, &mut g, &mut scratch).unwrap();
        let e_ref = expected["energy"][k].as_f64().unwrap();
        assert!(
            (e - e_ref).abs() <= 1e-12 * e_ref.abs().max(1.0),
            "{e} vs {e_ref}"
        );
        for i in 0..3 {
            let g_ref = expected["grad"][k][i].as_f64().unwrap();
            assert!((g[i] - g_ref).abs() <= 1e-12 * g_ref.abs().max(1.0));
        }
    }
}

#[test]
fn export_then_import_gives_the_same_model_file() {
    let model = ModelBytes::from_safetensors(FIXTURE).unwrap();
    let again = ModelBytes::from_safetensors(&model.to_safetensors().unwrap()).unwrap();
    assert_eq!(model, again);
}

#[test]
fn files_outside_the_layout_get_a_clear_error() {
    let err = |bytes: &[u8]| match ModelBytes::from_safetensors(bytes) {
        Err(ModelIoError::Safetensors(msg)) => msg,
        Err(e @ ModelIoError::SafetensorsFile(_)) => {
            // The library's own error is the source, for callers that walk the chain.
            assert!(std::error::Error::source(&e).is_some(), "{e:?}");
            e.to_string()
        }
        other => panic!("expected a safetensors error, got {other:?}"),
    };
    assert!(!err(b"not safetensors").is_empty());
    // Drop the kind from the metadata (same length, so the offsets stay valid).
    let mut bytes = FIXTURE.to_vec();
    let at = bytes
        .windows(13)
        .position(|w| w == b"gradflow.kind")
        .expect("fixture has a kind");
    bytes[at + 9..at + 13].copy_from_slice(b"xxxx");
    let msg = err(&bytes);
    assert!(msg.contains("gradflow.kind"), "{msg}");
}
