//! Energy landscapes: exp(−E) or E on a grid as a viridis colour map, with contour lines,
//! a colour bar and optional samples on top.

use plotters::chart::ChartBuilder;
use plotters::element::{Circle, PathElement, Rectangle};
use plotters::style::{BLACK, Color, IntoFont, RGBColor};

use super::PlotOptions;
use super::chart::{
    Sizes, build_chart, draw_legend, legend_corner, legend_radius, marker_radius, plot_area,
};
use super::colors::viridis;
use super::contour::{Grid, contour_segments};
use super::error::{PlotError, draw_err};
use super::figure::{Figure, PlotStats, figure};
use super::scatter::{Series, bounds_for, visible};
use crate::SettingError;

/// What the colours show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Shading {
    /// The density exp(−(E − E_min)) relative to its largest value on the grid, in [0, 1]:
    /// bright where the energy is low.
    #[default]
    Density,
    /// The energy E itself, from its minimum on the grid to its 95th percentile (higher
    /// values saturate): dark where the energy is low.
    Energy,
}

/// Settings of [`energy_map`].
#[derive(Clone, Debug, PartialEq)]
pub struct EnergyPlot {
    /// What the colours show.
    pub shading: Shading,
    /// Grid cells along each axis (4..=2000); the energy is evaluated at their centres.
    pub grid: usize,
    /// Contour lines, evenly spaced over the colour range (0: none, at most
    /// [`MAX_LEVELS`]).
    pub levels: usize,
    /// Label of the overlaid samples in the legend.
    pub samples_label: String,
}

impl Default for EnergyPlot {
    /// Density on a 200 × 200 grid with 8 contour levels.
    fn default() -> Self {
        Self {
            shading: Shading::Density,
            grid: 200,
            levels: 8,
            samples_label: "samples".into(),
        }
    }
}

/// The most contour levels [`energy_map`] draws.
pub const MAX_LEVELS: usize = 100;

/// Colour of the overlaid samples.
const SAMPLES: RGBColor = RGBColor(240, 40, 40);

/// Grey for cells where the energy is NaN or infinite.
const MISSING: RGBColor = RGBColor(200, 200, 200);

/// The colour range and the values to colour, from the energies.
fn shade(grid: &Grid, shading: Shading) -> Result<(Vec<f64>, [f64; 2]), ()> {
    let mut finite: Vec<f64> = grid
        .values
        .iter()
        .copied()
        .filter(|e| e.is_finite())
        .collect();
    if finite.is_empty() {
        return Err(());
    }
    finite.sort_by(f64::total_cmp);
    let e_min = finite[0];
    match shading {
        Shading::Density => {
            let v = grid.values.iter().map(|&e| (-(e - e_min)).exp()).collect();
            Ok((v, [0.0, 1.0]))
        }
        Shading::Energy => {
            let q95 = finite[((finite.len() - 1) as f64 * 0.95).round() as usize];
            let hi = if q95 > e_min { q95 } else { e_min + 1.0 };
            Ok((grid.values.clone(), [e_min, hi]))
        }
    }
}

