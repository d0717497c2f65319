//! The data sets of the EBM experiments, their train/test draws, and the evaluation of a
//! trained energy: long-run samples, W2 and MMD to held-out data, and for the 2D sets the
//! KL to the closed-form density on a grid.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use gradflow_core::{SamplerSettings, Scalar, StreamRng};

use super::{
    BatchEnergy, EbmError, EbmSet2d, EbmTrainer, EnergyModel, GridKl, InitBox, grid_kl,
    move_particles,
};
use crate::data::{DataSet, Standardization, Standardize, digits_data_set};
use crate::metrics::{SampleMetrics, sample_metrics};
use crate::modelio::ModelBytes;

/// Training points drawn from a 2D set.
pub const TRAIN_POINTS_2D: usize = 10_000;
/// Held-out points of a 2D set (and long-run model samples compared with them).
pub const TEST_POINTS_2D: usize = 1024;
/// Cells per axis of the KL grid.
pub const KL_CELLS: usize = 200;
/// RBF bandwidth of the MMD on the 2D sets: the scale of their modes (the median
/// heuristic gives about 7 on 8gaussians, the distance between modes, and blurs them).
/// On the digits the bandwidth is the median heuristic on the held-out set.
pub const MMD_BANDWIDTH_2D: f64 = 0.5;
/// Seed offset of the held-out draw of a 2D set (independent of the training draw).
const TEST_SEED_OFFSET: u64 = 0x7e57_0000_0000;
/// First stream of the long-run chains: chain k draws from `(seed, 2⁶¹ + k)`.
pub const LONG_RUN_STREAM0: u64 = 1 << 61;

/// What an EBM is trained on.
#[derive(Clone, Debug, PartialEq)]
pub enum EbmData {
    /// A 2D set with a closed-form density.
    Set2d(EbmSet2d),
    /// scikit-learn's 8×8 digits (64-D, pixels in [0, 1]), 20 % held out.
    Digits,
    /// A user's data set in any dimension, trained and evaluated in the units of a
    /// standardisation fitted on its training rows.
    User(Arc<UserData>),
}

/// A user's data set for an EBM: its rows, and the standardisation the energy is trained
/// in (its model file is written in data units, the map folded into the first layer).
#[derive(Clone, Debug, PartialEq)]
pub struct UserData {
    /// The rows (data units).
    pub data: DataSet,
    /// Data units ↔ the training coordinates.
    pub units: Standardization,
}

impl UserData {
    /// `data` with `standardize` fitted on its training rows.
    pub fn new(data: DataSet, standardize: Standardize) -> Self {
        let units = Standardization::fit(&data.train, standardize);
        Self { data, units }
    }
}

impl EbmData {
    /// Every data set: the 2D ones, then digits.
    pub fn all() -> Vec<EbmData> {
        let mut v: Vec<_> = EbmSet2d::ALL.iter().map(|&s| Self::Set2d(s)).collect();
        v.push(Self::Digits);
        v
    }

    /// Dimension of a point.
    pub fn dim(&self) -> usize {
        match self {
            Self::Set2d(_) => 2,
            Self::Digits => crate::data::DIGITS_DIM,
            Self::User(user) => user.data.dim(),
        }
    }

    /// `(train, test)`, n × d row-major: for a 2D set [`TRAIN_POINTS_2D`] and
    /// [`TEST_POINTS_2D`] independent points (seeds `seed` and `seed + 0x7e57·2³²`); for
    /// digits the seeded 80/20 shuffle split; for a user's data set its rows in the
    /// training coordinates.
    pub fn train_test(&self, seed: u64) -> Result<(Vec<f64>, Vec<f64>), EbmError> {
        match self {
            Self::Set2d(set) => Ok((
                set.sample(TRAIN_POINTS_2D, seed),
                set.sample(TEST_POINTS_2D, seed.wrapping_add(TEST_SEED_OFFSET)),
            )),
            Self::Digits => {
                let data = digits_data_set(seed);
                Ok((data.train.data, data.test.data))
            }
            Self::User(user) => Ok((
                user.units.to_unit(&user.data.train.data),
                user.units.to_unit(&user.data.test.data),
            )),
        }
    }
}

impl EbmData {
    /// The model file of an energy trained on this data, in the data's units: for a user's
    /// standardised data set the standardisation folded into its first layer and recorded
    /// as the file's units, otherwise `bytes` as they are.
    pub fn model_file(&self, bytes: ModelBytes) -> Result<ModelBytes, EbmError> {
        match self {
            Self::User(user) if !user.units.is_identity() => {
                user.units.fold_into_model(&bytes).map_err(EbmError::Model)
            }
            Self::User(_) | Self::Set2d(_) | Self::Digits => Ok(bytes),
        }
    }

    /// Rows (n × d) in the coordinates the energy is trained in, in the data's units (a
    /// user's data set: the standardisation undone; otherwise as they are).
    pub fn to_data_units(&self, rows: &[f64]) -> Vec<f64> {
        match self {
            Self::User(user) => user.units.to_data(rows),
            Self::Set2d(_) | Self::Digits => rows.to_vec(),
        }
    }

    /// Where the evaluation chains of a trained model start: the uniform box `init`
    /// around the data for a 2D set (the test of a well-trained energy), the trainer's
    /// replay buffer `buffer` for the digits and a user's data (in many dimensions chains
    /// from uniform noise do not find the data in any affordable number of steps, and the
    /// energy far from the buffer is not trained).
    pub fn chain_start<'a>(&self, init: &'a InitBox, buffer: &'a [f64]) -> LongRunStart<'a> {
        match self {
            Self::Set2d(_) => LongRunStart::Uniform(init),
            Self::Digits | Self::User(_) => LongRunStart::Points(buffer),
        }
    }
}

