//! The plot module: PNGs decode at the requested size, show something, put points where
//! they belong, shade energies the right way round, and refuse bad inputs with one-line
//! errors (`gradflow plot` end to end is a test of the CLI crate).

use std::path::PathBuf;

use gradflow::data::{Dataset2d, Samples};
use gradflow::modelio::ModelBytes;
use gradflow::plot::{
    Bounds, EnergyPlot, Figure, ModelEnergy, PlotError, PlotOptions, Potential, Series, Shading,
    TileOptions, Trajectories, energy_map, image_grid, scatter, trajectories,
};
use gradflow_core::Activation;
use gradflow_core::model::{Architecture, ModelKind};

#[path = "common/abs_model.rs"]
mod abs_model;
use abs_model::abs_model;
#[path = "common/png.rs"]
mod png_check;
use png_check::{contrast, decode_png, luminance};

/// A fresh directory for one test's files.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gradflow-plot-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Whether a pixel carries colour (a series), as opposed to white paper, grey grid lines
/// and black axes and text.
fn is_coloured(p: [u8; 3]) -> bool {
    let (max, min) = (p.iter().max().unwrap(), p.iter().min().unwrap());
    max - min > 40
}

fn options(width: u32, height: u32) -> PlotOptions {
    PlotOptions {
        width,
        height,
        ..PlotOptions::default()
    }
}

fn fixed(width: u32, height: u32, bounds: Bounds) -> PlotOptions {
    PlotOptions {
        bounds: Some(bounds),
        ..options(width, height)
    }
}

fn unit_box(side: f64) -> Bounds {
    Bounds::new([0.0, side], [0.0, side]).unwrap()
}

/// A tight cluster of `n` points around `c` (deterministic, radius ≤ r).
fn cluster(c: [f64; 2], r: f64, n: usize) -> Vec<[f64; 2]> {
    (0..n)
        .map(|k| {
            let a = k as f64 * 2.399_963; // golden angle
            let s = r * ((k as f64 + 0.5) / n as f64).sqrt();
            [c[0] + s * a.cos(), c[1] + s * a.sin()]
        })
        .collect()
}

/// Pixels of the plot area (inside its frame) that satisfy `pred`, split by whether they
/// lie within `radius` pixels of `centre`.
fn count_near(
    fig: &Figure,
    centre: (f64, f64),
    radius: f64,
    pred: impl Fn([u8; 3]) -> bool,
) -> (usize, usize) {
    let area = fig.area.unwrap();
    let (x0, y1) = area.lower_left;
    let (x1, y0) = area.upper_right;
    let (mut near, mut far) = (0, 0);
    for y in (y0 + 2)..(y1 - 1) {
        for x in (x0 + 2)..(x1 - 1) {
            if pred(fig.pixel(x as u32, y as u32).unwrap()) {
                let d = (f64::from(x) - centre.0).hypot(f64::from(y) - centre.1);
                if d <= radius {
                    near += 1;
                } else {
                    far += 1;
                }
            }
        }
    }
    (near, far)
}

fn one_line(e: &PlotError) -> String {
    let text = e.to_string();
    assert!(!text.contains('\n'), "not one line: {text:?}");
    assert!(!text.is_empty());
    text
}

#[test]
fn scatter_png_decodes_at_the_requested_size_and_is_not_blank() {
    let data = Samples::new(1000, 2, Dataset2d::Moons.sample(1000, 3)).unwrap();
    let fig = scatter(
        &[Series::from_samples("moons", &data).unwrap()],
        &options(640, 480),
    )
    .unwrap();
    assert_eq!(fig.stats.drawn, 1000);
    let (w, h, rgb) = decode_png(&fig.to_png().unwrap());
    assert_eq!((w, h), (640, 480));
    assert_eq!(rgb, fig.rgb);
    let (var, colours) = contrast(&rgb);
    assert!(var > 100.0, "luminance variance {var}");
    assert!(colours > 20, "{colours} colours");
    // Text was rendered (anti-aliased glyphs give many grey levels below the title).
    let greys = rgb
        .chunks_exact(3)
        .filter(|c| c[0] == c[1] && c[1] == c[2] && c[0] > 30 && c[0] < 200)
        .count();
    assert!(greys > 200, "{greys} grey pixels: is the font registered?");
}

