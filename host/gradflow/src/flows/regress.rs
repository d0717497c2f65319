//! Regression of a network onto targets by mean squared error: f32 network evaluations in
//! the engine, Adam on f64 master weights.

use gradflow_core::model::Architecture;
use rayon::prelude::*;

use crate::data::Standardization;
use crate::engine::{Backend, Device, EngineError, Network};
use crate::modelio::{ModelBytes, ModelIoError};
use crate::optim::Adam;
use crate::train::{Checkpoint, CheckpointError};

/// Rows per parameter-gradient call on the CPU. A batch is cut into chunks of this many
/// rows whose gradients are computed in parallel and added in chunk order: the split does
/// not depend on the number of threads, so the gradient is bit-identical for any of them.
pub const CHUNK: usize = 128;

/// Where the networks are evaluated: the engine's backend (CPU threads or a GPU), and the
/// threads for the work around it. On the CPU that is the backend's own pool, which runs a
/// batch's chunks side by side (the engine parallelises over 1024-row partial sums, so a
/// 256-row batch would otherwise use one core) and the engine's calls inside them; on a GPU
/// a batch is one call, and a CPU pool of its own runs the rest (transport plans, metrics).
#[derive(Debug)]
pub struct Compute {
    backend: Device,
    /// The CPU threads beside a GPU; `None` on the CPU, whose backend's pool is used.
    host: Option<rayon::ThreadPool>,
}

impl Compute {
    /// On `threads` CPU threads (0: one per core). Results do not depend on it.
    pub fn new(threads: usize) -> Self {
        Self::on(Device::cpu(threads), threads)
    }

