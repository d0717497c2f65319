//! Minibatches on the straight path `x_t = t·y + (1 − t)·x⁰` between coupled source and
//! target points: the training data of flow matching (FM, OT-CFM, NSGF++'s straight flow)
//! and of NSGF++'s time predictor.

use super::coupling::Coupling;
use super::problem::{Problem, Role, derive_rng, derive_seed};
use crate::metrics::MetricsError;

/// Coupled source and target points with a time per pair, t ~ U(0, 1).
#[derive(Clone, Debug, PartialEq)]
pub struct PathBatch {
    /// The dimension d of the points.
    pub d: usize,
    /// Source points x⁰ (n × d).
    pub x0: Vec<f64>,
    /// Target points y (n × d), row i coupled with row i of `x0`.
    pub y: Vec<f64>,
    /// Times tᵢ ∈ (0, 1).
    pub t: Vec<f64>,
}

impl PathBatch {
    /// Batch `step` of the run `seed`: `n` source points (seed role [`Role::Source`]), `n`
    /// target points ([`Role::Target`]) paired by `coupling`, and `n` uniform times
    /// ([`Role::PathTime`]).
    pub fn draw(
        problem: &Problem,
        n: usize,
        seed: u64,
        step: u64,
        coupling: Coupling,
    ) -> Result<Self, MetricsError> {
        let d = problem.dim();
        let x0 = problem.source_batch(n, derive_seed(seed, Role::Source, step));
        let mut y = problem.target_batch(n, derive_seed(seed, Role::Target, step));
        coupling.pair(&x0, &mut y, d)?;
        let mut rng = derive_rng(seed, Role::PathTime, step);
        let t = (0..n).map(|_| rng.uniform_open01()).collect();
        Ok(Self { d, x0, y, t })
    }

    /// The number of pairs.
    pub fn len(&self) -> usize {
        self.t.len()
    }

    /// Whether the batch is empty.
    pub fn is_empty(&self) -> bool {
        self.t.is_empty()
    }

    /// `x_tᵢ` of pair i, in f32.
    fn point(&self, i: usize) -> impl Iterator<Item = f32> + '_ {
        let (t, rows) = (self.t[i], i * self.d..(i + 1) * self.d);
        self.y[rows.clone()]
            .iter()
            .zip(&self.x0[rows])
            .map(move |(y, x)| (t * y + (1.0 - t) * x) as f32)
    }

    /// Inputs of a velocity network, `[x_t, t]` per row (n × (d + 1)).
    pub fn velocity_input(&self) -> Vec<f32> {
        (0..self.len())
            .flat_map(|i| self.point(i).chain([self.t[i] as f32]))
            .collect()
    }

    /// Flow-matching targets `y − x⁰` (n × d).
    pub fn velocity_target(&self) -> Vec<f32> {
        self.y
            .iter()
            .zip(&self.x0)
            .map(|(y, x)| (y - x) as f32)
            .collect()
    }

    /// Inputs of a time predictor, `x_t` per row (n × d).
    pub fn time_input(&self) -> Vec<f32> {
        (0..self.len()).flat_map(|i| self.point(i)).collect()
    }

    /// Time-predictor targets `t` (n × 1).
    pub fn time_target(&self) -> Vec<f32> {
        self.t.iter().map(|&t| t as f32).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Dataset2d;

    #[test]
    fn rows_lie_on_their_segments() {
        let p = Problem::from_normal(Dataset2d::Moons);
        let b = PathBatch::draw(&p, 64, 1, 7, Coupling::Independent).unwrap();
        assert_eq!(
            b,
            PathBatch::draw(&p, 64, 1, 7, Coupling::Independent).unwrap()
        );
        assert_ne!(
            b,
            PathBatch::draw(&p, 64, 1, 8, Coupling::Independent).unwrap()
        );
        let (vi, vt, ti) = (b.velocity_input(), b.velocity_target(), b.time_input());
        for i in 0..b.len() {
            let t = b.t[i];
            assert!(t > 0.0 && t < 1.0);
            for k in 0..2 {
                let x = t * b.y[2 * i + k] + (1.0 - t) * b.x0[2 * i + k];
                assert!((f64::from(vi[3 * i + k]) - x).abs() < 1e-5);
                assert_eq!(vi[3 * i + k], ti[2 * i + k]);
                assert_eq!(vt[2 * i + k], (b.y[2 * i + k] - b.x0[2 * i + k]) as f32);
            }
            assert_eq!(vi[3 * i + 2], t as f32);
        }
    }
}
