//! A scalar field sampled on a grid of cell centres, and its contour lines by marching
//! squares.

use super::bounds::Bounds;

/// Values of a function at the centres of an `nx × ny` grid of cells over `bounds`:
/// `values[j·nx + i]` is the value at cell (i, j), i along x, j along y (upwards).
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    /// The rectangle the cells tile.
    pub bounds: Bounds,
    /// Cells along x.
    pub nx: usize,
    /// Cells along y.
    pub ny: usize,
    /// The values, row by row from the bottom.
    pub values: Vec<f64>,
}

impl Grid {
    /// Evaluates `f` at every cell centre.
    pub fn sample(
        bounds: Bounds,
        nx: usize,
        ny: usize,
        mut f: impl FnMut(&[f64; 2]) -> f64,
    ) -> Self {
        let mut values = Vec::with_capacity(nx * ny);
        for j in 0..ny {
            for i in 0..nx {
                values.push(f(&Self::centre_of(&bounds, nx, ny, i, j)));
            }
        }
        Self {
            bounds,
            nx,
            ny,
            values,
        }
    }

    fn centre_of(b: &Bounds, nx: usize, ny: usize, i: usize, j: usize) -> [f64; 2] {
        let tx = (i as f64 + 0.5) / nx as f64;
        let ty = (j as f64 + 0.5) / ny as f64;
        [
            b.x[0] + tx * (b.x[1] - b.x[0]),
            b.y[0] + ty * (b.y[1] - b.y[0]),
        ]
    }

    /// The centre of cell (i, j).
    pub fn centre(&self, i: usize, j: usize) -> [f64; 2] {
        Self::centre_of(&self.bounds, self.nx, self.ny, i, j)
    }

    /// The corners of cell (i, j): lower left and upper right.
    pub fn cell(&self, i: usize, j: usize) -> ([f64; 2], [f64; 2]) {
        let b = &self.bounds;
        let dx = (b.x[1] - b.x[0]) / self.nx as f64;
        let dy = (b.y[1] - b.y[0]) / self.ny as f64;
        let lo = [b.x[0] + i as f64 * dx, b.y[0] + j as f64 * dy];
        (lo, [lo[0] + dx, lo[1] + dy])
    }

    /// The value at cell (i, j).
    pub fn at(&self, i: usize, j: usize) -> f64 {
        self.values[j * self.nx + i]
    }
}

/// The segments of the contour `value = level` through the grid's cell centres, by
/// marching squares (linear interpolation along each edge; saddles resolved by the mean of
/// the four corners). Squares with a NaN or infinite corner are skipped.
pub fn contour_segments(grid: &Grid, level: f64) -> Vec<([f64; 2], [f64; 2])> {
    let mut out = Vec::new();
    if grid.nx < 2 || grid.ny < 2 {
        return out;
    }
    for j in 0..grid.ny - 1 {
        for i in 0..grid.nx - 1 {
            // Corners counter-clockwise from the lower left.
            let idx = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)];
            let v = idx.map(|(a, b)| grid.at(a, b));
            if v.iter().any(|x| !x.is_finite()) {
                continue;
            }
            let p = idx.map(|(a, b)| grid.centre(a, b));
            let above = v.map(|x| x > level);
            // Edge k joins corners k and k + 1 (bottom, right, top, left).
            let crossing = |k: usize| -> Option<[f64; 2]> {
                let m = (k + 1) % 4;
                if above[k] == above[m] {
                    return None;
                }
                let t = (level - v[k]) / (v[m] - v[k]);
                Some([
                    p[k][0] + t * (p[m][0] - p[k][0]),
                    p[k][1] + t * (p[m][1] - p[k][1]),
                ])
            };
            let c = [crossing(0), crossing(1), crossing(2), crossing(3)];
            let hits: Vec<[f64; 2]> = c.iter().flatten().copied().collect();
            match hits.len() {
                2 => out.push((hits[0], hits[1])),
                4 => {
                    let [Some(e0), Some(e1), Some(e2), Some(e3)] = c else {
                        continue;
                    };
                    let centre_above = (v[0] + v[1] + v[2] + v[3]) / 4.0 > level;
                    if centre_above == above[0] {
                        // The lines cut off corners 1 and 3.
                        out.push((e0, e1));
                        out.push((e2, e3));
                    } else {
                        // The lines cut off corners 0 and 2.
                        out.push((e3, e0));
                        out.push((e1, e2));
                    }
                }
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_circle_contour_lies_on_the_circle() {
        let b = Bounds::new([-2.0, 2.0], [-2.0, 2.0]).unwrap();
        let grid = Grid::sample(b, 80, 80, |x| x[0] * x[0] + x[1] * x[1]);
        let segs = contour_segments(&grid, 1.0);
        assert!(segs.len() > 50, "{}", segs.len());
        for (a, c) in segs {
            for p in [a, c] {
                let r = (p[0] * p[0] + p[1] * p[1]).sqrt();
                assert!((r - 1.0).abs() < 0.01, "{p:?} at radius {r}");
            }
        }
    }

    #[test]
    fn no_contour_outside_the_range_of_values() {
        let b = Bounds::new([0.0, 1.0], [0.0, 1.0]).unwrap();
        let grid = Grid::sample(b, 10, 10, |x| x[0]);
        assert!(contour_segments(&grid, 2.0).is_empty());
        assert_eq!(contour_segments(&grid, 0.5).len(), 9);
    }
}
