//! Energy landscapes of a model (or of the data) over a set's box, samples on top.

use super::EbmSet2d;
use crate::plot::{Bounds, EnergyPlot, Figure, PlotError, PlotOptions, Series, energy_map};

/// Draws exp(−E) over [`EbmSet2d::domain`] with [`energy_map`]'s defaults (density
/// shading, 200 × 200 cells, 8 contour levels, 800 × 800 pixels), the `samples` (n×2
/// row-major, e.g. the model's particles) in red on top, and `title` above.
///
/// Errors: `samples` of odd length, empty or without a finite point; an energy that is NaN
/// or infinite on the whole grid (named after `title`, or "energy" without one).
pub fn energy_contours(
    energy: impl FnMut(&[f64; 2]) -> f64,
    set: EbmSet2d,
    samples: Option<&[f64]>,
    title: &str,
) -> Result<Figure, PlotError> {
    let series = match samples {
        Some(s) if s.len() % 2 != 0 => {
            return Err(PlotError::Shape {
                what: "samples".into(),
                found: format!("{} coordinates", s.len()),
                expected: "n × 2 (an even number of coordinates)".into(),
            });
        }
        Some(s) => Some(Series::new(
            "samples",
            s.chunks_exact(2).map(|p| [p[0], p[1]]).collect(),
        )),
        None => None,
    };
    let (lo, hi) = set.domain();
    let options = PlotOptions {
        title: title.to_owned(),
        bounds: Some(Bounds::new([lo[0], hi[0]], [lo[1], hi[1]])?),
        ..PlotOptions::default()
    };
    let name = if title.is_empty() { "energy" } else { title };
    energy_map(
        energy,
        name,
        series.as_ref(),
        &EnergyPlot::default(),
        &options,
    )
}

/// [`energy_contours`] of the data's own energy −log p (the target a model should match).
pub fn true_density_map(
    set: EbmSet2d,
    samples: Option<&[f64]>,
    title: &str,
) -> Result<Figure, PlotError> {
    energy_contours(|x| -set.log_density(*x), set, samples, title)
}

#[cfg(test)]
mod tests {
    use super::{energy_contours, true_density_map};
    use crate::ebm::EbmSet2d;
    use crate::plot::PlotError;

    #[test]
    fn a_quadratic_energy_renders_with_samples() {
        let set = EbmSet2d::Rings;
        let samples = set.sample(300, 1);
        let fig = energy_contours(
            |x| 0.5 * (x[0] * x[0] + x[1] * x[1]),
            set,
            Some(&samples),
            "quad",
        )
        .unwrap();
        assert_eq!((fig.width, fig.height), (800, 800));
        assert_eq!(fig.stats.drawn, 300);
        let png = fig.to_png().unwrap();
        assert!(
            png.len() > 1000 && &png[1..4] == b"PNG",
            "{} bytes",
            png.len()
        );
        // Bright (high density) at the centre, dark in a corner.
        let area = fig.area.unwrap();
        let centre = area.to_pixel([0.0, 0.0]);
        let corner = area.to_pixel([-4.4, -4.4]);
        let lum = |(x, y): (f64, f64)| {
            let p = fig.pixel(x as u32, y as u32).unwrap();
            p.iter().map(|&c| u32::from(c)).sum::<u32>()
        };
        assert!(lum(centre) > lum(corner));
    }

    #[test]
    fn the_data_density_renders_for_every_set() {
        for set in EbmSet2d::ALL {
            let fig = true_density_map(set, None, set.name()).unwrap();
            assert!(!fig.to_png().unwrap().is_empty(), "{set}");
        }
    }

    #[test]
    fn bad_input_is_a_clear_error() {
        let set = EbmSet2d::Gmm;
        let err = energy_contours(|_| f64::NAN, set, None, "broken model").unwrap_err();
        assert!(matches!(err, PlotError::EnergyNotFinite { .. }));
        assert_eq!(
            err.to_string(),
            "broken model: the energy is NaN or infinite everywhere on the plotted range"
        );
        let err = energy_contours(|_| 0.0, set, Some(&[1.0, 2.0, 3.0]), "").unwrap_err();
        assert!(matches!(err, PlotError::Shape { .. }), "{err}");
        let err = energy_contours(|_| 0.0, set, Some(&[f64::NAN, 0.0]), "").unwrap_err();
        assert!(matches!(err, PlotError::NoFinite { .. }), "{err}");
    }
}
