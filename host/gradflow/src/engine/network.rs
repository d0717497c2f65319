//! A runtime-shaped MLP with its parameters, in the model-file layout.

use gradflow_core::model::{Architecture, ModelKind, ModelView};
use gradflow_core::{Activation, Scalar, StreamRng};

use super::error::{EngineError, expect_len};

/// An MLP of any [`Architecture`] with its parameters: for each layer k (inputs first), the
/// weight matrix `in_k × out_k` row-major (`y = x·W + b`) and then the bias, exactly as a
/// model file stores them, so [`Network::to_f32_params`] feeds
/// [`crate::modelio::ModelBytes::encode`].
#[derive(Clone, Debug, PartialEq)]
pub struct Network<S> {
    arch: Architecture,
    params: Vec<S>,
}

impl<S: Scalar> Network<S> {
    /// A network of `arch` with the given parameters (`arch.n_params()` of them).
    pub fn new(arch: Architecture, params: Vec<S>) -> Result<Self, EngineError> {
        expect_len("network parameters", arch.n_params(), params.len())?;
        Ok(Self { arch, params })
    }

    /// A network of `arch` with LeCun-normal weights (N(0, 1/in) per layer, drawn layer by
    /// layer in storage order from stream 0 of `seed`) and zero biases: the initialisation of
    /// the core's `MlpParams::init_lecun_normal`.
    pub fn init(arch: Architecture, seed: u64) -> Self {
        let mut params = vec![S::ZERO; arch.n_params()];
        let mut rng = StreamRng::new(seed, 0);
        let mut offset = 0;
        for k in 0..arch.n_layers() {
            let (i, o) = arch.layer_dims(k);
            let scale = S::ONE / S::from_usize(i).sqrt();
            for w in &mut params[offset..offset + i * o] {
                *w = scale * rng.normal::<S>();
            }
            offset += (i + 1) * o;
        }
        Self { arch, params }
    }

    /// An energy ℝ^x_dim → ℝ with the given hidden widths, initialised by [`Network::init`].
    pub fn energy(
        x_dim: usize,
        widths: &[usize],
        activation: Activation,
        seed: u64,
    ) -> Result<Self, EngineError> {
        let arch = Architecture::mlp(ModelKind::Energy, activation, x_dim, widths, 1)?;
        Ok(Self::init(arch, seed))
    }

    /// A latent-variable energy E(x, z) over joint rows `(x, z)` (x ∈ ℝ^x_dim first,
    /// z ∈ ℝ^z_dim), initialised by [`Network::init`]: the same network and weights as
    /// [`Network::energy`]`(x_dim + z_dim, ..)`, its model file recording the split.
    pub fn latent_energy(
        x_dim: usize,
        z_dim: usize,
        widths: &[usize],
        activation: Activation,
        seed: u64,
    ) -> Result<Self, EngineError> {
        let arch = Architecture::latent_energy(activation, x_dim, z_dim, widths)?;
        Ok(Self::init(arch, seed))
    }

    /// The network of a model file, its f32 weights widened to `S`.
    pub fn from_view(view: &ModelView<'_>) -> Self {
        let arch = *view.architecture();
        let params = (0..arch.n_params())
            .map(|i| S::from_f32(view.param(i).unwrap_or(f32::NAN)))
            .collect();
        Self { arch, params }
    }

    /// The architecture.
    pub fn architecture(&self) -> &Architecture {
        &self.arch
    }

    /// The flat parameters.
    pub fn params(&self) -> &[S] {
        &self.params
    }

    /// The flat parameters, for an optimiser.
    pub fn params_mut(&mut self) -> &mut [S] {
        &mut self.params
    }

    /// The parameters as f32, for a model file.
    pub fn to_f32_params(&self) -> Vec<f32> {
        self.params.iter().map(|p| p.to_f64() as f32).collect()
    }

    /// The same function of inputs in other units: a network that was trained on inputs
    /// `uᵢ = (xᵢ − shift[i]) / scale[i]` for its first `shift.len()` inputs (the others,
    /// such as an appended time, unchanged) becomes a network of x. Exact up to rounding:
    /// the first layer's weights are divided by the scales and its bias absorbs the
    /// shift.
    pub fn fold_input_affine(&mut self, shift: &[S], scale: &[S]) {
        let (i, o) = self.arch.layer_dims(0);
        assert!(shift.len() == scale.len() && shift.len() <= i);
        let (w, rest) = self.params.split_at_mut(i * o);
        let bias = &mut rest[..o];
        for (row, (&m, &s)) in w.chunks_exact_mut(o).zip(shift.iter().zip(scale)) {
            for (wij, bj) in row.iter_mut().zip(bias.iter_mut()) {
                *wij /= s;
                *bj -= m * *wij;
            }
        }
    }

    /// The same function with its outputs multiplied by `scale` (one per output): the last
    /// layer's weight columns and biases are scaled.
    pub fn fold_output_scale(&mut self, scale: &[S]) {
        let last = self.arch.n_layers() - 1;
        let offset = layer_offset(&self.arch, last);
        let (i, o) = self.arch.layer_dims(last);
        assert_eq!(scale.len(), o);
        for row in self.params[offset..offset + (i + 1) * o].chunks_exact_mut(o) {
            for (p, &s) in row.iter_mut().zip(scale) {
                *p *= s;
            }
        }
    }

    /// Layer k's weight (`in × out`, row-major) and bias, and its sizes (in, out).
    pub(crate) fn layer(&self, k: usize) -> (&[S], &[S], usize, usize) {
        let offset = layer_offset(&self.arch, k);
        let (i, o) = self.arch.layer_dims(k);
        let (w, rest) = self.params[offset..].split_at(i * o);
        (w, &rest[..o], i, o)
    }
}

/// Index of layer k's first parameter in the flat layout.
pub(crate) fn layer_offset(arch: &Architecture, k: usize) -> usize {
    (0..k)
        .map(|j| {
            let (i, o) = arch.layer_dims(j);
            (i + 1) * o
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Backend, CpuBackend};

    /// A folded network of x equals the original network of u = (x − shift)/scale, its
    /// outputs scaled, with the appended time left alone.
    #[test]
    fn folding_an_affine_map_into_the_weights_changes_the_units_only() {
        let arch = Architecture::mlp(ModelKind::Velocity, Activation::Silu, 3, &[8, 8], 3)
            .expect("a valid architecture");
        let net = Network::<f64>::init(arch, 5);
        let (shift, scale) = ([1e3, -2.0, 0.5], [100.0, 0.01, 1.0]);
        let mut folded = net.clone();
        folded.fold_input_affine(&shift, &scale);
        folded.fold_output_scale(&scale);
        let cpu = CpuBackend::new(1);
        let mut rng = StreamRng::new(3, 0);
        let (mut x, mut u) = (Vec::new(), Vec::new());
        for _ in 0..5 {
            let t = rng.uniform_open01();
            for k in 0..3 {
                let xk = shift[k] + scale[k] * rng.normal::<f64>();
                x.push(xk);
                u.push((xk - shift[k]) / scale[k]);
            }
            x.push(t);
            u.push(t);
        }
        let (mut y_folded, mut y) = (vec![0.0; 15], vec![0.0; 15]);
        cpu.forward(&folded, &x, &mut y_folded).unwrap();
        cpu.forward(&net, &u, &mut y).unwrap();
        for (k, (a, b)) in y_folded.iter().zip(&y).enumerate() {
            let expected = scale[k % 3] * b;
            assert!(
                (a - expected).abs() <= 1e-9 * (1.0 + expected.abs()),
                "{k}: {a} vs {expected}"
            );
        }
    }
}
