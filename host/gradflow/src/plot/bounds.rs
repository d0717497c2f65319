//! Axis ranges: checked fixed ranges, and ranges from data that ignore NaN, infinities and
//! the most extreme 0.5 % on each side.

use std::str::FromStr;

use super::error::PlotError;
use crate::SettingError;

/// Fraction of the points cut on each side when a range is taken from data.
pub const TAIL: f64 = 0.005;

/// A value is an outlier when it lies beyond the [`TAIL`] quantiles by more than this
/// multiple of the distance between them.
pub const OUTLIER: f64 = 0.5;

/// Padding added on each side of a range taken from data, as a fraction of its width.
pub const PAD: f64 = 0.05;

/// A rectangle `[x_min, x_max] × [y_min, y_max]` with finite ends, min < max.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bounds {
    /// `[x_min, x_max]`.
    pub x: [f64; 2],
    /// `[y_min, y_max]`.
    pub y: [f64; 2],
}

/// An invalid axis range, named by the options' field `bounds`.
fn bad_bounds(problem: String) -> PlotError {
    PlotError::Range(SettingError::new("bounds", problem))
}

fn check_axis(axis: &str, [lo, hi]: [f64; 2]) -> Result<(), PlotError> {
    if !lo.is_finite() || !hi.is_finite() {
        return Err(bad_bounds(format!(
            "{axis} range [{lo}, {hi}] is not finite"
        )));
    }
    if lo >= hi {
        return Err(bad_bounds(format!(
            "{axis} range [{lo}, {hi}] is empty: the minimum must be below the maximum"
        )));
    }
    if !(hi - lo).is_finite() {
        return Err(bad_bounds(format!("{axis} range [{lo}, {hi}] is too wide")));
    }
    Ok(())
}

impl Bounds {
    /// `[x_min, x_max] × [y_min, y_max]`; an error unless all four are finite and each
    /// minimum is below its maximum.
    pub fn new(x: [f64; 2], y: [f64; 2]) -> Result<Self, PlotError> {
        check_axis("x", x)?;
        check_axis("y", y)?;
        Ok(Self { x, y })
    }

    /// Whether `p` lies in the closed rectangle.
    pub fn contains(&self, p: [f64; 2]) -> bool {
        (self.x[0]..=self.x[1]).contains(&p[0]) && (self.y[0]..=self.y[1]).contains(&p[1])
    }

    /// A range covering the finite points of `sets` (x, y pairs) but not their outliers:
    /// per coordinate, from the smallest to the largest value within half the distance
    /// between the 0.5 % and 99.5 % quantiles of those quantiles, padded by 5 % of the
    /// width on each side (a degenerate axis gets ±max(1, 10 %·|value|)). `None` when no
    /// point is finite or the range is too wide for f64.
    pub fn from_points<'a>(sets: impl IntoIterator<Item = &'a [[f64; 2]]>) -> Option<Self> {
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for set in sets {
            for p in set.iter().filter(|p| p[0].is_finite() && p[1].is_finite()) {
                xs.push(p[0]);
                ys.push(p[1]);
            }
        }
        let x = padded_range(&mut xs)?;
        let y = padded_range(&mut ys)?;
        Self::new(x, y).ok()
    }
}

/// The padded range of finite values (reorders them): from the smallest to the largest
/// value that is not an outlier, padded by [`PAD`] of the width on each side.
fn padded_range(v: &mut [f64]) -> Option<[f64; 2]> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let (q_lo, q_hi) = (quantile(v, TAIL), quantile(v, 1.0 - TAIL));
    let reach = OUTLIER * (q_hi - q_lo);
    // The most extreme values within reach of the quantiles (the quantiles themselves lie
    // between two values, so one always qualifies).
    let lo = v
        .iter()
        .copied()
        .find(|&x| x >= q_lo - reach)
        .unwrap_or(q_lo);
    let hi = v
        .iter()
        .rev()
        .copied()
        .find(|&x| x <= q_hi + reach)
        .unwrap_or(q_hi);
    let width = hi - lo;
    let pad = if width > 0.0 {
        PAD * width
    } else {
        (0.1 * lo.abs()).max(1.0)
    };
    let range = [lo - pad, hi + pad];
    (range[0].is_finite() && range[1].is_finite() && (range[1] - range[0]).is_finite())
        .then_some(range)
}

/// The `q` quantile of sorted values, interpolating linearly between order statistics.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let i = pos.floor() as usize;
    let j = (i + 1).min(sorted.len() - 1);
    let t = pos - i as f64;
    sorted[i] + t * (sorted[j] - sorted[i])
}

impl FromStr for Bounds {
    type Err = PlotError;

    /// Parses `x_min,x_max,y_min,y_max`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split(',').map(str::trim).collect();
        let bad = || {
            bad_bounds(format!(
                "{s:?} is not x_min,x_max,y_min,y_max (four numbers)"
            ))
        };
        let [a, b, c, d] = parts[..] else {
            return Err(bad());
        };
        let num = |t: &str| t.parse::<f64>().map_err(|_| bad());
        Self::new([num(a)?, num(b)?], [num(c)?, num(d)?])
    }
}

/// The points of an n×2 row-major buffer as pairs.
pub(super) fn pairs(data: &[f64]) -> Vec<[f64; 2]> {
    data.chunks_exact(2).map(|r| [r[0], r[1]]).collect()
}
