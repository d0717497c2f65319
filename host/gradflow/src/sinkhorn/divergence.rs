//! The result of [`super::SinkhornSettings::divergence`]: the debiased divergence, its OT
//! terms, potentials and gradient.

use super::SinkhornScalar;
use super::kernel::{bary_flops, pair_flops};
use super::report::SolveReport;

/// The debiased Sinkhorn divergence `S_ε(a, b) = OT_ε(a, b) − ½ OT_ε(a, a) − ½ OT_ε(b, b)`
/// with its terms, dual potentials and the flow velocity at the points of x.
///
/// The sums (value and OT terms) are taken in f64 whatever the precision `S`.
#[derive(Clone, Debug, PartialEq)]
pub struct Divergence<S> {
    /// `S_ε = OT_ε(a, b) − ½ OT_ε(a, a) − ½ OT_ε(b, b)` (GeomLoss's
    /// `⟨a, f_xy − p_xx⟩ + ⟨b, g_xy − q_yy⟩`).
    pub value: f64,
    /// `OT_ε(a, b) = ⟨a, f_xy⟩ + ⟨b, g_xy⟩`.
    pub ot_xy: f64,
    /// `OT_ε(a, a) = 2⟨a, p_xx⟩`.
    pub ot_xx: f64,
    /// `OT_ε(b, b) = 2⟨b, q_yy⟩`.
    pub ot_yy: f64,
    /// Potential of OT(a, b) on the points of x (GeomLoss's `f_ba`).
    pub f_xy: Vec<S>,
    /// Potential of OT(a, b) on the points of y (GeomLoss's `g_ab`).
    pub g_xy: Vec<S>,
    /// Symmetric potential of OT(a, a) on x (GeomLoss's `f_aa`).
    pub p_xx: Vec<S>,
    /// Symmetric potential of OT(b, b) on y (GeomLoss's `g_bb`).
    pub q_yy: Vec<S>,
    /// The flow velocity `v(xᵢ) = Σⱼ W^{xy}ᵢⱼ yⱼ − Σₖ W^{xx}ᵢₖ xₖ` at the points of x,
    /// row-major `n × d` (see [`super::SinkhornSettings::velocity`]).
    pub velocity_x: Vec<S>,
    /// Iterations and marginal errors of the three problems.
    pub report: SolveReport,
}

impl<S: SinkhornScalar> Divergence<S> {
    /// The gradient `∂S_ε/∂xᵢ = aᵢ (T_xx(xᵢ) − T_xy(xᵢ)) = −v(xᵢ)/n`, row-major `n × d`
    /// (it includes the weight `aᵢ = 1/n`): GeomLoss's autograd gradient, which
    /// differentiates the final extrapolation with its input potentials held fixed.
    pub fn grad_x(&self) -> Vec<S> {
        let a = 1.0 / self.f_xy.len() as f64;
        self.velocity_x
            .iter()
            .map(|v| S::from_f64(-a * v.to_f64()))
            .collect()
    }

    /// Floating-point operations of the solve by the kernel's count: each pair of each
    /// pass ([`ProblemReport::passes`](super::ProblemReport::passes)) at
    /// `3d + 26`, plus `2d` per pair for the barycentre sums of the final xy and xx
    /// passes. What a benchmark divides by its time.
    pub fn flops(&self) -> f64 {
        let (n, m) = (self.f_xy.len() as f64, self.g_xy.len() as f64);
        let d = self.velocity_x.len() / self.f_xy.len().max(1);
        let r = &self.report;
        let pairs = n * m * r.xy.passes as f64
            + n * n * r.xx.passes as f64
            + m * m * r.yy.map_or(0, |p| p.passes) as f64;
        pairs * pair_flops(d) as f64 + (n * m + n * n) * bary_flops(d) as f64
    }

    /// Sinkhorn updates of the xy, xx and yy problems (see
    /// [`super::ProblemReport::iterations`]).
    pub fn iterations(&self) -> [usize; 3] {
        let r = &self.report;
        [
            r.xy.iterations,
            r.xx.iterations,
            r.yy.map_or(0, |p| p.iterations),
        ]
    }
}
