//! Built-in sampling targets with known answers: what `gradflow sample` runs.
//!
//! Each target states its exact law; the demo runs independent chains, takes each chain's
//! final state (so the samples are i.i.d. once the chains have mixed) and compares summary
//! statistics with their exact values in units of their standard errors.

use std::fmt;
use std::time::Instant;

use gradflow_core::{
    BatchReport, Energy, Error, Gaussian, GaussianMixture, Kernel, SamplerKind, SamplerSettings,
    StreamRng,
};

use crate::parallel::run_chains;
use crate::sampling::{
    DEFAULT_SAMPLER, GAUSSIAN_MEAN, GAUSSIAN_PRECISION, MIXTURE_MEANS, MIXTURE_WEIGHTS, mixture,
};
use crate::stats::Estimate;

/// A built-in target.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Target {
    /// 2D Gaussian, mean (1, −1), precision [[2, 0.8], [0.8, 1]].
    Gaussian,
    /// 2D mixture of three isotropic Gaussians (σ = 0.8) with weights 0.2, 0.3, 0.5 at
    /// (−1.5, 0), (1.5, 0), (0, 2).
    #[default]
    Mixture,
}

crate::names::named!(Target { Gaussian => "gaussian", Mixture => "mixture" });
/// Whether the stationary law of `kind` is the target itself (on this demo's targets):
/// MALA always; jko2 and BAOAB on the Gaussian; ULA and jko are biased by O(τ).
pub fn is_exact_on(kind: SamplerKind, target: Target) -> bool {
    match kind {
        SamplerKind::Mala => true,
        SamplerKind::Jko2 | SamplerKind::Baoab => target == Target::Gaussian,
        SamplerKind::Ula | SamplerKind::Jko => false,
    }
}

/// Everything `gradflow sample` can set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DemoSettings {
    /// Which target.
    pub target: Target,
    /// The sampler (the demo uses unit friction and mass for BAOAB).
    pub sampler: SamplerSettings,
    /// Independent chains.
    pub chains: usize,
    /// Steps per chain.
    pub steps: u64,
    /// Seed of all streams.
    pub seed: u64,
    /// Threads (0: one per core).
    pub threads: usize,
}

impl Default for DemoSettings {
    fn default() -> Self {
        Self {
            target: Target::Mixture,
            sampler: DEFAULT_SAMPLER,
            chains: 8192,
            steps: 1000,
            seed: 0,
            threads: 0,
        }
    }
}

/// One statistic: its estimate over chains and its exact value under the target.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    /// What is measured.
    pub name: String,
    /// Mean over chains with its standard error.
    pub found: Estimate,
    /// The exact value under the target law.
    pub exact: f64,
}

/// What a demo run found.
#[derive(Clone, Debug, PartialEq)]
pub struct DemoReport {
    /// The settings it ran with.
    pub settings: DemoSettings,
    /// Step, acceptance and gradient counts.
    pub batch: BatchReport,
    /// Wall-clock seconds of the sampling.
    pub seconds: f64,
    /// The statistics against their known answers.
    pub checks: Vec<Check>,
}

impl DemoReport {
    /// The largest |z|-score over the checks.
    pub fn worst_z(&self) -> f64 {
        self.checks
            .iter()
            .map(|c| c.found.z_score(c.exact).abs())
            .fold(0.0, f64::max)
    }
}

/// A per-chain statistic of the final position and its exact expectation.
type Statistic = (String, Box<dyn Fn(&[f64]) -> f64>, f64);

fn gaussian_statistics() -> Vec<Statistic> {
    let [[a, b], [_, d]] = GAUSSIAN_PRECISION;
    let det = a * d - b * b;
    let cov = [[d / det, -b / det], [-b / det, a / det]];
    let [m0, m1] = GAUSSIAN_MEAN;
    vec![
        ("mean x".into(), Box::new(|x: &[f64]| x[0]), m0),
        ("mean y".into(), Box::new(|x: &[f64]| x[1]), m1),
        (
            "var x".into(),
            Box::new(move |x: &[f64]| (x[0] - m0).powi(2)),
            cov[0][0],
        ),
        (
            "var y".into(),
            Box::new(move |x: &[f64]| (x[1] - m1).powi(2)),
            cov[1][1],
        ),
        (
            "cov xy".into(),
            Box::new(move |x: &[f64]| (x[0] - m0) * (x[1] - m1)),
            cov[0][1],
        ),
    ]
}

