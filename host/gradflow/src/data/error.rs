//! The error type of the data module.

use std::fmt;
use std::path::PathBuf;

/// What is wrong with the contents of a `.npy` or `.csv` file (or bytes in memory).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum FormatError {
    /// The file name ends in neither `.npy` nor `.csv`.
    UnknownExtension,
    /// The bytes are not a readable `.npy` file (bad magic, header or truncated data).
    Npy(String),
    /// The `.npy` element type is not `f4` or `f8` (the dtype string as stored).
    NpyDtype(String),
    /// The `.npy` array is not 2-D (its shape).
    NpyDims(Vec<u64>),
    /// The `.npy` array has more elements than this machine can address.
    NpyTooLarge(Vec<u64>),
    /// A CSV line has a different number of columns from the first data line.
    CsvRagged {
        /// 1-based line number in the file.
        line: usize,
        /// Columns found on that line.
        found: usize,
        /// Columns of the first data line.
        expected: usize,
    },
    /// A CSV field (after the optional header) is not a number.
    CsvNumber {
        /// 1-based line number in the file.
        line: usize,
        /// 1-based column number.
        column: usize,
        /// The field's text.
        text: String,
    },
    /// The CSV bytes are not UTF-8.
    CsvUtf8,
    /// The file is readable but not a trajectory in the layout of
    /// [`super::Trajectory`] (the cause).
    Trajectory(String),
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownExtension => write!(f, "unknown file type: expected a .npy or .csv name"),
            Self::Npy(cause) => write!(f, "not a readable .npy file: {cause}"),
            Self::NpyDtype(dtype) => {
                write!(
                    f,
                    ".npy dtype {dtype} is not supported: expected float32 or float64"
                )
            }
            Self::NpyDims(shape) => {
                write!(
                    f,
                    ".npy array has shape {shape:?}: expected 2 dimensions (n, d)"
                )
            }
            Self::NpyTooLarge(shape) => write!(f, ".npy array of shape {shape:?} is too large"),
            Self::CsvRagged {
                line,
                found,
                expected,
            } => write!(
                f,
                "CSV line {line} has {found} columns, expected {expected} (as the first data line)"
            ),
            Self::CsvNumber { line, column, text } => {
                write!(
                    f,
                    "CSV line {line}, column {column}: {text:?} is not a number"
                )
            }
            Self::CsvUtf8 => write!(f, "CSV file is not valid UTF-8 text"),
            Self::Trajectory(cause) => write!(f, "not a trajectory: {cause}"),
        }
    }
}

impl std::error::Error for FormatError {}

/// Why samples could not be read, written, built or split.
#[derive(Debug)]
#[non_exhaustive]
pub enum DataError {
    /// Reading or writing the file failed.
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file's contents (or name) are not a supported matrix.
    Format {
        /// The file.
        path: PathBuf,
        /// The cause.
        kind: FormatError,
    },
    /// The data length is not `n × d`.
    Shape {
        /// Rows claimed.
        n: usize,
        /// Columns claimed.
        d: usize,
        /// Values given.
        len: usize,
    },
    /// A test fraction outside [0, 1] (or NaN).
    Fraction(f64),
    /// A row index past the last row.
    Index {
        /// The index given.
        index: usize,
        /// The number of rows.
        n: usize,
    },
    /// A value is NaN or infinite.
    NonFinite {
        /// Which rows (`training data`, `test data`).
        what: &'static str,
        /// 1-based row.
        row: usize,
        /// 1-based column.
        column: usize,
        /// The value.
        value: f64,
    },
    /// Rows of another dimension than expected.
    DimensionMismatch {
        /// Which rows.
        what: &'static str,
        /// Columns expected.
        expected: usize,
        /// Columns found.
        found: usize,
    },
    /// Fewer rows than needed.
    TooFewRows {
        /// Which rows.
        what: &'static str,
        /// Rows found.
        found: usize,
        /// Rows needed at least.
        needed: usize,
    },
    /// Rows without a column.
    NoColumns {
        /// Which rows.
        what: &'static str,
    },
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Format { path, kind } => write!(f, "{}: {kind}", path.display()),
            Self::Shape { n, d, len } => {
                write!(
                    f,
                    "{len} values cannot form a {n} × {d} matrix (need {})",
                    n * d
                )
            }
            Self::Fraction(x) => write!(f, "test fraction {x} is not in [0, 1]"),
            Self::Index { index, n } => write!(f, "row index {index} is out of range for {n} rows"),
            Self::NonFinite {
                what,
                row,
                column,
                value,
            } => write!(
                f,
                "{what}: row {row}, column {column} is {value} (every value must be finite)"
            ),
            Self::DimensionMismatch {
                what,
                expected,
                found,
            } => write!(f, "{what} has {found} columns, expected {expected}"),
            Self::TooFewRows {
                what,
                found,
                needed,
            } => write!(f, "{what} has {found} rows, at least {needed} are needed"),
            Self::NoColumns { what } => write!(f, "{what} has no columns"),
        }
    }
}

impl std::error::Error for DataError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            Self::Format { kind, .. } => Some(kind),
            _ => None,
        }
    }
}
