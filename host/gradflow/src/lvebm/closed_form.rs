//! Energy families with a closed-form log-partition function, evaluated row by row in f64:
//! the known-answer problems of docs/src/design.md §4.4 and the PGD baseline's models.

use gradflow_core::Scalar;

use crate::ebm::{BatchEnergy, EbmError, EnergyModel};
use crate::engine::EngineError;
use crate::modelio::ModelBytes;

/// A joint energy E_θ(x, z) with a closed-form log Z(θ), written for one row at a time.
/// Every such family is a [`BatchEnergy`] and an [`EnergyModel`].
pub trait ClosedForm: Send + Sync {
    /// Dimension dx + dz of a row (x, z).
    fn dim(&self) -> usize;

    /// θ.
    fn params(&self) -> &[f64];

    /// Replaces θ (same length as [`ClosedForm::params`]).
    fn set_params(&mut self, params: &[f64]);

    /// E_θ(row), with ∇E written into `grad`.
    fn value_grad(&self, row: &[f64], grad: &mut [f64]) -> f64;

    /// Adds `weight`·∇θE_θ(row) to `grad`.
    fn add_param_grad(&self, row: &[f64], weight: f64, grad: &mut [f64]);

    /// log Z(θ) = log ∫exp(−E_θ(x, z)) dx dz.
    fn log_partition(&self) -> f64;

    /// ∇θ log Z(θ).
    fn log_partition_grad(&self) -> Vec<f64>;
}

impl<S: Scalar, F: ClosedForm> BatchEnergy<S> for F {
    fn dim(&self) -> usize {
        ClosedForm::dim(self)
    }

    fn energies(&self, x: &[S], e: &mut [S]) -> Result<(), EngineError> {
        let mut g = vec![S::ZERO; x.len()];
        self.energy_grad(x, e, &mut g)
    }

    fn energy_grad(&self, x: &[S], e: &mut [S], g: &mut [S]) -> Result<(), EngineError> {
        let d = ClosedForm::dim(self);
        check_rows(x.len(), e.len(), d)?;
        let (mut row, mut grad) = (vec![0.0; d], vec![0.0; d]);
        for ((xr, er), gr) in x.chunks_exact(d).zip(e).zip(g.chunks_exact_mut(d)) {
            for (o, v) in row.iter_mut().zip(xr) {
                *o = v.to_f64();
            }
            *er = S::from_f64(self.value_grad(&row, &mut grad));
            for (o, &v) in gr.iter_mut().zip(&grad) {
                *o = S::from_f64(v);
            }
        }
        Ok(())
    }
}

impl<S: Scalar, F: ClosedForm> EnergyModel<S> for F {
    fn params(&self) -> &[f64] {
        ClosedForm::params(self)
    }

    fn set_params(&mut self, params: &[f64]) {
        ClosedForm::set_params(self, params);
    }

    fn energies_param_grad(
        &self,
        x: &[S],
        cotangent: &mut dyn FnMut(&[S], &mut [S]),
        grad: &mut [f64],
    ) -> Result<(), EngineError> {
        let d = ClosedForm::dim(self);
        let mut e = vec![S::ZERO; x.len() / d];
        self.energies(x, &mut e)?;
        let mut cot = vec![S::ZERO; e.len()];
        cotangent(&e, &mut cot);
        grad.fill(0.0);
        let mut row = vec![0.0; d];
        for (xr, &c) in x.chunks_exact(d).zip(&cot) {
            for (o, v) in row.iter_mut().zip(xr) {
                *o = v.to_f64();
            }
            self.add_param_grad(&row, c.to_f64(), grad);
        }
        Ok(())
    }

    fn model_bytes(&self) -> Result<ModelBytes, EbmError> {
        Err(EbmError::NoModelFile {
            model: "a closed-form test family",
        })
    }

    fn log_partition(&self) -> Option<f64> {
        Some(ClosedForm::log_partition(self))
    }

    fn log_partition_grad(&self) -> Option<Vec<f64>> {
        Some(ClosedForm::log_partition_grad(self))
    }
}

/// `len` values must be `rows` rows of dimension `d`.
fn check_rows(len: usize, rows: usize, d: usize) -> Result<(), EngineError> {
    if len == rows * d {
        Ok(())
    } else {
        Err(EngineError::Size {
            what: "rows (batch × dimension)",
            expected: rows * d,
            found: len,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lvebm::{DoubleWellSensor, LatentMean, LatentPrecision, Ppca};

    /// Central differences of E in the row and in θ match the analytic gradients.
    fn check_gradients<F: ClosedForm + Clone>(family: F, row: &[f64]) {
        let h = 1e-6;
        let mut g = vec![0.0; row.len()];
        family.value_grad(row, &mut g);
        for k in 0..row.len() {
            let (mut up, mut down) = (row.to_vec(), row.to_vec());
            up[k] += h;
            down[k] -= h;
            let mut scratch = vec![0.0; row.len()];
            let fd = (family.value_grad(&up, &mut scratch)
                - family.value_grad(&down, &mut scratch))
                / (2.0 * h);
            assert!((fd - g[k]).abs() < 1e-6, "∂E/∂row[{k}]: {fd} vs {}", g[k]);
        }
        let theta = family.params().to_vec();
        let mut pg = vec![0.0; theta.len()];
        family.add_param_grad(row, 1.0, &mut pg);
        let lz = family.log_partition_grad();
        for k in 0..theta.len() {
            let at = |delta: f64| {
                let mut f = family.clone();
                let mut t = theta.clone();
                t[k] += delta;
                f.set_params(&t);
                let mut scratch = vec![0.0; row.len()];
                (f.value_grad(row, &mut scratch), f.log_partition())
            };
            let ((e_up, z_up), (e_down, z_down)) = (at(h), at(-h));
            let fd = (e_up - e_down) / (2.0 * h);
            assert!((fd - pg[k]).abs() < 1e-6, "∂E/∂θ[{k}]: {fd} vs {}", pg[k]);
            let fd = (z_up - z_down) / (2.0 * h);
            assert!(
                (fd - lz[k]).abs() < 1e-6,
                "∂logZ/∂θ[{k}]: {fd} vs {}",
                lz[k]
            );
        }
    }

    #[test]
    fn analytic_gradients_match_finite_differences() {
        check_gradients(LatentMean::new(2, 0.7), &[0.3, -1.2, 0.5, 0.9]);
        check_gradients(LatentPrecision::new(2, 1.3), &[0.3, -1.2, 0.5, 0.9]);
        let ppca = Ppca::new(&[0.5, -0.2, 1.1, 0.3, 0.0, 0.7], &[0.1, -0.3, 0.2], 0.4);
        check_gradients(ppca, &[0.3, -1.2, 0.5, 0.9, -0.4]);
        let sensor = DoubleWellSensor::new(1.7, [0.9, -0.4], [0.2, -0.3], 0.3);
        check_gradients(sensor, &[0.4, -0.7, 1.1]);
    }
}
