//! GeomLoss's ε-scaling schedule (`max_diameter` and `epsilon_schedule` of
//! `geomloss/sinkhorn_divergence.py`, for p = 2), shared by the engine and the reference
//! solver of [`crate::metrics`].

/// The bounding box of the points of both sets (row-major `n × d` slices): `(lower, upper)`
/// corners. Both sets must be non-empty with `d ≥ 1`.
pub(crate) fn bounding_box<'a>(
    sets: impl IntoIterator<Item = &'a [f64]>,
    d: usize,
) -> (Vec<f64>, Vec<f64>) {
    let mut lo = vec![f64::INFINITY; d];
    let mut hi = vec![f64::NEG_INFINITY; d];
    for set in sets {
        for p in set.chunks_exact(d) {
            for k in 0..d {
                lo[k] = lo[k].min(p[k]);
                hi[k] = hi[k].max(p[k]);
            }
        }
    }
    (lo, hi)
}

/// GeomLoss's `max_diameter`: the length of the diagonal of the bounding box.
pub(crate) fn diameter(lo: &[f64], hi: &[f64]) -> f64 {
    lo.iter()
        .zip(hi)
        .map(|(l, h)| (h - l) * (h - l))
        .sum::<f64>()
        .sqrt()
}

/// GeomLoss's `epsilon_schedule(p = 2, diameter, blur, scaling)`:
/// `[D²] + [exp(e) for e in np.arange(2 ln D, 2 ln blur, 2 ln scaling)] + [blur²]`.
///
/// The `arange` is numpy's: `ceil((stop − start)/step)` values `start + i·δ` with
/// `δ = (start + step) − start`. It ends with `blur²`. A zero diameter (all points equal)
/// would start at ε = 0; it is replaced by `blur` (the schedule is then `[blur², blur²]`).
pub(crate) fn eps_schedule(diameter: f64, blur: f64, scaling: f64) -> Vec<f64> {
    let diameter = if diameter > 0.0 { diameter } else { blur };
    let (start, stop, step) = (2.0 * diameter.ln(), 2.0 * blur.ln(), 2.0 * scaling.ln());
    let count = ((stop - start) / step).ceil().max(0.0) as usize;
    let delta = (start + step) - start;
    let mut schedule = Vec::with_capacity(count + 2);
    schedule.push(diameter * diameter);
    schedule.extend((0..count).map(|i| {
        let e = if i == 1 {
            start + step
        } else {
            start + i as f64 * delta
        };
        e.exp()
    }));
    schedule.push(blur * blur);
    schedule
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schedule of GeomLoss 0.2.6 for a diameter of 2√2 (the unit box doubled),
    /// blur 0.05 and scaling 0.5, printed by
    /// `geomloss.sinkhorn_divergence.epsilon_schedule(2, 8**0.5, 0.05, 0.5)`.
    #[test]
    fn matches_geomloss() {
        let s = eps_schedule(8f64.sqrt(), 0.05, 0.5);
        let want = [
            8.000000000000002,
            8.000000000000002,
            2.0000000000000004,
            0.5000000000000002,
            0.12500000000000008,
            0.031250000000000014,
            0.007812500000000002,
            0.0025000000000000005,
        ];
        assert_eq!(s.len(), want.len());
        for (got, want) in s.iter().zip(want) {
            assert!((got - want).abs() <= 1e-15 * want, "{got} vs {want}");
        }
        // A diameter below the blur: [D², blur²].
        assert_eq!(
            eps_schedule(0.01, 0.05, 0.5),
            vec![0.01f64 * 0.01, 0.05 * 0.05]
        );
        assert_eq!(eps_schedule(0.0, 0.05, 0.5), vec![0.05 * 0.05; 2]);
    }
}