#[test]
fn write_png_replaces_the_file_atomically() {
    let dir = temp_dir("write");
    let path = dir.join("out.png");
    std::fs::write(&path, b"old").unwrap();
    let data = Samples::new(300, 2, Dataset2d::Rings.sample(300, 1)).unwrap();
    let fig = scatter(
        &[Series::from_samples("", &data).unwrap()],
        &options(300, 200),
    )
    .unwrap();
    fig.write_png(&path).unwrap();
    let (w, h, rgb) = decode_png(&std::fs::read(&path).unwrap());
    assert_eq!((w, h), (300, 200));
    assert_eq!(rgb, fig.rgb);
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["out.png"], "a temporary file was left behind");
    // A directory that does not exist: an error naming the file, no panic.
    let missing = dir.join("no/such/dir/out.png");
    let e = fig.write_png(&missing).unwrap_err();
    assert!(one_line(&e).contains("out.png"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn points_land_where_the_fixed_axis_range_puts_them() {
    let bounds = unit_box(10.0);
    let a = Series::new("", cluster([2.0, 7.0], 0.15, 300));
    let fig = scatter(std::slice::from_ref(&a), &fixed(500, 500, bounds)).unwrap();
    let area = fig.area.unwrap();
    // The map agrees with the axes: x grows to the right, y upwards, linearly.
    let (px, py) = area.to_pixel([2.0, 7.0]);
    let (l, b) = (f64::from(area.lower_left.0), f64::from(area.lower_left.1));
    let (r, t) = (f64::from(area.upper_right.0), f64::from(area.upper_right.1));
    assert!(r - l > 300.0 && b - t > 300.0, "{area:?}");
    assert!(((px - l) / (r - l) - 0.2).abs() < 0.01, "{px} in {l}..{r}");
    assert!(((b - py) / (b - t) - 0.7).abs() < 0.01, "{py} in {b}..{t}");
    // The cluster is drawn there and nowhere else.
    let (near, far) = count_near(&fig, (px, py), 15.0, is_coloured);
    assert!(near > 50, "{near} coloured pixels near the cluster");
    assert_eq!(far, 0, "coloured pixels away from the cluster");

    // Two series: each colour where its points are.
    let b_series = Series::new("", cluster([8.0, 3.0], 0.15, 300));
    let fig = scatter(&[a, b_series], &fixed(500, 500, bounds)).unwrap();
    let area = fig.area.unwrap();
    let blue = |p: [u8; 3]| is_coloured(p) && i32::from(p[2]) > i32::from(p[0]) + 40;
    let orange = |p: [u8; 3]| is_coloured(p) && i32::from(p[0]) > i32::from(p[2]) + 40;
    let c1 = area.to_pixel([2.0, 7.0]);
    let c2 = area.to_pixel([8.0, 3.0]);
    let (blue_at_1, _) = count_near(&fig, c1, 15.0, blue);
    let (orange_at_2, _) = count_near(&fig, c2, 15.0, orange);
    assert!(
        blue_at_1 > 50 && orange_at_2 > 50,
        "{blue_at_1} blue, {orange_at_2} orange"
    );
    let (orange_at_1, _) = count_near(&fig, c1, 15.0, orange);
    let (blue_at_2, _) = count_near(&fig, c2, 15.0, blue);
    assert_eq!((orange_at_1, blue_at_2), (0, 0));
}

#[test]
fn a_range_from_data_ignores_outliers_and_nan() {
    let mut pts = cluster([1.0, 1.0], 1.0, 2000);
    pts.push([1e6, 0.0]);
    pts.push([f64::NAN, 1.0]);
    pts.push([0.0, f64::INFINITY]);
    let fig = scatter(&[Series::new("data", pts)], &options(400, 400)).unwrap();
    let b = fig.area.unwrap().bounds;
    assert!(
        b.x[0] > -0.5 && b.x[0] < 0.0 && b.x[1] > 2.0 && b.x[1] < 2.5,
        "{b:?}"
    );
    assert!(b.y[0] > -0.5 && b.y[1] < 2.5, "{b:?}");
    assert_eq!(fig.stats.drawn, 2000);
    assert_eq!(fig.stats.non_finite, 2);
    assert_eq!(fig.stats.outside, 1);

    // Without outliers every point is inside, extremes included.
    let pts = cluster([0.0, 0.0], 3.0, 500);
    let fig = scatter(&[Series::new("data", pts.clone())], &options(300, 300)).unwrap();
    assert_eq!(fig.stats.outside, 0);
    let b = Bounds::from_points([pts.as_slice()]).unwrap();
    assert!(pts.iter().all(|&p| b.contains(p)));

    // All points at one place: a unit-sized range around it.
    let b = Bounds::from_points([&[[5.0, 5.0]; 3][..]]).unwrap();
    assert!(b.contains([5.0, 5.0]) && b.x[1] - b.x[0] >= 2.0, "{b:?}");

    // Coordinates too large for a finite range: an error, not a panic.
    let huge = Series::new("huge", vec![[-1.7e308, 0.0], [1.7e308, 1.0]]);
    let e = scatter(&[huge], &options(300, 300)).unwrap_err();
    assert!(matches!(e, PlotError::Range(_)), "{e}");
}

#[test]
fn bad_scatter_inputs_are_refused_with_one_line_errors() {
    let o = options(300, 300);
    let e = scatter(&[Series::new("empty", vec![])], &o).unwrap_err();
    assert!(
        matches!(e, PlotError::Empty { .. }) && one_line(&e).contains("empty"),
        "{e}"
    );

    let nan = Series::new("nan set", vec![[f64::NAN, 0.0], [1.0, f64::NEG_INFINITY]]);
    let e = scatter(&[nan], &o).unwrap_err();
    assert!(matches!(e, PlotError::NoFinite { count: 2, .. }), "{e}");
    assert!(one_line(&e).contains("nan set"));

    let three = Samples::new(4, 3, vec![0.0; 12]).unwrap();
    let e = Series::from_samples("wide.npy", &three).unwrap_err();
    assert!(matches!(e, PlotError::Shape { .. }), "{e}");
    let text = one_line(&e);
    assert!(
        text.contains("wide.npy") && text.contains("4 × 3"),
        "{text}"
    );

    let e = scatter(&[], &o).unwrap_err();
    one_line(&e);

    let ok = Series::new("ok", vec![[0.0, 0.0], [1.0, 1.0]]);
    for (w, h) in [(10, 300), (300, 0), (100_000, 300)] {
        let e = scatter(std::slice::from_ref(&ok), &options(w, h)).unwrap_err();
        assert!(matches!(e, PlotError::Size { .. }), "{e}");
        one_line(&e);
    }

    for bad in ["1,2,3", "0,1,a,2", "1,0,0,1", "0,nan,0,1", "0,inf,0,1", ""] {
        let e = bad.parse::<Bounds>().unwrap_err();
        assert!(matches!(e, PlotError::Range(_)), "{bad}: {e}");
        one_line(&e);
    }
    assert_eq!(
        " -2, 2,-1,3".parse::<Bounds>().unwrap(),
        Bounds::new([-2.0, 2.0], [-1.0, 3.0]).unwrap()
    );
}

#[test]
fn missing_and_malformed_files_name_the_file() {
    let dir = temp_dir("files");
    let missing = dir.join("missing.npy");
    let e: PlotError = Samples::read(&missing).unwrap_err().into();
    assert!(one_line(&e).contains("missing.npy"), "{e}");
    let e = ModelEnergy::read(dir.join("missing.gfm")).unwrap_err();
    assert!(one_line(&e).contains("missing.gfm"), "{e}");
    let garbage = dir.join("garbage.gfm");
    std::fs::write(&garbage, b"not a model").unwrap();
    let e = ModelEnergy::read(&garbage).unwrap_err();
    assert!(one_line(&e).contains("garbage.gfm"), "{e}");
    let e = Trajectories::read(dir.join("none.npy"), None).unwrap_err();
    assert!(one_line(&e).contains("none.npy"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

fn double_well() -> Potential {
    Potential::DoubleWell {
        barrier: 1.0,
        stiffness: 1.0,
    }
}

fn no_contours(shading: Shading) -> EnergyPlot {
    EnergyPlot {
        shading,
        levels: 0,
        grid: 100,
        ..EnergyPlot::default()
    }
}

#[test]
fn double_well_density_is_brightest_at_the_minima() {
    let p = double_well();
    let energy = p.energy_fn().unwrap();
    let o = fixed(500, 400, p.domain());
    let fig = energy_map(&energy, "dw", None, &no_contours(Shading::Density), &o).unwrap();
    let (w, h, _) = decode_png(&fig.to_png().unwrap());
    assert_eq!((w, h), (500, 400));
    let area = fig.area.unwrap();
    let lum = |x: [f64; 2]| {
        let (px, py) = area.to_pixel(x);
        luminance(fig.pixel(px.round() as u32, py.round() as u32).unwrap())
    };
    let (left, right, barrier, corner) = (
        lum([-1.0, 0.0]),
        lum([1.0, 0.0]),
        lum([0.0, 0.0]),
        lum([1.9, 1.9]),
    );
    assert!(
        left > barrier + 40.0 && right > barrier + 40.0,
        "{left} {right} {barrier}"
    );
    assert!((left - right).abs() < 5.0, "symmetric: {left} vs {right}");
    assert!(barrier > corner + 20.0, "{barrier} vs {corner}");
    // Many colours: a smooth map, not bands of a few.
    assert!(contrast(&fig.rgb).1 > 100);

    // Shading by energy turns it round: the minima are the darkest.
    let fig = energy_map(&energy, "dw", None, &no_contours(Shading::Energy), &o).unwrap();
    let area = fig.area.unwrap();
    let lum = |x: [f64; 2]| {
        let (px, py) = area.to_pixel(x);
        luminance(fig.pixel(px.round() as u32, py.round() as u32).unwrap())
    };
    assert!(lum([-1.0, 0.0]) + 20.0 < lum([0.0, 0.0]));
    assert!(lum([0.0, 0.0]) < lum([0.0, 1.9]));
}

#[test]
fn contours_and_samples_are_drawn_on_the_energy_map() {
    let p = double_well();
    let energy = p.energy_fn().unwrap();
    let o = fixed(400, 400, p.domain());
    let plain = energy_map(&energy, "dw", None, &no_contours(Shading::Density), &o).unwrap();
    let lined = energy_map(&energy, "dw", None, &EnergyPlot::default(), &o).unwrap();
    let changed = plain
        .rgb
        .chunks_exact(3)
        .zip(lined.rgb.chunks_exact(3))
        .filter(|(a, b)| a != b)
        .count();
    assert!(changed > 500, "contour lines changed only {changed} pixels");

    let samples = Series::new("s", cluster([1.0, 0.0], 0.05, 50));
    let fig = energy_map(
        &energy,
        "dw",
        Some(&samples),
        &no_contours(Shading::Density),
        &o,
    )
    .unwrap();
    assert_eq!(fig.stats.drawn, 50);
    let (px, py) = fig.area.unwrap().to_pixel([1.0, 0.0]);
    let red = fig.pixel(px.round() as u32, py.round() as u32).unwrap();
    assert!(red[0] > 200 && red[1] < 120 && red[2] < 120, "{red:?}");

    // Without a range the samples set it.
    let o = options(400, 400);
    let fig = energy_map(&energy, "dw", Some(&samples), &EnergyPlot::default(), &o).unwrap();
    assert!(fig.area.unwrap().bounds.contains([1.0, 0.0]));
}

#[test]
fn bad_energy_inputs_are_refused() {
    let o = options(300, 300);
    let e = energy_map(|_| 0.0, "flat", None, &EnergyPlot::default(), &o).unwrap_err();
    assert!(one_line(&e).contains("flat"), "{e}");
    let o = fixed(300, 300, unit_box(1.0));
    let e = energy_map(|_| f64::NAN, "nan energy", None, &EnergyPlot::default(), &o).unwrap_err();
    assert!(matches!(e, PlotError::EnergyNotFinite { .. }), "{e}");
    assert!(one_line(&e).contains("nan energy"));
    let bad_grid = EnergyPlot {
        grid: 1,
        ..EnergyPlot::default()
    };
    let e = energy_map(|x| x[0], "e", None, &bad_grid, &o).unwrap_err();
    one_line(&e);
    let too_many = EnergyPlot {
        levels: 1_000_000_000,
        ..EnergyPlot::default()
    };
    let e = energy_map(|x| x[0], "e", None, &too_many, &o).unwrap_err();
    assert!(matches!(e, PlotError::Settings(_)), "{e}");
    let empty = Series::new("empty.npy", vec![]);
    let e = energy_map(|x| x[0], "e", Some(&empty), &EnergyPlot::default(), &o).unwrap_err();
    assert!(one_line(&e).contains("empty.npy"));
    let bad = Potential::DoubleWell {
        barrier: -1.0,
        stiffness: 1.0,
    };
    assert!(bad.energy_fn().is_err());
    let bad = Potential::MullerBrown { scale: f64::NAN };
    one_line(&bad.energy_fn().err().unwrap());

    // Part of the grid NaN: drawn, with the finite part shaded.
    let fig = energy_map(
        |x| if x[0] < 0.5 { f64::NAN } else { x[1] },
        "half",
        None,
        &EnergyPlot::default(),
        &o,
    )
    .unwrap();
    assert!(contrast(&fig.rgb).0 > 100.0);
}

/// An energy model E(x) = |x₀| = relu(x₀) + relu(−x₀), weights written by hand.
#[test]
fn model_energies_are_read_checked_and_drawn() {
    let dir = temp_dir("model");
    let path = dir.join("abs.gfm");
    abs_model().write(&path).unwrap();
    let mut model = ModelEnergy::read(&path).unwrap();
    for x in [[0.7, 3.0], [-1.5, -2.0], [0.0, 1.0]] {
        assert!((model.energy(&x) - x[0].abs()).abs() < 1e-6, "{x:?}");
    }
    assert_eq!(model.path(), path);
    let o = fixed(400, 400, Bounds::new([-3.0, 3.0], [-3.0, 3.0]).unwrap());
    let fig = energy_map(
        |x| model.energy(x),
        "abs.gfm",
        None,
        &no_contours(Shading::Density),
        &o,
    )
    .unwrap();
    let area = fig.area.unwrap();
    let lum = |x: [f64; 2]| {
        let (px, py) = area.to_pixel(x);
        luminance(fig.pixel(px.round() as u32, py.round() as u32).unwrap())
    };
    assert!(lum([0.0, 1.0]) > lum([1.5, 1.0]) + 40.0);
    assert!(lum([1.5, 1.0]) > lum([2.9, 1.0]) + 20.0);
    assert!((lum([1.5, -2.0]) - lum([-1.5, 2.0])).abs() < 3.0);

    // A velocity field is not an energy.
    let arch = Architecture::mlp(ModelKind::Velocity, Activation::Silu, 2, &[4], 2).unwrap();
    let velocity = ModelBytes::encode(&arch, &vec![0.0; arch.n_params()]).unwrap();
    let e = ModelEnergy::new(velocity, "v.gfm").unwrap_err();
    assert!(matches!(e, PlotError::NotEnergy { .. }), "{e}");
    assert!(one_line(&e).contains("v.gfm"));
    // Nor is an energy of 3D points.
    let arch = Architecture::mlp(ModelKind::Energy, Activation::Silu, 3, &[4], 1).unwrap();
    let e3 = ModelBytes::encode(&arch, &vec![0.0; arch.n_params()]).unwrap();
    assert!(matches!(
        ModelEnergy::new(e3, "e3.gfm"),
        Err(PlotError::NotEnergy { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Two particles over three frames: one along y = 1, one down to (5, 5) and up again.
fn two_paths() -> Trajectories {
    let frames = [
        [[1.0, 1.0], [1.0, 9.0]],
        [[5.0, 1.0], [5.0, 5.0]],
        [[9.0, 1.0], [9.0, 9.0]],
    ];
    let data = frames.iter().flatten().flatten().copied().collect();
    Trajectories::new(3, 2, data).unwrap()
}

#[test]
fn trajectories_draw_lines_with_marked_ends() {
    let traj = two_paths();
    assert_eq!(traj.path(1), [[1.0, 9.0], [5.0, 5.0], [9.0, 9.0]]);
    // Room above the paths for the legend.
    let bounds = Bounds::new([0.0, 10.0], [0.0, 14.0]).unwrap();
    let fig = trajectories(&traj, &fixed(500, 500, bounds)).unwrap();
    assert_eq!(fig.stats.drawn, 2);
    let area = fig.area.unwrap();
    let at = |x: [f64; 2]| {
        let (px, py) = area.to_pixel(x);
        fig.pixel(px.round() as u32, py.round() as u32).unwrap()
    };
    // Starts black, ends red.
    for s in [[1.0, 1.0], [1.0, 9.0]] {
        assert!(luminance(at(s)) < 30.0, "start {s:?}: {:?}", at(s));
    }
    for e in [[9.0, 1.0], [9.0, 9.0]] {
        let p = at(e);
        assert!(p[0] > 180 && p[1] < 80 && p[2] < 80, "end {e:?}: {p:?}");
    }
    // Lines along the paths, nothing well away from them.
    for on in [[3.0, 1.0], [7.0, 1.0], [3.0, 7.0], [7.0, 7.0]] {
        let (px, py) = area.to_pixel(on);
        let hit = (-2..=2).any(|dy| {
            (-2..=2).any(|dx| {
                let p = fig.pixel(
                    (px.round() as i32 + dx) as u32,
                    (py.round() as i32 + dy) as u32,
                );
                is_coloured(p.unwrap())
            })
        });
        assert!(hit, "no line at {on:?}");
    }
    for off in [[5.0, 8.0], [2.0, 4.0], [8.0, 4.0]] {
        assert!(!is_coloured(at(off)), "line at {off:?}");
    }
}

#[test]
fn trajectories_are_thinned_clipped_and_checked() {
    // 500 particles on rays: 200 drawn; a range that cuts them is fine.
    let (t_n, n) = (4, 500);
    let mut data = Vec::new();
    for t in 0..t_n {
        for i in 0..n {
            let a = i as f64 * 0.01;
            let r = t as f64 * 3.0;
            data.extend([r * a.cos(), r * a.sin()]);
        }
    }
    let traj = Trajectories::new(t_n, n, data).unwrap();
    let fig = trajectories(&traj, &fixed(400, 400, unit_box(4.0))).unwrap();
    assert_eq!((fig.stats.drawn, fig.stats.thinned), (200, 300));
    assert!(fig.stats.outside > 0);

    // A NaN position breaks a line but is not fatal; all NaN is.
    let mut traj = two_paths();
    traj.data[2] = f64::NAN;
    let fig = trajectories(&traj, &fixed(300, 300, unit_box(10.0))).unwrap();
    assert_eq!(fig.stats.non_finite, 1);
    let all_nan = Trajectories::new(2, 1, vec![f64::NAN; 4]).unwrap();
    let e = trajectories(&all_nan, &options(300, 300)).unwrap_err();
    assert!(matches!(e, PlotError::NoFinite { .. }), "{e}");

    assert!(matches!(
        Trajectories::new(0, 3, vec![]),
        Err(PlotError::Empty { .. })
    ));
    let e = Trajectories::new(2, 2, vec![0.0; 7]).unwrap_err();
    one_line(&e);
    let a = Samples::new(2, 2, vec![0.0, 0.0, 1.0, 1.0]).unwrap();
    let b = Samples::new(2, 2, vec![0.5, 0.5, 2.0, 2.0]).unwrap();
    let t = Trajectories::from_frames(&[a.clone(), b]).unwrap();
    assert_eq!(t.path(1), [[1.0, 1.0], [2.0, 2.0]]);
    let c = Samples::new(3, 2, vec![0.0; 6]).unwrap();
    let e = Trajectories::from_frames(&[a, c]).unwrap_err();
    assert!(one_line(&e).contains("frame 1"), "{e}");
}

/// A `.npy` file's bytes: the header dict and the raw data.
fn npy_bytes(descr: &str, fortran: bool, shape: &[usize], data: &[u8]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|s| s.to_string()).collect();
    let mut header = format!(
        "{{'descr': '{descr}', 'fortran_order': {}, 'shape': ({}{}), }}",
        if fortran { "True" } else { "False" },
        dims.join(", "),
        if shape.len() == 1 { "," } else { "" }
    );
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((header.len() as u16).to_le_bytes());
    out.extend(header.as_bytes());
    out.extend(data);
    out
}

#[test]
fn trajectory_files_are_read_in_every_layout() {
    let dir = temp_dir("traj");
    let want = two_paths();
    let write = |name: &str, bytes: Vec<u8>| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    // (T, N, 2) float64, C order.
    let f8: Vec<u8> = want.data.iter().flat_map(|v| v.to_le_bytes()).collect();
    let p = write("c.npy", npy_bytes("<f8", false, &[3, 2, 2], &f8));
    assert_eq!(Trajectories::read(&p, None).unwrap(), want);
    assert_eq!(Trajectories::read(&p, Some(3)).unwrap(), want);
    let e = Trajectories::read(&p, Some(2)).unwrap_err();
    assert!(one_line(&e).contains("c.npy"));
    // float32, Fortran order: element (t, i, k) at t + 3·(i + 2·k).
    let mut fortran = [0f32; 12];
    for t in 0..3 {
        for i in 0..2 {
            for k in 0..2 {
                fortran[t + 3 * (i + 2 * k)] = want.point(t, i)[k] as f32;
            }
        }
    }
    let f4: Vec<u8> = fortran.iter().flat_map(|v| v.to_le_bytes()).collect();
    let p = write("f.npy", npy_bytes("<f4", true, &[3, 2, 2], &f4));
    assert_eq!(Trajectories::read(&p, None).unwrap(), want);
    // (T·N, 2) with --frames.
    let stacked = Samples::new(6, 2, want.data.clone()).unwrap();
    let p = dir.join("stacked.npy");
    stacked.write(&p).unwrap();
    assert_eq!(Trajectories::read(&p, Some(3)).unwrap(), want);
    let csv = dir.join("stacked.csv");
    stacked.write(&csv).unwrap();
    assert_eq!(Trajectories::read(&csv, Some(3)).unwrap(), want);
    // Errors naming the file: no frame count for 2-D (an error about the `frames`
    // argument), frames not dividing or disagreeing with a 3-D file, wrong last axis, a 1-D
    // array, a truncated file, an integer dtype.
    let e = Trajectories::read(dir.join("stacked.npy"), None).unwrap_err();
    assert!(
        matches!(&e, PlotError::Argument(a) if a.field == "frames"),
        "{e}"
    );
    assert!(one_line(&e).contains("stacked.npy"));
    let e = Trajectories::read(dir.join("stacked.npy"), Some(4)).unwrap_err();
    assert!(matches!(e, PlotError::Shape { .. }), "{e}");
    assert!(one_line(&e).contains("stacked.npy"));
    let e = Trajectories::read(dir.join("f.npy"), Some(4)).unwrap_err();
    assert!(
        matches!(&e, PlotError::Argument(a) if a.field == "frames"),
        "{e}"
    );
    assert!(one_line(&e).contains("f.npy"));
    let p = write("xyz.npy", npy_bytes("<f8", false, &[2, 1, 3], &[0u8; 48]));
    assert!(one_line(&Trajectories::read(&p, None).unwrap_err()).contains("xyz.npy"));
    let p = write("one.npy", npy_bytes("<f8", false, &[4], &[0u8; 32]));
    assert!(one_line(&Trajectories::read(&p, Some(2)).unwrap_err()).contains("one.npy"));
    let p = write("short.npy", npy_bytes("<f8", false, &[3, 2, 2], &f8[..50]));
    assert!(one_line(&Trajectories::read(&p, None).unwrap_err()).contains("short.npy"));
    let p = write("ints.npy", npy_bytes("<i8", false, &[3, 2, 2], &f8));
    assert!(one_line(&Trajectories::read(&p, None).unwrap_err()).contains("ints.npy"));
    let p = write(
        "huge.npy",
        npy_bytes("<f8", false, &[1 << 40, 1 << 20, 2], &f8),
    );
    assert!(one_line(&Trajectories::read(&p, None).unwrap_err()).contains("huge.npy"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn image_grids_put_ink_where_the_values_are_large() {
    // One 2×2 image, large values on the diagonal.
    let img = Samples::new(1, 4, vec![1.0, 0.0, 0.0, 1.0]).unwrap();
    let fig = image_grid(&img, &TileOptions::default(), &options(100, 100)).unwrap();
    let lum = |x: u32, y: u32| luminance(fig.pixel(x, y).unwrap());
    assert!(
        lum(30, 30) < 10.0 && lum(70, 70) < 10.0,
        "ink on the diagonal"
    );
    assert!(lum(70, 30) > 245.0 && lum(30, 70) > 245.0, "paper off it");

    // The digits: a 4×4 grid of 16 images with many grey levels.
    let digits = gradflow::data::digits().samples();
    let tiles = TileOptions {
        max_images: 16,
        ..TileOptions::default()
    };
    let fig = image_grid(&digits, &tiles, &options(400, 400)).unwrap();
    assert_eq!((fig.stats.drawn, fig.stats.thinned), (16, 1797 - 16));
    let (w, h, rgb) = decode_png(&fig.to_png().unwrap());
    assert_eq!((w, h), (400, 400));
    let (var, colours) = contrast(&rgb);
    assert!(var > 1000.0 && colours >= 17, "{var} {colours}");
    let dark = rgb.chunks_exact(3).filter(|c| c[0] < 60).count() as f64 / (400.0 * 400.0);
    assert!(dark > 0.05 && dark < 0.5, "dark fraction {dark}");

    // Bad input: not square, empty, all NaN, a bad value range, too many to fit.
    let e = image_grid(
        &Samples::new(2, 5, vec![0.0; 10]).unwrap(),
        &TileOptions::default(),
        &options(100, 100),
    )
    .unwrap_err();
    assert!(matches!(e, PlotError::Shape { .. }), "{e}");
    one_line(&e);
    let e = image_grid(
        &Samples::new(0, 4, vec![]).unwrap(),
        &TileOptions::default(),
        &options(100, 100),
    )
    .unwrap_err();
    assert!(matches!(e, PlotError::Empty { .. }), "{e}");
    let e = image_grid(
        &Samples::new(1, 4, vec![f64::NAN; 4]).unwrap(),
        &TileOptions::default(),
        &options(100, 100),
    )
    .unwrap_err();
    assert!(matches!(e, PlotError::NoFinite { .. }), "{e}");
    let bad_range = TileOptions {
        range: Some([1.0, 1.0]),
        ..TileOptions::default()
    };
    assert!(image_grid(&img, &bad_range, &options(100, 100)).is_err());
    let all = TileOptions {
        max_images: 1797,
        ..TileOptions::default()
    };
    let e = image_grid(&digits, &all, &options(100, 100)).unwrap_err();
    one_line(&e);
    // A NaN pixel is drawn and counted.
    let some_nan = Samples::new(1, 4, vec![1.0, f64::NAN, 0.0, 0.5]).unwrap();
    let fig = image_grid(&some_nan, &TileOptions::default(), &options(100, 100)).unwrap();
    assert_eq!(fig.stats.non_finite, 1);
}
