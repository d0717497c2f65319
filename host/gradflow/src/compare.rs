//! Several distances between two point sets at once, with the conventions stated: what
//! `gradflow eval` prints.
//!
//! ```
//! use gradflow::compare::{CompareSettings, compare};
//! use gradflow::data::Samples;
//!
//! let x = Samples::new(3, 2, vec![0.0, 0.0, 1.0, 0.0, 0.0, 1.0])?;
//! let y = Samples::new(3, 2, vec![0.5, 0.0, 1.5, 0.0, 0.5, 1.0])?;
//! let c = compare(&x, &y, &CompareSettings::default())?;
//! let w2 = c.w2.unwrap();
//! assert!((w2.w2 - 0.5).abs() < 1e-12); // a translated copy: W2 = the shift
//! assert_eq!(w2.subsampled_to, None);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use gradflow_core::StreamRng;
use serde_json::{Value, json};

use crate::data::Samples;
use crate::metrics::{MetricsError, energy_distance, median_bandwidth, mmd2_rbf, wasserstein2};
use crate::names::Named;
use crate::sinkhorn::{SinkhornError, SinkhornSettings, Stopping};

/// A distance [`compare`] can compute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Metric {
    /// Exact W2 (cost ‖x − y‖², uniform weights).
    W2,
    /// Debiased Sinkhorn divergence (GeomLoss conventions).
    Sinkhorn,
    /// Unbiased MMD² with an RBF kernel.
    Mmd,
    /// Energy distance (U-statistic).
    Energy,
}

crate::names::named!(Metric {
    W2 => "w2",
    Sinkhorn => "sinkhorn",
    Mmd => "mmd",
    Energy => "energy",
});

/// Settings of [`compare`].
#[derive(Clone, Debug, PartialEq)]
pub struct CompareSettings {
    /// Which metrics to compute (each once, in [`Metric::ALL`] order, whatever the order here).
    pub metrics: Vec<Metric>,
    /// Sinkhorn blur (ε = blur², cost ‖x − y‖²/2). The default, 0.5, is 5–10 % of the
    /// extent of the built-in 2D sets; converging takes more iterations as the blur shrinks
    /// (about diameter²/ε).
    pub blur: f64,
    /// Sinkhorn tolerance on the L2 column-marginal error of each problem (default 1e-5:
    /// the divergence to about 1e-3 relative on two 1024-point moons samples).
    pub tol: f64,
    /// RBF bandwidth σ of the MMD; `None` for the median heuristic.
    pub bandwidth: Option<f64>,
    /// Seed of the subsample W2 takes of the larger set when the sizes differ.
    pub seed: u64,
}

impl Default for CompareSettings {
    fn default() -> Self {
        Self {
            metrics: Metric::ALL.to_vec(),
            blur: 0.5,
            tol: 1e-5,
            bandwidth: None,
            seed: 0,
        }
    }
}

/// Exact W2 and how it was obtained.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct W2Value {
    /// W2 = √(min over couplings of E‖x − y‖²).
    pub w2: f64,
    /// When the sizes differ: the size both sets were brought to (the larger one is a
    /// seeded subsample without replacement).
    pub subsampled_to: Option<usize>,
    /// The solver's certified bound on the excess of W2² over the optimum.
    pub gap_bound: f64,
}

/// A debiased Sinkhorn divergence with its parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SinkhornValue {
    /// S_ε(x, y) = OT_ε(x, y) − ½OT_ε(x, x) − ½OT_ε(y, y), cost ‖x − y‖²/2.
    pub value: f64,
    /// The blur.
    pub blur: f64,
    /// ε = blur².
    pub eps: f64,
}

/// An MMD² estimate with its kernel bandwidth.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MmdValue {
    /// Unbiased MMD² (U-statistic; may be slightly negative).
    pub mmd2: f64,
    /// The RBF bandwidth σ of k(x, y) = exp(−‖x − y‖²/(2σ²)).
    pub bandwidth: f64,
    /// Whether σ came from the median heuristic (else it was given).
    pub median_heuristic: bool,
}

/// The distances between two point sets (`None` for metrics not asked for).
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// Points in the first set.
    pub n_x: usize,
    /// Points in the second set.
    pub n_y: usize,
    /// Dimension.
    pub d: usize,
    /// Exact W2.
    pub w2: Option<W2Value>,
    /// Debiased Sinkhorn divergence.
    pub sinkhorn: Option<SinkhornValue>,
    /// MMD².
    pub mmd: Option<MmdValue>,
    /// Energy distance.
    pub energy_distance: Option<f64>,
}

