//! [`CudaBackend`]: the engine's [`Backend`] on an NVIDIA GPU.

use std::sync::{Mutex, MutexGuard};

use cudarc::driver::PushKernelArg;
use gradflow_core::StreamRng;
use rand_core::Rng;

use super::super::checks::{
    diverged, forward_args, forward_backward_args, param_grad_args, ula_args, value_grad_args,
};
use super::super::{Backend, EngineError, Network};
use super::CudaScalar;
use super::gpu::Gpu;
use super::mlp::Tape;
use super::module::driver_error;

/// The engine on one NVIDIA GPU, through cudarc: cuBLAS for the matrix products, NVRTC
/// kernels for the rest. Batches are copied to the device per call and the parameters
/// with them; a Langevin call keeps its particles on the device for all its steps. Calls
/// from several threads are served one after another.
///
/// Langevin noise comes from a counter-based generator (Philox4x32-10, [`super::philox`])
/// keyed by one `u64` drawn from each particle's [`StreamRng`] per call: runs are
/// reproducible and resume from checkpoints like on the CPU, but the noise (so the
/// chains) differs from the CPU backend's.
#[derive(Debug)]
pub struct CudaBackend {
    name: String,
    ordinal: usize,
    gpu: Mutex<Gpu>,
}

impl CudaBackend {
    /// The backend on CUDA device `ordinal`: probes for the driver, NVRTC and cuBLAS
    /// first (see [`super::probe`]), then compiles the kernels. Errors say what is
    /// missing; nothing panics when CUDA is absent.
    pub fn new(ordinal: usize) -> Result<Self, EngineError> {
        let gpu = Gpu::open(ordinal)?;
        Ok(Self {
            name: gpu.name(),
            ordinal,
            gpu: Mutex::new(gpu),
        })
    }

