//! [`DataSet`]: a user's training rows and held-out test rows, checked once, in any
//! dimension.

use std::fmt;

use super::error::DataError;
use super::samples::Samples;
use super::shuffle::fingerprint;
use super::split::split;

/// Fewest training rows a data set may have.
pub const MIN_TRAIN_ROWS: usize = 2;

/// The held-out fraction when no test file is given (10 %).
pub const DEFAULT_TEST_FRACTION: f64 = 0.1;

/// Where a data set's test rows come from.
#[derive(Clone, Debug, PartialEq)]
pub enum HeldOut {
    /// A seeded shuffle split of one file ([`split`]): `fraction` of the rows, rounded up.
    Split {
        /// The held-out fraction, in (0, 1).
        fraction: f64,
        /// The split's seed.
        seed: u64,
    },
    /// A separate set of test rows (a second file).
    Given,
}

impl fmt::Display for HeldOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Split { fraction, seed } => {
                write!(
                    f,
                    "held out by a seeded split: {} %, seed {seed}",
                    100.0 * fraction
                )
            }
            Self::Given => f.write_str("given"),
        }
    }
}

/// A user's data set: training rows and test rows of the same dimension d ≥ 1, every value
/// finite, at least [`MIN_TRAIN_ROWS`] training rows and one test row.
#[derive(Clone, Debug, PartialEq)]
pub struct DataSet {
    /// A name for reports (the file's name, say).
    pub name: String,
    /// The training rows.
    pub train: Samples,
    /// The held-out test rows.
    pub test: Samples,
    /// How the test rows were obtained.
    pub held_out: HeldOut,
}

impl DataSet {
    /// Splits `all` into training and test rows by a seeded shuffle, `fraction` of them
    /// (rounded up) held out.
    pub fn split(
        name: impl Into<String>,
        all: &Samples,
        fraction: f64,
        seed: u64,
    ) -> Result<Self, DataError> {
        if !(fraction > 0.0 && fraction < 1.0) {
            return Err(DataError::Fraction(fraction));
        }
        check_rows("data", all)?;
        let (train, test) = split(all, fraction, seed)?;
        Self::checked(name.into(), train, test, HeldOut::Split { fraction, seed })
    }

    /// Training rows and separately given test rows.
    pub fn with_test(
        name: impl Into<String>,
        train: Samples,
        test: Samples,
    ) -> Result<Self, DataError> {
        check_rows("training data", &train)?;
        check_rows("test data", &test)?;
        Self::checked(name.into(), train, test, HeldOut::Given)
    }

    fn checked(
        name: String,
        train: Samples,
        test: Samples,
        held_out: HeldOut,
    ) -> Result<Self, DataError> {
        if train.d != test.d {
            return Err(DataError::DimensionMismatch {
                what: "test data",
                expected: train.d,
                found: test.d,
            });
        }
        let too_few = |what, found, needed| DataError::TooFewRows {
            what,
            found,
            needed,
        };
        if test.n == 0 {
            return Err(too_few("test data", 0, 1));
        }
        if train.n < MIN_TRAIN_ROWS {
            return Err(too_few("training data", train.n, MIN_TRAIN_ROWS));
        }
        Ok(Self {
            name,
            train,
            test,
            held_out,
        })
    }

    /// The dimension d.
    pub fn dim(&self) -> usize {
        self.train.d
    }

    /// A fingerprint of the rows: FNV-1a ([`super::shuffle::fingerprint`], what checkpoints
    /// store) over the row counts and the dimension, then the training and the test values,
    /// as 16 hex digits. Equal data give equal fingerprints; a run records it so that
    /// resuming on other data is refused.
    pub fn fingerprint(&self) -> String {
        let shape = [self.train.n, self.test.n, self.dim()].map(|v| v as f64);
        let values = shape.iter().chain(&self.train.data).chain(&self.test.data);
        format!("{:016x}", fingerprint(values))
    }
}

/// Refuses rows with no columns or a non-finite value (naming the 1-based row and column).
fn check_rows(what: &'static str, s: &Samples) -> Result<(), DataError> {
    if s.d == 0 {
        return Err(DataError::NoColumns { what });
    }
    for (i, row) in s.rows().enumerate() {
        if let Some(j) = row.iter().position(|v| !v.is_finite()) {
            return Err(DataError::NonFinite {
                what,
                row: i + 1,
                column: j + 1,
                value: row[j],
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: usize, d: usize) -> Samples {
        Samples::new(n, d, (0..n * d).map(|v| v as f64).collect()).unwrap()
    }

    #[test]
    fn a_split_holds_out_the_fraction_rounded_up() {
        let s = DataSet::split("x", &rows(25, 3), 0.1, 4).unwrap();
        assert_eq!((s.train.n, s.test.n, s.dim()), (22, 3, 3));
        assert_eq!(
            s.held_out,
            HeldOut::Split {
                fraction: 0.1,
                seed: 4
            }
        );
        assert_eq!(s, DataSet::split("x", &rows(25, 3), 0.1, 4).unwrap());
    }

    #[test]
    fn bad_data_is_refused_by_name() {
        let mut bad = rows(5, 2);
        bad.data[7] = f64::NAN;
        let e = DataSet::split("x", &bad, 0.2, 0).unwrap_err().to_string();
        assert_eq!(
            e,
            "data: row 4, column 2 is NaN (every value must be finite)"
        );
        let e = DataSet::with_test("x", rows(5, 2), rows(3, 3)).unwrap_err();
        assert_eq!(e.to_string(), "test data has 3 columns, expected 2");
        let e = DataSet::with_test("x", rows(1, 2), rows(3, 2)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "training data has 1 rows, at least 2 are needed"
        );
        let e = DataSet::split("x", &rows(5, 2), 1.0, 0).unwrap_err();
        assert!(matches!(e, DataError::Fraction(_)), "{e}");
        let e = DataSet::with_test("x", rows(5, 0), rows(3, 0)).unwrap_err();
        assert_eq!(e.to_string(), "training data has no columns");
    }

    #[test]
    fn the_fingerprint_follows_the_values() {
        let a = DataSet::with_test("x", rows(5, 2), rows(3, 2)).unwrap();
        let mut other = rows(5, 2);
        other.data[9] = 9.5;
        let b = DataSet::with_test("x", other, rows(3, 2)).unwrap();
        assert_eq!(a.fingerprint(), a.clone().fingerprint());
        assert_ne!(a.fingerprint(), b.fingerprint());
        assert_eq!(a.fingerprint().len(), 16);
    }
}
