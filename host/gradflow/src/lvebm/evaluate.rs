//! The evaluation of a trained latent-variable EBM: log Z by AIS, the particle ELBO of its
//! conditional particles, the restricted Gaussian-posterior ELBO, and the exact
//! log-likelihood where it can be had (a closed form, or quadrature over a 1-D latent).

use serde_json::{Value, json};

use gradflow_core::{SamplerKind, SamplerSettings, StreamRng};

use super::{
    AisSettings, Conditional, GaussianBase, GaussianElboSettings, GridSettings, ais_log_partition,
    gaussian_elbo, log_likelihood_1d, particle_elbo,
};
use crate::ebm::{BatchEnergy, EbmError, move_particles};

/// Neighbours of the Kozachenko–Leonenko entropy estimate in the particle ELBO.
pub const ELBO_NEIGHBOURS: usize = 1;
/// Standard deviations of the AIS base: the moment-matched ones widened by this factor.
pub const AIS_BASE_WIDEN: f64 = 1.5;

/// First stream of the evaluation's posterior chains: chain j of datum i draws from
/// `(seed, POSTERIOR_EVAL_STREAM0 + i·M + j)`.
pub const POSTERIOR_EVAL_STREAM0: u64 = 3 << 60;

/// log p(x) of one observed row, `None` where it cannot be had.
pub type LogMarginal<'a> = &'a dyn Fn(&[f64]) -> Option<f64>;

/// What is known exactly about a model, for the families that have it.
#[derive(Clone, Copy, Default)]
pub struct ExactAnswers<'a> {
    /// log Z in closed form (or by accurate quadrature).
    pub log_z: Option<f64>,
    /// log p(x) of one observed row in closed form.
    pub log_marginal: Option<LogMarginal<'a>>,
}

/// How much work the evaluation does.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EvalSettings {
    /// Posterior chains per datum for the ELBOs (each starts from one of the trainer's
    /// conditional particles, in turn).
    pub latents_per_datum: usize,
    /// MALA steps of those chains (at the training's posterior step): MALA, so that the
    /// particles sample the model's posterior without the step's bias.
    pub steps: usize,
    /// At most this many data points (the first ones) enter the ELBOs.
    pub max_points: usize,
    /// Seed of the chains, AIS and the Gaussian fits.
    pub seed: u64,
}

impl Default for EvalSettings {
    /// 128 chains per datum, 200 steps, at most 500 points: the entropy estimate's bias at
    /// 128 points in 1–2 dimensions is a few hundredths of a nat at most.
    fn default() -> Self {
        Self {
            latents_per_datum: 128,
            steps: 200,
            max_points: 500,
            seed: 0,
        }
    }
}

/// The figures of [`evaluate_latent`], per datum averaged (nats).
#[derive(Clone, Debug, PartialEq)]
pub struct LatentEvaluation {
    /// log Z by AIS.
    pub log_z_ais: f64,
    /// Its standard error.
    pub log_z_ais_se: f64,
    /// log Z in closed form, if known (then the ELBOs use it; else the AIS value).
    pub log_z_exact: Option<f64>,
    /// Data points evaluated.
    pub points: usize,
    /// Posterior chains per datum.
    pub latents_per_datum: usize,
    /// MALA acceptance of those chains.
    pub posterior_acceptance: f64,
    /// The particle ELBO of the posterior chains.
    pub particle_elbo: f64,
    /// The ELBO of the best diagonal Gaussian posterior per datum.
    pub gaussian_elbo: f64,
    /// The exact mean log-likelihood: closed form, or quadrature over z for dz = 1 (with
    /// the log Z the ELBOs use), else `None`.
    pub log_likelihood: Option<f64>,
    /// How [`LatentEvaluation::log_likelihood`] was obtained.
    pub log_likelihood_method: String,
}

impl LatentEvaluation {
    /// The figures as JSON.
    pub fn to_json(&self) -> Value {
        json!({
            "log_z_ais": self.log_z_ais,
            "log_z_ais_se": self.log_z_ais_se,
            "log_z_exact": self.log_z_exact,
            "points": self.points,
            "latents_per_datum": self.latents_per_datum,
            "posterior_acceptance": self.posterior_acceptance,
            "particle_elbo": self.particle_elbo,
            "gaussian_elbo": self.gaussian_elbo,
            "log_likelihood": self.log_likelihood,
            "log_likelihood_method": self.log_likelihood_method,
            "elbo_neighbours": ELBO_NEIGHBOURS,
        })
    }
}

