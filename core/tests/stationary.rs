//! Stationary laws of the SDE kernels against closed forms (docs/src/design.md §4.1).
//!
//! Each test runs `CHAINS` independent chains (one stream each) long enough to forget their
//! start, and uses the final state of each: the samples are i.i.d., so the standard error of
//! the second-moment estimator m̂ = (1/n)Σxᵢ² of a centred Gaussian with variance σ² is
//! σ²√(2/n). Tolerances are 5 standard errors (false-alarm rate ~6e-7 per check, and the seed
//! is fixed anyway), small enough to separate every scheme's law from its neighbours'.

use gradflow_core::{
    Baoab, Gaussian, GaussianMixture, Jko, Jko2, Kernel, Mala, StreamRng, Ula, run_batch,
};

const CHAINS: usize = 40_000;

/// Runs `steps` of `kernel` on E = p x²/2 (1D) from x ~ N(0, 1), returns the sample second
/// moment of the final positions and the acceptance rate.
fn second_moment<K: Kernel<f64>>(kernel: &K, p: f64, steps: u64) -> (f64, f64) {
    let target = Gaussian::<f64, 1>::isotropic([0.0], p).unwrap();
    let len = kernel.state_len(1);
    let mut init = StreamRng::new(999, 0);
    let mut states: Vec<f64> = (0..CHAINS * len).map(|_| init.normal()).collect();
    let mut scratch = vec![0.0; kernel.scratch_len(1)];
    let mut rngs: Vec<_> = StreamRng::streams(2024, 0, CHAINS).collect();
    let report = run_batch(kernel, &target, &mut states, &mut rngs, steps, &mut scratch).unwrap();
    let m2 = states.chunks(len).map(|s| s[0] * s[0]).sum::<f64>() / CHAINS as f64;
    (m2, report.acceptance_rate())
}

fn assert_variance(name: &str, measured: f64, exact: f64) {
    let se = exact * (2.0 / CHAINS as f64).sqrt();
    assert!(
        (measured - exact).abs() < 5.0 * se,
        "{name}: stationary variance {measured:.5}, closed form {exact:.5} (5 s.e. = {:.5})",
        5.0 * se
    );
}

#[test]
fn ula_variance_is_biased_as_predicted() {
    let (p, tau) = (2.0, 0.25);
    let (m2, _) = second_moment(&Ula { step: tau }, p, 60);
    // 1/(p(1 − τp/2)) = 2/3, against the exact 1/p = 1/2.
    assert_variance("ULA", m2, 1.0 / (p * (1.0 - tau * p / 2.0)));
}

#[test]
fn mala_variance_is_exact() {
    let (p, tau) = (2.0, 0.25);
    let (m2, acc) = second_moment(&Mala { step: tau }, p, 300);
    assert_variance("MALA", m2, 1.0 / p);
    // The stationary acceptance at τp = ½ is 0.921 (a 400 000-draw Monte Carlo of the MH
    // ratio); over 12 M steps its estimate is far tighter than ±0.02. Below 1 also shows that
    // the Metropolis step does reject.
    assert!((acc - 0.921).abs() < 0.02, "acceptance {acc}");
}

#[test]
fn jko2_variance_is_exact_where_ula_is_not() {
    // τp = 1: ULA's variance would be 1/(p·½) = 1, twice the truth. The proximal half-step
    // contracts by hp = ½ per iteration: 30 iterations leave a 1e-9 relative error.
    let (p, tau) = (2.0, 0.5);
    let kernel = Jko2 {
        step: tau,
        inner_iters: 30,
        relaxation: 1.0,
    };
    let (m2, _) = second_moment(&kernel, p, 40);
    assert_variance("jko2", m2, 1.0 / p);
}

#[test]
fn jko_variance_matches_implicit_euler() {
    // Exact prox: x ← x/(1 + τp) + √(2τ)ξ, variance (1 + τp)²/(p(1 + τp/2)) = 0.9 here.
    let (p, tau) = (2.0, 0.25);
    let kernel = Jko {
        step: tau,
        inner_iters: 40,
        relaxation: 1.0,
    };
    let (m2, _) = second_moment(&kernel, p, 60);
    assert_variance(
        "jko",
        m2,
        (1.0 + tau * p).powi(2) / (p * (1.0 + tau * p / 2.0)),
    );
}

#[test]
fn jko_with_one_iteration_is_ula() {
    let target = Gaussian::<f64, 2>::new([0.5, -1.0], [[2.0, 0.5], [0.5, 1.0]]).unwrap();
    let (mut a, mut b) = ([0.3, 0.2], [0.3, 0.2]);
    let (mut ra, mut rb) = (StreamRng::new(5, 1), StreamRng::new(5, 1));
    let mut scratch = [0.0; 4];
    let jko = Jko {
        step: 0.1,
        inner_iters: 1,
        relaxation: 1.0,
    };
    for _ in 0..100 {
        jko.step(&target, &mut a, &mut ra, &mut scratch).unwrap();
        Ula { step: 0.1 }
            .step(&target, &mut b, &mut rb, &mut scratch)
            .unwrap();
    }
    assert_eq!(a, b);
}

