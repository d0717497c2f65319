//! The energy families E_θ(x) that EBM training learns: an MLP in the engine, or a
//! quadratic form (the exponential family with a closed-form MLE, for tests).

use gradflow_core::Scalar;

use super::EbmError;
use crate::engine::{Backend, Device, DeviceScalar, EngineError, Network};
use crate::modelio::ModelBytes;

/// An energy evaluated on batches of particles (n × d, row-major): what the particle
/// schemes ([`super::move_particles`]) need.
pub trait BatchEnergy<S>: Send + Sync {
    /// Dimension d of a particle.
    fn dim(&self) -> usize;

    /// `e[i] = E(x_i)`.
    fn energies(&self, x: &[S], e: &mut [S]) -> Result<(), EngineError>;

    /// Energies and their input gradients `g[i] = ∇ₓE(x_i)`.
    fn energy_grad(&self, x: &[S], e: &mut [S], g: &mut [S]) -> Result<(), EngineError>;
}

/// A parametric [`BatchEnergy`] E_θ with f64 master parameters that the optimiser updates.
pub trait EnergyModel<S>: BatchEnergy<S> {
    /// The master parameters θ.
    fn params(&self) -> &[f64];

    /// Replaces the parameters (same length as [`EnergyModel::params`]).
    fn set_params(&mut self, params: &[f64]);

    /// The energies and a parameter gradient in one evaluation: computes the energies
    /// `e[i] = E_θ(x_i)`, calls `cotangent(e, cot)` once to fill `cot` (one value per
    /// particle, zeroed) from them, then writes `grad = ∇θ Σᵢ cot[i]·E_θ(x_i)` (length of
    /// [`EnergyModel::params`]). A loss whose gradient weights depend on the energies (the
    /// trainers' penalty α·E²) computes them in the closure. A network runs one forward pass
    /// for both ([`crate::engine::Backend::forward_backward`]; on the CPU, the bits of a
    /// forward pass then [`crate::engine::Backend::param_grad`], which repeats it).
    fn energies_param_grad(
        &self,
        x: &[S],
        cotangent: &mut dyn FnMut(&[S], &mut [S]),
        grad: &mut [f64],
    ) -> Result<(), EngineError>;

    /// The model file of the energy as it stands (f32 weights), if the family has one.
    fn model_bytes(&self) -> Result<ModelBytes, EbmError>;

    /// log Z(θ) = log ∫exp(−E_θ) in closed form, for the families that have one (the
    /// known-answer families; `None` for networks).
    fn log_partition(&self) -> Option<f64> {
        None
    }

    /// ∇θ log Z(θ) in closed form, where [`EnergyModel::log_partition`] has one.
    fn log_partition_grad(&self) -> Option<Vec<f64>> {
        None
    }
}

/// An MLP energy in the engine: evaluated in `S` on a [`Device`] (CPU threads or a GPU),
/// with f64 master weights of which the network is the rounding.
#[derive(Debug)]
pub struct MlpEnergy<S> {
    net: Network<S>,
    master: Vec<f64>,
    backend: Device,
}

impl<S: DeviceScalar> MlpEnergy<S> {
    /// The energy of `net` evaluated on `threads` CPU threads (0: one per core).
    pub fn new(net: Network<f64>, threads: usize) -> Self {
        Self::on(net, Device::cpu(threads))
    }

    /// The energy of `net` evaluated on `device`.
    pub fn on(net: Network<f64>, device: Device) -> Self {
        let master = net.params().to_vec();
        let cast = master.iter().map(|&p| S::from_f64(p)).collect();
        let net = Network::new(*net.architecture(), cast)
            .expect("the parameters come from a network of the same architecture");
        Self {
            net,
            master,
            backend: device,
        }
    }

    /// The network in `S`.
    pub fn network(&self) -> &Network<S> {
        &self.net
    }

    /// The energy its model file holds (the weights rounded to f32) evaluated in f64 on
    /// `threads` CPU threads (0: one per core): for estimates that sum many energies
    /// (AIS).
    pub fn file_energy_in_f64(&self, threads: usize) -> MlpEnergy<f64> {
        let params = self
            .net
            .to_f32_params()
            .into_iter()
            .map(f64::from)
            .collect();
        let net = Network::<f64>::new(*self.net.architecture(), params)
            .expect("the parameters come from a network of the same architecture");
        MlpEnergy::new(net, threads)
    }

    /// Threads of the backend (1 on a GPU).
    pub fn threads(&self) -> usize {
        self.backend.threads()
    }

    /// The device it is evaluated on.
    pub fn device(&self) -> &Device {
        &self.backend
    }
}

impl<S: DeviceScalar> BatchEnergy<S> for MlpEnergy<S> {
    fn dim(&self) -> usize {
        self.net.architecture().in_dim()
    }

    fn energies(&self, x: &[S], e: &mut [S]) -> Result<(), EngineError> {
        self.backend.forward(&self.net, x, e)
    }

    fn energy_grad(&self, x: &[S], e: &mut [S], g: &mut [S]) -> Result<(), EngineError> {
        self.backend.value_grad(&self.net, x, e, g)
    }
}

impl<S: DeviceScalar> EnergyModel<S> for MlpEnergy<S> {
    fn params(&self) -> &[f64] {
        &self.master
    }

    fn set_params(&mut self, params: &[f64]) {
        self.master.copy_from_slice(params);
        for (p, &m) in self.net.params_mut().iter_mut().zip(params) {
            *p = S::from_f64(m);
        }
    }

