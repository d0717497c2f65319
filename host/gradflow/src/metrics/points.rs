//! Checks on point sets (row-major `n × d` slices) and the squared distance.

use super::MetricsError;

/// Checks one point set: `d ≥ 1`, a whole number of points, at least `needed` of them, all
/// coordinates finite. Returns the number of points.
pub(crate) fn check_points(
    which: &'static str,
    points: &[f64],
    d: usize,
    needed: usize,
) -> Result<usize, MetricsError> {
    if d == 0 {
        return Err(MetricsError::ZeroDimension);
    }
    if !points.len().is_multiple_of(d) {
        return Err(MetricsError::NotMultipleOfDimension {
            which,
            len: points.len(),
            d,
        });
    }
    let n = points.len() / d;
    if n < needed.max(1) {
        return Err(MetricsError::TooFewPoints {
            which,
            n,
            needed: needed.max(1),
        });
    }
    if let Some(index) = points.iter().position(|v| !v.is_finite()) {
        return Err(MetricsError::NonFinite { which, index });
    }
    Ok(n)
}

/// Checks that a parameter is finite and strictly positive.
pub(crate) fn check_positive(name: &'static str, value: f64) -> Result<f64, MetricsError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(MetricsError::InvalidParameter { name, value })
    }
}

/// Squared Euclidean distance between two points of the same dimension.
#[inline]
pub(crate) fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(p, q)| (p - q) * (p - q)).sum()
}

/// Sums values in a fixed pairwise order, so the result depends only on the values and
/// their order (never on how they were computed in parallel), and with an error growing as
/// log n rather than n.
pub(crate) fn pairwise_sum(values: &[f64]) -> f64 {
    if values.len() <= 32 {
        values.iter().sum()
    } else {
        let (a, b) = values.split_at(values.len() / 2);
        pairwise_sum(a) + pairwise_sum(b)
    }
}
