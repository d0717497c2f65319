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
        return Err(
            "NVRTC (libnvrtc.so) not found: the kernels are compiled at run time by it \
             (install the CUDA toolkit or the nvidia-cuda-nvrtc-cu12 wheel and add its lib \
             folder to LD_LIBRARY_PATH)"
                .into(),
        );
    }
    // SAFETY: as above.
    if !unsafe { cudarc::cublas::sys::is_culib_present() } {
        return Err(
            "cuBLAS (libcublas.so) not found (install the CUDA toolkit or the \
             nvidia-cublas-cu12 wheel and add its lib folder to LD_LIBRARY_PATH)"
                .into(),
        );
    }
    Ok(count as usize)
}

/// Whether NVRTC can be loaded (it needs no GPU): the kernels can then be compiled, which
/// tests do on machines without a GPU.
pub fn nvrtc_present() -> bool {
    // SAFETY: as in `probe`.
    unsafe { cudarc::nvrtc::sys::is_culib_present() }
}
