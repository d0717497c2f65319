//! KL(p_data ‖ p_model) between a set's closed-form density and an energy model, both
//! discretised on a grid over the set's box.

use std::fmt;

use super::EbmSet2d;
use super::density::log_sum_exp;

/// The most points [`grid_kl`] passes to the energy in one call.
pub const GRID_KL_BATCH: usize = 4096;

/// Fewest cells per axis [`grid_kl`] accepts.
const MIN_CELLS: usize = 8;

/// Most cells per axis [`grid_kl`] accepts (16.8 M cells, ~400 MiB of work arrays).
const MAX_CELLS: usize = 4096;

/// The result of [`grid_kl`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GridKl {
    /// KL(p_data ‖ p_model) in nats between the two laws discretised on the grid; +∞ when
    /// the model's energy is +∞ on a cell where the data has mass. Rounding can make the
    /// sum about −1e-16 for identical laws: it is clamped at 0.
    pub kl: f64,
    /// Cells per axis (the grid has `cells_per_axis²` cells).
    pub cells_per_axis: usize,
    /// The model's grid mass on cells where the data density is 0 (the checkerboard's
    /// white squares and margin; 0 elsewhere), in [0, 1]. It counts in `kl` only through
    /// the model's normaliser.
    pub model_mass_off_support: f64,
}

/// Why [`grid_kl`] failed.
#[derive(Clone, Debug, PartialEq)]
pub enum GridKlError<E> {
    /// `cells_per_axis` is outside 8..=4096.
    Cells {
        /// The value given.
        cells: usize,
    },
    /// The energy is NaN or −∞ at a cell centre (+∞ is allowed: zero density).
    BadEnergy {
        /// The cell centre.
        point: [f64; 2],
        /// The energy there.
        value: f64,
    },
    /// The energy is +∞ at every cell centre: the model has no mass on the box.
    NoFiniteEnergy,
    /// The energy callback failed.
    Energy(E),
}

impl<E: fmt::Display> fmt::Display for GridKlError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cells { cells } => write!(
                f,
                "grid KL with {cells} cells per axis: expected {MIN_CELLS}..={MAX_CELLS}"
            ),
            Self::BadEnergy { point, value } => write!(
                f,
                "grid KL: the energy is {value} at ({}, {}); expected a number or +inf",
                point[0], point[1]
            ),
            Self::NoFiniteEnergy => write!(
                f,
                "grid KL: the energy is +inf on the whole box (the model has no mass there)"
            ),
            Self::Energy(e) => write!(f, "grid KL: evaluating the energy failed: {e}"),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for GridKlError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Energy(e) => Some(e),
            _ => None,
        }
    }
}

/// The centres of an `n × n` grid over `(lo, hi)`, n²×2 row-major, rows of the grid from
/// the bottom (y outer, x inner).
fn cell_centres((lo, hi): ([f64; 2], [f64; 2]), n: usize) -> Vec<f64> {
    let h = [(hi[0] - lo[0]) / n as f64, (hi[1] - lo[1]) / n as f64];
    let mut out = Vec::with_capacity(2 * n * n);
    for j in 0..n {
        for i in 0..n {
            out.push(lo[0] + (i as f64 + 0.5) * h[0]);
            out.push(lo[1] + (j as f64 + 0.5) * h[1]);
        }
    }
    out
}

/// (KL, model mass where p = 0) between the laws ∝ exp(`log_p`) and ∝ exp(`log_q`) on the
/// same cells. Needs no NaN, no +∞ and some finite value in each.
fn discrete_kl(log_p: &[f64], log_q: &[f64]) -> (f64, f64) {
    let (lp_norm, lq_norm) = (log_sum_exp(log_p), log_sum_exp(log_q));
    let mut kl = 0.0;
    let mut off = 0.0;
    for (&lp, &lq) in log_p.iter().zip(log_q) {
        if lp == f64::NEG_INFINITY {
            off += (lq - lq_norm).exp();
        } else {
            let lp = lp - lp_norm;
            kl += lp.exp() * (lp - (lq - lq_norm));
        }
    }
    (kl.max(0.0), off)
}

