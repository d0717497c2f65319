//! A physical system with a hidden variable: a Brownian particle in the double well
//! U(z) = h(z² − 1)² (wells at z = ±1, barrier h at z = 0, temperature 1), whose position z
//! is seen only through a noisy linear 2-D sensor x = Az + c + σε, ε ~ N(0, I₂).
//!
//! As a joint energy over rows (x₁, x₂, z):
//! E_θ(x, z) = h(z² − 1)² + ‖x − Az − c‖²/(2σ²), θ = (h, A₁, A₂, c₁, c₂, ln σ²).
//! The wells are fixed at ±1, so the scale of z is identifiable; the reflection
//! (z, A) ↦ (−z, −A) leaves every likelihood unchanged, so the sign of z (which well is
//! "right") is not: compare learned and true latents up to one global sign.
//!
//! log Z(θ) = log ∫exp(−h(z² − 1)²)dz + (dx/2)·log 2πσ² (dx = 2), finite for h > 0. The
//! 1-D integral, and every posterior integral over z, is a trapezoid sum (see
//! [`ZQuadrature`]).

use std::f64::consts::PI;

use super::ClosedForm;

/// Observed dimension dx of the sensor.
pub const SENSOR_DIM: usize = 2;

/// Parameters in θ.
const N_PARAMS: usize = 6;

/// ln(1e-30): the grid ends where the integrand is below 1e-30 of its largest value.
const LOG_TAIL: f64 = -69.08;

/// The double-well sensor family (see the module doc) with θ = (h, A₁, A₂, c₁, c₂, ln σ²).
#[derive(Clone, Debug, PartialEq)]
pub struct DoubleWellSensor {
    theta: [f64; N_PARAMS],
}

/// The posterior z | x of one observation, by quadrature.
#[derive(Clone, Debug, PartialEq)]
pub struct SensorPosterior {
    /// E[z | x].
    pub mean: f64,
    /// Var[z | x].
    pub var: f64,
    /// P(z > 0 | x): the particle is in the right well.
    pub prob_right: f64,
    /// log p_θ(x) = log ∫exp(−E_θ(x, z))dz − log Z(θ).
    pub log_evidence: f64,
    /// ∇θ log p_θ(x) = −E[∇θE_θ(x, z) | x] − ∇θ log Z(θ) (the score).
    pub score: Vec<f64>,
}

/// Trapezoid rule for ∫exp(−φ(z))dz on the symmetric grid zⱼ = jΔ, j = −m..=m.
///
/// Rule: Δ = 1/(4√κ) with κ = 12|h|L² + ‖A‖²/σ² + 1 an upper bound of φ'' on [−L, L] (so
/// the narrowest local width s = κ^{−1/2} of the integrand spans at least 4 nodes), and
/// L grown by half until φ at both ends exceeds its minimum on the grid by 69.08
/// (integrand < 1e-30 of its peak). For these smooth, super-exponentially decaying
/// integrands the trapezoid error then falls like exp(−2π²(s/Δ)²) ≈ e^{−316}: far below
/// rounding; the tests find the integral and moments within 1e-13 of 30-digit values.
/// z = 0 is a node, so P(z > 0) is the sum over z > 0 plus half the node at 0: that split
/// integral is only second order, error ≈ Δ²|f'(0)|/12 (~1e-5 here).
#[derive(Clone, Debug)]
pub struct ZQuadrature {
    /// The nodes.
    pub z: Vec<f64>,
    /// Normalised weights (summing to 1): the law ∝ exp(−φ) on the nodes.
    pub w: Vec<f64>,
    /// log ∫exp(−φ(z))dz.
    pub log_mass: f64,
}

