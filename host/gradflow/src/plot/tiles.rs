//! Grids of small greyscale images (e.g. 8×8 digits, one 64-value row each).

use plotters::element::Rectangle;
use plotters::style::{Color, IntoFont, RGBColor};

use super::PlotOptions;
use super::chart::Sizes;
use super::colors::ink;
use super::error::{PlotError, draw_err};
use super::figure::{Figure, PlotStats, figure};
use crate::SettingError;
use crate::data::Samples;

/// Settings of [`image_grid`].
#[derive(Clone, Debug, PartialEq)]
pub struct TileOptions {
    /// Side of each (square) image in pixels; `None` takes √d of the rows.
    pub side: Option<usize>,
    /// Images shown at most (the first ones).
    pub max_images: usize,
    /// Images per row; `None` makes the grid as square as possible.
    pub columns: Option<usize>,
    /// Values drawn white and black; `None` takes [min(0, smallest), largest] of the shown
    /// images.
    pub range: Option<[f64; 2]>,
}

impl Default for TileOptions {
    /// Square images, the first 64, a square grid, the range from the data.
    fn default() -> Self {
        Self {
            side: None,
            max_images: 64,
            columns: None,
            range: None,
        }
    }
}

/// Colour of NaN or infinite pixels (to make them stand out).
const BAD: RGBColor = RGBColor(255, 0, 255);

/// Background between the tiles.
const PAPER: RGBColor = RGBColor(225, 225, 225);

/// The side of the square images of `d` values each.
fn image_side(images: &Samples, tiles: &TileOptions, what: &str) -> Result<usize, PlotError> {
    let d = images.d;
    let side = match tiles.side {
        Some(s) => s,
        None => (1..=d).find(|s| s * s >= d).unwrap_or(0),
    };
    if side == 0 || side.checked_mul(side) != Some(d) {
        return Err(PlotError::Shape {
            what: what.into(),
            found: format!("{} × {d}", images.n),
            expected: match tiles.side {
                Some(s) => format!("n × {} ({s} × {s} images)", s * s),
                None => "n × s² (square s × s images, one per row)".into(),
            },
        });
    }
    Ok(side)
}

/// Draws the first images (rows of `images`, each `side × side` values row by row) in a
/// grid of tiles, larger values darker (ink on paper). NaN or infinite values are drawn
/// magenta and counted in [`PlotStats::non_finite`].
pub fn image_grid(
    images: &Samples,
    tiles: &TileOptions,
    options: &PlotOptions,
) -> Result<Figure, PlotError> {
    let what = "images";
    if images.n == 0 || tiles.max_images == 0 {
        return Err(PlotError::Empty { what: what.into() });
    }
    let side = image_side(images, tiles, what)?;
    let shown = images.n.min(tiles.max_images);
    let values = &images.data[..shown * images.d];
    let range = match tiles.range {
        Some(r) => {
            if !(r[0].is_finite() && r[1].is_finite() && r[0] < r[1]) {
                return Err(PlotError::Range(SettingError::new(
                    "range",
                    format!("[{}, {}] must be finite and increasing", r[0], r[1]),
                )));
            }
            r
        }
        None => {
            let finite = values.iter().copied().filter(|v| v.is_finite());
            let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
            if lo > hi {
                return Err(PlotError::NoFinite {
                    what: what.into(),
                    count: values.len(),
                });
            }
            let lo = lo.min(0.0);
            [lo, if hi > lo { hi } else { lo + 1.0 }]
        }
    };
    let cols = tiles
        .columns
        .unwrap_or_else(|| (1..=shown).find(|c| c * c >= shown).unwrap_or(1))
        .clamp(1, shown);
    let rows = shown.div_ceil(cols);
    let sizes = Sizes::for_side(options.width.min(options.height));
    figure(options.width, options.height, |root| {
        root.fill(&PAPER).map_err(draw_err)?;
        let body = if options.title.is_empty() {
            root.clone()
        } else {
            root.titled(&options.title, ("sans-serif", sizes.title).into_font())
                .map_err(draw_err)?
        };
        let (w, h) = body.dim_in_pixel();
        let (w, h) = (w as usize, h as usize);
        let gap = (w.min(h) / (cols.max(rows) * 12)).clamp(1, 8);
        let tile_w = w.saturating_sub((cols + 1) * gap) / cols;
        let tile_h = h.saturating_sub((rows + 1) * gap) / rows;
        let tile = tile_w.min(tile_h);
        if tile < side {
            return Err(PlotError::Settings(SettingError::new(
                "width",
                format!(
                    "{} (height {}) cannot hold {shown} images of {side} × {side}: make the \
                     image larger or show fewer",
                    options.width, options.height
                ),
            )));
        }
        // Whole screen pixels per image pixel, the grid centred.
        let px = tile / side;
        let tile = px * side;
        let grid_w = cols * tile + (cols - 1) * gap;
        let grid_h = rows * tile + (rows - 1) * gap;
        let (x0, y0) = ((w - grid_w) / 2, (h - grid_h) / 2);
        let mut stats = PlotStats {
            drawn: shown,
            thinned: images.n - shown,
            ..PlotStats::default()
        };
        for k in 0..shown {
            let (r, c) = (k / cols, k % cols);
            let left = x0 + c * (tile + gap);
            let top = y0 + r * (tile + gap);
            let image = images.row(k);
            for (p, &v) in image.iter().enumerate() {
                let color = if v.is_finite() {
                    ink((v - range[0]) / (range[1] - range[0]))
                } else {
                    stats.non_finite += 1;
                    BAD
                };
                let x = (left + (p % side) * px) as i32;
                let y = (top + (p / side) * px) as i32;
                let d = px as i32;
                body.draw(&Rectangle::new([(x, y), (x + d, y + d)], color.filled()))
                    .map_err(draw_err)?;
            }
        }
        Ok((stats, None))
    })
}
