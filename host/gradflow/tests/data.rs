//! The data module: 2D generators against their laws, the digits against scikit-learn's
//! reference values, .npy/.csv files (NumPy fixtures, round trips, errors) and splits.

use std::f64::consts::PI;
use std::path::{Path, PathBuf};

use gradflow::data::toy2d::{self, eight_gaussians_to_moons, is_black, moons_arc_point, scales};
use gradflow::data::{
    DIGITS_DIM, DIGITS_N, DataError, Dataset2d, FormatError, NpyDtype, Samples, digits, split,
    split_indices,
};
use gradflow::stats::Estimate;

/// Rows of the statistical tests: standard errors are ~1/√N of the spread.
const N: usize = 200_000;

/// Tolerance of the statistical tests, in standard errors.
const Z: f64 = 5.0;

fn xs(p: &[f64]) -> impl Iterator<Item = f64> + '_ {
    p.chunks_exact(2).map(|r| r[0])
}

fn ys(p: &[f64]) -> impl Iterator<Item = f64> + '_ {
    p.chunks_exact(2).map(|r| r[1])
}

/// Asserts that the mean of `values` is within `Z` standard errors of `exact`.
fn assert_mean(what: &str, values: impl IntoIterator<Item = f64>, exact: f64) {
    let e = Estimate::of(values);
    let z = e.z_score(exact);
    assert!(
        z.abs() < Z,
        "{what}: estimate {} ± {}, exact {exact}, z = {z}",
        e.mean,
        e.std_error
    );
}

