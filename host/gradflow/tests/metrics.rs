//! Tests of `gradflow::metrics`: exact W2 against brute force, closed forms and POT;
//! the Sinkhorn divergence against the converged reference fixture; MMD and the energy
//! distance against Gaussian closed forms (Monte Carlo, tolerances in standard errors) and
//! exact small-sample values from numpy. Fixtures: `tests/fixtures/metrics/`.

use gradflow::metrics::{
    MetricsError, Sinkhorn, W2Settings, energy_distance, median_bandwidth, mmd2_rbf,
    sinkhorn_divergence, wasserstein2, wasserstein2_with,
};
use gradflow::stats::Estimate;
use gradflow_core::StreamRng;
use serde_json::Value;

const W2_POT: &str = include_str!("../../../tests/fixtures/metrics/w2_pot.json");
const SMALL: &str = include_str!("../../../tests/fixtures/metrics/small_samples.json");
const SINKHORN: &str = include_str!("../../../tests/fixtures/metrics/sinkhorn_grad_n64.json");

fn normals(seed: u64, stream: u64, count: usize) -> Vec<f64> {
    let mut rng = StreamRng::new(seed, stream);
    (0..count).map(|_| rng.normal::<f64>()).collect()
}

fn uniforms(seed: u64, stream: u64, count: usize) -> Vec<f64> {
    let mut rng = StreamRng::new(seed, stream);
    (0..count).map(|_| rng.uniform_open01()).collect()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("an array")
        .iter()
        .flat_map(|e| match e {
            Value::Array(row) => row.iter().map(|c| c.as_f64().unwrap()).collect(),
            _ => vec![e.as_f64().unwrap()],
        })
        .collect()
}

fn rel_err(got: f64, want: f64) -> f64 {
    (got - want).abs() / want.abs().max(f64::MIN_POSITIVE)
}

// ---------------------------------------------------------------------------------------
// Exact W2
// ---------------------------------------------------------------------------------------

/// min over all permutations of the mean squared distance (Heap's algorithm).
fn brute_force_w2_squared(x: &[f64], y: &[f64], d: usize) -> f64 {
    let n = x.len() / d;
    let cost = |i: usize, j: usize| -> f64 {
        (0..d)
            .map(|k| (x[i * d + k] - y[j * d + k]).powi(2))
            .sum::<f64>()
    };
    let total = |p: &[usize]| -> f64 { p.iter().enumerate().map(|(i, &j)| cost(i, j)).sum() };
    let mut p: Vec<usize> = (0..n).collect();
    let mut best = total(&p);
    let mut c = vec![0usize; n];
    let mut i = 0;
    while i < n {
        if c[i] < i {
            if i % 2 == 0 {
                p.swap(0, i);
            } else {
                p.swap(c[i], i);
            }
            best = best.min(total(&p));
            c[i] += 1;
            i = 0;
        } else {
            c[i] = 0;
            i += 1;
        }
    }
    best / n as f64
}

#[test]
fn w2_matches_brute_force_over_permutations() {
    let mut cases = 0;
    for n in 1..=7 {
        for d in [1, 2, 3] {
            for rep in 0..4u64 {
                let seed = 100 * n as u64 + 10 * d as u64 + rep;
                let x = normals(seed, 0, n * d);
                let y = uniforms(seed, 1, n * d);
                let want = brute_force_w2_squared(&x, &y, d);
                let got = wasserstein2(&x, &y, d).unwrap();
                assert!(
                    (got.w2_squared - want).abs() <= 1e-12 * want.max(1.0),
                    "n={n} d={d} rep={rep}: {} vs brute force {want}",
                    got.w2_squared
                );
                // The assignment is a permutation realising the value.
                let mut seen = vec![false; n];
                let mut cost = 0.0;
                for (i, &j) in got.assignment.iter().enumerate() {
                    assert!(!seen[j]);
                    seen[j] = true;
                    cost += (0..d)
                        .map(|k| (x[i * d + k] - y[j * d + k]).powi(2))
                        .sum::<f64>();
                }
                assert!((cost / n as f64 - got.w2_squared).abs() <= 1e-12 * want.max(1.0));
                assert_eq!(got.w2, got.w2_squared.sqrt());
                cases += 1;
            }
        }
    }
    assert_eq!(cases, 7 * 3 * 4);
}

