//! Checked point clouds, centred on the middle of the joint bounding box.
//!
//! The cost `‖x − y‖²/2` does not change when both clouds move together, so the engine
//! works on centred coordinates: smaller numbers, and less rounding in f32.

use super::SinkhornError;
use super::SinkhornScalar;
use super::kernel::LANES;
use super::schedule::{bounding_box, diameter};
#[cfg(feature = "cuda")]
use crate::engine::cuda::{CudaBackend, DeviceCloud};

/// One point cloud, row-major `n × d`, centred, in the working precision.
pub(crate) struct Cloud<S> {
    /// Number of points.
    pub(crate) n: usize,
    /// Dimension.
    pub(crate) d: usize,
    /// The centred coordinates, row-major.
    pub(crate) points: Vec<S>,
    /// The same, packed for the kernel as columns: blocks of [`LANES`] points,
    /// coordinate-major inside a block (`packed[(b·d + k)·LANES + l]` is coordinate `k` of
    /// point `b·LANES + l`); the last block is padded with zeros.
    pub(crate) packed: Vec<S>,
    /// A copy of `points` on a GPU, when the solve's soft-mins run there
    /// ([`Cloud::upload`]).
    #[cfg(feature = "cuda")]
    pub(crate) resident: Option<DeviceCloud<S>>,
}

impl<S: SinkhornScalar> Cloud<S> {
    /// A cloud from centred row-major coordinates.
    fn new(d: usize, points: Vec<S>) -> Self {
        let n = points.len() / d;
        let blocks = n.div_ceil(LANES);
        let mut packed = vec![S::ZERO; blocks * d * LANES];
        for (i, p) in points.chunks_exact(d).enumerate() {
            let (b, l) = (i / LANES, i % LANES);
            for (k, &c) in p.iter().enumerate() {
                packed[(b * d + k) * LANES + l] = c;
            }
        }
        Self {
            n,
            d,
            points,
            packed,
            #[cfg(feature = "cuda")]
            resident: None,
        }
    }

    /// Copies the centred points to `gpu` (once per solve) for its soft-mins.
    #[cfg(feature = "cuda")]
    pub(crate) fn upload(&mut self, gpu: &CudaBackend) -> Result<(), SinkhornError> {
        self.resident = Some(S::gpu_upload(gpu, &self.points, self.d)?);
        Ok(())
    }

    /// Number of column blocks.
    pub(crate) fn blocks(&self) -> usize {
        self.n.div_ceil(LANES)
    }
}

/// Checks one point set: `d ≥ 1`, a whole number of points, at least one, all finite.
/// Returns the number of points.
pub(crate) fn check<S: SinkhornScalar>(
    which: &'static str,
    points: &[S],
    d: usize,
) -> Result<usize, SinkhornError> {
    if d == 0 {
        return Err(SinkhornError::ZeroDimension);
    }
    if points.is_empty() {
        return Err(SinkhornError::Empty { which });
    }
    if !points.len().is_multiple_of(d) {
        return Err(SinkhornError::Ragged {
            which,
            len: points.len(),
            d,
        });
    }
    if let Some(index) = points.iter().position(|v| !v.to_f64().is_finite()) {
        return Err(SinkhornError::NonFinite { which, index });
    }
    Ok(points.len() / d)
}

/// Both clouds, checked and centred on the middle of their joint bounding box, with the
/// box's diameter (GeomLoss's `max_diameter`, measured on the input values).
pub(crate) fn prepare<S: SinkhornScalar>(
    x: &[S],
    y: &[S],
    d: usize,
) -> Result<(Cloud<S>, Cloud<S>, f64), SinkhornError> {
    let n = check("x", x, d)?;
    let m = check("y", y, d)?;
    let wide = |p: &[S]| p.iter().map(|v| v.to_f64()).collect::<Vec<f64>>();
    let (xw, yw) = (wide(x), wide(y));
    let (lo, hi) = bounding_box([xw.as_slice(), yw.as_slice()], d);
    let centre: Vec<f64> = lo.iter().zip(&hi).map(|(l, h)| 0.5 * (l + h)).collect();
    let centred = |p: Vec<f64>| {
        Cloud::new(
            d,
            p.chunks_exact(d)
                .flat_map(|q| q.iter().zip(&centre).map(|(v, c)| S::from_f64(v - c)))
                .collect(),
        )
    };
    let (cx, cy) = (centred(xw), centred(yw));
    debug_assert!(cx.n == n && cy.n == m);
    Ok((cx, cy, diameter(&lo, &hi)))
}