/// Checks the means, variances and covariance of a 2D sample against closed forms: each
/// moment is the mean of an i.i.d. function of the rows (centred at the exact means), so
/// its standard error comes from the sample.
fn assert_moments(name: &str, p: &[f64], mean: [f64; 2], var: [f64; 2], cov: f64) {
    assert_mean(&format!("{name} mean x"), xs(p), mean[0]);
    assert_mean(&format!("{name} mean y"), ys(p), mean[1]);
    assert_mean(
        &format!("{name} var x"),
        xs(p).map(|x| (x - mean[0]).powi(2)),
        var[0],
    );
    assert_mean(
        &format!("{name} var y"),
        ys(p).map(|y| (y - mean[1]).powi(2)),
        var[1],
    );
    assert_mean(
        &format!("{name} cov"),
        p.chunks_exact(2)
            .map(|r| (r[0] - mean[0]) * (r[1] - mean[1])),
        cov,
    );
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// |count − n·p| within `Z` binomial standard errors.
fn assert_binomial(what: &str, count: usize, n: usize, p: f64) {
    let se = (n as f64 * p * (1.0 - p)).sqrt();
    let z = (count as f64 - n as f64 * p) / se;
    assert!(
        z.abs() < Z,
        "{what}: {count} of {n}, expected {}, z = {z}",
        n as f64 * p
    );
}

// ---------------------------------------------------------------- 2D generators

#[test]
fn eight_gaussians_moments_match_the_mixture() {
    let p = Dataset2d::EightGaussians.sample(N, 1);
    // Modes at radius 5: E[c_x²] = 25·(1 + 1 + 4·½)/8 = 12.5; noise variance √0.1.
    let var = 12.5 + 0.1f64.sqrt();
    assert_moments("8gaussians", &p, [0.0, 0.0], [var, var], 0.0);
}

#[test]
fn eight_gaussians_modes_are_equally_occupied_with_the_stated_spread() {
    let p = Dataset2d::EightGaussians.sample(N, 2);
    // Modes at radius 5, every 45°.
    let centres: [[f64; 2]; 8] = std::array::from_fn(|k| {
        [
            5.0 * (k as f64 * PI / 4.0).cos(),
            5.0 * (k as f64 * PI / 4.0).sin(),
        ]
    });
    assert_eq!(scales::EIGHT_GAUSSIANS_RADIUS, 5.0);
    let mut counts = [0usize; 8];
    let mut residuals = Vec::with_capacity(2 * N);
    for r in p.chunks_exact(2) {
        let d2 = |c: &[f64; 2]| (r[0] - c[0]).powi(2) + (r[1] - c[1]).powi(2);
        let k = (0..8)
            .min_by(|&a, &b| d2(&centres[a]).total_cmp(&d2(&centres[b])))
            .unwrap();
        counts[k] += 1;
        residuals.extend([r[0] - centres[k][0], r[1] - centres[k][1]]);
    }
    for (k, &c) in counts.iter().enumerate() {
        assert_binomial(&format!("8gaussians mode {k}"), c, N, 1.0 / 8.0);
    }
    // torchcfm's var=0.1 is a covariance of √0.1·I: per-coordinate std 0.1^(1/4) ≈ 0.562.
    assert!((scales::EIGHT_GAUSSIANS_STD - 0.1f64.powf(0.25)).abs() < 1e-15);
    assert_mean("8gaussians residual", residuals.iter().copied(), 0.0);
    assert_mean(
        "8gaussians residual variance",
        residuals.iter().map(|r| r * r),
        0.1f64.sqrt(),
    );
}

#[test]
fn moons_follow_torchcfm_arcs_with_uniform_diagonal_noise() {
    let n = 20_001; // odd: 10 000 rows on the upper moon, 10 001 on the lower
    let p = Dataset2d::Moons.sample(n, 3);
    let (scale, shift) = (scales::MOONS_SCALE, scales::MOONS_SHIFT);
    assert_eq!((scale, shift, scales::MOONS_NOISE), (3.0, -1.0, 0.2));
    let n_up = n / 2;
    let mut us = Vec::with_capacity(n);
    let mut previous_angle: Option<f64> = None;
    for (i, r) in p.chunks_exact(2).enumerate() {
        let q = [(r[0] - shift) / scale, (r[1] - shift) / scale];
        let a = moons_arc_point(i, n);
        // The noise is one u per row on both coordinates.
        let (ux, uy) = (q[0] - a[0], q[1] - a[1]);
        assert!(
            (ux - uy).abs() < 1e-12,
            "row {i}: noise ({ux}, {uy}) is not diagonal"
        );
        assert!(
            (0.0..0.2 + 1e-12).contains(&ux),
            "row {i}: noise {ux} outside [0, 0.2)"
        );
        us.push(ux);
        // Upper moon: unit circle about (0, 0), y ≥ 0; lower: about (1, 0.5), y ≤ 0.5.
        let (centre, upper) = if i < n_up {
            ([0.0, 0.0], true)
        } else {
            ([1.0, 0.5], false)
        };
        let (dx, dy) = (a[0] - centre[0], a[1] - centre[1]);
        assert!(
            ((dx * dx + dy * dy).sqrt() - 1.0).abs() < 1e-12,
            "row {i} off its circle"
        );
        assert!(
            if upper { dy >= -1e-12 } else { dy <= 1e-12 },
            "row {i} on the wrong half"
        );
        // Angles equally spaced over [0, π], ends included.
        let angle = if upper {
            dy.atan2(dx)
        } else {
            (-dy).atan2(-dx)
        };
        let m = if upper { n_up } else { n - n_up };
        let (first, last) = if upper { (0, n_up - 1) } else { (n_up, n - 1) };
        if i == first {
            assert!(angle.abs() < 1e-12);
        } else if let Some(prev) = previous_angle {
            assert!(
                (angle - prev - PI / (m - 1) as f64).abs() < 1e-9,
                "row {i} spacing"
            );
        }
        if i == last {
            assert!((angle - PI).abs() < 1e-9);
        }
        previous_angle = Some(angle);
    }
    assert_mean("moons noise", us.iter().copied(), 0.1);
    assert_mean(
        "moons noise variance",
        us.iter().map(|u| (u - 0.1).powi(2)),
        0.04 / 12.0,
    );
}

#[test]
fn scurve_moments_match_scikit_learn_s_curve() {
    let p = Dataset2d::SCurve.sample(N, 4);
    assert_eq!(scales::SCURVE_NOISE, 0.1);
    let s2 = 0.1 * 0.1;
    // t ~ U(−3π/2, 3π/2): E sin²t = ½, E (cos t − 1)² = 3/2 + 4/(3π),
    // E[sin t · sign t · (cos t − 1)] = −1/(3π).
    assert_moments(
        "scurve",
        &p,
        [0.0, 0.0],
        [0.5 + s2, 1.5 + 4.0 / (3.0 * PI) + s2],
        -1.0 / (3.0 * PI),
    );
}

#[test]
fn checkerboard_points_are_on_black_squares_uniformly() {
    let p = Dataset2d::Checkerboard.sample(N, 5);
    let mut counts = [[0usize; 4]; 4];
    for r in p.chunks_exact(2) {
        let (x, y) = (r[0], r[1]);
        assert!(x.abs() < 4.0 && y.abs() < 4.0, "({x}, {y}) off the board");
        let (i, j) = ((x / 2.0).floor() as i64 + 2, (y / 2.0).floor() as i64 + 2);
        assert_eq!((i + j) % 2, 0, "({x}, {y}) is on a white square");
        assert!(is_black(x, y));
        counts[i as usize][j as usize] += 1;
    }
    for (i, row) in counts.iter().enumerate() {
        for (j, &c) in row.iter().enumerate() {
            if (i + j).is_multiple_of(2) {
                assert_binomial(&format!("square ({i}, {j})"), c, N, 1.0 / 8.0);
            }
        }
    }
    // Marginals uniform on [−4, 4]; E[xy] = mean of the black squares' centre products = 1.
    assert_moments(
        "checkerboard",
        &p,
        [0.0, 0.0],
        [16.0 / 3.0, 16.0 / 3.0],
        1.0,
    );
    assert!(!is_black(1.0, -1.0) && is_black(1.0, 1.0) && !is_black(4.5, 0.5));
}

#[test]
fn rings_have_the_stated_radii_and_noise() {
    let n = N;
    let p = Dataset2d::Rings.sample(n, 6);
    let (ro, ri, sigma) = (
        scales::RINGS_OUTER_RADIUS,
        scales::RINGS_INNER_RADIUS,
        scales::RINGS_NOISE,
    );
    assert_eq!((ro, ri, sigma), (3.0, 1.5, 0.24));
    let mut outer = 0;
    let mut outer_in_first_half = 0;
    let mut residuals = Vec::with_capacity(n);
    for (i, r) in p.chunks_exact(2).enumerate() {
        let radius = r[0].hypot(r[1]);
        let nearest = if radius > 0.5 * (ro + ri) { ro } else { ri };
        assert!(
            (radius - nearest).abs() < 6.0 * sigma,
            "row {i}: radius {radius}"
        );
        if nearest == ro {
            outer += 1;
            outer_in_first_half += usize::from(i < n / 2);
        }
        residuals.push(radius - nearest);
    }
    // Half the points on each circle, up to the rare ones whose noise crosses the gap
    // of 0.75 = 3.1σ (probability ≈ 1e-3 each way).
    let slack = Z * (2e-3 * n as f64).sqrt();
    assert!(
        (outer as f64 - n as f64 / 2.0).abs() < slack,
        "{outer} outer points"
    );
    // The rows are shuffled: the first half holds about a quarter of the points.
    assert_binomial(
        "outer points in the first half",
        outer_in_first_half,
        n / 2,
        0.5,
    );
    // Radial noise: std σ (to first order), mean σ²/(2R) > 0 (the Rice bias), tiny.
    let e = Estimate::of(residuals.iter().copied());
    assert!(e.mean.abs() < 0.03, "radial residual mean {}", e.mean);
    let sd = Estimate::of(residuals.iter().map(|r| (r - e.mean).powi(2)))
        .mean
        .sqrt();
    assert!((sd / sigma - 1.0).abs() < 0.03, "radial residual std {sd}");
    // Equally spaced angles: the noiseless part has mean 0 and E x² = E y² = (R_o² + R_i²)/4.
    let var = (ro * ro + ri * ri) / 4.0 + sigma * sigma;
    assert_moments("rings", &p, [0.0, 0.0], [var, var], 0.0);
}

#[test]
fn swissroll_moments_match_scikit_learn_swiss_roll() {
    let p = Dataset2d::SwissRoll.sample(N, 7);
    assert_eq!(
        (scales::SWISSROLL_NOISE, scales::SWISSROLL_DIVISOR),
        (1.0, 5.0)
    );
    // t ~ U(1.5π, 4.5π): E[t cos t] = 2, E[t sin t] = 2/(3π), E[t²] = 9.75π²,
    // E[t² cos 2t] = −½, E[t² sin 2t] = 3π; noise variance 1, all divided by 5.
    let (mx, my) = (2.0 / 5.0, 2.0 / (15.0 * PI));
    let vx = ((9.75 * PI * PI - 0.5) / 2.0 + 1.0) / 25.0 - mx * mx;
    let vy = ((9.75 * PI * PI + 0.5) / 2.0 + 1.0) / 25.0 - my * my;
    let cov = 1.5 * PI / 25.0 - mx * my;
    assert_moments("swissroll", &p, [mx, my], [vx, vy], cov);
}

#[test]
fn generators_are_deterministic_and_seed_dependent() {
    for d in Dataset2d::ALL {
        let a = d.sample(1000, 42);
        assert_eq!(
            bits(&a),
            bits(&d.sample(1000, 42)),
            "{d}: same seed, other bits"
        );
        assert_ne!(bits(&a), bits(&d.sample(1000, 43)), "{d}: seed ignored");
        assert!(a.iter().all(|v| v.is_finite()), "{d}: non-finite value");
        let mut buf = vec![f64::NAN; 2000];
        d.fill(&mut buf, 42);
        assert_eq!(bits(&a), bits(&buf), "{d}: fill and sample differ");
        assert!(d.sample(0, 1).is_empty());
        assert_eq!(d.sample(1, 1).len(), 2);
    }
}

#[test]
fn iid_generators_are_prefix_stable() {
    // Row i depends on (seed, i) only: a shorter sample is a prefix of a longer one.
    for d in [
        Dataset2d::EightGaussians,
        Dataset2d::SCurve,
        Dataset2d::Checkerboard,
        Dataset2d::SwissRoll,
    ] {
        let long = d.sample(500, 9);
        assert_eq!(bits(&d.sample(100, 9)), bits(&long[..200]), "{d}");
    }
}

#[test]
fn free_functions_match_the_enum() {
    let mut buf = vec![0.0; 64];
    type Fill = fn(&mut [f64], u64);
    let cases: [(Dataset2d, Fill); 6] = [
        (Dataset2d::EightGaussians, toy2d::eight_gaussians),
        (Dataset2d::Moons, toy2d::moons),
        (Dataset2d::SCurve, toy2d::scurve),
        (Dataset2d::Checkerboard, toy2d::checkerboard),
        (Dataset2d::Rings, toy2d::rings),
        (Dataset2d::SwissRoll, toy2d::swissroll),
    ];
    for (d, f) in cases {
        f(&mut buf, 11);
        assert_eq!(bits(&buf), bits(&d.sample(32, 11)), "{d}");
    }
}

#[test]
#[should_panic(expected = "even length")]
fn odd_buffers_are_refused() {
    Dataset2d::SCurve.fill(&mut [0.0; 3], 0);
}

#[test]
fn names_round_trip_and_unknown_names_are_explained() {
    let names = [
        "8gaussians",
        "moons",
        "scurve",
        "checkerboard",
        "rings",
        "swissroll",
    ];
    for (d, name) in Dataset2d::ALL.into_iter().zip(names) {
        assert_eq!(d.to_string(), name);
        assert_eq!(name.parse::<Dataset2d>(), Ok(d));
    }
    let err = "8Gaussians".parse::<Dataset2d>().unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("\"8Gaussians\"") && msg.contains("swissroll"),
        "{msg}"
    );
}