/// Draws an energy on a grid over the options' axis range (or, without one, the padded
/// range of the samples), with contour lines, a colour bar and the samples (in red).
///
/// `energy` is evaluated at `grid × grid` cell centres; `name` titles the colour bar's
/// energy and names it in errors. Errors: no range, an empty or all-NaN sample set, an
/// energy that is NaN or infinite everywhere, a grid outside 4..=2000, more than
/// [`MAX_LEVELS`] contour levels.
pub fn energy_map(
    mut energy: impl FnMut(&[f64; 2]) -> f64,
    name: &str,
    samples: Option<&Series>,
    settings: &EnergyPlot,
    options: &PlotOptions,
) -> Result<Figure, PlotError> {
    if !(4..=2000).contains(&settings.grid) {
        return Err(PlotError::Settings(SettingError::new(
            "grid",
            format!("{} cells per axis must be in 4..=2000", settings.grid),
        )));
    }
    if settings.levels > MAX_LEVELS {
        return Err(PlotError::Settings(SettingError::new(
            "levels",
            format!("{} must be at most {MAX_LEVELS}", settings.levels),
        )));
    }
    if let Some(s) = samples {
        s.check()?;
    }
    let bounds = match (options.bounds, samples) {
        (Some(b), _) => b,
        (None, Some(s)) => bounds_for(options, [s.points.as_slice()])?,
        (None, None) => {
            return Err(PlotError::Range(SettingError::new(
                "bounds",
                format!("must be given to plot {name} without samples to take a range from"),
            )));
        }
    };
    let n = settings.grid;
    let grid = Grid::sample(bounds, n, n, |x| energy(x));
    let (values, range) =
        shade(&grid, settings.shading).map_err(|()| PlotError::EnergyNotFinite {
            what: name.to_owned(),
        })?;
    let to_unit = |v: f64| (v - range[0]) / (range[1] - range[0]);
    let shaded = Grid {
        values: values.clone(),
        ..grid.clone()
    };
    let sizes = Sizes::for_side(options.width.min(options.height));
    let bar_label = match settings.shading {
        Shading::Density => "density exp(−E) / max",
        Shading::Energy => "energy E",
    };
    figure(options.width, options.height, |root| {
        let body = if options.title.is_empty() {
            root.clone()
        } else {
            root.titled(&options.title, ("sans-serif", sizes.title).into_font())
                .map_err(draw_err)?
        };
        let (w, _) = body.dim_in_pixel();
        let bar_w = (f64::from(w) * 0.17).round().max(60.0) as u32;
        let (main, bar) = body.split_horizontally(w.saturating_sub(bar_w));
        let untitled = PlotOptions {
            title: String::new(),
            ..options.clone()
        };
        let mut chart = build_chart(&main, &untitled, bounds, false)?;
        chart
            .draw_series(
                (0..n)
                    .flat_map(|j| (0..n).map(move |i| (i, j)))
                    .map(|(i, j)| {
                        let (lo, hi) = grid.cell(i, j);
                        let v = values[j * n + i];
                        let color = if v.is_finite() {
                            viridis(to_unit(v))
                        } else {
                            MISSING
                        };
                        Rectangle::new([(lo[0], lo[1]), (hi[0], hi[1])], color.filled())
                    }),
            )
            .map_err(draw_err)?;
        let line = RGBColor(235, 235, 235).stroke_width(1);
        for k in 1..=settings.levels {
            let level = range[0] + (range[1] - range[0]) * k as f64 / (settings.levels + 1) as f64;
            chart
                .draw_series(
                    contour_segments(&shaded, level)
                        .into_iter()
                        .map(|(a, b)| PathElement::new(vec![(a[0], a[1]), (b[0], b[1])], line)),
                )
                .map_err(draw_err)?;
        }
        let mut stats = PlotStats::default();
        let lr = legend_radius(options);
        if let Some(s) = samples {
            let pts = visible(&s.points, &bounds, &mut stats);
            let radius = marker_radius(s.points.len(), options.width.min(options.height));
            let style = SAMPLES.mix(0.7).filled();
            let legend_style = SAMPLES.filled();
            chart
                .draw_series(pts.into_iter().map(|p| Circle::new(p, radius, style)))
                .map_err(draw_err)?
                .label(format!(
                    "{} (n = {})",
                    settings.samples_label,
                    s.points.len()
                ))
                .legend(move |(x, y)| Circle::new((x + lr, y), lr, legend_style));
            draw_legend(&mut chart, options, legend_corner(&bounds, &s.points))?;
        }
        let area = plot_area(&chart, bounds);

        // The colour bar, aligned with the chart's top and bottom, labelled on its right.
        let mut bar_chart = ChartBuilder::on(&bar)
            .margin(sizes.tick)
            .margin_left(sizes.tick / 2)
            .x_label_area_size(sizes.tick * 3 / 2 + sizes.label * 3 / 2)
            .right_y_label_area_size(sizes.tick * 3 + sizes.label * 3 / 2)
            .build_cartesian_2d(0.0..1.0, range[0]..range[1])
            .map_err(draw_err)?;
        let steps = 256;
        bar_chart
            .draw_series((0..steps).map(|k| {
                let a = range[0] + (range[1] - range[0]) * k as f64 / steps as f64;
                let b = range[0] + (range[1] - range[0]) * (k + 1) as f64 / steps as f64;
                let t = (k as f64 + 0.5) / steps as f64;
                Rectangle::new([(0.0, a), (1.0, b)], viridis(t).filled())
            }))
            .map_err(draw_err)?;
        bar_chart
            .draw_series(std::iter::once(Rectangle::new(
                [(0.0, range[0]), (1.0, range[1])],
                BLACK.stroke_width(1),
            )))
            .map_err(draw_err)?;
        bar_chart
            .configure_mesh()
            .disable_mesh()
            .disable_x_axis()
            .set_all_tick_mark_size(sizes.tick / 3)
            .y_labels(6)
            .y_desc(bar_label)
            .axis_desc_style(("sans-serif", sizes.label))
            .label_style(("sans-serif", sizes.tick))
            .axis_style(BLACK)
            .draw()
            .map_err(draw_err)?;
        Ok((stats, Some(area)))
    })
}
