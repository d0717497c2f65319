//! The Sinkhorn engine: debiased Sinkhorn divergences, their gradients and the Sinkhorn
//! gradient-flow velocity (NSGF) between point clouds, in f32 or f64, on rayon's threads
//! or with the soft-mins on a GPU.
//!
//! ```
//! use gradflow::sinkhorn::{SinkhornSettings, Stopping};
//! let x = [0.0, 0.0, 1.0, 0.0, 0.0, 1.0];
//! let y = [0.5, 0.5, 1.5, 0.5, 0.5, 1.5];
//! let settings = SinkhornSettings { blur: 0.1, ..SinkhornSettings::default() };
//! let s = settings.divergence(&x, &y, 2)?;
//! assert!(s.value > 0.0);
//! let mut v = [0.0; 6];
//! settings.velocity(&x, &y, 2, &mut v)?; // the NSGF velocity at the points of x
//! // Converged instead of annealed:
//! let exact = SinkhornSettings {
//!     stopping: Stopping::Tolerance { tol: 1e-12, max_iter: 10_000 },
//!     ..settings
//! };
//! assert!((exact.divergence(&x, &y, 2)?.value - s.value).abs() < 1e-3);
//! # Ok::<(), gradflow::sinkhorn::SinkhornError>(())
//! ```
//!
//! # Conventions and algorithm (GeomLoss 0.2.6's, docs/src/design.md §4.3)
//! Cost `C(x, y) = ‖x − y‖²/2`, `ε = blur²`, uniform weights. The ε-scaling schedule starts
//! at the squared diameter of the joint bounding box and divides ε by `scaling²` per step
//! down to `blur²` (GeomLoss's `max_diameter` and `epsilon_schedule`); each problem runs
//! GeomLoss's symmetric averaged updates, the cross problem OT(a, b) and the self problems
//! OT(a, a), OT(b, b) of the debiasing alike, then GeomLoss's final extrapolation (the
//! private module `problem` follows GeomLoss's `sinkhorn_loop` line by line). [`Stopping::Annealed`] stops there, as
//! GeomLoss does (a fixed number of updates, what NSGF uses); [`Stopping::Tolerance`]
//! iterates at `ε = blur²` until the marginal error is below `tol` first.
//!
//! The converged reference solver is [`crate::metrics::Sinkhorn`] (slow, f64, simple); this
//! engine agrees with it in Tolerance mode.
//!
//! # Memory, threads, speed
//! Every update is a soft-C-transform streamed over the points with a one-pass stable
//! log-sum-exp: memory O(n + m), never an n × m matrix. The problems run side by side and
//! their rows are split over rayon's current pool; each row is reduced sequentially, so
//! results are bit-identical for any number of threads. The inner loop is vectorised
//! (AVX-512, or AVX2 + FMA, chosen at run time; a portable build otherwise; all three give
//! the same bits) with a polynomial `exp` in f32; f64 uses libm's `exp` and is several
//! times slower. In f32 the points are centred and the cost is taken as the direct
//! difference `‖x − y‖²`, which keeps f32 within about 1e-8 of f64 in the value on
//! typical 2D clouds at blur 0.05 (the example `sinkhorn_precision` measures it).
//!
//! # On a GPU
//! [`SinkhornSettings::divergence_on`] and [`SinkhornSettings::velocity_on`] take a
//! [`Device`]: on a CUDA device both centred clouds are uploaded once per solve and every
//! soft-C-transform runs there ([`crate::engine::cuda::CudaBackend::softmin_resident`]: one
//! thread per row, an online log-sum-exp with a running maximum, in the precision `S`);
//! the loop around the soft-mins (ε-scaling, averaging, over-relaxation, stopping) stays
//! on the host in f64, so the GPU solves the same problems with the same iterations and
//! agrees with the CPU to the rounding of `S` (by a rounding analysis about 1e-6 relative
//! on the potentials and the value in f32; `tests/cuda_sinkhorn.rs` checks 1e-4 in f32 and
//! 1e-10 in f64). Its soft-mins come back rounded to `S`, so in f32 the marginal error of
//! [`Stopping::Tolerance`] stalls higher than on the CPU (about 1e-7·|f|/(ε√n)): keep
//! `tol` above that. On a CPU device they are [`SinkhornSettings::divergence`] and
//! [`SinkhornSettings::velocity`] (rayon's current pool, the same bits).

mod cloud;
mod divergence;
mod engine;
mod error;
mod kernel;
mod overrelax;
mod problem;
mod report;
mod scalar;
pub(crate) mod schedule;
mod softmin;

