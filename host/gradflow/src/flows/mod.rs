//! Neural Sinkhorn gradient flows (NSGF, NSGF++) and the flow-matching baselines (FM,
//! OT-CFM) on 2D problems (docs/src/design.md §4.3; Zhu et al., arXiv 2401.14069).
//!
//! Every method learns networks in the engine and writes them as ordinary model files,
//! one per network, with a JSON [`manifest`] that says how to sample them; the
//! core's `gf_integrate_*` and `gf_time_predict_*` reproduce the host's sampling.
//!
//! - **FM** and **OT-CFM** ([`FmTrainer`]): `x_t = t·y + (1 − t)·x⁰`, t ~ U(0, 1), a
//!   velocity network v(x, t) regressed on `y − x⁰`; the pairs are independent (FM) or the
//!   exact minibatch OT assignment (OT-CFM). Sampled by Euler steps on [0, 1].
//! - **NSGF** ([`NsgfTrainer`], [`NsgfCore`]): a velocity network regressed on the
//!   Sinkhorn-flow velocities stored along simulated trajectories in a bounded
//!   [`TrajectoryPool`]; its time input is the physical time k·η, so it samples with any
//!   number of Euler steps on [0, T·η].
//! - **NSGF++** ([`NsgfPpTrainer`]): T ≤ 5 NSGF steps, a time predictor, then a straight
//!   flow from the predicted time to 1, per particle ([`Flow::sample`]).
//!
//! [`trainer`] builds the trainer of a [`FlowSettings`]; [`FlowTrainer::flow`] hands over a
//! [`Flow`] (manifest and models) that [`Flow::write`] saves, [`Flow::load`] reads back and
//! [`evaluate`] scores by exact W2 (next to [`crate::data::Dataset2d::w2_floor`] and the
//! i.i.d. floor [`iid_w2_floor`]).
//!
//! Source law N(0, I₂), except for the pair `8gaussians-moons` ([`Problem`]).
//! Every random draw is a function of the seed and a counter ([`derive_seed`]); the
//! networks are trained in f32 with f64 master weights and Adam ([`Regressor`]); results
//! do not depend on the number of threads. Each method is a [`crate::train::Trainer`], so
//! [`crate::train::run`] gives it progress, checkpoints, bit-identical resume and Ctrl-C.
//!
//! ```
//! use gradflow::flows::{FlowSettings, Method, evaluate, trainer};
//! use gradflow::train::{RunOptions, run};
//!
//! let settings = FlowSettings {
//!     steps: 50,
//!     widths: vec![16, 16],
//!     batch: 64,
//!     ..FlowSettings::defaults(Method::Fm)
//! };
//! let mut t = trainer(&settings, 1)?;
//! run(t.as_mut(), &RunOptions::new(settings.steps))?;
//! let flow = t.flow()?;
//! let e = evaluate(&flow, &settings.problem, t.compute(), Some(10), false, 1)?;
//! assert!(e.w2.is_finite() && e.sample.nfe == 10.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod coupling;
mod error;
mod eval;
#[cfg(feature = "plot")]
mod figure;
mod floor;
mod flow;
mod fm;
pub mod manifest;
mod nsgf;
mod nsgfpp;
mod path;
mod pool;
mod problem;
mod regress;
mod sample;
mod settings;
mod track;
mod trainer;

pub use coupling::{Coupling, ot_assignment};
pub use error::FlowError;
pub use eval::{EVAL_POINTS, Evaluation, data_floor, eval_source, eval_target, evaluate};
#[cfg(feature = "plot")]
pub use figure::{MAX_FRAMES, PANEL, flow_figure, side_by_side};
pub use floor::{IID_FLOOR_PAIRS, IID_POOL, iid_w2_floor, measure_iid_w2_floor};
pub use flow::{Flow, FlowSample, straight_steps};
pub use fm::FmTrainer;
pub use manifest::{FlowManifest, ModelRole, Sampling};
pub use nsgf::{NsgfCore, NsgfTrainer};
pub use nsgfpp::NsgfPpTrainer;
pub use path::PathBatch;
pub use pool::TrajectoryPool;
pub use problem::{
    PROBLEM_NAMES, Problem, Role, Source, Target, UnknownProblem, derive_rng, derive_seed,
};
pub use regress::{CHUNK, Compute, Regressor};
pub use sample::{euler, euler_per_particle};
pub use settings::{FlowSettings, Method, NsgfSettings};
pub use track::{HeldOutTracker, TRACK_EULER_STEPS};
pub use trainer::{FlowTrainer, REPORT_STEPS, trainer, trainer_on};
