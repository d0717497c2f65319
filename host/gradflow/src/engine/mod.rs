//! The batched engine: an MLP's forward pass, input gradient and parameter gradient over N
//! particles as matrix products, and batched Langevin steps, behind a [`Backend`] that the
//! training loops use: CPU threads ([`CpuBackend`]) or an NVIDIA GPU (`cuda::CudaBackend`, with
//! the `cuda` cargo feature), chosen at run time ([`Device`]).
//!
//! The networks are runtime-shaped ([`Network`]) in the model-file layout, so a trained
//! network is written as a model file and evaluated by the core, the C API and firmware
//! unchanged. The batched functions compute what the core's per-particle
//! [`gradflow_core::model::ModelView`] computes (tested on random inputs; the summation
//! order differs, so f32 results agree to rounding, not bit for bit).
//!
//! ```
//! use gradflow_core::Activation;
//! use gradflow::engine::{Backend, CpuBackend, Network};
//!
//! // A 2→32→32→1 SiLU energy, LeCun-normal weights from seed 0.
//! let net = Network::<f32>::energy(2, &[32, 32], Activation::Silu, 0)?;
//! let x: Vec<f32> = (0..2 * 1000).map(|i| (i as f32 * 0.37).sin()).collect();
//! let (mut energy, mut grad) = (vec![0.0f32; 1000], vec![0.0f32; 2 * 1000]);
//! CpuBackend::new(2).value_grad(&net, &x, &mut energy, &mut grad)?;
//! assert!(energy.iter().chain(&grad).all(|v| v.is_finite()));
//! # Ok::<(), gradflow::engine::EngineError>(())
//! ```

mod backend;
mod checks;
mod cpu;
#[cfg(feature = "cuda")]
pub mod cuda;
mod device;
mod error;
mod fused;
mod gemm;
mod network;
mod tile;

pub use backend::Backend;
pub use cpu::CpuBackend;
pub use device::{Device, DeviceChoice, DeviceScalar};
pub use error::{DeviceError, EngineError};
pub use fused::FusedIsa;
pub(crate) use fused::exp_f32;
pub use gemm::GemmScalar;
pub use network::Network;
