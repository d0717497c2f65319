//! The analytic potentials `gradflow sample --potential` offers, with their documented
//! defaults, and two energies of any dimension.

use std::fmt;

use gradflow_core::{
    DoubleWell, Dw4, Energy, Error, Gaussian, GaussianMixture, LennardJones, MullerBrown,
};

/// Mean µ of the 2D Gaussian [`Potential::Gaussian`] (the demo's `--target gaussian`).
pub const GAUSSIAN_MEAN: [f64; 2] = [1.0, -1.0];

/// Precision P of [`Potential::Gaussian`]; its covariance is
/// P⁻¹ = [[1, −0.8], [−0.8, 2]] / 1.36.
pub const GAUSSIAN_PRECISION: [[f64; 2]; 2] = [[2.0, 0.8], [0.8, 1.0]];

/// Weights of the three components of [`Potential::Mixture`] (the demo's default target).
pub const MIXTURE_WEIGHTS: [f64; 3] = [0.2, 0.3, 0.5];

/// Means of the components of [`Potential::Mixture`].
pub const MIXTURE_MEANS: [[f64; 2]; 3] = [[-1.5, 0.0], [1.5, 0.0], [0.0, 2.0]];

/// Standard deviation of every component of [`Potential::Mixture`] (isotropic).
pub const MIXTURE_SIGMA: f64 = 0.8;

/// The mixture of [`Potential::Mixture`] as a core energy.
pub fn mixture() -> Result<GaussianMixture<f64, 2, 3>, Error> {
    let p = 1.0 / (MIXTURE_SIGMA * MIXTURE_SIGMA);
    GaussianMixture::new(
        MIXTURE_WEIGHTS,
        [
            Gaussian::isotropic(MIXTURE_MEANS[0], p)?,
            Gaussian::isotropic(MIXTURE_MEANS[1], p)?,
            Gaussian::isotropic(MIXTURE_MEANS[2], p)?,
        ],
    )
}

/// An analytic target p ∝ exp(−E) with its documented parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Potential {
    /// 2D Gaussian N(µ, P⁻¹) with µ = [`GAUSSIAN_MEAN`] and P = [`GAUSSIAN_PRECISION`].
    Gaussian,
    /// The standard normal N(0, I) in `dim` dimensions: E = ½‖x‖² ([`StandardNormal`]).
    Normal {
        /// Dimension d ≥ 1.
        dim: usize,
    },
    /// 2D mixture of three isotropic Gaussians (σ = [`MIXTURE_SIGMA`]) with weights
    /// [`MIXTURE_WEIGHTS`] at [`MIXTURE_MEANS`].
    Mixture,
    /// The double well E = h(x₀² − 1)² + ½ Σ_{i≥1} xᵢ² in `dim` dimensions
    /// ([`DoubleWellNd`] with stiffness 1; the core's [`DoubleWell`]).
    DoubleWell {
        /// Dimension d ≥ 1.
        dim: usize,
        /// Barrier height h > 0.
        barrier: f64,
    },
    /// Müller–Brown times `scale` (an inverse temperature), in 2D.
    MullerBrown {
        /// The scale s > 0 (0.05 is `gradflow fit`'s default).
        scale: f64,
    },
    /// DW4: 4 particles in 2D (d = 8) with the standard pair potential (a = 0, b = −4,
    /// c = 0.9, d₀ = 4, T = 1). It is translation and rotation invariant: the centre of
    /// mass diffuses freely, so compare pair distances only.
    Dw4,
    /// LJ13: 13 Lennard-Jones atoms in 3D (d = 39), ε = σ = 1, harmonic centre-of-mass
    /// restraint of stiffness 1. Start it from non-overlapping positions (a file): random
    /// starts put atoms on top of each other, where the forces overflow.
    Lj13,
}

impl Potential {
    /// The dimension of one sample.
    pub fn dim(&self) -> usize {
        match *self {
            Self::Gaussian | Self::Mixture | Self::MullerBrown { .. } => 2,
            Self::Normal { dim } | Self::DoubleWell { dim, .. } => dim,
            Self::Dw4 => 8,
            Self::Lj13 => 39,
        }
    }