#[test]
fn w2_in_1d_is_the_sorted_matching() {
    for (seed, n) in [(1u64, 10usize), (2, 500), (3, 2000)] {
        let x = normals(seed, 0, n);
        let y: Vec<f64> = uniforms(seed, 1, n).iter().map(|u| 3.0 * u - 1.0).collect();
        let (mut xs, mut ys) = (x.clone(), y.clone());
        xs.sort_by(f64::total_cmp);
        ys.sort_by(f64::total_cmp);
        let want = xs
            .iter()
            .zip(&ys)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            / n as f64;
        let got = wasserstein2(&x, &y, 1).unwrap();
        assert!(
            rel_err(got.w2_squared, want) < 1e-12,
            "n={n}: {} vs sorted {want}",
            got.w2_squared
        );
        assert!(got.gap_bound <= 1e-12 * want);
    }
}

#[test]
fn w2_of_a_translated_copy_is_the_shift() {
    let (n, d) = (1500, 2);
    let x = normals(9, 0, n * d);
    let shift = [0.3, -1.25];
    let y: Vec<f64> = x
        .iter()
        .enumerate()
        .map(|(k, v)| v + shift[k % d])
        .collect();
    let want = shift[0] * shift[0] + shift[1] * shift[1];
    let got = wasserstein2(&x, &y, d).unwrap();
    assert!(rel_err(got.w2_squared, want) < 1e-12, "{}", got.w2_squared);
    assert_eq!(got.assignment, (0..n).collect::<Vec<_>>());
}

#[test]
fn w2_matches_pot_emd2() {
    let fixture: Value = serde_json::from_str(W2_POT).unwrap();
    for case in fixture["cases"].as_array().unwrap() {
        let d = case["d"].as_u64().unwrap() as usize;
        let (x, y) = (floats(&case["x"]), floats(&case["y"]));
        let want = case["w2_squared"].as_f64().unwrap();
        let got = wasserstein2(&x, &y, d).unwrap();
        let err = rel_err(got.w2_squared, want);
        assert!(
            err < 1e-9,
            "{}: {} vs POT {want} (rel {err:e})",
            case["name"],
            got.w2_squared
        );
        assert!(got.gap_bound <= 1e-12 * want, "gap bound {}", got.gap_bound);
    }
}

#[test]
fn w2_sparse_start_is_completed_by_dense_rounds() {
    // One nearest neighbour per point (no coarse-to-fine start) leaves the candidate graph
    // far from the optimum: the dense certification rounds must add the missing edges and
    // reach the same value. Both starts (nearest neighbours, coarse-to-fine) agree.
    let fixture: Value = serde_json::from_str(W2_POT).unwrap();
    let case = &fixture["cases"][2];
    let (x, y) = (floats(&case["x"]), floats(&case["y"]));
    let want = case["w2_squared"].as_f64().unwrap();
    let plain = W2Settings {
        neighbours: 1,
        coarsen_above: usize::MAX,
        ..W2Settings::default()
    };
    let got = wasserstein2_with(&x, &y, 2, &plain).unwrap();
    assert!(got.rounds > 0);
    assert!(rel_err(got.w2_squared, want) < 1e-9);
    for coarsen_above in [8, 100, usize::MAX] {
        let settings = W2Settings {
            coarsen_above,
            ..W2Settings::default()
        };
        let other = wasserstein2_with(&x, &y, 2, &settings).unwrap();
        assert!(
            rel_err(other.w2_squared, want) < 1e-9,
            "coarsen_above {coarsen_above}"
        );
    }
    let capped = W2Settings {
        max_rounds: 0,
        ..plain
    };
    assert!(matches!(
        wasserstein2_with(&x, &y, 2, &capped),
        Err(MetricsError::NotConverged { .. })
    ));
}

fn with_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

