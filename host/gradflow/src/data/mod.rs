//! Data sets: the seeded 2D generators, scikit-learn's 8×8 digits, .npy and .csv files
//! (point sets and trajectories), train/test splits, and a user's checked [`DataSet`].
//!
//! ```
//! use gradflow::data::{Dataset2d, Samples, split};
//!
//! let points = Dataset2d::Moons.sample(1000, 7); // 1000 × 2, row-major
//! let samples = Samples::new(1000, 2, points)?;
//! let (train, test) = split(&samples, 0.2, 7)?;
//! assert_eq!((train.n, test.n), (800, 200));
//! # Ok::<(), gradflow::data::DataError>(())
//! ```

mod csv;
mod dataset;
pub mod digits;
mod error;
mod npy;
mod samples;
pub(crate) mod shuffle;
pub mod split;
mod standardize;
pub mod toy2d;
mod trajectory;

pub use dataset::{DEFAULT_TEST_FRACTION, DataSet, HeldOut, MIN_TRAIN_ROWS};
pub use digits::{DIGITS_DIM, DIGITS_N, DIGITS_TEST_FRACTION, Digits, digits, digits_data_set};
pub use error::{DataError, FormatError};
pub use samples::{NpyDtype, Samples};
pub use split::{split, split_indices};
pub(crate) use standardize::column_moments;
pub use standardize::{Standardization, Standardize, UnknownStandardize};
pub use toy2d::{
    Dataset2d, Pair2d, UnknownDataset, W2_FLOOR_PAIRS, W2_FLOOR_POINTS, eight_gaussians_to_moons,
};
pub use trajectory::Trajectory;
