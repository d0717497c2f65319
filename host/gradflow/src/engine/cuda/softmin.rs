//! The Sinkhorn soft-C-transform on the GPU, from host slices or from point clouds kept on
//! the device for all the passes of a solve ([`DeviceCloud`]).

use std::sync::Arc;

use cudarc::driver::{CudaSlice, LaunchConfig, PushKernelArg};

use super::super::EngineError;
use super::super::error::expect_len;
use super::gpu::BLOCK;
use super::module::driver_error;
use super::{CudaBackend, CudaScalar};

/// Shared memory a soft-min block may use for its column tile (bytes).
const SOFTMIN_SHARED: usize = 32 * 1024;

/// A point cloud (`n × d`, row-major) copied once to a GPU, the rows or the columns of
/// [`CudaBackend::softmin_resident`]: a Sinkhorn solve uploads its clouds once and runs
/// every pass on them. Made by [`CudaBackend::upload_cloud`]; usable only with that
/// backend. Freed with it when dropped.
#[derive(Debug)]
pub struct DeviceCloud<S> {
    points: CudaSlice<S>,
    n: usize,
    d: usize,
}

impl<S> DeviceCloud<S> {
    /// Number of points.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Dimension.
    pub fn d(&self) -> usize {
        self.d
    }
}

impl CudaBackend {
    /// Copies the cloud `points` (`n × d`, row-major, `d ≥ 1`, at least one point) to the
    /// GPU for [`Self::softmin_resident`].
    pub fn upload_cloud<S: CudaScalar>(
        &self,
        points: &[S],
        d: usize,
    ) -> Result<DeviceCloud<S>, EngineError> {
        if d == 0 || points.is_empty() {
            return Err(EngineError::InvalidParameter(
                "soft-min needs d ≥ 1 and non-empty point clouds",
            ));
        }
        let n = points.len() / d;
        expect_len("point cloud (n × d)", n * d, points.len())?;
        let points = self.lock().upload(points)?;
        Ok(DeviceCloud { points, n, d })
    }

    /// The soft-C-transform of the Sinkhorn engine on the GPU, from the columns `y`
    /// (m × d, potential `pot`) to the rows `x` (n × d), uniform column weights:
    /// `out[i] = −ε (−ln m + log Σⱼ exp((potⱼ − ‖xᵢ − yⱼ‖²/2)/ε))`, and, if `bary` is
    /// given, the barycentric projections `Σⱼ Wᵢⱼ yⱼ` (n × d). An online log-sum-exp (one
    /// pass, running maximum) over column tiles in shared memory. Uploads both clouds;
    /// [`Self::softmin_resident`] reuses uploaded ones.
    #[allow(clippy::too_many_arguments)]
    pub fn softmin<S: CudaScalar>(
        &self,
        x: &[S],
        y: &[S],
        d: usize,
        eps: f64,
        pot: &[S],
        out: &mut [S],
        bary: Option<&mut [S]>,
    ) -> Result<(), EngineError> {
        let (rows, cols) = (self.upload_cloud(x, d)?, self.upload_cloud(y, d)?);
        let pot: Vec<f64> = pot.iter().map(|p| p.to_f64()).collect();
        self.softmin_resident(&rows, &cols, eps, &pot, out, bary)
    }

    /// [`Self::softmin`] between clouds already on the GPU: rows `x`, columns `y` (the
    /// same dimension), the column potential `pot` in f64 (`uⱼ = potⱼ/ε` is rounded once
    /// to `S`, as the CPU engine does). Copies in the m values of `u` and out the n
    /// results (and n × d projections).
    pub fn softmin_resident<S: CudaScalar>(
        &self,
        x: &DeviceCloud<S>,
        y: &DeviceCloud<S>,
        eps: f64,
        pot: &[f64],
        out: &mut [S],
        bary: Option<&mut [S]>,
    ) -> Result<(), EngineError> {
        if !(eps.is_finite() && eps > 0.0) {
            return Err(EngineError::InvalidParameter("ε must be finite and > 0"));
        }
        if x.d != y.d {
            return Err(EngineError::InvalidParameter(
                "soft-min rows and columns must have the same dimension",
            ));
        }
        let (n, m, d) = (x.n, y.n, x.d);
        expect_len("column potential (m)", m, pot.len())?;
        expect_len("soft-min output (n)", n, out.len())?;
        if let Some(b) = bary.as_deref() {
            expect_len("barycentric projections (n × d)", n * d, b.len())?;
        }
        let inv = 1.0 / eps;
        let u: Vec<S> = pot.iter().map(|&p| S::from_f64(p * inv)).collect();
        let tile = (SOFTMIN_SHARED / (size_of::<S>() * (d + 1))).clamp(1, BLOCK as usize);
        let gpu = self.lock();
        let ours = |c: &DeviceCloud<S>| Arc::ptr_eq(c.points.context(), &gpu.ctx);
        if !(ours(x) && ours(y)) {
            return Err(EngineError::InvalidParameter(
                "a point cloud uploaded by another CUDA backend",
            ));
        }
        let ud = gpu.upload(&u)?;
        let mut od = gpu.zeros::<S>(n)?;
        let mut bd = match bary.is_some() {
            true => Some(gpu.zeros::<S>(n * d)?),
            false => None,
        };
        let (n_arg, m_arg, d_arg, tile_arg) = (n as i64, m as i64, d as i32, tile as i32);
        let half_inv = S::from_f64(0.5 * inv);
        let log_w = S::from_f64(-(m as f64).ln());
        let eps_s = S::from_f64(eps);
        let null = 0u64;
        let mut launch = gpu.stream.launch_builder(gpu.kernels.get::<S>("softmin"));
        launch
            .arg(&x.points)
            .arg(&n_arg)
            .arg(&y.points)
            .arg(&m_arg)
            .arg(&d_arg)
            .arg(&ud)
            .arg(&half_inv)
            .arg(&log_w)
            .arg(&eps_s)
            .arg(&tile_arg)
            .arg(&mut od);
        match bd.as_mut() {
            Some(b) => launch.arg(b),
            None => launch.arg(&null),
        };
        let cfg = LaunchConfig {
            grid_dim: (n.div_ceil(BLOCK as usize) as u32, 1, 1),
            block_dim: (BLOCK, 1, 1),
            shared_mem_bytes: (tile * (d + 1) * size_of::<S>()) as u32,
        };
        // SAFETY: n·d rows and m·d columns (checked when uploaded, on this backend's
        // context, checked above), m values of u, n outputs and n·d projections (when
        // asked) allocated above; the shared memory holds `tile` columns and their u, as
        // the kernel indexes it; argument types match.
        unsafe { launch.launch(cfg) }.map_err(driver_error)?;
        gpu.download(&od, out)?;
        if let (Some(b), Some(host)) = (bd.as_ref(), bary) {
            gpu.download(b, host)?;
        }
        Ok(())
    }
}
