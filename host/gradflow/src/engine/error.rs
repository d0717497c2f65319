//! What the engine refuses.

use std::fmt;

/// An engine call's inputs do not fit the network, or a value is not finite.
#[derive(Clone, Debug, PartialEq)]
pub enum EngineError {
    /// A buffer's length does not match the batch and the network.
    Size {
        /// Which buffer.
        what: &'static str,
        /// Length required.
        expected: usize,
        /// Length given.
        found: usize,
    },
    /// The network cannot do this (for example a gradient of a vector-valued network).
    Unsupported(&'static str),
    /// A setting is outside its domain.
    InvalidParameter(&'static str),
    /// The architecture or the parameters were rejected.
    Model(gradflow_core::Error),
    /// The compute device is missing or failed (no GPU, no driver, a CUDA error).
    Device(DeviceError),
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Size {
                what,
                expected,
                found,
            } => write!(f, "{what}: expected {expected} values, found {found}"),
            Self::Unsupported(what) => write!(f, "unsupported: {what}"),
            Self::InvalidParameter(what) => write!(f, "invalid parameter: {what}"),
            Self::Model(e) => write!(f, "{e}"),
            Self::Device(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for EngineError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Model(e) => Some(e),
            Self::Device(e) => Some(e),
            Self::Size { .. } | Self::Unsupported(_) | Self::InvalidParameter(_) => None,
        }
    }
}

impl From<gradflow_core::Error> for EngineError {
    fn from(e: gradflow_core::Error) -> Self {
        Self::Model(e)
    }
}

impl From<DeviceError> for EngineError {
    fn from(e: DeviceError) -> Self {
        Self::Device(e)
    }
}

/// Why a compute device cannot be used or failed: what the probe found missing, or the
/// error of a CUDA library call.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum DeviceError {
    /// This build has no CUDA backend (cargo feature `cuda`).
    NotBuilt,
    /// No NVIDIA driver (`libcuda.so`) could be loaded.
    NoDriver,
    /// The driver sees no CUDA device.
    NoDevice,
    /// A CUDA library the backend needs could not be loaded.
    MissingLibrary {
        /// Its name (`NVRTC`, `cuBLAS`).
        what: &'static str,
        /// The stem of its file name (`nvrtc` for `libnvrtc.so`).
        lib: &'static str,
        /// The Python wheel that ships it.
        wheel: &'static str,
    },
    /// A device ordinal beyond the devices there are.
    Ordinal {
        /// The ordinal asked for.
        ordinal: usize,
        /// The devices there are.
        count: usize,
    },
    /// Counting the devices failed.
    #[cfg(feature = "cuda")]
    Count(cudarc::driver::DriverError),
    /// Querying device `ordinal` (its name, compute capability or memory) failed.
    #[cfg(feature = "cuda")]
    Query {
        /// The device.
        ordinal: usize,
        /// The driver's error.
        source: cudarc::driver::DriverError,
    },
    /// A CUDA driver call (context, memory, copy, module, kernel launch) failed.
    #[cfg(feature = "cuda")]
    Driver(cudarc::driver::DriverError),
    /// A cuBLAS call failed.
    #[cfg(feature = "cuda")]
    Cublas(cudarc::cublas::result::CublasError),
    /// NVRTC could not compile the kernels.
    #[cfg(feature = "cuda")]
    Compile(cudarc::nvrtc::CompileError),
}

impl fmt::Display for DeviceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotBuilt => {
                f.write_str("this build of gradflow has no CUDA backend (cargo feature `cuda`)")
            }
            Self::NoDriver => f.write_str("no NVIDIA driver (libcuda.so) found"),
            Self::NoDevice => f.write_str("the NVIDIA driver sees no CUDA device"),
            Self::MissingLibrary { what, lib, wheel } => write!(
                f,
                "{what} not found (looked for lib{lib}.so and lib{lib}.so.12 on the loader's \
                 path): put the folder that holds it on LD_LIBRARY_PATH (e.g. \
                 /usr/local/cuda/lib64), or install the {wheel} wheel and use its lib folder"
            ),
            Self::Ordinal { ordinal, count } => {
                write!(f, "CUDA device {ordinal} asked for, but there are {count}")
            }
            #[cfg(feature = "cuda")]
            Self::Count(e) => write!(f, "the NVIDIA driver reports an error: {e}"),
            #[cfg(feature = "cuda")]
            Self::Query { ordinal, source } => write!(f, "device {ordinal}: {source}"),
            #[cfg(feature = "cuda")]
            Self::Driver(e) => write!(f, "CUDA: {e}"),
            #[cfg(feature = "cuda")]
            Self::Cublas(e) => write!(f, "CUDA: {e}"),
            #[cfg(feature = "cuda")]
            Self::Compile(e) => write!(f, "NVRTC could not compile the kernels: {e}"),
        }
    }
}

impl std::error::Error for DeviceError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            #[cfg(feature = "cuda")]
            Self::Count(e) | Self::Driver(e) | Self::Query { source: e, .. } => Some(e),
            #[cfg(feature = "cuda")]
            Self::Cublas(e) => Some(e),
            #[cfg(feature = "cuda")]
            Self::Compile(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(feature = "cuda")]
impl From<cudarc::driver::DriverError> for DeviceError {
    fn from(e: cudarc::driver::DriverError) -> Self {
        Self::Driver(e)
    }
}

#[cfg(feature = "cuda")]
impl From<cudarc::cublas::result::CublasError> for DeviceError {
    fn from(e: cudarc::cublas::result::CublasError) -> Self {
        Self::Cublas(e)
    }
}

#[cfg(feature = "cuda")]
impl From<cudarc::nvrtc::CompileError> for DeviceError {
    fn from(e: cudarc::nvrtc::CompileError) -> Self {
        Self::Compile(e)
    }
}

/// `Size` unless `found == expected`.
pub(crate) fn expect_len(
    what: &'static str,
    expected: usize,
    found: usize,
) -> Result<(), EngineError> {
    if found == expected {
        Ok(())
    } else {
        Err(EngineError::Size {
            what,
            expected,
            found,
        })
    }
}
