//! Small statistics helpers for reporting estimates with their standard errors.

/// The mean of i.i.d. values and its standard error s/√n.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Sample mean.
    pub mean: f64,
    /// Standard error of the mean (0 for fewer than two values).
    pub std_error: f64,
}

impl Estimate {
    /// Mean and standard error of `values`.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Self {
        let (mut n, mut sum, mut sum_sq) = (0.0f64, 0.0f64, 0.0f64);
        for v in values {
            n += 1.0;
            sum += v;
            sum_sq += v * v;
        }
        if n < 1.0 {
            return Self {
                mean: f64::NAN,
                std_error: f64::NAN,
            };
        }
        let mean = sum / n;
        let var = if n > 1.0 {
            ((sum_sq - n * mean * mean) / (n - 1.0)).max(0.0)
        } else {
            0.0
        };
        Self {
            mean,
            std_error: (var / n).sqrt(),
        }
    }

    /// How many standard errors the estimate lies from `exact`.
    pub fn z_score(&self, exact: f64) -> f64 {
        (self.mean - exact) / self.std_error
    }
}

#[cfg(test)]
mod tests {
    use super::Estimate;

    #[test]
    fn mean_and_standard_error_of_known_values() {
        // 1..=4: mean 2.5, sample variance 5/3, s.e. √(5/12).
        let e = Estimate::of([1.0, 2.0, 3.0, 4.0]);
        assert_eq!(e.mean, 2.5);
        assert!((e.std_error - (5.0f64 / 12.0).sqrt()).abs() < 1e-15);
        assert!((e.z_score(2.0) - 0.5 / (5.0f64 / 12.0).sqrt()).abs() < 1e-12);
    }
}
