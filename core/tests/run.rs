//! `Kernel::run`: n steps in one call are n calls of `step`, bit for bit, and cost what the
//! kernels document (n + 1 gradient evaluations for MALA and BAOAB, whose calls carry the
//! gradient from step to step; a single `step` costs 2).

use core::cell::Cell;

use gradflow_core::{
    Baoab, BatchReport, Energy, Error, Gaussian, GaussianMixture, Jko, Jko2, Kernel, Mala,
    StreamRng, Ula,
};

/// An energy that counts its gradient evaluations.
struct Counting<E> {
    inner: E,
    grads: Cell<u64>,
}

impl<E: Energy<f64>> Energy<f64> for Counting<E> {
    fn dim(&self) -> usize {
        self.inner.dim()
    }
    fn energy(&self, x: &[f64]) -> Result<f64, Error> {
        self.inner.energy(x)
    }
    fn energy_grad(&self, x: &[f64], grad: &mut [f64]) -> Result<f64, Error> {
        self.grads.set(self.grads.get() + 1);
        self.inner.energy_grad(x, grad)
    }
}

fn mixture() -> Counting<GaussianMixture<f64, 2, 2>> {
    let inner = GaussianMixture::new(
        [0.4, 0.6],
        [
            Gaussian::isotropic([-1.0, 0.0], 4.0).unwrap(),
            Gaussian::isotropic([1.0, 0.5], 2.0).unwrap(),
        ],
    )
    .unwrap();
    Counting {
        inner,
        grads: Cell::new(0),
    }
}

fn bits(x: &[f64]) -> Vec<u64> {
    x.iter().map(|v| v.to_bits()).collect()
}

/// What one call of `run` and as many calls of `step` did from the same start and stream.
struct Costs {
    /// Gradient evaluations of the `run` call, as the energy counted them.
    run: u64,
    /// Those of the `step` calls.
    steps: u64,
    /// Accepted steps.
    accepted: u64,
}

/// Runs `kernel` for `n` steps on the mixture in one `run` call and in `n` calls of `step`;
/// checks that both end in the same bits with their streams at the same place, and that
/// both reports count exactly the energy's gradient evaluations.
fn run_against_steps<K: Kernel<f64>>(kernel: &K, n: u64) -> Costs {
    let energy = mixture();
    let len = kernel.state_len(2);
    let start: Vec<f64> = (0..len).map(|i| 0.3 * i as f64 - 0.2).collect();
    let mut scratch = vec![0.0; kernel.scratch_len(2)];

    let (mut a, mut rng_a) = (start.clone(), StreamRng::new(3, 1));
    let mut report = BatchReport::default();
    kernel
        .run(&energy, &mut a, &mut rng_a, n, &mut scratch, &mut report)
        .unwrap();
    let run = energy.grads.replace(0);
    assert_eq!(report.grad_evals, run, "run's report");
    assert_eq!(report.steps, n);

    let (mut b, mut rng_b) = (start, StreamRng::new(3, 1));
    let (mut accepted, mut reported) = (0, 0);
    for _ in 0..n {
        let info = kernel
            .step(&energy, &mut b, &mut rng_b, &mut scratch)
            .unwrap();
        accepted += u64::from(info.accepted);
        reported += u64::from(info.grad_evals);
    }
    let steps = energy.grads.get();
    assert_eq!(reported, steps, "the steps' reports");
    assert_eq!(bits(&a), bits(&b), "run and step sample differently");
    assert_eq!(rng_a, rng_b, "run and step draw differently");
    assert_eq!(report.accepted, accepted);
    Costs {
        run,
        steps,
        accepted,
    }
}

#[test]
fn mala_and_baoab_runs_cost_one_gradient_per_step_and_one_to_start() {
    let n = 300;
    let mala = run_against_steps(&Mala { step: 0.3 }, n);
    assert_eq!((mala.run, mala.steps), (n + 1, 2 * n));
    // Both branches (the cache kept on rejection, replaced on acceptance) were taken.
    assert!(
        mala.accepted > 0 && mala.accepted < n,
        "{} of {n} accepted",
        mala.accepted
    );
    let baoab = Baoab {
        step: 0.1,
        friction: 1.0,
        mass: 1.0,
    };
    let baoab = run_against_steps(&baoab, n);
    assert_eq!((baoab.run, baoab.steps), (n + 1, 2 * n));
}

#[test]
fn ula_and_jko_runs_cost_what_their_steps_cost() {
    let n = 50;
    let ula = run_against_steps(&Ula { step: 0.1 }, n);
    assert_eq!((ula.run, ula.steps), (n, n));
    let jko = run_against_steps(&Jko::default(), n);
    assert_eq!((jko.run, jko.steps), (4 * n, 4 * n));
    let jko2 = run_against_steps(&Jko2::default(), n);
    assert_eq!((jko2.run, jko2.steps), (5 * n, 5 * n));
}

#[test]
fn a_run_of_no_steps_evaluates_nothing_but_checks_its_settings() {
    let energy = mixture();
    let (mut x, mut rng, mut scratch) = ([0.5, 0.5], StreamRng::new(1, 0), [0.0; 6]);
    let mut report = BatchReport::default();
    Mala { step: 0.1 }
        .run(&energy, &mut x, &mut rng, 0, &mut scratch, &mut report)
        .unwrap();
    assert_eq!((energy.grads.get(), report), (0, BatchReport::default()));
    assert_eq!(x, [0.5, 0.5]);
    let err = Mala { step: -1.0 }.run(&energy, &mut x, &mut rng, 0, &mut scratch, &mut report);
    assert!(
        matches!(err, Err(Error::InvalidParameter { .. })),
        "{err:?}"
    );
}

/// A diverging run stops at the step where `step` fails, reports the steps before it and
/// leaves the last finite state.
#[test]
fn a_diverging_run_reports_the_steps_it_completed() {
    let target = Gaussian::<f64, 2>::isotropic([0.0, 0.0], 1.0).unwrap();
    let baoab = Baoab {
        step: 2.5,
        friction: 0.0,
        mass: 1.0,
    };
    let mut scratch = [0.0; 8];
    let start = [1.0, -0.5, 0.0, 0.0];

    let (mut x, mut rng) = (start, StreamRng::new(4, 0));
    let mut completed = 0u64;
    let last = loop {
        let before = x;
        match baoab.step(&target, &mut x, &mut rng, &mut scratch) {
            Ok(_) => completed += 1,
            Err(e) => {
                assert!(matches!(e, Error::NonFinite { .. }), "{e:?}");
                break before;
            }
        }
    };
    // The divergence must come after some steps, so that the report below counts them.
    assert!(completed > 10, "diverged after {completed} steps");

    let (mut y, mut rng) = (start, StreamRng::new(4, 0));
    let mut report = BatchReport::default();
    let err = baoab.run(
        &target,
        &mut y,
        &mut rng,
        10 * completed,
        &mut scratch,
        &mut report,
    );
    assert!(matches!(err, Err(Error::NonFinite { .. })), "{err:?}");
    assert_eq!(report.steps, completed);
    assert_eq!(report.grad_evals, completed + 1);
    assert_eq!(bits(&y), bits(&last));
    assert_eq!(x, last, "step leaves the last finite state too");
}
