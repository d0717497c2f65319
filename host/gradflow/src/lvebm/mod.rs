//! Latent-variable energy-based models p_θ(x, z) ∝ exp(−E_θ(x, z)) trained by coupled
//! Langevin particle dynamics (docs/src/design.md §4.4; **our reconstruction** from the method's
//! abstract, its full text was not at hand): persistent conditional latent particles per
//! datum sample p_θ(z | xᵢ), a persistent joint negative pool samples p_θ(x, z), and θ
//! takes stochastic ascent steps on the log-likelihood whose gradient they estimate.
//!
//! Rows are `(x, z)`: the observed coordinates first, the latent ones after.
//!
//! - Training: [`LvebmTrainer`] with [`LvebmSettings`] (driven by [`crate::train::run`] for
//!   progress, checkpoints and resume); with [`NegativePhase::Exact`] and SGD it is the PGD
//!   baseline of Kuntz, Lim & Johansen (2023).
//! - Families: any [`crate::ebm::EnergyModel`] over rows (x, z) (an MLP:
//!   [`crate::ebm::MlpEnergy`]), and the closed-form [`LatentMean`] (T1),
//!   [`LatentPrecision`] (T2), [`Ppca`] (T3) and the physical [`DoubleWellSensor`].
//! - Evaluation: [`evaluate_latent`] (log Z by AIS, particle and Gaussian-posterior ELBOs,
//!   the exact log-likelihood where it can be had), [`recovery`] for the physical system.
//! - Sampling z | x: [`Conditional`] with [`crate::ebm::move_particles`].
//!
//! # Example
//!
//! T1: x, z ∈ ℝ², E = ½‖z − θ𝟙‖² + ½‖x − z‖², whose maximum-likelihood θ is the mean of
//! the data's entries.
//!
//! ```
//! use gradflow_core::{SamplerKind, SamplerSettings};
//! use gradflow::lvebm::{LatentMean, LvebmSettings, LvebmTrainer, ThetaOptimizer};
//! use gradflow::train::{RunOptions, run};
//!
//! let data: Vec<f64> = (0..400).map(|i| 1.5 + 1.4 * ((i as f64) * 0.7).sin()).collect();
//! let ula = SamplerSettings { step: 0.1, ..SamplerSettings::of(SamplerKind::Ula) };
//! let settings = LvebmSettings {
//!     posterior: ula,
//!     pool: ula,
//!     batch: 0,
//!     optimizer: ThetaOptimizer::Sgd,
//!     lr: 0.05,
//!     updates: 400,
//!     ..LvebmSettings::default()
//! };
//! let mut t = LvebmTrainer::<f64, _>::new(&settings, LatentMean::new(2, 0.0), &data, 2)?;
//! run(&mut t, &RunOptions::new(settings.updates))?;
//! let (theta, mle) = (t.model().theta(), LatentMean::mle(&data));
//! assert!((theta - mle).abs() < 0.1, "θ = {theta}, MLE {mle}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod closed_form;
mod conditional;
mod datasets;
mod double_well_sensor;
mod elbo;
mod entropy;
mod evaluate;
mod gaussian_latent;
mod linalg;
mod ppca;
mod recovery;
#[cfg(feature = "plot")]
mod recovery_plot;
mod sensor_data;
mod settings;
mod trainer;

pub use crate::ebm::{AisEstimate, AisSettings, GaussianBase, Schedule, ais_log_partition};
pub use closed_form::ClosedForm;
pub use conditional::Conditional;
pub use datasets::{KnownSet, PPCA_MEAN, PPCA_NOISE_SD, PPCA_W};
pub use double_well_sensor::{DoubleWellSensor, SENSOR_DIM, SensorPosterior, ZQuadrature};
pub use elbo::{
    EVAL_STREAM0, GaussianElbo, GaussianElboSettings, GridSettings, PerDatum, gaussian_elbo,
    log_likelihood_1d, particle_elbo,
};
pub use entropy::{digamma_int, kl_entropy, log_unit_ball_volume, trigamma_int};
pub use evaluate::{
    AIS_BASE_WIDEN, ELBO_NEIGHBOURS, EvalSettings, ExactAnswers, LatentEvaluation, LogMarginal,
    POSTERIOR_EVAL_STREAM0, evaluate_latent, posterior_chains,
};
pub use gaussian_latent::{LatentMean, LatentPrecision};
pub use linalg::{cholesky, cholesky_log_det, cholesky_solve, symmetric_eigen};
pub use ppca::{Ppca, PpcaMle};
pub use recovery::{Recovery, RecoveryMetrics, recovery};
#[cfg(feature = "plot")]
pub use recovery_plot::{plot_recovery, recovery_figure};
pub use sensor_data::{SensorData, SimSettings, simulate, simulate_with};
pub use settings::{LvebmSettings, NegativePhase, ThetaOptimizer, UnknownName};
pub use trainer::{LATENT_STREAM0, LvebmTrainer, POOL_STREAM0};
