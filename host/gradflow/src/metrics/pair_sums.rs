//! Double sums of a function of the squared distance over pairs of points, in parallel and
//! deterministic: each row is summed sequentially on one thread, and the row sums are
//! combined in row order by a fixed pairwise sum, whatever the number of threads.

use rayon::prelude::*;

use super::points::{pairwise_sum, sq_dist};

/// `Σ_{i<j} k(‖xᵢ − xⱼ‖²)` over the points of one sample (each unordered pair once).
pub(crate) fn within_sum(x: &[f64], d: usize, k: impl Fn(f64) -> f64 + Sync) -> f64 {
    let n = x.len() / d;
    let rows: Vec<f64> = (0..n)
        .into_par_iter()
        .map(|i| {
            let xi = &x[i * d..(i + 1) * d];
            x[(i + 1) * d..]
                .chunks_exact(d)
                .map(|xj| k(sq_dist(xi, xj)))
                .sum()
        })
        .collect();
    pairwise_sum(&rows)
}

/// `Σ_{i,j} k(‖xᵢ − yⱼ‖²)` over all pairs of a point of `x` and a point of `y`.
pub(crate) fn cross_sum(x: &[f64], y: &[f64], d: usize, k: impl Fn(f64) -> f64 + Sync) -> f64 {
    let rows: Vec<f64> = x
        .par_chunks_exact(d)
        .map(|xi| y.chunks_exact(d).map(|yj| k(sq_dist(xi, yj))).sum())
        .collect();
    pairwise_sum(&rows)
}
