//! The transport problem of a flow: a source law µ₀, a target data set µ*, and the seeded
//! draws of every batch.

use std::fmt;
use std::str::FromStr;

use gradflow_core::{StreamRng, stream_state};

use crate::data::Dataset2d;

/// The source law µ₀ of a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The standard normal N(0, I₂).
    Normal,
    /// The [`Dataset2d::EightGaussians`] law (for the `8gaussians-moons` pair).
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

    /// `n` points (n × 2, row-major) of the law, a pure function of `(n, seed)`: for
    /// `normal`, row `i` holds two normals of the stream `(seed, i)`.
    pub fn sample(self, n: usize, seed: u64) -> Vec<f64> {
        match self {
            Self::Normal => {
                let mut out = vec![0.0; 2 * n];
                for (i, row) in out.chunks_exact_mut(2).enumerate() {
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

/// A 2D transport problem: from `source` to the data set `target`.
///
/// The built-in problems are N(0, I₂) → each data set, and `8gaussians-moons`
/// (8gaussians → moons, the NSGF paper's pair).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The source law µ₀.
    pub source: Source,
    /// The target law µ*.
    pub target: Dataset2d,
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
            target,
        }
    }

    /// 8gaussians → moons.
    pub const EIGHT_GAUSSIANS_TO_MOONS: Self = Self {
        source: Source::EightGaussians,
        target: Dataset2d::Moons,
    };

    /// The problem's name: the target's (`moons`), or `8gaussians-moons` for the pair.
    pub fn name(&self) -> String {
        match self.source {
            Source::Normal => self.target.name().to_owned(),
            Source::EightGaussians => format!("8gaussians-{}", self.target.name()),
        }
    }

    /// `n` source points for the seed `seed`.
    pub fn source_batch(&self, n: usize, seed: u64) -> Vec<f64> {
        self.source.sample(n, seed)
    }

    /// `n` target points for the seed `seed`.
    pub fn target_batch(&self, n: usize, seed: u64) -> Vec<f64> {
        self.target.sample(n, seed)
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
        let x = Source::Normal.sample(20_000, 3);
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

    #[test]
    fn derived_seeds_differ_by_role_and_counter() {
        let a = derive_seed(1, Role::Source, 0);
        assert_ne!(a, derive_seed(1, Role::Target, 0));
        assert_ne!(a, derive_seed(1, Role::Source, 1));
        assert_ne!(a, derive_seed(2, Role::Source, 0));
        assert_eq!(a, derive_seed(1, Role::Source, 0));
    }
}