/// E_p[r_k(x)] = w_k exactly, so mean responsibilities estimate the weights without
/// assigning samples to modes by hand.
fn mixture_statistics(mix: GaussianMixture<f64, 2, 3>) -> Vec<Statistic> {
    let mut stats: Vec<Statistic> = (0..3)
        .map(|k| {
            let f = move |x: &[f64]| {
                let mut r = [0.0; 3];
                mix.responsibilities(&[x[0], x[1]], &mut r);
                r[k]
            };
            (
                format!("weight {k}"),
                Box::new(f) as Box<dyn Fn(&[f64]) -> f64>,
                MIXTURE_WEIGHTS[k],
            )
        })
        .collect();
    for (i, axis) in ["x", "y"].into_iter().enumerate() {
        let exact = (0..3)
            .map(|k| MIXTURE_WEIGHTS[k] * MIXTURE_MEANS[k][i])
            .sum();
        stats.push((
            format!("mean {axis}"),
            Box::new(move |x: &[f64]| x[i]),
            exact,
        ));
    }
    stats
}

/// Runs the demo: chains start from N(0, 2²I) (velocities at 0 for BAOAB).
pub fn run(settings: DemoSettings) -> Result<DemoReport, Error> {
    if settings.chains < 2 {
        return Err(Error::InvalidParameter {
            what: "the demo needs at least 2 chains for a standard error",
        });
    }
    match settings.target {
        Target::Gaussian => {
            let target = Gaussian::new(GAUSSIAN_MEAN, GAUSSIAN_PRECISION)?;
            run_with_target(settings, &target, gaussian_statistics())
        }
        Target::Mixture => {
            let target = mixture()?;
            run_with_target(settings, &target, mixture_statistics(target))
        }
    }
}

fn run_with_target<E: Energy<f64> + Sync>(
    settings: DemoSettings,
    target: &E,
    statistics: Vec<Statistic>,
) -> Result<DemoReport, Error> {
    let kernel = settings.sampler.kernel::<f64>()?;
    sample(settings, &kernel, target, statistics)
}

fn sample<K: Kernel<f64> + Sync, E: Energy<f64> + Sync>(
    settings: DemoSettings,
    kernel: &K,
    target: &E,
    statistics: Vec<Statistic>,
) -> Result<DemoReport, Error> {
    let d = target.dim();
    let len = kernel.state_len(d);
    let mut init = StreamRng::new(settings.seed, u64::MAX);
    let mut states = vec![0.0; settings.chains * len];
    for chain in states.chunks_mut(len) {
        for x in &mut chain[..d] {
            *x = 2.0 * init.normal::<f64>();
        }
    }
    let mut rngs: Vec<_> = StreamRng::streams(settings.seed, 0, settings.chains).collect();
    let start = Instant::now();
    let batch = run_chains(
        kernel,
        target,
        &mut states,
        &mut rngs,
        settings.steps,
        settings.threads,
    )?;
    let seconds = start.elapsed().as_secs_f64();
    let checks = statistics
        .into_iter()
        .map(|(name, f, exact)| Check {
            name,
            found: Estimate::of(states.chunks(len).map(|s| f(&s[..d]))),
            exact,
        })
        .collect();
    Ok(DemoReport {
        settings,
        batch,
        seconds,
        checks,
    })
}

impl fmt::Display for DemoReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.settings;
        writeln!(
            f,
            "target {:?}, sampler {:?} (step {}), {} chains x {} steps, seed {}",
            s.target, s.sampler.kind, s.sampler.step, s.chains, s.steps, s.seed
        )?;
        writeln!(
            f,
            "acceptance {:.3}, {} gradient evaluations in {:.2} s ({:.1} M/s)",
            self.batch.acceptance_rate(),
            self.batch.grad_evals,
            self.seconds,
            self.batch.grad_evals as f64 / self.seconds / 1e6
        )?;
        writeln!(
            f,
            "{:<10} {:>10} {:>9} {:>10} {:>7}",
            "statistic", "found", "s.e.", "exact", "z"
        )?;
        for c in &self.checks {
            writeln!(
                f,
                "{:<10} {:>10.4} {:>9.4} {:>10.4} {:>7.2}",
                c.name,
                c.found.mean,
                c.found.std_error,
                c.exact,
                c.found.z_score(c.exact)
            )?;
        }
        let z = self.worst_z();
        if is_exact_on(s.sampler.kind, s.target) {
            let verdict = if z < 5.0 {
                "agrees with"
            } else {
                "DISAGREES with"
            };
            write!(
                f,
                "largest |z| = {z:.2}: the sample {verdict} the known answer (|z| < 5)"
            )
        } else {
            write!(
                f,
                "largest |z| = {z:.2}: {:?} is biased by O(step) on this target, so some deviation is expected",
                s.sampler.kind
            )
        }
    }
}

impl Target {
    /// The target's energy E(x) = −log p(x) up to a constant, on ℝ² (for plots).
    pub fn energy(self) -> Result<Box<dyn Energy<f64> + Send + Sync>, Error> {
        Ok(match self {
            Target::Gaussian => Box::new(Gaussian::new(GAUSSIAN_MEAN, GAUSSIAN_PRECISION)?),
            Target::Mixture => Box::new(mixture()?),
        })
    }
}
