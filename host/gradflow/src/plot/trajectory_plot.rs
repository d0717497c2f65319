//! Trajectory plots: one line per particle, start and end marked.

use plotters::element::{Circle, PathElement};
use plotters::style::{BLACK, Color, RGBColor};

use super::PlotOptions;
use super::chart::{
    build_chart, draw_legend, legend_corner, legend_radius, marker_radius, plot_area,
};
use super::clip::clip_polyline;
use super::colors::PALETTE;
use super::error::{PlotError, draw_err};
use super::figure::{Figure, PlotStats, figure};
use super::scatter::{bounds_for, is_finite};
use super::trajectory::Trajectories;

/// Particles drawn at most; more are thinned to this many, evenly spaced by index.
pub const MAX_PARTICLES: usize = 200;

/// Colour of the end markers.
const END: RGBColor = RGBColor(214, 39, 40);

/// The indices of at most `max` particles out of `n`, evenly spaced.
fn chosen(n: usize, max: usize) -> Vec<usize> {
    if n <= max {
        (0..n).collect()
    } else {
        (0..max).map(|k| k * n / max).collect()
    }
}

/// Draws each particle's path (at most [`MAX_PARTICLES`] of them) as a line, with a black
/// dot where it starts (frame 0) and a red dot where it ends (frame T − 1). Segments are
/// clipped to the axis range; points with a NaN or infinite coordinate break the line.
pub fn trajectories(traj: &Trajectories, options: &PlotOptions) -> Result<Figure, PlotError> {
    let what = "trajectories";
    if traj.frames == 0 || traj.particles == 0 || traj.data.is_empty() {
        return Err(PlotError::Empty { what: what.into() });
    }
    let picked = chosen(traj.particles, MAX_PARTICLES);
    let paths: Vec<Vec<[f64; 2]>> = picked.iter().map(|&i| traj.path(i)).collect();
    let n_points: usize = paths.iter().map(Vec::len).sum();
    if !paths.iter().flatten().any(|&p| is_finite(p)) {
        return Err(PlotError::NoFinite {
            what: what.into(),
            count: n_points,
        });
    }
    let bounds = bounds_for(options, paths.iter().map(Vec::as_slice))?;
    let side = options.width.min(options.height);
    let radius = marker_radius(10 * picked.len(), side);
    let stroke = if picked.len() <= 20 { 2 } else { 1 };
    let line_alpha = if picked.len() <= 50 { 0.8 } else { 0.5 };
    figure(options.width, options.height, |root| {
        let mut chart = build_chart(root, options, bounds, true)?;
        let mut stats = PlotStats {
            thinned: traj.particles - picked.len(),
            ..PlotStats::default()
        };
        // Lines in the palette without its red, which marks the ends.
        let colors: Vec<RGBColor> = PALETTE
            .iter()
            .copied()
            .filter(|&c| c != PALETTE[3])
            .collect();
        for (k, path) in paths.iter().enumerate() {
            for &p in path {
                if !is_finite(p) {
                    stats.non_finite += 1;
                } else if !bounds.contains(p) {
                    stats.outside += 1;
                }
            }
            let style = colors[k % colors.len()]
                .mix(line_alpha)
                .stroke_width(stroke);
            // A NaN point breaks the line: clip each finite stretch separately.
            for stretch in path.split(|&p| !is_finite(p)) {
                for run in clip_polyline(&bounds, stretch) {
                    let run: Vec<(f64, f64)> = run.into_iter().map(|p| (p[0], p[1])).collect();
                    chart
                        .draw_series(std::iter::once(PathElement::new(run, style)))
                        .map_err(draw_err)?;
                }
            }
        }
        stats.drawn = picked.len();
        let ends = |t: usize| -> Vec<(f64, f64)> {
            paths
                .iter()
                .map(|p| p[t])
                .filter(|&p| is_finite(p) && bounds.contains(p))
                .map(|p| (p[0], p[1]))
                .collect()
        };
        let last = traj.frames - 1;
        let lr = legend_radius(options);
        let start_style = BLACK.filled();
        chart
            .draw_series(
                ends(0)
                    .into_iter()
                    .map(|p| Circle::new(p, radius, start_style)),
            )
            .map_err(draw_err)?
            .label("start (frame 0)")
            .legend(move |(x, y)| Circle::new((x + lr, y), lr, start_style));
        let end_style = END.filled();
        chart
            .draw_series(
                ends(last)
                    .into_iter()
                    .map(|p| Circle::new(p, radius + 1, end_style)),
            )
            .map_err(draw_err)?
            .label(format!("end (frame {last})"))
            .legend(move |(x, y)| Circle::new((x + lr, y), lr, end_style));
        let corner = legend_corner(&bounds, paths.iter().flatten());
        draw_legend(&mut chart, options, corner)?;
        Ok((stats, Some(plot_area(&chart, bounds))))
    })
}
