//! The transport problem of a flow: a source law µ₀, a target data set µ* (a built-in 2D
//! set or a user's [`DataSet`] in any dimension), and the seeded draws of every batch.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use gradflow_core::{StreamRng, stream_state};

use crate::data::shuffle::{index_below, permutation};
use crate::data::{DataSet, Dataset2d, Samples, Standardization, Standardize};

/// The source law µ₀ of a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The standard normal N(0, I_d), in the target's dimension d.
    Normal,
    /// The [`Dataset2d::EightGaussians`] law (2D, for the `8gaussians-moons` pair).
    EightGaussians,
}

impl Source {
    /// `normal` or `8gaussians`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::EightGaussians => "8gaussians",
        }
    }

    /// `n` points (n × d, row-major) of the law in dimension `d`, a pure function of
    /// `(n, d, seed)`: for `normal`, row `i` holds d normals of the stream `(seed, i)`.
    /// `8gaussians` is 2D and ignores `d`.
    pub fn sample(self, n: usize, d: usize, seed: u64) -> Vec<f64> {
        match self {
            Self::Normal => {
                let mut out = vec![0.0; d * n];
                for (i, row) in out.chunks_exact_mut(d.max(1)).enumerate() {
                    StreamRng::new(seed, i as u64).fill_normal(row);
                }
                out
            }
            Self::EightGaussians => Dataset2d::EightGaussians.sample(n, seed),
        }
    }

    /// The law named `name` (`normal` or `8gaussians`).
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Normal, Self::EightGaussians]
            .into_iter()
            .find(|s| s.name() == name)
    }
}

/// The target law µ* of a flow.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// A built-in 2D data set: every batch is a fresh draw.
    Builtin(Dataset2d),
    /// A user's data set: batches are drawn with replacement from its training rows, in
    /// unit-scale coordinates, and evaluations use its held-out rows in data units.
    Data(Arc<DataTarget>),
}

/// A user's data set as a flow's target, with the standardisation fitted on its training
/// rows: the networks are trained in unit-scale coordinates `u = units.to_unit(x)`, from
/// N(0, I_d) there, and written to model files in data units.
#[derive(Clone, Debug, PartialEq)]
pub struct DataTarget {
    /// The data set (data units).
    pub data: DataSet,
    /// How the standardisation was chosen.
    pub standardize: Standardize,
    /// Data units ↔ unit-scale coordinates.
    pub units: Standardization,
    /// The training rows in unit-scale coordinates.
    train_unit: Samples,
}

/// A transport problem: from `source` to the data set `target`.
///
/// The built-in problems are N(0, I₂) → each 2D data set, and `8gaussians-moons`
/// (8gaussians → moons, the NSGF paper's pair); [`Problem::from_data`] makes N(0, I_d) →
/// a user's data set.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// The source law µ₀.
    pub source: Source,
    /// The target law µ*.
    pub target: Target,
}

/// The data sets a flow can be trained on, by name.
pub const PROBLEM_NAMES: [&str; 5] = [
    "8gaussians",
    "moons",
    "scurve",
    "checkerboard",
    "8gaussians-moons",
];

impl Problem {
    /// N(0, I₂) → `target`.
    pub const fn from_normal(target: Dataset2d) -> Self {
        Self {
            source: Source::Normal,
            target: Target::Builtin(target),
        }
    }

    /// 8gaussians → moons.
    pub const EIGHT_GAUSSIANS_TO_MOONS: Self = Self {
        source: Source::EightGaussians,
        target: Target::Builtin(Dataset2d::Moons),
    };

    /// N(0, I_d) → a user's data set of dimension d, the networks trained in the
    /// coordinates of `standardize` fitted on its training rows (the source is N(0, I_d) in
    /// those coordinates).
    pub fn from_data(data: DataSet, standardize: Standardize) -> Self {
        let units = Standardization::fit(&data.train, standardize);
        let train_unit = Samples {
            data: units.to_unit(&data.train.data),
            ..data.train.clone()
        };
        Self {
            source: Source::Normal,
            target: Target::Data(Arc::new(DataTarget {
                data,
                standardize,
                units,
                train_unit,
            })),
        }
    }

    /// The user's data target, if the target is one.
    pub fn data_target(&self) -> Option<&DataTarget> {
        match &self.target {
            Target::Builtin(_) => None,
            Target::Data(target) => Some(target),
        }
    }

    /// The standardisation the networks are trained in, if not data units.
    pub fn units(&self) -> Option<&Standardization> {
        self.data_target()
            .map(|t| &t.units)
            .filter(|u| !u.is_identity())
    }

    /// Points of the training coordinates (n × d) in data units.
    pub fn to_data_units(&self, points: Vec<f64>) -> Vec<f64> {
        match self.units() {
            Some(units) => units.to_data(&points),
            None => points,
        }
    }

