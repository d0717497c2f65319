//! Fixed-size neural networks: energies E_θ(x) and velocity fields v_θ(x, t), and the one
//! evaluator ([`Network`]) behind them and behind model files.

mod activation;
mod dense;
mod kernels;
mod layers;
mod mlp;
mod network;
mod store;
mod velocity;

pub use activation::Activation;
pub use dense::Dense;
pub use kernels::dot;
pub use layers::Layers;
pub use mlp::{Mlp, MlpParams};
pub use network::Network;
pub use store::ParamStore;
pub use velocity::TimeMlp;
