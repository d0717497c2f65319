//! The Sinkhorn engine (`gradflow::sinkhorn`) against known answers: the converged
//! fixture `tests/fixtures/metrics/sinkhorn_grad_n64.json` (Tolerance mode), GeomLoss
//! 0.2.6's annealed results `tests/fixtures/sinkhorn/geomloss_annealed.json`, the
//! converged reference solver `metrics::Sinkhorn`, thread count independence, and bad
//! input.

use gradflow::metrics::Sinkhorn;
use gradflow::sinkhorn::{SinkhornError, SinkhornScalar, SinkhornSettings, Stopping};
use gradflow_core::StreamRng;
use serde_json::Value;

const CONVERGED: &str = include_str!("../../../tests/fixtures/metrics/sinkhorn_grad_n64.json");
const GEOMLOSS: &str = include_str!("../../../tests/fixtures/sinkhorn/geomloss_annealed.json");

fn normals(seed: u64, stream: u64, count: usize) -> Vec<f64> {
    let mut rng = StreamRng::new(seed, stream);
    (0..count).map(|_| rng.normal::<f64>()).collect()
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

/// `max |got − want| / max |want|`.
fn rel_max_err<S: SinkhornScalar>(got: &[S], want: &[f64]) -> f64 {
    assert_eq!(got.len(), want.len());
    let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    got.iter()
        .zip(want)
        .fold(0.0f64, |m, (g, w)| m.max((g.to_f64() - w).abs()))
        / scale
}

fn narrow<S: SinkhornScalar>(v: &[f64]) -> Vec<S> {
    v.iter().map(|&t| S::from_f64(t)).collect()
}

// ---------------------------------------------------------------------------------------
// Tolerance mode against the converged fixture
// ---------------------------------------------------------------------------------------

/// Every quantity of the four converged cases, in precision `S` at relative tolerance
/// `tol_rel`, with the engine iterated to the marginal tolerance `marg`.
fn check_converged_fixture<S: SinkhornScalar>(tol_rel: f64, marg: f64) {
    let v: Value = serde_json::from_str(CONVERGED).unwrap();
    let (x, y) = (narrow::<S>(&floats(&v["x"])), narrow::<S>(&floats(&v["y"])));
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for case in cases {
        // cost_full: S′_ε = 2·S_{ε/2} with the half cost.
        let (k, eps) = match case["cost"].as_str().unwrap() {
            "|x-y|^2/2" => (1.0, case["eps"].as_f64().unwrap()),
            "|x-y|^2" => (2.0, case["eps"].as_f64().unwrap() / 2.0),
            other => panic!("unknown cost {other}"),
        };
        let settings = SinkhornSettings {
            blur: eps.sqrt(),
            scaling: 0.5,
            stopping: Stopping::Tolerance {
                tol: marg,
                max_iter: 100_000,
            },
        };
        let s = settings.divergence(&x, &y, 2).unwrap();
        let what = format!("{} {} eps={eps}", S::NAME, case["cost"]);
        let num = |key: &str| case[key].as_f64().unwrap();
        assert!(
            rel_err(k * s.value, num("value")) < tol_rel,
            "{what}: value"
        );
        for (got, key) in [(s.ot_xy, "ot_ab"), (s.ot_xx, "ot_aa"), (s.ot_yy, "ot_bb")] {
            assert!(rel_err(k * got, num(key)) < tol_rel, "{what}: {key}");
        }
        let scaled = |v: &[S]| {
            v.iter()
                .map(|t| S::from_f64(k * t.to_f64()))
                .collect::<Vec<S>>()
        };
        for (got, key) in [
            (&s.f_xy, "f_ab"),
            (&s.g_xy, "g_ab"),
            (&s.p_xx, "p_aa"),
            (&s.q_yy, "q_bb"),
        ] {
            let e = rel_max_err(&scaled(got), &floats(&case[key]));
            assert!(e < tol_rel, "{what}: {key} rel err {e:e}");
        }
        let e = rel_max_err(&scaled(&s.grad_x()), &floats(&case["grad_x"]));
        assert!(e < tol_rel, "{what}: grad_x rel err {e:e}");
        // velocity_x is −grad_x/aᵢ in the fixture's cost: k·v for the half cost.
        let e = rel_max_err(&scaled(&s.velocity_x), &floats(&case["velocity_x"]));
        assert!(e < tol_rel, "{what}: velocity_x rel err {e:e}");
        let mut vel = vec![S::default(); x.len()];
        let report = settings.velocity(&x, &y, 2, &mut vel).unwrap();
        let e = rel_max_err(&scaled(&vel), &floats(&case["velocity_x"]));
        assert!(e < tol_rel, "{what}: velocity() rel err {e:e}");
        assert!(report.yy.is_none() && report.xy.marginal_error < marg);
        assert!(s.iterations().iter().all(|&i| i > report.schedule_len));
    }
}

#[test]
fn tolerance_mode_matches_the_converged_fixture_f64() {
    check_converged_fixture::<f64>(1e-8, 1e-13);
}

#[test]
fn tolerance_mode_matches_the_converged_fixture_f32() {
    check_converged_fixture::<f32>(1e-4, 1e-6);
}

// ---------------------------------------------------------------------------------------
// Annealed mode against GeomLoss
// ---------------------------------------------------------------------------------------

/// Every stored quantity of the five GeomLoss cases (2D and 16D, n ≠ m, blur 0.05 to 1,
/// scaling 0.5 to 0.9), in precision `S` at relative tolerance `tol_rel`.
fn check_geomloss_fixture<S: SinkhornScalar>(tol_rel: f64) {
    let v: Value = serde_json::from_str(GEOMLOSS).unwrap();
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 5);
    for case in cases {
        let d = case["d"].as_u64().unwrap() as usize;
        let (x, y) = (
            narrow::<S>(&floats(&case["x"])),
            narrow::<S>(&floats(&case["y"])),
        );
        let settings = SinkhornSettings {
            blur: case["blur"].as_f64().unwrap(),
            scaling: case["scaling"].as_f64().unwrap(),
            stopping: Stopping::Annealed,
        };
        let s = settings.divergence(&x, &y, d).unwrap();
        let what = format!("{} {}", S::NAME, case["name"]);
        let num = |key: &str| case[key].as_f64().unwrap();
        let updates = case["updates"].as_u64().unwrap() as usize;
        assert_eq!(s.report.schedule_len, updates, "{what}");
        assert_eq!(s.iterations(), [updates; 3], "{what}");
        for (got, key) in [
            (s.value, "value"),
            (s.ot_xy, "ot_ab"),
            (s.ot_xx, "ot_aa"),
            (s.ot_yy, "ot_bb"),
        ] {
            assert!(
                rel_err(got, num(key)) < tol_rel,
                "{what}: {key} {got} vs {}",
                num(key)
            );
        }
        for (got, key) in [
            (&s.f_xy, "f_ab"),
            (&s.g_xy, "g_ab"),
            (&s.p_xx, "f_aa"),
            (&s.q_yy, "g_bb"),
        ] {
            let e = rel_max_err(got, &floats(&case[key]));
            assert!(e < tol_rel, "{what}: {key} rel err {e:e}");
        }
        let e = rel_max_err(&s.grad_x(), &floats(&case["grad_x"]));
        assert!(e < tol_rel, "{what}: grad_x rel err {e:e}");
        let e = rel_max_err(&s.velocity_x, &floats(&case["velocity_x"]));
        assert!(e < tol_rel, "{what}: velocity_x rel err {e:e}");
        let mut vel = vec![S::default(); x.len()];
        let report = settings.velocity(&x, &y, d, &mut vel).unwrap();
        assert_eq!(
            vel, s.velocity_x,
            "{what}: velocity() and divergence() agree"
        );
        assert_eq!(report.xx, s.report.xx);
        // The velocity skips the extrapolation of g: one pass fewer, the rest the same.
        let (v, dv) = (report.xy, s.report.xy);
        assert_eq!(
            (v.iterations, v.marginal_error, v.passes + 1),
            (dv.iterations, dv.marginal_error, dv.passes)
        );
        // Annealed passes: xy the start (2), two per update, the extrapolation (2); a self
        // problem the start, one per update, the last (1 + updates + 1).
        assert_eq!(dv.passes, 2 * updates + 4, "{what}");
        assert_eq!(s.report.xx.passes, updates + 2, "{what}");
        // The FLOP count: 3d + 26 per pair of each pass, 2d more in the barycentre passes.
        let (n, m, u) = ((x.len() / d) as f64, (y.len() / d) as f64, updates as f64);
        let pairs = n * m * (2.0 * u + 4.0) + (n * n + m * m) * (u + 2.0);
        let expected = pairs * (3 * d + 26) as f64 + (n * m + n * n) * (2 * d) as f64;
        assert_eq!(s.flops(), expected, "{what}");
    }
}

