//! A tiny energy model file shared by the plot tests of the library and of the CLI.

use gradflow::modelio::ModelBytes;
use gradflow_core::Activation;
use gradflow_core::model::{Architecture, ModelKind};

/// E(x, y) = |x| as a 2 → 2 → 1 ReLU MLP: ReLU(x) + ReLU(−x).
pub fn abs_model() -> ModelBytes {
    let arch = Architecture::mlp(ModelKind::Energy, Activation::Relu, 2, &[2], 1).unwrap();
    // Layer 0 ([in][out]) and bias, layer 1 ([in][out]) and bias.
    let params = [1.0, -1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0];
    ModelBytes::encode(&arch, &params).unwrap()
}