pub use divergence::Divergence;
pub use error::SinkhornError;
pub use report::{ProblemReport, SolveReport};
pub use scalar::SinkhornScalar;

use engine::SoftminEngine;
use scalar::Lane;

use crate::engine::Device;
use crate::metrics::pairwise_sum;

/// When the Sinkhorn loop stops. `Copy`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Stopping {
    /// GeomLoss's fixed schedule: one update per ε of the ε-scaling schedule, then the
    /// final extrapolation (what GeomLoss's `SamplesLoss("sinkhorn")` and NSGF run).
    Annealed,
    /// After the schedule, iterate at `ε = blur²` until the L2 column-marginal error is
    /// below `tol` (the cross problem with over-relaxed alternating updates, the error
    /// measured on a plain update as POT does), at most `max_iter` iterations per problem (then
    /// [`SinkhornError::NotConverged`]). In f32 the error stalls around 1e-7 to 1e-6 (the
    /// rounding of the sums), so a smaller `tol` runs to `max_iter`.
    Tolerance {
        /// Tolerance on the L2 marginal error (positive).
        tol: f64,
        /// Cap on the iterations at the final ε (at least 1).
        max_iter: usize,
    },
}

/// Settings of the engine (GeomLoss's parameters). `Copy + Default`: blur 0.05, scaling
/// 0.5, annealed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SinkhornSettings {
    /// `ε = blur²`; a length on the scale of the data (positive).
    pub blur: f64,
    /// Ratio of successive blurs of the ε-scaling schedule, in (0, 1).
    pub scaling: f64,
    /// When to stop.
    pub stopping: Stopping,
}

impl Default for SinkhornSettings {
    fn default() -> Self {
        Self {
            blur: 0.05,
            scaling: 0.5,
            stopping: Stopping::Annealed,
        }
    }
}

impl SinkhornSettings {
    /// Checks the settings.
    fn check(&self) -> Result<(), SinkhornError> {
        let invalid = |name, value, domain| {
            Err(SinkhornError::InvalidSetting {
                name,
                value,
                domain,
            })
        };
        if !(self.blur.is_finite() && self.blur > 0.0) {
            return invalid("blur", self.blur, "finite and positive");
        }
        if !(self.scaling > 0.0 && self.scaling < 1.0) {
            return invalid("scaling", self.scaling, "in (0, 1)");
        }
        if let Stopping::Tolerance { tol, max_iter } = self.stopping {
            if !(tol.is_finite() && tol > 0.0) {
                return invalid("tol", tol, "finite and positive");
            }
            if max_iter == 0 {
                return invalid("max_iter", 0.0, "at least 1");
            }
        }
        Ok(())
    }

    /// The debiased divergence `S_ε(x, y)` between the uniform clouds `x` (`n × d`) and `y`
    /// (`m × d`, row-major; `n ≠ m` allowed), with its OT terms, the potentials
    /// (`f_xy` on x, `g_xy` on y, `p_xx`, `q_yy`), the velocity and gradient at x, iteration
    /// counts and marginal errors. Solves the three problems, on the CPU.
    pub fn divergence<S: SinkhornScalar>(
        &self,
        x: &[S],
        y: &[S],
        d: usize,
    ) -> Result<Divergence<S>, SinkhornError> {
        self.divergence_with(SoftminEngine::Cpu, x, y, d)
    }

    /// [`Self::divergence`] with the soft-mins on `device`: on a CPU device the same
    /// computation on rayon's current pool (the same bits); on a GPU the clouds are
    /// uploaded once and every soft-min runs there in precision `S` (a running-maximum
    /// log-sum-exp), the loop around them on the host in f64. The GPU result agrees with
    /// the CPU one to the rounding of `S` (module docs, "On a GPU").
    pub fn divergence_on<S: SinkhornScalar>(
        &self,
        device: &Device,
        x: &[S],
        y: &[S],
        d: usize,
    ) -> Result<Divergence<S>, SinkhornError> {
        self.divergence_with(SoftminEngine::of(device), x, y, d)
    }