#[test]
fn eight_gaussians_to_moons_pairs_an_exact_source_with_an_independent_target() {
    let n = 4096;
    let pair = eight_gaussians_to_moons(n, 21);
    assert_eq!(
        bits(&pair.source),
        bits(&Dataset2d::EightGaussians.sample(n, 21))
    );
    assert_eq!(pair.target.len(), 2 * n);
    // The target is a moons sample (same arcs) but with noise from streams of its own.
    let plain = Dataset2d::Moons.sample(n, 21);
    assert_ne!(bits(&pair.target), bits(&plain));
    let mut us = Vec::with_capacity(n);
    for (i, r) in pair.target.chunks_exact(2).enumerate() {
        let a = moons_arc_point(i, n);
        let u = (r[0] + 1.0) / 3.0 - a[0];
        assert!((0.0..0.2 + 1e-12).contains(&u) && ((r[1] + 1.0) / 3.0 - a[1] - u).abs() < 1e-12);
        us.push(u);
    }
    assert_mean("pair target noise", us.iter().copied(), 0.1);
    assert_eq!(pair, eight_gaussians_to_moons(n, 21));
    assert_ne!(pair, eight_gaussians_to_moons(n, 22));
}

// ---------------------------------------------------------------- digits

#[test]
fn digits_match_scikit_learn() {
    let d = digits();
    assert_eq!((DIGITS_N, DIGITS_DIM), (1797, 64));
    assert_eq!(d.labels.len(), 1797);
    assert_eq!(d.images.len(), 1797 * 64);
    // sklearn.datasets.load_digits(): np.bincount(target).
    let mut counts = [0usize; 10];
    for &l in &d.labels {
        counts[usize::from(l)] += 1;
    }
    assert_eq!(counts, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    let raw = gradflow::data::digits::digits_raw_pixels();
    assert!(raw.iter().all(|&p| p <= 16));
    assert_eq!(raw.iter().map(|&p| u64::from(p)).sum::<u64>(), 561_718);
    assert_eq!(*raw.iter().max().unwrap(), 16);
    // FNV-1a 64 of the committed file (pixels then labels), as export_digits.py prints.
    let labels = gradflow::data::digits::digits_raw_labels();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in raw.iter().chain(labels) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    assert_eq!(h, 0x9975_5255_092d_82a1);
    // Scaled by 1/16 into [0, 1].
    for (x, &p) in d.images.iter().zip(raw) {
        assert_eq!(*x, f64::from(p) / 16.0);
    }
    let s = d.samples();
    assert_eq!((s.n, s.d), (1797, 64));
    // The first image is a 0, as in scikit-learn (its top row is 0 0 5 13 9 1 0 0).
    assert_eq!(d.labels[0], 0);
    assert_eq!(&raw[..8], &[0, 0, 5, 13, 9, 1, 0, 0]);
}

// ---------------------------------------------------------------- files

/// A fresh directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("gradflow-data-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Awkward values: signed zero, subnormal, extremes, non-round decimals.
fn awkward() -> Samples {
    let data = vec![
        0.0,
        -0.0,
        1.0,
        -2.5,
        0.1,
        1.0 / 3.0,
        5e-324,
        f64::MAX,
        f64::MIN_POSITIVE,
        -1e-300,
        123_456_789.123_456_78,
        f64::EPSILON,
    ];
    Samples::new(4, 3, data).unwrap()
}

#[test]
fn npy_round_trips_in_f64_and_f32() {
    let dir = TempDir::new("npy");
    let s = awkward();
    let path = dir.path("a.npy");
    s.write(&path).unwrap();
    let back = Samples::read(&path).unwrap();
    assert_eq!((back.n, back.d), (4, 3));
    assert_eq!(bits(&back.data), bits(&s.data));

    let p32 = dir.path("b.NPY"); // extension case does not matter
    s.write_npy(&p32, NpyDtype::F32).unwrap();
    let back = Samples::read(&p32).unwrap();
    let rounded: Vec<f64> = s.data.iter().map(|&v| f64::from(v as f32)).collect();
    assert_eq!(bits(&back.data), bits(&rounded));

    let empty = Samples::new(0, 5, vec![]).unwrap();
    empty.write(&path).unwrap();
    assert_eq!(Samples::read(&path).unwrap(), empty);
}

#[test]
fn npy_writes_match_numpy_bytes() {
    // np.save of the 4×3 float64 array 0.5·k − 1: our encoder writes the same file.
    let s = Samples::new(4, 3, (0..12).map(|k| 0.5 * k as f64 - 1.0).collect()).unwrap();
    let numpy = std::fs::read(fixture("numpy_f64.npy")).unwrap();
    let ours = s.to_npy_bytes(NpyDtype::F64);
    assert_eq!(Samples::from_npy_bytes(&ours).unwrap(), s);
    assert_eq!(
        ours.len(),
        numpy.len(),
        "header padding differs from NumPy's"
    );
    assert_eq!(&ours[ours.len() - 96..], &numpy[numpy.len() - 96..]);
}

#[test]
fn npy_files_written_by_numpy_are_read() {
    let expected: Vec<f64> = (0..12).map(|k| 0.5 * k as f64 - 1.0).collect();
    for name in [
        "numpy_f64.npy",
        "numpy_f32.npy",
        "numpy_f64_fortran.npy",
        "numpy_f64_big_endian.npy",
    ] {
        let s = Samples::read(fixture(name)).unwrap();
        assert_eq!((s.n, s.d), (4, 3), "{name}");
        assert_eq!(s.data, expected, "{name}");
    }
    let s = Samples::read(fixture("numpy_f32_inexact.npy")).unwrap();
    let want = [0.1f32, -2.5, 3.3, 1e-3, 7.0, 1e30].map(f64::from);
    assert_eq!((s.n, s.d), (3, 2));
    assert_eq!(s.data, want);
}

fn format_error(r: Result<Samples, DataError>) -> (PathBuf, FormatError, String) {
    let e = r.unwrap_err();
    let msg = e.to_string();
    match e {
        DataError::Format { path, kind } => (path, kind, msg),
        other => panic!("expected a format error, got {other:?}"),
    }
}

#[test]
fn bad_npy_inputs_give_their_errors() {
    let (path, kind, msg) = format_error(Samples::read(fixture("numpy_i64.npy")));
    assert!(path.ends_with("numpy_i64.npy"));
    assert_eq!(kind, FormatError::NpyDtype("'<i8'".into()));
    assert!(
        msg.contains("numpy_i64.npy") && msg.contains("<i8"),
        "{msg}"
    );

    let (_, kind, msg) = format_error(Samples::read(fixture("numpy_3d.npy")));
    assert_eq!(kind, FormatError::NpyDims(vec![2, 2, 2]));
    assert!(msg.contains("[2, 2, 2]"), "{msg}");

    let dir = TempDir::new("badnpy");
    let good = std::fs::read(fixture("numpy_f64.npy")).unwrap();
    let truncated = dir.path("truncated.npy");
    std::fs::write(&truncated, &good[..good.len() - 5]).unwrap();
    let (_, kind, msg) = format_error(Samples::read(&truncated));
    assert!(matches!(kind, FormatError::Npy(_)), "{kind:?}");
    assert!(
        msg.contains("truncated.npy") && msg.contains("truncated"),
        "{msg}"
    );

    let garbage = dir.path("garbage.npy");
    std::fs::write(&garbage, b"this is not numpy").unwrap();
    let (_, kind, _) = format_error(Samples::read(&garbage));
    assert!(matches!(kind, FormatError::Npy(_)), "{kind:?}");

    // A header claiming a huge shape is refused before any allocation.
    let mut huge = Vec::from(&b"\x93NUMPY\x01\x00"[..]);
    let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (100000000000, 2), }";
    let padded = format!("{header:<117}\n");
    huge.extend((padded.len() as u16).to_le_bytes());
    huge.extend(padded.as_bytes());
    assert!(matches!(
        Samples::from_npy_bytes(&huge),
        Err(FormatError::Npy(_))
    ));
}

