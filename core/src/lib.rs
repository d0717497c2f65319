//! # gradflow-core
//!
//! The `#![no_std]`, allocation-free heart of gradflow: fixed-size energy and velocity
//! networks (const generics), analytic energies, Langevin and W2/JKO samplers, ODE solvers
//! and deterministic per-particle random streams. It runs unchanged on a microcontroller,
//! inside a C or C++ simulation, or in a Rust program; every buffer is owned by the caller.
//!
//! ```
//! use gradflow_core::{Gaussian, Kernel, Mala, StreamRng};
//!
//! // Sample N(0, 1/4) in 2D with MALA: one chain, caller-owned state and scratch.
//! let target = Gaussian::<f64, 2>::isotropic([0.0, 0.0], 4.0)?;
//! let mala = Mala { step: 0.2 };
//! let mut x = [1.0, -1.0];
//! let mut scratch = [0.0; 6]; // mala.scratch_len(2)
//! let mut rng = StreamRng::new(42, 0); // seed 42, chain 0
//! let (mut sum_sq, mut accepted) = (0.0, 0);
//! for step in 0..20_000 {
//!     let info = mala.step(&target, &mut x, &mut rng, &mut scratch)?;
//!     accepted += info.accepted as u32;
//!     if step >= 1_000 {
//!         sum_sq += x[0] * x[0];
//!     }
//! }
//! let variance = sum_sq / 19_000.0;
//! assert!((variance - 0.25).abs() < 0.05, "variance {variance}");
//! assert!(accepted > 10_000);
//! # Ok::<(), gradflow_core::Error>(())
//! ```
//!
//! Conventions: overdamped Langevin is `x ← x − τ∇E(x) + √(2τ)ξ` (see [`integrators`]);
//! network weights use the row-vector layout `y = x·W + b` (see [`MlpParams`]).
//!
//! The C API over this crate is its own crate, `gradflow-capi` (`core/capi/`).

#![no_std]
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
// Index loops over small fixed-size arrays mirror the formulas they implement.
#![allow(clippy::needless_range_loop)]

// The tests use `Vec` for large sample sets.
#[cfg(test)]
extern crate std;

mod conditional;
pub mod energies;
mod energy;
mod error;
mod exp;
pub mod integrators;
pub mod model;
pub mod nn;
mod rng;
mod sampler;
mod scalar;

pub use conditional::{Conditional, conditional_work_len};
pub use energies::{DoubleWell, Dw4, Gaussian, GaussianMixture, LennardJones, MullerBrown};
pub use energy::{Energy, VelocityField};
pub use error::Error;
pub use integrators::{
    Baoab, BatchReport, Jko, Jko2, Kernel, Mala, OdeSolver, StepInfo, Ula, run_batch,
    run_conditional,
};
pub use nn::{Activation, Dense, Mlp, MlpParams, TimeMlp};
pub use rng::{StreamRng, stream_state};
pub use sampler::{Sampler, SamplerKind, SamplerSettings};
pub use scalar::Scalar;
