//! Regression of a network onto targets by mean squared error: f32 network evaluations in
//! the engine, Adam on f64 master weights.

use gradflow_core::model::Architecture;
use rayon::prelude::*;

use crate::engine::{Backend, Device, EngineError, Network};
use crate::modelio::{ModelBytes, ModelIoError};
use crate::optim::Adam;
use crate::train::{Checkpoint, CheckpointError};

/// Rows per parameter-gradient call on the CPU. A batch is cut into chunks of this many
/// rows whose gradients are computed in parallel and added in chunk order: the split does
/// not depend on the number of threads, so the gradient is bit-identical for any of them.
pub const CHUNK: usize = 128;

/// Where the networks are evaluated: the engine's backend (CPU threads or a GPU), and a
/// thread pool for the work around it. On the CPU the pool runs a batch's chunks side by
/// side (the engine parallelises over 1024-row partial sums, so a 256-row batch would
/// otherwise use one core); on a GPU a batch is one call.
#[derive(Debug)]
pub struct Compute {
    backend: Device,
    pool: rayon::ThreadPool,
}

impl Compute {
    /// On `threads` CPU threads (0: one per core). Results do not depend on it.
    pub fn new(threads: usize) -> Self {
        let pool = Self::pool(threads);
        let backend = Device::cpu(pool.current_num_threads());
        Self { backend, pool }
    }

    /// Networks on `device`, the rest on `threads` CPU threads (0: one per core).
    pub fn on(device: Device, threads: usize) -> Self {
        Self {
            backend: device,
            pool: Self::pool(threads),
        }
    }

    fn pool(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("building a thread pool never fails without a stack size or a name")
    }

    /// The engine backend.
    pub fn backend(&self) -> &Device {
        &self.backend
    }

    /// Threads in use.
    pub fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// Runs `op` on this pool (so that rayon's parallel iterators inside use its threads).
    pub fn install<R: Send>(&self, op: impl FnOnce() -> R + Send) -> R {
        self.pool.install(op)
    }
}

/// A network trained by Adam on the mean squared error `(1/(n·o)) Σᵢ ‖y(xᵢ) − tᵢ‖²`
/// (n rows, o outputs). The network is evaluated in f32; the optimiser keeps f64 master
/// weights, of which the f32 network is the rounding.
#[derive(Clone, Debug)]
pub struct Regressor {
    net: Network<f32>,
    master: Vec<f64>,
    adam: Adam,
}

impl Regressor {
    /// A network of `arch` with LeCun-normal weights from `seed` ([`Network::init`]) and
    /// Adam at learning rate `lr`.
    pub fn new(arch: Architecture, seed: u64, lr: f64) -> Self {
        let master = Network::<f64>::init(arch, seed).params().to_vec();
        let net = rounded(arch, &master);
        let adam = Adam::new(master.len(), lr);
        Self { net, master, adam }
    }

    /// The f32 network.
    pub fn network(&self) -> &Network<f32> {
        &self.net
    }

    /// The f64 master weights.
    pub fn master(&self) -> &[f64] {
        &self.master
    }

    /// The learning rate of the next step.
    pub fn set_lr(&mut self, lr: f64) {
        self.adam.lr = lr;
    }

    /// The model file of the network (its f32 weights).
    pub fn model(&self) -> Result<ModelBytes, ModelIoError> {
        ModelBytes::encode(self.net.architecture(), &self.net.to_f32_params())
    }

    /// The loss and its parameter gradient on `input` (n × in_dim) against `target`
    /// (n × out_dim).
    pub fn loss_grad(
        &self,
        compute: &Compute,
        input: &[f32],
        target: &[f32],
    ) -> Result<(f64, Vec<f64>), EngineError> {
        let arch = self.net.architecture();
        let (d, o) = (arch.in_dim(), arch.out_dim());
        let n = input.len() / d;
        if n == 0 || input.len() != n * d || target.len() != n * o {
            return Err(EngineError::Size {
                what: "regression targets (n × out_dim)",
                expected: n.max(1) * o,
                found: target.len(),
            });
        }
        let scale = 2.0 / (n * o) as f32;
        let net = &self.net;
        let backend = &compute.backend;
        let rows = if backend.is_cuda() { n } else { CHUNK };
        let partials: Vec<(f64, Vec<f32>)> = compute.install(|| {
            input
                .par_chunks(rows * d)
                .zip(target.par_chunks(rows * o))
                .map(|(x, t)| {
                    let mut y = vec![0.0f32; t.len()];
                    backend.forward(net, x, &mut y)?;
                    let mut sq = 0.0f64;
                    for (yi, ti) in y.iter_mut().zip(t) {
                        let r = *yi - ti;
                        sq += f64::from(r) * f64::from(r);
                        *yi = scale * r;
                    }
                    let mut g = vec![0.0f32; net.params().len()];
                    backend.param_grad(net, x, &y, &mut g)?;
                    Ok((sq, g))
                })
                .collect::<Result<_, EngineError>>()
        })?;
        let mut grad = vec![0.0f64; self.master.len()];
        let mut sq = 0.0;
        for (s, g) in &partials {
            sq += s;
            for (a, b) in grad.iter_mut().zip(g) {
                *a += f64::from(*b);
            }
        }
        Ok((sq / (n * o) as f64, grad))
    }

