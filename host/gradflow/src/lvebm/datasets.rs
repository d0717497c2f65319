//! The built-in data sets of latent-variable training: the known-answer problems T1, T2
//! and T3 (PPCA) of docs/src/design.md §4.4, drawn from their own families.

use std::fmt;
use std::str::FromStr;

use gradflow_core::StreamRng;

/// A built-in known-answer data set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KnownSet {
    /// T1 data: 200 points of N(1.5·𝟙, 2I) in 2-D (the latent-mean model at θ = 1.5).
    LatentMean,
    /// T2 data: 200 points of N(0, 2I) in 2-D (the latent-precision model at a = 1).
    LatentPrecision,
    /// T3 data: 300 points in 3-D of PPCA with W = (1.5, −1, 0.5)ᵀ, µ = (0.5, −0.5, 1),
    /// σ = 0.5, one latent dimension.
    Ppca,
}

/// PPCA loadings of [`KnownSet::Ppca`].
pub const PPCA_W: [f64; 3] = [1.5, -1.0, 0.5];
/// PPCA mean of [`KnownSet::Ppca`].
pub const PPCA_MEAN: [f64; 3] = [0.5, -0.5, 1.0];
/// PPCA noise standard deviation of [`KnownSet::Ppca`].
pub const PPCA_NOISE_SD: f64 = 0.5;

impl KnownSet {
    /// The CLI names.
    pub const NAMES: [&'static str; 3] = ["latent-mean", "latent-precision", "ppca"];

    /// The name.
    pub fn name(self) -> &'static str {
        match self {
            Self::LatentMean => Self::NAMES[0],
            Self::LatentPrecision => Self::NAMES[1],
            Self::Ppca => Self::NAMES[2],
        }
    }

    /// Observed dimension dx.
    pub fn observed_dim(self) -> usize {
        match self {
            Self::LatentMean | Self::LatentPrecision => 2,
            Self::Ppca => 3,
        }
    }

    /// Latent dimension dz of the family that generated it.
    pub fn latent_dim(self) -> usize {
        match self {
            Self::LatentMean | Self::LatentPrecision => 2,
            Self::Ppca => 1,
        }
    }

    /// The data (n × dx, row-major), drawn from stream `(seed, 0)`.
    pub fn sample(self, seed: u64) -> Vec<f64> {
        let mut rng = StreamRng::new(seed, 0);
        match self {
            Self::LatentMean => (0..400)
                .map(|_| 1.5 + 2f64.sqrt() * rng.normal::<f64>())
                .collect(),
            Self::LatentPrecision => (0..400)
                .map(|_| 2f64.sqrt() * rng.normal::<f64>())
                .collect(),
            Self::Ppca => {
                let mut data = Vec::with_capacity(900);
                for _ in 0..300 {
                    let z: f64 = rng.normal();
                    for (w, m) in PPCA_W.iter().zip(PPCA_MEAN) {
                        data.push(m + w * z + PPCA_NOISE_SD * rng.normal::<f64>());
                    }
                }
                data
            }
        }
    }
}

impl fmt::Display for KnownSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for KnownSet {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "latent-mean" => Ok(Self::LatentMean),
            "latent-precision" => Ok(Self::LatentPrecision),
            "ppca" => Ok(Self::Ppca),
            _ => Err(format!(
                "unknown data set {s:?} (built in: {})",
                Self::NAMES.join(", ")
            )),
        }
    }
}