#[test]
fn csv_round_trips_exactly() {
    let dir = TempDir::new("csv");
    let mut s = awkward();
    s.data[2] = f64::INFINITY;
    s.data[3] = f64::NEG_INFINITY;
    s.data[4] = f64::NAN;
    let path = dir.path("a.csv");
    s.write(&path).unwrap();
    let back = Samples::read(&path).unwrap();
    assert_eq!((back.n, back.d), (4, 3));
    assert_eq!(bits(&back.data), bits(&s.data));
    // Overwriting works and leaves no temporary file behind.
    s.write(&path).unwrap();
    let names: Vec<_> = std::fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("a.csv")]);
}

#[test]
fn csv_headers_blank_lines_spaces_and_crlf_are_accepted() {
    let s = Samples::from_csv_str("x, y\r\n1, 2\r\n\r\n -3.5 ,4e2\r\n").unwrap();
    assert_eq!(
        (s.n, s.d, s.data.clone()),
        (2, 2, vec![1.0, 2.0, -3.5, 400.0])
    );
    // A numeric first line is data, not a header.
    let s = Samples::from_csv_str("1,2\n3,4\n").unwrap();
    assert_eq!(s.n, 2);
    // No data at all reads as 0 × 0.
    let s = Samples::from_csv_str("a,b\n\n").unwrap();
    assert_eq!((s.n, s.d), (0, 0));
}

