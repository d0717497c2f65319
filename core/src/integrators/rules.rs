//! The update rules themselves, one coordinate (or one chain) at a time. The per-particle
//! kernels of this crate and the host's batched and fused samplers all move particles with
//! these functions, so a rule is written once whatever executes it.

use crate::{Scalar, StreamRng};

/// The noise scale √(2τ) of an overdamped Langevin step of size τ.
#[inline]
pub fn langevin_noise<S: Scalar>(step: S) -> S {
    (S::TWO * step).sqrt()
}

/// One coordinate of an overdamped Langevin move: `x − drift·g + noise·ξ`, ξ ~ N(0, 1)
/// drawn from `rng`. ULA and the MALA proposal use drift = τ, noise = √(2τ); the first
/// half-step of `jko2` uses drift = τ/2 with the same noise. Chains draw ξ in coordinate
/// order, so every implementation that calls this in that order gives the same bits.
#[inline(always)]
pub fn langevin<S: Scalar>(x: S, g: S, drift: S, noise: S, rng: &mut StreamRng) -> S {
    x - drift * g + noise * rng.normal::<S>()
}

/// One coordinate of the exact heat step of the W2 schemes: `y + noise·ξ`, ξ ~ N(0, 1)
/// drawn from `rng` (noise = √(2τ)).
#[inline(always)]
pub fn heat<S: Scalar>(y: S, noise: S, rng: &mut StreamRng) -> S {
    y + noise * rng.normal::<S>()
}

/// One coordinate of a relaxed fixed-point iteration of the proximal map
/// `prox_{hE}(c)`: `(1 − ω)·y + ω·(c − h·∇E(y))` (see [`super::prox`]).
#[inline(always)]
pub fn proximal<S: Scalar>(y: S, centre: S, g: S, h: S, relaxation: S) -> S {
    (S::ONE - relaxation) * y + relaxation * (centre - h * g)
}

/// log of MALA's Metropolis–Hastings ratio for the move x → y of one chain:
/// `E(x) − E(y) + log q(x | y) − log q(y | x)`, with
/// `log q(b | a) = −‖b − a + τ∇E(a)‖² / (4τ) + const`. Accumulated in f64.
pub fn mala_log_acceptance<S: Scalar>(
    tau: S,
    x: &[S],
    y: &[S],
    gx: &[S],
    gy: &[S],
    ex: S,
    ey: S,
) -> f64 {
    let mut fwd = 0.0f64;
    let mut bwd = 0.0f64;
    for i in 0..x.len() {
        let f = (y[i] - x[i] + tau * gx[i]).to_f64();
        let b = (x[i] - y[i] + tau * gy[i]).to_f64();
        fwd += f * f;
        bwd += b * b;
    }
    (ex - ey).to_f64() + (fwd - bwd) / (4.0 * tau.to_f64())
}

/// Whether MALA accepts a proposal with energy `ey` and gradient `gy`, given the uniform
/// draw `u` and the log ratio computed lazily by `log_alpha`: a proposal with an infinite
/// energy or gradient (a hard wall) is rejected. The caller reports NaN as an error first.
#[inline]
pub fn mala_accepts<S: Scalar>(u: f64, ey: S, gy: &[S], log_alpha: impl FnOnce() -> f64) -> bool {
    ey.is_finite() && gy.iter().all(|g| g.is_finite()) && u.ln() < log_alpha()
}
