//! How close a flow's samples come to its data set: exact W2 between generated and test
//! points (fresh draws of a built-in set, or a user data set's held-out rows), next to the
//! data set's two-sample floor.

use super::error::FlowError;
use super::flow::{Flow, FlowSample};
use super::problem::{Problem, Role, derive_seed};
use super::regress::Compute;
use crate::metrics::{SampleMetrics, sample_metrics, wasserstein2};

/// Points of each sample of an evaluation (the paper's 1024; fewer when a user data set
/// holds out fewer rows).
pub const EVAL_POINTS: usize = 1024;

/// One evaluation of a flow: the mean over one or more evaluation draws.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// Exact W2 between [`EVAL_POINTS`] generated points and as many test points (or as
    /// many as the held-out rows, when fewer), the mean over the draws.
    pub w2: f64,
    /// The W2 of each draw (draw k: source and test points from counter k).
    pub w2_draws: Vec<f64>,
    /// Euler steps (None for NSGF++, which sets its own).
    pub steps: Option<u32>,
    /// The generated points of draw 0, their cost (NFE) and trajectories.
    pub sample: FlowSample,
    /// Every distance of draw 0's generated points to its test points, in the data's
    /// units ([`sample_metrics`]: the MMD bandwidth by the median heuristic on the test
    /// points).
    pub metrics: SampleMetrics,
}

impl Evaluation {
    /// Sample standard deviation of the W2 over the draws (0 for one draw).
    pub fn w2_sd(&self) -> f64 {
        let k = self.w2_draws.len();
        if k < 2 {
            return 0.0;
        }
        let ss: f64 = self.w2_draws.iter().map(|w| (w - self.w2).powi(2)).sum();
        (ss / (k - 1) as f64).sqrt()
    }
}

/// The source points of evaluation draw `draw`, in data units:
/// [`Problem::eval_points`]`(EVAL_POINTS)` of the source law, seed role
/// [`Role::EvalSource`] (never used in training), counter `draw`.
pub fn eval_source(problem: &Problem, seed: u64, draw: u64) -> Vec<f64> {
    let n = problem.eval_points(EVAL_POINTS);
    problem.to_data_units(problem.source_batch(n, derive_seed(seed, Role::EvalSource, draw)))
}

/// The test points of evaluation draw `draw` ([`Problem::test_batch`] of
/// [`EVAL_POINTS`]), seed role [`Role::EvalTarget`] (never used in training), counter
/// `draw`.
pub fn eval_target(problem: &Problem, seed: u64, draw: u64) -> Vec<f64> {
    problem.test_batch(EVAL_POINTS, derive_seed(seed, Role::EvalTarget, draw))
}

/// The two-sample floor of a user's data set: every distance of [`sample_metrics`]
/// between as many training rows ([`Problem::training_rows`], seed role
/// [`Role::FloorRows`]) as evaluation draw 0 has test points, and those test points
/// ([`eval_target`]). A flow that reproduced its training rows' law exactly would score
/// about this; a flow that memorised them would score it exactly. `None` for a built-in
/// set (its floors are [`crate::data::Dataset2d::w2_floor`] and
/// [`super::iid_w2_floor`]) and when the training rows are fewer than the test points.
pub fn data_floor(
    problem: &Problem,
    seed: u64,
    compute: &Compute,
) -> Result<Option<SampleMetrics>, FlowError> {
    let test = eval_target(problem, seed, 0);
    let n = test.len() / problem.dim();
    let Some(rows) = problem.training_rows(n, derive_seed(seed, Role::FloorRows, 0)) else {
        return Ok(None);
    };
    Ok(Some(compute.install(|| {
        sample_metrics(&rows, &test, problem.dim(), None)
    })?))
}

/// Samples the flow from [`eval_source`] (`steps` Euler steps, or NSGF++'s own with
/// `None`) and measures the exact W2 to [`eval_target`] of `problem` (the one the flow
/// was trained on), for draws `0..draws` (at least one); the W2 is their mean. With
/// `frames`, keeps the trajectories of draw 0.
pub fn evaluate(
    flow: &Flow,
    problem: &Problem,
    compute: &Compute,
    steps: Option<u32>,
    frames: bool,
    draws: u64,
) -> Result<Evaluation, FlowError> {
    let m = flow.manifest();
    let d = problem.dim();
    let mut first = None;
    let mut w2_draws = Vec::new();
    for draw in 0..draws.max(1) {
        let x0 = eval_source(problem, m.seed, draw);
        let keep = frames && draw == 0;
        let sample = compute.install(|| flow.sample(compute.backend(), &x0, steps, keep))?;
        let test = eval_target(problem, m.seed, draw);
        if draw == 0 {
            let metrics = compute.install(|| sample_metrics(&sample.x, &test, d, None))?;
            w2_draws.push(metrics.w2);
            first = Some((sample, metrics));
        } else {
            w2_draws.push(compute.install(|| wasserstein2(&sample.x, &test, d))?.w2);
        }
    }
    let w2 = w2_draws.iter().sum::<f64>() / w2_draws.len() as f64;
    let (sample, metrics) = first.expect("at least one draw");
    Ok(Evaluation {
        w2,
        w2_draws,
        steps,
        sample,
        metrics,
    })
}
