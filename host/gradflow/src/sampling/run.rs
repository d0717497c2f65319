//! Running a sampler on an energy source, with burn-in, thinning and trajectory frames.

use std::time::Instant;

use std::cell::RefCell;

use gradflow_core::model::{ModelEval, ModelKind};
use gradflow_core::{BatchReport, Energy, Error, Kernel, SamplerKind, SamplerSettings, StreamRng};

use super::{Potential, SampleError};
use crate::SettingError;
use crate::data::{Samples, Standardization, Trajectory};
use crate::modelio::ModelBytes;
use crate::parallel::for_each_block;

/// First stream of the initial positions: chain `k` draws its start from
/// `StreamRng::new(seed, INIT_STREAM0 + k)`, disjoint from the chains' own streams `0..n`.
pub const INIT_STREAM0: u64 = 1 << 63;

/// First stream of BAOAB's initial velocities: chain `k` draws N(0, I/m) from
/// `StreamRng::new(seed, VELOCITY_STREAM0 + k)`.
pub const VELOCITY_STREAM0: u64 = (1 << 63) | (1 << 62);

/// `chains` starting points of dimension `d`, each N(0, std²I): row `k` holds `d` normal
/// draws of the stream `(seed, INIT_STREAM0 + k)` times `std`. Row `k` does not depend on
/// the number of rows.
pub fn normal_init(chains: usize, d: usize, std: f64, seed: u64) -> Samples {
    let mut data = vec![0.0; chains * d];
    for (k, row) in data.chunks_exact_mut(d.max(1)).enumerate() {
        let mut rng = StreamRng::new(seed, INIT_STREAM0 + k as u64);
        for x in row {
            *x = std * rng.normal::<f64>();
        }
    }
    Samples { n: chains, d, data }
}

/// What is sampled: an analytic potential or an energy model file.
pub enum EnergySource {
    /// An analytic potential and its energy.
    Potential(Potential, Box<dyn Energy<f64> + Send + Sync>),
    /// An energy model (kind checked), evaluated in f64 with per-thread scratch, and the
    /// data units its file records (an energy E(x) only): the chains then run in the
    /// standardised coordinates ([`EnergySource::units`]).
    Model(ModelBytes, Option<Standardization>),
}

impl std::fmt::Debug for EnergySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Potential(p, _) => f.debug_tuple("Potential").field(p).finish(),
            Self::Model(m, units) => f
                .debug_tuple("Model")
                .field(m.view().architecture())
                .field(units)
                .finish(),
        }
    }
}

impl EnergySource {
    /// An analytic potential (its parameters checked).
    pub fn potential(p: Potential) -> Result<Self, SampleError> {
        Ok(Self::Potential(p, p.energy()?))
    }

    /// An energy model (a latent energy E(x, z) as the energy of its joint rows `(x, z)`);
    /// any other kind (a velocity field, a time predictor) is refused with
    /// [`SampleError::NotAnEnergy`].
    pub fn model(model: ModelBytes) -> Result<Self, SampleError> {
        let kind = model.view().architecture().kind;
        if !kind.is_energy() {
            return Err(SampleError::NotAnEnergy(kind));
        }
        let units = match kind {
            ModelKind::Energy => model
                .units()
                .map(|(mean, scale)| Standardization { mean, scale }),
            _ => None,
        };
        Ok(Self::Model(model, units))
    }

    /// The dimension of one sample.
    pub fn dim(&self) -> usize {
        match self {
            Self::Potential(_, e) => e.dim(),
            Self::Model(m, _) => m.view().architecture().in_dim(),
        }
    }

    /// The data units of an energy model file that records them. [`sample`] then runs
    /// the chains in the standardised coordinates u = (x − mean)/scale on the energy
    /// E(mean + scale ⊙ u), and returns their states in data units: the sampler
    /// preconditioned by diag(scale²), so that one step size τ (in those coordinates)
    /// suits features on any scales.
    pub fn units(&self) -> Option<&Standardization> {
        match self {
            Self::Model(_, units) => units.as_ref(),
            Self::Potential(..) => None,
        }
    }

    /// Runs `f` on the energy the chains see; a model gets its own scratch for this call
    /// (one per thread), and with [`Self::units`] is seen in standardised coordinates.
    fn with_energy<R>(&self, f: impl FnOnce(&dyn Energy<f64>) -> R) -> Result<R, Error> {
        match self {
            Self::Potential(_, e) => Ok(f(e.as_ref())),
            Self::Model(m, units) => {
                let view = m.view();
                let mut scratch = vec![0.0; view.scratch_len()];
                let energy = ModelEval::energy(&view, &mut scratch)?;
                Ok(match units {
                    Some(units) => f(&InUnitCoordinates::new(&energy, units)),
                    None => f(&energy),
                })
            }
        }
    }
}

