//! Clipping segments to the axis rectangle (Liang–Barsky), so nothing far outside the
//! range reaches the rasteriser.

use super::bounds::Bounds;

/// The part of segment `a → b` inside `bounds`, or `None` when it misses the rectangle
/// (or has a non-finite end).
pub fn clip_segment(bounds: &Bounds, a: [f64; 2], b: [f64; 2]) -> Option<([f64; 2], [f64; 2])> {
    if !(a.iter().chain(&b)).all(|v| v.is_finite()) {
        return None;
    }
    let d = [b[0] - a[0], b[1] - a[1]];
    if !d[0].is_finite() || !d[1].is_finite() {
        return None;
    }
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    let lims = [bounds.x, bounds.y];
    for k in 0..2 {
        // a[k] + t·d[k] must stay in [lo, hi].
        for (p, q) in [(-d[k], a[k] - lims[k][0]), (d[k], lims[k][1] - a[k])] {
            if p == 0.0 {
                if q < 0.0 {
                    return None;
                }
            } else {
                let r = q / p;
                if p < 0.0 {
                    t0 = t0.max(r);
                } else {
                    t1 = t1.min(r);
                }
            }
        }
    }
    if t0 > t1 {
        return None;
    }
    let at = |t: f64| [a[0] + t * d[0], a[1] + t * d[1]];
    Some((at(t0), at(t1)))
}

/// Splits a polyline into the runs that lie inside `bounds` after clipping each segment.
pub fn clip_polyline(bounds: &Bounds, points: &[[f64; 2]]) -> Vec<Vec<[f64; 2]>> {
    let mut runs: Vec<Vec<[f64; 2]>> = Vec::new();
    let mut open = false;
    for w in points.windows(2) {
        match clip_segment(bounds, w[0], w[1]) {
            Some((p, q)) => {
                // The run continues when this segment starts where the last one ended.
                let continues = open && p == w[0];
                match runs.last_mut() {
                    Some(run) if continues => run.push(q),
                    _ => runs.push(vec![p, q]),
                }
                open = q == w[1];
            }
            None => open = false,
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit() -> Bounds {
        Bounds::new([0.0, 1.0], [0.0, 1.0]).unwrap()
    }

    #[test]
    fn inside_segments_are_kept_and_crossing_ones_cut() {
        let b = unit();
        assert_eq!(
            clip_segment(&b, [0.2, 0.2], [0.8, 0.5]),
            Some(([0.2, 0.2], [0.8, 0.5]))
        );
        assert_eq!(
            clip_segment(&b, [-1.0, 0.5], [2.0, 0.5]),
            Some(([0.0, 0.5], [1.0, 0.5]))
        );
        assert_eq!(clip_segment(&b, [2.0, 2.0], [3.0, 3.0]), None);
        assert_eq!(clip_segment(&b, [0.5, 0.5], [f64::NAN, 0.5]), None);
        let (p, q) = clip_segment(&b, [0.5, 0.5], [1e300, 1e300]).unwrap();
        assert_eq!(p, [0.5, 0.5]);
        assert!((q[0] - 1.0).abs() < 1e-12 && (q[1] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn polylines_split_where_they_leave() {
        let b = unit();
        let runs = clip_polyline(
            &b,
            &[[0.1, 0.1], [0.5, 0.5], [2.0, 0.5], [0.5, 0.9], [0.6, 0.9]],
        );
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0][..2], [[0.1, 0.1], [0.5, 0.5]]);
        assert_eq!(runs[0][2], [1.0, 0.5]);
        assert_eq!(*runs[1].last().unwrap(), [0.6, 0.9]);
    }
}
