//! Finite-difference checks of every gradient in the core: networks with respect to their
//! input and their parameters, and every analytic energy.

mod common;

use common::{assert_gradient_matches_fd, central_difference, normal_vec};
use gradflow_core::{
    Activation, DoubleWell, Dw4, Energy, Error, Gaussian, GaussianMixture, LennardJones, Mlp,
    MlpParams, MullerBrown, StreamRng, TimeMlp, VelocityField,
};

fn random_mlp<const IN: usize, const W: usize, const DEPTH: usize, const OUT: usize>(
    seed: u64,
    activation: Activation,
) -> Mlp<f64, IN, W, DEPTH, OUT> {
    let mut params = MlpParams::zeroed();
    // Random biases too, so every code path sees non-zero values.
    let mut rng = StreamRng::new(seed, 0);
    for p in params.as_flat_mut() {
        *p = 0.7 * rng.normal::<f64>();
    }
    Mlp::new(params, activation)
}

#[test]
fn mlp_input_gradient_matches_fd_for_every_activation() {
    for (k, act) in Activation::ALL.into_iter().enumerate() {
        let deep = random_mlp::<3, 8, 2, 1>(k as u64, act);
        let shallow = random_mlp::<3, 5, 0, 1>(100 + k as u64, act);
        for p in 0..5 {
            let x = normal_vec(1000 + p, 3, 1.3);
            assert_gradient_matches_fd(&format!("mlp depth 2 {act:?}"), &deep, &x);
            assert_gradient_matches_fd(&format!("mlp depth 0 {act:?}"), &shallow, &x);
        }
    }
}

/// ∂(c·y)/∂θ for every parameter of a 3→6→6→6→2 network against central differences.
#[test]
fn mlp_parameter_vjp_matches_fd_for_every_activation() {
    for (k, act) in Activation::ALL.into_iter().enumerate() {
        let net = random_mlp::<3, 6, 2, 2>(7 + k as u64, act);
        let x: [f64; 3] = normal_vec(50 + k as u64, 3, 1.0).try_into().unwrap();
        let c = [0.8, -1.3];
        let mut grad = MlpParams::zeroed();
        let mut gx = [0.0; 3];
        let y = net.vjp(&x, &c, &mut gx, Some(&mut grad));
        assert_eq!(y, net.forward(&x));

        let flat = net.params.as_flat().to_vec();
        let objective = |theta: &[f64]| {
            let mut p = MlpParams::<f64, 3, 6, 2, 2>::zeroed();
            p.as_flat_mut().copy_from_slice(theta);
            let out: [f64; 2] = Mlp::new(p, act).forward(&x);
            c[0] * out[0] + c[1] * out[1]
        };
        for (i, g) in grad.as_flat().iter().enumerate() {
            let fd = central_difference(objective, &flat, i, 1e-6);
            assert!(
                (g - fd).abs() <= 1e-6 * g.abs().max(1.0),
                "{act:?}: dθ[{i}] = {g}, finite difference {fd}"
            );
        }
        // Accumulation: a second call adds the same gradient again.
        let once = grad.as_flat().to_vec();
        net.vjp(&x, &c, &mut gx, Some(&mut grad));
        for (a, b) in grad.as_flat().iter().zip(&once) {
            assert!((a - 2.0 * b).abs() <= 1e-12 * b.abs().max(1.0));
        }
    }
}

#[test]
fn flat_layout_is_the_documented_order() {
    let mut p = MlpParams::<f64, 2, 3, 1, 1>::zeroed();
    assert_eq!(
        MlpParams::<f64, 2, 3, 1, 1>::LEN,
        2 * 3 + 3 + (9 + 3) + 3 + 1
    );
    for (i, v) in p.as_flat_mut().iter_mut().enumerate() {
        *v = i as f64;
    }
    assert_eq!(p.input.weight, [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]);
    assert_eq!(p.input.bias, [6.0, 7.0, 8.0]);
    assert_eq!(p.hidden[0].weight[2], [15.0, 16.0, 17.0]);
    assert_eq!(p.hidden[0].bias, [18.0, 19.0, 20.0]);
    assert_eq!(p.output.weight, [[21.0], [22.0], [23.0]]);
    assert_eq!(p.output.bias, [24.0]);
}

#[test]
fn time_mlp_appends_time_and_its_vjp_matches_the_network() {
    let net = random_mlp::<3, 8, 1, 2>(3, Activation::GeluTanh);
    let field = TimeMlp::new(net);
    let (x, t) = ([0.3, -0.4], 0.6);
    let mut v = [0.0; 2];
    field.velocity(&x, t, &mut v).unwrap();
    assert_eq!(v, net.forward(&[0.3, -0.4, 0.6]));
    let wrong = field.velocity(&[0.3], t, &mut v).unwrap_err();
    assert!(
        matches!(wrong, Error::DimensionMismatch { .. }),
        "{wrong:?}"
    );
    let (mut g1, mut g2) = (MlpParams::zeroed(), MlpParams::zeroed());
    field.vjp(&x, t, &[1.0, 2.0], Some(&mut g1));
    net.vjp(&[0.3, -0.4, 0.6], &[1.0, 2.0], &mut [0.0; 3], Some(&mut g2));
    assert_eq!(g1, g2);
}

