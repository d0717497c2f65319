//! The coupled particle loop: conditional latent particles, the joint pool, θ ascent.

use gradflow_core::{BatchReport, SamplerKind, Scalar, StreamRng};
use serde_json::{Value, json};

use super::conditional::observed_dim_error;
use super::{Conditional, LvebmSettings, NegativePhase, ThetaOptimizer};
use crate::SettingError;
use crate::data::shuffle::{distinct_below, fingerprint, index_below};
use crate::ebm::{EbmError, EnergyModel, move_particles};
use crate::optim::Adam;
use crate::train::resume_settings;
use crate::train::{Checkpoint, CheckpointError, StepError, StepStats, Trainer};

/// First stream of the conditional particles: particle m of datum i draws from
/// `(seed, LATENT_STREAM0 + i·M + m)`.
pub const LATENT_STREAM0: u64 = 1 << 61;
/// First stream of the joint pool: pool particle k draws from `(seed, POOL_STREAM0 + k)`.
pub const POOL_STREAM0: u64 = 1 << 60;
/// Stream of the batch choice and of the pool's initial data rows.
const PICK_STREAM: u64 = (1 << 60) - 1;

/// Latent-variable EBM training as a [`Trainer`] (docs/src/design.md §4.4).
///
/// Each update picks `batch` distinct data points; their M conditional particles move
/// `posterior_steps` steps of the posterior scheme on z ↦ E_θ(xᵢ, z); the whole joint pool
/// moves `pool_steps` steps on E_θ(x, z); θ then descends
/// `g = mean_{i,m}∇θE_θ(xᵢ, zᵢₘ) − mean_pool∇θE_θ`, the negative log-likelihood gradient
/// (with [`NegativePhase::Exact`], the pool term is the closed-form ∇θ log Z instead).
///
/// Initially every latent coordinate is standard normal and pool particle k starts at a
/// random data row. Reported per update: `loss` (mean E over the conditional particles
/// minus mean E over the pool, or plus log Z when exact), `e_post`, `e_pool`, and for MALA
/// the acceptance rates `accept_post` / `accept_pool`.
pub struct LvebmTrainer<S, M> {
    settings: LvebmSettings,
    model: M,
    dx: usize,
    data: Vec<S>,
    data_fingerprint: u64,
    latents: Vec<S>,
    latent_rngs: Vec<StreamRng>,
    pool: Vec<S>,
    pool_rngs: Vec<StreamRng>,
    pick: StreamRng,
    adam: Adam,
    step: u64,
    grad_evals: u64,
}

impl<S: Scalar, M: EnergyModel<S>> LvebmTrainer<S, M> {
    /// A trainer of the joint energy `model` (rows (x, z) of `model.dim()`) on `data`
    /// (n × `observed_dim`, row-major).
    ///
    /// Errors: bad settings ([`LvebmSettings::validate`]), `observed_dim` outside
    /// 1..`model.dim()`, a `batch` larger than n, the exact negative phase on a model
    /// without a closed-form log Z (all [`EbmError::Setting`]), unusable data.
    pub fn new(
        settings: &LvebmSettings,
        model: M,
        data: &[f64],
        observed_dim: usize,
    ) -> Result<Self, EbmError> {
        settings.validate()?;
        let (d, dx) = (model.dim(), observed_dim);
        if dx == 0 || dx >= d {
            return Err(observed_dim_error("observed_dim", dx, d));
        }
        if data.is_empty() || !data.len().is_multiple_of(dx) {
            return Err(EbmError::Data(format!(
                "{} values do not make rows of dimension {dx}",
                data.len()
            )));
        }
        if data.iter().any(|v| !v.is_finite()) {
            return Err(EbmError::Data("a data value is NaN or infinite".into()));
        }
        let n = data.len() / dx;
        if settings.batch > n {
            return Err(EbmError::Setting(SettingError::new(
                "batch",
                format!("{} exceeds the {n} data points", settings.batch),
            )));
        }
        if settings.negative == NegativePhase::Exact && model.log_partition_grad().is_none() {
            return Err(EbmError::Setting(SettingError::new(
                "negative",
                "exact (PGD) needs a family with a closed-form log Z",
            )));
        }
        let (dz, m, seed) = (d - dx, settings.particles_per_datum, settings.seed);
        let mut latent_rngs: Vec<StreamRng> =
            StreamRng::streams(seed, LATENT_STREAM0, n * m).collect();
        let mut latents = vec![S::ZERO; n * m * dz];
        for (z, rng) in latents.chunks_exact_mut(dz).zip(&mut latent_rngs) {
            z.iter_mut().for_each(|v| *v = rng.normal::<S>());
        }
        let p = match settings.negative {
            NegativePhase::Pool => settings.pool_size,
            NegativePhase::Exact => 0,
        };
        let mut pick = StreamRng::new(seed, PICK_STREAM);
        let mut pool_rngs: Vec<StreamRng> = StreamRng::streams(seed, POOL_STREAM0, p).collect();
        let mut pool = vec![S::ZERO; p * d];
        for (row, rng) in pool.chunks_exact_mut(d).zip(&mut pool_rngs) {
            let i = index_below(&mut pick, n);
            for (o, &v) in row[..dx].iter_mut().zip(&data[i * dx..(i + 1) * dx]) {
                *o = S::from_f64(v);
            }
            row[dx..].iter_mut().for_each(|v| *v = rng.normal::<S>());
        }
        let mut adam = Adam::new(model.params().len(), settings.lr);
        adam.beta1 = settings.beta1;
        Ok(Self {
            settings: settings.clone(),
            dx,
            data: data.iter().map(|&v| S::from_f64(v)).collect(),
            data_fingerprint: fingerprint(data),
            latents,
            latent_rngs,
            pool,
            pool_rngs,
            pick,
            adam,
            model,
            step: 0,
            grad_evals: 0,
        })
    }

