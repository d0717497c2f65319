//! Where a solve's soft-mins run: the CPU kernel of `softmin.rs`, or the CUDA backend's
//! online soft-min on clouds uploaded once per solve. Every soft-C-transform of a solve
//! goes through [`SoftminEngine::softmin`]; the loop around it (ε-scaling, averaging,
//! over-relaxation, stopping) stays on the host, in f64, whatever the engine.

use super::cloud::{self, Cloud};
use super::softmin::softmin;
use super::{SinkhornError, SinkhornScalar};
use crate::engine::Device;
#[cfg(feature = "cuda")]
use crate::engine::{EngineError, cuda::CudaBackend};

/// The engine of a solve's soft-mins. `Copy`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum SoftminEngine<'a> {
    /// The vectorised CPU kernel on rayon's current pool.
    Cpu,
    /// The CUDA backend's kernel.
    #[cfg(feature = "cuda")]
    Cuda(&'a CudaBackend),
    /// Keeps the lifetime used when there is no GPU variant.
    #[cfg(not(feature = "cuda"))]
    #[allow(dead_code)]
    Never(core::convert::Infallible, core::marker::PhantomData<&'a ()>),
}

impl<'a> SoftminEngine<'a> {
    /// The engine of `device`.
    pub(crate) fn of(device: &'a Device) -> Self {
        match device {
            Device::Cpu(_) => Self::Cpu,
            #[cfg(feature = "cuda")]
            Device::Cuda(gpu) => Self::Cuda(gpu),
        }
    }

    /// [`cloud::prepare`], then, on a GPU, both clouds uploaded for the solve.
    pub(crate) fn prepare<S: SinkhornScalar>(
        self,
        x: &[S],
        y: &[S],
        d: usize,
    ) -> Result<(Cloud<S>, Cloud<S>, f64), SinkhornError> {
        #[cfg_attr(not(feature = "cuda"), allow(unused_mut))]
        let (mut cx, mut cy, diameter) = cloud::prepare(x, y, d)?;
        #[cfg(feature = "cuda")]
        if let Self::Cuda(gpu) = self {
            cx.upload(gpu)?;
            cy.upload(gpu)?;
        }
        Ok((cx, cy, diameter))
    }

    /// One soft-C-transform from `cols` (potential `pot`) to `rows`, as `softmin.rs`
    /// defines it: `out` and `bary` (centred coordinates) in f64. `guess` (the rows'
    /// current potential) serves the CPU kernel's shift; the GPU's running maximum needs
    /// none. On the GPU the results come back in the working precision and are widened.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn softmin<S: SinkhornScalar>(
        self,
        rows: &Cloud<S>,
        cols: &Cloud<S>,
        eps: f64,
        pot: &[f64],
        guess: Option<&[f64]>,
        out: &mut [f64],
        bary: Option<&mut [f64]>,
    ) -> Result<(), SinkhornError> {
        match self {
            Self::Cpu => {
                softmin(rows, cols, eps, pot, guess, out, bary);
                Ok(())
            }
            #[cfg(feature = "cuda")]
            Self::Cuda(gpu) => Self::softmin_on_gpu(gpu, rows, cols, eps, pot, out, bary),
            #[cfg(not(feature = "cuda"))]
            Self::Never(never, _) => match never {},
        }
    }

    /// [`SoftminEngine::softmin`] on `gpu`, from the clouds' resident copies.
    #[cfg(feature = "cuda")]
    fn softmin_on_gpu<S: SinkhornScalar>(
        gpu: &CudaBackend,
        rows: &Cloud<S>,
        cols: &Cloud<S>,
        eps: f64,
        pot: &[f64],
        out: &mut [f64],
        bary: Option<&mut [f64]>,
    ) -> Result<(), SinkhornError> {
        let (Some(r), Some(c)) = (rows.resident.as_ref(), cols.resident.as_ref()) else {
            return Err(EngineError::InvalidParameter(
                "the Sinkhorn clouds were not uploaded to the GPU",
            )
            .into());
        };
        let mut narrow_out = vec![S::ZERO; out.len()];
        let mut narrow_bary = bary.as_ref().map(|b| vec![S::ZERO; b.len()]);
        S::gpu_softmin(
            gpu,
            r,
            c,
            eps,
            pot,
            &mut narrow_out,
            narrow_bary.as_deref_mut(),
        )?;
        let widen = |to: &mut [f64], from: &[S]| {
            to.iter_mut().zip(from).for_each(|(t, f)| *t = f.to_f64());
        };
        widen(out, &narrow_out);
        if let (Some(b), Some(nb)) = (bary, narrow_bary.as_deref()) {
            widen(b, nb);
        }
        Ok(())
    }
}
