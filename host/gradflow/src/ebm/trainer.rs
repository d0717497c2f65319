//! The maximum-likelihood loop: persistent negative particles, Adam on the parameters.

use gradflow_core::{SamplerKind, Scalar, StreamRng};
use serde_json::{Value, json};

use super::buffer::{InitBox, ReplayBuffer};
use super::{EbmError, EbmSettings, EnergyModel, move_particles};
use crate::data::shuffle::{fingerprint, index_below};
use crate::optim::Adam;
use crate::train::resume_settings;
use crate::train::{Checkpoint, CheckpointError, StepError, StepStats, Trainer};

/// Stream of the data-batch draws.
const DATA_STREAM: u64 = (1 << 62) - 2;

/// EBM maximum-likelihood training as a [`Trainer`].
///
/// Each update draws `batch` data points (with replacement) and `batch` buffer slots (each
/// re-initialised from the uniform box with probability `reinit`), moves the particles
/// `particle_steps` steps of the scheme, writes them back, and takes one Adam step on the
/// loss `mean E(data) − mean E(particles) + α(mean E(data)² + mean E(particles)²)`, whose
/// parameter gradient is the negative log-likelihood gradient (docs/src/design.md §4.2) plus the
/// penalty's.
///
/// Reported per update: `loss` (that objective), `e_data` and `e_model` (the mean
/// energies), and for MALA the acceptance rate `accept`.
pub struct EbmTrainer<S, M> {
    settings: EbmSettings,
    model: M,
    data: Vec<S>,
    d: usize,
    data_fingerprint: u64,
    buffer: ReplayBuffer<S>,
    adam: Adam,
    data_rng: StreamRng,
    step: u64,
    grad_evals: u64,
}

impl<S: Scalar, M: EnergyModel<S>> EbmTrainer<S, M> {
    /// A trainer of `model` on `data` (n × d, row-major, d = `model.dim()`).
    pub fn new(settings: &EbmSettings, model: M, data: &[f64]) -> Result<Self, EbmError> {
        settings.validate()?;
        let d = model.dim();
        let init = InitBox::around(data, d, settings.init_margin)?;
        let buffer = ReplayBuffer::new(settings.buffer, init, settings.seed)?;
        let mut adam = Adam::new(model.params().len(), settings.lr);
        adam.beta1 = settings.beta1;
        Ok(Self {
            settings: settings.clone(),
            data: data.iter().map(|&v| S::from_f64(v)).collect(),
            d,
            data_fingerprint: fingerprint(data),
            buffer,
            adam,
            model,
            data_rng: StreamRng::new(settings.seed, DATA_STREAM),
            step: 0,
            grad_evals: 0,
        })
    }

    /// The settings.
    pub fn ebm_settings(&self) -> &EbmSettings {
        &self.settings
    }

    /// The energy model as trained so far.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// The replay buffer (its particles are samples of the current model's sampler).
    pub fn buffer(&self) -> &ReplayBuffer<S> {
        &self.buffer
    }

    /// Energy-gradient evaluations spent on particles so far (all particles).
    pub fn grad_evals(&self) -> u64 {
        self.grad_evals
    }

    /// One update; `Ok(None)` when the particles diverged (reported as a NaN loss).
    fn update(&mut self) -> Result<Option<StepStats>, EbmError> {
        let (b, d, s) = (self.settings.batch, self.d, &self.settings);
        let n_data = self.data.len() / d;
        let mut x = vec![S::ZERO; 2 * b * d];
        let (pos, neg) = x.split_at_mut(b * d);
        for row in pos.chunks_exact_mut(d) {
            let i = index_below(&mut self.data_rng, n_data);
            row.copy_from_slice(&self.data[i * d..(i + 1) * d]);
        }
        let mut drawn = self.buffer.draw(b, s.reinit);
        let moved = move_particles(
            &self.model,
            &s.particles,
            &mut drawn.x,
            &mut drawn.rngs,
            s.particle_steps,
        );
        let report = match moved {
            Ok(r) => r,
            Err(EbmError::Diverged { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        self.grad_evals += report.grad_evals;
        neg.copy_from_slice(&drawn.x);
        self.buffer.put_back(drawn);

        let (alpha, inv_b) = (s.penalty, 1.0 / b as f64);
        let (mut e_pos, mut e_neg, mut sq) = (0.0, 0.0, 0.0);
        // One forward pass: the loss's cotangent is computed from the energies it returns.
        let mut cotangent = |e: &[S], cot: &mut [S]| {
            for (j, (&ej, c)) in e.iter().zip(cot).enumerate() {
                let ej = ej.to_f64();
                let sign = if j < b { 1.0 } else { -1.0 };
                if j < b {
                    e_pos += ej * inv_b;
                } else {
                    e_neg += ej * inv_b;
                }
                sq += ej * ej * inv_b;
                *c = S::from_f64((sign + 2.0 * alpha * ej) * inv_b);
            }
        };
        let mut grad = vec![0.0; self.model.params().len()];
        self.model
            .energies_param_grad(&x, &mut cotangent, &mut grad)?;
        let loss = e_pos - e_neg + alpha * sq;
        let mut stats = StepStats::new(loss)
            .with("e_data", e_pos)
            .with("e_model", e_neg);
        if s.particles.kind == SamplerKind::Mala && report.steps > 0 {
            stats = stats.with("accept", report.acceptance_rate());
        }
        if loss.is_finite() {
            let mut params = self.model.params().to_vec();
            self.adam.step(&mut params, &grad);
            self.model.set_params(&params);
        }
        Ok(Some(stats))
    }
}

impl<S: Scalar, M: EnergyModel<S>> Trainer for EbmTrainer<S, M> {
    fn kind(&self) -> &'static str {
        "ebm"
    }

    fn settings(&self) -> Value {
        resume_settings(
            self.settings.to_json(),
            self.model.params().len(),
            self.data_fingerprint,
            &[
                ("dim", json!(self.d)),
                ("data_rows", json!(self.data.len() / self.d)),
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
        let mut c = Checkpoint::new(self.kind(), self.step, self.settings());
        c.put_f64("params", self.model.params());
        c.put_adam("adam", &self.adam);
        self.buffer.save(&mut c, "buffer");
        c.put_rng("rng.data", &self.data_rng);
        c.put_u64("grad_evals", &[self.grad_evals]);
        c
    }

    fn restore(&mut self, c: &Checkpoint) -> Result<(), CheckpointError> {
        let n = self.model.params().len();
        let params = c.f64s_len("params", n)?.to_vec();
        let adam = c.adam("adam", n)?;
        let data_rng = c.rng("rng.data")?;
        let grad_evals = c.u64s("grad_evals")?.first().copied().unwrap_or(0);
        self.buffer.restore(c, "buffer")?;
        self.model.set_params(&params);
        self.adam = adam;
        self.data_rng = data_rng;
        self.grad_evals = grad_evals;
        self.step = c.step;
        Ok(())
    }
}
