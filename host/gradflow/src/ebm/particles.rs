//! The particle schemes on a batch: every particle moves as the core's per-particle kernel
//! would ([`gradflow_core::Ula`], [`gradflow_core::Jko`], [`gradflow_core::Jko2`],
//! [`gradflow_core::Mala`]), drawing from its own stream in the same order, with the energy
//! and its gradients evaluated for the whole batch at once.

use gradflow_core::{Scalar, StreamRng};

use super::{BatchEnergy, EbmError, Scheme};

/// What one [`move_particles`] call did, summed over the particles.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MoveReport {
    /// Energy-gradient evaluations (particles × per-particle cost).
    pub grad_evals: u64,
    /// Metropolis–Hastings proposals (MALA only).
    pub proposals: u64,
    /// Accepted proposals (MALA only).
    pub accepted: u64,
}

/// The step of a scheme: τ and the relaxation ω ∈ (0, 1] of its proximal iterations.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParticleStep {
    /// The scheme.
    pub scheme: Scheme,
    /// Step size τ > 0.
    pub tau: f64,
    /// Relaxation ω of the proximal fixed-point iterations (jko, jko2).
    pub relaxation: f64,
}

impl ParticleStep {
    /// Checks τ, ω and the proximal iteration count.
    pub fn validate(&self) -> Result<(), EbmError> {
        if !(self.tau.is_finite() && self.tau > 0.0) {
            return Err(EbmError::Settings(format!(
                "step τ = {}: must be finite and > 0",
                self.tau
            )));
        }
        if !(self.relaxation > 0.0 && self.relaxation <= 1.0) {
            return Err(EbmError::Settings(format!(
                "relaxation ω = {}: must be in (0, 1]",
                self.relaxation
            )));
        }
        if matches!(self.scheme, Scheme::Jko { .. } | Scheme::Jko2 { .. })
            && self.scheme.inner() == 0
        {
            return Err(EbmError::Settings(
                "proximal iterations must be >= 1".into(),
            ));
        }
        Ok(())
    }
}

/// Buffers of one batch: energies and gradients at two points per particle.
struct Work<S> {
    e: Vec<S>,
    g: Vec<S>,
    centre: Vec<S>,
    y: Vec<S>,
}

impl<S: Scalar> Work<S> {
    fn new(n: usize, d: usize) -> Self {
        Self {
            e: vec![S::ZERO; n],
            g: vec![S::ZERO; n * d],
            centre: vec![S::ZERO; n * d],
            y: vec![S::ZERO; n * d],
        }
    }
}

/// Moves every particle of `x` (n × d) by `steps` steps of `step`, particle i drawing from
/// `rngs[i]`. On error (a NaN or infinite energy, gradient or state: τ too large, or a
/// model that blew up), `x` may hold a partly moved batch.
pub fn move_particles<S: Scalar, M: BatchEnergy<S> + ?Sized>(
    model: &M,
    step: &ParticleStep,
    x: &mut [S],
    rngs: &mut [StreamRng],
    steps: usize,
) -> Result<MoveReport, EbmError> {
    step.validate()?;
    let d = model.dim();
    let n = rngs.len();
    if x.len() != n * d {
        return Err(EbmError::Data(format!(
            "{} particle coordinates for {n} streams of dimension {d}",
            x.len()
        )));
    }
    let mut report = MoveReport {
        grad_evals: (n * step.scheme.grad_evals(steps)) as u64,
        ..MoveReport::default()
    };
    if n == 0 || steps == 0 {
        return Ok(report);
    }
    let mut w = Work::new(n, d);
    let tau = S::from_f64(step.tau);
    let noise = (S::TWO * tau).sqrt();
    match step.scheme {
        Scheme::Ula => {
            for _ in 0..steps {
                finite_grad(model, x, &mut w.e, &mut w.g)?;
                for ((xi, gi), rng) in x
                    .chunks_exact_mut(d)
                    .zip(w.g.chunks_exact(d))
                    .zip(&mut *rngs)
                {
                    for (v, &g) in xi.iter_mut().zip(gi) {
                        *v = *v - tau * g + noise * rng.normal::<S>();
                    }
                }
                finite_state(x)?;
            }
        }
        Scheme::Jko { inner } => {
            for _ in 0..steps {
                w.centre.copy_from_slice(x);
                prox(model, &mut w, tau, inner, step.relaxation)?;
                for ((xi, yi), rng) in x
                    .chunks_exact_mut(d)
                    .zip(w.y.chunks_exact(d))
                    .zip(&mut *rngs)
                {
                    for (v, &y) in xi.iter_mut().zip(yi) {
                        *v = y + noise * rng.normal::<S>();
                    }
                }
                finite_state(x)?;
            }
        }
        Scheme::Jko2 { inner } => {
            let half = tau * S::HALF;
            for _ in 0..steps {
                finite_grad(model, x, &mut w.e, &mut w.g)?;
                for (((c, xi), gi), rng) in w
                    .centre
                    .chunks_exact_mut(d)
                    .zip(x.chunks_exact(d))
                    .zip(w.g.chunks_exact(d))
                    .zip(&mut *rngs)
                {
                    for ((c, &xv), &g) in c.iter_mut().zip(xi).zip(gi) {
                        *c = xv - half * g + noise * rng.normal::<S>();
                    }
                }
                prox(model, &mut w, half, inner, step.relaxation)?;
                finite_state(&w.y)?;
                x.copy_from_slice(&w.y);
            }
        }
        Scheme::Mala => mala(model, &mut w, tau, x, rngs, steps, &mut report)?,
    }
    Ok(report)
}

