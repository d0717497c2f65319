//! The over-relaxation factor ω of the tolerance phase of a cross problem (successive
//! over-relaxation of the alternating Sinkhorn updates, Thibault, Chizat, Dossal and
//! Papadakis 2021; the optimal factor and its local convergence: Lehmann, von Renesse,
//! Sambale and Uschmajew 2022):
//!
//! `f ← (1 − ω) f + ω smin(g)`, `g ← (1 − ω) g + ω smin(f)`, `ω ∈ [1, 2)`.
//!
//! Plain Sinkhorn (ω = 1) contracts the error by a factor θ = μ² per iteration near the
//! solution (μ: the second singular value of the scaled kernel); with θ close to 1 (small
//! ε) it needs of the order of 1/(1 − θ) iterations. The optimal factor
//! `ω* = 2/(1 + √(1 − θ))` contracts by `ω* − 1 ≈ 1 − 2√(1 − θ)` instead: of the order of
//! 1/√(1 − θ) iterations. θ is not known in advance; it is estimated from the observed
//! decay of the marginal error, as in Hageman and Young's adaptive SOR for linear systems:
//! plain iterations first, then at each check the rate ρ observed under the current ω gives
//! `μ² = (ρ + ω − 1)²/(ρ ω²)` (exact for the dominant mode while ω ≤ ω*, and equal to the
//! μ² for which ω is optimal once ω ≥ ω*), and ω is raised to that μ²'s optimum, never
//! lowered, except that an error that grew between two checks halves ω − 1.
//!
//! The marginal error is measured on a plain update (ω = 1 for that `f` update, so that
//! the rows of the plan are exact, as in the non-relaxed loop and in POT), every
//! iteration during the warm-up and every [`CHECK_EVERY`] iterations after it.

/// Plain iterations (ω = 1, error checked each time) before the first estimate.
const WARM_UP: usize = 16;

/// Iterations between two error checks after the warm-up.
const CHECK_EVERY: usize = 10;

/// Largest factor used: close to 2 the iteration is fragile to errors of the estimate.
const OMEGA_MAX: f64 = 1.95;

/// The optimal factor for a plain contraction rate `theta` ∈ [0, 1).
fn optimal_omega(theta: f64) -> f64 {
    (2.0 / (1.0 + (1.0 - theta.clamp(0.0, 1.0)).sqrt())).clamp(1.0, OMEGA_MAX)
}

/// The adaptive factor of one tolerance phase.
#[derive(Clone, Debug)]
pub(crate) struct Relaxation {
    omega: f64,
    /// The iteration and error of the last check.
    last: Option<(usize, f64)>,
    /// The error at iteration `WARM_UP / 2` (the start of the warm-up's estimate).
    mid_warm_up: Option<f64>,
}

impl Relaxation {
    /// A phase starting with plain iterations.
    pub(crate) fn new() -> Self {
        Self {
            omega: 1.0,
            last: None,
            mid_warm_up: None,
        }
    }

    /// The current factor.
    pub(crate) fn omega(&self) -> f64 {
        self.omega
    }

    /// Whether iteration `k` (from 1) measures the error (and so runs its `f` update
    /// plain).
    pub(crate) fn checks_at(&self, k: usize) -> bool {
        k <= WARM_UP || k.is_multiple_of(CHECK_EVERY)
    }

    /// Records the error measured at iteration `k` and adapts ω.
    pub(crate) fn observe(&mut self, k: usize, error: f64) {
        if k == WARM_UP / 2 {
            self.mid_warm_up = Some(error);
        }
        if k == WARM_UP {
            if let Some(start) = self.mid_warm_up {
                let theta = rate(start, error, k - WARM_UP / 2);
                self.omega = optimal_omega(theta);
            }
        } else if k > WARM_UP
            && let Some((k0, e0)) = self.last
        {
            let decreased = error < e0;
            if decreased {
                let rho = rate(e0, error, k - k0);
                let w = self.omega;
                let mu2 = (rho + w - 1.0).powi(2) / (rho * w * w);
                self.omega = self.omega.max(optimal_omega(mu2));
            } else {
                // Grew, or NaN: back off towards the plain iteration.
                self.omega = 1.0 + 0.5 * (self.omega - 1.0);
            }
        }
        self.last = Some((k, error));
    }
}

/// The per-iteration contraction from `from` to `to` over `iterations` iterations
/// (1 when the error did not decrease or is not finite).
fn rate(from: f64, to: f64, iterations: usize) -> f64 {
    if !(to < from && to > 0.0 && from.is_finite()) {
        return 1.0;
    }
    (to / from).powf(1.0 / iterations as f64)
}

/// `a ← (1 − ω) a + ω b`; a plain copy when ω = 1.
pub(crate) fn relax(a: &mut [f64], b: &[f64], omega: f64) {
    if omega == 1.0 {
        a.copy_from_slice(b);
    } else {
        a.iter_mut()
            .zip(b)
            .for_each(|(a, b)| *a = (1.0 - omega) * *a + omega * b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SOR theory on a 2-cyclic linear iteration with plain rate θ: ω* = 2/(1 + √(1 − θ)).
    #[test]
    fn the_optimal_factor_matches_young() {
        assert_eq!(optimal_omega(0.0), 1.0);
        assert!((optimal_omega(0.75) - 4.0 / 3.0).abs() < 1e-15);
        assert!((optimal_omega(0.99) - 2.0 / 1.1).abs() < 1e-15);
        assert_eq!(optimal_omega(1.0), OMEGA_MAX);
    }

    /// Fed the errors of an iteration that contracts by θ = 0.99 per step under ω = 1, the
    /// warm-up estimates θ and sets ω*; a later check whose observed rate is ω − 1 (the
    /// rate of SOR at its optimum) keeps ω; a growing error halves ω − 1.
    #[test]
    fn adapts_to_the_observed_rate() {
        let mut r = Relaxation::new();
        for k in 1..=WARM_UP {
            assert!(r.checks_at(k));
            r.observe(k, 0.99f64.powi(k as i32));
        }
        let star = 2.0 / 1.1;
        assert!((r.omega() - star).abs() < 1e-9, "{}", r.omega());
        assert!(!r.checks_at(WARM_UP + 1) && r.checks_at(20));
        let e16 = 0.99f64.powi(WARM_UP as i32);
        r.observe(20, e16 * (star - 1.0).powi(4));
        assert!((r.omega() - star).abs() < 1e-9, "{}", r.omega());
        r.observe(30, 1.0);
        assert!((r.omega() - (1.0 + 0.5 * (star - 1.0))).abs() < 1e-12);
    }
}