#[test]
fn metrics_are_bit_identical_for_any_thread_count() {
    let (n, d) = (700, 2);
    let x = normals(21, 0, n * d);
    let y = uniforms(21, 1, n * d);
    let run = || {
        let w = wasserstein2(&x, &y, d).unwrap();
        let s = Sinkhorn {
            blur: 0.3,
            tol: 1e-9,
            ..Sinkhorn::default()
        }
        .solve(&x[..200], &y[..300], d)
        .unwrap();
        (
            w.w2_squared.to_bits(),
            w.assignment,
            s.value.to_bits(),
            mmd2_rbf(&x, &y, d, 0.7).unwrap().to_bits(),
            energy_distance(&x, &y, d).unwrap().to_bits(),
        )
    };
    let one = with_threads(1, run);
    for threads in [2, 3] {
        assert!(one == with_threads(threads, run), "{threads} threads");
    }
}

#[test]
fn w2_rejects_bad_input() {
    let x = [0.0, 1.0, 2.0, 3.0];
    assert_eq!(
        wasserstein2(&x, &x[..2], 2),
        Err(MetricsError::SizeMismatch { n: 2, m: 1 })
    );
    assert_eq!(wasserstein2(&x, &x, 0), Err(MetricsError::ZeroDimension));
    assert!(matches!(
        wasserstein2(&x, &x[..3], 1),
        Err(MetricsError::SizeMismatch { .. })
    ));
    assert!(matches!(
        wasserstein2(&x[..3], &x[..3], 2),
        Err(MetricsError::NotMultipleOfDimension { which: "x", .. })
    ));
    assert!(matches!(
        wasserstein2(&[], &[], 2),
        Err(MetricsError::TooFewPoints { .. })
    ));
    assert_eq!(
        wasserstein2(&x, &[0.0, f64::NAN, 1.0, 1.0], 2),
        Err(MetricsError::NonFinite {
            which: "y",
            index: 1
        })
    );
    let no_neighbours = W2Settings {
        neighbours: 0,
        ..W2Settings::default()
    };
    assert!(wasserstein2_with(&x, &x, 2, &no_neighbours).is_err());
    // Errors print a sentence.
    let msg = MetricsError::SizeMismatch { n: 2, m: 1 }.to_string();
    assert!(msg.contains("same number of points"));
}

