//! Same seed, same samples: whatever the batch split or the thread count.

use gradflow_core::{
    Activation, Energy, Error, Gaussian, GaussianMixture, Kernel, Mala, Mlp, MlpParams, StreamRng,
    Ula, run_batch,
};

fn mixture() -> GaussianMixture<f64, 2, 2> {
    GaussianMixture::new(
        [0.4, 0.6],
        [
            Gaussian::isotropic([-1.0, 0.0], 4.0).unwrap(),
            Gaussian::isotropic([1.0, 0.5], 2.0).unwrap(),
        ],
    )
    .unwrap()
}

fn initial(n: usize) -> Vec<f64> {
    let mut rng = StreamRng::new(1, 0);
    (0..n).map(|_| rng.normal()).collect()
}

#[test]
fn batch_split_and_threads_do_not_change_samples() {
    let (chains, steps, seed) = (64usize, 50u64, 9u64);
    assert_eq!(steps % 2, 0);
    let target = mixture();
    let kernel = Mala { step: 0.2 };
    let streams = || StreamRng::streams(seed, 0, chains).collect::<Vec<_>>();
    let mut whole = initial(2 * chains);
    let mut scratch = [0.0; 6];
    let mut rngs = streams();
    let full = run_batch(&kernel, &target, &mut whole, &mut rngs, steps, &mut scratch).unwrap();

    // Uneven chunks, and each chunk in two calls of half the steps: streams carry on.
    let mut split = initial(2 * chains);
    let mut rngs = streams();
    let mut report = gradflow_core::BatchReport::default();
    let mut first = 0;
    for len in [10usize, 27, 1, 26] {
        let chunk = &mut split[2 * first..2 * (first + len)];
        let chunk_rngs = &mut rngs[first..first + len];
        for _ in 0..2 {
            let r = run_batch(&kernel, &target, chunk, chunk_rngs, steps / 2, &mut scratch);
            report.merge(r.unwrap());
        }
        first += len;
    }
    assert_eq!(first, chains);
    assert_eq!(whole, split, "split batches diverged from the whole batch");
    assert_eq!((report.steps, report.accepted), (full.steps, full.accepted));
    // MALA evaluates the gradient at its start once per call and chain, then once per step.
    assert_eq!(full.grad_evals, chains as u64 * (steps + 1));
    assert_eq!(report.grad_evals, chains as u64 * (steps + 2));

    // Four threads, each with its own chunk, streams and scratch.
    let mut threaded = initial(2 * chains);
    let mut rngs = streams();
    std::thread::scope(|s| {
        for (chunk, chunk_rngs) in threaded.chunks_mut(2 * 16).zip(rngs.chunks_mut(16)) {
            let (kernel, target) = (&kernel, &target);
            s.spawn(move || {
                let mut scratch = [0.0; 6];
                run_batch(kernel, target, chunk, chunk_rngs, steps, &mut scratch).unwrap();
            });
        }
    });
    assert_eq!(
        whole, threaded,
        "threaded batches diverged from the whole batch"
    );
}

#[test]
fn different_seeds_give_different_samples() {
    let target = mixture();
    let mut a = initial(8);
    let mut b = initial(8);
    let mut scratch = [0.0; 4];
    let mut ra: Vec<_> = StreamRng::streams(1, 0, 4).collect();
    let mut rb: Vec<_> = StreamRng::streams(2, 0, 4).collect();
    run_batch(
        &Ula { step: 0.1 },
        &target,
        &mut a,
        &mut ra,
        5,
        &mut scratch,
    )
    .unwrap();
    run_batch(
        &Ula { step: 0.1 },
        &target,
        &mut b,
        &mut rb,
        5,
        &mut scratch,
    )
    .unwrap();
    assert_ne!(a, b);
}

