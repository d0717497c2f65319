//! What a solve reports besides its results: iterations and marginal errors.

/// Iterations and final marginal error of one entropic OT problem.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProblemReport {
    /// Sinkhorn updates run: one per ε of the schedule, plus those at the final ε in
    /// [`super::Stopping::Tolerance`] mode (the start and the final extrapolation are not
    /// counted).
    pub iterations: usize,
    /// L2 marginal error of the plan of the last iterate. Tolerance mode: the error that
    /// met `tol` (column marginal `‖Pᵀ1 − b‖₂`). Annealed mode: the row marginal
    /// `‖P1 − a‖₂` of the plan before the final extrapolation (free: it compares `f` with
    /// the extrapolated `f`).
    pub marginal_error: f64,
    /// Soft-C-transforms run (each a pass over all the problem's point pairs: the start,
    /// every update, the extrapolation): what the work is proportional to.
    pub passes: usize,
}

/// What one call of the engine did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SolveReport {
    /// The final ε (`blur²`).
    pub eps: f64,
    /// Length of the ε-scaling schedule (GeomLoss's `eps_list`, ending with `blur²`).
    pub schedule_len: usize,
    /// The cross problem OT(a, b).
    pub xy: ProblemReport,
    /// The self problem OT(a, a) on x.
    pub xx: ProblemReport,
    /// The self problem OT(b, b) on y (`None` for the velocity, which does not need it).
    pub yy: Option<ProblemReport>,
}