/// Continues each datum's conditional particles (`latents`, n × M × dz) as
/// `settings.latents_per_datum` MALA chains at step `tau` on z ↦ E(xᵢ, z): chain j of datum
/// i starts from particle j mod M. Returns the chains (datum-major) and the acceptance.
pub fn posterior_chains<M: BatchEnergy<f64> + ?Sized>(
    model: &M,
    data: &[f64],
    dx: usize,
    latents: &[f64],
    tau: f64,
    settings: &EvalSettings,
) -> Result<(Vec<f64>, f64), EbmError> {
    let dz = model.dim() - dx;
    let n = data.len() / dx;
    let (m, k) = (latents.len() / (n * dz).max(1), settings.latents_per_datum);
    if m == 0 || k == 0 || latents.len() != n * m * dz {
        return Err(EbmError::Data(format!(
            "{} latent coordinates for {n} data of latent dimension {dz}, {k} chains per \
             datum: need n·M·dz with M, chains >= 1",
            latents.len()
        )));
    }
    let mut observed = Vec::with_capacity(n * k * dx);
    let mut z = Vec::with_capacity(n * k * dz);
    for (x, zs) in data.chunks_exact(dx).zip(latents.chunks_exact(m * dz)) {
        for j in 0..k {
            observed.extend_from_slice(x);
            z.extend_from_slice(&zs[(j % m) * dz..(j % m + 1) * dz]);
        }
    }
    let mut rngs: Vec<StreamRng> =
        StreamRng::streams(settings.seed, POSTERIOR_EVAL_STREAM0, n * k).collect();
    let step = SamplerSettings {
        step: tau,
        ..SamplerSettings::of(SamplerKind::Mala)
    };
    let conditional = Conditional::new(model, &observed, dx)?;
    let r = move_particles(&conditional, &step, &mut z, &mut rngs, settings.steps)?;
    Ok((z, r.accepted as f64 / r.steps.max(1) as f64))
}

/// Evaluates the joint energy `model` on `data` (n × `dx`, at most `settings.max_points`
/// of them) from its conditional particles `latents` (n × M × dz, datum-major), continued
/// as [`posterior_chains`] at step `tau`, with, for the AIS base, samples of the model's
/// joint law `joint` (the pool; when empty, the rows (xᵢ, zᵢₘ) of the particles).
#[allow(clippy::too_many_arguments)]
pub fn evaluate_latent<M: BatchEnergy<f64> + ?Sized>(
    model: &M,
    data: &[f64],
    dx: usize,
    latents: &[f64],
    joint: &[f64],
    exact: ExactAnswers,
    tau: f64,
    settings: &EvalSettings,
) -> Result<LatentEvaluation, EbmError> {
    let seed = settings.seed;
    let d = model.dim();
    let dz = d - dx;
    let n_all = data.len() / dx;
    let m = latents.len() / (n_all * dz).max(1);
    let n = n_all.min(settings.max_points);
    let (data, latents) = (&data[..n * dx], &latents[..n * m * dz]);
    let rows;
    let joint = if joint.is_empty() {
        let m = latents.len() / (data.len() / dx * dz).max(1);
        rows = data
            .chunks_exact(dx)
            .zip(latents.chunks_exact(m * dz))
            .flat_map(|(x, zs)| zs.chunks_exact(dz).flat_map(move |z| x.iter().chain(z)))
            .copied()
            .collect::<Vec<f64>>();
        &rows[..]
    } else {
        joint
    };
    let base = GaussianBase::fit(joint, d, AIS_BASE_WIDEN)?;
    let ais = ais_log_partition(
        model,
        &base,
        &AisSettings {
            seed,
            ..AisSettings::default()
        },
    )?;
    let log_z = exact.log_z.unwrap_or(ais.log_z);
    let (chains, acceptance) = posterior_chains(model, data, dx, latents, tau, settings)?;
    let particle = particle_elbo(model, data, dx, &chains, log_z, ELBO_NEIGHBOURS)?;
    let gaussian = gaussian_elbo(
        model,
        data,
        dx,
        &chains,
        log_z,
        &GaussianElboSettings {
            seed,
            ..GaussianElboSettings::default()
        },
    )?;
    let closed = exact.log_marginal.and_then(|f| {
        let sum = data.chunks_exact(dx).map(f).sum::<Option<f64>>()?;
        Some(sum / n as f64)
    });
    let (log_likelihood, method) = match closed {
        Some(l) => (Some(l), "closed form".to_string()),
        None if dz == 1 => {
            let grid = GridSettings::default();
            match log_likelihood_1d(model, data, dx, &grid, log_z) {
                Ok(l) => (Some(l.mean), "quadrature over z".to_string()),
                // An energy that does not confine z (an undertrained network): no exact
                // value, but the ELBOs stand.
                Err(e) => (None, format!("quadrature over z failed: {e}")),
            }
        }
        None => (None, "dz > 1 and no closed form".to_string()),
    };
    Ok(LatentEvaluation {
        log_z_ais: ais.log_z,
        log_z_ais_se: ais.std_error,
        log_z_exact: exact.log_z,
        points: n,
        latents_per_datum: settings.latents_per_datum,
        posterior_acceptance: acceptance,
        particle_elbo: particle.mean,
        gaussian_elbo: gaussian.elbo.mean,
        log_likelihood,
        log_likelihood_method: method,
    })
}