    /// The dimension d of the points.
    pub fn dim(&self) -> usize {
        match &self.target {
            Target::Builtin(_) => 2,
            Target::Data(target) => target.data.dim(),
        }
    }

    /// The user's data set, if the target is one.
    pub fn data(&self) -> Option<&DataSet> {
        self.data_target().map(|t| &t.data)
    }

    /// The built-in data set, if the target is one.
    pub fn builtin(&self) -> Option<Dataset2d> {
        match &self.target {
            Target::Builtin(set) => Some(*set),
            Target::Data(_) => None,
        }
    }

    /// The problem's name: the target's (`moons`, or the user data set's), or
    /// `8gaussians-moons` for the pair.
    pub fn name(&self) -> String {
        let target = match &self.target {
            Target::Builtin(set) => set.name().to_owned(),
            Target::Data(target) => target.data.name.clone(),
        };
        match self.source {
            Source::Normal => target,
            Source::EightGaussians => format!("8gaussians-{target}"),
        }
    }

    /// `n` source points (n × d, in the training coordinates) for the seed `seed`.
    pub fn source_batch(&self, n: usize, seed: u64) -> Vec<f64> {
        self.source.sample(n, self.dim(), seed)
    }

    /// `n` target points (n × d, in the training coordinates) for the seed `seed`: fresh
    /// draws of a built-in set, or training rows drawn uniformly with replacement (stream
    /// `(seed, 0)`).
    pub fn target_batch(&self, n: usize, seed: u64) -> Vec<f64> {
        match &self.target {
            Target::Builtin(set) => set.sample(n, seed),
            Target::Data(target) => {
                let train = &target.train_unit;
                let mut rng = StreamRng::new(seed, 0);
                (0..n)
                    .flat_map(|_| train.row(index_below(&mut rng, train.n)).iter().copied())
                    .collect()
            }
        }
    }

    /// Test points for an evaluation, in data units: `n` fresh draws of a built-in set, or
    /// `min(n, rows)` of the held-out rows ([`rows_without_replacement`]).
    pub fn test_batch(&self, n: usize, seed: u64) -> Vec<f64> {
        match &self.target {
            Target::Builtin(set) => set.sample(n, seed),
            Target::Data(target) => rows_without_replacement(&target.data.test, n, seed),
        }
    }

    /// For a user's data set, `n` of its training rows in data units
    /// ([`rows_without_replacement`]): the sample a model that reproduced the training
    /// rows' law exactly would be compared with. `None` for a built-in set, or when the
    /// training rows are fewer than `n`.
    pub fn training_rows(&self, n: usize, seed: u64) -> Option<Vec<f64>> {
        match &self.target {
            Target::Data(target) if target.data.train.n >= n => {
                Some(rows_without_replacement(&target.data.train, n, seed))
            }
            _ => None,
        }
    }

    /// Points of an evaluation draw of size `n` (the generated and the test points): `n`,
    /// or fewer when the held-out rows are fewer.
    pub fn eval_points(&self, n: usize) -> usize {
        match &self.target {
            Target::Builtin(_) => n,
            Target::Data(target) => n.min(target.data.test.n),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// The name given to [`Problem::from_str`] is not a built-in problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownProblem(pub String);

impl fmt::Display for UnknownProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown data set {:?}; expected one of {}",
            self.0,
            PROBLEM_NAMES.join(", ")
        )
    }
}

impl std::error::Error for UnknownProblem {}

impl FromStr for Problem {
    type Err = UnknownProblem;

    /// A data set name of [`PROBLEM_NAMES`] (N(0, I₂) source) or `8gaussians-moons`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "8gaussians-moons" {
            return Ok(Self::EIGHT_GAUSSIANS_TO_MOONS);
        }
        match s.parse::<Dataset2d>() {
            Ok(set) if PROBLEM_NAMES.contains(&s) => Ok(Self::from_normal(set)),
            _ => Err(UnknownProblem(s.to_owned())),
        }
    }
}

/// `min(n, rows)` rows of `s`: all of them, in order, when there are at most `n`,
/// otherwise a seeded subsample without replacement (the first `n` of the permutation of
/// stream `(seed, 0)`).
fn rows_without_replacement(s: &Samples, n: usize, seed: u64) -> Vec<f64> {
    if s.n <= n {
        return s.data.clone();
    }
    let mut order = permutation(s.n, seed, 0);
    order.truncate(n);
    order
        .iter()
        .flat_map(|&i| s.row(i).iter().copied())
        .collect()
}

