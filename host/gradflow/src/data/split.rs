//! Seeded shuffle splits into a training and a test set.

use super::error::DataError;
use super::samples::Samples;
use super::shuffle::permutation;

/// The stream of the split's permutation under the caller's seed.
const SPLIT_STREAM: u64 = 0;

/// The row indices of a shuffle split of `n` rows, `(train, test)`, as scikit-learn's
/// `ShuffleSplit`: a seeded uniform permutation `p` of `0..n`, the test set
/// `p[..n_test]` with `n_test = ⌈test_fraction · n⌉` and the training set `p[n_test..]`,
/// each in permuted order. Use it to split several arrays alike (images and labels).
pub fn split_indices(
    n: usize,
    test_fraction: f64,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>), DataError> {
    if !(0.0..=1.0).contains(&test_fraction) {
        return Err(DataError::Fraction(test_fraction));
    }
    let n_test = ((test_fraction * n as f64).ceil() as usize).min(n);
    let mut train = permutation(n, seed, SPLIT_STREAM);
    let test = train.drain(..n_test).collect();
    Ok((train, test))
}

/// Splits the rows of `samples` into `(train, test)` by [`split_indices`]`(n, test_fraction,
/// seed)`: the same seed gives the same split.
pub fn split(
    samples: &Samples,
    test_fraction: f64,
    seed: u64,
) -> Result<(Samples, Samples), DataError> {
    let (train, test) = split_indices(samples.n, test_fraction, seed)?;
    Ok((samples.select(&train)?, samples.select(&test)?))
}