    /// The step size that gives MALA a reasonable acceptance on this target (0.1 on the
    /// unit-scale 2D targets, smaller on the stiff ones); used when none is given.
    pub fn default_step(&self) -> f64 {
        match self {
            Self::Gaussian | Self::Normal { .. } | Self::Mixture => 0.1,
            Self::DoubleWell { .. } => 0.05,
            Self::MullerBrown { .. } => 0.002,
            Self::Dw4 => 0.01,
            Self::Lj13 => 1e-4,
        }
    }

    /// The energy, checked (dimension ≥ 1, positive parameters).
    pub fn energy(&self) -> Result<Box<dyn Energy<f64> + Send + Sync>, Error> {
        Ok(match *self {
            Self::Gaussian => Box::new(Gaussian::new(GAUSSIAN_MEAN, GAUSSIAN_PRECISION)?),
            Self::Normal { dim } => Box::new(StandardNormal::new(dim)?),
            Self::Mixture => Box::new(mixture()?),
            Self::DoubleWell { dim, barrier } => Box::new(DoubleWellNd::new(dim, barrier, 1.0)?),
            Self::MullerBrown { scale } => {
                if !(scale.is_finite() && scale > 0.0) {
                    return Err(Error::InvalidParameter {
                        what: "Müller–Brown scale must be finite and > 0",
                    });
                }
                Box::new(MullerBrown { scale })
            }
            Self::Dw4 => Box::new(Dw4::default()),
            Self::Lj13 => Box::new(LennardJones::<f64, 13>::default()),
        })
    }

    /// The exact mean and covariance (d × d, row-major) where they are known in closed form
    /// (the Gaussians and the mixture), else `None`.
    pub fn exact_moments(&self) -> Option<(Vec<f64>, Vec<f64>)> {
        match *self {
            Self::Gaussian => {
                let [[a, b], [_, d]] = GAUSSIAN_PRECISION;
                let det = a * d - b * b;
                Some((
                    GAUSSIAN_MEAN.to_vec(),
                    vec![d / det, -b / det, -b / det, a / det],
                ))
            }
            Self::Normal { dim } => {
                let mut cov = vec![0.0; dim * dim];
                for i in 0..dim {
                    cov[i * dim + i] = 1.0;
                }
                Some((vec![0.0; dim], cov))
            }
            Self::Mixture => {
                // Law of total covariance: Σ wₖ(σ²I + µₖµₖᵀ) − µµᵀ.
                let mean: Vec<f64> = (0..2)
                    .map(|i| {
                        (0..3)
                            .map(|k| MIXTURE_WEIGHTS[k] * MIXTURE_MEANS[k][i])
                            .sum()
                    })
                    .collect();
                let mut cov = vec![0.0; 4];
                for i in 0..2 {
                    for j in 0..2 {
                        let second: f64 = (0..3)
                            .map(|k| {
                                let own = if i == j {
                                    MIXTURE_SIGMA * MIXTURE_SIGMA
                                } else {
                                    0.0
                                };
                                MIXTURE_WEIGHTS[k]
                                    * (own + MIXTURE_MEANS[k][i] * MIXTURE_MEANS[k][j])
                            })
                            .sum();
                        cov[i * 2 + j] = second - mean[i] * mean[j];
                    }
                }
                Some((mean, cov))
            }
            _ => None,
        }
    }
}

impl fmt::Display for Potential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Gaussian => write!(
                f,
                "gaussian (2D, mean (1, -1), precision [[2, 0.8], [0.8, 1]])"
            ),
            Self::Normal { dim } => write!(f, "normal (N(0, I) in {dim}D)"),
            Self::Mixture => write!(f, "mixture (2D, 3 Gaussians)"),
            Self::DoubleWell { dim, barrier } => {
                write!(f, "double-well ({dim}D, barrier {barrier})")
            }
            Self::MullerBrown { scale } => write!(f, "muller-brown (2D, scale {scale})"),
            Self::Dw4 => write!(f, "dw4 (4 particles in 2D)"),
            Self::Lj13 => write!(f, "lj13 (13 atoms in 3D)"),
        }
    }
}

fn check_dim(dim: usize) -> Result<(), Error> {
    if dim == 0 {
        Err(Error::InvalidParameter {
            what: "dimension must be at least 1",
        })
    } else {
        Ok(())
    }
}

/// The standard normal in any dimension: E(x) = ½‖x‖², ∇E = x.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StandardNormal {
    dim: usize,
}