impl Comparison {
    /// The results as one JSON object: `n_x`, `n_y`, `d`, and for each metric computed
    /// `w2` (with `w2_subsampled_to`, null when the sizes agree), `sinkhorn` (with
    /// `sinkhorn_blur`, `sinkhorn_eps` and `sinkhorn_cost`), `mmd2` (with `mmd_bandwidth`
    /// and `mmd_bandwidth_rule`: `median` or `given`), `energy_distance`.
    pub fn to_json(&self) -> Value {
        let mut o = json!({ "n_x": self.n_x, "n_y": self.n_y, "d": self.d });
        let map = o.as_object_mut().expect("a JSON object literal");
        if let Some(w) = self.w2 {
            map.insert("w2".into(), json!(w.w2));
            map.insert("w2_subsampled_to".into(), json!(w.subsampled_to));
        }
        if let Some(s) = self.sinkhorn {
            map.insert("sinkhorn".into(), json!(s.value));
            map.insert("sinkhorn_blur".into(), json!(s.blur));
            map.insert("sinkhorn_eps".into(), json!(s.eps));
            map.insert("sinkhorn_cost".into(), json!("|x-y|^2/2"));
        }
        if let Some(m) = self.mmd {
            map.insert("mmd2".into(), json!(m.mmd2));
            map.insert("mmd_bandwidth".into(), json!(m.bandwidth));
            let rule = if m.median_heuristic {
                "median"
            } else {
                "given"
            };
            map.insert("mmd_bandwidth_rule".into(), json!(rule));
        }
        if let Some(e) = self.energy_distance {
            map.insert("energy_distance".into(), json!(e));
        }
        o
    }
}

/// Why two point sets could not be compared.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum CompareError {
    /// The sets have different dimensions.
    DimensionMismatch {
        /// Columns of the first set.
        d_x: usize,
        /// Columns of the second set.
        d_y: usize,
    },
    /// A set has fewer than two points (or zero columns).
    TooSmall {
        /// 0 for the first set, 1 for the second.
        which: usize,
        /// Its points.
        n: usize,
        /// Its columns.
        d: usize,
    },
    /// A coordinate is NaN or infinite.
    NonFinite {
        /// 0 for the first set, 1 for the second.
        which: usize,
        /// Its row (0-based).
        row: usize,
        /// Its column (0-based).
        column: usize,
    },
    /// A metric failed (a parameter out of range).
    Metric(&'static str, MetricsError),
    /// The Sinkhorn engine failed (not converged, overflow).
    Sinkhorn(SinkhornError),
}

const WHICH: [&str; 2] = ["first", "second"];

impl fmt::Display for CompareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DimensionMismatch { d_x, d_y } => write!(
                f,
                "the point sets have different dimensions: {d_x} and {d_y} columns"
            ),
            Self::TooSmall { which, n, d } => write!(
                f,
                "the {} point set is {n} × {d}: need at least 2 points of dimension ≥ 1",
                WHICH[*which]
            ),
            Self::NonFinite { which, row, column } => write!(
                f,
                "the {} point set has a NaN or infinite value at row {row}, column {column} \
                 (0-based)",
                WHICH[*which]
            ),
            Self::Metric(name, e) => write!(f, "{name}: {e}"),
            Self::Sinkhorn(e) => write!(f, "Sinkhorn divergence: {e}"),
        }
    }
}

impl std::error::Error for CompareError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Metric(_, e) => Some(e),
            Self::Sinkhorn(e) => Some(e),
            _ => None,
        }
    }
}

/// Checks one point set: at least 2 points, d ≥ 1, all values finite. `which` is 0 or 1.
pub fn check_points(s: &Samples, which: usize) -> Result<(), CompareError> {
    if s.n < 2 || s.d == 0 {
        return Err(CompareError::TooSmall {
            which,
            n: s.n,
            d: s.d,
        });
    }
    if let Some(k) = s.data.iter().position(|v| !v.is_finite()) {
        return Err(CompareError::NonFinite {
            which,
            row: k / s.d,
            column: k % s.d,
        });
    }
    Ok(())
}

/// `k` distinct rows of `s` chosen uniformly without replacement (a partial Fisher–Yates
/// shuffle drawn from `StreamRng::new(seed, 0)`), in the order drawn.
pub fn subsample(s: &Samples, k: usize, seed: u64) -> Samples {
    let k = k.min(s.n);
    let mut rng = StreamRng::new(seed, 0);
    let mut index: Vec<usize> = (0..s.n).collect();
    for i in 0..k {
        let j = i + ((rng.uniform_open01() * (s.n - i) as f64) as usize).min(s.n - i - 1);
        index.swap(i, j);
    }
    let mut data = Vec::with_capacity(k * s.d);
    for &i in &index[..k] {
        data.extend_from_slice(s.row(i));
    }
    Samples { n: k, d: s.d, data }
}

