//! Convergence orders of the ODE solvers on a linear ODE with a known solution.

use gradflow_core::{Error, OdeSolver, VelocityField};

/// dx/dt = A x with A = [[−½, 2], [−2, −½]]: x(t) = e^{−t/2} R(−2t) x₀, a damped rotation.
struct DampedRotation;

impl VelocityField<f64> for DampedRotation {
    fn dim(&self) -> usize {
        2
    }
    fn velocity(&self, x: &[f64], _t: f64, v: &mut [f64]) -> Result<(), Error> {
        v[0] = -0.5 * x[0] + 2.0 * x[1];
        v[1] = -2.0 * x[0] - 0.5 * x[1];
        Ok(())
    }
}

/// dx/dt = cos(t)·x, time-dependent: x(t) = x₀ e^{sin t}. Checks that solvers pass the
/// right stage times.
struct TimeDependent;

impl VelocityField<f64> for TimeDependent {
    fn dim(&self) -> usize {
        1
    }
    fn velocity(&self, x: &[f64], t: f64, v: &mut [f64]) -> Result<(), Error> {
        v[0] = t.cos() * x[0];
        Ok(())
    }
}

fn global_error<V: VelocityField<f64>>(
    solver: OdeSolver,
    field: &V,
    x0: &[f64],
    exact: &[f64],
    steps: u32,
) -> f64 {
    let mut x = x0.to_vec();
    let mut scratch = vec![0.0; solver.scratch_len(x0.len())];
    solver
        .integrate(field, &mut x, 0.0, 2.0, steps, &mut scratch)
        .unwrap();
    x.iter()
        .zip(exact)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        .sqrt()
}

/// Halving h divides the global error by 2ᵖ: the observed order log₂(e_h / e_{h/2}) must be
/// within 0.15 of p once h is in the asymptotic range (here 40 → 80 steps over [0, 2]).
#[test]
fn observed_orders_match_theory() {
    let t = 2.0f64;
    let decay = (-0.5 * t).exp();
    // x₀ = (1, 0): x(t) = e^{−t/2}(cos 2t, −sin 2t).
    let exact_rot = [decay * (2.0 * t).cos(), -decay * (2.0 * t).sin()];
    let exact_td = [t.sin().exp()];
    for (solver, order) in [
        (OdeSolver::Euler, 1.0),
        (OdeSolver::Heun, 2.0),
        (OdeSolver::Rk4, 4.0),
    ] {
        for (name, observed) in [
            (
                "damped rotation",
                (global_error(solver, &DampedRotation, &[1.0, 0.0], &exact_rot, 40)
                    / global_error(solver, &DampedRotation, &[1.0, 0.0], &exact_rot, 80))
                .log2(),
            ),
            (
                "time-dependent",
                (global_error(solver, &TimeDependent, &[1.0], &exact_td, 40)
                    / global_error(solver, &TimeDependent, &[1.0], &exact_td, 80))
                .log2(),
            ),
        ] {
            assert!(
                (observed - order).abs() < 0.15,
                "{solver:?} on {name}: observed order {observed:.3}, expected {order}"
            );
        }
    }
}

#[test]
fn rk4_is_accurate_in_absolute_terms() {
    let t = 2.0f64;
    let exact = [
        (-0.5 * t).exp() * (2.0 * t).cos(),
        -(-0.5 * t).exp() * (2.0 * t).sin(),
    ];
    let err = global_error(OdeSolver::Rk4, &DampedRotation, &[1.0, 0.0], &exact, 200);
    // Leading error ≈ C h⁴ with h = 0.01 and C = O(‖A‖⁵T/120) ~ 1: below 1e-8.
    assert!(err < 1e-8, "RK4 error {err}");
}

#[test]
fn solver_rejects_bad_input() {
    let mut x = [1.0, 0.0];
    let mut small = [0.0; 2];
    assert!(
        OdeSolver::Rk4
            .integrate(&DampedRotation, &mut x, 0.0, 1.0, 10, &mut small)
            .is_err()
    );
    let mut scratch = [0.0; 6];
    assert!(
        OdeSolver::Rk4
            .integrate(&DampedRotation, &mut x, 0.0, 1.0, 0, &mut scratch)
            .is_err()
    );
    let mut wrong = [1.0];
    assert!(
        OdeSolver::Euler
            .integrate(&DampedRotation, &mut wrong, 0.0, 1.0, 10, &mut scratch)
            .is_err()
    );
    assert_eq!(OdeSolver::Rk4.evals_per_step(), 4);
}

/// [`DampedRotation`] whose evaluations fail from time `fails_from` on: a model error.
struct FailingFrom {
    fails_from: f64,
}

impl VelocityField<f64> for FailingFrom {
    fn dim(&self) -> usize {
        2
    }
    fn velocity(&self, x: &[f64], t: f64, v: &mut [f64]) -> Result<(), Error> {
        if t >= self.fails_from {
            return Err(Error::ScratchTooSmall {
                needed: 7,
                found: 3,
            });
        }
        DampedRotation.velocity(x, t, v)
    }
}

#[test]
fn a_failed_velocity_stops_the_solve_with_its_own_error_and_the_last_state() {
    for solver in [OdeSolver::Euler, OdeSolver::Heun, OdeSolver::Rk4] {
        let mut scratch = [0.0; 6];
        // Steps of 0.25 from 0: the step from 0.25 is the first with a stage at t ≥ 0.3
        // (Euler's stage is at 0.25 itself, so it fails one step later, from 0.5).
        let field = FailingFrom { fails_from: 0.3 };
        let mut x = [1.0, 0.0];
        let err = solver
            .integrate(&field, &mut x, 0.0, 1.0, 4, &mut scratch)
            .unwrap_err();
        assert_eq!(
            err,
            Error::ScratchTooSmall {
                needed: 7,
                found: 3
            },
            "{solver:?}"
        );
        let done = if solver == OdeSolver::Euler { 2 } else { 1 };
        let mut expected = [1.0, 0.0];
        solver
            .integrate(
                &DampedRotation,
                &mut expected,
                0.0,
                0.25 * f64::from(done),
                done,
                &mut scratch,
            )
            .unwrap();
        assert_eq!(x, expected, "{solver:?}");
    }
}
