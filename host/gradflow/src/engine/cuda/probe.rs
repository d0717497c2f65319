//! Is there a GPU to use? Asked before any CUDA call: cudarc loads the driver, NVRTC and
//! cuBLAS at run time and *panics* on the first call into a library that is not installed,
//! so each one is looked for first.

use cudarc::driver::CudaContext;

/// What the probe found: the number of CUDA devices, or why none can be used.
pub fn probe() -> Result<usize, String> {
    // SAFETY: `is_culib_present` only tries to dlopen the library under its usual names
    // (and closes it again); it runs no code of the library.
    let driver = unsafe { cudarc::driver::sys::is_culib_present() };
    if !driver {
        return Err("no NVIDIA driver (libcuda.so) found".into());
    }
    let count = CudaContext::device_count()
        .map_err(|e| format!("the NVIDIA driver reports an error: {e}"))?;
    if count < 1 {
        return Err("the NVIDIA driver sees no CUDA device".into());
    }
    // SAFETY: as above.
    if !unsafe { cudarc::nvrtc::sys::is_culib_present() } {
        return Err(missing("NVRTC", "nvrtc", "nvidia-cuda-nvrtc-cu12"));
    }
    // SAFETY: as above.
    if !unsafe { cudarc::cublas::sys::is_culib_present() } {
        return Err(missing("cuBLAS", "cublas", "nvidia-cublas-cu12"));
    }
    Ok(count as usize)
}

/// Why a CUDA library cannot be used: the names looked for and where to find one.
fn missing(what: &str, lib: &str, wheel: &str) -> String {
    format!(
        "{what} not found (looked for lib{lib}.so and lib{lib}.so.12 on the loader's path): \
         put the folder that holds it on LD_LIBRARY_PATH (e.g. /usr/local/cuda/lib64), or \
         install the {wheel} wheel and use its lib folder"
    )
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
pub fn devices() -> Result<Vec<DeviceInfo>, String> {
    let count = probe()?;
    (0..count)
        .map(|ordinal| {
            let ctx = CudaContext::new(ordinal).map_err(|e| format!("device {ordinal}: {e}"))?;
            let err = |e: cudarc::driver::DriverError| format!("device {ordinal}: {e}");
            Ok(DeviceInfo {
                ordinal,
                name: ctx.name().map_err(err)?,
                compute_capability: ctx.compute_capability().map_err(err)?,
                total_memory: ctx.total_mem().map_err(err)?,
            })
        })
        .collect()
}