/// An energy E of data-unit points seen in standardised coordinates:
/// E_u(u) = E(mean + scale ⊙ u), ∇E_u(u) = scale ⊙ ∇E(x).
struct InUnitCoordinates<'e> {
    energy: &'e dyn Energy<f64>,
    units: &'e Standardization,
    /// The point in data units (one per thread: the wrapper is built per call).
    x: RefCell<Vec<f64>>,
}

impl<'e> InUnitCoordinates<'e> {
    fn new(energy: &'e dyn Energy<f64>, units: &'e Standardization) -> Self {
        let x = RefCell::new(vec![0.0; energy.dim()]);
        Self { energy, units, x }
    }

    /// E evaluated by `f` at the data-unit point of `u`.
    fn at<R>(&self, u: &[f64], f: impl FnOnce(&[f64]) -> Result<R, Error>) -> Result<R, Error> {
        let mut x = self.x.borrow_mut();
        let units = self.units;
        Error::check_len("point", x.len(), u.len())?;
        for (((x, u), m), s) in x.iter_mut().zip(u).zip(&units.mean).zip(&units.scale) {
            *x = m + s * u;
        }
        f(&x)
    }
}

impl Energy<f64> for InUnitCoordinates<'_> {
    fn dim(&self) -> usize {
        self.energy.dim()
    }

    fn energy(&self, u: &[f64]) -> Result<f64, Error> {
        self.at(u, |x| self.energy.energy(x))
    }

    fn energy_grad(&self, u: &[f64], grad: &mut [f64]) -> Result<f64, Error> {
        let e = self.at(u, |x| self.energy.energy_grad(x, grad))?;
        for (g, s) in grad.iter_mut().zip(&self.units.scale) {
            *g *= s;
        }
        Ok(e)
    }
}

/// The sampler `gradflow sample` runs unless told otherwise: MALA at τ = 0.1, with 8
/// proximal iterations for jko / jko2 and BAOAB's unit friction and mass.
pub const DEFAULT_SAMPLER: SamplerSettings = SamplerSettings {
    step: 0.1,
    inner_iters: 8,
    ..SamplerSettings::of(SamplerKind::Mala)
};

/// How long to run and which states to keep. `Copy + Default`.
///
/// Every chain runs `steps` steps. Without `thin`, the kept sample is each chain's final
/// state. With `thin = k`, each chain keeps its state after steps `burn_in + k`,
/// `burn_in + 2k`, ..., up to `steps`: `(steps − burn_in) / k` records per chain. With
/// `frame_every = k`, the trajectory holds every chain's position at steps 0 (the start),
/// k, 2k, ..., up to `steps`: `steps / k + 1` frames.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Schedule {
    /// Steps per chain.
    pub steps: u64,
    /// Steps before the first record (only with `thin`); at most `steps`.
    pub burn_in: u64,
    /// Record every this many steps after the burn-in (≥ 1), or only the final state.
    pub thin: Option<u64>,
    /// Record a trajectory frame every this many steps (≥ 1), or none.
    pub frame_every: Option<u64>,
}

impl Default for Schedule {
    fn default() -> Self {
        Self {
            steps: 1000,
            burn_in: 0,
            thin: None,
            frame_every: None,
        }
    }
}

impl Schedule {
    /// Records per chain, after checking the settings.
    pub fn records(&self) -> Result<usize, SampleError> {
        let bad = |field, what: String| Err(SampleError::Setting(SettingError::new(field, what)));
        let (steps, burn_in) = (self.steps, self.burn_in);
        if burn_in > steps {
            return bad(
                "burn_in",
                format!("{burn_in} must not exceed the {steps} steps"),
            );
        }
        if self.frame_every == Some(0) {
            return bad("frame_every", "0 must be at least 1".into());
        }
        match self.thin {
            None if burn_in > 0 => bad(
                "burn_in",
                format!("{burn_in} needs thinning (without it only the final state is kept)"),
            ),
            None => Ok(1),
            Some(0) => bad("thin", "0 must be at least 1".into()),
            Some(k) => match (steps - burn_in) / k {
                0 => bad(
                    "thin",
                    format!(
                        "{k} leaves no state to record: steps − burn-in = {}",
                        steps - burn_in
                    ),
                ),
                r => usize::try_from(r)
                    .or_else(|_| bad("thin", format!("{k} records too many states per chain"))),
            },
        }
    }

