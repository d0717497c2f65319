//! [`Figure`]: a rendered RGB image, its PNG encoding and the atomic write to disk.

use std::path::Path;

use plotters::backend::BitMapBackend;
use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::drawing::IntoDrawingArea;
use plotters::style::WHITE;

use super::bounds::Bounds;
use super::error::{PlotError, draw_err};
use super::font::ensure_fonts;
use super::{MAX_SIDE, MIN_SIDE};

/// The root drawing area every plot draws on.
pub(super) type Root<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// What a plot drew and what it left out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlotStats {
    /// Points (or images) drawn.
    pub drawn: usize,
    /// Points skipped because a coordinate is NaN or infinite.
    pub non_finite: usize,
    /// Finite points outside the axis range (not drawn).
    pub outside: usize,
    /// Points not drawn because the input was thinned (e.g. particles beyond the cap).
    pub thinned: usize,
}

/// Where the data rectangle of a chart landed in the image.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlotArea {
    /// The axis ranges.
    pub bounds: Bounds,
    /// Pixel of the lower-left corner `(x_min, y_min)`.
    pub lower_left: (i32, i32),
    /// Pixel of the upper-right corner `(x_max, y_max)`.
    pub upper_right: (i32, i32),
}

impl PlotArea {
    /// The (fractional) pixel of a data point, by the same linear map as the chart.
    pub fn to_pixel(&self, p: [f64; 2]) -> (f64, f64) {
        let [x0, x1] = self.bounds.x;
        let [y0, y1] = self.bounds.y;
        let tx = (p[0] - x0) / (x1 - x0);
        let ty = (p[1] - y0) / (y1 - y0);
        let (l, b) = (f64::from(self.lower_left.0), f64::from(self.lower_left.1));
        let (r, t) = (f64::from(self.upper_right.0), f64::from(self.upper_right.1));
        (l + tx * (r - l), b + ty * (t - b))
    }
}

/// A rendered plot: `width × height` RGB pixels, row by row from the top.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The pixels, 3 bytes (R, G, B) each, row-major from the top-left corner.
    pub rgb: Vec<u8>,
    /// What was drawn and what was skipped.
    pub stats: PlotStats,
    /// The main chart's data rectangle (absent for image grids).
    pub area: Option<PlotArea>,
}

impl Figure {
    /// The colour of pixel `(x, y)` (x to the right, y down), or `None` outside the image.
    pub fn pixel(&self, x: u32, y: u32) -> Option<[u8; 3]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let i = 3 * (y as usize * self.width as usize + x as usize);
        Some([self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]])
    }

    /// The PNG file bytes (8-bit RGB).
    pub fn to_png(&self) -> Result<Vec<u8>, PlotError> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, self.width, self.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(draw_err)?;
        writer.write_image_data(&self.rgb).map_err(draw_err)?;
        writer.finish().map_err(draw_err)?;
        Ok(out)
    }

    /// Writes the PNG atomically: a temporary file in the same directory, then a rename,
    /// so a failed run never leaves a truncated image behind.
    pub fn write_png(&self, path: impl AsRef<Path>) -> Result<(), PlotError> {
        let path = path.as_ref();
        let bytes = self.to_png()?;
        crate::modelio::write_atomic(path, &bytes).map_err(|e| match e {
            crate::modelio::ModelIoError::Io(path, source) => PlotError::Write { path, source },
            other => PlotError::Write {
                path: path.into(),
                source: std::io::Error::other(other.to_string()),
            },
        })
    }
}

/// Checks the size, registers the font, and runs `draw` on a white `width × height`
/// canvas; returns the pixels with whatever `draw` returned.
/// A [`Figure`] of `width × height` drawn by `draw`, which returns what it drew and
/// skipped and the main chart's data rectangle (if any).
pub(super) fn figure(
    width: u32,
    height: u32,
    draw: impl FnOnce(&Root<'_>) -> Result<(PlotStats, Option<PlotArea>), PlotError>,
) -> Result<Figure, PlotError> {
    let (rgb, (stats, area)) = render(width, height, draw)?;
    Ok(Figure {
        width,
        height,
        rgb,
        stats,
        area,
    })
}

fn render<T>(
    width: u32,
    height: u32,
    draw: impl FnOnce(&Root<'_>) -> Result<T, PlotError>,
) -> Result<(Vec<u8>, T), PlotError> {
    if !(MIN_SIDE..=MAX_SIDE).contains(&width) || !(MIN_SIDE..=MAX_SIDE).contains(&height) {
        return Err(PlotError::Size { width, height });
    }
    ensure_fonts()?;
    let mut rgb = vec![255u8; 3 * width as usize * height as usize];
    let value = {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let value = draw(&root)?;
        root.present().map_err(draw_err)?;
        value
    };
    Ok((rgb, value))
}
