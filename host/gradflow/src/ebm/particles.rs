//! The particle schemes on a batch: every particle moves as the core's per-particle kernel
//! would ([`gradflow_core::Ula`], [`gradflow_core::Jko`], [`gradflow_core::Jko2`],
//! [`gradflow_core::Mala`]) with the same update rules ([`gradflow_core::integrators::rules`]),
//! drawing from its own stream in the same order, with the energy and its gradients
//! evaluated for the whole batch at once.

use gradflow_core::integrators::rules;
use gradflow_core::{BatchReport, SamplerKind, SamplerSettings, Scalar, StreamRng};

use super::{BatchEnergy, EbmError};

/// Checks that `settings` describe a particle scheme of the batch: ula, mala, jko or jko2
/// with valid settings (BAOAB's velocities have no place in a particle buffer).
pub fn check_particle_settings(settings: &SamplerSettings) -> Result<(), EbmError> {
    if settings.kind == SamplerKind::Baoab {
        return Err(EbmError::NotAParticleScheme(settings.kind));
    }
    settings.validate().map_err(|error| EbmError::Sampler {
        settings: *settings,
        error,
    })
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

/// Moves every particle of `x` (n × d) by `steps` steps of the scheme `settings`, particle
/// i drawing from `rngs[i]`, and reports the steps, MALA's acceptances and the gradient
/// evaluations ([`SamplerSettings::grad_evals`] per particle). On error (a NaN or infinite
/// energy, gradient or state: τ too large, or a model that blew up), `x` may hold a
/// partly moved batch.
pub fn move_particles<S: Scalar, M: BatchEnergy<S> + ?Sized>(
    model: &M,
    settings: &SamplerSettings,
    x: &mut [S],
    rngs: &mut [StreamRng],
    steps: usize,
) -> Result<BatchReport, EbmError> {
    check_particle_settings(settings)?;
    let d = model.dim();
    let n = rngs.len();
    if x.len() != n * d {
        return Err(EbmError::Data(format!(
            "{} particle coordinates for {n} streams of dimension {d}",
            x.len()
        )));
    }
    let (chains, steps64) = (n as u64, steps as u64);
    let mut report = BatchReport {
        steps: chains * steps64,
        accepted: chains * steps64,
        grad_evals: chains * settings.grad_evals(steps64),
    };
    if n == 0 || steps == 0 {
        return Ok(report);
    }
    let mut w = Work::new(n, d);
    let tau = S::from_f64(settings.step);
    let relaxation = S::from_f64(settings.relaxation);
    let inner = settings.inner_iters;
    let noise = rules::langevin_noise(tau);
    match settings.kind {
        SamplerKind::Ula => {
            for _ in 0..steps {
                finite_grad(model, x, &mut w.e, &mut w.g)?;
                for ((xi, gi), rng) in x
                    .chunks_exact_mut(d)
                    .zip(w.g.chunks_exact(d))
                    .zip(&mut *rngs)
                {
                    for (v, &g) in xi.iter_mut().zip(gi) {
                        *v = rules::langevin(*v, g, tau, noise, rng);
                    }
                }
                finite_state(x)?;
            }
        }
        SamplerKind::Jko => {
            for _ in 0..steps {
                w.centre.copy_from_slice(x);
                prox(model, &mut w, tau, inner, relaxation)?;
                for ((xi, yi), rng) in x
                    .chunks_exact_mut(d)
                    .zip(w.y.chunks_exact(d))
                    .zip(&mut *rngs)
                {
                    for (v, &y) in xi.iter_mut().zip(yi) {
                        *v = rules::heat(y, noise, rng);
                    }
                }
                finite_state(x)?;
            }
        }
        SamplerKind::Jko2 => {
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
                        *c = rules::langevin(xv, g, half, noise, rng);
                    }
                }
                prox(model, &mut w, half, inner, relaxation)?;
                finite_state(&w.y)?;
                x.copy_from_slice(&w.y);
            }
        }
        SamplerKind::Mala => {
            report.accepted = mala(model, &mut w, tau, x, rngs, steps)?;
        }
        SamplerKind::Baoab => unreachable!("refused by check_particle_settings"),
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
    relaxation: S,
) -> Result<(), EbmError> {
    w.y.copy_from_slice(&w.centre);
    for _ in 0..iters {
        finite_grad(model, &w.y, &mut w.e, &mut w.g)?;
        for ((y, &c), &g) in w.y.iter_mut().zip(&w.centre).zip(&w.g) {
            *y = rules::proximal(*y, c, g, h, relaxation);
        }
    }
    Ok(())
}

