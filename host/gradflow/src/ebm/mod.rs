//! Energy-based models learnt by maximum likelihood, with the negative particles moved by
//! the plain Langevin step (`ula`, the baseline) or by the Wasserstein-2 proximal (JKO)
//! schemes `jko` and `jko2` (docs/src/design.md §4.2; **our reconstructions**, the source paper's full
//! text was not at hand), with MALA as the unbiased reference.
//!
//! The model p_θ ∝ exp(−E_θ) is fitted by stochastic ascent of the log-likelihood, whose
//! gradient `−E_data[∇θE] + E_model[∇θE]` takes its model expectation from a persistent
//! replay buffer of particles ([`EbmTrainer`], driven by [`crate::train::run`] for
//! progress, checkpoints and resume).
//!
//! Evaluation: the 2D sets with closed-form densities ([`EbmSet2d`]), the KL divergence on
//! a grid ([`grid_kl`]), W2 and MMD² of long-run samples against held-out data
//! ([`evaluate`], [`crate::metrics::sample_metrics`]) and energy contour plots ([`energy_contours`]).
//!
//! # Example
//!
//! Gaussian data; the quadratic family `E = ½xᵀAx − bᵀx` has the sample precision as its
//! maximum-likelihood A. MALA particles (exact stationary law) recover it:
//!
//! ```
//! use gradflow::ebm::{EbmSettings, EbmTrainer, QuadraticEnergy};
//! use gradflow::train::{RunOptions, run};
//! use gradflow_core::{SamplerKind, SamplerSettings};
//!
//! let data: Vec<f64> = (0..4000).map(|i| 2.0 * ((i as f64) * 0.7).sin()).collect();
//! let var = data.iter().map(|x| x * x).sum::<f64>() / 4000.0 - (data.iter().sum::<f64>() / 4000.0).powi(2);
//! let settings = EbmSettings {
//!     particles: SamplerSettings { step: 0.5, ..SamplerSettings::of(SamplerKind::Mala) },
//!     particle_steps: 5,
//!     batch: 500,
//!     buffer: 500,
//!     reinit: 0.0,
//!     lr: 0.02,
//!     penalty: 0.0,
//!     updates: 1500,
//!     ..EbmSettings::default()
//! };
//! let model = QuadraticEnergy::new(&[1.0], &[0.0]);
//! let mut t = EbmTrainer::<f64, _>::new(&settings, model, &data)?;
//! run(&mut t, &RunOptions::new(settings.updates))?;
//! let a = t.model().precision()[0];
//! assert!((a * var - 1.0).abs() < 0.1, "A = {a}, 1/var = {}", 1.0 / var);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub(crate) mod ais;
mod bessel;
mod buffer;
#[cfg(feature = "plot")]
mod contour;
mod density;
mod error;
mod experiment;
mod gmm;
mod grid_kl;
mod likelihood;
mod model;
mod particles;
mod settings;
mod track;
mod trainer;

pub use ais::{AisEstimate, AisSettings, GaussianBase, Schedule, ais_log_partition};
pub use buffer::{Drawn, InitBox, PARTICLE_STREAM0, PICK_STREAM, ReplayBuffer};
#[cfg(feature = "plot")]
pub use contour::{energy_contours, true_density_map};
pub use density::{EbmSet2d, UnknownEbmSet};
pub use error::EbmError;
pub use experiment::{
    EbmData, EbmEvaluation, KL_CELLS, LONG_RUN_STREAM0, LongRunStart, MMD_BANDWIDTH_2D,
    TEST_POINTS_2D, TRAIN_POINTS_2D, UserData, evaluate, evaluate_trained, long_run,
};
pub use gmm::{GMM, GmmComponent};
pub use grid_kl::{GRID_KL_BATCH, GridKl, GridKlError, grid_kl};
pub use likelihood::{HeldOutLikelihood, held_out_log_likelihood};
pub use model::{BatchEnergy, EnergyModel, MlpEnergy, QuadraticEnergy};
pub use particles::{check_particle_settings, move_particles};
pub use settings::{EbmSettings, proximal_iters};
pub use track::EbmTracker;
pub use trainer::EbmTrainer;
