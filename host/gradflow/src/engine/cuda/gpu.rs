//! One GPU as the backend sees it: a context, its stream, a cuBLAS handle on that stream
//! and the loaded kernels, with small typed helpers for the calls the passes make.

use std::sync::Arc;

use cudarc::cublas::CudaBlas;
use cudarc::driver::{
    CudaContext, CudaSlice, CudaStream, DevicePtr, DevicePtrMut, DeviceRepr, LaunchConfig,
    PushKernelArg, ValidAsZeroBits,
};

use super::super::{DeviceError, EngineError};
use super::layout::{Operand, row_major};
use super::module::{Kernels, driver_error};
use super::{CudaScalar, probe};

/// Threads per block of the element-wise kernels.
pub const BLOCK: u32 = 256;
/// Most blocks of an element-wise launch (the kernels loop over the rest).
const MAX_BLOCKS: usize = 1 << 16;

/// A GPU's context, stream, cuBLAS handle and kernels.
#[derive(Debug)]
pub struct Gpu {
    pub(super) ctx: Arc<CudaContext>,
    pub(super) stream: Arc<CudaStream>,
    blas: CudaBlas,
    pub(super) kernels: Kernels,
}

impl Gpu {
    /// Device `ordinal`, after [`probe`] found it; compiles and loads the kernels.
    pub fn open(ordinal: usize) -> Result<Self, EngineError> {
        let count = probe::probe()?;
        if ordinal >= count {
            return Err(DeviceError::Ordinal { ordinal, count }.into());
        }
        let ctx = CudaContext::new(ordinal).map_err(driver_error)?;
        // SAFETY: every allocation, copy, kernel and cuBLAS call of this backend goes to
        // the one stream below, which orders them; cross-stream events are not needed.
        unsafe { ctx.disable_event_tracking() };
        let stream = ctx.default_stream();
        let blas = CudaBlas::new(stream.clone()).map_err(driver_error)?;
        let kernels = Kernels::load(&ctx)?;
        Ok(Self {
            ctx,
            stream,
            blas,
            kernels,
        })
    }

    /// The device's name.
    pub fn name(&self) -> String {
        self.ctx
            .name()
            .unwrap_or_else(|_| "unknown CUDA device".into())
    }

    /// A copy of `host` on the device.
    pub fn upload<T: DeviceRepr>(&self, host: &[T]) -> Result<CudaSlice<T>, EngineError> {
        self.stream.clone_htod(host).map_err(driver_error)
    }

    /// `len` zeros on the device.
    pub fn zeros<T: DeviceRepr + ValidAsZeroBits>(
        &self,
        len: usize,
    ) -> Result<CudaSlice<T>, EngineError> {
        self.stream.alloc_zeros(len.max(1)).map_err(driver_error)
    }

    /// Copies the first `host.len()` values of `dev` into `host` and waits for it.
    pub fn download<T: DeviceRepr>(
        &self,
        dev: &CudaSlice<T>,
        host: &mut [T],
    ) -> Result<(), EngineError> {
        self.stream
            .memcpy_dtoh(&dev.slice(0..host.len()), host)
            .map_err(driver_error)?;
        self.stream.synchronize().map_err(driver_error)
    }

    /// Row-major `C ← op(A)·op(B) + beta·C` (see `layout.rs`).
    pub fn gemm<S: CudaScalar>(
        &self,
        (a, a_op): (&impl DevicePtr<S>, Operand),
        (b, b_op): (&impl DevicePtr<S>, Operand),
        beta: S,
        c: &mut impl DevicePtrMut<S>,
    ) -> Result<(), EngineError> {
        let dims = [a_op.rows, a_op.cols, b_op.rows, b_op.cols];
        if dims.iter().any(|&v| i32::try_from(v).is_err()) {
            return Err(EngineError::InvalidParameter(
                "a matrix dimension over 2³¹ − 1 (cuBLAS's limit): split the batch",
            ));
        }
        let cfg = row_major(a_op, b_op, S::ONE, beta);
        let need = |op: Operand| op.rows * op.cols;
        assert!(
            a.len() >= need(a_op) && b.len() >= need(b_op),
            "gemm operand too short"
        );
        assert!(
            c.len() >= (cfg.m as usize) * (cfg.n as usize),
            "gemm output too short"
        );
        // SAFETY: the configuration describes row-major matrices of the stated shapes,
        // each inside its buffer (asserted above), and C is a distinct buffer.
        unsafe { S::gemm(&self.blas, cfg, b, a, c) }.map_err(driver_error)
    }

