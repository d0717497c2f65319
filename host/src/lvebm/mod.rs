//! Latent-variable energy-based models p_θ(x, z) ∝ exp(−E_θ(x, z)) trained by coupled
//! Langevin particle dynamics (DESIGN §4.4; **our reconstruction** from the method's
//! abstract, its full text was not at hand): persistent conditional latent particles per
//! datum sample p_θ(z | xᵢ), a persistent joint negative pool samples p_θ(x, z), and θ
//! takes stochastic ascent steps on the log-likelihood whose gradient they estimate.

mod conditional;

pub use conditional::Conditional;