    /// The device's name, e.g. `NVIDIA H100 80GB HBM3`.
    pub fn device_name(&self) -> &str {
        &self.name
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, Gpu> {
        // A panic while holding the lock leaves no host state half-updated: every call
        // copies its inputs in and its outputs out.
        self.gpu.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The standard normals the Langevin kernel draws at step `step` for particles with
    /// the given keys (n × d): for tests that replay a chain on the CPU.
    pub fn normals<S: CudaScalar>(
        &self,
        keys: &[u64],
        d: usize,
        step: u32,
    ) -> Result<Vec<S>, EngineError> {
        let gpu = self.lock();
        let n = keys.len();
        let dev_keys = gpu.upload(keys)?;
        let mut out = gpu.zeros::<S>(n * d)?;
        let (n_arg, d_arg) = (n as i64, d as i32);
        let mut launch = gpu.stream.launch_builder(gpu.kernels.get::<S>("normals"));
        launch
            .arg(&mut out)
            .arg(&n_arg)
            .arg(&d_arg)
            .arg(&dev_keys)
            .arg(&step);
        // SAFETY: n·d outputs and n keys allocated above; argument types match.
        unsafe { launch.launch(Gpu::elementwise(n * d.div_ceil(2))) }.map_err(driver_error)?;
        let mut host = vec![S::ZERO; n * d];
        gpu.download(&out, &mut host)?;
        Ok(host)
    }
}

impl<S: CudaScalar> Backend<S> for CudaBackend {
    fn describe(&self) -> String {
        format!("cuda:{} ({})", self.ordinal, self.name)
    }

    fn forward(&self, net: &Network<S>, x: &[S], out: &mut [S]) -> Result<(), EngineError> {
        let n = forward_args(net, x, out.len())?;
        let gpu = self.lock();
        let x = gpu.upload(x)?;
        let mut tape = Tape::new(&gpu, net, n)?;
        tape.forward(&gpu, &x, false)?;
        gpu.download(&tape.out, out)
    }

    fn value_grad(
        &self,
        net: &Network<S>,
        x: &[S],
        value: &mut [S],
        grad: &mut [S],
    ) -> Result<(), EngineError> {
        let n = value_grad_args(net, x, value.len(), grad.len())?;
        let gpu = self.lock();
        let x = gpu.upload(x)?;
        let mut tape = Tape::new(&gpu, net, n)?;
        let mut g = gpu.zeros::<S>(grad.len())?;
        tape.forward(&gpu, &x, true)?;
        tape.backward(&gpu, &x, None, None, Some(&mut g))?;
        gpu.download(&tape.out, value)?;
        gpu.download(&g, grad)
    }

    fn param_grad(
        &self,
        net: &Network<S>,
        x: &[S],
        cot: &[S],
        grad_params: &mut [S],
    ) -> Result<(), EngineError> {
        let n = param_grad_args(net, x, cot.len(), grad_params.len())?;
        let gpu = self.lock();
        let x = gpu.upload(x)?;
        let cot = gpu.upload(cot)?;
        let mut tape = Tape::new(&gpu, net, n)?;
        let mut g = gpu.zeros::<S>(grad_params.len())?;
        tape.forward(&gpu, &x, true)?;
        tape.backward(&gpu, &x, Some(&cot), Some(&mut g), None)?;
        gpu.download(&g, grad_params)
    }

    fn forward_backward(
        &self,
        net: &Network<S>,
        x: &[S],
        cotangent: &mut dyn FnMut(&[S], &mut [S]),
        grad_params: &mut [S],
    ) -> Result<(), EngineError> {
        let n = forward_backward_args(net, x, grad_params.len())?;
        let mut y = vec![S::ZERO; n * net.architecture().out_dim()];
        // The tape owns its device buffers: the lock is released while the caller's
        // closure runs, so the closure may use this backend too.
        let (x, mut tape) = {
            let gpu = self.lock();
            let x = gpu.upload(x)?;
            let mut tape = Tape::new(&gpu, net, n)?;
            tape.forward(&gpu, &x, true)?;
            gpu.download(&tape.out, &mut y)?;
            (x, tape)
        };
        let mut cot = vec![S::ZERO; y.len()];
        cotangent(&y, &mut cot);
        let gpu = self.lock();
        let cot = gpu.upload(&cot)?;
        let mut g = gpu.zeros::<S>(grad_params.len())?;
        tape.backward(&gpu, &x, Some(&cot), Some(&mut g), None)?;
        gpu.download(&g, grad_params)
    }

    fn ula_steps(
        &self,
        net: &Network<S>,
        x: &mut [S],
        rngs: &mut [StreamRng],
        step: S,
        steps: usize,
    ) -> Result<(), EngineError> {
        let n = ula_args(net, x, rngs.len(), step)?;
        let steps = u32::try_from(steps)
            .map_err(|_| EngineError::InvalidParameter("at most 2³² − 1 ULA steps per call"))?;
        let keys: Vec<u64> = rngs.iter_mut().map(|r| r.next_u64()).collect();
        let d = net.architecture().in_dim();
        let gpu = self.lock();
        let mut xd = gpu.upload(x)?;
        let dev_keys = gpu.upload(&keys)?;
        let mut tape = Tape::new(&gpu, net, n)?;
        let mut g = gpu.zeros::<S>(x.len())?;
        let mut bad = gpu.zeros::<i32>(1)?;
        let noise = (S::TWO * step).sqrt();
        let (n_arg, d_arg) = (n as i64, d as i32);
        let update = gpu.kernels.get::<S>("ula_update");
        for t in 0..steps {
            tape.forward(&gpu, &xd, true)?;
            tape.backward(&gpu, &xd, None, None, Some(&mut g))?;
            let mut launch = gpu.stream.launch_builder(update);
            launch
                .arg(&mut xd)
                .arg(&g)
                .arg(&n_arg)
                .arg(&d_arg)
                .arg(&step)
                .arg(&noise)
                .arg(&dev_keys)
                .arg(&t)
                .arg(&mut bad);
            // SAFETY: n·d positions and gradients, n keys and one flag, allocated above;
            // argument types match the kernel's signature.
            unsafe { launch.launch(Gpu::elementwise(n * d.div_ceil(2))) }.map_err(driver_error)?;
        }
        gpu.download(&xd, x)?;
        let mut flag = [0i32];
        gpu.download(&bad, &mut flag)?;
        if flag[0] != 0 {
            return Err(diverged());
        }
        Ok(())
    }
}