    /// The settings.
    pub fn lvebm_settings(&self) -> &LvebmSettings {
        &self.settings
    }

    /// The joint energy as trained so far.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// Observed dimension dx.
    pub fn observed_dim(&self) -> usize {
        self.dx
    }

    /// Latent dimension dz.
    pub fn latent_dim(&self) -> usize {
        self.model.dim() - self.dx
    }

    /// The data points (n × dx).
    pub fn data(&self) -> &[S] {
        &self.data
    }

    /// The conditional particles: datum i's M particles are rows i·M..(i+1)·M (each dz).
    pub fn latents(&self) -> &[S] {
        &self.latents
    }

    /// The joint pool (P × (dx + dz)); empty with the exact negative phase.
    pub fn pool(&self) -> &[S] {
        &self.pool
    }

    /// Energy-gradient evaluations spent on particles so far.
    pub fn grad_evals(&self) -> u64 {
        self.grad_evals
    }

    /// Moves the conditional particles of data points `batch` (`steps` steps), and
    /// returns the joint rows (xᵢ, zᵢₘ) they form.
    fn move_posterior(&mut self, batch: &[usize]) -> Result<(Vec<S>, BatchReport), EbmError> {
        let (dx, dz, m) = (
            self.dx,
            self.latent_dim(),
            self.settings.particles_per_datum,
        );
        let mut observed = Vec::with_capacity(batch.len() * m * dx);
        let mut z = Vec::with_capacity(batch.len() * m * dz);
        let mut rngs = Vec::with_capacity(batch.len() * m);
        for &i in batch {
            for _ in 0..m {
                observed.extend_from_slice(&self.data[i * dx..(i + 1) * dx]);
            }
            z.extend_from_slice(&self.latents[i * m * dz..(i + 1) * m * dz]);
            rngs.extend_from_slice(&self.latent_rngs[i * m..(i + 1) * m]);
        }
        let conditional = Conditional::new(&self.model, &observed, dx)?;
        let report = move_particles(
            &conditional,
            &self.settings.posterior,
            &mut z,
            &mut rngs,
            self.settings.posterior_steps,
        )?;
        for (k, &i) in batch.iter().enumerate() {
            self.latents[i * m * dz..(i + 1) * m * dz]
                .copy_from_slice(&z[k * m * dz..(k + 1) * m * dz]);
            self.latent_rngs[i * m..(i + 1) * m].clone_from_slice(&rngs[k * m..(k + 1) * m]);
        }
        let mut rows = Vec::with_capacity(observed.len() + z.len());
        for (x, z) in observed.chunks_exact(dx).zip(z.chunks_exact(dz)) {
            rows.extend_from_slice(x);
            rows.extend_from_slice(z);
        }
        Ok((rows, report))
    }