/// Evaluates a trainer's model as `gradflow train ebm` does: [`evaluate`] with `steps`-step
/// chains of the trainer's own scheme from [`EbmData::chain_start`] (the buffer's
/// initialisation box, or its particles), against `test`.
pub fn evaluate_trained<S: Scalar, M: EnergyModel<S>>(
    trainer: &EbmTrainer<S, M>,
    data: &EbmData,
    test: &[f64],
    steps: usize,
) -> Result<EbmEvaluation, EbmError> {
    let s = trainer.ebm_settings();
    let buffer: Vec<f64> = trainer
        .buffer()
        .positions()
        .iter()
        .map(|v| v.to_f64())
        .collect();
    let start = data.chain_start(trainer.buffer().init_box(), &buffer);
    evaluate(
        trainer.model(),
        data,
        test,
        &s.particles,
        start,
        steps,
        s.seed,
    )
}

impl fmt::Display for EbmData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Set2d(s) => write!(f, "{s}"),
            Self::Digits => f.write_str("digits"),
            Self::User(user) => f.write_str(&user.data.name),
        }
    }
}

impl FromStr for EbmData {
    type Err = String;

    /// `digits` or a 2D set's name.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "digits" {
            return Ok(Self::Digits);
        }
        s.parse::<EbmSet2d>()
            .map(Self::Set2d)
            .map_err(|e| format!("{e}, or digits"))
    }
}

/// Where the long-run chains start.
#[derive(Clone, Copy, Debug)]
pub enum LongRunStart<'a> {
    /// Uniformly in the box (chain k draws its start from its own stream).
    Uniform(&'a InitBox),
    /// At these points (n × d; chain k at row k mod n).
    Points(&'a [f64]),
}

/// Long-run samples of a trained energy: `n` chains (chain k on stream `(seed, 2⁶¹ + k)`)
/// started at `start` and moved `steps` steps of `step`.
pub fn long_run<S: Scalar, M: BatchEnergy<S> + ?Sized>(
    model: &M,
    step: &SamplerSettings,
    start: LongRunStart<'_>,
    n: usize,
    steps: usize,
    seed: u64,
) -> Result<Vec<f64>, EbmError> {
    let d = model.dim();
    let mut rngs: Vec<StreamRng> = StreamRng::streams(seed, LONG_RUN_STREAM0, n).collect();
    let mut x = vec![S::ZERO; n * d];
    match start {
        LongRunStart::Uniform(init) => {
            for (xi, rng) in x.chunks_exact_mut(d).zip(&mut rngs) {
                init.draw(rng, xi);
            }
        }
        LongRunStart::Points(points) => {
            if points.is_empty() || !points.len().is_multiple_of(d) {
                return Err(EbmError::Data(format!(
                    "{} start values do not make rows of dimension {d}",
                    points.len()
                )));
            }
            for (xi, p) in x.chunks_exact_mut(d).zip(points.chunks_exact(d).cycle()) {
                for (o, &v) in xi.iter_mut().zip(p) {
                    *o = S::from_f64(v);
                }
            }
        }
    }
    move_particles(model, step, &mut x, &mut rngs, steps)?;
    Ok(x.iter().map(|v| v.to_f64()).collect())
}

/// How close a trained energy is to the data.
#[derive(Clone, Debug, PartialEq)]
pub struct EbmEvaluation {
    /// KL(data ‖ model) on the grid (2D sets only).
    pub kl: Option<GridKl>,
    /// W2 and MMD² between the long-run samples and the held-out data.
    pub metrics: SampleMetrics,
    /// The long-run samples (as many as held-out points), n × d.
    pub samples: Vec<f64>,
    /// Steps of each long-run chain.
    pub long_run_steps: usize,
}

/// Evaluates `model`: long-run samples of its own scheme (`steps` steps from `start`, as
/// many chains as `test` has points) against `test` (MMD bandwidth
/// [`MMD_BANDWIDTH_2D`] in 2D), and for a 2D set the grid KL
/// ([`KL_CELLS`] cells per axis).
pub fn evaluate<S: Scalar, M: BatchEnergy<S> + ?Sized>(
    model: &M,
    data: &EbmData,
    test: &[f64],
    step: &SamplerSettings,
    start: LongRunStart<'_>,
    steps: usize,
    seed: u64,
) -> Result<EbmEvaluation, EbmError> {
    let d = model.dim();
    let samples = long_run(model, step, start, test.len() / d, steps, seed)?;
    let bandwidth = match data {
        EbmData::Set2d(_) => Some(MMD_BANDWIDTH_2D),
        EbmData::Digits | EbmData::User(_) => None,
    };
    let metrics = sample_metrics(&samples, test, d, bandwidth).map_err(EbmError::Metrics)?;
    let kl = match data {
        EbmData::Set2d(set) => {
            let energy = |x: &[f64], e: &mut [f64]| -> Result<(), EbmError> {
                let xs: Vec<S> = x.iter().map(|&v| S::from_f64(v)).collect();
                let mut es = vec![S::ZERO; e.len()];
                model.energies(&xs, &mut es)?;
                for (o, v) in e.iter_mut().zip(es) {
                    *o = v.to_f64();
                }
                Ok(())
            };
            Some(grid_kl(*set, energy, KL_CELLS).map_err(|e| EbmError::GridKl(Box::new(e)))?)
        }
        EbmData::Digits | EbmData::User(_) => None,
    };
    Ok(EbmEvaluation {
        kl,
        metrics,
        samples,
        long_run_steps: steps,
    })
}