#[test]
fn bad_csv_inputs_give_their_errors() {
    let dir = TempDir::new("badcsv");
    let ragged = dir.path("ragged.csv");
    let mut text = String::from("x,y\n");
    for i in 0..15 {
        text.push_str(&format!("{i},{}\n", 2 * i));
    }
    text.push_str("1,2,3\n"); // line 17
    std::fs::write(&ragged, text).unwrap();
    let (path, kind, msg) = format_error(Samples::read(&ragged));
    assert_eq!(path, ragged);
    assert_eq!(
        kind,
        FormatError::CsvRagged {
            line: 17,
            found: 3,
            expected: 2
        }
    );
    assert!(
        msg.contains("ragged.csv") && msg.contains("line 17 has 3 columns, expected 2"),
        "{msg}"
    );

    let bad = dir.path("bad.csv");
    std::fs::write(&bad, "1,2\n3,four\n").unwrap();
    let (_, kind, msg) = format_error(Samples::read(&bad));
    assert_eq!(
        kind,
        FormatError::CsvNumber {
            line: 2,
            column: 2,
            text: "four".into()
        }
    );
    assert!(msg.contains("bad.csv") && msg.contains("\"four\""), "{msg}");

    let binary = dir.path("binary.csv");
    std::fs::write(&binary, [0xff, 0xfe, b'1']).unwrap();
    assert_eq!(format_error(Samples::read(&binary)).1, FormatError::CsvUtf8);
}

