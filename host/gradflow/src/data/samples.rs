//! [`Samples`]: an n×d matrix of points, read from and written to `.npy` or `.csv` files.

use std::path::Path;

use super::error::{DataError, FormatError};
use super::{csv, npy};

/// An n×d matrix of f64, row-major: row `i` is `data[i*d .. (i+1)*d]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Samples {
    /// Number of rows (points).
    pub n: usize,
    /// Number of columns (dimension).
    pub d: usize,
    /// The values, row-major, `n × d` of them.
    pub data: Vec<f64>,
}

/// The element type of a `.npy` file to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NpyDtype {
    /// Little-endian `float32` (`<f4`); values are rounded to nearest.
    F32,
    /// Little-endian `float64` (`<f8`), exact.
    F64,
}

/// The file formats, chosen by extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Format {
    /// `.npy`.
    Npy,
    /// `.csv`.
    Csv,
}

/// Reads `path` and parses it with `npy` or `csv`, chosen by its extension; errors name the
/// file.
pub(super) fn read_by_extension<T>(
    path: &Path,
    npy: impl FnOnce(&[u8]) -> Result<T, FormatError>,
    csv: impl FnOnce(&[u8]) -> Result<T, FormatError>,
) -> Result<T, DataError> {
    let format = format_of(path)?;
    let bytes = std::fs::read(path).map_err(|source| DataError::Io {
        path: path.into(),
        source,
    })?;
    let parsed = match format {
        Format::Npy => npy(&bytes),
        Format::Csv => csv(&bytes),
    };
    parsed.map_err(|kind| DataError::Format {
        path: path.into(),
        kind,
    })
}

pub(super) fn format_of(path: &Path) -> Result<Format, DataError> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if ext.eq_ignore_ascii_case("npy") {
        Ok(Format::Npy)
    } else if ext.eq_ignore_ascii_case("csv") {
        Ok(Format::Csv)
    } else {
        Err(DataError::Format {
            path: path.into(),
            kind: FormatError::UnknownExtension,
        })
    }
}

impl Samples {
    /// An n×d matrix from row-major `data`; an error unless `data.len() == n·d`.
    pub fn new(n: usize, d: usize, data: Vec<f64>) -> Result<Self, DataError> {
        if n.checked_mul(d) != Some(data.len()) {
            return Err(DataError::Shape {
                n,
                d,
                len: data.len(),
            });
        }
        Ok(Self { n, d, data })
    }

    /// Row `i` (panics when `i ≥ n`, like slice indexing).
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.d..(i + 1) * self.d]
    }

    /// An iterator over the rows.
    pub fn rows(&self) -> impl Iterator<Item = &[f64]> {
        // `max(1)` keeps chunks_exact valid for d = 0 (then there is no data to iterate).
        self.data.chunks_exact(self.d.max(1))
    }

    /// The rows at `indices`, in that order (repeats allowed).
    pub fn select(&self, indices: &[usize]) -> Result<Self, DataError> {
        let mut data = Vec::with_capacity(indices.len() * self.d);
        for &i in indices {
            if i >= self.n {
                return Err(DataError::Index {
                    index: i,
                    n: self.n,
                });
            }
            data.extend_from_slice(self.row(i));
        }
        Ok(Self {
            n: indices.len(),
            d: self.d,
            data,
        })
    }

    /// Reads a `.npy` (2-D, `float32` or `float64`) or `.csv` file, chosen by extension.
    pub fn read(path: impl AsRef<Path>) -> Result<Self, DataError> {
        read_by_extension(path.as_ref(), Self::from_npy_bytes, Self::from_csv_bytes)
    }

    /// Writes a `.npy` (`float64`) or `.csv` file, chosen by extension, atomically: the bytes
    /// go to a temporary file in the same directory, which is then renamed over `path`.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<(), DataError> {
        let path = path.as_ref();
        let bytes = match format_of(path)? {
            Format::Npy => self.to_npy_bytes(NpyDtype::F64),
            Format::Csv => self.to_csv_string().into_bytes(),
        };
        write_atomic(path, &bytes)
    }

    /// Writes a `.npy` file with the given element type, atomically (whatever the extension).
    pub fn write_npy(&self, path: impl AsRef<Path>, dtype: NpyDtype) -> Result<(), DataError> {
        write_atomic(path.as_ref(), &self.to_npy_bytes(dtype))
    }

    /// Parses the bytes of a `.npy` file: 2-D, `float32` or `float64` (either byte order),
    /// C or Fortran order; `float32` values are widened exactly.
    pub fn from_npy_bytes(bytes: &[u8]) -> Result<Self, FormatError> {
        npy::decode(bytes)
    }

    /// The bytes of a 2-D C-order `.npy` file of shape `(n, d)`.
    pub fn to_npy_bytes(&self, dtype: NpyDtype) -> Vec<u8> {
        npy::encode(self, dtype)
    }

    /// Parses CSV bytes (see [`Samples::from_csv_str`]).
    pub fn from_csv_bytes(bytes: &[u8]) -> Result<Self, FormatError> {
        let text = std::str::from_utf8(bytes).map_err(|_| FormatError::CsvUtf8)?;
        Self::from_csv_str(text)
    }

    /// Parses comma-separated numbers, one row a line. The first non-blank line is skipped
    /// as a header when one of its fields is not a number; blank lines are ignored; fields
    /// may have spaces around them; every data line must have as many fields as the first.
    /// A file without data lines reads as 0 × 0.
    pub fn from_csv_str(text: &str) -> Result<Self, FormatError> {
        csv::decode(text)
    }

    /// The CSV text: one line per row, values in Rust's shortest round-trip form (so
    /// reading it back gives the same bits), no header.
    pub fn to_csv_string(&self) -> String {
        csv::encode(self)
    }
}

/// Writes `bytes` to `path` atomically (see [`crate::modelio::write_atomic`]), with the
/// data module's error type.
pub(super) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), DataError> {
    crate::modelio::write_atomic(path, bytes).map_err(|e| match e {
        crate::modelio::ModelIoError::Io(path, source) => DataError::Io { path, source },
        other => DataError::Io {
            path: path.into(),
            source: std::io::Error::other(other.to_string()),
        },
    })
}
