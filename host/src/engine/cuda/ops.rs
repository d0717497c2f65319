//! The backend's other kernels, on host slices: an Adam step and the Sinkhorn soft-min.

use cudarc::driver::{LaunchConfig, PushKernelArg};

use super::super::EngineError;
use super::super::error::expect_len;
use super::gpu::{BLOCK, Gpu};
use super::module::driver_error;
use super::{CudaBackend, CudaScalar};

/// Shared memory a soft-min block may use for its column tile (bytes).
const SOFTMIN_SHARED: usize = 32 * 1024;

/// Adam's hyperparameters and step count for [`CudaBackend::adam_step`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamStep {
    /// Learning rate α.
    pub lr: f64,
    /// First-moment decay β₁.
    pub beta1: f64,
    /// Second-moment decay β₂.
    pub beta2: f64,
    /// Denominator guard ε.
    pub eps: f64,
    /// The step being taken (1 for the first).
    pub t: i32,
}

impl AdamStep {
    /// The `adam` kernel's scalars in precision `S`, in its order: lr, β₁, β₂, ε and the
    /// bias corrections c₁ = 1 − β₁ᵗ, c₂ = 1 − β₂ᵗ. The corrections are those of β₁ and β₂
    /// as `S` holds them, the decays the kernel applies: in f32, 1 − β₂ of the rounded
    /// 0.999 is 1.3e-5 (relative) off 1 − 0.999, and corrections from the f64 values would
    /// put that error into every early step's v̂.
    pub fn kernel_scalars<S: gradflow_core::Scalar>(&self) -> [S; 6] {
        let [lr, b1, b2, eps] = [self.lr, self.beta1, self.beta2, self.eps].map(S::from_f64);
        let correction = |beta: S| S::from_f64(1.0 - beta.to_f64().powi(self.t));
        [lr, b1, b2, eps, correction(b1), correction(b2)]
    }
}

impl CudaBackend {
    /// One Adam step on the GPU, the update of [`crate::optim::Adam::step`]: moments `m`,
    /// `v` and `params` updated in place from `grad` (all the same length).
    pub fn adam_step<S: CudaScalar>(
        &self,
        params: &mut [S],
        grad: &[S],
        m: &mut [S],
        v: &mut [S],
        hyper: AdamStep,
    ) -> Result<(), EngineError> {
        let n = params.len();
        expect_len("Adam gradient", n, grad.len())?;
        expect_len("Adam first moments", n, m.len())?;
        expect_len("Adam second moments", n, v.len())?;
        if n == 0 {
            return Ok(());
        }
        if hyper.t < 1 {
            return Err(EngineError::InvalidParameter("Adam step count must be ≥ 1"));
        }
        let [lr, b1, b2, eps, c1, c2] = hyper.kernel_scalars::<S>();
        let gpu = self.lock();
        let (mut pd, gd) = (gpu.upload(params)?, gpu.upload(grad)?);
        let (mut md, mut vd) = (gpu.upload(m)?, gpu.upload(v)?);
        let n_arg = n as i64;
        let mut launch = gpu.stream.launch_builder(gpu.kernels.get::<S>("adam"));
        launch
            .arg(&mut pd)
            .arg(&gd)
            .arg(&mut md)
            .arg(&mut vd)
            .arg(&n_arg)
            .arg(&lr)
            .arg(&b1)
            .arg(&b2)
            .arg(&eps)
            .arg(&c1)
            .arg(&c2);
        // SAFETY: four buffers of n values allocated above; argument types match.
        unsafe { launch.launch(Gpu::elementwise(n)) }.map_err(driver_error)?;
        gpu.download(&pd, params)?;
        gpu.download(&md, m)?;
        gpu.download(&vd, v)
    }

    /// The soft-C-transform of the Sinkhorn engine on the GPU, from the columns `y`
    /// (m × d, potential `pot`) to the rows `x` (n × d), uniform column weights:
    /// `out[i] = −ε (−ln m + log Σⱼ exp((potⱼ − ‖xᵢ − yⱼ‖²/2)/ε))`, and, if `bary` is
    /// given, the barycentric projections `Σⱼ Wᵢⱼ yⱼ` (n × d). An online log-sum-exp (one
    /// pass, running maximum) over column tiles in shared memory.
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
        if d == 0 || x.is_empty() || y.is_empty() {
            return Err(EngineError::InvalidParameter(
                "soft-min needs d ≥ 1 and non-empty point clouds",
            ));
        }
        if !(eps.is_finite() && eps > 0.0) {
            return Err(EngineError::InvalidParameter("ε must be finite and > 0"));
        }
        let (n, m) = (x.len() / d, y.len() / d);
        expect_len("rows (n × d)", n * d, x.len())?;
        expect_len("columns (m × d)", m * d, y.len())?;
        expect_len("column potential (m)", m, pot.len())?;
        expect_len("soft-min output (n)", n, out.len())?;
        let inv = 1.0 / eps;
        let u: Vec<S> = pot.iter().map(|&p| S::from_f64(p.to_f64() * inv)).collect();
        let tile = (SOFTMIN_SHARED / (size_of::<S>() * (d + 1))).clamp(1, BLOCK as usize);
        let gpu = self.lock();
        let (xd, yd, ud) = (gpu.upload(x)?, gpu.upload(y)?, gpu.upload(&u)?);
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
            .arg(&xd)
            .arg(&n_arg)
            .arg(&yd)
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
        // SAFETY: n·d rows, m·d columns, m potentials, n outputs and n·d projections (when
        // asked) allocated above; the shared memory holds `tile` columns and their u, as
        // the kernel indexes it; argument types match.
        unsafe { launch.launch(cfg) }.map_err(driver_error)?;
        gpu.download(&od, out)?;
        if let (Some(b), Some(host)) = (bd.as_ref(), bary) {
            expect_len("barycentric projections (n × d)", n * d, host.len())?;
            gpu.download(b, host)?;
        }
        Ok(())
    }
}
