//! Activations over rows of a micro-tile, written so that the compiler vectorises them: a
//! branch-free f32 exponential (Cephes `expf`: range reduction by ln 2 and a degree-6
//! polynomial, about 2 ulp on the clamped range) and SiLU on top of it. The other
//! activations go through the core's scalar [`Activation::eval`].

use gradflow_core::Activation;

/// `exp(x)` for x clamped to [−87, 88] (so that 2ⁿ stays a normal number): about 2 ulp.
#[inline(always)]
pub(crate) fn exp_f32(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Adding and subtracting 1.5·2²³ rounds to the nearest integer without a rounding
    // instruction (exact for |v| < 2²²).
    const ROUND: f32 = 12_582_912.0;
    let x = x.clamp(-87.0, 88.0);
    // Fused multiply-adds in the range reduction: fewer instructions (the Sinkhorn kernels
    // are bound by them) and r = x − n·ln 2 rounded fewer times.
    let shifted = x.mul_add(LOG2E, ROUND);
    let n = shifted - ROUND;
    let r = (-n).mul_add(LN2_LO, (-n).mul_add(LN2_HI, x));
    let mut p = 1.987_569_1e-4f32;
    p = p.mul_add(r, 1.398_199_9e-3);
    p = p.mul_add(r, 8.333_452e-3);
    p = p.mul_add(r, 4.166_579_6e-2);
    p = p.mul_add(r, 1.666_666_5e-1);
    p = p.mul_add(r, 0.5);
    let e = (p * r).mul_add(r, r) + 1.0;
    // 2ⁿ from its exponent bits. The low mantissa bits of `shifted` hold 2²² + n; adding
    // the bias 127 and shifting by 23 leaves exactly n + 127 in the exponent field (n ∈
    // [−126, 127] here). Integer operations only, so this vectorises (a float-to-int cast
    // would not: Rust's `as` saturates).
    let two_n = f32::from_bits(shifted.to_bits().wrapping_add(127) << 23);
    e * two_n
}

/// `(σ(z), σ′(z))` for SiLU `z·s(z)`, s the logistic function: `σ′ = s·(1 + z·(1 − s))`.
#[inline(always)]
pub(super) fn silu_f32(z: f32) -> (f32, f32) {
    let s = 1.0 / (1.0 + exp_f32(-z));
    (z * s, s * (1.0 + z * (1.0 - s)))
}

/// `(σ(z), σ′(z))` of any activation: the vectorisable SiLU and ReLU here, the core's
/// scalar formulas for the others.
#[inline(always)]
pub(super) fn eval_f32(act: Activation, z: f32) -> (f32, f32) {
    match act {
        Activation::Silu => silu_f32(z),
        Activation::Relu => {
            if z > 0.0 {
                (z, 1.0)
            } else {
                (0.0, 0.0)
            }
        }
        other => other.eval(z),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative error of the polynomial exponential over its whole range, against libm in
    /// f64: at most 4 ulp (2.4e-7 relative).
    #[test]
    fn exp_matches_libm_to_a_few_ulp() {
        let mut worst = 0.0f64;
        let mut x = -87.0f32;
        while x <= 88.0 {
            let want = (x as f64).exp();
            let got = exp_f32(x) as f64;
            worst = worst.max((got - want).abs() / want);
            x += 0.001_37;
        }
        assert!(worst < 2.4e-7, "worst relative error {worst:e}");
        assert_eq!(exp_f32(0.0), 1.0);
        assert!(exp_f32(-1e30) > 0.0 && exp_f32(1e30).is_finite());
    }

    /// SiLU and its derivative against the core's libm version.
    #[test]
    fn silu_matches_the_core() {
        for k in -4000..=4000 {
            let z = k as f32 * 0.025;
            let (h, d) = silu_f32(z);
            let (wh, wd) = Activation::Silu.eval(z as f64);
            assert!((h as f64 - wh).abs() <= 1e-6 * (1.0 + wh.abs()), "σ({z})");
            assert!((d as f64 - wd).abs() <= 1e-6, "σ′({z})");
        }
        assert!(silu_f32(-200.0).0.abs() < 1e-30 && silu_f32(200.0).0 == 200.0);
    }
}
