//! The picture of a trained flow: generated against test points, and the trajectories,
//! side by side on the same axes.

use super::flow::FlowSample;
use crate::plot::{
    Bounds, Figure, PlotError, PlotOptions, Series, Trajectories, scatter, trajectories,
};

/// Side of each of the two panels, in pixels.
pub const PANEL: u32 = 640;

/// Frames drawn per trajectory at most (evenly spaced, the first and the last kept).
pub const MAX_FRAMES: usize = 21;

/// The frames of `sample` to draw: all, or [`MAX_FRAMES`] evenly spaced ones.
fn thinned_frames(sample: &FlowSample) -> (usize, Vec<f64>) {
    let (count, size) = (sample.frame_count(), sample.x.len());
    if count <= MAX_FRAMES {
        return (count, sample.frames.clone());
    }
    let pick = (0..MAX_FRAMES).map(|k| k * (count - 1) / (MAX_FRAMES - 1));
    let frames = pick
        .flat_map(|f| sample.frames[f * size..(f + 1) * size].iter().copied())
        .collect();
    (MAX_FRAMES, frames)
}

fn pairs(x: &[f64]) -> Vec<[f64; 2]> {
    x.chunks_exact(2).map(|p| [p[0], p[1]]).collect()
}

/// Two panels, `PANEL` pixels square each: the generated points over the test points
/// (titled `title`), and the trajectories of the sample (at most [`MAX_FRAMES`] of its
/// frames and [`crate::plot::MAX_PARTICLES`] particles drawn), on the same axis range.
pub fn flow_figure(sample: &FlowSample, test: &[f64], title: &str) -> Result<Figure, PlotError> {
    let generated = pairs(&sample.x);
    let target = pairs(test);
    let path_points = pairs(&sample.frames);
    let bounds = Bounds::from_points([
        generated.as_slice(),
        target.as_slice(),
        path_points.as_slice(),
    ]);
    let options = |title: String| PlotOptions {
        width: PANEL,
        height: PANEL,
        title,
        bounds,
        ..PlotOptions::default()
    };
    let left = scatter(
        &[
            Series::new("test", target),
            Series::new("generated", generated),
        ],
        &options(title.to_owned()),
    )?;
    let n = sample.x.len() / 2;
    let (count, frames) = thinned_frames(sample);
    let traj = Trajectories::new(count, n, frames)?;
    let right = trajectories(&traj, &options("trajectories".into()))?;
    Ok(side_by_side(&left, &right))
}

/// `left` and `right` next to each other (the taller sets the height; white below the
/// shorter).
pub fn side_by_side(left: &Figure, right: &Figure) -> Figure {
    let (width, height) = (left.width + right.width, left.height.max(right.height));
    let mut rgb = vec![255u8; 3 * width as usize * height as usize];
    for (fig, x0) in [(left, 0usize), (right, left.width as usize)] {
        let row = 3 * fig.width as usize;
        for y in 0..fig.height as usize {
            let dst = 3 * (y * width as usize + x0);
            rgb[dst..dst + row].copy_from_slice(&fig.rgb[y * row..(y + 1) * row]);
        }
    }
    let mut stats = left.stats;
    stats.drawn += right.stats.drawn;
    stats.non_finite += right.stats.non_finite;
    stats.outside += right.stats.outside;
    stats.thinned += right.stats.thinned;
    Figure {
        width,
        height,
        rgb,
        stats,
        area: left.area,
    }
}