    /// Trajectory frames (`None` without `frame_every`).
    pub fn frames(&self) -> Option<usize> {
        self.frame_every
            .map(|k| usize::try_from(self.steps / k.max(1) + 1).unwrap_or(usize::MAX))
    }

    /// The record index of the state after step `s` (1-based), if it is kept.
    fn record_at(&self, s: u64) -> Option<usize> {
        match self.thin {
            None => (s == self.steps).then_some(0),
            Some(k) => (s > self.burn_in && (s - self.burn_in).is_multiple_of(k))
                .then(|| ((s - self.burn_in) / k - 1) as usize),
        }
    }

    /// The first step after step `s` whose state is kept (a record or a frame), or `steps`
    /// if none comes before it: the chains run uninterrupted up to it.
    fn next_stop(&self, s: u64) -> u64 {
        let mut stop = self.steps;
        if let Some(k) = self.thin {
            let j = s.saturating_sub(self.burn_in) / k.max(1) + 1;
            stop = stop.min(self.burn_in.saturating_add(j.saturating_mul(k)));
        }
        if let Some(k) = self.frame_every {
            stop = stop.min((s / k.max(1) + 1).saturating_mul(k));
        }
        stop
    }
}

/// What a run produced.
#[derive(Clone, Debug, PartialEq)]
pub struct SampleRun {
    /// The kept positions: `records_per_chain × chains` rows of dimension d, record by
    /// record (rows `r·chains .. (r + 1)·chains` are record `r` of every chain).
    pub samples: Samples,
    /// Chains run.
    pub chains: usize,
    /// Records per chain (1 without thinning).
    pub records_per_chain: usize,
    /// The trajectory `(frames, chains, d)`, when frames were asked for.
    pub trajectory: Option<Trajectory>,
    /// Steps, accepted steps and gradient evaluations over all chains.
    pub report: BatchReport,
    /// Wall-clock seconds of the sampling (threads included, files excluded).
    pub seconds: f64,
}

/// Runs one chain per row of `init` (n × d, d the source's dimension) with `sampler` for
/// `schedule.steps` steps on up to `threads` threads (0: one per core). Chain `k` draws
/// from `StreamRng::new(seed, k)`; BAOAB's velocities start from N(0, I) drawn from
/// `(seed, VELOCITY_STREAM0 + k)`. The samples are bit-identical for any `threads`.
///
/// A chain that reaches a NaN or infinite value stops; the other chains finish, and then
/// the run fails with [`SampleError::Diverged`] (how many, and the first). Invalid settings
/// fail before any step.
pub fn sample(
    source: &EnergySource,
    sampler: &SamplerSettings,
    init: &Samples,
    schedule: &Schedule,
    seed: u64,
    threads: usize,
) -> Result<SampleRun, SampleError> {
    let kernel = sampler.kernel::<f64>()?;
    let d = source.dim();
    let bad = |what: String| Err(SampleError::Setting(SettingError::new("init", what)));
    if init.d != d {
        return bad(format!(
            "has {} columns, the energy has dimension {d}",
            init.d
        ));
    }
    if init.n == 0 {
        return bad("has no chain".into());
    }
    if let Some(k) = init.data.iter().position(|v| !v.is_finite()) {
        return bad(format!(
            "is NaN or infinite for chain {} in coordinate {}",
            k / d,
            k % d
        ));
    }
    let run = Runner {
        source,
        init,
        schedule,
        seed,
        threads,
    };
    run.with(&kernel)
}

/// The inputs of one run, shared by the kernels.
struct Runner<'a> {
    source: &'a EnergySource,
    init: &'a Samples,
    schedule: &'a Schedule,
    seed: u64,
    threads: usize,
}

