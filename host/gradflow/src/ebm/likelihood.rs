//! The held-out log-likelihood of an EBM p(x) = exp(−E(x))/Z: the mean of −E over the
//! test rows minus log Ẑ, with log Z estimated by annealed importance sampling.

use super::ais::{AisEstimate, AisSettings, GaussianBase, ais_log_partition};
use super::{BatchEnergy, EbmError};

/// [`held_out_log_likelihood`]'s estimate, in nats per datum.
#[derive(Clone, Debug, PartialEq)]
pub struct HeldOutLikelihood {
    /// The mean over the test rows of −E(x) − log Ẑ.
    pub per_datum: f64,
    /// Its standard error, √(var(E)/n + se(log Ẑ)²): the test rows' sampling error and
    /// AIS's, independent.
    pub std_error: f64,
    /// The AIS estimate of log Z.
    pub log_z: AisEstimate,
    /// Test rows.
    pub points: usize,
}

/// The mean log-likelihood of `test` (n × d rows, d the energy's) under the model
/// p ∝ exp(−E) of `model`: the energies of the rows, and log Z by [`ais_log_partition`]
/// from `base` with `settings`. The energies must be finite. (AIS underestimates log Z
/// by about se²/2, so the estimate leans high by as much.)
pub fn held_out_log_likelihood<M: BatchEnergy<f64> + ?Sized>(
    model: &M,
    test: &[f64],
    base: &GaussianBase,
    settings: &AisSettings,
) -> Result<HeldOutLikelihood, EbmError> {
    let d = model.dim();
    let n = test.len() / d.max(1);
    if d == 0 || n < 2 || test.len() != n * d {
        return Err(EbmError::Data(format!(
            "a held-out log-likelihood needs at least 2 rows of dimension {d}, got {} values",
            test.len()
        )));
    }
    let mut e = vec![0.0; n];
    model.energies(test, &mut e)?;
    if let Some(i) = e.iter().position(|v| !v.is_finite()) {
        return Err(EbmError::Data(format!(
            "the energy of held-out row {i} is not finite"
        )));
    }
    let log_z = ais_log_partition(model, base, settings)?;
    let mean_e = e.iter().sum::<f64>() / n as f64;
    let var_e = e.iter().map(|v| (v - mean_e).powi(2)).sum::<f64>() / (n - 1) as f64;
    Ok(HeldOutLikelihood {
        per_datum: -mean_e - log_z.log_z,
        std_error: (var_e / n as f64 + log_z.std_error.powi(2)).sqrt(),
        log_z,
        points: n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ebm::QuadraticEnergy;
    use gradflow_core::StreamRng;

    /// A 3-D Gaussian energy ½xᵀAx − bᵀx, A = diag(a), b = A·m: the AIS estimate of the
    /// held-out log-likelihood equals the closed form −E − log Z, log Z =
    /// Σᵢ ½ log(2π/aᵢ) + ½ aᵢmᵢ², within 4 of its AIS standard errors plus 0.01 nats (the
    /// Jensen bias, about se²/2).
    #[test]
    fn the_held_out_log_likelihood_of_a_gaussian_energy_is_its_closed_form() {
        let (a, m) = ([2.0, 1.0, 4.0], [0.5, -1.0, 0.25]);
        let precision = [a[0], 0.0, 0.0, 0.0, a[1], 0.0, 0.0, 0.0, a[2]];
        let model = QuadraticEnergy::new(&precision, &m);
        let mut rng = StreamRng::new(5, 0);
        let test: Vec<f64> = (0..300).map(|_| 0.7 * rng.normal::<f64>()).collect();
        let base = GaussianBase::fit(&test, 3, 1.5).unwrap();
        let settings = AisSettings {
            chains: 500,
            temperatures: 100,
            seed: 3,
            ..AisSettings::default()
        };
        let l = held_out_log_likelihood(&model, &test, &base, &settings).unwrap();
        let exact_log_z: f64 = a
            .iter()
            .zip(&m)
            .map(|(a, m)| 0.5 * (2.0 * std::f64::consts::PI / a).ln() + 0.5 * a * m * m)
            .sum();
        let mut e = vec![0.0; 100];
        model.energies(&test, &mut e).unwrap();
        let exact = -e.iter().sum::<f64>() / 100.0 - exact_log_z;
        let se = l.log_z.std_error;
        assert!(se < 0.05, "AIS standard error {se}");
        assert!(
            (l.per_datum - exact).abs() < 4.0 * se + 0.01,
            "{} against {exact} (se {se})",
            l.per_datum
        );
        assert_eq!(l.points, 100);
        assert!(l.std_error > se);
        // Too few rows, a ragged set.
        assert!(held_out_log_likelihood(&model, &test[..3], &base, &settings).is_err());
        assert!(held_out_log_likelihood(&model, &test[..7], &base, &settings).is_err());
    }
}