#[test]
fn paths_and_shapes_give_their_errors() {
    let dir = TempDir::new("paths");
    let s = awkward();
    let (_, kind, msg) = format_error(Samples::read(dir.path("a.txt")));
    assert_eq!(kind, FormatError::UnknownExtension);
    assert!(
        msg.contains("a.txt") && msg.contains(".npy or .csv"),
        "{msg}"
    );
    assert!(matches!(
        s.write(dir.path("noext")),
        Err(DataError::Format {
            kind: FormatError::UnknownExtension,
            ..
        })
    ));

    let missing = dir.path("missing.npy");
    let e = Samples::read(&missing).unwrap_err();
    assert!(
        matches!(&e, DataError::Io { path, .. } if *path == missing),
        "{e:?}"
    );
    assert!(e.to_string().contains("missing.npy"));

    let e = s.write(dir.path("no/such/dir/a.csv")).unwrap_err();
    assert!(matches!(e, DataError::Io { .. }), "{e:?}");
    assert!(e.to_string().contains("a.csv"));

    let e = Samples::new(3, 2, vec![0.0; 5]).unwrap_err();
    assert!(matches!(e, DataError::Shape { n: 3, d: 2, len: 5 }));
    assert!(e.to_string().contains("5 values"));
    assert!(matches!(
        s.select(&[0, 4]),
        Err(DataError::Index { index: 4, n: 4 })
    ));
}