/// f32 and f64 evaluate the same function: relative agreement to a few f32 ulps times the
/// depth of the computation.
#[test]
fn f32_network_agrees_with_f64() {
    let net64 = random_mlp::<2, 16, 1, 1>(11, Activation::Silu);
    let mut p32 = MlpParams::<f32, 2, 16, 1, 1>::zeroed();
    for (a, b) in p32.as_flat_mut().iter_mut().zip(net64.params.as_flat()) {
        *a = *b as f32;
    }
    let net32 = Mlp::new(p32, Activation::Silu);
    for k in 0..10 {
        let x = normal_vec(k, 2, 1.0);
        let (mut g64, mut g32) = ([0.0f64; 2], [0.0f32; 2]);
        let e64 = net64.energy_grad(&x, &mut g64).unwrap();
        let e32 = net32
            .energy_grad(&[x[0] as f32, x[1] as f32], &mut g32)
            .unwrap();
        assert!((e64 - f64::from(e32)).abs() < 1e-4 * e64.abs().max(1.0));
        for i in 0..2 {
            assert!((g64[i] - f64::from(g32[i])).abs() < 1e-4 * g64[i].abs().max(1.0));
        }
    }
}

#[test]
fn gaussian_gradient_and_value() {
    let g = Gaussian::<f64, 3>::new(
        [1.0, -2.0, 0.5],
        [[2.0, 0.3, 0.1], [0.3, 1.5, -0.2], [0.1, -0.2, 1.0]],
    )
    .unwrap();
    assert_eq!(g.energy(&[1.0, -2.0, 0.5]).unwrap(), 0.0);
    // E(µ + e₀) = ½P₀₀.
    assert!((g.energy(&[2.0, -2.0, 0.5]).unwrap() - 1.0).abs() < 1e-15);
    for k in 0..5 {
        assert_gradient_matches_fd("gaussian", &g, &normal_vec(k, 3, 2.0));
    }
    assert!(
        Gaussian::<f64, 2>::new([0.0; 2], [[1.0, 2.0], [2.0, 1.0]]).is_err(),
        "indefinite"
    );
    assert!(
        Gaussian::<f64, 2>::new([0.0; 2], [[1.0, 0.1], [0.0, 1.0]]).is_err(),
        "asymmetric"
    );
    assert!(Gaussian::<f64, 2>::new([f64::NAN, 0.0], [[1.0, 0.0], [0.0, 1.0]]).is_err());
}

#[test]
fn mixture_gradient_and_normalisation() {
    let mix = GaussianMixture::<f64, 2, 2>::new(
        [1.0, 3.0],
        [
            Gaussian::isotropic([-1.0, 0.0], 2.0).unwrap(),
            Gaussian::new([1.5, 0.5], [[1.0, 0.4], [0.4, 3.0]]).unwrap(),
        ],
    )
    .unwrap();
    assert_eq!(mix.weights(), &[0.25, 0.75]);
    for k in 0..5 {
        assert_gradient_matches_fd("mixture", &mix, &normal_vec(20 + k, 2, 1.5));
    }
    // ∫ e^−E = 1: midpoint rule on [−8, 8]², where the tails are below e^−40.
    let (n, half) = (800, 8.0);
    let h = 2.0 * half / n as f64;
    let mut total = 0.0;
    for i in 0..n {
        for j in 0..n {
            let x = [-half + (i as f64 + 0.5) * h, -half + (j as f64 + 0.5) * h];
            total += (-mix.energy(&x).unwrap()).exp() * h * h;
        }
    }
    assert!((total - 1.0).abs() < 1e-6, "∫ e^-E = {total}");
}

#[test]
fn double_well_gradient_and_minima() {
    let dw = DoubleWell::<f64, 3>::new(2.0, 1.5).unwrap();
    assert_eq!(dw.energy(&[1.0, 0.0, 0.0]).unwrap(), 0.0);
    assert_eq!(dw.energy(&[-1.0, 0.0, 0.0]).unwrap(), 0.0);
    assert_eq!(dw.energy(&[0.0, 0.0, 0.0]).unwrap(), 2.0, "barrier height");
    for k in 0..5 {
        assert_gradient_matches_fd("double well", &dw, &normal_vec(30 + k, 3, 1.2));
    }
    assert!(DoubleWell::<f64, 1>::new(-1.0, 1.0).is_err());
}

