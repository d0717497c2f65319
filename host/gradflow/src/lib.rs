//! # gradflow (the library)
//!
//! gradflow on a workstation: the batched engine on CPU threads or an NVIDIA GPU
//! ([`engine`], [`engine::cuda`]), the Sinkhorn engine, training of the three methods
//! ([`ebm`], [`flows`], [`lvebm`]) with checkpoints, data sets, metrics and plots (the
//! `plot` feature). The `gradflow` command-line tool is the crate `gradflow-cli`; the C API
//! is the crate `gradflow-capi`.
//!
//! ```
//! use gradflow_core::{Gaussian, Mala, StreamRng};
//! use gradflow::parallel::run_chains;
//!
//! let target = Gaussian::<f64, 2>::isotropic([0.0, 0.0], 1.0)?;
//! let mut states = vec![0.0; 2 * 1000];
//! let mut rngs: Vec<_> = StreamRng::streams(7, 0, 1000).collect();
//! let report = run_chains(&Mala { step: 0.5 }, &target, &mut states, &mut rngs, 100, 2)?;
//! assert_eq!(report.steps, 100_000);
//! # Ok::<(), gradflow_core::Error>(())
//! ```

#![deny(missing_docs)]

pub mod bench;
pub mod compare;
pub mod data;
pub mod demo;
pub mod ebm;
pub mod engine;
pub mod fit;
pub mod flows;
pub mod lvebm;
pub mod metrics;
pub mod modelio;
pub mod names;
pub mod optim;
pub mod parallel;
#[cfg(feature = "plot")]
pub mod plot;
pub mod sampling;
mod settings_error;
pub mod sinkhorn;
pub mod stats;
pub mod train;

pub use settings_error::SettingError;
