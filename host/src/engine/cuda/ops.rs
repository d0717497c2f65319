//! The backend's other kernels, on host slices: an Adam step (the Sinkhorn soft-min is in
//! `softmin.rs`).

use cudarc::driver::PushKernelArg;

use super::super::EngineError;
use super::super::error::expect_len;
use super::gpu::Gpu;
use super::module::driver_error;
use super::{CudaBackend, CudaScalar};

/// Adam's hyperparameters and step count for [`CudaBackend::adam_step`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamStep {
    /// Learning rate α.
    pub lr: f64,
    /// First-moment decay β₁.
    pub beta1: f64,
    /// Second-moment decay β₂.
    pub beta2: f64,
    /// Denominator guard ε.
    pub eps: f64,
    /// The step being taken (1 for the first).
    pub t: i32,
}

impl CudaBackend {
    /// One Adam step on the GPU, the update of [`crate::optim::Adam::step`]: moments `m`,
    /// `v` and `params` updated in place from `grad` (all the same length).
    pub fn adam_step<S: CudaScalar>(
        &self,
        params: &mut [S],
        grad: &[S],
        m: &mut [S],
        v: &mut [S],
        hyper: AdamStep,
    ) -> Result<(), EngineError> {
        let n = params.len();
        expect_len("Adam gradient", n, grad.len())?;
        expect_len("Adam first moments", n, m.len())?;
        expect_len("Adam second moments", n, v.len())?;
        if hyper.t < 1 {
            return Err(EngineError::InvalidParameter("Adam step count must be ≥ 1"));
        }
        let c1 = S::from_f64(1.0 - hyper.beta1.powi(hyper.t));
        let c2 = S::from_f64(1.0 - hyper.beta2.powi(hyper.t));
        let [lr, b1, b2, eps] = [hyper.lr, hyper.beta1, hyper.beta2, hyper.eps].map(S::from_f64);
        let gpu = self.lock();
        let (mut pd, gd) = (gpu.upload(params)?, gpu.upload(grad)?);
        let (mut md, mut vd) = (gpu.upload(m)?, gpu.upload(v)?);
        let n_arg = n as i64;
        let mut launch = gpu.stream.launch_builder(gpu.kernels.get::<S>("adam"));
        launch
            .arg(&mut pd)
            .arg(&gd)
            .arg(&mut md)
            .arg(&mut vd)
            .arg(&n_arg)
            .arg(&lr)
            .arg(&b1)
            .arg(&b2)
            .arg(&eps)
            .arg(&c1)
            .arg(&c2);
        // SAFETY: four buffers of n values allocated above; argument types match.
        unsafe { launch.launch(Gpu::elementwise(n)) }.map_err(driver_error)?;
        gpu.download(&pd, params)?;
        gpu.download(&md, m)?;
        gpu.download(&vd, v)
    }
}