/// What one block of chains produced.
struct Block {
    chains: usize,
    report: BatchReport,
    /// `block chains × records × d`.
    records: Vec<f64>,
    /// `block chains × frames × d`.
    frames: Vec<f64>,
    /// (chain, step, what) of each chain that diverged.
    diverged: Vec<(usize, u64, &'static str)>,
}

impl Runner<'_> {
    fn with<K: Kernel<f64> + Sync>(&self, kernel: &K) -> Result<SampleRun, SampleError> {
        let (init, schedule) = (self.init, self.schedule);
        let (n, d) = (init.n, init.d);
        let records = schedule.records()?;
        let frames = schedule.frames().unwrap_or(0);
        let len = kernel.state_len(d);
        let mut states = vec![0.0; n * len];
        let units = self.source.units();
        for (k, (state, start)) in states.chunks_exact_mut(len).zip(init.rows()).enumerate() {
            match units {
                Some(units) => state[..d].copy_from_slice(&units.to_unit(start)),
                None => state[..d].copy_from_slice(start),
            }
            if len > d {
                let mut rng = StreamRng::new(self.seed, VELOCITY_STREAM0 + k as u64);
                rng.fill_normal(&mut state[d..]);
            }
        }
        let mut rngs: Vec<_> = StreamRng::streams(self.seed, 0, n).collect();
        let start = Instant::now();
        let blocks = for_each_block(
            &mut states,
            len,
            &mut rngs,
            self.threads,
            |first, block, block_rngs| {
                self.source
                    .with_energy(|energy| {
                        run_block(
                            kernel, energy, first, block, block_rngs, schedule, records, frames,
                        )
                    })
                    .map_err(SampleError::from)
                    .and_then(|r| r)
            },
        );
        let seconds = start.elapsed().as_secs_f64();

        let mut report = BatchReport::default();
        let mut diverged = Vec::new();
        let mut kept = vec![0.0; records * n * d];
        let mut trajectory = vec![0.0; frames * n * d];
        let mut chain = 0;
        for block in blocks {
            let block = block?;
            report.merge(block.report);
            diverged.extend(block.diverged);
            let block_chains = block.chains;
            for c in 0..block_chains {
                for r in 0..records {
                    let src = (c * records + r) * d;
                    let dst = (r * n + chain + c) * d;
                    kept[dst..dst + d].copy_from_slice(&block.records[src..src + d]);
                }
                for t in 0..frames {
                    let src = (c * frames + t) * d;
                    let dst = (t * n + chain + c) * d;
                    trajectory[dst..dst + d].copy_from_slice(&block.frames[src..src + d]);
                }
            }
            chain += block_chains;
        }
        if let Some(&(chain, step, what)) = diverged.first() {
            return Err(SampleError::Diverged {
                diverged: diverged.len(),
                chains: n,
                chain,
                step,
                what: format!("non-finite value in {what}"),
            });
        }
        if let Some(units) = units {
            kept = units.to_data(&kept);
            trajectory = units.to_data(&trajectory);
        }
        let trajectory = schedule.frame_every.map(|_| Trajectory {
            frames,
            n,
            d,
            data: trajectory,
        });
        Ok(SampleRun {
            samples: Samples {
                n: records * n,
                d,
                data: kept,
            },
            chains: n,
            records_per_chain: records,
            trajectory,
            report,
            seconds,
        })
    }
}