/// KL(p_data ‖ p_model) on a `cells_per_axis²` grid over [`EbmSet2d::domain`]: p_data is
/// the set's [`log_density`](EbmSet2d::log_density) at the cell centres, p_model ∝
/// exp(−E) at the same centres, each normalised over the grid (log-sum-exp, so energies of
/// any size are fine), and KL = Σ p_d (log p_d − log p_m) over the cells with p_d > 0.
///
/// This is the discretised KL on the box: model mass outside the box is ignored by
/// construction, and so is the (documented, ≤ 2e-6) data mass outside it. It is invariant
/// to adding a constant to E. A cell of side h resolves features down to ~h: use cells at
/// least 3× finer than the narrowest data feature (rings: σ = 0.24, so ≥ 64 cells on its
/// box of side 9; 256 is a good default for every set).
///
/// `energy(points, out)` gets batches of at most [`GRID_KL_BATCH`] points (n×2
/// row-major, the grid's rows from the bottom) and writes their n energies into `out`.
/// Errors: `cells_per_axis` outside 8..=4096, an energy that is NaN or −∞ at some cell
/// (+∞ is zero density), +∞ everywhere, or the callback's own error.
pub fn grid_kl<E>(
    set: EbmSet2d,
    mut energy: impl FnMut(&[f64], &mut [f64]) -> Result<(), E>,
    cells_per_axis: usize,
) -> Result<GridKl, GridKlError<E>> {
    if !(MIN_CELLS..=MAX_CELLS).contains(&cells_per_axis) {
        return Err(GridKlError::Cells {
            cells: cells_per_axis,
        });
    }
    let centres = cell_centres(set.domain(), cells_per_axis);
    let mut log_q = vec![0.0; centres.len() / 2];
    for (pts, out) in centres
        .chunks(2 * GRID_KL_BATCH)
        .zip(log_q.chunks_mut(GRID_KL_BATCH))
    {
        energy(pts, out).map_err(GridKlError::Energy)?;
        for (p, e) in pts.chunks_exact(2).zip(out.iter_mut()) {
            if e.is_nan() || *e == f64::NEG_INFINITY {
                return Err(GridKlError::BadEnergy {
                    point: [p[0], p[1]],
                    value: *e,
                });
            }
            *e = -*e;
        }
    }
    if log_q.iter().all(|&v| v == f64::NEG_INFINITY) {
        return Err(GridKlError::NoFiniteEnergy);
    }
    let log_p: Vec<f64> = centres
        .chunks_exact(2)
        .map(|p| set.log_density([p[0], p[1]]))
        .collect();
    let (kl, model_mass_off_support) = discrete_kl(&log_p, &log_q);
    Ok(GridKl {
        kl,
        cells_per_axis,
        model_mass_off_support,
    })
}

#[cfg(test)]
mod tests {
    use super::{GRID_KL_BATCH, GridKlError, cell_centres, discrete_kl, grid_kl};
    use crate::ebm::EbmSet2d;

    type Never = std::convert::Infallible;

    /// A pointwise energy as a batched callback.
    fn batched(e: impl Fn([f64; 2]) -> f64) -> impl FnMut(&[f64], &mut [f64]) -> Result<(), Never> {
        move |pts, out| {
            for (p, o) in pts.chunks_exact(2).zip(out) {
                *o = e([p[0], p[1]]);
            }
            Ok(())
        }
    }

    #[test]
    fn the_data_energy_has_zero_kl() {
        for set in EbmSet2d::ALL {
            let r = grid_kl(set, batched(|x| -set.log_density(x)), 256).unwrap();
            assert!(r.kl < 1e-12, "{set}: {}", r.kl);
            assert_eq!(r.model_mass_off_support, 0.0, "{set}");
            assert_eq!(r.cells_per_axis, 256);
        }
    }

    #[test]
    fn checkerboard_against_a_flat_energy_is_log_81_over_32() {
        // Data uniform on the black squares (area 32), model uniform on the box [−4.5, 4.5]²
        // (area 81); 180 cells per axis align with the squares, so the grid law is exact.
        let r = grid_kl(EbmSet2d::Checkerboard, batched(|_| 0.0), 180).unwrap();
        assert!((r.kl - (81f64 / 32.0).ln()).abs() < 1e-12, "{}", r.kl);
        assert!((r.model_mass_off_support - 49.0 / 81.0).abs() < 1e-12);
    }