impl ZQuadrature {
    /// The rule for exp(−φ), with `start` the first half-width L and `curvature(L)` the
    /// bound κ; `None` when no finite grid holds the mass (φ not confining).
    pub fn new(
        phi: impl Fn(f64) -> f64,
        start: f64,
        curvature: impl Fn(f64) -> f64,
    ) -> Option<Self> {
        let mut l = start.max(1.0);
        for _ in 0..60 {
            let delta = 0.25 / curvature(l).sqrt();
            let m = (l / delta).ceil() as i64;
            let z: Vec<f64> = (-m..=m).map(|j| j as f64 * delta).collect();
            let log_w: Vec<f64> = z.iter().map(|&v| -phi(v)).collect();
            let top = log_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if !top.is_finite() {
                return None;
            }
            let ends = log_w[0].max(log_w[log_w.len() - 1]);
            if ends - top > LOG_TAIL {
                l *= 1.5;
                continue;
            }
            let last = log_w.len() - 1;
            let mut w: Vec<f64> = log_w
                .iter()
                .enumerate()
                .map(|(j, &lw)| (lw - top).exp() * if j == 0 || j == last { 0.5 } else { 1.0 })
                .collect();
            let sum: f64 = w.iter().sum();
            w.iter_mut().for_each(|v| *v /= sum);
            return Some(Self {
                z,
                w,
                log_mass: top + (sum * delta).ln(),
            });
        }
        None
    }

    /// E[f(z)] under the normalised law.
    pub fn expect(&self, f: impl Fn(f64) -> f64) -> f64 {
        self.z.iter().zip(&self.w).map(|(&z, &w)| w * f(z)).sum()
    }

    /// P(z > 0), the node at 0 counted half.
    pub fn prob_positive(&self) -> f64 {
        self.z
            .iter()
            .zip(&self.w)
            .map(|(&z, &w)| {
                if z > 0.0 {
                    w
                } else if z == 0.0 {
                    0.5 * w
                } else {
                    0.0
                }
            })
            .sum()
    }
}

impl DoubleWellSensor {
    /// The model with barrier `h` > 0, sensor gain `a`, offset `c` and noise variance
    /// `noise` = σ² > 0.
    pub fn new(h: f64, a: [f64; 2], c: [f64; 2], noise: f64) -> Self {
        Self {
            theta: [h, a[0], a[1], c[0], c[1], noise.ln()],
        }
    }

    /// The true system of the physical example: h = 2, A = (1.0, 0.6), c = (0.3, −0.2),
    /// σ = 0.5 (σ² = 0.25): at this noise level observations near the barrier have a
    /// bimodal posterior.
    pub fn truth() -> Self {
        Self::new(2.0, [1.0, 0.6], [0.3, -0.2], 0.25)
    }

    /// Barrier height h.
    pub fn barrier(&self) -> f64 {
        self.theta[0]
    }

    /// Sensor gain A.
    pub fn gain(&self) -> [f64; 2] {
        [self.theta[1], self.theta[2]]
    }

    /// Sensor offset c.
    pub fn offset(&self) -> [f64; 2] {
        [self.theta[3], self.theta[4]]
    }

    /// Noise variance σ².
    pub fn noise(&self) -> f64 {
        self.theta[5].exp()
    }

    /// U(z) = h(z² − 1)².
    pub fn potential(&self, z: f64) -> f64 {
        let u = z * z - 1.0;
        self.theta[0] * u * u
    }

    /// The residual x − Az − c.
    fn residual(&self, x: &[f64], z: f64) -> [f64; 2] {
        [
            x[0] - self.theta[1] * z - self.theta[3],
            x[1] - self.theta[2] * z - self.theta[4],
        ]
    }

    /// First half-width to try: where U alone exceeds 70 (for h > 0).
    fn prior_half_width(&self) -> f64 {
        let h = self.theta[0].abs().max(1e-12);
        (1.0 + (70.0 / h).sqrt()).sqrt()
    }

    /// The quadrature of the prior exp(−U); `None` unless h > 0.
    pub fn prior_quadrature(&self) -> Option<ZQuadrature> {
        let h = self.theta[0];
        if !(h > 0.0 && h.is_finite()) {
            return None;
        }
        ZQuadrature::new(
            |z| self.potential(z),
            self.prior_half_width(),
            |l| 12.0 * h * l * l + 1.0,
        )
    }