/// The published minima (Müller & Brown 1979): A (−0.558, 1.442) E = −146.70,
/// B (0.623, 0.028) E = −108.17, C (−0.050, 0.467) E = −80.77. Newton's method on our
/// gradient (Hessian by central differences of it) from each published point must converge
/// to a point that rounds to the published coordinates (|Δ| ≤ 5e-4, 3 decimals) with an
/// energy that rounds to the published one (|ΔE| ≤ 5e-3, 2 decimals).
#[test]
fn muller_brown_gradient_and_minima() {
    let mb = MullerBrown::<f64>::default();
    let grad = |x: [f64; 2]| {
        let mut g = [0.0; 2];
        mb.energy_grad(&x, &mut g).unwrap();
        g
    };
    for (published, e) in [
        ([-0.558, 1.442], -146.70),
        ([0.623, 0.028], -108.17),
        ([-0.050, 0.467], -80.77),
    ] {
        let mut x = published;
        for _ in 0..8 {
            let h = 1e-6;
            let column = |i: usize| {
                let (mut p, mut m) = (x, x);
                p[i] += h;
                m[i] -= h;
                let (gp, gm) = (grad(p), grad(m));
                [(gp[0] - gm[0]) / (2.0 * h), (gp[1] - gm[1]) / (2.0 * h)]
            };
            let (c0, c1) = (column(0), column(1));
            let det = c0[0] * c1[1] - c1[0] * c0[1];
            assert!(
                det > 0.0,
                "Hessian not positive definite near {published:?}"
            );
            let g = grad(x);
            x[0] -= (c1[1] * g[0] - c1[0] * g[1]) / det;
            x[1] -= (-c0[1] * g[0] + c0[0] * g[1]) / det;
        }
        let g = grad(x);
        assert!(
            g[0].hypot(g[1]) < 1e-9,
            "Newton did not converge: {x:?}, {g:?}"
        );
        for i in 0..2 {
            assert!(
                (x[i] - published[i]).abs() <= 5e-4,
                "minimum {x:?}, published {published:?}"
            );
        }
        let v = mb.energy(&x).unwrap();
        assert!((v - e).abs() <= 5e-3, "E at minimum {v}, published {e}");
    }
    for k in 0..6 {
        let p = normal_vec(40 + k, 2, 0.6);
        assert_gradient_matches_fd("muller-brown", &mb, &[p[0] - 0.3, p[1] + 0.8]);
    }
    let scaled = MullerBrown { scale: 0.05f64 };
    assert!(
        (scaled.energy(&[-0.558, 1.442]).unwrap() - 0.05 * mb.energy(&[-0.558, 1.442]).unwrap())
            .abs()
            < 1e-12
    );
}

#[test]
fn dw4_gradient_and_pair_minimum() {
    let dw4 = Dw4::<f64>::default();
    // Two pair minima: φ′(d) = 2b(d − d₀) + 4c(d − d₀)³ = 0 at d − d₀ = ±√(−b/(2c)).
    let u = (4.0f64 / 1.8).sqrt();
    let phi = |d: f64| -4.0 * (d - 4.0).powi(2) + 0.9 * (d - 4.0).powi(4);
    // A square of side s: 4 sides and 2 diagonals.
    let s = 4.0 + u;
    let square = [0.0, 0.0, s, 0.0, s, s, 0.0, s];
    let expected = 4.0 * phi(s) + 2.0 * phi(s * 2f64.sqrt());
    assert!((dw4.energy(&square).unwrap() - expected).abs() < 1e-12);
    for k in 0..5 {
        assert_gradient_matches_fd("dw4", &dw4, &normal_vec(50 + k, 8, 3.0));
    }
}

#[test]
fn lennard_jones_gradient_and_known_values() {
    // Pair minimum: −ε at r = 2^(1/6)σ; no restraint energy when the centre is at 0.
    let lj2 = LennardJones::<f64, 2>::default();
    let r = 2f64.powf(1.0 / 6.0);
    let pair = [-r / 2.0, 0.0, 0.0, r / 2.0, 0.0, 0.0];
    assert!((lj2.energy(&pair).unwrap() + 1.0).abs() < 1e-14);
    let mut g = [0.0; 6];
    lj2.energy_grad(&pair, &mut g).unwrap();
    assert!(
        g.iter().all(|v| v.abs() < 1e-12),
        "force at the pair minimum {g:?}"
    );
    assert_eq!(lj2.energy(&[0.0; 6]).unwrap(), f64::INFINITY);

    // LJ13 on a jittered cubic grid (no near-overlaps), restraint on.
    let lj13 = LennardJones::<f64, 13> {
        com_stiffness: 3.0,
        ..Default::default()
    };
    for k in 0..3 {
        let jitter = normal_vec(60 + k, 39, 0.08);
        let x: Vec<f64> = (0..39)
            .map(|i| {
                let (p, c) = (i / 3, i % 3);
                let cell = [p % 3, (p / 3) % 3, p / 9][c] as f64;
                1.15 * cell + 0.4 + jitter[i]
            })
            .collect();
        assert_gradient_matches_fd("lj13", &lj13, &x);
    }
}
