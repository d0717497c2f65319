//! Dense scans of one point against a whole point set: squared distances into a row buffer
//! from a coordinate-major copy of the set (vectorises well), and lane-wise minima.
//!
//! The squared distance is summed over the coordinates in index order, exactly as
//! [`super::points::sq_dist`] does, so both give the same bits for the same pair.

/// A point set stored coordinate-major: `coords[k·n + j]` is coordinate `k` of point `j`.
pub(crate) struct Soa {
    n: usize,
    coords: Vec<f64>,
}

impl Soa {
    /// The coordinate-major copy of a row-major `n × d` set.
    pub(crate) fn new(points: &[f64], d: usize) -> Self {
        let n = points.len() / d;
        let mut coords = vec![0.0; n * d];
        for (j, p) in points.chunks_exact(d).enumerate() {
            for (k, &c) in p.iter().enumerate() {
                coords[k * n + j] = c;
            }
        }
        Self { n, coords }
    }

    /// Number of points.
    pub(crate) fn len(&self) -> usize {
        self.n
    }

    /// `out[j] = ‖p − y_j‖²` for every point `y_j` of the set (`out.len() == n`).
    pub(crate) fn sq_dists(&self, p: &[f64], out: &mut [f64]) {
        let n = self.n;
        for (k, &pk) in p.iter().enumerate() {
            let column = &self.coords[k * n..(k + 1) * n];
            if k == 0 {
                for (o, &c) in out.iter_mut().zip(column) {
                    let t = pk - c;
                    *o = t * t;
                }
            } else {
                for (o, &c) in out.iter_mut().zip(column) {
                    let t = pk - c;
                    *o += t * t;
                }
            }
        }
    }
}

/// `min_j (a_j − s − b_j)` (each term evaluated as `(a_j − s) − b_j`), `+∞` when empty.
pub(crate) fn min_reduced(a: &[f64], s: f64, b: &[f64]) -> f64 {
    const LANES: usize = 8;
    let mut acc = [f64::INFINITY; LANES];
    let split = a.len() - a.len() % LANES;
    for (ac, bc) in a[..split]
        .chunks_exact(LANES)
        .zip(b[..split].chunks_exact(LANES))
    {
        for l in 0..LANES {
            let r = ac[l] - s - bc[l];
            acc[l] = if r < acc[l] { r } else { acc[l] };
        }
    }
    let mut best = acc.iter().copied().fold(f64::INFINITY, f64::min);
    for (&x, &y) in a[split..].iter().zip(&b[split..]) {
        best = best.min(x - s - y);
    }
    best
}