/// Bad input is an error, never a panic or a silently propagated NaN; state is untouched.
#[test]
fn bad_input_is_reported_and_leaves_state_untouched() {
    let target = Gaussian::<f64, 2>::isotropic([0.0, 0.0], 1.0).unwrap();
    let mut rng = StreamRng::new(0, 0);
    let mut scratch = [0.0; 6];

    let mut x = [f64::NAN, 0.0];
    let err = Ula { step: 0.1 }.step(&target, &mut x, &mut rng, &mut scratch);
    assert!(matches!(err, Err(Error::NonFinite { .. })), "{err:?}");

    let mut x = [1.0, 2.0, 3.0];
    let err = Mala { step: 0.1 }.step(&target, &mut x, &mut rng, &mut scratch);
    assert!(matches!(
        err,
        Err(Error::DimensionMismatch {
            expected: 2,
            found: 3,
            ..
        })
    ));

    let mut x = [1.0, 2.0];
    let err = Mala { step: 0.1 }.step(&target, &mut x, &mut rng, &mut scratch[..5]);
    assert_eq!(
        err,
        Err(Error::ScratchTooSmall {
            needed: 6,
            found: 5
        })
    );
    for bad in [0.0, -1.0, f64::INFINITY] {
        let err = Ula { step: bad }.step(&target, &mut x, &mut rng, &mut scratch);
        assert!(matches!(err, Err(Error::InvalidParameter { .. })));
    }
    assert_eq!(x, [1.0, 2.0]);

    // A chain that diverges (τp = 3 > 2 makes ULA unstable) stops with an error at its
    // last finite state instead of filling the buffer with inf/NaN.
    let stiff = Gaussian::<f64, 2>::isotropic([0.0, 0.0], 30.0).unwrap();
    let mut x = [1.0, 1.0];
    let mut last = x;
    let ula = Ula { step: 0.1 };
    let err = loop {
        match ula.step(&stiff, &mut x, &mut rng, &mut scratch) {
            Ok(_) => last = x,
            Err(e) => break e,
        }
    };
    assert!(matches!(err, Error::NonFinite { .. }));
    assert_eq!(x, last);
    assert!(x.iter().all(|v| v.is_finite()));
}

/// An f32 MLP energy runs through the samplers, and f32 and f64 chains with the same seed
/// see the same noise (drawn in f64), so they stay close over a few steps.
#[test]
fn f32_and_f64_chains_share_their_noise() {
    let mut p64 = MlpParams::<f64, 2, 8, 1, 1>::zeroed();
    p64.init_lecun_normal(&mut StreamRng::new(3, 0));
    let mut p32 = MlpParams::<f32, 2, 8, 1, 1>::zeroed();
    for (a, b) in p32.as_flat_mut().iter_mut().zip(p64.as_flat()) {
        *a = *b as f32;
    }
    let (e64, e32) = (
        Mlp::new(p64, Activation::Silu),
        Mlp::new(p32, Activation::Silu),
    );
    assert_eq!(e64.dim(), 2);
    let mut x64 = [0.5f64, -0.5];
    let mut x32 = [0.5f32, -0.5];
    let (mut r64, mut r32) = (StreamRng::new(4, 0), StreamRng::new(4, 0));
    for _ in 0..20 {
        Ula { step: 0.01 }
            .step(&e64, &mut x64, &mut r64, &mut [0.0; 4])
            .unwrap();
        Ula { step: 0.01f32 }
            .step(&e32, &mut x32, &mut r32, &mut [0.0; 4])
            .unwrap();
    }
    // Only rounding separates the chains: ~1e-7 relative per step in f32, over 20 steps of a
    // contraction-free map, stays below 1e-5; 1e-4 leaves a margin of 10. A different noise
    // stream would differ by √(2τ)·√20 ≈ 0.6.
    for i in 0..2 {
        assert!(
            (x64[i] - f64::from(x32[i])).abs() < 1e-4,
            "{x64:?} vs {x32:?}"
        );
    }
}
