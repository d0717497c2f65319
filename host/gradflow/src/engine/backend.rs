//! The operations the training loops need from a compute device.

use gradflow_core::StreamRng;

use super::{EngineError, Network};

/// A compute device for batches of particles: the CPU ([`super::CpuBackend`]) or a GPU.
/// The training loops are written against this trait only, so a new device needs no change
/// to them. Batches are host slices, particle-major (`n × dim`, row-major); a device backend
/// copies them across and may keep the parameters resident between calls.
pub trait Backend<S>: Send + Sync {
    /// A short description for logs and benchmark tables, e.g. `cpu (2 threads)`.
    fn describe(&self) -> String;

    /// `out[i] = y(x_i)` for every particle (`out`: n × out_dim).
    fn forward(&self, net: &Network<S>, x: &[S], out: &mut [S]) -> Result<(), EngineError>;

    /// Values `y(x_i)` and input gradients `∇y(x_i)` of a scalar-output network.
    fn value_grad(
        &self,
        net: &Network<S>,
        x: &[S],
        value: &mut [S],
        grad: &mut [S],
    ) -> Result<(), EngineError>;

    /// Writes into `grad_params` the parameter gradient of `Σᵢ ⟨cot_i, y(x_i)⟩` (`cot`:
    /// n × out_dim), the building block of every loss: e.g. `cot_i = w_i` for a weighted
    /// sum of energies, `cot_i = 2(y_i − t_i)/n` for a mean squared error.
    fn param_grad(
        &self,
        net: &Network<S>,
        x: &[S],
        cot: &[S],
        grad_params: &mut [S],
    ) -> Result<(), EngineError>;

    /// [`Backend::param_grad`] for a cotangent that depends on the outputs, with one
    /// forward pass: computes the outputs `y` (n × out_dim), calls `cotangent(y, cot)` once
    /// to fill `cot` (n × out_dim, zeroed), then writes into `grad_params` the parameter
    /// gradient of `Σᵢ ⟨cot_i, y(x_i)⟩`: the arithmetic of `forward` then `param_grad`
    /// (on the CPU, the same bits) without the second forward pass. The closure is where a
    /// loss is computed, e.g. a mean squared error's `Σᵢ ‖y_i − t_i‖²` with
    /// `cot_i = 2(y_i − t_i)/n`. It runs on the calling thread while no lock of the backend
    /// is held. The CPU keeps every tile's activations until the backward pass (memory
    /// ∝ n × the network's widths), where `param_grad` streams them.
    fn forward_backward(
        &self,
        net: &Network<S>,
        x: &[S],
        cotangent: &mut dyn FnMut(&[S], &mut [S]),
        grad_params: &mut [S],
    ) -> Result<(), EngineError>;

    /// `steps` unadjusted Langevin steps `x ← x − τ∇E(x) + √(2τ)ξ` of every particle on the
    /// energy `net`, particle i drawing its noise from `rngs[i]` in the order of the core's
    /// [`gradflow_core::Ula`]. If a chain diverges, the call returns an error and the
    /// states of the particles computed with it are non-finite (restart from a checkpoint).
    fn ula_steps(
        &self,
        net: &Network<S>,
        x: &mut [S],
        rngs: &mut [StreamRng],
        step: S,
        steps: usize,
    ) -> Result<(), EngineError>;
}
