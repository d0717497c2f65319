//! Colours: a qualitative palette for series and the viridis map for scalar fields.

use plotters::style::RGBColor;

/// Matplotlib's `tab10`, for series and particles.
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// The colour of series `k` (cycling through [`PALETTE`]).
pub fn series_color(k: usize) -> RGBColor {
    PALETTE[k % PALETTE.len()]
}

/// Viridis at t = 0, 1/8, ..., 1 (matplotlib's values).
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 45, 123),
    (59, 82, 139),
    (44, 114, 142),
    (33, 145, 140),
    (40, 174, 128),
    (94, 201, 98),
    (173, 220, 48),
    (253, 231, 37),
];

/// Viridis at `t` ∈ [0, 1] (clamped; NaN gives the low end): dark purple to yellow, with
/// luminance increasing monotonically.
pub fn viridis(t: f64) -> RGBColor {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let pos = t * (VIRIDIS.len() - 1) as f64;
    let i = (pos.floor() as usize).min(VIRIDIS.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |u: u8, v: u8| (f64::from(u) + f * (f64::from(v) - f64::from(u))).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Grey level for a value `t` ∈ [0, 1] of an image tile: 0 is white paper, 1 black ink.
pub fn ink(t: f64) -> RGBColor {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let v = (255.0 * (1.0 - t)).round() as u8;
    RGBColor(v, v, v)
}
