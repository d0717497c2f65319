//! `gmm`: a mixture of three 2D Gaussians with full, different covariances and unequal
//! weights, with its sampler and closed-form log density.

use gradflow_core::StreamRng;

/// One component of [`GMM`]: weight, mean and covariance matrix.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GmmComponent {
    /// Mixture weight (the weights of [`GMM`] sum to 1).
    pub weight: f64,
    /// Mean (x, y).
    pub mean: [f64; 2],
    /// Covariance `[[σ_xx, σ_xy], [σ_xy, σ_yy]]`, symmetric positive definite.
    pub cov: [[f64; 2]; 2],
}

/// The `gmm` set: weights 0.5 / 0.3 / 0.2, correlations +0.67, −0.64 and +0.72. Its
/// ±3σ ellipses lie within about [−4.5, 4.1]²; the mean is (−0.25, 0.3).
pub const GMM: [GmmComponent; 3] = [
    GmmComponent {
        weight: 0.5,
        mean: [-1.5, -1.0],
        cov: [[1.0, 0.6], [0.6, 0.8]],
    },
    GmmComponent {
        weight: 0.3,
        mean: [2.0, 1.0],
        cov: [[0.5, -0.35], [-0.35, 0.6]],
    },
    GmmComponent {
        weight: 0.2,
        mean: [-0.5, 2.5],
        cov: [[0.7, 0.3], [0.3, 0.25]],
    },
];

/// Lower Cholesky factor `[a, b, c]` of a covariance: `L = [[a, 0], [b, c]]`, `L·Lᵀ = Σ`.
fn cholesky(cov: [[f64; 2]; 2]) -> [f64; 3] {
    let a = cov[0][0].sqrt();
    let b = cov[1][0] / a;
    [a, b, (cov[1][1] - b * b).sqrt()]
}

/// Fills `out` (n×2 row-major; a trailing odd coordinate is left alone) with the law of
/// [`GMM`]: row `i` draws from the stream `(seed, i)` a uniform `u` (the component: the
/// first whose cumulative weight exceeds `u`), then two standard normals `z`, and is
/// `μ + L·z` with `L` the lower Cholesky factor of the component's covariance.
pub(super) fn fill(out: &mut [f64], seed: u64) {
    for (i, r) in out.chunks_exact_mut(2).enumerate() {
        let mut rng = StreamRng::new(seed, i as u64);
        let u = rng.uniform_open01();
        let mut acc = 0.0;
        let comp = GMM
            .iter()
            .find(|c| {
                acc += c.weight;
                u < acc
            })
            .unwrap_or(&GMM[GMM.len() - 1]);
        let [a, b, c] = cholesky(comp.cov);
        let (z1, z2) = (rng.normal::<f64>(), rng.normal::<f64>());
        r[0] = comp.mean[0] + a * z1;
        r[1] = comp.mean[1] + b * z1 + c * z2;
    }
}

/// The normalised log density of [`GMM`] at `x`: the log-sum-exp over components of
/// `ln w − ln 2π − ½ ln det Σ − ½ (x − μ)ᵀ Σ⁻¹ (x − μ)`.
pub(super) fn log_density(x: [f64; 2]) -> f64 {
    let terms = GMM.map(|comp| {
        let [a, b, c] = cholesky(comp.cov);
        let z1 = (x[0] - comp.mean[0]) / a;
        let z2 = (x[1] - comp.mean[1] - b * z1) / c;
        comp.weight.ln() - (2.0 * core::f64::consts::PI * a * c).ln() - 0.5 * (z1 * z1 + z2 * z2)
    });
    super::density::log_sum_exp(&terms)
}