    /// One Adam step on the loss over `input` against `target`; returns the loss before the
    /// step. A non-finite loss leaves the weights as they were (the training loop stops on
    /// it).
    pub fn step(
        &mut self,
        compute: &Compute,
        input: &[f32],
        target: &[f32],
    ) -> Result<f64, EngineError> {
        let (loss, grad) = self.loss_grad(compute, input, target)?;
        if loss.is_finite() {
            self.adam.step(&mut self.master, &grad);
            self.net = rounded(*self.net.architecture(), &self.master);
        }
        Ok(loss)
    }

    /// Stores the master weights (`{prefix}.params`) and Adam's state (`{prefix}.adam.*`).
    pub fn save(&self, c: &mut Checkpoint, prefix: &str) {
        c.put_f64(format!("{prefix}.params"), &self.master);
        c.put_adam(&format!("{prefix}.adam"), &self.adam);
    }

    /// Restores what [`Regressor::save`] stored.
    pub fn restore(&mut self, c: &Checkpoint, prefix: &str) -> Result<(), CheckpointError> {
        let n = self.master.len();
        let master = c.f64s_len(&format!("{prefix}.params"), n)?.to_vec();
        self.adam = c.adam(&format!("{prefix}.adam"), n)?;
        self.net = rounded(*self.net.architecture(), &master);
        self.master = master;
        Ok(())
    }
}

/// The f32 network of f64 weights.
fn rounded(arch: Architecture, master: &[f64]) -> Network<f32> {
    let params = master.iter().map(|&p| p as f32).collect();
    Network::new(arch, params).expect("the master weights have the architecture's length")
}

#[cfg(test)]
mod tests {
    use gradflow_core::Activation;
    use gradflow_core::model::ModelKind;

    use super::*;

    /// The gradient equals a central difference of the loss, and does not depend on the
    /// thread count.
    #[test]
    fn gradient_matches_finite_differences_and_threads() {
        let arch = Architecture::mlp(ModelKind::Velocity, Activation::Silu, 2, &[8, 8], 2).unwrap();
        let reg = Regressor::new(arch, 3, 1e-3);
        let n = 300; // three chunks, the last one short
        let x: Vec<f32> = (0..3 * n).map(|i| (i as f32 * 0.37).sin()).collect();
        let t: Vec<f32> = (0..2 * n).map(|i| (i as f32 * 0.21).cos()).collect();
        let (one, two) = (Compute::new(1), Compute::new(2));
        let (loss, grad) = reg.loss_grad(&one, &x, &t).unwrap();
        let (loss2, grad2) = reg.loss_grad(&two, &x, &t).unwrap();
        assert_eq!(loss.to_bits(), loss2.to_bits());
        assert!(
            grad.iter()
                .zip(&grad2)
                .all(|(a, b)| a.to_bits() == b.to_bits())
        );
        // Central differences in f64 through a widened copy.
        let loss_at = |p: &[f64]| {
            let net = Network::<f64>::new(arch, p.to_vec()).unwrap();
            let xd: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
            let mut y = vec![0.0; 2 * n];
            one.backend().forward(&net, &xd, &mut y).unwrap();
            y.iter()
                .zip(&t)
                .map(|(a, b)| (a - f64::from(*b)).powi(2))
                .sum::<f64>()
                / (2 * n) as f64
        };
        let p0: Vec<f64> = reg
            .network()
            .params()
            .iter()
            .map(|&v| f64::from(v))
            .collect();
        for k in [0, 5, 40, p0.len() - 1] {
            let h = 1e-4;
            let (mut a, mut b) = (p0.clone(), p0.clone());
            a[k] += h;
            b[k] -= h;
            let fd = (loss_at(&a) - loss_at(&b)) / (2.0 * h);
            // f32 evaluation: agreement to ~1e-4 relative of the gradient's scale.
            assert!(
                (fd - grad[k]).abs() < 1e-3 * (1.0 + fd.abs()),
                "{k}: {fd} {}",
                grad[k]
            );
        }
    }

    /// Adam on the regression fits a linear target.
    #[test]
    fn steps_reduce_the_loss() {
        let arch = Architecture::mlp(ModelKind::Velocity, Activation::Silu, 2, &[16], 2).unwrap();
        let mut reg = Regressor::new(arch, 1, 1e-2);
        let compute = Compute::new(2);
        let n = 256;
        let x: Vec<f32> = (0..3 * n).map(|i| (i as f32 * 0.37).sin()).collect();
        let t: Vec<f32> = x
            .chunks_exact(3)
            .flat_map(|r| [r[0] - r[1], 0.5 * r[2]])
            .collect();
        let first = reg.step(&compute, &x, &t).unwrap();
        let mut last = first;
        for _ in 0..500 {
            last = reg.step(&compute, &x, &t).unwrap();
        }
        assert!(last < 0.01 * first, "{first} → {last}");
    }
}
