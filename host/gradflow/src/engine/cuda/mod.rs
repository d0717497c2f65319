//! The engine on NVIDIA GPUs, through cudarc: [`CudaBackend`] implements [`super::Backend`]
//! with cuBLAS matrix products and kernels compiled at run time by NVRTC from
//! `kernels.cu` (a source string in the binary). Nothing here needs CUDA to build: the
//! driver, NVRTC and cuBLAS are loaded when a backend is created, after [`probe`] has
//! checked that they are there (cudarc panics on a call into a missing library).
//!
//! ```
//! use gradflow::engine::cuda::{CudaBackend, probe};
//!
//! match probe() {
//!     Ok(devices) => {
//!         let gpu = CudaBackend::new(0)?;
//!         println!("{devices} CUDA device(s); using {}", gpu.device_name());
//!     }
//!     Err(why) => println!("no GPU: {why}"),
//! }
//! # Ok::<(), gradflow::engine::EngineError>(())
//! ```

mod backend;
mod gpu;
mod layout;
mod mlp;
mod module;
mod ops;
pub mod philox;
mod probe;
mod scalar;
mod softmin;

pub use backend::CudaBackend;
pub use module::{KERNEL_NAMES, KERNEL_SOURCE, arch_for, compile};
pub use ops::AdamStep;
pub use probe::{DeviceInfo, devices, nvrtc_present, probe};
pub use scalar::CudaScalar;
pub use softmin::DeviceCloud;
