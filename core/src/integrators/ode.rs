//! Fixed-step ODE solvers for `dx/dt = v(x, t)`.

use crate::error::{Error, check_finite, check_len};
use crate::{Scalar, VelocityField};

/// Which fixed-step Runge–Kutta method to use. Global error O(hᵖ) with p = 1, 2, 4; one,
/// two and four velocity evaluations per step (the NFE count).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OdeSolver {
    /// Forward Euler, order 1.
    #[default]
    Euler,
    /// Heun (explicit trapezoid), order 2.
    Heun,
    /// Classical Runge–Kutta, order 4.
    Rk4,
}

impl OdeSolver {
    /// Velocity evaluations per step.
    pub fn evals_per_step(self) -> u32 {
        match self {
            OdeSolver::Euler => 1,
            OdeSolver::Heun => 2,
            OdeSolver::Rk4 => 4,
        }
    }

    /// Scalars of scratch needed for dimension `dim`.
    pub fn scratch_len(self, dim: usize) -> usize {
        match self {
            OdeSolver::Euler => dim,
            OdeSolver::Heun | OdeSolver::Rk4 => 3 * dim,
        }
    }

    /// One step of size `h` from time `t`. `x` is written only if every velocity evaluation
    /// succeeded and the new state is finite; a failed evaluation is returned unchanged.
    pub fn step<V: VelocityField<S> + ?Sized, S: Scalar>(
        self,
        field: &V,
        x: &mut [S],
        t: S,
        h: S,
        scratch: &mut [S],
    ) -> Result<(), Error> {
        let d = field.dim();
        check_len("state", d, x.len())?;
        let needed = self.scratch_len(d);
        if scratch.len() < needed {
            return Err(Error::ScratchTooSmall {
                needed,
                found: scratch.len(),
            });
        }
        match self {
            OdeSolver::Euler => {
                let k = &mut scratch[..d];
                field.velocity(x, t, k)?;
                check_finite("velocity", k)?;
                for (ki, &xi) in k.iter_mut().zip(x.iter()) {
                    *ki = xi + h * *ki;
                }
                check_finite("new state", k)?;
                x.copy_from_slice(k);
            }
            OdeSolver::Heun => {
                let (k1, rest) = scratch[..3 * d].split_at_mut(d);
                let (tmp, k2) = rest.split_at_mut(d);
                field.velocity(x, t, k1)?;
                for i in 0..d {
                    tmp[i] = x[i] + h * k1[i];
                }
                field.velocity(tmp, t + h, k2)?;
                for i in 0..d {
                    tmp[i] = x[i] + h * S::HALF * (k1[i] + k2[i]);
                }
                check_finite("new state", tmp)?;
                x.copy_from_slice(tmp);
            }
            OdeSolver::Rk4 => {
                let (k, rest) = scratch[..3 * d].split_at_mut(d);
                let (tmp, acc) = rest.split_at_mut(d);
                let half = h * S::HALF;
                let two = S::TWO;
                field.velocity(x, t, k)?;
                for i in 0..d {
                    acc[i] = k[i];
                    tmp[i] = x[i] + half * k[i];
                }
                field.velocity(tmp, t + half, k)?;
                for i in 0..d {
                    acc[i] += two * k[i];
                    tmp[i] = x[i] + half * k[i];
                }
                field.velocity(tmp, t + half, k)?;
                for i in 0..d {
                    acc[i] += two * k[i];
                    tmp[i] = x[i] + h * k[i];
                }
                field.velocity(tmp, t + h, k)?;
                let sixth = h / S::from_f64(6.0);
                for i in 0..d {
                    tmp[i] = x[i] + sixth * (acc[i] + k[i]);
                }
                check_finite("new state", tmp)?;
                x.copy_from_slice(tmp);
            }
        }
        Ok(())
    }

    /// Integrates from `t0` to `t1` in `steps` equal steps. On error `x` holds the last
    /// finite state reached.
    pub fn integrate<V: VelocityField<S> + ?Sized, S: Scalar>(
        self,
        field: &V,
        x: &mut [S],
        t0: S,
        t1: S,
        steps: u32,
        scratch: &mut [S],
    ) -> Result<(), Error> {
        if steps == 0 {
            return Err(Error::InvalidParameter {
                what: "ODE steps must be >= 1",
            });
        }
        if !t0.is_finite() || !t1.is_finite() {
            return Err(Error::InvalidParameter {
                what: "ODE time span must be finite",
            });
        }
        let h = (t1 - t0) / S::from_f64(f64::from(steps));
        for s in 0..steps {
            let t = t0 + h * S::from_f64(f64::from(s));
            self.step(field, x, t, h, scratch)?;
        }
        Ok(())
    }
}