    /// Networks on `device`. On a GPU, the rest on `threads` CPU threads (0: one per core);
    /// on the CPU everything runs on the backend's threads and `threads` is not used.
    pub fn on(device: Device, threads: usize) -> Self {
        let host = device.is_cuda().then(|| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("building a thread pool never fails without a stack size or a name")
        });
        Self {
            backend: device,
            host,
        }
    }

    /// The engine backend.
    pub fn backend(&self) -> &Device {
        &self.backend
    }

    /// CPU threads in use.
    pub fn threads(&self) -> usize {
        match &self.host {
            Some(pool) => pool.current_num_threads(),
            None => self.backend.threads(),
        }
    }

    /// Runs `op` on these threads (so that rayon's parallel iterators inside use them): on
    /// the CPU, the backend's pool.
    pub fn install<R: Send>(&self, op: impl FnOnce() -> R + Send) -> R {
        match &self.host {
            Some(pool) => pool.install(op),
            None => self.backend.install(op),
        }
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

    /// The model file of the network in data units. The network was trained on
    /// unit-scale points `u = units.to_unit(x)` (and a velocity field on unit-scale
    /// velocities), so the file's network is folded into one of x, from the f64 master
    /// weights, and records them as the file's units ([`Standardization::model_file`]):
    /// every evaluator of the file then works in data units. `None` or the identity:
    /// [`Self::model`].
    pub fn model_in(&self, units: Option<&Standardization>) -> Result<ModelBytes, ModelIoError> {
        let Some(units) = units.filter(|u| !u.is_identity()) else {
            return self.model();
        };
        let net = Network::<f64>::new(*self.net.architecture(), self.master.clone())
            .expect("the master weights have the architecture's length");
        units.model_file(net)
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
        let backend = &compute.backend;
        let rows = if backend.is_cuda() { n } else { CHUNK };
        let partials =
            compute.install(|| chunk_grads(backend, &self.net, input, target, rows, scale))?;
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

/// The squared error and the f32 parameter gradient of each `rows`-row chunk of a batch, in
/// chunk order, the chunks side by side on the current rayon pool: one forward pass per
/// chunk, the cotangent `scale · (y − t)` filled from its outputs.
fn chunk_grads<B: Backend<f32> + ?Sized>(
    backend: &B,
    net: &Network<f32>,
    input: &[f32],
    target: &[f32],
    rows: usize,
    scale: f32,
) -> Result<Vec<(f64, Vec<f32>)>, EngineError> {
    let arch = net.architecture();
    let (d, o) = (arch.in_dim(), arch.out_dim());
    input
        .par_chunks(rows * d)
        .zip(target.par_chunks(rows * o))
        .map(|(x, t)| {
            let mut sq = 0.0f64;
            let mut g = vec![0.0f32; net.params().len()];
            let mut cotangent = |y: &[f32], cot: &mut [f32]| {
                for ((c, yi), ti) in cot.iter_mut().zip(y).zip(t) {
                    let r = *yi - ti;
                    sq += f64::from(r) * f64::from(r);
                    *c = scale * r;
                }
            };
            backend.forward_backward(net, x, &mut cotangent, &mut g)?;
            Ok((sq, g))
        })
        .collect()
}

/// The f32 network of f64 weights.
fn rounded(arch: Architecture, master: &[f64]) -> Network<f32> {
    let params = master.iter().map(|&p| p as f32).collect();
    Network::new(arch, params).expect("the master weights have the architecture's length")
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use gradflow_core::model::ModelKind;
    use gradflow_core::{Activation, StreamRng};

    use super::*;
    use crate::engine::CpuBackend;

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

    /// A CPU backend that counts the forward passes it runs, whichever method runs them.
    struct Counting {
        cpu: CpuBackend,
        passes: AtomicUsize,
    }

    impl Counting {
        fn pass(&self) {
            self.passes.fetch_add(1, Ordering::Relaxed);
        }
    }

    impl Backend<f32> for Counting {
        fn describe(&self) -> String {
            "counting".into()
        }

        fn forward(&self, net: &Network<f32>, x: &[f32], out: &mut [f32]) -> EResult {
            self.pass();
            self.cpu.forward(net, x, out)
        }

        fn value_grad(
            &self,
            net: &Network<f32>,
            x: &[f32],
            v: &mut [f32],
            g: &mut [f32],
        ) -> EResult {
            self.pass();
            self.cpu.value_grad(net, x, v, g)
        }

        fn param_grad(&self, net: &Network<f32>, x: &[f32], c: &[f32], g: &mut [f32]) -> EResult {
            self.pass();
            self.cpu.param_grad(net, x, c, g)
        }

        fn forward_backward(
            &self,
            net: &Network<f32>,
            x: &[f32],
            cotangent: &mut dyn FnMut(&[f32], &mut [f32]),
            g: &mut [f32],
        ) -> EResult {
            self.pass();
            self.cpu.forward_backward(net, x, cotangent, g)
        }

        fn ula_steps(
            &self,
            net: &Network<f32>,
            x: &mut [f32],
            rngs: &mut [StreamRng],
            step: f32,
            steps: usize,
        ) -> EResult {
            self.pass();
            self.cpu.ula_steps(net, x, rngs, step, steps)
        }
    }

    type EResult = Result<(), EngineError>;

    /// A step's chunks each run the network forward once (twice before: `forward` for the
    /// loss, then `param_grad`), and give what `Regressor::loss_grad` gives.
    #[test]
    fn each_chunk_runs_one_forward_pass() {
        let arch = Architecture::mlp(ModelKind::Velocity, Activation::Silu, 2, &[8], 2).unwrap();
        let reg = Regressor::new(arch, 5, 1e-3);
        let n = 300; // three chunks
        let x: Vec<f32> = (0..3 * n).map(|i| (i as f32 * 0.41).sin()).collect();
        let t: Vec<f32> = (0..2 * n).map(|i| (i as f32 * 0.17).cos()).collect();
        let counting = Counting {
            cpu: CpuBackend::new(2),
            passes: AtomicUsize::new(0),
        };
        let scale = 2.0 / (2 * n) as f32;
        let chunks = counting
            .cpu
            .install(|| chunk_grads(&counting, reg.network(), &x, &t, CHUNK, scale))
            .unwrap();
        assert_eq!(chunks.len(), 3);
        assert_eq!(counting.passes.load(Ordering::Relaxed), 3);
        let (loss, grad) = reg.loss_grad(&Compute::new(2), &x, &t).unwrap();
        let sq: f64 = chunks.iter().map(|(s, _)| s).sum();
        assert_eq!((sq / (2 * n) as f64).to_bits(), loss.to_bits());
        let mut summed = vec![0.0f64; grad.len()];
        for (_, g) in &chunks {
            for (a, b) in summed.iter_mut().zip(g) {
                *a += f64::from(*b);
            }
        }
        assert!(
            summed
                .iter()
                .zip(&grad)
                .all(|(a, b)| a.to_bits() == b.to_bits())
        );
    }

    /// The work around the engine runs on the engine's own threads: a call into the CPU
    /// backend's pool (as each engine call makes) from inside `Compute::install` stays on
    /// the same thread, which it would not if the two were different pools.
    #[test]
    fn compute_runs_on_the_engine_pool() {
        let compute = Compute::new(2);
        assert_eq!(compute.threads(), 2);
        let same = compute.install(|| {
            let here = std::thread::current().id();
            compute.backend().install(|| std::thread::current().id()) == here
        });
        assert!(same);
        let inside = compute.install(rayon::current_thread_index);
        assert!(inside.is_some_and(|i| i < 2));
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
