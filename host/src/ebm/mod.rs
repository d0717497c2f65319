//! Energy-based models of 2D sets whose density is known in closed form (issue 6).
//!
//! Evaluation: the sets and their densities ([`EbmSet2d`]), the KL divergence on a grid
//! ([`grid_kl`]), W2 and MMD² against a test sample ([`sample_metrics`]) and energy
//! contour plots ([`energy_contours`]).

mod bessel;
mod contour;
mod density;
mod gmm;
mod grid_kl;
mod sample_metrics;

pub use contour::{energy_contours, true_density_map};
pub use density::{EbmSet2d, UnknownEbmSet};
pub use gmm::{GMM, GmmComponent};
pub use grid_kl::{GRID_KL_BATCH, GridKl, GridKlError, grid_kl};
pub use sample_metrics::{SampleMetrics, sample_metrics};
