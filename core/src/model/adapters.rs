//! A model file as an [`Energy`] or a [`VelocityField`], so every sampler and ODE solver
//! runs on it unchanged.

use core::cell::RefCell;

use super::{ModelKind, ModelView};
use crate::error::Error;
use crate::{Energy, Scalar, VelocityField};

/// A model with its scratch. The [`Energy`] and [`VelocityField`] traits take `&self`, so
/// the scratch sits in a `RefCell` (one borrow per call, never nested). As an [`Energy`] and
/// as a [`VelocityField`] its evaluation errors (a length mismatch, a short scratch) are
/// returned as they are. Nothing panics.
#[derive(Debug)]
pub struct ModelEval<'m, 's, S> {
    // Borrowed, not copied: the C API builds these in frames that are firmware stack.
    view: &'m ModelView<'m>,
    scratch: RefCell<&'s mut [S]>,
}

impl<'m, 's, S: Scalar> ModelEval<'m, 's, S> {
    /// An energy model (kind [`ModelKind::Energy`], or [`ModelKind::LatentEnergy`] as an
    /// energy over joint rows `(x, z)` of dimension `x_dim + z_dim`) with at least
    /// [`ModelView::scratch_len`] scalars of scratch, to use as an [`Energy`].
    pub fn energy(view: &'m ModelView<'m>, scratch: &'s mut [S]) -> Result<Self, Error> {
        view.expect_energy()?;
        Self::with_checked_scratch(view, scratch)
    }

    /// A velocity model (kind [`ModelKind::Velocity`]) with at least
    /// [`ModelView::scratch_len`] scalars of scratch, to use as a [`VelocityField`].
    pub fn velocity(view: &'m ModelView<'m>, scratch: &'s mut [S]) -> Result<Self, Error> {
        view.expect_kind(ModelKind::Velocity)?;
        Self::with_checked_scratch(view, scratch)
    }

    fn with_checked_scratch(view: &'m ModelView<'m>, scratch: &'s mut [S]) -> Result<Self, Error> {
        if scratch.len() < view.scratch_len() {
            return Err(Error::ScratchTooSmall {
                needed: view.scratch_len(),
                found: scratch.len(),
            });
        }
        Ok(Self::new_checked(view, scratch))
    }

    /// For callers that have checked the kind and the scratch length themselves: no
    /// `Result` to move through (the C API's frames are firmware stack). A short scratch
    /// makes every evaluation an error ([`Error::ScratchTooSmall`]),
    /// never undefined behaviour.
    pub fn new_checked(view: &'m ModelView<'m>, scratch: &'s mut [S]) -> Self {
        Self {
            view,
            scratch: RefCell::new(scratch),
        }
    }

    // Inlined: its callers are small, and the firmware build is 96 B smaller for it.
    #[inline(always)]
    fn with_scratch<T>(&self, f: impl FnOnce(&mut [S]) -> Result<T, Error>) -> Result<T, Error> {
        let mut scratch = self
            .scratch
            .try_borrow_mut()
            .map_err(|_| Error::InvalidParameter {
                what: "a model evaluated inside its own evaluation",
            })?;
        f(&mut scratch)
    }
}

impl<S: Scalar> Energy<S> for ModelEval<'_, '_, S> {
    fn dim(&self) -> usize {
        let a = self.view.architecture();
        a.x_dim() + a.z_dim()
    }

    fn energy(&self, x: &[S]) -> Result<S, Error> {
        let mut e = [S::ZERO];
        self.with_scratch(|s| self.view.forward(x, &mut e, s))?;
        Ok(e[0])
    }

    fn energy_grad(&self, x: &[S], grad: &mut [S]) -> Result<S, Error> {
        // The kind was checked when `self` was made.
        self.with_scratch(|s| self.view.value_grad(x, grad, s))
    }
}

impl<S: Scalar> VelocityField<S> for ModelEval<'_, '_, S> {
    fn dim(&self) -> usize {
        self.view.architecture().x_dim()
    }

    fn velocity(&self, x: &[S], t: S, v: &mut [S]) -> Result<(), Error> {
        self.with_scratch(|s| self.view.velocity(x, t, v, s))
    }
}