    fn energies_param_grad(
        &self,
        x: &[S],
        cotangent: &mut dyn FnMut(&[S], &mut [S]),
        grad: &mut [f64],
    ) -> Result<(), EngineError> {
        let mut g = vec![S::ZERO; grad.len()];
        self.backend
            .forward_backward(&self.net, x, cotangent, &mut g)?;
        for (o, v) in grad.iter_mut().zip(g) {
            *o = v.to_f64();
        }
        Ok(())
    }

    fn model_bytes(&self) -> Result<ModelBytes, EbmError> {
        ModelBytes::encode(self.net.architecture(), &self.net.to_f32_params())
            .map_err(EbmError::Model)
    }
}

/// The quadratic energy `E(x) = ½xᵀAx − bᵀx` with A symmetric, parameterised by
/// θ = (A's upper triangle row by row, b). Linear in θ, so its maximum-likelihood fit to
/// data with mean m and covariance C (1/n normalisation) is A = C⁻¹, b = C⁻¹m: the sample
/// precision. Not storable as a model file (it is a test family).
#[derive(Clone, Debug, PartialEq)]
pub struct QuadraticEnergy {
    d: usize,
    theta: Vec<f64>,
}

impl QuadraticEnergy {
    /// A = `precision` (d × d, row-major, symmetrised), b = A·`mean`.
    pub fn new(precision: &[f64], mean: &[f64]) -> Self {
        let d = mean.len();
        let mut theta = Vec::with_capacity(d * (d + 1) / 2 + d);
        for i in 0..d {
            for j in i..d {
                theta.push(0.5 * (precision[i * d + j] + precision[j * d + i]));
            }
        }
        for i in 0..d {
            theta.push((0..d).map(|j| precision[i * d + j] * mean[j]).sum());
        }
        Self { d, theta }
    }

    /// A (d × d, row-major).
    pub fn precision(&self) -> Vec<f64> {
        let d = self.d;
        let mut a = vec![0.0; d * d];
        let mut k = 0;
        for i in 0..d {
            for j in i..d {
                a[i * d + j] = self.theta[k];
                a[j * d + i] = self.theta[k];
                k += 1;
            }
        }
        a
    }

    /// b.
    pub fn linear(&self) -> &[f64] {
        &self.theta[self.d * (self.d + 1) / 2..]
    }

    /// E(x) and ∇E(x) = Ax − b, given A = [`QuadraticEnergy::precision`].
    fn value_grad(&self, a: &[f64], x: &[f64], g: &mut [f64]) -> f64 {
        let b = self.linear();
        let mut e = 0.0;
        for i in 0..self.d {
            let ax: f64 = (0..self.d).map(|j| a[i * self.d + j] * x[j]).sum();
            g[i] = ax - b[i];
            e += 0.5 * x[i] * ax - b[i] * x[i];
        }
        e
    }
}

impl<S: Scalar> BatchEnergy<S> for QuadraticEnergy {
    fn dim(&self) -> usize {
        self.d
    }

    fn energies(&self, x: &[S], e: &mut [S]) -> Result<(), EngineError> {
        let mut g = vec![S::ZERO; x.len()];
        self.energy_grad(x, e, &mut g)
    }

    fn energy_grad(&self, x: &[S], e: &mut [S], g: &mut [S]) -> Result<(), EngineError> {
        let d = self.d;
        let a = self.precision();
        let (mut xi, mut gi) = (vec![0.0; d], vec![0.0; d]);
        for ((xr, er), gr) in x
            .chunks_exact(d)
            .zip(e.iter_mut())
            .zip(g.chunks_exact_mut(d))
        {
            for (o, v) in xi.iter_mut().zip(xr) {
                *o = v.to_f64();
            }
            *er = S::from_f64(self.value_grad(&a, &xi, &mut gi));
            for (o, &v) in gr.iter_mut().zip(&gi) {
                *o = S::from_f64(v);
            }
        }
        Ok(())
    }
}

impl<S: Scalar> EnergyModel<S> for QuadraticEnergy {
    fn params(&self) -> &[f64] {
        &self.theta
    }

    fn set_params(&mut self, params: &[f64]) {
        self.theta.copy_from_slice(params);
    }

    fn energies_param_grad(
        &self,
        x: &[S],
        cotangent: &mut dyn FnMut(&[S], &mut [S]),
        grad: &mut [f64],
    ) -> Result<(), EngineError> {
        let d = self.d;
        let tri = d * (d + 1) / 2;
        let mut e = vec![S::ZERO; x.len() / d];
        self.energies(x, &mut e)?;
        let mut cot = vec![S::ZERO; e.len()];
        cotangent(&e, &mut cot);
        grad.fill(0.0);
        for (xr, &c) in x.chunks_exact(d).zip(&cot) {
            let c = c.to_f64();
            let mut k = 0;
            for i in 0..d {
                for j in i..d {
                    // ∂E/∂A_ij: ½x_i² on the diagonal, x_i·x_j off it (A_ij = A_ji).
                    let w = if i == j { 0.5 } else { 1.0 };
                    grad[k] += c * w * xr[i].to_f64() * xr[j].to_f64();
                    k += 1;
                }
            }
            for i in 0..d {
                grad[tri + i] -= c * xr[i].to_f64();
            }
        }
        Ok(())
    }

    fn model_bytes(&self) -> Result<ModelBytes, EbmError> {
        Err(EbmError::NoModelFile {
            model: "a quadratic test energy",
        })
    }
}
