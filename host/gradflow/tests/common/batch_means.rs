//! The mean of a trace of vectors and its batch-means standard error: the standard error
//! of a time average of a correlated chain, estimated from the chain itself.

/// Batches the trace is cut into.
pub const BATCHES: usize = 10;

/// Per coordinate: the mean of `trace` (rows of equal length) over its first
/// `BATCHES·⌊len/BATCHES⌋` rows, and the standard error sd(batch means)/√BATCHES.
pub fn batch_means(trace: &[Vec<f64>]) -> (Vec<f64>, Vec<f64>) {
    let per = trace.len() / BATCHES;
    assert!(per > 0, "a trace of {} rows is too short", trace.len());
    let dim = trace[0].len();
    let means: Vec<Vec<f64>> = (0..BATCHES)
        .map(|b| {
            let rows = &trace[b * per..(b + 1) * per];
            (0..dim)
                .map(|j| rows.iter().map(|r| r[j]).sum::<f64>() / per as f64)
                .collect()
        })
        .collect();
    let mean: Vec<f64> = (0..dim)
        .map(|j| means.iter().map(|r| r[j]).sum::<f64>() / BATCHES as f64)
        .collect();
    let se = (0..dim)
        .map(|j| {
            let var =
                means.iter().map(|r| (r[j] - mean[j]).powi(2)).sum::<f64>() / (BATCHES - 1) as f64;
            (var / BATCHES as f64).sqrt()
        })
        .collect();
    (mean, se)
}
