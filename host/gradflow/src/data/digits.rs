//! scikit-learn's 8×8 handwritten digits, shipped inside the binary.
//!
//! 1797 images of 8×8 pixels with values 0..=16 and their labels 0..=9: the test set of
//! the UCI ML "Optical Recognition of Handwritten Digits" data set by E. Alpaydin and
//! C. Kaynak (CC BY 4.0), as redistributed by scikit-learn's `load_digits()`. See
//! `host/gradflow/data/DIGITS_README.md` for the attribution, the file layout and the export script.

use super::dataset::DataSet;
use super::samples::Samples;

/// Number of images.
pub const DIGITS_N: usize = 1797;

/// Pixels per image (8 × 8, row by row).
pub const DIGITS_DIM: usize = 64;

/// The largest raw pixel value.
pub const DIGITS_MAX: u8 = 16;

/// The fraction of the digits held out for evaluations (20 %: 360 images).
pub const DIGITS_TEST_FRACTION: f64 = 0.2;

/// The committed file: `DIGITS_N × DIGITS_DIM` pixel bytes (image after image, each row
/// by row), then `DIGITS_N` label bytes.
const FILE: &[u8] = include_bytes!("../../data/digits.bin");

const _: () = assert!(FILE.len() == DIGITS_N * (DIGITS_DIM + 1));

/// The raw pixels (0..=16), `DIGITS_N × DIGITS_DIM`, row-major, exactly as scikit-learn's
/// `load_digits().data`.
pub fn digits_raw_pixels() -> &'static [u8] {
    &FILE[..DIGITS_N * DIGITS_DIM]
}

/// The labels (0..=9), one per image, as scikit-learn's `load_digits().target`.
pub fn digits_raw_labels() -> &'static [u8] {
    &FILE[DIGITS_N * DIGITS_DIM..]
}

/// The digits as floats.
#[derive(Clone, Debug, PartialEq)]
pub struct Digits {
    /// `DIGITS_N × DIGITS_DIM` pixels, row-major, scaled to [0, 1] by dividing by 16.
    pub images: Vec<f64>,
    /// The label of each image, 0..=9.
    pub labels: Vec<u8>,
}

impl Digits {
    /// The images as an n×64 [`Samples`] matrix.
    pub fn samples(&self) -> Samples {
        Samples {
            n: self.labels.len(),
            d: DIGITS_DIM,
            data: self.images.clone(),
        }
    }
}

/// All 1797 digits, pixels divided by 16 (so in [0, 1]).
pub fn digits() -> Digits {
    Digits {
        images: digits_raw_pixels()
            .iter()
            .map(|&p| f64::from(p) / f64::from(DIGITS_MAX))
            .collect(),
        labels: digits_raw_labels().to_vec(),
    }
}

/// The digits as a [`DataSet`] named `digits`: the seeded shuffle split
/// ([`DataSet::split`]) with [`DIGITS_TEST_FRACTION`] of the images held out, the split
/// every method (flows and EBMs) trains and evaluates on.
pub fn digits_data_set(seed: u64) -> DataSet {
    DataSet::split("digits", &digits().samples(), DIGITS_TEST_FRACTION, seed)
        .expect("the digits are 1797 finite rows of 64 columns")
}
