//! The conditional energy z ↦ E(xᵢ, z) of a joint energy: what the conditional latent
//! particles move on.

use gradflow_core::Scalar;

use crate::SettingError;
use crate::ebm::{BatchEnergy, EbmError};
use crate::engine::EngineError;

/// The observed dimension `dx` (the argument `field`) of a joint energy of dimension `d`
/// is not in 1..d: a [`SettingError`].
pub(super) fn observed_dim_error(field: &'static str, dx: usize, d: usize) -> EbmError {
    EbmError::Setting(SettingError::new(
        field,
        format!("{dx} must be in 1..{d} (the joint energy has dimension {d})"),
    ))
}

/// A joint energy E(x, z) over rows `(x, z)` of dimension dx + dz (observed coordinates
/// first) seen as an energy of z alone: particle i is conditioned on its own observed row
/// xᵢ. Any particle scheme ([`crate::ebm::move_particles`]) then samples z | xᵢ.
pub struct Conditional<'a, S, M: ?Sized> {
    joint: &'a M,
    observed: &'a [S],
    dx: usize,
}

impl<'a, S: Scalar, M: BatchEnergy<S> + ?Sized> Conditional<'a, S, M> {
    /// Conditions `joint` on `observed` (n × dx, row-major: one row per particle).
    pub fn new(joint: &'a M, observed: &'a [S], dx: usize) -> Result<Self, EbmError> {
        if dx == 0 || dx >= joint.dim() {
            return Err(observed_dim_error("dx", dx, joint.dim()));
        }
        if !observed.len().is_multiple_of(dx) {
            return Err(EbmError::Data(format!(
                "{} observed values do not make rows of dimension {dx}",
                observed.len()
            )));
        }
        Ok(Self {
            joint,
            observed,
            dx,
        })
    }

    /// The joint rows `(xᵢ, zᵢ)` of the latent batch `z`.
    fn joint_rows(&self, z: &[S]) -> Result<Vec<S>, EngineError> {
        let (dx, dz) = (self.dx, self.joint.dim() - self.dx);
        let n = self.observed.len() / dx;
        if z.len() != n * dz {
            return Err(EngineError::Size {
                what: "latent batch (observed rows × latent dimension)",
                expected: n * dz,
                found: z.len(),
            });
        }
        let mut rows = Vec::with_capacity(n * (dx + dz));
        for (x, z) in self.observed.chunks_exact(dx).zip(z.chunks_exact(dz)) {
            rows.extend_from_slice(x);
            rows.extend_from_slice(z);
        }
        Ok(rows)
    }
}

impl<S: Scalar, M: BatchEnergy<S> + ?Sized> BatchEnergy<S> for Conditional<'_, S, M> {
    fn dim(&self) -> usize {
        self.joint.dim() - self.dx
    }

    fn energies(&self, z: &[S], e: &mut [S]) -> Result<(), EngineError> {
        let rows = self.joint_rows(z)?;
        self.joint.energies(&rows, e)
    }

    fn energy_grad(&self, z: &[S], e: &mut [S], g: &mut [S]) -> Result<(), EngineError> {
        let rows = self.joint_rows(z)?;
        let mut joint_g = vec![S::ZERO; rows.len()];
        self.joint.energy_grad(&rows, e, &mut joint_g)?;
        let d = self.joint.dim();
        for (gz, gj) in g.chunks_exact_mut(d - self.dx).zip(joint_g.chunks_exact(d)) {
            gz.copy_from_slice(&gj[self.dx..]);
        }
        Ok(())
    }
}
