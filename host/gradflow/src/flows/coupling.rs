//! Couplings of a source and a target minibatch: independent (flow matching) or the exact
//! minibatch optimal transport (OT-CFM).

use crate::metrics::{MetricsError, W2Settings, wasserstein2_with};

/// How the points of a source batch are paired with those of a target batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coupling {
    /// `x⁰ᵢ` with `yᵢ`: the two batches are independent draws (FM).
    Independent,
    /// `x⁰ᵢ` with `y_σ(i)`, σ the permutation minimising `Σᵢ ‖x⁰ᵢ − y_σ(i)‖²` (OT-CFM's
    /// exact minibatch OT with uniform weights, where an optimal plan is a permutation).
    ExactOt,
}

impl Coupling {
    /// `independent` or `ot`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Independent => "independent",
            Self::ExactOt => "ot",
        }
    }

    /// The coupling called `name` (`independent` or `ot`).
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Independent, Self::ExactOt]
            .into_iter()
            .find(|c| c.name() == name)
    }

    /// Reorders the target batch `y` (n × d) so that row i is the partner of row i of `x0`.
    pub fn pair(self, x0: &[f64], y: &mut [f64], d: usize) -> Result<(), MetricsError> {
        if self == Self::Independent {
            return Ok(());
        }
        let sigma = ot_assignment(x0, y, d)?;
        let paired: Vec<f64> = sigma
            .iter()
            .flat_map(|&j| y[j * d..(j + 1) * d].iter().copied())
            .collect();
        y.copy_from_slice(&paired);
        Ok(())
    }
}

/// The permutation σ minimising `Σᵢ ‖xᵢ − y_σ(i)‖²` (`σ[i]` is the row of `y` matched to
/// row i of `x`), from the exact W2 solver ([`crate::metrics::wasserstein2`], certified
/// optimal whatever its speed settings). Coarse-to-fine from 64 points on: about 5× faster
/// than the default (256) on 256-point batches (2.8 against 15 ms, 2 shared cores).
pub fn ot_assignment(x: &[f64], y: &[f64], d: usize) -> Result<Vec<usize>, MetricsError> {
    let settings = W2Settings {
        coarsen_above: 64,
        ..W2Settings::default()
    };
    Ok(wasserstein2_with(x, y, d, &settings)?.assignment)
}

#[cfg(test)]
mod tests {
    use gradflow_core::StreamRng;

    use super::*;

    /// Heap's algorithm: every permutation of 0..n.
    fn permutations(n: usize) -> Vec<Vec<usize>> {
        fn heap(k: usize, a: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
            if k <= 1 {
                out.push(a.clone());
                return;
            }
            for i in 0..k {
                heap(k - 1, a, out);
                let j = if k.is_multiple_of(2) { i } else { 0 };
                a.swap(j, k - 1);
            }
        }
        let mut out = Vec::new();
        heap(n, &mut (0..n).collect(), &mut out);
        out
    }

    fn cost(x: &[f64], y: &[f64], sigma: &[usize]) -> f64 {
        sigma
            .iter()
            .enumerate()
            .map(|(i, &j)| (x[2 * i] - y[2 * j]).powi(2) + (x[2 * i + 1] - y[2 * j + 1]).powi(2))
            .sum()
    }

    /// The OT-CFM coupling is the brute-force optimal permutation on small batches (n ≤ 7:
    /// 5040 permutations), on random continuous data where the optimum is unique.
    #[test]
    fn exact_coupling_is_the_brute_force_optimum() {
        for (trial, n) in (0..12).zip([2, 3, 4, 5, 6, 7].iter().cycle()) {
            let mut rng = StreamRng::new(40 + trial, 0);
            let x: Vec<f64> = (0..2 * n).map(|_| rng.normal()).collect();
            let y: Vec<f64> = (0..2 * n)
                .map(|_| 2.0 * rng.normal::<f64>() + 0.5)
                .collect();
            let best = permutations(*n)
                .into_iter()
                .min_by(|a, b| cost(&x, &y, a).total_cmp(&cost(&x, &y, b)))
                .unwrap();
            let sigma = ot_assignment(&x, &y, 2).unwrap();
            assert_eq!(sigma, best, "n = {n}");
            let mut paired = y.clone();
            Coupling::ExactOt.pair(&x, &mut paired, 2).unwrap();
            let identity: Vec<usize> = (0..*n).collect();
            assert!((cost(&x, &paired, &identity) - cost(&x, &y, &best)).abs() < 1e-12);
            let mut same = y.clone();
            Coupling::Independent.pair(&x, &mut same, 2).unwrap();
            assert_eq!(same, y);
        }
    }
}
