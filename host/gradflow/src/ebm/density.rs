//! The 2D sets of the EBM experiments and their closed-form densities.

use std::f64::consts::PI;
use std::fmt;
use std::str::FromStr;

use super::bessel::ln_i0e;
use super::gmm;
use crate::data::Dataset2d;
use crate::data::toy2d::{is_black, scales};

/// A 2D set whose density is known in closed form: a sampler, the normalised log density
/// of the law it samples, and a box holding essentially all of its mass.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EbmSet2d {
    /// [`Dataset2d::EightGaussians`]: the equal mixture of N(5·u_k, s²·I), s ≈ 0.562.
    EightGaussians,
    /// [`Dataset2d::Rings`]: circles of radii 3 and 1.5 (half the mass each) plus
    /// N(0, 0.24²·I) noise.
    Rings,
    /// Three full-covariance Gaussians with weights 0.5 / 0.3 / 0.2 ([`gmm::GMM`](super::GMM)).
    Gmm,
    /// [`Dataset2d::Checkerboard`]: uniform on the 8 black squares of [−4, 4]².
    Checkerboard,
}

/// log Σ exp(vᵢ), stable for large |vᵢ|: −∞ when every term is −∞ (or `v` is empty), NaN
/// if a term is NaN.
pub(super) fn log_sum_exp(v: &[f64]) -> f64 {
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if v.iter().any(|t| t.is_nan()) {
        return f64::NAN;
    }
    if !max.is_finite() {
        return max;
    }
    max + v.iter().map(|t| (t - max).exp()).sum::<f64>().ln()
}

impl EbmSet2d {
    /// Every set, in the order of the enum.
    pub const ALL: [EbmSet2d; 4] = [
        Self::EightGaussians,
        Self::Rings,
        Self::Gmm,
        Self::Checkerboard,
    ];

    /// The set's name: `8gaussians`, `rings`, `gmm` or `checkerboard`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::EightGaussians => "8gaussians",
            Self::Rings => "rings",
            Self::Gmm => "gmm",
            Self::Checkerboard => "checkerboard",
        }
    }

    /// `n` points, n×2 row-major, row `i` drawn from `StreamRng::new(seed, i)`. The
    /// `8gaussians`, `rings` and `checkerboard` rows are those of [`Dataset2d::sample`];
    /// `gmm` draws a uniform (the component) then two normals.
    pub fn sample(self, n: usize, seed: u64) -> Vec<f64> {
        match self {
            Self::EightGaussians => Dataset2d::EightGaussians.sample(n, seed),
            Self::Rings => Dataset2d::Rings.sample(n, seed),
            Self::Checkerboard => Dataset2d::Checkerboard.sample(n, seed),
            Self::Gmm => {
                let mut out = vec![0.0; 2 * n];
                gmm::fill(&mut out, seed);
                out
            }
        }
    }

    /// The normalised log density at `x` of the law [`EbmSet2d::sample`] draws from
    /// (−∞ off the support, NaN if a coordinate is NaN):
    ///
    /// * `8gaussians`: ln((1/8) Σₖ N(x; 5·u_k, s²·I)), s = `EIGHT_GAUSSIANS_STD`.
    /// * `rings`: the two circles (radii R = 3 and 1.5, half the mass each) with a uniform
    ///   angle, convolved with N(0, σ²·I), σ = 0.24:
    ///   p(x) = ½ Σ_R (2πσ²)⁻¹ exp(−(r − R)²/(2σ²)) · e^{−rR/σ²} I₀(rR/σ²), r = ‖x‖, with
    ///   the exponentially scaled I₀ in logs. The generator puts its points at equally
    ///   spaced angles; this uniform-angle law is its limit as n → ∞.
    /// * `gmm`: the mixture [`GMM`](super::GMM).
    /// * `checkerboard`: 1/32 on the black squares ([`is_black`]: 8 squares of area 4),
    ///   0 elsewhere.
    pub fn log_density(self, x: [f64; 2]) -> f64 {
        match self {
            Self::EightGaussians => {
                let s2 = scales::EIGHT_GAUSSIANS_STD.powi(2);
                let r = scales::EIGHT_GAUSSIANS_RADIUS;
                let terms = scales::EIGHT_GAUSSIANS_DIRECTIONS.map(|[ux, uy]| {
                    let (dx, dy) = (x[0] - r * ux, x[1] - r * uy);
                    -(dx * dx + dy * dy) / (2.0 * s2)
                });
                log_sum_exp(&terms) - 8f64.ln() - (2.0 * PI * s2).ln()
            }
            Self::Rings => {
                let s2 = scales::RINGS_NOISE.powi(2);
                let r = x[0].hypot(x[1]);
                let terms = [scales::RINGS_OUTER_RADIUS, scales::RINGS_INNER_RADIUS]
                    .map(|big_r| -(r - big_r).powi(2) / (2.0 * s2) + ln_i0e(r * big_r / s2));
                log_sum_exp(&terms) - 2f64.ln() - (2.0 * PI * s2).ln()
            }
            Self::Gmm => gmm::log_density(x),
            Self::Checkerboard => {
                if x[0].is_nan() || x[1].is_nan() {
                    f64::NAN
                } else if is_black(x[0], x[1]) {
                    -32f64.ln()
                } else {
                    f64::NEG_INFINITY
                }
            }
        }
    }

    /// The box `(lo, hi)` = `([x_min, y_min], [x_max, y_max])` the evaluation works on.
    /// Mass outside it, measured as the grid integral over the doubled box minus that over
    /// the box (900 and 1800 cells per axis; the test asserts < 1e-5):
    ///
    /// | set | box | mass outside |
    /// |---|---|---|
    /// | `8gaussians` | [−7.5, 7.5]² | 2.2e-6 (the four axis modes are 4.4 s from the edge) |
    /// | `rings` | [−4.5, 4.5]² | 1.8e-11 (6.25 σ beyond the outer circle) |
    /// | `gmm` | [−6, 6]² | 1.7e-6 (4.5 σ beyond the first component) |
    /// | `checkerboard` | [−4.5, 4.5]² | 0 (the board [−4, 4]² and a margin of 0.5) |
    pub fn domain(self) -> ([f64; 2], [f64; 2]) {
        let h = match self {
            Self::EightGaussians => 7.5,
            Self::Rings => 4.5,
            Self::Gmm => 6.0,
            Self::Checkerboard => scales::CHECKERBOARD_HALF_WIDTH + 0.5,
        };
        ([-h, -h], [h, h])
    }
}

