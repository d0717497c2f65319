//! How close a flow's samples come to its data set: exact W2 between generated and fresh
//! test points, next to the data set's two-sample floor.

use super::error::FlowError;
use super::flow::{Flow, FlowSample};
use super::problem::{Problem, Role, derive_seed};
use super::regress::Compute;
use crate::metrics::wasserstein2;

/// Points of each sample of an evaluation (the paper's 1024).
pub const EVAL_POINTS: usize = 1024;

/// One evaluation of a flow.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// Exact W2 between [`EVAL_POINTS`] generated points and as many test points.
    pub w2: f64,
    /// Euler steps (None for NSGF++, which sets its own).
    pub steps: Option<u32>,
    /// The generated points, their cost (NFE) and trajectories.
    pub sample: FlowSample,
}

/// The source points an evaluation starts from: [`EVAL_POINTS`] of the source law, seed
/// role [`Role::EvalSource`] (never used in training).
pub fn eval_source(problem: &Problem, seed: u64) -> Vec<f64> {
    problem.source_batch(EVAL_POINTS, derive_seed(seed, Role::EvalSource, 0))
}

/// The test points of an evaluation: [`EVAL_POINTS`] fresh target points, seed role
/// [`Role::EvalTarget`] (never used in training).
pub fn eval_target(problem: &Problem, seed: u64) -> Vec<f64> {
    problem.target_batch(EVAL_POINTS, derive_seed(seed, Role::EvalTarget, 0))
}

/// Samples the flow from [`eval_source`] (`steps` Euler steps, or NSGF++'s own with
/// `None`) and measures the exact W2 to [`eval_target`]. With `frames`, keeps the
/// trajectories.
pub fn evaluate(
    flow: &Flow,
    compute: &Compute,
    steps: Option<u32>,
    frames: bool,
) -> Result<Evaluation, FlowError> {
    let m = flow.manifest();
    let x0 = eval_source(&m.problem, m.seed);
    let sample = compute.install(|| flow.sample(compute.backend(), &x0, steps, frames))?;
    let test = eval_target(&m.problem, m.seed);
    let w2 = compute.install(|| wasserstein2(&sample.x, &test, 2))?.w2;
    Ok(Evaluation { w2, steps, sample })
}
