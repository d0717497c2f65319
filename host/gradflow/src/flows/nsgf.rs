//! NSGF: a velocity network v_θ(x, t) regressed on the empirical velocity of the Sinkhorn
//! gradient flow of `S_ε(µ, µ*)`, stored along simulated trajectories in a bounded pool.
//!
//! Trajectory j: X⁰ ~ µ₀ and Y ~ µ* (n points each, seed roles [`Role::PoolSource`] and
//! [`Role::PoolTarget`], counter j); for k = 0..T−1: v̂ = the Sinkhorn velocity of Xᵏ
//! towards Y ([`crate::sinkhorn::SinkhornSettings::velocity_on`] the compute's device: its
//! soft-mins on the GPU under `--device cuda`; annealed, in f32 like the pool's records:
//! about 10× faster than f64), the records (Xᵏ, k·η, v̂) go to the pool,
//! Xᵏ⁺¹ = Xᵏ + η·v̂ (in f32). Training step s first adds trajectory
//! s/`refill_every` when s is a multiple of it, then takes one Adam step on a minibatch of
//! the pool (indices from [`Role::PoolIndex`], counter s). Sampling: Euler steps of v_θ
//! from t = 0 to T·η, any number of them.

use serde_json::Value;

use super::error::FlowError;
use super::flow::Flow;
use super::manifest::{FlowManifest, ModelRole, Sampling};
use super::pool::TrajectoryPool;
use super::problem::{Problem, Role, derive_rng, derive_seed};
use super::regress::{Compute, Regressor};
use super::settings::{FlowSettings, Method, NsgfSettings};
use super::trainer::{FlowTrainer, REPORT_STEPS, velocity_net};
use crate::SettingError;
use crate::sinkhorn::{SinkhornSettings, Stopping};
use crate::train::{Checkpoint, CheckpointError, StepError, StepStats, Trainer};

/// The NSGF part of a run (also NSGF++'s first phase): the velocity network and its pool.
#[derive(Debug)]
pub struct NsgfCore {
    nsgf: NsgfSettings,
    problem: Problem,
    seed: u64,
    batch: usize,
    velocity: Regressor,
    pool: TrajectoryPool,
}

impl NsgfCore {
    /// The NSGF part of `settings` (checked by the caller), its network from the seed's
    /// network number 0.
    pub fn new(settings: &FlowSettings) -> Result<Self, FlowError> {
        Ok(Self {
            nsgf: settings.nsgf,
            problem: settings.problem.clone(),
            seed: settings.seed,
            batch: settings.batch,
            velocity: velocity_net(settings, 0)?,
            pool: TrajectoryPool::new(settings.nsgf.pool, settings.problem.dim()),
        })
    }

    /// The Sinkhorn settings of the trajectories: annealed, the run's blur and scaling.
    pub fn sinkhorn(&self) -> SinkhornSettings {
        SinkhornSettings {
            blur: self.nsgf.blur,
            scaling: self.nsgf.scaling,
            stopping: Stopping::Annealed,
        }
    }

    /// The velocity network.
    pub fn velocity(&self) -> &Regressor {
        &self.velocity
    }

    /// The trajectory pool.
    pub fn pool(&self) -> &TrajectoryPool {
        &self.pool
    }

    /// Simulates trajectory `j` into the pool (module docs).
    pub fn add_trajectory(&mut self, compute: &Compute, j: u64) -> Result<(), FlowError> {
        let n = self.nsgf.particles;
        let narrow = |v: Vec<f64>| v.into_iter().map(|a| a as f32).collect::<Vec<f32>>();
        let mut x = narrow(
            self.problem
                .source_batch(n, derive_seed(self.seed, Role::PoolSource, j)),
        );
        let y = narrow(
            self.problem
                .target_batch(n, derive_seed(self.seed, Role::PoolTarget, j)),
        );
        let sinkhorn = self.sinkhorn();
        let d = self.problem.dim();
        let eta = self.nsgf.eta;
        let step = eta as f32;
        let mut v = vec![0.0f32; x.len()];
        for k in 0..self.nsgf.steps {
            compute
                .install(|| sinkhorn.velocity_on(compute.backend(), &x, &y, d, &mut v))
                .map_err(FlowError::Sinkhorn)?;
            self.pool.push(&x, k as f64 * eta, &v);
            for (xi, vi) in x.iter_mut().zip(&v) {
                *xi += step * vi;
            }
        }
        Ok(())
    }

