//! An MLP's forward and backward passes over n particles on the GPU: one cuBLAS gemm per
//! layer and direction, with the bias, activation and its derivative fused into one
//! element-wise kernel after each forward product. The same passes as the CPU tile path
//! (`engine/tile.rs`), on the whole batch at once.

use cudarc::driver::CudaSlice;

use super::super::{EngineError, Network};
use super::CudaScalar;
use super::gpu::Gpu;
use super::layout::Operand;

/// Where each layer's parameters lie in the flat vector, and the activation.
#[derive(Clone, Debug)]
struct Layers {
    /// (offset of the weight, inputs, outputs) per layer, inputs first; the bias follows
    /// the weight.
    dims: Vec<(usize, usize, usize)>,
    /// The hidden layers' activation code (`Activation as i32`).
    act: i32,
}

impl Layers {
    /// The layers of `net`.
    fn of<S: CudaScalar>(net: &Network<S>) -> Self {
        let arch = net.architecture();
        let mut offset = 0;
        let dims = (0..arch.n_layers())
            .map(|k| {
                let (i, o) = arch.layer_dims(k);
                let at = offset;
                offset += (i + 1) * o;
                (at, i, o)
            })
            .collect();
        Self {
            dims,
            act: arch.activation as i32,
        }
    }

    fn hidden(&self) -> usize {
        self.dims.len() - 1
    }
}

/// A network on the device with the buffers of its passes over n particles: its layers
/// and parameters, each hidden layer's activations and derivatives, the outputs, two
/// back-propagation buffers, and n ones (the cotangent of an energy, and the bias
/// gradient's reduction).
pub struct Tape<S> {
    layers: Layers,
    params: CudaSlice<S>,
    n: usize,
    acts: Vec<CudaSlice<S>>,
    derivs: Vec<CudaSlice<S>>,
    /// The network's outputs (n × out_dim).
    pub out: CudaSlice<S>,
    delta: [CudaSlice<S>; 2],
    ones: CudaSlice<S>,
}

impl<S: CudaScalar> Tape<S> {
    /// `net` on the device, with buffers for n particles.
    pub fn new(gpu: &Gpu, net: &Network<S>, n: usize) -> Result<Self, EngineError> {
        let layers = Layers::of(net);
        let hidden = &layers.dims[..layers.hidden()];
        let widest = layers
            .dims
            .iter()
            .map(|&(_, i, o)| i.max(o))
            .max()
            .unwrap_or(1);
        let per_layer = |gpu: &Gpu| -> Result<Vec<CudaSlice<S>>, EngineError> {
            hidden.iter().map(|&(_, _, o)| gpu.zeros(n * o)).collect()
        };
        let out_dim = layers.dims[layers.hidden()].2;
        let mut ones = gpu.zeros(n)?;
        gpu.fill(&mut ones, S::ONE)?;
        Ok(Self {
            params: gpu.upload(net.params())?,
            n,
            acts: per_layer(gpu)?,
            derivs: per_layer(gpu)?,
            out: gpu.zeros(n * out_dim)?,
            delta: [gpu.zeros(n * widest)?, gpu.zeros(n * widest)?],
            ones,
            layers,
        })
    }

    /// `out ← net(x)` for the n particles of `x` (n × in_dim), keeping the activations and,
    /// if `derivs`, their derivatives for [`Tape::backward`].
    pub fn forward(
        &mut self,
        gpu: &Gpu,
        x: &CudaSlice<S>,
        derivs: bool,
    ) -> Result<(), EngineError> {
        let n = self.n;
        let layers = &self.layers;
        let last = layers.hidden();
        for (k, &(offset, i, o)) in layers.dims.iter().enumerate() {
            let weight = self.params.slice(offset..offset + i * o);
            let bias = self.params.slice(offset + i * o..offset + (i + 1) * o);
            let (done, rest) = self.acts.split_at_mut(k.min(last));
            let target = if k == last {
                &mut self.out
            } else {
                &mut rest[0]
            };
            let input = (Operand::plain(n, i), Operand::plain(i, o));
            match k {
                0 => gpu.gemm((x, input.0), (&weight, input.1), S::ZERO, target)?,
                _ => gpu.gemm((&done[k - 1], input.0), (&weight, input.1), S::ZERO, target)?,
            }
            let (deriv, act) = match (k == last, derivs) {
                (true, _) => (None, -1),
                (false, true) => (Some(&mut self.derivs[k]), layers.act),
                (false, false) => (None, layers.act),
            };
            gpu.bias_act(target, deriv, &bias, (n, o), act)?;
        }
        Ok(())
    }

    /// Back-propagates the cotangent `cot` (n × out_dim; `None`: all ones, the cotangent
    /// of a scalar energy) of the last [`Tape::forward`] (which kept derivatives): the
    /// parameter gradient of `Σᵢ ⟨cotᵢ, y(xᵢ)⟩` into `grad_params` and the input
    /// gradients into `grad_x` (n × in_dim), each if given.
    pub fn backward(
        &mut self,
        gpu: &Gpu,
        x: &CudaSlice<S>,
        cot: Option<&CudaSlice<S>>,
        mut grad_params: Option<&mut CudaSlice<S>>,
        mut grad_x: Option<&mut CudaSlice<S>>,
    ) -> Result<(), EngineError> {
        let n = self.n;
        let layers = &self.layers;
        let last = layers.hidden();
        let cot = cot.unwrap_or(&self.ones);
        // δ of layer k lives in delta[k % 2] (the output layer's is `cot` itself).
        for k in (0..=last).rev() {
            let (offset, i, o) = layers.dims[k];
            let [even, odd] = &mut self.delta;
            let (here, next) = if k % 2 == 0 { (even, odd) } else { (odd, even) };
            if k < last {
                gpu.mul_elem(here, &self.derivs[k], n * o)?;
            }
            let delta = if k == last { cot } else { &*here };
            let dz = (delta, Operand::plain(n, o));
            if let Some(g) = grad_params.as_deref_mut() {
                let input = if k == 0 { x } else { &self.acts[k - 1] };
                let mut dw = g.slice_mut(offset..offset + i * o);
                gpu.gemm((input, Operand::transposed(n, i)), dz, S::ZERO, &mut dw)?;
                let mut db = g.slice_mut(offset + i * o..offset + (i + 1) * o);
                gpu.gemm((&self.ones, Operand::plain(1, n)), dz, S::ZERO, &mut db)?;
            }
            let weight = self.params.slice(offset..offset + i * o);
            let w_t = (&weight, Operand::transposed(i, o));
            match (k, grad_x.as_deref_mut()) {
                (0, Some(gx)) => gpu.gemm(dz, w_t, S::ZERO, gx)?,
                (0, None) => {}
                _ => gpu.gemm(dz, w_t, S::ZERO, next)?,
            }
        }
        Ok(())
    }
}
