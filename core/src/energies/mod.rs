//! Analytic energies for tests, benchmarks and physics demos.

mod double_well;
mod dw4;
mod gaussian;
mod lennard_jones;
mod mixture;
mod muller_brown;
mod pairwise;

pub use double_well::DoubleWell;
pub use dw4::Dw4;
pub use gaussian::{Gaussian, cholesky};
pub use lennard_jones::LennardJones;
pub use mixture::GaussianMixture;
pub use muller_brown::MullerBrown;
