//! A time-conditioned MLP velocity field v(x, t).

use super::{Mlp, MlpParams};
use crate::error::{fixed, fixed_mut};
use crate::{Error, Scalar, VelocityField};

/// The velocity field v(x, t) = mlp([x, t]) for x ∈ ℝ^OUT: the network's input is the state
/// with the time appended as one extra coordinate, so IN must equal OUT + 1 (checked at
/// compile time). The NSGF paper's 2D model is `TimeMlp<f32, 3, 256, 2, 2>`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimeMlp<S, const IN: usize, const WIDTH: usize, const DEPTH: usize, const OUT: usize> {
    /// The network on [x, t].
    pub net: Mlp<S, IN, WIDTH, DEPTH, OUT>,
}

impl<S: Scalar, const IN: usize, const WIDTH: usize, const DEPTH: usize, const OUT: usize>
    TimeMlp<S, IN, WIDTH, DEPTH, OUT>
{
    const SHAPE_OK: () = assert!(IN == OUT + 1, "TimeMlp needs IN == OUT + 1 (x then t)");

    /// Wraps a network whose input is [x, t].
    pub fn new(net: Mlp<S, IN, WIDTH, DEPTH, OUT>) -> Self {
        let () = Self::SHAPE_OK;
        Self { net }
    }

    fn input(x: &[S], t: S) -> [S; IN] {
        let () = Self::SHAPE_OK;
        let mut z = [S::ZERO; IN];
        z[..OUT].copy_from_slice(x);
        z[OUT] = t;
        z
    }

    /// v(x, t) and, when `grad_params` is given, adds `(∂v/∂θ)ᵀ·c` into it (the gradient
    /// of `c·v` for training by regression). Panics if `x.len() != OUT`.
    pub fn vjp(
        &self,
        x: &[S],
        t: S,
        cotangent: &[S; OUT],
        grad_params: Option<&mut MlpParams<S, IN, WIDTH, DEPTH, OUT>>,
    ) -> [S; OUT] {
        let mut gz = [S::ZERO; IN];
        self.net
            .vjp(&Self::input(x, t), cotangent, &mut gz, grad_params)
    }
}

impl<S: Scalar, const IN: usize, const WIDTH: usize, const DEPTH: usize, const OUT: usize>
    VelocityField<S> for TimeMlp<S, IN, WIDTH, DEPTH, OUT>
{
    fn dim(&self) -> usize {
        OUT
    }

    fn velocity(&self, x: &[S], t: S, v: &mut [S]) -> Result<(), Error> {
        let x: &[S; OUT] = fixed("state", x)?;
        let v: &mut [S; OUT] = fixed_mut("velocity", v)?;
        *v = self.net.forward(&Self::input(x, t));
        Ok(())
    }
}