    /// One update; `Ok(None)` when particles diverged (reported as a NaN loss).
    fn update(&mut self) -> Result<Option<StepStats>, EbmError> {
        let n = self.data.len() / self.dx;
        let b = match self.settings.batch {
            0 => n,
            b => b,
        };
        let batch = distinct_below(&mut self.pick, n, b);
        let (mut rows, post) = match self.move_posterior(&batch) {
            Ok(r) => r,
            Err(EbmError::Diverged { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let n_pos = rows.len() / self.model.dim();
        let mut pool_report = BatchReport::default();
        if self.settings.negative == NegativePhase::Pool {
            pool_report = match move_particles(
                &self.model,
                &self.settings.pool,
                &mut self.pool,
                &mut self.pool_rngs,
                self.settings.pool_steps,
            ) {
                Ok(r) => r,
                Err(EbmError::Diverged { .. }) => return Ok(None),
                Err(e) => return Err(e),
            };
            rows.extend_from_slice(&self.pool);
        }
        self.grad_evals += post.grad_evals + pool_report.grad_evals;
        let n_neg = rows.len() / self.model.dim() - n_pos;

        let mean = |e: &[S]| e.iter().map(|v| v.to_f64()).sum::<f64>() / e.len().max(1) as f64;
        let (mut e_post, mut e_pool) = (0.0, 0.0);
        // One forward pass for the energies and the gradient.
        let mut cotangent = |e: &[S], cot: &mut [S]| {
            (e_post, e_pool) = (mean(&e[..n_pos]), mean(&e[n_pos..]));
            let (pos, neg) = cot.split_at_mut(n_pos);
            pos.fill(S::from_f64(1.0 / n_pos as f64));
            neg.fill(S::from_f64(-1.0 / n_neg.max(1) as f64));
        };
        let mut grad = vec![0.0; self.model.params().len()];
        self.model
            .energies_param_grad(&rows, &mut cotangent, &mut grad)?;
        let loss = match self.settings.negative {
            NegativePhase::Pool => e_post - e_pool,
            NegativePhase::Exact => {
                let lz = self.model.log_partition_grad().unwrap_or_default();
                grad.iter_mut().zip(lz).for_each(|(g, l)| *g += l);
                e_post + self.model.log_partition().unwrap_or(f64::NAN)
            }
        };
        let mut stats = StepStats::new(loss).with("e_post", e_post);
        if n_neg > 0 {
            stats = stats.with("e_pool", e_pool);
        }
        let (post_kind, pool_kind) = (self.settings.posterior.kind, self.settings.pool.kind);
        for (name, kind, r) in [
            ("accept_post", post_kind, post),
            ("accept_pool", pool_kind, pool_report),
        ] {
            if kind == SamplerKind::Mala && r.steps > 0 {
                stats = stats.with(name, r.acceptance_rate());
            }
        }
        if loss.is_finite() && grad.iter().all(|g| g.is_finite()) {
            let mut params = self.model.params().to_vec();
            match self.settings.optimizer {
                ThetaOptimizer::Sgd => params
                    .iter_mut()
                    .zip(&grad)
                    .for_each(|(p, g)| *p -= self.settings.lr * g),
                ThetaOptimizer::Adam => self.adam.step(&mut params, &grad),
            }
            self.model.set_params(&params);
        }
        Ok(Some(stats))
    }
}

impl<S: Scalar, M: EnergyModel<S>> Trainer for LvebmTrainer<S, M> {
    fn kind(&self) -> &'static str {
        "lvebm"
    }

    fn settings(&self) -> Value {
        resume_settings(
            self.settings.to_json(),
            self.model.params().len(),
            self.data_fingerprint,
            &[
                ("observed_dim", json!(self.dx)),
                ("latent_dim", json!(self.latent_dim())),
                ("data_rows", json!(self.data.len() / self.dx)),
            ],
        )
    }

    fn steps_done(&self) -> u64 {
        self.step
    }

    fn step(&mut self) -> Result<StepStats, StepError> {
        let stats = self.update()?;
        self.step += 1;
        Ok(stats.unwrap_or_else(|| StepStats::new(f64::NAN)))
    }

    fn save(&self) -> Checkpoint {
        let f64s = |v: &[S]| v.iter().map(|x| x.to_f64()).collect::<Vec<_>>();
        let mut c = Checkpoint::new(self.kind(), self.step, self.settings());
        c.put_f64("params", self.model.params());
        c.put_adam("adam", &self.adam);
        c.put_f64("latents", &f64s(&self.latents));
        c.put_rngs("latent_rngs", &self.latent_rngs);
        c.put_f64("pool", &f64s(&self.pool));
        c.put_rngs("pool_rngs", &self.pool_rngs);
        c.put_rng("pick", &self.pick);
        c.put_u64("grad_evals", &[self.grad_evals]);
        c
    }

    fn restore(&mut self, c: &Checkpoint) -> Result<(), CheckpointError> {
        let n = self.model.params().len();
        let params = c.f64s_len("params", n)?.to_vec();
        let adam = c.adam("adam", n)?;
        let latents = c.f64s_len("latents", self.latents.len())?;
        let pool = c.f64s_len("pool", self.pool.len())?;
        let latent_rngs = c.rngs("latent_rngs")?;
        let pool_rngs = c.rngs("pool_rngs")?;
        if latent_rngs.len() != self.latent_rngs.len() || pool_rngs.len() != self.pool_rngs.len() {
            return Err(CheckpointError::incompatible(
                "particle stream counts differ from the settings",
            ));
        }
        let pick = c.rng("pick")?;
        let grad_evals = c.u64s("grad_evals")?.first().copied().unwrap_or(0);
        self.model.set_params(&params);
        self.adam = adam;
        for (o, &v) in self.latents.iter_mut().zip(latents) {
            *o = S::from_f64(v);
        }
        for (o, &v) in self.pool.iter_mut().zip(pool) {
            *o = S::from_f64(v);
        }
        self.latent_rngs = latent_rngs;
        self.pool_rngs = pool_rngs;
        self.pick = pick;
        self.grad_evals = grad_evals;
        self.step = c.step;
        Ok(())
    }
}
