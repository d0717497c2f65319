//! Scatter plots of one or more sets of 2D points, overlaid with a legend.

use plotters::element::Circle;
use plotters::style::Color;

use super::PlotOptions;
use super::bounds::{Bounds, pairs};
use super::chart::{
    build_chart, draw_legend, legend_corner, legend_radius, marker_radius, plot_area,
};
use super::colors::series_color;
use super::error::{PlotError, draw_err};
use super::figure::{Figure, PlotStats, figure};
use crate::SettingError;
use crate::data::Samples;

/// Points drawn per series at most; larger sets are thinned with an even stride.
pub const MAX_SCATTER_POINTS: usize = 100_000;

/// One labelled set of 2D points.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend label (also names the set in errors).
    pub label: String,
    /// The points.
    pub points: Vec<[f64; 2]>,
}

impl Series {
    /// A series from points.
    pub fn new(label: impl Into<String>, points: Vec<[f64; 2]>) -> Self {
        Self {
            label: label.into(),
            points,
        }
    }

    /// A series from an n×2 matrix; an error unless it has exactly 2 columns.
    pub fn from_samples(label: impl Into<String>, samples: &Samples) -> Result<Self, PlotError> {
        let label = label.into();
        if samples.d != 2 {
            return Err(PlotError::Shape {
                what: label,
                found: format!("{} × {}", samples.n, samples.d),
                expected: "n × 2 (one x, y point per row)".into(),
            });
        }
        Ok(Self::new(label, pairs(&samples.data)))
    }

    /// Checks that the series has points and that at least one is finite.
    pub(super) fn check(&self) -> Result<(), PlotError> {
        if self.points.is_empty() {
            return Err(PlotError::Empty {
                what: self.label.clone(),
            });
        }
        if !self.points.iter().any(|p| is_finite(*p)) {
            return Err(PlotError::NoFinite {
                what: self.label.clone(),
                count: self.points.len(),
            });
        }
        Ok(())
    }
}

pub(super) fn is_finite(p: [f64; 2]) -> bool {
    p[0].is_finite() && p[1].is_finite()
}

/// The axis range: the options' fixed one, or one from the points of `sets`.
pub(super) fn bounds_for<'a>(
    options: &PlotOptions,
    sets: impl IntoIterator<Item = &'a [[f64; 2]]>,
) -> Result<Bounds, PlotError> {
    match options.bounds {
        Some(b) => Ok(b),
        None => Bounds::from_points(sets).ok_or_else(|| {
            PlotError::Range(SettingError::new(
                "bounds",
                "must be given: the data's coordinates are too large to take a range from",
            ))
        }),
    }
}

/// Sorts the points of a series into those to draw and the counts of those skipped.
pub(super) fn visible(
    points: &[[f64; 2]],
    bounds: &Bounds,
    stats: &mut PlotStats,
) -> Vec<(f64, f64)> {
    let stride = points.len().div_ceil(MAX_SCATTER_POINTS).max(1);
    let mut out = Vec::with_capacity(points.len().min(MAX_SCATTER_POINTS));
    for (i, &p) in points.iter().enumerate() {
        if !is_finite(p) {
            stats.non_finite += 1;
        } else if !bounds.contains(p) {
            stats.outside += 1;
        } else if i % stride != 0 {
            stats.thinned += 1;
        } else {
            out.push((p[0], p[1]));
        }
    }
    stats.drawn += out.len();
    out
}

/// Plots the series over each other, each in its own colour, with a legend (labels and
/// sizes) when there is more than one series or the only one has a label.
///
/// Errors: an empty series, a series without a finite point, an invalid size.
pub fn scatter(series: &[Series], options: &PlotOptions) -> Result<Figure, PlotError> {
    if series.is_empty() {
        return Err(PlotError::Settings(SettingError::new(
            "series",
            "is empty: no series to plot",
        )));
    }
    for s in series {
        s.check()?;
    }
    let bounds = bounds_for(options, series.iter().map(|s| s.points.as_slice()))?;
    let total: usize = series.iter().map(|s| s.points.len()).sum();
    let side = options.width.min(options.height);
    let radius = marker_radius(total, side);
    let alpha = if series.len() > 1 { 0.55 } else { 0.7 };
    let legend = series.len() > 1 || !series[0].label.is_empty();
    figure(options.width, options.height, |root| {
        let mut chart = build_chart(root, options, bounds, true)?;
        let mut stats = PlotStats::default();
        for (k, s) in series.iter().enumerate() {
            let color = series_color(k);
            let style = color.mix(alpha).filled();
            let pts = visible(&s.points, &bounds, &mut stats);
            let drawn = chart
                .draw_series(pts.into_iter().map(|p| Circle::new(p, radius, style)))
                .map_err(draw_err)?;
            if legend {
                let legend_style = color.filled();
                let r = legend_radius(options).max(radius);
                drawn
                    .label(format!("{} (n = {})", s.label, s.points.len()))
                    .legend(move |(x, y)| Circle::new((x + r, y), r, legend_style));
            }
        }
        if legend {
            let all = series.iter().flat_map(|s| &s.points);
            draw_legend(&mut chart, options, legend_corner(&bounds, all))?;
        }
        Ok((stats, Some(plot_area(&chart, bounds))))
    })
}
