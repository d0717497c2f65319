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

impl AdamStep {
    /// The `adam` kernel's scalars in precision `S`, in its order: lr, β₁, β₂, ε and the
    /// bias corrections c₁ = 1 − β₁ᵗ, c₂ = 1 − β₂ᵗ. The corrections are those of β₁ and β₂
    /// as `S` holds them, the decays the kernel applies: in f32, 1 − β₂ of the rounded
    /// 0.999 is 1.3e-5 (relative) off 1 − 0.999, and corrections from the f64 values would
    /// put that error into every early step's v̂.
    pub fn kernel_scalars<S: gradflow_core::Scalar>(&self) -> [S; 6] {
        let [lr, b1, b2, eps] = [self.lr, self.beta1, self.beta2, self.eps].map(S::from_f64);
        let correction = |beta: S| S::from_f64(1.0 - beta.to_f64().powi(self.t));
        [lr, b1, b2, eps, correction(b1), correction(b2)]
    }
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
        if n == 0 {
            return Ok(());
        }
        if hyper.t < 1 {
            return Err(EngineError::InvalidParameter("Adam step count must be ≥ 1"));
        }
        let [lr, b1, b2, eps, c1, c2] = hyper.kernel_scalars::<S>();
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