    /// The quadrature of z | x, ∝ exp(−E_θ(x, z)); `None` when it is not normalisable.
    pub fn posterior_quadrature(&self, x: &[f64]) -> Option<ZQuadrature> {
        let (a, s2) = (self.gain(), self.noise());
        let a2 = a[0] * a[0] + a[1] * a[1];
        ZQuadrature::new(
            |z| {
                let r = self.residual(x, z);
                self.potential(z) + 0.5 * (r[0] * r[0] + r[1] * r[1]) / s2
            },
            self.prior_half_width(),
            |l| 12.0 * self.theta[0].abs() * l * l + a2 / s2 + 1.0,
        )
    }

    /// The exact posterior z | x of one observation `x` (2 values), by quadrature; `None`
    /// when the model is not normalisable (h ≤ 0).
    pub fn posterior(&self, x: &[f64]) -> Option<SensorPosterior> {
        self.prior_quadrature()?;
        let q = self.posterior_quadrature(x)?;
        let mean = q.expect(|z| z);
        let var = q.expect(|z| (z - mean).powi(2));
        let mut score = vec![0.0; N_PARAMS];
        for (&z, &w) in q.z.iter().zip(&q.w) {
            self.add_param_grad(&[x[0], x[1], z], -w, &mut score);
        }
        for (s, g) in score.iter_mut().zip(ClosedForm::log_partition_grad(self)) {
            *s -= g;
        }
        Some(SensorPosterior {
            mean,
            var,
            prob_right: q.prob_positive(),
            log_evidence: q.log_mass - ClosedForm::log_partition(self),
            score,
        })
    }
}

impl ClosedForm for DoubleWellSensor {
    fn dim(&self) -> usize {
        SENSOR_DIM + 1
    }

    fn params(&self) -> &[f64] {
        &self.theta
    }

    fn set_params(&mut self, params: &[f64]) {
        self.theta.copy_from_slice(params);
    }

    fn value_grad(&self, row: &[f64], grad: &mut [f64]) -> f64 {
        let z = row[2];
        let inv = 1.0 / self.noise();
        let r = self.residual(row, z);
        let u = z * z - 1.0;
        let h = self.theta[0];
        grad[0] = r[0] * inv;
        grad[1] = r[1] * inv;
        grad[2] = 4.0 * h * z * u - inv * (self.theta[1] * r[0] + self.theta[2] * r[1]);
        h * u * u + 0.5 * inv * (r[0] * r[0] + r[1] * r[1])
    }

    fn add_param_grad(&self, row: &[f64], weight: f64, grad: &mut [f64]) {
        let z = row[2];
        let inv = 1.0 / self.noise();
        let r = self.residual(row, z);
        let u = z * z - 1.0;
        grad[0] += weight * u * u;
        for k in 0..2 {
            grad[1 + k] -= weight * r[k] * z * inv;
            grad[3 + k] -= weight * r[k] * inv;
        }
        grad[5] -= weight * 0.5 * (r[0] * r[0] + r[1] * r[1]) * inv;
    }

    /// log ∫exp(−U) + log 2πσ²; +∞ when h ≤ 0 (not normalisable).
    fn log_partition(&self) -> f64 {
        match self.prior_quadrature() {
            Some(q) => q.log_mass + 0.5 * SENSOR_DIM as f64 * (2.0 * PI * self.noise()).ln(),
            None => f64::INFINITY,
        }
    }