// ---------------------------------------------------------------- splits

/// 103 distinct rows: row i is (i, −i).
fn numbered(n: usize) -> Samples {
    Samples::new(n, 2, (0..n).flat_map(|i| [i as f64, -(i as f64)]).collect()).unwrap()
}

#[test]
fn split_sizes_are_disjoint_and_cover_the_sample() {
    let s = numbered(103);
    let (train, test) = split(&s, 0.25, 5).unwrap();
    // ⌈0.25 · 103⌉ = 26 test rows, as scikit-learn's ShuffleSplit.
    assert_eq!((train.n, test.n, train.d, test.d), (77, 26, 2, 2));
    let mut ids: Vec<usize> = train
        .rows()
        .chain(test.rows())
        .map(|r| {
            assert_eq!(r[1], -r[0], "rows were torn apart");
            r[0] as usize
        })
        .collect();
    ids.sort_unstable();
    assert_eq!(
        ids,
        (0..103).collect::<Vec<_>>(),
        "not a partition of the rows"
    );
    // Shuffled, not kept in the original order.
    let order: Vec<f64> = test.rows().map(|r| r[0]).collect();
    assert!(order.windows(2).any(|w| w[0] > w[1]), "{order:?}");
}

#[test]
fn split_is_deterministic_and_seed_dependent() {
    let s = numbered(103);
    assert_eq!(split(&s, 0.3, 8).unwrap(), split(&s, 0.3, 8).unwrap());
    assert_ne!(split(&s, 0.3, 8).unwrap(), split(&s, 0.3, 9).unwrap());
    let (train, test) = split_indices(103, 0.3, 8).unwrap();
    let (a, b) = split(&s, 0.3, 8).unwrap();
    assert_eq!(a, s.select(&train).unwrap());
    assert_eq!(b, s.select(&test).unwrap());
}