    #[test]
    fn two_gaussians_match_the_closed_form() {
        // KL(N(0, 1)² ‖ N(0.5, 1.2²)²) = 2·(ln 1.2 + (1 + 0.5²)/(2·1.2²) − ½) ≈ 0.2327 on
        // [−10, 10]² (both laws' mass outside < 1e-14); the midpoint rule on Gaussians is
        // spectrally accurate (measured: 5e-14 off at 400 cells).
        let n = 400;
        let centres = cell_centres(([-10.0; 2], [10.0; 2]), n);
        let log_n = |x: f64, m: f64, s: f64| -0.5 * ((x - m) / s).powi(2) - s.ln();
        let lp: Vec<f64> = centres
            .chunks_exact(2)
            .map(|p| log_n(p[0], 0.0, 1.0) + log_n(p[1], 0.0, 1.0))
            .collect();
        let lq: Vec<f64> = centres
            .chunks_exact(2)
            .map(|p| log_n(p[0], 0.5, 1.2) + log_n(p[1], 0.5, 1.2))
            .collect();
        let want = 2.0 * (1.2f64.ln() + 1.25 / 2.88 - 0.5);
        let (kl, off) = discrete_kl(&lp, &lq);
        assert!((kl - want).abs() < 1e-10, "{kl} vs {want}");
        assert_eq!(off, 0.0);
    }

    #[test]
    fn kl_is_invariant_to_a_constant_in_the_energy() {
        let broad = |x: [f64; 2]| (x[0] * x[0] + x[1] * x[1]) / 32.0;
        let set = EbmSet2d::EightGaussians;
        let base = grid_kl(set, batched(broad), 128).unwrap().kl;
        assert!(base > 0.5, "{base}");
        for c in [-1e3, 1e3, 7e5] {
            let shifted = grid_kl(set, batched(|x| broad(x) + c), 128).unwrap().kl;
            assert!(
                (shifted - base).abs() < 1e-9 * base,
                "shift {c}: {shifted} vs {base}"
            );
        }
    }

    #[test]
    fn energies_arrive_in_batches_and_infinite_energy_is_zero_density() {
        let mut sizes = Vec::new();
        let e = |pts: &[f64], out: &mut [f64]| {
            sizes.push(out.len());
            assert_eq!(pts.len(), 2 * out.len());
            // Zero density on the right half of the box, where 8gaussians has mass.
            for (p, o) in pts.chunks_exact(2).zip(out) {
                *o = if p[0] > 0.0 { f64::INFINITY } else { 0.0 };
            }
            Ok::<(), Never>(())
        };
        let r = grid_kl(EbmSet2d::EightGaussians, e, 100).unwrap();
        assert_eq!(r.kl, f64::INFINITY);
        assert_eq!(
            sizes,
            [GRID_KL_BATCH, GRID_KL_BATCH, 10_000 - 2 * GRID_KL_BATCH]
        );
    }

    #[test]
    fn bad_input_is_an_error() {
        let set = EbmSet2d::Rings;
        for cells in [0, 7, 4097] {
            let err = grid_kl(set, batched(|_| 0.0), cells).unwrap_err();
            assert_eq!(err, GridKlError::Cells { cells });
        }
        assert_eq!(
            grid_kl(set, batched(|_| 0.0), 7).unwrap_err().to_string(),
            "grid KL with 7 cells per axis: expected 8..=4096"
        );
        // NaN or −∞ at the first cell centre, (−4.5 + 9/16, −4.5 + 9/16).
        for bad in [f64::NAN, f64::NEG_INFINITY] {
            let err = grid_kl(
                set,
                batched(|x| if x[0] < -3.9 && x[1] < -3.9 { bad } else { 0.0 }),
                8,
            )
            .unwrap_err();
            let GridKlError::BadEnergy { point, value } = err else {
                panic!("{err:?}")
            };
            assert_eq!(point, [-3.9375, -3.9375]);
            assert_eq!(value.to_bits(), bad.to_bits());
        }
        let err = grid_kl(set, batched(|_| f64::INFINITY), 8).unwrap_err();
        assert_eq!(err, GridKlError::NoFiniteEnergy);
        let err = grid_kl(set, |_: &[f64], _: &mut [f64]| Err("network exploded"), 8).unwrap_err();
        assert_eq!(err, GridKlError::Energy("network exploded"));
        assert_eq!(
            err.to_string(),
            "grid KL: evaluating the energy failed: network exploded"
        );
    }
}
