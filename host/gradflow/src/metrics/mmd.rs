//! Maximum mean discrepancy with a Gaussian (RBF) kernel, and the median heuristic for its
//! bandwidth.

use super::MetricsError;
use super::pair_sums::{cross_sum, within_sum};
use super::points::{check_points, check_positive, sq_dist};

/// Largest number of pooled points [`median_bandwidth`] uses exactly; above it, an evenly
/// strided subset of this many points.
pub const MEDIAN_MAX_POINTS: usize = 2048;

/// Unbiased estimate (U-statistic) of MMD² between the laws of two samples under the kernel
/// `k(x, y) = exp(−‖x − y‖² / (2σ²))` with the bandwidth `sigma` = σ given by the caller:
///
/// `MMD²ᵤ = 1/(n(n−1)) Σ_{i≠i′} k(xᵢ, xᵢ′) + 1/(m(m−1)) Σ_{j≠j′} k(yⱼ, yⱼ′) − 2/(nm) Σᵢⱼ k(xᵢ, yⱼ)`
///
/// (Gretton et al. 2012, eq. 3). Its expectation is the population MMD², ≥ 0; the estimate
/// itself can be slightly negative. Needs at least two points in each sample. Cost
/// O((n + m)²·d), memory O(n + m), deterministic for any thread count.
///
/// ```
/// use gradflow::metrics::mmd2_rbf;
/// // Point masses at 0 and 1 in 1D, σ = 1: 2 − 2·exp(−1/2).
/// let mmd2 = mmd2_rbf(&[0.0, 0.0], &[1.0, 1.0], 1, 1.0)?;
/// assert!((mmd2 - (2.0 - 2.0 * (-0.5f64).exp())).abs() < 1e-15);
/// # Ok::<(), gradflow::metrics::MetricsError>(())
/// ```
pub fn mmd2_rbf(x: &[f64], y: &[f64], d: usize, sigma: f64) -> Result<f64, MetricsError> {
    let n = check_points("x", x, d, 2)? as f64;
    let m = check_points("y", y, d, 2)? as f64;
    let sigma = check_positive("sigma", sigma)?;
    let scale = -1.0 / (2.0 * sigma * sigma);
    let k = |r2: f64| (scale * r2).exp();
    let xx = 2.0 * within_sum(x, d, k) / (n * (n - 1.0));
    let yy = 2.0 * within_sum(y, d, k) / (m * (m - 1.0));
    let xy = cross_sum(x, y, d, k) / (n * m);
    Ok(xx + yy - 2.0 * xy)
}

/// The median heuristic for the RBF bandwidth: σ = the median of the pairwise Euclidean
/// distances `‖zₖ − zₗ‖`, k < l, over the pooled sample z = (x, y) (the two middle values
/// averaged when their number is even, as `numpy.median(scipy.spatial.distance.pdist(z))`).
///
/// With more than [`MEDIAN_MAX_POINTS`] pooled points it uses the evenly strided subset
/// `z[⌊k·N/MEDIAN_MAX_POINTS⌋]`, k = 0..MEDIAN_MAX_POINTS (deterministic), to keep memory
/// at about 16 MiB. Needs at least two pooled points, and a non-zero median (else
/// [`MetricsError::InvalidParameter`] named `"median distance"`).
pub fn median_bandwidth(x: &[f64], y: &[f64], d: usize) -> Result<f64, MetricsError> {
    let n = check_points("x", x, d, 1)?;
    let m = check_points("y", y, d, 1)?;
    let total = n + m;
    let point = |k: usize| -> &[f64] {
        if k < n {
            &x[k * d..(k + 1) * d]
        } else {
            &y[(k - n) * d..(k - n + 1) * d]
        }
    };
    let used: Vec<usize> = if total <= MEDIAN_MAX_POINTS {
        (0..total).collect()
    } else {
        (0..MEDIAN_MAX_POINTS)
            .map(|k| k * total / MEDIAN_MAX_POINTS)
            .collect()
    };
    let mut dists = Vec::with_capacity(used.len() * (used.len() - 1) / 2);
    for (a, &k) in used.iter().enumerate() {
        for &l in &used[a + 1..] {
            dists.push(sq_dist(point(k), point(l)).sqrt());
        }
    }
    let len = dists.len();
    let mid = len / 2;
    let (_, &mut upper, _) = dists.select_nth_unstable_by(mid, f64::total_cmp);
    let median = if len % 2 == 1 {
        upper
    } else {
        let lower = dists[..mid]
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        0.5 * (lower + upper)
    };
    check_positive("median distance", median)
}