    /// The launch of an element-wise kernel over `n` items.
    pub fn elementwise(n: usize) -> LaunchConfig {
        let blocks = n.div_ceil(BLOCK as usize).clamp(1, MAX_BLOCKS);
        LaunchConfig {
            grid_dim: (blocks as u32, 1, 1),
            block_dim: (BLOCK, 1, 1),
            shared_mem_bytes: 0,
        }
    }

    /// `z ← act(z + bias)` row by row (`rows × cols`), σ′ into `deriv` if given; `act`
    /// −1: the identity.
    pub fn bias_act<S: CudaScalar>(
        &self,
        z: &mut impl DevicePtrMut<S>,
        deriv: Option<&mut CudaSlice<S>>,
        bias: &impl DevicePtr<S>,
        (rows, cols): (usize, usize),
        act: i32,
    ) -> Result<(), EngineError> {
        let len = rows * cols;
        assert!(
            z.len() >= len && bias.len() >= cols,
            "bias_act operand too short"
        );
        let f = self.kernels.get::<S>("bias_act");
        let (rows_arg, cols_arg) = (rows as i64, cols as i32);
        let (zp, _z) = z.device_ptr_mut(&self.stream);
        let (bp, _b) = bias.device_ptr(&self.stream);
        // A null pointer tells the kernel not to write derivatives.
        let (dp, _d) = match deriv {
            Some(d) => {
                assert!(d.len() >= len, "bias_act derivatives too short");
                let (p, sync) = d.device_ptr_mut(&self.stream);
                (p, Some(sync))
            }
            None => (0, None),
        };
        let mut launch = self.stream.launch_builder(f);
        launch
            .arg(&zp)
            .arg(&dp)
            .arg(&bp)
            .arg(&rows_arg)
            .arg(&cols_arg)
            .arg(&act);
        // SAFETY: the kernel reads and writes rows·cols values of z and deriv and cols of
        // bias, all there (asserted); the argument types match its signature.
        unsafe { launch.launch(Self::elementwise(len)) }
            .map(drop)
            .map_err(driver_error)
    }

    /// `a ← a ⊙ b` over the first `n` values.
    pub fn mul_elem<S: CudaScalar>(
        &self,
        a: &mut impl DevicePtrMut<S>,
        b: &impl DevicePtr<S>,
        n: usize,
    ) -> Result<(), EngineError> {
        assert!(a.len() >= n && b.len() >= n);
        let f = self.kernels.get::<S>("mul_elem");
        let (ap, _a) = a.device_ptr_mut(&self.stream);
        let (bp, _b) = b.device_ptr(&self.stream);
        let n_arg = n as i64;
        let mut launch = self.stream.launch_builder(f);
        launch.arg(&ap).arg(&bp).arg(&n_arg);
        // SAFETY: n values of each buffer (asserted); argument types match.
        unsafe { launch.launch(Self::elementwise(n)) }
            .map(drop)
            .map_err(driver_error)
    }

    /// `a ← v` over all of `a`.
    pub fn fill<S: CudaScalar>(&self, a: &mut CudaSlice<S>, v: S) -> Result<(), EngineError> {
        let f = self.kernels.get::<S>("fill");
        let n = a.len();
        let n_arg = n as i64;
        let mut launch = self.stream.launch_builder(f);
        launch.arg(a).arg(&v).arg(&n_arg);
        // SAFETY: n values of a; argument types match.
        unsafe { launch.launch(Self::elementwise(n)) }
            .map(drop)
            .map_err(driver_error)
    }
}
