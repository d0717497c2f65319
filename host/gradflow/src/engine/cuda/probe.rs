//! Is there a GPU to use? Asked before any CUDA call: cudarc loads the driver, NVRTC and
//! cuBLAS at run time and *panics* on the first call into a library that is not installed,
//! so each one is looked for first.

use cudarc::driver::CudaContext;

use super::super::DeviceError;

/// What the probe found: the number of CUDA devices, or why none can be used.
pub fn probe() -> Result<usize, DeviceError> {
    // SAFETY: `is_culib_present` only tries to dlopen the library under its usual names
    // (and closes it again); it runs no code of the library.
    let driver = unsafe { cudarc::driver::sys::is_culib_present() };
    if !driver {
        return Err(DeviceError::NoDriver);
    }
    let count = CudaContext::device_count().map_err(DeviceError::Count)?;
    if count < 1 {
        return Err(DeviceError::NoDevice);
    }
    // SAFETY: as above.
    if !unsafe { cudarc::nvrtc::sys::is_culib_present() } {
        return Err(DeviceError::MissingLibrary {
            what: "NVRTC",
            lib: "nvrtc",
            wheel: "nvidia-cuda-nvrtc-cu12",
        });
    }
    // SAFETY: as above.
    if !unsafe { cudarc::cublas::sys::is_culib_present() } {
        return Err(DeviceError::MissingLibrary {
            what: "cuBLAS",
            lib: "cublas",
            wheel: "nvidia-cublas-cu12",
        });
    }
    Ok(count as usize)
}

/// Whether NVRTC can be loaded (it needs no GPU): the kernels can then be compiled, which
/// tests do on machines without a GPU.
pub fn nvrtc_present() -> bool {
    // SAFETY: as in `probe`.
    unsafe { cudarc::nvrtc::sys::is_culib_present() }
}

/// A CUDA device as [`devices`] reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceInfo {
    /// Ordinal, as `CudaBackend::new` takes it.
    pub ordinal: usize,
    /// Name, e.g. `NVIDIA H100 80GB HBM3`.
    pub name: String,
    /// Compute capability (major, minor).
    pub compute_capability: (i32, i32),
    /// Total memory in bytes.
    pub total_memory: usize,
}

/// The CUDA devices there are, after [`probe`] (whose reason is the error when there are
/// none that can be used).
pub fn devices() -> Result<Vec<DeviceInfo>, DeviceError> {
    let count = probe()?;
    (0..count)
        .map(|ordinal| {
            let err = |source| DeviceError::Query { ordinal, source };
            let ctx = CudaContext::new(ordinal).map_err(err)?;
            Ok(DeviceInfo {
                ordinal,
                name: ctx.name().map_err(err)?,
                compute_capability: ctx.compute_capability().map_err(err)?,
                total_memory: ctx.total_mem().map_err(err)?,
            })
        })
        .collect()
}
