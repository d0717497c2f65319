//! The conditional energy z ↦ E(x, z) of a joint energy with x held fixed: what samples
//! the latents of a latent-variable EBM given an observation (docs/src/design.md §4.4).

use core::cell::RefCell;

use crate::error::{Error, check_len};
use crate::{Energy, Scalar};

/// Scalars of work space a [`Conditional`] of a joint energy of dimension `joint_dim`
/// needs: the joint row `(x, z)` and the joint gradient.
pub const fn conditional_work_len(joint_dim: usize) -> usize {
    2 * joint_dim
}

/// A joint energy E(x, z) over rows `(x, z)` of dimension d = dx + dz (observed coordinates
/// first, latent after) seen as the energy z ↦ E(x, z) of dimension dz, for one fixed
/// observed row x. Every kernel then samples p(z | x) ∝ exp(−E(x, z)).
///
/// No allocation: the joint row and gradient live in caller-owned work space
/// ([`conditional_work_len`] scalars), held in a `RefCell` because [`Energy`] takes `&self`
/// (one borrow per call, never nested). An evaluation that cannot run (a slice of the
/// wrong length) returns NaN, which the kernels report as non-finite: nothing panics.
/// To condition particle i on its own row xᵢ, make one `Conditional` per particle (cheap:
/// it borrows everything), as [`crate::run_conditional`] does.
#[derive(Debug)]
pub struct Conditional<'a, 'w, S, E: ?Sized> {
    joint: &'a E,
    observed: &'a [S],
    work: RefCell<&'w mut [S]>,
}

impl<'a, 'w, S: Scalar, E: Energy<S> + ?Sized> Conditional<'a, 'w, S, E> {
    /// Conditions `joint` on the observed row `observed` (dx = `observed.len()` values,
    /// 0 < dx < `joint.dim()`), with at least [`conditional_work_len`]`(joint.dim())`
    /// scalars of `work`. The observed row is not checked for finiteness.
    pub fn new(joint: &'a E, observed: &'a [S], work: &'w mut [S]) -> Result<Self, Error> {
        let (dx, d) = (observed.len(), joint.dim());
        if dx == 0 || dx >= d {
            return Err(Error::InvalidParameter {
                what: "the observed dimension must be at least 1 and below the joint dimension",
            });
        }
        let needed = conditional_work_len(d);
        if work.len() < needed {
            return Err(Error::ScratchTooSmall {
                needed,
                found: work.len(),
            });
        }
        Ok(Self {
            joint,
            observed,
            work: RefCell::new(work),
        })
    }

    /// The observed dimension dx.
    pub fn observed_dim(&self) -> usize {
        self.observed.len()
    }

    /// Fills the joint row `(x, z)` and runs `f` on it and the joint gradient buffer;
    /// a `z` of the wrong length is a `DimensionMismatch`.
    fn with_row<T>(
        &self,
        z: &[S],
        f: impl FnOnce(&[S], &mut [S]) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let (dx, d) = (self.observed.len(), self.joint.dim());
        check_len("latent point", d - dx, z.len())?;
        // One borrow per call, never nested: the energies call nothing back.
        let mut work = self
            .work
            .try_borrow_mut()
            .map_err(|_| Error::InvalidParameter {
                what: "a conditional energy evaluated inside its own evaluation",
            })?;
        let (row, grad) = work[..2 * d].split_at_mut(d);
        row[..dx].copy_from_slice(self.observed);
        row[dx..].copy_from_slice(z);
        f(row, grad)
    }
}

impl<S: Scalar, E: Energy<S> + ?Sized> Energy<S> for Conditional<'_, '_, S, E> {
    fn dim(&self) -> usize {
        self.joint.dim() - self.observed.len()
    }

    fn energy(&self, z: &[S]) -> Result<S, Error> {
        self.with_row(z, |row, _| self.joint.energy(row))
    }