impl StandardNormal {
    /// N(0, I) in `dim` ≥ 1 dimensions.
    pub fn new(dim: usize) -> Result<Self, Error> {
        check_dim(dim)?;
        Ok(Self { dim })
    }
}

impl Energy<f64> for StandardNormal {
    fn dim(&self) -> usize {
        self.dim
    }
    fn energy(&self, x: &[f64]) -> Result<f64, Error> {
        Error::check_len("point", self.dim, x.len())?;
        Ok(0.5 * x.iter().map(|v| v * v).sum::<f64>())
    }
    fn energy_grad(&self, x: &[f64], grad: &mut [f64]) -> Result<f64, Error> {
        Error::check_len("point", self.dim, x.len())?;
        Error::check_len("gradient", self.dim, grad.len())?;
        grad.copy_from_slice(x);
        self.energy(x)
    }
}

/// The core's [`DoubleWell`] with the dimension chosen at run time:
/// E(x) = h(x₀² − 1)² + ½κ Σ_{i≥1} xᵢ², computed in the same order (so the same bits).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DoubleWellNd {
    dim: usize,
    barrier: f64,
    stiffness: f64,
}

impl DoubleWellNd {
    /// Dimension ≥ 1, barrier h > 0 and stiffness κ > 0.
    pub fn new(dim: usize, barrier: f64, stiffness: f64) -> Result<Self, Error> {
        check_dim(dim)?;
        // The core checks the parameters (its own messages); D = 1 does not matter here.
        DoubleWell::<f64, 1>::new(barrier, stiffness)?;
        Ok(Self {
            dim,
            barrier,
            stiffness,
        })
    }
}

impl Energy<f64> for DoubleWellNd {
    fn dim(&self) -> usize {
        self.dim
    }
    fn energy(&self, x: &[f64]) -> Result<f64, Error> {
        Error::check_len("point", self.dim, x.len())?;
        let u = x[0] * x[0] - 1.0;
        let mut e = self.barrier * u * u;
        for &xi in &x[1..self.dim] {
            e += 0.5 * self.stiffness * xi * xi;
        }
        Ok(e)
    }
    fn energy_grad(&self, x: &[f64], grad: &mut [f64]) -> Result<f64, Error> {
        Error::check_len("point", self.dim, x.len())?;
        Error::check_len("gradient", self.dim, grad.len())?;
        let u = x[0] * x[0] - 1.0;
        grad[0] = 4.0 * self.barrier * x[0] * u;
        for (g, &xi) in grad[1..self.dim].iter_mut().zip(&x[1..self.dim]) {
            *g = self.stiffness * xi;
        }
        self.energy(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_double_well_has_the_core_bits() {
        let nd = DoubleWellNd::new(3, 1.7, 0.6).unwrap();
        let core = DoubleWell::<f64, 3>::new(1.7, 0.6).unwrap();
        for x in [[0.3, -1.2, 2.0], [-1.1, 0.0, 0.5], [2.5, 3.0, -4.0]] {
            let (mut g1, mut g2) = ([0.0; 3], [0.0; 3]);
            assert_eq!(nd.energy_grad(&x, &mut g1), core.energy_grad(&x, &mut g2));
            assert!(nd.energy(&x[..1]).is_err(), "a short point is refused");
            assert_eq!(g1, g2);
        }
    }

    #[test]
    fn mixture_moments_match_the_demo_statistics() {
        let (mean, cov) = Potential::Mixture.exact_moments().unwrap();
        assert!((mean[0] - 0.15).abs() < 1e-15 && (mean[1] - 1.0).abs() < 1e-15);
        // Var x = σ² + Σ wₖµₖₓ² − µₓ² = 0.64 + 0.2·2.25 + 0.3·2.25 − 0.0225.
        assert!((cov[0] - (0.64 + 1.125 - 0.0225)).abs() < 1e-12);
        assert_eq!(cov[1], cov[2]);
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(Potential::Normal { dim: 0 }.energy().is_err());
        assert!(
            Potential::DoubleWell {
                dim: 2,
                barrier: -1.0
            }
            .energy()
            .is_err()
        );
        assert!(Potential::MullerBrown { scale: f64::NAN }.energy().is_err());
    }
}
