//! The recovery figure of the double-well sensor: what is observed, and what the
//! conditional particles make of the hidden variable.

use std::path::Path;

use super::{Recovery, SensorData};
use crate::plot::{Bounds, Figure, PlotError, PlotOptions, Series, scatter};

/// Side of each panel in pixels.
const PANEL: u32 = 700;

/// Dots drawn along the identity line.
const LINE_DOTS: usize = 400;

/// Two panels side by side. Left: the observations x coloured by the true well (blue
/// z < 0, orange z > 0). Right: the posterior-mean estimate ẑᵢ of the particles against
/// the true zᵢ, same colours, with the identity line ẑ = z (green dots); the title holds
/// the learned and the oracle numbers.
///
/// Errors: `data` and `rec` of different sizes, or a panel without a finite point.
pub fn recovery_figure(data: &SensorData, rec: &Recovery) -> Result<Figure, PlotError> {
    let n = data.len();
    if rec.z_hat.len() != n || data.x.len() != 2 * n {
        return Err(PlotError::Shape {
            what: "recovery".into(),
            found: format!("{} estimates for {n} data points", rec.z_hat.len()),
            expected: "one estimate per data point".into(),
        });
    }
    let split = |points: &dyn Fn(usize) -> [f64; 2]| {
        let (mut left, mut right) = (Vec::new(), Vec::new());
        for (i, &z) in data.z.iter().enumerate() {
            if z < 0.0 { &mut left } else { &mut right }.push(points(i));
        }
        [
            Series::new("left well (z < 0)", left),
            Series::new("right well (z > 0)", right),
        ]
    };
    let observed = split(&|i| [data.x[2 * i], data.x[2 * i + 1]]);
    let options = PlotOptions {
        width: PANEL,
        height: PANEL,
        title: format!("observed sensor readings x (n = {n})"),
        x_label: "x₁".into(),
        y_label: "x₂".into(),
        bounds: None,
    };
    let left = scatter(&non_empty(&observed), &options)?;

    let estimates = split(&|i| [data.z[i], rec.z_hat[i]]);
    let all = data.z.iter().chain(&rec.z_hat).filter(|v| v.is_finite());
    let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
        (a.min(v), b.max(v))
    });
    let pad = 0.05 * (hi - lo).max(1e-3);
    let (lo, hi) = (lo - pad, hi + pad);
    let line: Vec<[f64; 2]> = (0..LINE_DOTS)
        .map(|k| {
            let t = lo + (hi - lo) * k as f64 / (LINE_DOTS - 1) as f64;
            [t, t]
        })
        .collect();
    let mut series = non_empty(&estimates);
    series.push(Series::new("ẑ = z", line));
    let options = PlotOptions {
        title: format!(
            "ẑ: well acc. {:.3} (oracle {:.3}), RMSE {:.3} (oracle {:.3})",
            rec.learned.well_accuracy, rec.oracle.well_accuracy, rec.learned.rmse, rec.oracle.rmse
        ),
        x_label: "true hidden position z".into(),
        y_label: "ẑ = mean of the conditional particles".into(),
        bounds: Some(Bounds::new([lo, hi], [lo, hi])?),
        ..options
    };
    let right = scatter(&series, &options)?;
    Ok(side_by_side(left, right))
}

/// The series that have points (a well may be empty in a tiny data set).
fn non_empty(series: &[Series]) -> Vec<Series> {
    series
        .iter()
        .filter(|s| !s.points.is_empty())
        .cloned()
        .collect()
}

/// Two figures of the same height as one image, `left` first (its chart area is kept).
fn side_by_side(left: Figure, right: Figure) -> Figure {
    let (wl, wr) = (left.width as usize, right.width as usize);
    let mut rgb = Vec::with_capacity(left.rgb.len() + right.rgb.len());
    for (a, b) in left
        .rgb
        .chunks_exact(3 * wl)
        .zip(right.rgb.chunks_exact(3 * wr))
    {
        rgb.extend_from_slice(a);
        rgb.extend_from_slice(b);
    }
    let mut stats = left.stats;
    stats.drawn += right.stats.drawn;
    stats.non_finite += right.stats.non_finite;
    stats.outside += right.stats.outside;
    stats.thinned += right.stats.thinned;
    Figure {
        width: left.width + right.width,
        height: left.height.min(right.height),
        rgb,
        stats,
        area: left.area,
    }
}

/// Writes [`recovery_figure`] as a PNG at `path` (atomically).
pub fn plot_recovery(
    path: impl AsRef<Path>,
    data: &SensorData,
    rec: &Recovery,
) -> Result<Figure, PlotError> {
    let fig = recovery_figure(data, rec)?;
    fig.write_png(path)?;
    Ok(fig)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lvebm::{DoubleWellSensor, recovery, simulate};

    #[test]
    fn the_figure_has_two_panels_of_points() {
        let d = simulate(60, 4).unwrap();
        let truth = DoubleWellSensor::truth();
        // Particles at the true positions: the right panel lies on the identity line.
        let rec = recovery(&truth, &truth, &d.x, &d.z, &d.z, 1).unwrap();
        let fig = recovery_figure(&d, &rec).unwrap();
        assert_eq!((fig.width, fig.height), (2 * PANEL, PANEL));
        assert_eq!(fig.stats.drawn, 60 + 60 + LINE_DOTS);
        let png = fig.to_png().unwrap();
        assert_eq!(&png[1..4], b"PNG");
        let dir = std::env::temp_dir().join(format!("gradflow-recovery-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("recovery.png");
        plot_recovery(&path, &d, &rec).unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() > 1000);
        std::fs::remove_dir_all(&dir).unwrap();
        let short = Recovery {
            z_hat: vec![0.0],
            ..rec
        };
        assert!(recovery_figure(&d, &short).is_err());
    }
}
