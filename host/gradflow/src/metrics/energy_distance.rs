//! The energy distance (Székely and Rizzo) between two samples.

use super::MetricsError;
use super::pair_sums::{cross_sum, within_sum};
use super::points::check_points;

/// Energy distance `2E‖X − Y‖ − E‖X − X′‖ − E‖Y − Y′‖` between the laws of two samples
/// (Euclidean norm), estimated without bias: the cross term averages all `n·m` pairs and
/// the within-sample terms are U-statistics over the pairs `i ≠ j`,
///
/// `ED = 2/(nm) Σᵢⱼ ‖xᵢ − yⱼ‖ − 1/(n(n−1)) Σ_{i≠i′} ‖xᵢ − xᵢ′‖ − 1/(m(m−1)) Σ_{j≠j′} ‖yⱼ − yⱼ′‖`.
///
/// Its expectation is the population energy distance, which is ≥ 0 and vanishes only when
/// the laws agree; the estimate itself can be slightly negative. Needs at least two points
/// in each sample. Cost O((n + m)²·d), memory O(n + m), deterministic for any thread count.
///
/// ```
/// use gradflow::metrics::energy_distance;
/// // Two samples of one point each are not enough for the within-sample U-statistic.
/// assert!(energy_distance(&[0.0], &[1.0], 1).is_err());
/// let ed = energy_distance(&[0.0, 0.0], &[1.0, 1.0], 1)?; // point masses at 0 and 1
/// assert_eq!(ed, 2.0);
/// # Ok::<(), gradflow::metrics::MetricsError>(())
/// ```
pub fn energy_distance(x: &[f64], y: &[f64], d: usize) -> Result<f64, MetricsError> {
    let n = check_points("x", x, d, 2)? as f64;
    let m = check_points("y", y, d, 2)? as f64;
    let xy = cross_sum(x, y, d, f64::sqrt) / (n * m);
    // Each unordered pair appears twice in Σ_{i≠i′}.
    let xx = 2.0 * within_sum(x, d, f64::sqrt) / (n * (n - 1.0));
    let yy = 2.0 * within_sum(y, d, f64::sqrt) / (m * (m - 1.0));
    Ok(2.0 * xy - xx - yy)
}