#[test]
fn baoab_position_variance_is_exact_on_harmonic() {
    // BAOAB samples the configurational marginal of a harmonic energy exactly (Leimkuhler &
    // Matthews 2013) for any stable step: τ²p = 0.5 < 4 here.
    let (p, tau) = (2.0, 0.5);
    let kernel = Baoab {
        step: tau,
        friction: 1.0,
        mass: 1.0,
    };
    let (m2, _) = second_moment(&kernel, p, 200);
    assert_variance("BAOAB", m2, 1.0 / p);
}

/// MALA on a correlated 2D Gaussian: sample covariance against P⁻¹ entry by entry. The
/// standard error of the sample covariance of (xᵢ, xⱼ) is √((ΣᵢᵢΣⱼⱼ + Σᵢⱼ²)/n).
#[test]
fn mala_recovers_a_full_covariance() {
    let precision = [[2.0, 0.8], [0.8, 1.0]];
    let det: f64 = 2.0 - 0.64;
    let cov = [[1.0 / det, -0.8 / det], [-0.8 / det, 2.0 / det]];
    let target = Gaussian::new([1.0, -1.0], precision).unwrap();
    let kernel = Mala { step: 0.3 };
    let mut states = vec![0.0; 2 * CHAINS];
    let mut scratch = [0.0; 6];
    let mut rngs: Vec<_> = StreamRng::streams(77, 0, CHAINS).collect();
    run_batch(&kernel, &target, &mut states, &mut rngs, 400, &mut scratch).unwrap();
    let n = CHAINS as f64;
    for i in 0..2 {
        for j in 0..2 {
            let (mi, mj) = ([1.0, -1.0][i], [1.0, -1.0][j]);
            let c = states
                .chunks(2)
                .map(|x| (x[i] - mi) * (x[j] - mj))
                .sum::<f64>()
                / n;
            let se = ((cov[i][i] * cov[j][j] + cov[i][j] * cov[i][j]) / n).sqrt();
            assert!(
                (c - cov[i][j]).abs() < 5.0 * se,
                "cov[{i}][{j}] = {c}, exact {}",
                cov[i][j]
            );
        }
    }
}

/// MALA on a 1D two-component mixture, every chain started in the lighter component: the
/// mean responsibility E_p[r_k(x)] equals w_k exactly, so the chain averages estimate the
/// weights. Chains are correlated in time, so the standard error is taken from the spread of
/// the per-chain averages across independent chains.
#[test]
fn mala_recovers_mixture_weights() {
    let mix = GaussianMixture::new(
        [0.3, 0.7],
        [
            Gaussian::<f64, 1>::isotropic([-1.5], 1.0 / 0.36).unwrap(),
            Gaussian::<f64, 1>::isotropic([1.5], 1.0 / 0.36).unwrap(),
        ],
    )
    .unwrap();
    let kernel = Mala { step: 0.15 };
    let (chains, burn_in, steps) = (400, 2_000, 8_000);
    let mut scratch = [0.0; 3];
    let mut averages = Vec::with_capacity(chains);
    let mut accepted = 0u64;
    for c in 0..chains {
        let mut x = [-1.5];
        let mut rng = StreamRng::new(31, c as u64);
        let mut sum = 0.0;
        for s in 0..burn_in + steps {
            accepted += u64::from(
                kernel
                    .step(&mix, &mut x, &mut rng, &mut scratch)
                    .unwrap()
                    .accepted,
            );
            if s >= burn_in {
                let mut r = [0.0; 2];
                mix.responsibilities(&x, &mut r);
                sum += r[0];
            }
        }
        averages.push(sum / steps as f64);
    }
    let n = chains as f64;
    let mean = averages.iter().sum::<f64>() / n;
    let sd = (averages.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let se = sd / n.sqrt();
    // se < 0.01 makes the check meaningful: chains that never left the start component
    // would report a weight near 1, and poorly mixed ones a large spread across chains.
    assert!(
        (mean - 0.3).abs() < 5.0 * se && se < 0.01,
        "weight of the first component {mean:.4} ± {se:.4}, exact 0.3"
    );
    // τ = 0.15 against a component variance 0.36 is a small step: most proposals pass.
    let rate = accepted as f64 / (chains * (burn_in + steps)) as f64;
    assert!(rate > 0.5, "acceptance {rate}");
}
