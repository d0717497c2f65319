//! `SamplerSettings`, the one description of a sampler: the kernel it builds is the
//! kernel written by hand, its cost formula is what a call spends, its budget inverts the
//! cost, and its checks are the kernels' own.

use core::cell::Cell;

use gradflow_core::{
    Baoab, BatchReport, Energy, Error, Gaussian, Jko, Jko2, Kernel, Mala, SamplerKind,
    SamplerSettings, StreamRng, Ula,
};

/// An energy that counts its gradient evaluations.
struct Counting {
    inner: Gaussian<f64, 2>,
    grads: Cell<u64>,
}

impl Energy<f64> for Counting {
    fn dim(&self) -> usize {
        2
    }
    fn energy(&self, x: &[f64]) -> Result<f64, Error> {
        self.inner.energy(x)
    }
    fn energy_grad(&self, x: &[f64], grad: &mut [f64]) -> Result<f64, Error> {
        self.grads.set(self.grads.get() + 1);
        self.inner.energy_grad(x, grad)
    }
}

fn settings(kind: SamplerKind) -> SamplerSettings {
    SamplerSettings {
        step: 0.05,
        friction: 0.7,
        mass: 1.5,
        relaxation: 0.8,
        inner_iters: 3,
        ..SamplerSettings::of(kind)
    }
}

/// Runs `steps` steps of `kernel` from a fixed start; returns the state and the report.
fn run<K: Kernel<f64>>(kernel: &K, energy: &Counting, steps: u64) -> (Vec<f64>, BatchReport) {
    let mut state = vec![0.3; kernel.state_len(2)];
    state[0] = -0.4;
    let mut scratch = vec![0.0; kernel.scratch_len(2)];
    let mut rng = StreamRng::new(3, 1);
    let mut report = BatchReport::default();
    kernel
        .run(
            energy,
            &mut state,
            &mut rng,
            steps,
            &mut scratch,
            &mut report,
        )
        .unwrap();
    (state, report)
}

#[test]
fn the_built_kernel_is_the_hand_written_one_and_costs_what_it_says() {
    let energy = Counting {
        inner: Gaussian::new([0.5, -0.2], [[2.0, 0.3], [0.3, 1.0]]).unwrap(),
        grads: Cell::new(0),
    };
    for kind in SamplerKind::ALL {
        let s = settings(kind);
        let built = s.kernel::<f64>().unwrap();
        for steps in [0, 1, 7] {
            energy.grads.set(0);
            let (state, report) = run(&built, &energy, steps);
            // What the call spent, counted by the energy, is the formula.
            assert_eq!(energy.grads.get(), s.grad_evals(steps), "{s} {steps}");
            assert_eq!(report.grad_evals, s.grad_evals(steps), "{s} {steps}");
            assert_eq!(report.steps, steps);
            let (by_hand, _) = match kind {
                SamplerKind::Ula => run(&Ula { step: 0.05 }, &energy, steps),
                SamplerKind::Mala => run(&Mala { step: 0.05 }, &energy, steps),
                SamplerKind::Baoab => run(
                    &Baoab {
                        step: 0.05,
                        friction: 0.7,
                        mass: 1.5,
                    },
                    &energy,
                    steps,
                ),
                SamplerKind::Jko => run(
                    &Jko {
                        step: 0.05,
                        inner_iters: 3,
                        relaxation: 0.8,
                    },
                    &energy,
                    steps,
                ),
                SamplerKind::Jko2 => run(
                    &Jko2 {
                        step: 0.05,
                        inner_iters: 3,
                        relaxation: 0.8,
                    },
                    &energy,
                    steps,
                ),
            };
            assert_eq!(state, by_hand, "{s}: {steps} steps");
        }
    }
}

#[test]
fn the_budget_inverts_the_cost() {
    for kind in SamplerKind::ALL {
        let s = settings(kind);
        for budget in [0, 1, 2, 5, 20, 41] {
            let k = s.steps_for_budget(budget);
            if k > 0 {
                assert!(s.grad_evals(k) <= budget, "{s} {budget}");
            }
            assert!(s.grad_evals(k + 1) > budget, "{s} {budget}");
        }
    }
    // jko2 with M = 4: 5 gradients a step; MALA: one more per call.
    let jko2 = SamplerSettings::of(SamplerKind::Jko2);
    assert_eq!((jko2.grad_evals(4), jko2.steps_for_budget(20)), (20, 4));
    let mala = SamplerSettings::of(SamplerKind::Mala);
    assert_eq!((mala.grad_evals(19), mala.steps_for_budget(20)), (20, 19));
}

#[test]
fn names_round_trip_and_bad_settings_are_the_kernels_errors() {
    for kind in SamplerKind::ALL {
        assert_eq!(SamplerKind::from_name(kind.name()), Some(kind));
        assert!(settings(kind).validate().is_ok());
        let bad = SamplerSettings {
            step: 0.0,
            ..settings(kind)
        };
        assert!(
            matches!(bad.validate(), Err(Error::InvalidParameter { .. })),
            "{bad}"
        );
    }
    assert_eq!(SamplerKind::from_name("langevin"), None);
    let no_iterations = SamplerSettings {
        inner_iters: 0,
        ..settings(SamplerKind::Jko2)
    };
    assert!(no_iterations.validate().is_err());
    // Settings a kind does not use are ignored.
    let mala_with_bad_friction = SamplerSettings {
        friction: -1.0,
        ..settings(SamplerKind::Mala)
    };
    assert!(mala_with_bad_friction.validate().is_ok());
    let baoab_with_bad_friction = SamplerSettings {
        kind: SamplerKind::Baoab,
        ..mala_with_bad_friction
    };
    assert!(baoab_with_bad_friction.validate().is_err());
    assert_eq!(
        settings(SamplerKind::Jko2).to_string(),
        "jko2(τ=0.05, M=3, ω=0.8)"
    );
}