/// `w.y ≈ prox_{hE}(w.centre)` by `iters` relaxed fixed-point iterations from the centre,
/// as [`gradflow_core::prox`] does per particle.
fn prox<S: Scalar, M: BatchEnergy<S> + ?Sized>(
    model: &M,
    w: &mut Work<S>,
    h: S,
    iters: u32,
    relaxation: f64,
) -> Result<(), EbmError> {
    let omega = S::from_f64(relaxation);
    w.y.copy_from_slice(&w.centre);
    for _ in 0..iters {
        finite_grad(model, &w.y, &mut w.e, &mut w.g)?;
        for ((y, &c), &g) in w.y.iter_mut().zip(&w.centre).zip(&w.g) {
            *y = (S::ONE - omega) * *y + omega * (c - h * g);
        }
    }
    Ok(())
}

/// MALA steps, caching the energy and gradient at the current state.
fn mala<S: Scalar, M: BatchEnergy<S> + ?Sized>(
    model: &M,
    w: &mut Work<S>,
    tau: S,
    x: &mut [S],
    rngs: &mut [StreamRng],
    steps: usize,
    report: &mut MoveReport,
) -> Result<(), EbmError> {
    let d = model.dim();
    let n = rngs.len();
    let noise = (S::TWO * tau).sqrt();
    let mut ex = vec![S::ZERO; n];
    let mut gx = vec![S::ZERO; n * d];
    let mut u = vec![0.0f64; n];
    finite_grad(model, x, &mut ex, &mut gx)?;
    for _ in 0..steps {
        for (((yi, xi), gi), (rng, ui)) in
            w.y.chunks_exact_mut(d)
                .zip(x.chunks_exact(d))
                .zip(gx.chunks_exact(d))
                .zip(rngs.iter_mut().zip(&mut u))
        {
            for ((y, &xv), &g) in yi.iter_mut().zip(xi).zip(gi) {
                *y = xv - tau * g + noise * rng.normal::<S>();
            }
            *ui = rng.uniform_open01();
        }
        finite_state(&w.y)?;
        model.energy_grad(&w.y, &mut w.e, &mut w.g)?;
        for i in 0..n {
            let (ey, gy) = (w.e[i], &w.g[i * d..(i + 1) * d]);
            if ey.is_nan() || gy.iter().any(|g| g.is_nan()) {
                return Err(EbmError::Diverged {
                    what: "energy at a MALA proposal",
                });
            }
            report.proposals += 1;
            if !ey.is_finite() || gy.iter().any(|g| !g.is_finite()) {
                continue;
            }
            let (xi, yi) = (&x[i * d..(i + 1) * d], &w.y[i * d..(i + 1) * d]);
            let (mut fwd, mut bwd) = (0.0f64, 0.0f64);
            for k in 0..d {
                let f = (yi[k] - xi[k] + tau * gx[i * d + k]).to_f64();
                let b = (xi[k] - yi[k] + tau * gy[k]).to_f64();
                fwd += f * f;
                bwd += b * b;
            }
            let log_alpha = (ex[i] - ey).to_f64() + (fwd - bwd) / (4.0 * tau.to_f64());
            if u[i].ln() < log_alpha {
                report.accepted += 1;
                x[i * d..(i + 1) * d].copy_from_slice(yi);
                gx[i * d..(i + 1) * d].copy_from_slice(gy);
                ex[i] = ey;
            }
        }
    }
    Ok(())
}

/// Energies and gradients at `x`, failing on a non-finite one.
fn finite_grad<S: Scalar, M: BatchEnergy<S> + ?Sized>(
    model: &M,
    x: &[S],
    e: &mut [S],
    g: &mut [S],
) -> Result<(), EbmError> {
    model.energy_grad(x, e, g)?;
    if e.iter().chain(g.iter()).all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(EbmError::Diverged {
            what: "a particle's energy or gradient",
        })
    }
}

fn finite_state<S: Scalar>(x: &[S]) -> Result<(), EbmError> {
    if x.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(EbmError::Diverged {
            what: "a particle's position",
        })
    }
}

#[cfg(test)]
mod tests {
    use gradflow_core::{Activation, Jko, Jko2, Kernel, Mala, StreamRng, Ula};