    fn energy_grad(&self, z: &[S], grad: &mut [S]) -> Result<S, Error> {
        let dx = self.observed.len();
        check_len("gradient", z.len(), grad.len())?;
        self.with_row(z, |row, joint_grad| {
            let e = self.joint.energy_grad(row, joint_grad)?;
            grad.copy_from_slice(&joint_grad[dx..]);
            Ok(e)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Gaussian, Jko2, Kernel, Mala, StreamRng, Ula, run_conditional};

    /// The joint Gaussian of the tests: (x, z) ∈ ℝ² × ℝ², mean µ, precision P (positive
    /// definite, every block coupled).
    fn joint() -> Gaussian<f64, 4> {
        Gaussian::new(
            [0.5, -1.0, 1.0, 2.0],
            [
                [2.0, 0.3, 0.6, -0.2],
                [0.3, 1.5, 0.1, 0.4],
                [0.6, 0.1, 1.8, 0.5],
                [-0.2, 0.4, 0.5, 1.2],
            ],
        )
        .unwrap()
    }

    /// Closed form of z | x for the joint Gaussian: precision P_zz, mean
    /// µ_z − P_zz⁻¹ P_zx (x − µ_x); returns (mean, covariance P_zz⁻¹).
    fn conditional_moments(g: &Gaussian<f64, 4>, x: [f64; 2]) -> ([f64; 2], [[f64; 2]; 2]) {
        let (p, mu) = (g.precision(), g.mean());
        let (a, b, d) = (p[2][2], p[2][3], p[3][3]);
        let det = a * d - b * b;
        let cov = [[d / det, -b / det], [-b / det, a / det]];
        let dx = [x[0] - mu[0], x[1] - mu[1]];
        let r = [
            p[2][0] * dx[0] + p[2][1] * dx[1],
            p[3][0] * dx[0] + p[3][1] * dx[1],
        ];
        let mean = [
            mu[2] - (cov[0][0] * r[0] + cov[0][1] * r[1]),
            mu[3] - (cov[1][0] * r[0] + cov[1][1] * r[1]),
        ];
        (mean, cov)
    }

    #[test]
    fn energy_and_gradient_are_the_joint_ones_at_the_joint_row() {
        let g = joint();
        let x = [0.3, -0.7];
        let z = [1.1, 0.4];
        let mut work = [0.0; 8];
        let c = Conditional::new(&g, &x, &mut work).unwrap();
        assert_eq!(c.dim(), 2);
        let mut jg = [0.0; 4];
        let e = g.energy_grad(&[0.3, -0.7, 1.1, 0.4], &mut jg).unwrap();
        let mut cg = [0.0; 2];
        assert_eq!(c.energy_grad(&z, &mut cg), Ok(e));
        assert_eq!(c.energy(&z), Ok(e));
        assert_eq!(cg, [jg[2], jg[3]]);
        // Wrong lengths are errors that name the buffer, never a panic or a NaN.
        let mismatch = |what, expected, found| {
            Err(Error::DimensionMismatch {
                what,
                expected,
                found,
            })
        };
        assert_eq!(c.energy(&[1.0]), mismatch("latent point", 2, 1));
        let mut short = [7.0; 1];
        assert_eq!(c.energy_grad(&z, &mut short), mismatch("gradient", 2, 1));
        assert_eq!(short, [7.0], "nothing written on error");
    }

    #[test]
    fn bad_splits_and_short_work_are_refused() {
        let g = joint();
        let mut work = [0.0; 8];
        assert!(matches!(
            Conditional::new(&g, &[], &mut work),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(matches!(
            Conditional::new(&g, &[0.0; 4], &mut work),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(matches!(
            Conditional::new(&g, &[0.0; 2], &mut work[..7]),
            Err(Error::ScratchTooSmall {
                needed: 8,
                found: 7
            })
        ));
    }

    /// MALA (exact) on z | x for three observed rows: 4096 chains per row after 400 steps,
    /// each chain's final state one independent draw. The sample mean of each coordinate
    /// has standard error σ/√4096 = σ/64, the sample variance √(2/4095)·σ² ≈ 0.022σ²: the
    /// tolerances are 5 standard errors.
    #[test]
    fn mala_samples_the_closed_form_gaussian_conditional() {
        let g = joint();
        let rows = [[0.3, -0.7], [2.0, 1.0], [-1.5, 0.5]];
        let chains = 4096;
        let n = rows.len() * chains;
        let observed: std::vec::Vec<f64> = (0..n).flat_map(|p| rows[p / chains]).collect();
        let mut z = std::vec![0.0; n * 2];
        let mut rngs: std::vec::Vec<_> = StreamRng::streams(3, 0, n).collect();
        let kernel = Mala { step: 0.4 };
        let mut scratch = std::vec![0.0; kernel.scratch_len(2) + conditional_work_len(4)];
        let report = run_conditional(
            &kernel,
            &g,
            2,
            &observed,
            &mut z,
            &mut rngs,
            400,
            &mut scratch,
        )
        .unwrap();
        assert_eq!(report.steps, 400 * n as u64);
        let rate = report.acceptance_rate();
        assert!(rate > 0.5 && rate < 1.0, "acceptance {rate}");
        for (r, x) in rows.iter().enumerate() {
            let (mean, cov) = conditional_moments(&g, *x);
            let zs = &z[r * chains * 2..(r + 1) * chains * 2];
            for k in 0..2 {
                let m = zs.iter().skip(k).step_by(2).sum::<f64>() / chains as f64;
                let v = zs
                    .iter()
                    .skip(k)
                    .step_by(2)
                    .map(|z| (z - m).powi(2))
                    .sum::<f64>()
                    / (chains - 1) as f64;
                let sd = cov[k][k].sqrt();
                std::println!(
                    "row {r}, z{k}: mean {m:.4} (exact {:.4}), variance {v:.4} (exact {:.4})",
                    mean[k],
                    cov[k][k]
                );
                assert!(
                    (m - mean[k]).abs() < 5.0 * sd / 64.0,
                    "row {r}, z{k}: mean {m}, exact {}",
                    mean[k]
                );
                assert!(
                    (v / cov[k][k] - 1.0).abs() < 5.0 * (2.0f64 / 4095.0).sqrt(),
                    "row {r}, z{k}: variance {v}, exact {}",
                    cov[k][k]
                );
            }
        }
    }

    /// The batch driver gives particle i exactly what a single conditional chain on row
    /// xᵢ with stream i gives, for the unadjusted and the proximal kernels too.
    #[test]
    fn the_batch_driver_is_one_conditional_chain_per_particle() {
        let g = joint();
        let observed = [0.3, -0.7, 2.0, 1.0, -1.5, 0.5];
        let z0 = [0.1, 0.2, -0.3, 0.4, 0.5, -0.6];
        let ula = Ula { step: 0.1 };
        let jko2 = Jko2 {
            step: 0.1,
            ..Jko2::default()
        };
        let mut scratch = [0.0; 64];
        let mut z = z0;
        let mut rngs: std::vec::Vec<_> = StreamRng::streams(9, 0, 3).collect();
        run_conditional(&ula, &g, 2, &observed, &mut z, &mut rngs, 20, &mut scratch).unwrap();
        let mut z2 = z0;
        let mut rngs2: std::vec::Vec<_> = StreamRng::streams(9, 0, 3).collect();
        run_conditional(
            &jko2,
            &g,
            2,
            &observed,
            &mut z2,
            &mut rngs2,
            20,
            &mut scratch,
        )
        .unwrap();
        for i in 0..3 {
            for (kernel_z, run) in [(&z, 0), (&z2, 1)] {
                let mut work = [0.0; 8];
                let c = Conditional::new(&g, &observed[2 * i..2 * i + 2], &mut work).unwrap();
                let mut zi = [z0[2 * i], z0[2 * i + 1]];
                let mut rng = StreamRng::new(9, i as u64);
                let mut s = [0.0; 32];
                for _ in 0..20 {
                    if run == 0 {
                        ula.step(&c, &mut zi, &mut rng, &mut s).unwrap();
                    } else {
                        jko2.step(&c, &mut zi, &mut rng, &mut s).unwrap();
                    }
                }
                assert_eq!(&zi[..], &kernel_z[2 * i..2 * i + 2], "particle {i}");
            }
        }
        // Lengths that do not match n rows are refused before anything moves.
        let mut z3 = z0;
        assert!(matches!(
            run_conditional(
                &ula,
                &g,
                2,
                &observed[..5],
                &mut z3,
                &mut rngs,
                1,
                &mut scratch
            ),
            Err(Error::DimensionMismatch { .. })
        ));
        assert_eq!(z3, z0);
    }
}