#[test]
fn split_puts_each_row_in_the_test_set_with_the_right_frequency() {
    // Over many seeds, row 0 is a test row with probability n_test / n.
    let (n, trials) = (40, 4000);
    let hits = (0..trials)
        .filter(|&seed| split_indices(n, 0.25, seed).unwrap().1.contains(&0))
        .count();
    assert_binomial("row 0 in the test set", hits, trials as usize, 10.0 / 40.0);
}

#[test]
fn split_edges_and_bad_fractions() {
    let s = numbered(10);
    let (train, test) = split(&s, 0.0, 1).unwrap();
    assert_eq!((train.n, test.n), (10, 0));
    let (train, test) = split(&s, 1.0, 1).unwrap();
    assert_eq!((train.n, test.n), (0, 10));
    for bad in [-0.1, 1.5, f64::NAN] {
        let e = split(&s, bad, 1).unwrap_err();
        assert!(matches!(e, DataError::Fraction(_)), "{bad}: {e:?}");
    }
    let (train, test) = split(&numbered(0), 0.5, 1).unwrap();
    assert_eq!((train.n, test.n), (0, 0));
}

/// The W2 floors in `Dataset2d::w2_floor`'s docs are what `measure_w2_floor` measures (the
/// measurement is deterministic: fixed seeds), rounded to the 4 digits documented.
#[test]
fn documented_w2_floors_are_the_measured_ones() {
    use gradflow::data::{W2_FLOOR_PAIRS, W2_FLOOR_POINTS};
    for set in Dataset2d::ALL {
        let (mean, sd) = set.measure_w2_floor(W2_FLOOR_POINTS, W2_FLOOR_PAIRS);
        let (doc_mean, doc_sd) = set.w2_floor();
        assert!(
            (mean - doc_mean).abs() <= 5e-5 && (sd - doc_sd).abs() <= 5e-5,
            "{set}: measured {mean:.4} ± {sd:.4}, documented {doc_mean} ± {doc_sd}"
        );
    }
}
