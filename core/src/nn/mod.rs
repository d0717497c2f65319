//! Fixed-size neural networks: energies E_θ(x) and velocity fields v_θ(x, t).

mod activation;
mod dense;
mod mlp;
mod velocity;

pub use activation::Activation;
pub(crate) use dense::dot_with;
pub use dense::{Dense, dot};
pub use mlp::{Mlp, MlpParams};
pub use velocity::TimeMlp;