/// Timings of the exact W2 (release build, 2D): uniform on the unit square against a
/// Gaussian N((0.5, 0.5), 0.25² I), against another uniform sample, and 8 Gaussian blobs
/// (radius 2, std 0.1) against a standard Gaussian. Run with
/// `cargo test --release -p gradflow --test metrics -- --ignored --nocapture w2_timing`.
#[test]
#[ignore = "timing, not a check"]
fn w2_timing() {
    for n in [1000, 4000, 10_000] {
        let uniform = uniforms(5, 0, 2 * n);
        let gaussian: Vec<f64> = normals(5, 1, 2 * n)
            .iter()
            .map(|v| 0.5 + 0.25 * v)
            .collect();
        let uniform2 = uniforms(6, 0, 2 * n);
        let noise = normals(7, 0, 2 * n);
        let blobs: Vec<f64> = (0..2 * n)
            .map(|k| {
                let angle = std::f64::consts::FRAC_PI_4 * ((k / 2) % 8) as f64;
                let centre = if k % 2 == 0 { angle.cos() } else { angle.sin() };
                2.0 * centre + 0.1 * noise[k]
            })
            .collect();
        let standard = normals(7, 1, 2 * n);
        for (name, x, y) in [
            ("uniform vs gaussian", &uniform, &gaussian),
            ("uniform vs uniform", &uniform, &uniform2),
            ("8 blobs vs gaussian", &blobs, &standard),
        ] {
            let mut times = Vec::new();
            let mut w = None;
            for _ in 0..3 {
                let start = std::time::Instant::now();
                w = Some(wasserstein2(x, y, 2).unwrap());
                times.push(start.elapsed().as_secs_f64());
            }
            times.sort_by(f64::total_cmp);
            let w = w.unwrap();
            println!(
                "n = {n:>6} {name}: W2² = {:.6e}, {} rounds, gap bound {:.1e}, median of 3 {:.3} s",
                w.w2_squared, w.rounds, w.gap_bound, times[1]
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Sinkhorn divergence
// ---------------------------------------------------------------------------------------

struct SinkhornCase {
    cost: String,
    eps: f64,
    value: f64,
    ot: [f64; 3],
    grad_x: Vec<f64>,
    velocity_x: Vec<f64>,
    f_ab: Vec<f64>,
    g_ab: Vec<f64>,
    p_aa: Vec<f64>,
}

fn sinkhorn_fixture() -> (Vec<f64>, Vec<f64>, Vec<SinkhornCase>) {
    let v: Value = serde_json::from_str(SINKHORN).unwrap();
    let cases = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| SinkhornCase {
            cost: c["cost"].as_str().unwrap().to_string(),
            eps: c["eps"].as_f64().unwrap(),
            value: c["value"].as_f64().unwrap(),
            ot: [
                c["ot_ab"].as_f64().unwrap(),
                c["ot_aa"].as_f64().unwrap(),
                c["ot_bb"].as_f64().unwrap(),
            ],
            grad_x: floats(&c["grad_x"]),
            velocity_x: floats(&c["velocity_x"]),
            f_ab: floats(&c["f_ab"]),
            g_ab: floats(&c["g_ab"]),
            p_aa: floats(&c["p_aa"]),
        })
        .collect();
    (floats(&v["x"]), floats(&v["y"]), cases)
}

fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(p, q)| (p - q).abs())
        .fold(0.0, f64::max)
}

fn max_abs(a: &[f64]) -> f64 {
    a.iter().map(|v| v.abs()).fold(0.0, f64::max)
}

#[test]
fn sinkhorn_matches_the_converged_fixture_half_cost() {
    let (x, y, cases) = sinkhorn_fixture();
    let mut checked = 0;
    for case in cases.iter().filter(|c| c.cost == "|x-y|^2/2") {
        let blur = case.eps.sqrt();
        let s = Sinkhorn {
            blur,
            tol: 1e-13,
            ..Sinkhorn::default()
        }
        .solve(&x, &y, 2)
        .unwrap();
        assert!(
            rel_err(s.value, case.value) < 1e-8,
            "eps={}: {} vs {}",
            case.eps,
            s.value,
            case.value
        );
        for (got, want) in [s.ot_xy, s.ot_xx, s.ot_yy].into_iter().zip(case.ot) {
            assert!(rel_err(got, want) < 1e-8, "OT term {got} vs {want}");
        }
        // The short function agrees with the struct.
        let short = sinkhorn_divergence(&x, &y, 2, blur, 1e-13).unwrap();
        assert_eq!(short, s.value);
        // Potentials, in the fixture's gauge (<a, f> = <b, g>).
        let scale = max_abs(&case.f_ab).max(max_abs(&case.g_ab));
        assert!(max_abs_diff(&s.f_xy, &case.f_ab) < 1e-8 * scale);
        assert!(max_abs_diff(&s.g_xy, &case.g_ab) < 1e-8 * scale);
        assert!(max_abs_diff(&s.p_xx, &case.p_aa) < 1e-8 * max_abs(&case.p_aa));
        // Gradient and velocity.
        let grad = s.grad_x(&x, &y, 2).unwrap();
        let vel = s.velocity_x(&x, &y, 2).unwrap();
        let gerr = max_abs_diff(&grad, &case.grad_x) / max_abs(&case.grad_x);
        let verr = max_abs_diff(&vel, &case.velocity_x) / max_abs(&case.velocity_x);
        assert!(gerr < 1e-8, "eps={}: gradient rel err {gerr:e}", case.eps);
        assert!(verr < 1e-8, "eps={}: velocity rel err {verr:e}", case.eps);
        assert!(s.marginal_error.iter().all(|&e| e < 1e-13));
        checked += 1;
    }
    assert_eq!(checked, 2);
}

#[test]
fn sinkhorn_full_cost_cases_are_twice_the_half_cost_at_half_eps() {
    // S_eps[|x-y|^2] = 2 S_{eps/2}[|x-y|^2/2] (the fixture's conventions).
    let (x, y, cases) = sinkhorn_fixture();
    let mut checked = 0;
    for case in cases.iter().filter(|c| c.cost == "|x-y|^2") {
        let s = Sinkhorn {
            blur: (case.eps / 2.0).sqrt(),
            tol: 1e-13,
            ..Sinkhorn::default()
        }
        .solve(&x, &y, 2)
        .unwrap();
        assert!(
            rel_err(2.0 * s.value, case.value) < 1e-8,
            "eps={}",
            case.eps
        );
        let grad: Vec<f64> = s
            .grad_x(&x, &y, 2)
            .unwrap()
            .iter()
            .map(|g| 2.0 * g)
            .collect();
        assert!(max_abs_diff(&grad, &case.grad_x) < 1e-8 * max_abs(&case.grad_x));
        checked += 1;
    }
    assert_eq!(checked, 2);
}

#[test]
fn sinkhorn_gradient_matches_finite_differences() {
    let (n, m, d) = (12, 9, 3);
    let x = normals(31, 0, n * d);
    let y = uniforms(31, 1, m * d);
    let settings = Sinkhorn {
        blur: 0.5,
        tol: 1e-14,
        ..Sinkhorn::default()
    };
    let grad = settings
        .solve(&x, &y, d)
        .unwrap()
        .grad_x(&x, &y, d)
        .unwrap();
    let h = 1e-5;
    for k in [0, 7, 20, 35] {
        let (mut xp, mut xm) = (x.clone(), x.clone());
        xp[k] += h;
        xm[k] -= h;
        let fd = (settings.solve(&xp, &y, d).unwrap().value
            - settings.solve(&xm, &y, d).unwrap().value)
            / (2.0 * h);
        assert!(
            (fd - grad[k]).abs() < 1e-8,
            "coordinate {k}: {fd} vs {}",
            grad[k]
        );
    }
}

#[test]
fn sinkhorn_divergence_of_a_sample_with_itself_is_zero_and_positive_otherwise() {
    // Uniform points: at blur 0.2 no cluster is isolated, so the cross problem converges
    // fast (see the module docs of `sinkhorn` on clustered clouds).
    let x = uniforms(41, 0, 100);
    let y: Vec<f64> = x.iter().map(|v| v + 0.2).collect();
    assert!(sinkhorn_divergence(&x, &x, 2, 0.2, 1e-12).unwrap().abs() < 1e-12);
    let s = sinkhorn_divergence(&x, &y, 2, 0.2, 1e-12).unwrap();
    // For a translation, S_eps (half cost) equals |shift|^2/2 exactly: the entropic plans
    // of (a,b) and (a,a) coincide up to the shift.
    assert!(rel_err(s, 0.5 * 2.0 * 0.04) < 1e-9, "{s}");
}

#[test]
fn sinkhorn_rejects_bad_input_and_reports_non_convergence() {
    let x = [0.0, 1.0, 2.0, 3.0];
    for (blur, tol) in [(0.0, 1e-9), (-1.0, 1e-9), (f64::NAN, 1e-9), (0.1, 0.0)] {
        assert!(matches!(
            sinkhorn_divergence(&x, &x, 2, blur, tol),
            Err(MetricsError::InvalidParameter { .. })
        ));
    }
    assert!(matches!(
        sinkhorn_divergence(&x, &[1.0, f64::INFINITY], 2, 0.1, 1e-9),
        Err(MetricsError::NonFinite {
            which: "y",
            index: 1
        })
    ));
    assert!(matches!(
        sinkhorn_divergence(&x, &[], 2, 0.1, 1e-9),
        Err(MetricsError::TooFewPoints { .. })
    ));
    let capped = Sinkhorn {
        blur: 0.3,
        tol: 1e-15,
        max_iter: 0,
        ..Sinkhorn::default()
    };
    let y = normals(1, 0, 40);
    assert!(matches!(
        capped.solve(&y[..20], &y[20..], 2),
        Err(MetricsError::NotConverged { .. })
    ));
    let s = Sinkhorn::default().solve(&x, &x, 2).unwrap();
    assert!(matches!(
        s.velocity_x(&x[..2], &x, 2),
        Err(MetricsError::WrongPointCount { which: "x", .. })
    ));
}

// ---------------------------------------------------------------------------------------
// MMD and the energy distance
// ---------------------------------------------------------------------------------------

#[test]
fn mmd_energy_distance_and_bandwidth_match_numpy_on_small_samples() {
    let fixture: Value = serde_json::from_str(SMALL).unwrap();
    for case in fixture["cases"].as_array().unwrap() {
        let d = case["d"].as_u64().unwrap() as usize;
        let (x, y) = (floats(&case["x"]), floats(&case["y"]));
        let sigma = case["sigma"].as_f64().unwrap();
        let name = &case["name"];
        let mmd = mmd2_rbf(&x, &y, d, sigma).unwrap();
        let want = case["mmd2_unbiased"].as_f64().unwrap();
        assert!(rel_err(mmd, want) < 1e-12, "{name}: MMD² {mmd} vs {want}");
        let ed = energy_distance(&x, &y, d).unwrap();
        let want = case["energy_distance"].as_f64().unwrap();
        assert!(rel_err(ed, want) < 1e-12, "{name}: ED {ed} vs {want}");
        let bw = median_bandwidth(&x, &y, d).unwrap();
        let want = case["median_bandwidth"].as_f64().unwrap();
        assert!(
            rel_err(bw, want) < 1e-14,
            "{name}: bandwidth {bw} vs {want}"
        );
    }
}

#[test]
fn point_masses_have_closed_forms() {
    // delta_a vs delta_b: the within-sample terms vanish.
    let a = [0.5, -1.0, 2.0];
    let b = [1.5, 1.0, 0.0];
    let x: Vec<f64> = a.iter().cycle().take(3 * 4).copied().collect();
    let y: Vec<f64> = b.iter().cycle().take(3 * 5).copied().collect();
    let dist2: f64 = a.iter().zip(&b).map(|(p, q)| (p - q).powi(2)).sum();
    let ed = energy_distance(&x, &y, 3).unwrap();
    assert!((ed - 2.0 * dist2.sqrt()).abs() < 1e-14, "{ed}");
    let sigma = 1.7;
    let mmd = mmd2_rbf(&x, &y, 3, sigma).unwrap();
    let want = 2.0 - 2.0 * (-dist2 / (2.0 * sigma * sigma)).exp();
    assert!((mmd - want).abs() < 1e-14, "{mmd} vs {want}");
}

/// Mean and standard error over `reps` independent two-sample estimates, n points each.
fn replicate(
    reps: u64,
    n: usize,
    d: usize,
    draw_x: impl Fn(u64) -> Vec<f64>,
    draw_y: impl Fn(u64) -> Vec<f64>,
    metric: impl Fn(&[f64], &[f64]) -> f64,
) -> Estimate {
    Estimate::of((0..reps).map(|r| {
        let (x, y) = (draw_x(r), draw_y(r));
        assert_eq!((x.len(), y.len()), (n * d, n * d));
        metric(&x, &y)
    }))
}

#[test]
fn mmd_between_gaussians_matches_the_closed_form() {
    // X ~ N(mu1, s^2 I), Y ~ N(mu2, s^2 I) in D dims, k = exp(-|x-y|^2/(2 sigma^2)):
    // E k(X, X') = (sigma^2/(sigma^2 + 2 s^2))^{D/2}, and
    // MMD^2 = 2 (sigma^2/(sigma^2 + 2s^2))^{D/2} (1 - exp(-|mu1-mu2|^2 / (2(sigma^2 + 2 s^2)))).
    let (d, n, reps) = (2, 400, 40);
    let (s, sigma): (f64, f64) = (0.8, 1.0);
    for (shift, seed) in [([0.7, -0.3], 50u64), ([0.0, 0.0], 51)] {
        let t = sigma * sigma + 2.0 * s * s;
        let delta2: f64 = shift.iter().map(|v| v * v).sum();
        let exact =
            2.0 * (sigma * sigma / t).powf(d as f64 / 2.0) * (1.0 - (-delta2 / (2.0 * t)).exp());
        let est = replicate(
            reps,
            n,
            d,
            |r| normals(seed, 2 * r, n * d).iter().map(|v| s * v).collect(),
            |r| {
                normals(seed, 2 * r + 1, n * d)
                    .iter()
                    .enumerate()
                    .map(|(k, v)| s * v + shift[k % d])
                    .collect()
            },
            |x, y| mmd2_rbf(x, y, d, sigma).unwrap(),
        );
        let z = est.z_score(exact);
        assert!(
            z.abs() < 4.0,
            "shift {shift:?}: {est:?} vs exact {exact} (z = {z})"
        );
        // The test has power: the standard error is small against the effect.
        if delta2 > 0.0 {
            assert!(est.std_error < 0.05 * exact, "{est:?}");
        }
    }
}

/// erf by its Taylor series (|x| ≤ 3: terms fall below 1e-17 before 80 terms).
fn erf(x: f64) -> f64 {
    let (mut term, mut sum) = (x, x);
    for k in 1..100 {
        term *= -x * x / k as f64;
        let add = term / (2 * k + 1) as f64;
        sum += add;
        if add.abs() < 1e-18 {
            break;
        }
    }
    2.0 / std::f64::consts::PI.sqrt() * sum
}

#[test]
fn energy_distance_between_1d_normals_matches_the_closed_form() {
    // X ~ N(m1, s1^2), Y ~ N(m2, s2^2): X - Y ~ N(mu, tau^2), mu = m1 - m2,
    // tau^2 = s1^2 + s2^2, E|X - Y| = tau sqrt(2/pi) exp(-mu^2/(2 tau^2)) + mu erf(mu/(tau sqrt 2)),
    // E|X - X'| = 2 s1/sqrt(pi); ED = 2E|X - Y| - 2 s1/sqrt(pi) - 2 s2/sqrt(pi).
    let pi = std::f64::consts::PI;
    let (n, reps) = (400, 40);
    for (m1, s1, m2, s2, seed) in [
        (0.0f64, 1.0f64, 0.0f64, 2.0f64, 60u64),
        (1.0, 1.0, 0.0, 1.0, 61),
        (0.5, 0.7, 0.5, 0.7, 62),
    ] {
        let (mu, tau) = (m1 - m2, (s1 * s1 + s2 * s2).sqrt());
        let e_xy = tau * (2.0 / pi).sqrt() * (-mu * mu / (2.0 * tau * tau)).exp()
            + mu * erf(mu / (tau * 2f64.sqrt()));
        let exact = 2.0 * e_xy - 2.0 * s1 / pi.sqrt() - 2.0 * s2 / pi.sqrt();
        let est = replicate(
            reps,
            n,
            1,
            |r| {
                normals(seed, 2 * r, n)
                    .iter()
                    .map(|v| m1 + s1 * v)
                    .collect()
            },
            |r| {
                normals(seed, 2 * r + 1, n)
                    .iter()
                    .map(|v| m2 + s2 * v)
                    .collect()
            },
            |x, y| energy_distance(x, y, 1).unwrap(),
        );
        let z = est.z_score(exact);
        assert!(
            z.abs() < 4.0,
            "N({m1},{s1}²) vs N({m2},{s2}²): {est:?} vs exact {exact} (z = {z})"
        );
        if exact > 0.0 {
            assert!(est.std_error < 0.05 * exact, "{est:?}");
        }
    }
}

#[test]
fn median_bandwidth_of_a_large_sample_uses_a_strided_subset() {
    // 3000 + 3000 points: the helper stays exact on its documented subset and lands near the
    // population median of |X - X'| for X ~ N(0, I_2) (Rayleigh with scale sqrt 2:
    // median 2 sqrt(ln 2) = 1.665).
    let x = normals(70, 0, 6000);
    let y = normals(70, 1, 6000);
    let bw = median_bandwidth(&x, &y, 2).unwrap();
    assert!((bw - 2.0 * 2f64.ln().sqrt()).abs() < 0.03, "{bw}");
}

#[test]
fn mmd_and_energy_distance_reject_bad_input() {
    let x = [0.0, 1.0, 2.0, 3.0];
    assert!(matches!(
        mmd2_rbf(&x, &x[..2], 2, 1.0),
        Err(MetricsError::TooFewPoints {
            which: "y",
            n: 1,
            needed: 2
        })
    ));
    assert!(matches!(
        energy_distance(&x[..2], &x, 2),
        Err(MetricsError::TooFewPoints { which: "x", .. })
    ));
    for sigma in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            mmd2_rbf(&x, &x, 2, sigma),
            Err(MetricsError::InvalidParameter { name: "sigma", .. })
        ));
    }
    assert!(matches!(
        energy_distance(&x, &[0.0, f64::NAN], 1),
        Err(MetricsError::NonFinite { .. })
    ));
    // All points equal: no bandwidth.
    assert!(matches!(
        median_bandwidth(&[1.0, 1.0], &[1.0], 1),
        Err(MetricsError::InvalidParameter { .. })
    ));
}
