//! Choosing where the engine runs: the CPU, a CUDA GPU (with the `cuda` cargo feature), or
//! the GPU when there is one.

use std::fmt;
use std::str::FromStr;

use gradflow_core::StreamRng;

#[cfg(not(feature = "cuda"))]
use super::GemmScalar;
#[cfg(feature = "cuda")]
use super::cuda::{CudaBackend, CudaScalar};
use super::{Backend, CpuBackend, EngineError, Network};

/// The scalars every device computes in (f32 and f64): the CPU's, and the GPU's where the
/// `cuda` feature is on.
#[cfg(feature = "cuda")]
pub trait DeviceScalar: CudaScalar {}
#[cfg(feature = "cuda")]
impl<S: CudaScalar> DeviceScalar for S {}

/// The scalars every device computes in (f32 and f64): the CPU's, and the GPU's where the
/// `cuda` feature is on.
#[cfg(not(feature = "cuda"))]
pub trait DeviceScalar: GemmScalar {}
#[cfg(not(feature = "cuda"))]
impl<S: GemmScalar> DeviceScalar for S {}

/// The device a user asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DeviceChoice {
    /// CPU threads (the default: bit-reproducible for any thread count).
    #[default]
    Cpu,
    /// CUDA device 0; an error if there is none.
    Cuda,
    /// CUDA device 0 if there is one, else the CPU (saying why).
    Auto,
}

impl FromStr for DeviceChoice {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "cpu" => Ok(Self::Cpu),
            "cuda" | "gpu" => Ok(Self::Cuda),
            "auto" => Ok(Self::Auto),
            other => Err(format!("unknown device {other:?} (cpu, cuda or auto)")),
        }
    }
}

impl fmt::Display for DeviceChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Cpu => "cpu",
            Self::Cuda => "cuda",
            Self::Auto => "auto",
        })
    }
}

/// The engine's backend on the chosen device: what the training loops hold.
#[derive(Debug)]
pub enum Device {
    /// CPU threads.
    Cpu(CpuBackend),
    /// An NVIDIA GPU.
    #[cfg(feature = "cuda")]
    Cuda(CudaBackend),
}

impl Device {
    /// The CPU on `threads` threads (0: one per core).
    pub fn cpu(threads: usize) -> Self {
        Self::Cpu(CpuBackend::new(threads))
    }

    /// The device `choice` names. `Cuda` fails with the probe's reason when no GPU can be
    /// used; `Auto` then falls back to the CPU and returns the reason as a note for the
    /// user. `threads` is the CPU's thread count (0: one per core).
    pub fn select(
        choice: DeviceChoice,
        threads: usize,
    ) -> Result<(Self, Option<String>), EngineError> {
        match choice {
            DeviceChoice::Cpu => Ok((Self::cpu(threads), None)),
            DeviceChoice::Cuda => Self::gpu().map(|gpu| (gpu, None)),
            DeviceChoice::Auto => match Self::gpu() {
                Ok(gpu) => Ok((gpu, None)),
                Err(why) => {
                    let note = format!("using the CPU ({why})");
                    Ok((Self::cpu(threads), Some(note)))
                }
            },
        }
    }

    /// CUDA device 0. `CudaBackend::new` probes first: without a GPU it fails with the
    /// reason.
    #[cfg(feature = "cuda")]
    fn gpu() -> Result<Self, EngineError> {
        Ok(Self::Cuda(CudaBackend::new(0)?))
    }

    /// Without the `cuda` feature there is no GPU backend to select.
    #[cfg(not(feature = "cuda"))]
    fn gpu() -> Result<Self, EngineError> {
        Err(EngineError::Device(super::DeviceError::NotBuilt))
    }

    /// Threads of the CPU backend (1 on a GPU: the host thread that drives it).
    pub fn threads(&self) -> usize {
        match self {
            Self::Cpu(cpu) => cpu.threads(),
            #[cfg(feature = "cuda")]
            Self::Cuda(_) => 1,
        }
    }

    /// What it is, for logs: e.g. `cpu (2 threads, fused f32 kernels: AVX2)` or
    /// `cuda:0 (NVIDIA H100 80GB HBM3)`.
    pub fn name(&self) -> String {
        Backend::<f32>::describe(self)
    }

    /// Runs `op` on the CPU backend's thread pool (see [`CpuBackend::install`]); on a GPU,
    /// on the calling thread.
    pub fn install<R: Send>(&self, op: impl FnOnce() -> R + Send) -> R {
        match self {
            Self::Cpu(cpu) => cpu.install(op),
            #[cfg(feature = "cuda")]
            Self::Cuda(_) => op(),
        }
    }

    /// Whether this is a GPU.
    pub fn is_cuda(&self) -> bool {
        match self {
            Self::Cpu(_) => false,
            #[cfg(feature = "cuda")]
            Self::Cuda(_) => true,
        }
    }

    fn backend<S: DeviceScalar>(&self) -> &dyn Backend<S> {
        match self {
            Self::Cpu(cpu) => cpu,
            #[cfg(feature = "cuda")]
            Self::Cuda(gpu) => gpu,
        }
    }
}

impl<S: DeviceScalar> Backend<S> for Device {
    fn describe(&self) -> String {
        self.backend::<S>().describe()
    }

    fn forward(&self, net: &Network<S>, x: &[S], out: &mut [S]) -> Result<(), EngineError> {
        self.backend().forward(net, x, out)
    }

    fn value_grad(
        &self,
        net: &Network<S>,
        x: &[S],
        value: &mut [S],
        grad: &mut [S],
    ) -> Result<(), EngineError> {
        self.backend().value_grad(net, x, value, grad)
    }

    fn param_grad(
        &self,
        net: &Network<S>,
        x: &[S],
        cot: &[S],
        grad_params: &mut [S],
    ) -> Result<(), EngineError> {
        self.backend().param_grad(net, x, cot, grad_params)
    }

    fn forward_backward(
        &self,
        net: &Network<S>,
        x: &[S],
        cotangent: &mut dyn FnMut(&[S], &mut [S]),
        grad_params: &mut [S],
    ) -> Result<(), EngineError> {
        self.backend()
            .forward_backward(net, x, cotangent, grad_params)
    }

    fn ula_steps(
        &self,
        net: &Network<S>,
        x: &mut [S],
        rngs: &mut [StreamRng],
        step: S,
        steps: usize,
    ) -> Result<(), EngineError> {
        self.backend().ula_steps(net, x, rngs, step, steps)
    }
}
