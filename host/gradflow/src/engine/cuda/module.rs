//! The kernels of `kernels.cu`, compiled by NVRTC at run time and loaded into a context.

use std::sync::Arc;

use cudarc::driver::{CudaContext, CudaFunction};
use cudarc::nvrtc::{CompileOptions, Ptx, compile_ptx_with_opts};

use super::super::{DeviceError, EngineError};
use super::CudaScalar;

/// The kernel source (CUDA C++), compiled as it stands by NVRTC.
pub const KERNEL_SOURCE: &str = include_str!("kernels.cu");

/// The kernels of one precision, by name (without the `_f32`/`_f64` suffix).
pub const KERNEL_NAMES: [&str; 7] = [
    "bias_act",
    "mul_elem",
    "fill",
    "ula_update",
    "normals",
    "adam",
    "softmin",
];

/// Compiles [`KERNEL_SOURCE`] to PTX for the virtual architecture `arch` (e.g.
/// `compute_90`; `None`: NVRTC's default). Needs NVRTC, no GPU. Precise division and
/// square roots, no flush-to-zero: the kernels must agree with the CPU backend.
pub fn compile(arch: Option<&'static str>) -> Result<Ptx, EngineError> {
    let opts = CompileOptions {
        ftz: Some(false),
        prec_div: Some(true),
        prec_sqrt: Some(true),
        fmad: Some(true),
        arch,
        name: Some("gradflow_kernels.cu".into()),
        ..Default::default()
    };
    compile_ptx_with_opts(KERNEL_SOURCE, opts).map_err(|e| EngineError::Device(e.into()))
}

/// The virtual architecture to compile for on a device of compute capability
/// (major, minor), among those NVRTC 12 knows; newer devices run the newest by PTX JIT.
pub fn arch_for(major: i32, minor: i32) -> &'static str {
    const KNOWN: [(i32, i32, &str); 8] = [
        (12, 0, "compute_120"),
        (10, 0, "compute_100"),
        (9, 0, "compute_90"),
        (8, 9, "compute_89"),
        (8, 6, "compute_86"),
        (8, 0, "compute_80"),
        (7, 5, "compute_75"),
        (7, 0, "compute_70"),
    ];
    KNOWN
        .iter()
        .find(|&&(ma, mi, _)| (major, minor) >= (ma, mi))
        .map_or("compute_52", |&(_, _, arch)| arch)
}

/// The loaded kernels of both precisions.
#[derive(Debug)]
pub struct Kernels {
    f32: Vec<CudaFunction>,
    f64: Vec<CudaFunction>,
}

impl Kernels {
    /// Compiles the kernels for `ctx`'s device and loads them.
    pub fn load(ctx: &Arc<CudaContext>) -> Result<Self, EngineError> {
        let (major, minor) = ctx.compute_capability().map_err(driver_error)?;
        let ptx = compile(Some(arch_for(major, minor)))?;
        let module = ctx.load_module(ptx).map_err(driver_error)?;
        let load = |suffix: &str| -> Result<Vec<CudaFunction>, EngineError> {
            KERNEL_NAMES
                .iter()
                .map(|name| {
                    module
                        .load_function(&format!("{name}_{suffix}"))
                        .map_err(driver_error)
                })
                .collect()
        };
        Ok(Self {
            f32: load("f32")?,
            f64: load("f64")?,
        })
    }

    /// The kernel `name` (one of [`KERNEL_NAMES`]) in precision `S`.
    pub fn get<S: CudaScalar>(&self, name: &str) -> &CudaFunction {
        let index = KERNEL_NAMES
            .iter()
            .position(|&n| n == name)
            .expect("a kernel of KERNEL_NAMES");
        if S::SUFFIX == "f32" {
            &self.f32[index]
        } else {
            &self.f64[index]
        }
    }
}

/// A driver or cuBLAS error as an engine error.
pub fn driver_error(e: impl Into<DeviceError>) -> EngineError {
    EngineError::Device(e.into())
}
