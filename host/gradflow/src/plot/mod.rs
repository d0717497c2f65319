//! PNG plots: 2D samples, particle trajectories, energy landscapes and image grids.
//!
//! Everything renders into memory with plotters' bitmap backend and the DejaVu Sans font
//! embedded in the binary (from the `dejavu` crate; no system font libraries), then is
//! written as a PNG atomically.
//! Axis ranges come from the data unless fixed: every point except outliers (values beyond
//! the 0.5 %–99.5 % quantiles by more than half the distance between them), padded by 5 %,
//! so a few wild points do not squash the picture. Points with a NaN or infinite
//! coordinate are skipped and counted in [`PlotStats`], as are points outside the range;
//! an input with no finite point at all is an error.
//!
//! ```
//! use gradflow::data::{Dataset2d, Samples};
//! use gradflow::plot::{PlotOptions, Series, scatter};
//!
//! let data = Samples::new(500, 2, Dataset2d::Moons.sample(500, 0))?;
//! let options = PlotOptions {
//!     title: "moons".into(),
//!     width: 400,
//!     height: 400,
//!     ..PlotOptions::default()
//! };
//! let figure = scatter(&[Series::from_samples("data", &data)?], &options)?;
//! assert_eq!((figure.width, figure.height), (400, 400));
//! assert_eq!(figure.stats.drawn, 500);
//! let png = figure.to_png()?; // or figure.write_png("moons.png")?
//! assert_eq!(&png[1..4], b"PNG");
//! # Ok::<(), gradflow::plot::PlotError>(())
//! ```

mod bounds;
mod chart;
mod clip;
mod colors;
mod contour;
mod energy;
mod error;
mod figure;
mod font;
mod heatmap;
mod scatter;
mod tiles;
mod trajectory;
mod trajectory_plot;

pub use bounds::Bounds;
pub use clip::{clip_polyline, clip_segment};
pub use colors::{PALETTE, viridis};
pub use contour::{Grid, contour_segments};
pub use energy::{EnergyFn, ModelEnergy, Potential};
pub use error::PlotError;
pub use figure::{Figure, PlotArea, PlotStats};
pub use heatmap::{EnergyPlot, MAX_LEVELS, Shading, energy_map};
pub use scatter::{Series, scatter};
pub use tiles::{TileOptions, image_grid};
pub use trajectory::Trajectories;
pub use trajectory_plot::{MAX_PARTICLES, trajectories};

/// The smallest image side accepted, in pixels.
pub const MIN_SIDE: u32 = 64;

/// The largest image side accepted, in pixels.
pub const MAX_SIDE: u32 = 8192;

/// What every plot takes: the image size, the text, and an optional fixed axis range.
#[derive(Clone, Debug, PartialEq)]
pub struct PlotOptions {
    /// Image width in pixels ([`MIN_SIDE`]..=[`MAX_SIDE`]).
    pub width: u32,
    /// Image height in pixels ([`MIN_SIDE`]..=[`MAX_SIDE`]).
    pub height: u32,
    /// Title above the chart (none when empty).
    pub title: String,
    /// Label of the horizontal axis.
    pub x_label: String,
    /// Label of the vertical axis.
    pub y_label: String,
    /// Fixed axis range; `None` takes it from the data.
    pub bounds: Option<Bounds>,
}

impl Default for PlotOptions {
    /// 800 × 800, no title, axes `x` and `y`, range from the data.
    fn default() -> Self {
        Self {
            width: 800,
            height: 800,
            title: String::new(),
            x_label: "x".into(),
            y_label: "y".into(),
            bounds: None,
        }
    }
}