    /// [`Self::divergence`] on `engine`.
    fn divergence_with<S: SinkhornScalar>(
        &self,
        engine: SoftminEngine<'_>,
        x: &[S],
        y: &[S],
        d: usize,
    ) -> Result<Divergence<S>, SinkhornError> {
        self.check()?;
        let (cx, cy, diameter) = engine.prepare(x, y, d)?;
        let schedule = schedule::eps_schedule(diameter, self.blur, self.scaling);
        // The three problems are independent: they run side by side on the pool (which
        // matters for small clouds, whose passes have few rows to split).
        let (xy, (xx, yy)) = rayon::join(
            || problem::cross(engine, &cx, &cy, &schedule, self.stopping, true, true),
            || {
                rayon::join(
                    || problem::symmetric(engine, &cx, &schedule, self.stopping, true),
                    || problem::symmetric(engine, &cy, &schedule, self.stopping, false),
                )
            },
        );
        let (xy, xx, yy) = (xy?, xx?, yy?);
        let finite = |v: &[f64]| v.iter().all(|t| t.is_finite());
        if !(finite(&xy.f) && finite(&xy.g) && finite(&xx.p) && finite(&yy.p)) {
            return Err(SinkhornError::Overflow);
        }
        let mean = |v: &[f64]| pairwise_sum(v) / v.len() as f64;
        let ot_xy = mean(&xy.f) + mean(&xy.g);
        let ot_xx = 2.0 * mean(&xx.p);
        let ot_yy = 2.0 * mean(&yy.p);
        let narrow = |v: &[f64]| v.iter().map(|&t| S::from_f64(t)).collect::<Vec<S>>();
        let to_y = xy.bary.as_deref().expect("asked for");
        let to_x = xx.bary.as_deref().expect("asked for");
        Ok(Divergence {
            value: ot_xy - 0.5 * ot_xx - 0.5 * ot_yy,
            ot_xy,
            ot_xx,
            ot_yy,
            f_xy: narrow(&xy.f),
            g_xy: narrow(&xy.g),
            p_xx: narrow(&xx.p),
            q_yy: narrow(&yy.p),
            velocity_x: to_y
                .iter()
                .zip(to_x)
                .map(|(t, s)| S::from_f64(t - s))
                .collect(),
            report: SolveReport {
                eps: self.blur * self.blur,
                schedule_len: schedule.len(),
                xy: xy.report,
                xx: xx.report,
                yy: Some(yy.report),
            },
        })
    }

    /// The NSGF velocity `v(xᵢ) = Σⱼ W^{xy}ᵢⱼ yⱼ − Σₖ W^{xx}ᵢₖ xₖ` (barycentric projection
    /// on y minus on x itself; docs/src/design.md §4.3), written into `out` (`n × d`, row-major). It
    /// equals [`Divergence::velocity_x`] but solves only the xy and xx problems, on the CPU.
    pub fn velocity<S: SinkhornScalar>(
        &self,
        x: &[S],
        y: &[S],
        d: usize,
        out: &mut [S],
    ) -> Result<SolveReport, SinkhornError> {
        self.velocity_with(SoftminEngine::Cpu, x, y, d, out)
    }

    /// [`Self::velocity`] with the soft-mins on `device` (see [`Self::divergence_on`]):
    /// on a CPU device the same bits as [`Self::velocity`].
    pub fn velocity_on<S: SinkhornScalar>(
        &self,
        device: &Device,
        x: &[S],
        y: &[S],
        d: usize,
        out: &mut [S],
    ) -> Result<SolveReport, SinkhornError> {
        self.velocity_with(SoftminEngine::of(device), x, y, d, out)
    }

    /// [`Self::velocity`] on `engine`.
    fn velocity_with<S: SinkhornScalar>(
        &self,
        engine: SoftminEngine<'_>,
        x: &[S],
        y: &[S],
        d: usize,
        out: &mut [S],
    ) -> Result<SolveReport, SinkhornError> {
        self.check()?;
        // The inputs' checks first, in `cloud::prepare`'s order, before any upload.
        cloud::check("x", x, d)?;
        cloud::check("y", y, d)?;
        if out.len() != x.len() {
            return Err(SinkhornError::OutputLength {
                len: out.len(),
                expected: x.len(),
            });
        }
        let (cx, cy, diameter) = engine.prepare(x, y, d)?;
        let schedule = schedule::eps_schedule(diameter, self.blur, self.scaling);
        let (xy, xx) = rayon::join(
            || problem::cross(engine, &cx, &cy, &schedule, self.stopping, false, true),
            || problem::symmetric(engine, &cx, &schedule, self.stopping, true),
        );
        let (xy, xx) = (xy?, xx?);
        if !(xy.f.iter().chain(&xx.p).all(|t| t.is_finite())) {
            return Err(SinkhornError::Overflow);
        }
        let to_y = xy.bary.as_deref().expect("asked for");
        let to_x = xx.bary.as_deref().expect("asked for");
        for ((o, t), s) in out.iter_mut().zip(to_y).zip(to_x) {
            *o = S::from_f64(t - s);
        }
        Ok(SolveReport {
            eps: self.blur * self.blur,
            schedule_len: schedule.len(),
            xy: xy.report,
            xx: xx.report,
            yy: None,
        })
    }
}
