//! The precisions the CUDA backend runs in: f32 and f64.

use cudarc::cublas::{CudaBlas, Gemm, GemmConfig};
use cudarc::driver::{DevicePtr, DevicePtrMut, DeviceRepr, ValidAsZeroBits};

use super::super::GemmScalar;

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A scalar of the CUDA backend (f32 or f64): its kernels' suffix and its cuBLAS gemm.
pub trait CudaScalar: GemmScalar + DeviceRepr + ValidAsZeroBits + sealed::Sealed {
    /// The suffix of the kernels of this precision in `kernels.cu`.
    const SUFFIX: &'static str;

    /// cuBLAS's gemm in this precision (column-major; see `layout.rs`).
    ///
    /// # Safety
    /// The configuration must describe matrices that lie inside the three buffers.
    unsafe fn gemm<A: DevicePtr<Self>, B: DevicePtr<Self>, C: DevicePtrMut<Self>>(
        blas: &CudaBlas,
        cfg: GemmConfig<Self>,
        a: &A,
        b: &B,
        c: &mut C,
    ) -> Result<(), cudarc::cublas::result::CublasError>;
}

macro_rules! cuda_scalar {
    ($t:ty, $suffix:literal) => {
        impl CudaScalar for $t {
            const SUFFIX: &'static str = $suffix;

            unsafe fn gemm<A: DevicePtr<Self>, B: DevicePtr<Self>, C: DevicePtrMut<Self>>(
                blas: &CudaBlas,
                cfg: GemmConfig<Self>,
                a: &A,
                b: &B,
                c: &mut C,
            ) -> Result<(), cudarc::cublas::result::CublasError> {
                // SAFETY: the caller's contract is cuBLAS's.
                unsafe { Gemm::gemm(blas, cfg, a, b, c) }
            }
        }
    };
}

cuda_scalar!(f32, "f32");
cuda_scalar!(f64, "f64");