#[test]
fn annealed_mode_matches_geomloss_f64() {
    check_geomloss_fixture::<f64>(1e-10);
}

#[test]
fn annealed_mode_matches_geomloss_f32() {
    check_geomloss_fixture::<f32>(1e-4);
}

// ---------------------------------------------------------------------------------------
// Threads, the reference solver, bad input
// ---------------------------------------------------------------------------------------

/// Results are bit-identical on 1, 2 and 3 threads.
#[test]
fn results_do_not_depend_on_the_thread_count() {
    let (n, m, d) = (301, 257, 3);
    let x = normals(5, 0, n * d);
    let y: Vec<f64> = normals(5, 1, m * d).iter().map(|v| 0.7 * v + 0.4).collect();
    let (x32, y32) = (narrow::<f32>(&x), narrow::<f32>(&y));
    let settings = SinkhornSettings {
        blur: 0.1,
        ..SinkhornSettings::default()
    };
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            (
                settings.divergence(&x, &y, d).unwrap(),
                settings.divergence(&x32, &y32, d).unwrap(),
            )
        })
    };
    let one = run(1);
    for threads in [2, 3] {
        assert_eq!(run(threads), one, "{threads} threads");
    }
}

/// Tolerance mode agrees with the converged reference solver on random clouds of
/// different sizes in 1, 2 and 5 dimensions.
#[test]
fn tolerance_mode_agrees_with_the_reference_solver() {
    for (seed, n, m, d, blur) in [
        (1, 40, 33, 1, 0.2),
        (2, 70, 90, 2, 0.3),
        (3, 50, 45, 5, 0.6),
    ] {
        let x = normals(seed, 0, n * d);
        let y: Vec<f64> = normals(seed, 1, m * d).iter().map(|v| v + 0.5).collect();
        let reference = Sinkhorn {
            blur,
            tol: 1e-12,
            ..Sinkhorn::default()
        }
        .solve(&x, &y, d)
        .unwrap();
        let s = SinkhornSettings {
            blur,
            scaling: 0.5,
            stopping: Stopping::Tolerance {
                tol: 1e-12,
                max_iter: 100_000,
            },
        }
        .divergence(&x, &y, d)
        .unwrap();
        let what = format!("seed {seed}");
        assert!(rel_err(s.value, reference.value) < 1e-9, "{what}");
        assert!(rel_max_err(&s.f_xy, &reference.f_xy) < 1e-9, "{what}");
        assert!(rel_max_err(&s.g_xy, &reference.g_xy) < 1e-9, "{what}");
        assert!(rel_max_err(&s.q_yy, &reference.q_yy) < 1e-9, "{what}");
        let grad = reference.grad_x(&x, &y, d).unwrap();
        assert!(rel_max_err(&s.grad_x(), &grad) < 1e-9, "{what}");
    }
}