    /// Training step `step`: a new trajectory when `step` is a multiple of
    /// `refill_every`, then one Adam step on a pool minibatch. Returns the loss.
    pub fn step(&mut self, compute: &Compute, step: u64) -> Result<f64, FlowError> {
        if step.is_multiple_of(self.nsgf.refill_every) {
            self.add_trajectory(compute, step / self.nsgf.refill_every)?;
        }
        let mut rng = derive_rng(self.seed, Role::PoolIndex, step);
        let (input, target) = self.pool.batch(&mut rng, self.batch);
        Ok(self.velocity.step(compute, &input, &target)?)
    }

    /// Stores the network (`velocity.*`) and the pool (`pool.*`).
    pub fn save(&self, c: &mut Checkpoint) {
        self.velocity.save(c, ModelRole::Velocity.name());
        self.pool.save(c, "pool");
    }

    /// Restores what [`NsgfCore::save`] stored.
    pub fn restore(&mut self, c: &Checkpoint) -> Result<(), CheckpointError> {
        self.velocity.restore(c, ModelRole::Velocity.name())?;
        self.pool.restore(c, "pool")
    }

    /// The step counts reported at training: 10, 100 and T, NSGF's own inference (the
    /// training step η repeated T times; other counts query the network at times between
    /// those it was trained on).
    pub fn report_steps(&self) -> Vec<u32> {
        let own = u32::try_from(self.nsgf.steps).unwrap_or(u32::MAX);
        let mut steps = REPORT_STEPS.to_vec();
        if !steps.contains(&own) {
            steps.push(own);
            steps.sort_unstable();
        }
        steps
    }

    /// The end time of the flow the network learnt, T·η.
    pub fn end_time(&self) -> f64 {
        Sampling::nsgf_t1(self.nsgf.steps as u32, self.nsgf.eta)
    }
}

/// The NSGF training run, as a [`Trainer`]. Its checkpoint holds the network, Adam's state
/// and the trajectory pool.
#[derive(Debug)]
pub struct NsgfTrainer {
    settings: FlowSettings,
    compute: Compute,
    core: NsgfCore,
    step: u64,
}

impl NsgfTrainer {
    /// A run of `settings` (method [`Method::Nsgf`]) on `threads` threads (0: one per
    /// core; results do not depend on it).
    pub fn new(settings: &FlowSettings, threads: usize) -> Result<Self, FlowError> {
        Self::on(settings, Compute::new(threads))
    }

    /// A run of `settings` with its networks evaluated by `compute` (on a GPU, say).
    pub fn on(settings: &FlowSettings, compute: Compute) -> Result<Self, FlowError> {
        settings.validate()?;
        if settings.method != Method::Nsgf {
            return Err(FlowError::Settings(SettingError::new(
                "method",
                format!("{}: NsgfTrainer trains nsgf only", settings.method),
            )));
        }
        Ok(Self {
            settings: settings.clone(),
            compute,
            core: NsgfCore::new(settings)?,
            step: 0,
        })
    }

    /// The NSGF network and pool.
    pub fn core(&self) -> &NsgfCore {
        &self.core
    }
}

impl Trainer for NsgfTrainer {
    fn kind(&self) -> &'static str {
        Method::Nsgf.name()
    }

    fn settings(&self) -> Value {
        self.settings.checkpoint_json()
    }

    fn steps_done(&self) -> u64 {
        self.step
    }

    fn step(&mut self) -> Result<StepStats, StepError> {
        let loss = self.core.step(&self.compute, self.step)?;
        self.step += 1;
        Ok(StepStats::new(loss))
    }

    fn save(&self) -> Checkpoint {
        let mut c = Checkpoint::new(self.kind(), self.step, self.settings());
        self.core.save(&mut c);
        c
    }

    fn restore(&mut self, c: &Checkpoint) -> Result<(), CheckpointError> {
        self.core.restore(c)?;
        self.step = c.step;
        Ok(())
    }
}

impl FlowTrainer for NsgfTrainer {
    fn flow(&self) -> Result<Flow, FlowError> {
        let s = &self.settings;
        let manifest = FlowManifest::for_problem(
            s.method,
            &s.problem,
            s.seed,
            Sampling::Euler {
                t1: self.core.end_time(),
                steps: self.core.report_steps(),
            },
            Vec::new(),
            s.to_json(),
        );
        Flow::new(
            manifest,
            vec![(
                ModelRole::Velocity,
                self.core.velocity.model_in(s.problem.units())?,
            )],
        )
    }

    fn compute(&self) -> &Compute {
        &self.compute
    }
}