    /// (−E_U[(z² − 1)²], 0, 0, 0, 0, dx/2); NaN in the h entry when h ≤ 0.
    fn log_partition_grad(&self) -> Vec<f64> {
        let dh = self
            .prior_quadrature()
            .map_or(f64::NAN, |q| -q.expect(|z| (z * z - 1.0).powi(2)));
        vec![dh, 0.0, 0.0, 0.0, 0.0, 0.5 * SENSOR_DIM as f64]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (h, ∫exp(−h(z² − 1)²)dz, E[(z² − 1)²], E[z²]) from mpmath at 30 digits (`mp.quad`
    /// split at −1, 0, 1; the integral also equals (π/2)e^{−h/2}(I_{−1/4} + I_{1/4})(h/2)
    /// there to all digits).
    const REFERENCE: [(f64, f64, f64, f64); 4] = [
        (
            0.5,
            2.526_653_924_454_913,
            0.606_535_030_425_763_4,
            0.893_464_969_574_236_6,
        ),
        (
            1.0,
            1.973_732_150_089_823_8,
            0.417_254_512_871_619_9,
            0.832_745_487_128_380_1,
        ),
        (
            2.0,
            1.410_914_703_196_208_9,
            0.272_863_847_821_665_7,
            0.852_136_152_178_334_3,
        ),
        (
            4.0,
            0.947_837_832_981_346_8,
            0.144_829_139_254_770_3,
            0.917_670_860_745_229_7,
        ),
    ];

    #[test]
    fn prior_integrals_match_30_digit_references() {
        for (h, mass, m4, z2) in REFERENCE {
            let q = DoubleWellSensor::new(h, [1.0, 0.6], [0.0, 0.0], 0.25)
                .prior_quadrature()
                .unwrap();
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-13 * b.abs();
            assert!(close(q.log_mass.exp(), mass), "h {h}: {}", q.log_mass.exp());
            assert!(close(q.expect(|z| (z * z - 1.0).powi(2)), m4), "h {h}");
            assert!(close(q.expect(|z| z * z), z2), "h {h}");
            // The virial identity E[zU'(z)] = 1 (integration by parts).
            let virial = q.expect(|z| 4.0 * h * z * z * (z * z - 1.0));
            assert!((virial - 1.0).abs() < 1e-13, "h {h}: {virial}");
        }
        let m = DoubleWellSensor::new(-1.0, [1.0, 0.6], [0.0, 0.0], 0.25);
        assert_eq!(ClosedForm::log_partition(&m), f64::INFINITY);
        assert!(m.posterior(&[0.0, 0.0]).is_none());
    }

    /// The posterior integrates the joint: Σᵢ log p(xᵢ) is the log-likelihood, and the
    /// score is its gradient (central differences of the quadrature's log-evidence).
    #[test]
    fn the_score_is_the_gradient_of_the_log_evidence() {
        let m = DoubleWellSensor::new(1.7, [0.9, 0.5], [0.2, -0.1], 0.3);
        for x in [[0.3, -0.2], [1.5, 0.2], [-0.9, -1.0], [4.0, 3.0]] {
            let p = m.posterior(&x).unwrap();
            for k in 0..N_PARAMS {
                let at = |d: f64| {
                    let mut f = m.clone();
                    let mut t = m.theta;
                    t[k] += d;
                    f.set_params(&t);
                    f.posterior(&x).unwrap().log_evidence
                };
                let fd = (at(1e-6) - at(-1e-6)) / 2e-6;
                assert!(
                    (fd - p.score[k]).abs() < 1e-6,
                    "x {x:?} θ[{k}]: {fd} vs {p:?}"
                );
            }
        }
    }

    /// The evidence of a datum matches a plain Riemann sum on a very fine grid, and at
    /// h → large the posterior collapses onto the two wells.
    #[test]
    fn posterior_moments_agree_with_a_brute_force_sum() {
        let m = DoubleWellSensor::truth();
        let x = [0.35, -0.1];
        let p = m.posterior(&x).unwrap();
        let (dz, mut s0, mut s1, mut sp) = (1e-4, 0.0, 0.0, 0.0);
        let mut g = [0.0; 3];
        for j in -60_000..=60_000 {
            let z = j as f64 * dz;
            let w = (-m.value_grad(&[x[0], x[1], z], &mut g)).exp();
            s0 += w;
            s1 += w * z;
            if z > 0.0 {
                sp += w;
            }
        }
        assert!(
            (p.mean - s1 / s0).abs() < 1e-10,
            "{} vs {}",
            p.mean,
            s1 / s0
        );
        // The split sum has an O(Δ) error at the origin (Δ = 1e-4 here).
        assert!((p.prob_right - sp / s0).abs() < 1e-4, "{p:?}");
        // This datum sits near the barrier: its posterior is bimodal (both wells likely).
        assert!(p.prob_right > 0.2 && p.prob_right < 0.8, "{p:?}");
    }
}