impl fmt::Display for EbmSet2d {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The name given to [`EbmSet2d::from_str`] is not a known set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownEbmSet(pub String);

impl fmt::Display for UnknownEbmSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = EbmSet2d::ALL.iter().map(|s| s.name()).collect();
        write!(
            f,
            "unknown EBM set {:?}; expected one of {}",
            self.0,
            names.join(", ")
        )
    }
}

impl std::error::Error for UnknownEbmSet {}

impl FromStr for EbmSet2d {
    type Err = UnknownEbmSet;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|d| d.name() == s)
            .ok_or_else(|| UnknownEbmSet(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::{EbmSet2d, UnknownEbmSet};
    use crate::data::Dataset2d;
    use crate::ebm::GMM;

    /// Σ over the `n × n` cell centres of the box `(lo, hi)` of `f(log p)`, times the cell
    /// area: the midpoint rule for ∫ f(log p(x)) dx.
    fn grid_integral(set: EbmSet2d, half: f64, n: usize, f: impl Fn(f64) -> f64) -> f64 {
        let h = 2.0 * half / n as f64;
        let mut total = 0.0;
        for j in 0..n {
            let y = -half + (j as f64 + 0.5) * h;
            let row: f64 = (0..n)
                .map(|i| f(set.log_density([-half + (i as f64 + 0.5) * h, y])))
                .sum();
            total += row;
        }
        total * h * h
    }

    fn half_width(set: EbmSet2d) -> f64 {
        let (lo, hi) = set.domain();
        assert!(lo == [-hi[0], -hi[1]] && hi[0] == hi[1]);
        hi[0]
    }

    /// p·(−log p), 0 where p = 0.
    fn entropy_density(lp: f64) -> f64 {
        if lp == f64::NEG_INFINITY {
            0.0
        } else {
            -lp * lp.exp()
        }
    }

    #[test]
    fn densities_integrate_to_one_and_the_boxes_hold_the_mass() {
        // 900 cells per axis: h = 0.01 on the checkerboard box (cells aligned with the
        // squares, so its integral is exact); the smooth densities' midpoint rule is
        // accurate far beyond 1e-9 at h ≤ 0.0167 (a Gaussian's mass is periodic-like).
        for set in EbmSet2d::ALL {
            let half = half_width(set);
            let inside = grid_integral(set, half, 900, f64::exp);
            let twice = grid_integral(set, 2.0 * half, 1800, f64::exp);
            let outside = twice - inside;
            assert!((twice - 1.0).abs() < 1e-9, "{set}: ∫ over 2× box = {twice}");
            assert!(inside >= 1.0 - 1e-5, "{set}: ∫ over box = {inside}");
            assert!(outside < 1e-5, "{set}: mass outside the box {outside:e}");
        }
    }

    #[test]
    fn sampler_and_density_agree_on_the_entropy() {
        // E[log p(X)] over X ~ sampler equals −H = ∫ p log p; tolerance 5 sample sd / √n
        // (plus 1e-9 for the checkerboard, whose log p is constant on its samples).
        let n = 20_000;
        for set in EbmSet2d::ALL {
            let x = set.sample(n, 11);
            let lp: Vec<f64> = x
                .chunks_exact(2)
                .map(|p| set.log_density([p[0], p[1]]))
                .collect();
            let mean = lp.iter().sum::<f64>() / n as f64;
            let var = lp.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            let half = half_width(set);
            let entropy = grid_integral(set, half, 900, entropy_density);
            let tol = 5.0 * (var / n as f64).sqrt() + 1e-9;
            assert!(
                (mean + entropy).abs() < tol,
                "{set}: mean log p {mean} vs −H {} (tol {tol:e})",
                -entropy
            );
        }
    }

    #[test]
    fn gmm_sample_moments_match_the_closed_form() {
        // E[x] = Σ w μ and Cov = Σ w (Σ + μμᵀ) − E[x]E[x]ᵀ.
        let mean: [f64; 2] =
            std::array::from_fn(|a| GMM.iter().map(|c| c.weight * c.mean[a]).sum());
        let cov = |a: usize, b: usize| {
            let second: f64 = GMM
                .iter()
                .map(|c| c.weight * (c.cov[a][b] + c.mean[a] * c.mean[b]))
                .sum();
            second - mean[a] * mean[b]
        };
        assert!((mean[0] + 0.25).abs() < 1e-15 && (mean[1] - 0.3).abs() < 1e-15);

        let n = 200_000;
        let x = EbmSet2d::Gmm.sample(n, 3);
        let nf = n as f64;
        let m: Vec<f64> = (0..2)
            .map(|a| x.iter().skip(a).step_by(2).sum::<f64>() / nf)
            .collect();
        for a in 0..2 {
            let tol = 5.0 * (cov(a, a) / nf).sqrt();
            assert!(
                (m[a] - mean[a]).abs() < tol,
                "mean[{a}] {} vs {}",
                m[a],
                mean[a]
            );
            for b in 0..2 {
                // sd of the product's mean, estimated from the sample.
                let prod: Vec<f64> = x
                    .chunks_exact(2)
                    .map(|p| (p[a] - mean[a]) * (p[b] - mean[b]))
                    .collect();
                let pm = prod.iter().sum::<f64>() / nf;
                let pv = prod.iter().map(|v| (v - pm).powi(2)).sum::<f64>() / (nf - 1.0);
                let s = pm - (m[a] - mean[a]) * (m[b] - mean[b]);
                let tol = 5.0 * (pv / nf).sqrt();
                assert!(
                    (s - cov(a, b)).abs() < tol,
                    "cov[{a}][{b}] {s} vs {}",
                    cov(a, b)
                );
            }
        }
    }

    #[test]
    fn samplers_reuse_the_toy2d_generators() {
        let pairs = [
            (EbmSet2d::EightGaussians, Dataset2d::EightGaussians),
            (EbmSet2d::Rings, Dataset2d::Rings),
            (EbmSet2d::Checkerboard, Dataset2d::Checkerboard),
        ];
        for (set, data) in pairs {
            assert_eq!(set.sample(100, 5), data.sample(100, 5));
        }
        // gmm: i.i.d. rows, the first k of n are the k-row sample; seeds differ.
        let g = EbmSet2d::Gmm.sample(50, 9);
        assert_eq!(&g[..20], &EbmSet2d::Gmm.sample(10, 9)[..]);
        assert_ne!(g, EbmSet2d::Gmm.sample(50, 10));
    }

    #[test]
    fn log_density_edge_values() {
        for set in EbmSet2d::ALL {
            assert!(set.log_density([f64::NAN, 0.0]).is_nan(), "{set}");
            assert_eq!(
                set.log_density([f64::INFINITY, 0.0]),
                f64::NEG_INFINITY,
                "{set}"
            );
            assert_eq!(set.log_density([1e200, -1e200]), f64::NEG_INFINITY, "{set}");
        }
        let cb = EbmSet2d::Checkerboard;
        assert_eq!(cb.log_density([1.0, 1.0]), -(32f64.ln()));
        assert_eq!(cb.log_density([1.0, 3.0]), f64::NEG_INFINITY);
        assert_eq!(cb.log_density([4.5, 1.0]), f64::NEG_INFINITY);
    }

    #[test]
    fn names_round_trip_and_unknown_names_list_the_choices() {
        for set in EbmSet2d::ALL {
            assert_eq!(set.name().parse::<EbmSet2d>(), Ok(set));
            assert_eq!(set.to_string(), set.name());
        }
        let err = "moons".parse::<EbmSet2d>().unwrap_err();
        assert_eq!(err, UnknownEbmSet("moons".into()));
        assert_eq!(
            err.to_string(),
            "unknown EBM set \"moons\"; expected one of 8gaussians, rings, gmm, checkerboard"
        );
    }
}