#[test]
fn bad_input_gives_clear_errors() {
    let x = [0.0, 1.0, 2.0, 3.0];
    let ok = SinkhornSettings::default();
    let err = |s: SinkhornSettings, x: &[f64], y: &[f64], d| s.divergence(x, y, d).unwrap_err();
    assert_eq!(err(ok, &x, &x, 0), SinkhornError::ZeroDimension);
    assert_eq!(err(ok, &[], &x, 2), SinkhornError::Empty { which: "x" });
    assert_eq!(
        err(ok, &x, &x[..3], 2),
        SinkhornError::Ragged {
            which: "y",
            len: 3,
            d: 2
        }
    );
    assert_eq!(
        err(ok, &[0.0, f64::NAN], &x, 2),
        SinkhornError::NonFinite {
            which: "x",
            index: 1
        }
    );
    for blur in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let e = err(SinkhornSettings { blur, ..ok }, &x, &x, 2);
        assert!(matches!(
            e,
            SinkhornError::InvalidSetting { name: "blur", .. }
        ));
    }
    for scaling in [0.0, 1.0, 1.5, f64::NAN] {
        let e = err(SinkhornSettings { scaling, ..ok }, &x, &x, 2);
        assert!(matches!(
            e,
            SinkhornError::InvalidSetting {
                name: "scaling",
                ..
            }
        ));
    }
    for (tol, max_iter, name) in [
        (0.0, 10, "tol"),
        (f64::NAN, 10, "tol"),
        (1e-9, 0, "max_iter"),
    ] {
        let s = SinkhornSettings {
            stopping: Stopping::Tolerance { tol, max_iter },
            ..ok
        };
        let e = err(s, &x, &x, 2);
        assert!(
            matches!(e, SinkhornError::InvalidSetting { name: n, .. } if n == name),
            "{e}"
        );
    }
    // Wrong output length for the velocity.
    let mut out = [0.0; 3];
    assert_eq!(
        ok.velocity(&x, &x, 2, &mut out).unwrap_err(),
        SinkhornError::OutputLength {
            len: 3,
            expected: 4
        }
    );
    // Non-convergence: two far clusters at a small blur, 3 iterations.
    let y = [0.0, 0.0, 0.05, 0.0, 5.0, 0.0, 5.05, 0.0];
    let z = [0.0, 0.0, 5.0, 0.0, 5.0, 0.1, 5.1, 0.0];
    let capped = SinkhornSettings {
        blur: 0.05,
        scaling: 0.5,
        stopping: Stopping::Tolerance {
            tol: 1e-14,
            max_iter: 3,
        },
    };
    match err(capped, &y, &z, 2) {
        SinkhornError::NotConverged { error, iterations } => {
            assert_eq!(iterations, 3);
            assert!(error >= 1e-14 && error.is_finite());
        }
        other => panic!("{other}"),
    }
    // Points too far apart for f32: an error, not NaN.
    let far = [0.0f32, 0.0, 3e19, 0.0];
    assert_eq!(
        ok.divergence(&far[..2], &far[2..], 2).unwrap_err(),
        SinkhornError::Overflow
    );
    // Messages name the problem.
    assert_eq!(
        SinkhornError::Empty { which: "y" }.to_string(),
        "point set y has no points"
    );
}
