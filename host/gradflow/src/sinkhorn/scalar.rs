//! The floating-point types the engine runs in: f32 and f64.

use std::fmt::Debug;

pub(crate) use sealed::{Lane, OnGpu};

mod sealed {
    use std::ops::{Add, Mul, Sub};

    #[cfg(feature = "cuda")]
    use crate::engine::EngineError;
    #[cfg(feature = "cuda")]
    use crate::engine::cuda::{CudaBackend, CudaScalar, DeviceCloud};

    /// The GPU soft-min in this precision (f32 and f64, through the CUDA backend's
    /// generic calls; names of their own so that they do not clash with `Lane`'s).
    #[cfg(feature = "cuda")]
    pub trait OnGpu: Sized {
        /// [`CudaBackend::upload_cloud`].
        fn gpu_upload(
            gpu: &CudaBackend,
            points: &[Self],
            d: usize,
        ) -> Result<DeviceCloud<Self>, EngineError>;
        /// [`CudaBackend::softmin_resident`].
        fn gpu_softmin(
            gpu: &CudaBackend,
            rows: &DeviceCloud<Self>,
            cols: &DeviceCloud<Self>,
            eps: f64,
            pot: &[f64],
            out: &mut [Self],
            bary: Option<&mut [Self]>,
        ) -> Result<(), EngineError>;
    }

    #[cfg(feature = "cuda")]
    impl<S: CudaScalar> OnGpu for S {
        fn gpu_upload(
            gpu: &CudaBackend,
            points: &[S],
            d: usize,
        ) -> Result<DeviceCloud<S>, EngineError> {
            gpu.upload_cloud(points, d)
        }

        fn gpu_softmin(
            gpu: &CudaBackend,
            rows: &DeviceCloud<S>,
            cols: &DeviceCloud<S>,
            eps: f64,
            pot: &[f64],
            out: &mut [S],
            bary: Option<&mut [S]>,
        ) -> Result<(), EngineError> {
            gpu.softmin_resident(rows, cols, eps, pot, out, bary)
        }
    }

    /// Without the `cuda` feature no soft-min runs on a GPU: nothing to ask of the type.
    #[cfg(not(feature = "cuda"))]
    pub trait OnGpu {}
    #[cfg(not(feature = "cuda"))]
    impl OnGpu for f32 {}
    #[cfg(not(feature = "cuda"))]
    impl OnGpu for f64 {}

    /// The arithmetic of the inner loops (only this crate implements it, for f32 and f64).
    pub trait Lane:
        Copy + PartialOrd + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self>
    {
        /// 0.
        const ZERO: Self;
        /// −∞ (the padding of the last column block).
        const NEG_INF: Self;
        /// How far the largest exponent of a row may lie from the row's guessed shift
        /// before the row is redone with the exact maximum: well inside the range of `exp`.
        const WINDOW: f64;
        /// `self·a + b`, rounded once.
        fn fma(self, a: Self, b: Self) -> Self;
        /// `exp(self)`: the polynomial `exp_f32` of the fused kernels (vectorises) in f32,
        /// libm in f64.
        fn exp(self) -> Self;
    }

    impl Lane for f32 {
        const ZERO: Self = 0.0;
        const NEG_INF: Self = f32::NEG_INFINITY;
        const WINDOW: f64 = 50.0;
        #[inline(always)]
        fn fma(self, a: Self, b: Self) -> Self {
            self.mul_add(a, b)
        }
        #[inline(always)]
        fn exp(self) -> Self {
            crate::engine::exp_f32(self)
        }
    }

    impl Lane for f64 {
        const ZERO: Self = 0.0;
        const NEG_INF: Self = f64::NEG_INFINITY;
        const WINDOW: f64 = 300.0;
        #[inline(always)]
        fn fma(self, a: Self, b: Self) -> Self {
            self.mul_add(a, b)
        }
        #[inline(always)]
        fn exp(self) -> Self {
            f64::exp(self)
        }
    }
}

/// A floating-point type of the points and potentials: `f32` or `f64` (sealed).
///
/// The type sets the precision of the inner loops over point pairs (f32: a vectorised
/// polynomial `exp`, AVX-512 or AVX2 + FMA where the CPU has them). Whatever the type, the
/// potentials are carried between iterations in f64, and the sums over points (per row
/// across tiles, OT terms, marginal errors) are taken in f64. On a GPU the soft-mins run
/// in this type and return their results in it.
pub trait SinkhornScalar: Lane + OnGpu + Debug + Default + Send + Sync + 'static {
    /// `"f32"` or `"f64"`.
    const NAME: &'static str;
    /// Widens to f64 (exact).
    fn to_f64(self) -> f64;
    /// Rounds an f64 to this type.
    fn from_f64(v: f64) -> Self;
}

impl SinkhornScalar for f32 {
    const NAME: &'static str = "f32";
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v as f32
    }
}

impl SinkhornScalar for f64 {
    const NAME: &'static str = "f64";
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v
    }
}
