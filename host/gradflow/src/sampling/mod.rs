//! Sampling an analytic potential or an energy model file into a point set: what
//! `gradflow sample --potential` and `--model` run.
//!
//! Pick an [`EnergySource`], a sampler ([`DEFAULT_SAMPLER`] or any [`gradflow_core::SamplerSettings`]) and a [`Schedule`], start the chains from
//! [`normal_init`] (or any n × d [`Samples`](crate::data::Samples)), and [`sample`]:
//!
//! ```
//! use gradflow::sampling::{
//!     DEFAULT_SAMPLER, EnergySource, Potential, Schedule, normal_init, sample,
//! };
//!
//! let source = EnergySource::potential(Potential::Normal { dim: 3 })?;
//! let init = normal_init(500, 3, 2.0, 7);
//! let schedule = Schedule { steps: 200, ..Schedule::default() };
//! let run = sample(&source, &DEFAULT_SAMPLER, &init, &schedule, 7, 2)?;
//! assert_eq!((run.samples.n, run.samples.d), (500, 3));
//! let mean_sq = run.samples.data.iter().map(|x| x * x).sum::<f64>() / 1500.0;
//! assert!((mean_sq - 1.0).abs() < 0.2); // E[x²] = 1 under N(0, I)
//! # Ok::<(), gradflow::sampling::SampleError>(())
//! ```
//!
//! [`sample_conditional`] samples the latents z | x of a joint energy model given observed
//! rows (latent-variable EBMs).
//!
//! Every chain draws from its own stream (`StreamRng::new(seed, k)` for chain `k`), so the
//! samples are bit-identical for any thread count. A model file is evaluated in f64 by
//! the core's [`gradflow_core::model::ModelEval`], one scratch buffer per thread: the
//! chains follow exactly what the core's per-particle kernels do on the same model.

mod conditional;
mod error;
mod potential;
mod run;

pub use conditional::{ConditionalRun, latent_dim, sample_conditional};
pub use error::SampleError;
pub use potential::{
    DoubleWellNd, GAUSSIAN_MEAN, GAUSSIAN_PRECISION, MIXTURE_MEANS, MIXTURE_SIGMA, MIXTURE_WEIGHTS,
    Potential, StandardNormal, mixture,
};
pub use run::{
    DEFAULT_SAMPLER, EnergySource, INIT_STREAM0, SampleRun, Schedule, VELOCITY_STREAM0,
    normal_init, sample,
};
