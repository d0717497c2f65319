//! The error type of the plot module: one line each, naming the input and what is wrong.

use std::fmt;
use std::path::PathBuf;

use crate::SettingError;
use crate::data::DataError;
use crate::modelio::ModelIoError;

/// Why a plot could not be made or written.
#[derive(Debug)]
#[non_exhaustive]
pub enum PlotError {
    /// Reading a samples file failed (the error names the file).
    Read(DataError),
    /// Reading a model file failed.
    Model {
        /// The model file.
        path: PathBuf,
        /// The cause.
        source: ModelIoError,
    },
    /// The model is not a 2D energy.
    NotEnergy {
        /// The model file.
        path: PathBuf,
        /// What it is instead.
        found: String,
    },
    /// An input has the wrong shape.
    Shape {
        /// The input (a file name or a series label).
        what: String,
        /// The shape found.
        found: String,
        /// The shape expected.
        expected: String,
    },
    /// An input has no points (or images) at all.
    Empty {
        /// The input.
        what: String,
    },
    /// Every point of an input has a NaN or infinite coordinate.
    NoFinite {
        /// The input.
        what: String,
        /// How many points it has.
        count: usize,
    },
    /// The energy is NaN or infinite everywhere on the grid.
    EnergyNotFinite {
        /// The energy's name.
        what: String,
    },
    /// An axis or value range is invalid, named by its field ([`super::PlotOptions`]'
    /// `bounds`, [`super::TileOptions`]' `range`).
    Range(SettingError),
    /// The image size is out of bounds.
    Size {
        /// Requested width.
        width: u32,
        /// Requested height.
        height: u32,
    },
    /// Another setting or argument is out of its domain, named by its field
    /// ([`super::EnergyPlot`]'s `grid` and `levels`, [`super::PlotOptions`]' `width`, a
    /// Müller–Brown potential's `scale`, [`super::scatter`]'s `series`).
    Settings(SettingError),
    /// An argument is out of its domain, named by its field (`frames`).
    Argument(SettingError),
    /// A potential's parameters were rejected.
    Potential {
        /// The potential's name (with its parameters).
        name: String,
        /// The cause.
        source: gradflow_core::Error,
    },
    /// The drawing library failed.
    Draw(String),
    /// Writing the PNG failed.
    Write {
        /// The output file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

impl fmt::Display for PlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read(e) => write!(f, "{e}"),
            Self::Model { path, source } => match source {
                // The I/O error already names the file.
                ModelIoError::Io(..) => write!(f, "{source}"),
                _ => write!(f, "{}: {source}", path.display()),
            },
            Self::NotEnergy { path, found } => write!(
                f,
                "{}: {found}; expected an energy model of 2D points",
                path.display()
            ),
            Self::Shape {
                what,
                found,
                expected,
            } => write!(f, "{what}: shape {found}, expected {expected}"),
            Self::Empty { what } => write!(f, "{what}: nothing to plot (no rows)"),
            Self::NoFinite { what, count } => write!(
                f,
                "{what}: all {count} points have NaN or infinite coordinates"
            ),
            Self::EnergyNotFinite { what } => write!(
                f,
                "{what}: the energy is NaN or infinite everywhere on the plotted range"
            ),
            Self::Range(what) => write!(f, "invalid range: {what}"),
            Self::Size { width, height } => write!(
                f,
                "image size {width}×{height} is out of bounds: width and height must be in \
                 {}..={}",
                super::MIN_SIDE,
                super::MAX_SIDE
            ),
            Self::Settings(what) => write!(f, "{what}"),
            Self::Argument(e) => write!(f, "{e}"),
            Self::Potential { name, source } => write!(f, "{name}: {source}"),
            Self::Draw(what) => write!(f, "drawing failed: {what}"),
            Self::Write { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for PlotError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Read(e) => Some(e),
            Self::Model { source, .. } => Some(source),
            Self::Write { source, .. } => Some(source),
            Self::Range(e) | Self::Settings(e) | Self::Argument(e) => Some(e),
            Self::Potential { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<DataError> for PlotError {
    fn from(e: DataError) -> Self {
        Self::Read(e)
    }
}

/// Turns a drawing-library error into a [`PlotError::Draw`].
pub(super) fn draw_err(e: impl fmt::Display) -> PlotError {
    // Keep it to one line whatever the library says.
    let text = e.to_string().replace('\n', " ");
    PlotError::Draw(text)
}
