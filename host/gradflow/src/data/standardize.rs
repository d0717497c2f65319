//! [`Standardization`]: the affine map between a data set's units and the unit-scale
//! coordinates a network is trained in, fitted on the training rows.

use std::fmt;
use std::str::FromStr;

use gradflow_core::model::ModelKind;

use super::samples::Samples;
use crate::engine::Network;
use crate::modelio::{ModelBytes, ModelIoError};

/// How features are rescaled before training.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Standardize {
    /// Per feature: subtract the training mean, divide by the training standard deviation.
    #[default]
    PerFeature,
    /// None: the network sees the data's own units.
    None,
}

impl Standardize {
    /// `per-feature` or `none`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::PerFeature => "per-feature",
            Self::None => "none",
        }
    }
}

impl fmt::Display for Standardize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The name given to [`Standardize::from_str`] is not a standardisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownStandardize(pub String);

impl fmt::Display for UnknownStandardize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown standardisation {:?}; expected per-feature or none",
            self.0
        )
    }
}

impl std::error::Error for UnknownStandardize {}

impl FromStr for Standardize {
    type Err = UnknownStandardize;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::PerFeature, Self::None]
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| UnknownStandardize(s.to_owned()))
    }
}

/// Per column j of the rows `x` (n × d, n ≥ 2): the mean and the standard deviation
/// (divisor n − 1).
pub(crate) fn column_moments(x: &[f64], d: usize) -> Vec<(f64, f64)> {
    let n = (x.len() / d) as f64;
    (0..d)
        .map(|j| {
            let column = || x.iter().skip(j).step_by(d);
            let mean = column().sum::<f64>() / n;
            let ss: f64 = column().map(|v| (v - mean).powi(2)).sum();
            (mean, (ss / (n - 1.0)).sqrt())
        })
        .collect()
}

/// `x = mean + scale ⊙ u`: data units x, unit-scale coordinates u. Every scale is finite and
/// positive.
#[derive(Clone, Debug, PartialEq)]
pub struct Standardization {
    /// The shift, per feature.
    pub mean: Vec<f64>,
    /// The scale, per feature.
    pub scale: Vec<f64>,
}

impl Standardization {
    /// The identity in dimension `d`.
    pub fn identity(d: usize) -> Self {
        Self {
            mean: vec![0.0; d],
            scale: vec![1.0; d],
        }
    }

    /// Fitted on `rows` by `standardize`: per feature, the mean and the standard deviation
    /// (divisor n − 1; a constant feature keeps scale 1).
    pub fn fit(rows: &Samples, standardize: Standardize) -> Self {
        let d = rows.d;
        if standardize == Standardize::None || rows.n < 2 {
            return Self::identity(d);
        }
        let (mean, scale) = column_moments(&rows.data, d)
            .into_iter()
            .map(|(m, sd)| (m, if sd > 0.0 && sd.is_finite() { sd } else { 1.0 }))
            .unzip();
        Self { mean, scale }
    }

    /// Folds the map into a network trained on unit-scale points (and, for a velocity
    /// field, unit-scale velocities), so that it takes and returns data units: the first
    /// layer absorbs `u = (x − mean)/scale` ([`Network::fold_input_affine`]; an appended
    /// time is left alone) and a velocity field's last layer `v ↦ scale ⊙ v`
    /// ([`Network::fold_output_scale`]).
    pub fn fold_into(&self, net: &mut Network<f64>) {
        net.fold_input_affine(&self.mean, &self.scale);
        if net.architecture().kind == ModelKind::Velocity {
            net.fold_output_scale(&self.scale);
        }
    }

    /// The dimension d.
    pub fn dim(&self) -> usize {
        self.mean.len()
    }

    /// The model file of `net`, a network trained on unit-scale coordinates, in data
    /// units: the map folded into its weights ([`Self::fold_into`]) and recorded as the
    /// file's units (format version 2, [`ModelBytes::encode_with_units`]).
    pub fn model_file(&self, mut net: Network<f64>) -> Result<ModelBytes, ModelIoError> {
        self.fold_into(&mut net);
        ModelBytes::encode_with_units(
            net.architecture(),
            &net.to_f32_params(),
            &self.mean,
            &self.scale,
        )
    }

    /// [`Self::model_file`] of the network in the model file `bytes`.
    pub fn fold_into_model(&self, bytes: &ModelBytes) -> Result<ModelBytes, ModelIoError> {
        self.model_file(Network::<f64>::from_view(&bytes.view()))
    }

    /// Whether it maps every point to itself.
    pub fn is_identity(&self) -> bool {
        self.mean.iter().all(|&m| m == 0.0) && self.scale.iter().all(|&s| s == 1.0)
    }

    /// Rows `x` (n × d) in unit-scale coordinates: `(x − mean) / scale`.
    pub fn to_unit(&self, x: &[f64]) -> Vec<f64> {
        self.map_rows(x, |j, v| (v - self.mean[j]) / self.scale[j])
    }

    /// Rows `u` (n × d) in data units: `mean + scale ⊙ u`.
    pub fn to_data(&self, u: &[f64]) -> Vec<f64> {
        self.map_rows(u, |j, v| self.mean[j] + self.scale[j] * v)
    }

    fn map_rows(&self, rows: &[f64], f: impl Fn(usize, f64) -> f64) -> Vec<f64> {
        let d = self.dim().max(1);
        rows.iter().enumerate().map(|(k, &v)| f(k % d, v)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_means_and_standard_deviations_and_inverts() {
        let rows = Samples::new(4, 2, vec![1.0, 5.0, 3.0, 5.0, 5.0, 5.0, 7.0, 5.0]).unwrap();
        let s = Standardization::fit(&rows, Standardize::PerFeature);
        assert_eq!(s.mean, [4.0, 5.0]);
        // sd of 1, 3, 5, 7 with divisor 3: √(20/3); the constant feature keeps scale 1.
        assert_eq!(s.scale, [(20.0f64 / 3.0).sqrt(), 1.0]);
        let u = s.to_unit(&rows.data);
        let back = s.to_data(&u);
        for (a, b) in back.iter().zip(&rows.data) {
            assert!((a - b).abs() < 1e-14, "{a} {b}");
        }
        assert!(Standardization::fit(&rows, Standardize::None).is_identity());
        assert_eq!("none".parse::<Standardize>(), Ok(Standardize::None));
        assert!("whiten".parse::<Standardize>().is_err());
    }
}