/// What a derived seed is for: every random draw of a run comes from
/// `derive_seed(seed, role, counter)`, a pure function of the run's seed, so a step's
/// draws do not depend on the steps before it (and a resumed run needs no stream state).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Role {
    /// Source points of a training batch.
    Source = 1,
    /// Target points of a training batch.
    Target = 2,
    /// Times of a straight-path batch.
    PathTime = 3,
    /// Indices of a minibatch drawn from the NSGF trajectory pool.
    PoolIndex = 4,
    /// Source points of an NSGF trajectory.
    PoolSource = 5,
    /// Target points of an NSGF trajectory.
    PoolTarget = 6,
    /// Initial weights of a network (counter: which network).
    Init = 7,
    /// Source points of an evaluation.
    EvalSource = 8,
    /// Test points of an evaluation.
    EvalTarget = 9,
    /// Training rows of a data set's two-sample floor.
    FloorRows = 10,
}

/// The seed of draw `counter` (a step, a refill, a network) of `role` in the run `seed`:
/// the first word of the core's stream state of `(seed, role·2⁴⁸ + counter)`, a SplitMix64
/// mix, so that distinct `(role, counter)` give unrelated seeds.
pub fn derive_seed(seed: u64, role: Role, counter: u64) -> u64 {
    stream_state(seed, ((role as u64) << 48) | (counter & ((1 << 48) - 1)))[0]
}

/// A random stream for draw `counter` of `role` in the run `seed`.
pub fn derive_rng(seed: u64, role: Role, counter: u64) -> StreamRng {
    StreamRng::new(derive_seed(seed, role, counter), 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_parse_and_name_themselves() {
        for name in PROBLEM_NAMES {
            let p: Problem = name.parse().unwrap();
            assert_eq!(p.name(), name);
        }
        assert_eq!(
            "8gaussians-moons".parse::<Problem>().unwrap().source,
            Source::EightGaussians
        );
        let err = "rings".parse::<Problem>().unwrap_err().to_string();
        assert!(err.contains("8gaussians-moons"), "{err}");
    }

    #[test]
    fn normal_source_has_unit_moments() {
        let x = Source::Normal.sample(20_000, 2, 3);
        let n = x.len() as f64 / 2.0;
        for k in 0..2 {
            let m = x.iter().skip(k).step_by(2).sum::<f64>() / n;
            let v = x
                .iter()
                .skip(k)
                .step_by(2)
                .map(|v| (v - m).powi(2))
                .sum::<f64>()
                / n;
            // 5 standard errors: 5/√20000 ≈ 0.035 for the mean, 5·√(2/20000) = 0.05 for
            // the variance.
            assert!(m.abs() < 0.035 && (v - 1.0).abs() < 0.05, "{m} {v}");
        }
    }

    /// A user data set's batches are rows of its training set (with replacement, seeded);
    /// its test batches are its held-out rows, all of them or a subsample without repeats.
    #[test]
    fn data_targets_draw_training_rows_and_test_on_held_out_rows() {
        let rows = |n: usize, offset: f64| {
            let data = (0..n * 3).map(|v| offset + v as f64).collect();
            crate::data::Samples::new(n, 3, data).unwrap()
        };
        let data = DataSet::with_test("mine", rows(40, 0.0), rows(10, 1000.0)).unwrap();
        let p = Problem::from_data(data.clone(), Standardize::None);
        assert_eq!(
            (p.dim(), p.name(), p.builtin()),
            (3, "mine".to_owned(), None)
        );
        assert_eq!(p.source_batch(5, 1).len(), 15);
        let batch = p.target_batch(200, 4);
        assert_eq!(batch, p.target_batch(200, 4));
        let train_rows: Vec<&[f64]> = data.train.rows().collect();
        assert!(batch.chunks_exact(3).all(|r| train_rows.contains(&r)));
        let distinct: std::collections::HashSet<u64> =
            batch.chunks_exact(3).map(|r| r[0].to_bits()).collect();
        // 200 draws from 40 rows miss a given row with probability (39/40)^200 < 1 %:
        // about 39.7 distinct rows are expected, and fewer than 30 would mean a biased draw.
        assert!(distinct.len() > 30, "{}", distinct.len());
        assert_eq!(p.test_batch(64, 2), data.test.data);
        assert_eq!(p.eval_points(64), 10);
        let sub = p.test_batch(4, 2);
        let mut firsts: Vec<u64> = sub.chunks_exact(3).map(|r| r[0].to_bits()).collect();
        firsts.sort_unstable();
        firsts.dedup();
        assert_eq!(firsts.len(), 4);
        assert!(sub.iter().all(|&v| v >= 1000.0));
    }

    #[test]
    fn derived_seeds_differ_by_role_and_counter() {
        let a = derive_seed(1, Role::Source, 0);
        assert_ne!(a, derive_seed(1, Role::Target, 0));
        assert_ne!(a, derive_seed(1, Role::Source, 1));
        assert_ne!(a, derive_seed(2, Role::Source, 0));
        assert_eq!(a, derive_seed(1, Role::Source, 0));
    }
}