/// MALA steps, caching the energy and gradient at the current state; returns the number
/// of accepted proposals.
fn mala<S: Scalar, M: BatchEnergy<S> + ?Sized>(
    model: &M,
    w: &mut Work<S>,
    tau: S,
    x: &mut [S],
    rngs: &mut [StreamRng],
    steps: usize,
) -> Result<u64, EbmError> {
    let d = model.dim();
    let n = rngs.len();
    let noise = rules::langevin_noise(tau);
    let mut ex = vec![S::ZERO; n];
    let mut gx = vec![S::ZERO; n * d];
    let mut u = vec![0.0f64; n];
    let mut accepted = 0;
    finite_grad(model, x, &mut ex, &mut gx)?;
    for _ in 0..steps {
        for (((yi, xi), gi), (rng, ui)) in
            w.y.chunks_exact_mut(d)
                .zip(x.chunks_exact(d))
                .zip(gx.chunks_exact(d))
                .zip(rngs.iter_mut().zip(&mut u))
        {
            for ((y, &xv), &g) in yi.iter_mut().zip(xi).zip(gi) {
                *y = rules::langevin(xv, g, tau, noise, rng);
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
            let rows = i * d..(i + 1) * d;
            let (xi, yi) = (&x[rows.clone()], &w.y[rows.clone()]);
            let gxi = &gx[rows.clone()];
            if rules::mala_accepts(u[i], ey, gy, || {
                rules::mala_log_acceptance(tau, xi, yi, gxi, gy, ex[i], ey)
            }) {
                accepted += 1;
                x[rows.clone()].copy_from_slice(&w.y[rows.clone()]);
                gx[rows].copy_from_slice(gy);
                ex[i] = ey;
            }
        }
    }
    Ok(accepted)
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
    use gradflow_core::{Activation, Kernel, SamplerKind, StreamRng};

    use super::*;
    use crate::ebm::{EnergyModel, MlpEnergy};
    use crate::engine::Network;

    fn settings(kind: SamplerKind, step: f64, inner_iters: u32) -> SamplerSettings {
        SamplerSettings {
            step,
            inner_iters,
            relaxation: 0.9,
            ..SamplerSettings::of(kind)
        }
    }

    /// The batched schemes against the core's per-particle kernels built from the same
    /// description, on the same f64 network: the same streams give the same states (to
    /// rounding: the batched products sum in another order).
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
        for scheme in [
            settings(SamplerKind::Ula, 0.05, 0),
            settings(SamplerKind::Jko, 0.05, 3),
            settings(SamplerKind::Jko2, 0.05, 2),
            settings(SamplerKind::Mala, 6.0, 0),
        ] {
            let mut x = x0.clone();
            let mut rngs: Vec<_> = StreamRng::streams(11, 0, n).collect();
            let report = move_particles(&model, &scheme, &mut x, &mut rngs, 6).unwrap();
            let kernel = scheme.kernel::<f64>().unwrap();
            let mut worst = 0.0f64;
            let mut core_report = BatchReport::default();
            for i in 0..n {
                let mut xi = x0[i * 3..(i + 1) * 3].to_vec();
                let mut rng = StreamRng::new(11, i as u64);
                let mut scratch = vec![0.0; kernel.scratch_len(3)];
                kernel
                    .run(
                        &energy,
                        &mut xi,
                        &mut rng,
                        6,
                        &mut scratch,
                        &mut core_report,
                    )
                    .unwrap();
                for (a, b) in xi.iter().zip(&x[i * 3..(i + 1) * 3]) {
                    worst = worst.max((a - b).abs());
                }
            }
            assert!(
                worst < 1e-10,
                "{scheme}: batched and core differ by {worst}"
            );
            // One report type, the same counts: steps, acceptances and gradients.
            assert_eq!(report, core_report, "{scheme}");
            assert_eq!(report.grad_evals, n as u64 * scheme.grad_evals(6));
            if scheme.kind == SamplerKind::Mala {
                let accepted = report.accepted;
                assert!(accepted > 0 && accepted < 6 * n as u64, "{accepted}");
                println!("MALA accepted {accepted} of {}", 6 * n);
            }
        }
    }

    #[test]
    fn bad_steps_sizes_and_schemes_are_refused() {
        let net = Network::<f64>::energy(2, &[8], Activation::Silu, 0).unwrap();
        let model = MlpEnergy::<f64>::new(net, 1);
        let mut rngs: Vec<_> = StreamRng::streams(0, 0, 2).collect();
        let bad = settings(SamplerKind::Ula, f64::NAN, 0);
        assert!(matches!(
            move_particles(&model, &bad, &mut [0.0; 4], &mut rngs, 1),
            Err(EbmError::Sampler { .. })
        ));
        let baoab = SamplerSettings::of(SamplerKind::Baoab);
        assert!(matches!(
            move_particles(&model, &baoab, &mut [0.0; 4], &mut rngs, 1),
            Err(EbmError::NotAParticleScheme(SamplerKind::Baoab))
        ));
        let ok = SamplerSettings { step: 0.1, ..bad };
        let err = move_particles(&model, &ok, &mut [0.0; 3], &mut rngs, 1).unwrap_err();
        assert!(err.to_string().contains("3 particle coordinates"), "{err}");
        // On E = ½‖x‖², each step multiplies x by about −τ: infinite on the second.
        let quadratic = crate::ebm::QuadraticEnergy::new(&[1.0, 0.0, 0.0, 1.0], &[0.0, 0.0]);
        let huge = SamplerSettings { step: 1e200, ..bad };
        let mut x = [1.0, 2.0, 3.0, 4.0];
        assert!(matches!(
            move_particles::<f64, _>(&quadratic, &huge, &mut x, &mut rngs, 3),
            Err(EbmError::Diverged { .. })
        ));
    }
}