/// Computes the metrics of `settings` between `x` and `y` (n × d and m × d).
///
/// - **W2**: exact, cost ‖x − y‖², uniform weights. When n ≠ m the larger set is replaced
///   by a [`subsample`] of the smaller size (seed `settings.seed`) and
///   [`W2Value::subsampled_to`] says so; the other metrics use all points.
/// - **Sinkhorn**: debiased S_ε, GeomLoss conventions (cost ‖x − y‖²/2, ε = blur²),
///   converged to `settings.tol` by the f64 [`crate::sinkhorn`] engine (ε-scaling 0.5,
///   then iterations at ε until the tolerance, at most 100 000).
/// - **MMD²**: unbiased, RBF kernel, bandwidth given or the median heuristic over the
///   pooled points.
/// - **energy distance**: the unbiased U-statistic.
pub fn compare(
    x: &Samples,
    y: &Samples,
    settings: &CompareSettings,
) -> Result<Comparison, CompareError> {
    check_points(x, 0)?;
    check_points(y, 1)?;
    if x.d != y.d {
        return Err(CompareError::DimensionMismatch { d_x: x.d, d_y: y.d });
    }
    let d = x.d;
    let wants = |m: Metric| settings.metrics.contains(&m);
    let mut out = Comparison {
        n_x: x.n,
        n_y: y.n,
        d,
        w2: None,
        sinkhorn: None,
        mmd: None,
        energy_distance: None,
    };
    if wants(Metric::W2) {
        let k = x.n.min(y.n);
        let (xs, ys);
        let (a, b) = match x.n.cmp(&y.n) {
            std::cmp::Ordering::Equal => (x, y),
            std::cmp::Ordering::Greater => {
                xs = subsample(x, k, settings.seed);
                (&xs, y)
            }
            std::cmp::Ordering::Less => {
                ys = subsample(y, k, settings.seed);
                (x, &ys)
            }
        };
        let w = wasserstein2(&a.data, &b.data, d).map_err(|e| CompareError::Metric("W2", e))?;
        out.w2 = Some(W2Value {
            w2: w.w2,
            subsampled_to: (x.n != y.n).then_some(k),
            gap_bound: w.gap_bound,
        });
    }
    if wants(Metric::Sinkhorn) {
        let engine = SinkhornSettings {
            blur: settings.blur,
            scaling: 0.5,
            stopping: Stopping::Tolerance {
                tol: settings.tol,
                max_iter: 100_000,
            },
        };
        let s = engine
            .divergence(&x.data, &y.data, d)
            .map_err(CompareError::Sinkhorn)?;
        out.sinkhorn = Some(SinkhornValue {
            value: s.value,
            blur: settings.blur,
            eps: settings.blur * settings.blur,
        });
    }
    if wants(Metric::Mmd) {
        let err = |e| CompareError::Metric("MMD", e);
        let (bandwidth, median_heuristic) = match settings.bandwidth {
            Some(b) => (b, false),
            None => (median_bandwidth(&x.data, &y.data, d).map_err(err)?, true),
        };
        let mmd2 = mmd2_rbf(&x.data, &y.data, d, bandwidth).map_err(err)?;
        out.mmd = Some(MmdValue {
            mmd2,
            bandwidth,
            median_heuristic,
        });
    }
    if wants(Metric::Energy) {
        out.energy_distance = Some(
            energy_distance(&x.data, &y.data, d)
                .map_err(|e| CompareError::Metric("energy distance", e))?,
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsample_draws_distinct_rows() {
        let s = Samples::new(10, 1, (0..10).map(f64::from).collect()).unwrap();
        let mut sub = subsample(&s, 7, 3).data;
        assert_eq!(sub, subsample(&s, 7, 3).data, "seeded");
        sub.sort_by(f64::total_cmp);
        sub.dedup();
        assert_eq!(sub.len(), 7);
        assert_ne!(subsample(&s, 7, 3).data, subsample(&s, 7, 4).data);
    }

    #[test]
    fn unequal_sizes_subsample_for_w2_only() {
        let x = Samples::new(4, 1, vec![0.0, 1.0, 2.0, 3.0]).unwrap();
        let y = Samples::new(2, 1, vec![10.0, 11.0]).unwrap();
        let c = compare(&x, &y, &CompareSettings::default()).unwrap();
        assert_eq!(c.w2.unwrap().subsampled_to, Some(2));
        assert_eq!((c.n_x, c.n_y), (4, 2));
        // Energy distance uses all points: 2·mean|x−y| − mean|x−x'| − mean|y−y'|.
        let xy = (0..4)
            .map(|i| (10 - i) as f64 + (11 - i) as f64)
            .sum::<f64>()
            / 8.0;
        let xx = 2.0 * (1.0 + 2.0 + 3.0 + 1.0 + 2.0 + 1.0) / 12.0;
        let yy = 1.0;
        assert!((c.energy_distance.unwrap() - (2.0 * xy - xx - yy)).abs() < 1e-12);
    }
}
