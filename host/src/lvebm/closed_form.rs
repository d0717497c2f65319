//! Energy families with a closed-form log-partition function, evaluated row by row in f64:
//! the known-answer problems of DESIGN §4.4 and the PGD baseline's models.

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

    fn param_grad(&self, x: &[S], cot: &[S], grad: &mut [f64]) -> Result<(), EngineError> {
        let d = ClosedForm::dim(self);
        check_rows(x.len(), cot.len(), d)?;
        grad.fill(0.0);
        let mut row = vec![0.0; d];
        for (xr, &c) in x.chunks_exact(d).zip(cot) {
            for (o, v) in row.iter_mut().zip(xr) {
                *o = v.to_f64();
            }
            self.add_param_grad(&row, c.to_f64(), grad);
        }
        Ok(())
    }

    fn model_bytes(&self) -> Result<ModelBytes, EbmError> {
        Err(EbmError::Settings(
            "a closed-form test family has no model file (train an MLP joint energy)".into(),
        ))
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
