//! Sums of pair potentials over particles in space: the engine of DW4 and Lennard-Jones.

use crate::Scalar;

/// Returns Σ_{i<j} φ(‖xᵢ − xⱼ‖) for N = `x.len() / SPACE` particles of SPACE coordinates
/// each, and, when `grad` is given, *adds* its gradient into it. `phi(r)` returns φ(r) and
/// φ′(r). For coincident particles (r = 0) the direction is undefined and that pair adds no
/// gradient.
#[inline]
pub(crate) fn pair_sum<S: Scalar, const SPACE: usize>(
    x: &[S],
    mut grad: Option<&mut [S]>,
    phi: impl Fn(S) -> (S, S),
) -> S {
    let n = x.len() / SPACE;
    let mut total = S::ZERO;
    for i in 0..n {
        for j in i + 1..n {
            let mut diff = [S::ZERO; SPACE];
            let mut r2 = S::ZERO;
            for k in 0..SPACE {
                diff[k] = x[i * SPACE + k] - x[j * SPACE + k];
                r2 += diff[k] * diff[k];
            }
            let r = r2.sqrt();
            let (value, slope) = phi(r);
            total += value;
            if let Some(g) = grad.as_deref_mut()
                && r > S::ZERO
            {
                let f = slope / r;
                for k in 0..SPACE {
                    g[i * SPACE + k] += f * diff[k];
                    g[j * SPACE + k] -= f * diff[k];
                }
            }
        }
    }
    total
}
