//! The shared chart frame: title, axis labels, ticks and a light grid, scaled to the image.

use plotters::backend::BitMapBackend;
use plotters::chart::{ChartBuilder, ChartContext, SeriesLabelPosition};
use plotters::coord::Shift;
use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::types::RangedCoordf64;
use plotters::drawing::DrawingArea;
use plotters::style::{BLACK, Color, IntoFont, RGBColor, TRANSPARENT, WHITE};

use super::PlotOptions;
use super::bounds::Bounds;
use super::error::{PlotError, draw_err};
use super::figure::PlotArea;

/// A 2D chart on the bitmap backend.
pub(super) type Chart<'a, 'b> =
    ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Font sizes for an image whose shorter side is `side` pixels.
#[derive(Clone, Copy)]
pub(super) struct Sizes {
    pub title: u32,
    pub label: u32,
    pub tick: u32,
}

impl Sizes {
    pub fn for_side(side: u32) -> Self {
        let s = f64::from(side);
        let px = |k: f64, lo: f64, hi: f64| (k * s).clamp(lo, hi).round() as u32;
        Self {
            title: px(0.032, 12.0, 44.0),
            label: px(0.025, 10.0, 32.0),
            tick: px(0.021, 9.0, 26.0),
        }
    }
}

/// Builds a chart over `bounds` on `area` with the options' title and axis labels, and
/// draws its axes (with a light grid when `grid` is set).
pub(super) fn build_chart<'a, 'b>(
    area: &'a DrawingArea<BitMapBackend<'b>, Shift>,
    options: &PlotOptions,
    bounds: Bounds,
    grid: bool,
) -> Result<Chart<'a, 'b>, PlotError> {
    let sizes = Sizes::for_side(options.width.min(options.height));
    let mut builder = ChartBuilder::on(area);
    if !options.title.is_empty() {
        builder.caption(&options.title, ("sans-serif", sizes.title).into_font());
    }
    let mut chart = builder
        .margin(sizes.tick)
        .x_label_area_size(sizes.tick * 3 / 2 + sizes.label * 3 / 2)
        .y_label_area_size(sizes.tick * 3 + sizes.label * 2)
        .build_cartesian_2d(bounds.x[0]..bounds.x[1], bounds.y[0]..bounds.y[1])
        .map_err(draw_err)?;
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(options.x_label.as_str())
        .y_desc(options.y_label.as_str())
        .axis_desc_style(("sans-serif", sizes.label))
        .label_style(("sans-serif", sizes.tick))
        .x_labels(8)
        .y_labels(8)
        .axis_style(BLACK)
        .light_line_style(TRANSPARENT);
    if grid {
        mesh.bold_line_style(RGBColor(225, 225, 225));
    } else {
        mesh.disable_mesh();
    }
    mesh.draw().map_err(draw_err)?;
    Ok(chart)
}

/// Where the chart's data rectangle landed, from the chart's own coordinate map.
pub(super) fn plot_area(chart: &Chart<'_, '_>, bounds: Bounds) -> PlotArea {
    PlotArea {
        bounds,
        lower_left: chart.backend_coord(&(bounds.x[0], bounds.y[0])),
        upper_right: chart.backend_coord(&(bounds.x[1], bounds.y[1])),
    }
}

/// The corner of `bounds` with the fewest of `points` near it, for the legend: upper
/// right, upper left, lower right, lower left, the first of those that ties.
pub(super) fn legend_corner<'p>(
    bounds: &Bounds,
    points: impl IntoIterator<Item = &'p [f64; 2]>,
) -> SeriesLabelPosition {
    let mut counts = [0usize; 4];
    let (w, h) = (bounds.x[1] - bounds.x[0], bounds.y[1] - bounds.y[0]);
    for p in points {
        let tx = (p[0] - bounds.x[0]) / w;
        let ty = (p[1] - bounds.y[0]) / h;
        // A legend box takes about 40 % of the width and 20 % of the height.
        let (right, left) = (tx > 0.55, tx < 0.45);
        let (top, bottom) = (ty > 0.75, ty < 0.25);
        for (k, hit) in [right && top, left && top, right && bottom, left && bottom]
            .into_iter()
            .enumerate()
        {
            counts[k] += usize::from(hit);
        }
    }
    match (0..4).min_by_key(|&k| counts[k]) {
        Some(1) => SeriesLabelPosition::UpperLeft,
        Some(2) => SeriesLabelPosition::LowerRight,
        Some(3) => SeriesLabelPosition::LowerLeft,
        _ => SeriesLabelPosition::UpperRight,
    }
}

/// Draws the legend of the labelled series in the given corner.
pub(super) fn draw_legend<'a, 'b: 'a>(
    chart: &mut Chart<'a, 'b>,
    options: &PlotOptions,
    corner: SeriesLabelPosition,
) -> Result<(), PlotError> {
    let sizes = Sizes::for_side(options.width.min(options.height));
    chart
        .configure_series_labels()
        .position(corner)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", sizes.tick))
        .draw()
        .map_err(draw_err)
}

/// Radius of the markers in the legend.
pub(super) fn legend_radius(options: &PlotOptions) -> i32 {
    (Sizes::for_side(options.width.min(options.height)).tick as i32 / 3).max(2)
}

/// Marker radius for a plot of `n` points in total.
pub(super) fn marker_radius(n: usize, side: u32) -> i32 {
    let base = f64::from(side) / 800.0;
    let r = match n {
        0..=500 => 4.0,
        501..=5000 => 3.0,
        _ => 2.0,
    };
    (r * base).round().max(1.0) as i32
}