/// Runs the chains of one block one after the other (each with its own stream, so the
/// order does not matter), keeping records and frames in block-local buffers.
#[allow(clippy::too_many_arguments)]
fn run_block<K: Kernel<f64>>(
    kernel: &K,
    energy: &dyn Energy<f64>,
    first: usize,
    states: &mut [f64],
    rngs: &mut [StreamRng],
    schedule: &Schedule,
    records: usize,
    frames: usize,
) -> Result<Block, SampleError> {
    let d = energy.dim();
    let len = kernel.state_len(d);
    let mut scratch = vec![0.0; kernel.scratch_len(d)];
    let mut block = Block {
        chains: rngs.len(),
        report: BatchReport::default(),
        records: vec![0.0; rngs.len() * records * d],
        frames: vec![0.0; rngs.len() * frames * d],
        diverged: Vec::new(),
    };
    let every = schedule.frame_every.unwrap_or(u64::MAX).max(1);
    for (c, (state, rng)) in states
        .chunks_exact_mut(len)
        .zip(rngs.iter_mut())
        .enumerate()
    {
        let frame = |t: usize| (c * frames + t) * d;
        if frames > 0 {
            block.frames[frame(0)..frame(0) + d].copy_from_slice(&state[..d]);
        }
        if schedule.steps == 0 {
            block.records[c * records * d..(c * records + 1) * d].copy_from_slice(&state[..d]);
        }
        let mut s = 0;
        while s < schedule.steps {
            // One uninterrupted run up to the next kept state (MALA and BAOAB evaluate the
            // gradient at its start once, then once per step).
            let stop = schedule.next_stop(s);
            let done_before = block.report.steps;
            match kernel.run(
                energy,
                state,
                rng,
                stop - s,
                &mut scratch,
                &mut block.report,
            ) {
                Ok(()) => s = stop,
                Err(Error::NonFinite { what }) => {
                    let failed = s + (block.report.steps - done_before) + 1;
                    block.diverged.push((first + c, failed, what));
                    break;
                }
                Err(e) => return Err(e.into()),
            }
            if frames > 0 && s.is_multiple_of(every) {
                let at = frame((s / every) as usize);
                block.frames[at..at + d].copy_from_slice(&state[..d]);
            }
            if let Some(r) = schedule.record_at(s) {
                let at = (c * records + r) * d;
                block.records[at..at + d].copy_from_slice(&state[..d]);
            }
        }
    }
    Ok(block)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedules() -> [Schedule; 4] {
        let s = |steps, burn_in, thin, frame_every| Schedule {
            steps,
            burn_in,
            thin,
            frame_every,
        };
        [
            s(20, 0, None, None),
            s(23, 5, Some(3), Some(4)),
            s(7, 0, Some(1), None),
            s(30, 12, Some(6), Some(9)),
        ]
    }

    /// The runs between stops end exactly at the kept states (and at the last step).
    #[test]
    fn runs_stop_exactly_at_the_kept_states() {
        for schedule in schedules() {
            let mut stops = Vec::new();
            let mut s = 0;
            while s < schedule.steps {
                s = schedule.next_stop(s);
                stops.push(s);
            }
            let kept: Vec<u64> = (1..=schedule.steps)
                .filter(|&s| {
                    s == schedule.steps
                        || schedule.record_at(s).is_some()
                        || schedule.frame_every.is_some_and(|k| s.is_multiple_of(k))
                })
                .collect();
            assert_eq!(stops, kept, "{schedule:?}");
        }
    }

    /// Records and frames are the states of one core step at a time; MALA's gradient
    /// count is one per step and one per uninterrupted run.
    #[test]
    fn records_and_frames_are_the_step_by_step_states() {
        let source = EnergySource::potential(Potential::Mixture).unwrap();
        let EnergySource::Potential(_, energy) = &source else {
            unreachable!()
        };
        let spec = DEFAULT_SAMPLER;
        let mala = spec.kernel::<f64>().unwrap();
        let (n, seed) = (3, 9);
        let init = normal_init(n, 2, 1.0, seed);
        for schedule in schedules() {
            let run = sample(&source, &spec, &init, &schedule, seed, 1).unwrap();
            for k in 0..n {
                let mut x = init.row(k).to_vec();
                let mut rng = StreamRng::new(seed, k as u64);
                let mut scratch = [0.0; 6];
                for s in 1..=schedule.steps {
                    mala.step(energy.as_ref(), &mut x, &mut rng, &mut scratch)
                        .unwrap();
                    if let Some(r) = schedule.record_at(s) {
                        assert_eq!(run.samples.row(r * n + k), &x[..], "record {r}");
                    }
                    if let (Some(t), Some(every)) = (&run.trajectory, schedule.frame_every)
                        && s.is_multiple_of(every)
                    {
                        let frame = t.frame((s / every) as usize);
                        assert_eq!(&frame[2 * k..2 * k + 2], &x[..], "frame at step {s}");
                    }
                }
            }
            let mut runs = 0;
            let mut s = 0;
            while s < schedule.steps {
                s = schedule.next_stop(s);
                runs += 1;
            }
            let n = n as u64;
            assert_eq!(run.report.steps, n * schedule.steps);
            assert_eq!(run.report.grad_evals, n * (schedule.steps + runs));
        }
    }

    /// A chain that diverges within a run is reported at the step where it failed.
    #[test]
    fn divergence_is_reported_at_its_step() {
        let source = EnergySource::potential(Potential::Gaussian).unwrap();
        let EnergySource::Potential(_, energy) = &source else {
            unreachable!()
        };
        let spec = SamplerSettings {
            step: 3.0,
            ..SamplerSettings::of(SamplerKind::Ula)
        };
        let ula = spec.kernel::<f64>().unwrap();
        let init = normal_init(1, 2, 1.0, 2);
        let mut x = init.row(0).to_vec();
        let (mut rng, mut scratch) = (StreamRng::new(2, 0), [0.0; 4]);
        let failed = (1..)
            .find(|_| {
                ula.step(energy.as_ref(), &mut x, &mut rng, &mut scratch)
                    .is_err()
            })
            .unwrap();
        // Past the first frame stop (every 7 steps), so that the failure falls inside a
        // later uninterrupted run and its step is counted from that run's start.
        assert!(failed > 7, "{failed}");

        let schedule = Schedule {
            steps: 10 * failed,
            frame_every: Some(7),
            ..Schedule::default()
        };
        match sample(&source, &spec, &init, &schedule, 2, 1) {
            Err(SampleError::Diverged { chain, step, .. }) => {
                assert_eq!((chain, step), (0, failed))
            }
            other => panic!("{other:?}"),
        }
    }
}