    use super::*;
    use crate::ebm::{EnergyModel, MlpEnergy};
    use crate::engine::Network;

    /// The batched schemes against the core's per-particle kernels on the same f64 network:
    /// the same streams give the same states (to rounding: the batched products sum in
    /// another order).
    #[test]
    fn batched_schemes_follow_the_core_kernels() {
        let net = Network::<f64>::energy(3, &[16, 16], Activation::Silu, 5).unwrap();
        let model = MlpEnergy::<f64>::new(net.clone(), 1);
        let arch = *net.architecture();
        let weights = net.to_f32_params();
        // The core evaluates the f32 weights: give the batched model the same rounding.
        let rounded: Vec<f64> = weights.iter().map(|&w| f64::from(w)).collect();
        let mut model = model;
        model.set_params(&rounded);
        let bytes = crate::modelio::ModelBytes::encode(&arch, &weights).unwrap();
        let view = bytes.view();
        let mut model_scratch = vec![0.0f64; view.scratch_len()];
        let energy = gradflow_core::model::ModelEval::energy(&view, &mut model_scratch).unwrap();
        let n = 37;
        let x0: Vec<f64> = (0..n * 3)
            .map(|i| ((i as f64) * 0.61).sin() * 1.5)
            .collect();
        for (scheme, tau) in [
            (Scheme::Ula, 0.05),
            (Scheme::Jko { inner: 3 }, 0.05),
            (Scheme::Jko2 { inner: 2 }, 0.05),
            (Scheme::Mala, 6.0),
        ] {
            let step = ParticleStep {
                scheme,
                tau,
                relaxation: 0.9,
            };
            let mut x = x0.clone();
            let mut rngs: Vec<_> = StreamRng::streams(11, 0, n).collect();
            let report = move_particles(&model, &step, &mut x, &mut rngs, 6).unwrap();
            let mut worst = 0.0f64;
            let mut accepted = 0;
            for i in 0..n {
                let mut xi = x0[i * 3..(i + 1) * 3].to_vec();
                let mut rng = StreamRng::new(11, i as u64);
                let mut scratch = vec![0.0; 9 * 3];
                for _ in 0..6 {
                    let info = match scheme {
                        Scheme::Ula => {
                            Ula { step: tau }.step(&energy, &mut xi, &mut rng, &mut scratch)
                        }
                        Scheme::Jko { inner } => Jko {
                            step: tau,
                            inner_iters: inner,
                            relaxation: 0.9,
                        }
                        .step(&energy, &mut xi, &mut rng, &mut scratch),
                        Scheme::Jko2 { inner } => Jko2 {
                            step: tau,
                            inner_iters: inner,
                            relaxation: 0.9,
                        }
                        .step(&energy, &mut xi, &mut rng, &mut scratch),
                        Scheme::Mala => {
                            Mala { step: tau }.step(&energy, &mut xi, &mut rng, &mut scratch)
                        }
                    }
                    .unwrap();
                    accepted += u64::from(info.accepted);
                }
                for (a, b) in xi.iter().zip(&x[i * 3..(i + 1) * 3]) {
                    worst = worst.max((a - b).abs());
                }
            }
            assert!(
                worst < 1e-10,
                "{scheme}: batched and core differ by {worst}"
            );
            assert_eq!(report.grad_evals, (n * scheme.grad_evals(6)) as u64);
            if scheme == Scheme::Mala {
                assert_eq!(report.accepted, accepted);
                assert!(accepted > 0 && accepted < 6 * n as u64, "{accepted}");
                println!("MALA accepted {accepted} of {}", 6 * n);
            }
        }
    }

    #[test]
    fn bad_steps_and_sizes_are_refused() {
        let net = Network::<f64>::energy(2, &[8], Activation::Silu, 0).unwrap();
        let model = MlpEnergy::<f64>::new(net, 1);
        let mut rngs: Vec<_> = StreamRng::streams(0, 0, 2).collect();
        let bad = ParticleStep {
            scheme: Scheme::Ula,
            tau: f64::NAN,
            relaxation: 1.0,
        };
        assert!(move_particles(&model, &bad, &mut [0.0; 4], &mut rngs, 1).is_err());
        let ok = ParticleStep { tau: 0.1, ..bad };
        let err = move_particles(&model, &ok, &mut [0.0; 3], &mut rngs, 1).unwrap_err();
        assert!(err.to_string().contains("3 particle coordinates"), "{err}");
        // On E = ½‖x‖², each step multiplies x by about −τ: infinite on the second.
        let quadratic = crate::ebm::QuadraticEnergy::new(&[1.0, 0.0, 0.0, 1.0], &[0.0, 0.0]);
        let huge = ParticleStep { tau: 1e200, ..bad };
        let mut x = [1.0, 2.0, 3.0, 4.0];
        assert!(matches!(
            move_particles::<f64, _>(&quadratic, &huge, &mut x, &mut rngs, 3),
            Err(EbmError::Diverged { .. })
        ));
    }
}
