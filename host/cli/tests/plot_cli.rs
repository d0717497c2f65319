//! `gradflow plot` end to end: built-in data, files, and one-line errors.

use std::path::{Path, PathBuf};
use std::process::Command;

use gradflow::data::{Dataset2d, Samples};

#[path = "../../gradflow/tests/common/abs_model.rs"]
mod abs_model;
use abs_model::abs_model;
#[path = "../../gradflow/tests/common/png.rs"]
mod png_check;
use png_check::{contrast, decode_png};

/// A fresh directory for one test's files.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gradflow-plot-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn gradflow(args: &[&str], dir: &Path) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gradflow"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("failed to start gradflow");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn png_size(path: &Path) -> (u32, u32) {
    let (w, h, rgb) = decode_png(&std::fs::read(path).unwrap());
    assert!(contrast(&rgb).0 > 100.0, "{} is blank", path.display());
    (w, h)
}

#[test]
fn cli_plots_builtin_data_and_files() {
    let dir = temp_dir("cli");
    let (ok, stdout, stderr) = gradflow(
        &["plot", "samples", "--dataset", "moons", "-o", "moons.png"],
        &dir,
    );
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("moons.png") && stdout.contains("2000 points"),
        "{stdout}"
    );
    assert_eq!(png_size(&dir.join("moons.png")), (800, 800));

    let data = Samples::new(300, 2, Dataset2d::EightGaussians.sample(300, 1)).unwrap();
    data.write(dir.join("a.npy")).unwrap();
    data.write(dir.join("b.csv")).unwrap();
    let (ok, _, stderr) = gradflow(
        &[
            "plot",
            "samples",
            "a.npy",
            "b.csv",
            "--labels",
            "data,model",
            "--range",
            "-8,8,-8,8",
            "--width",
            "640",
            "--height",
            "480",
            "-o",
            "ab.png",
        ],
        &dir,
    );
    assert!(ok, "{stderr}");
    assert_eq!(png_size(&dir.join("ab.png")), (640, 480));

    let (ok, _, stderr) = gradflow(
        &[
            "plot",
            "energy",
            "--potential",
            "double-well",
            "--samples",
            "a.npy",
            "--width",
            "400",
            "--height",
            "300",
            "-o",
            "dw.png",
        ],
        &dir,
    );
    assert!(ok, "{stderr}");
    assert_eq!(png_size(&dir.join("dw.png")), (400, 300));

    abs_model().write(&dir.join("abs.gfm")).unwrap();
    let (ok, _, stderr) = gradflow(
        &[
            "plot",
            "energy",
            "--model",
            "abs.gfm",
            "--range",
            "-3,3,-3,3",
            "--shade",
            "energy",
            "-o",
            "m.png",
        ],
        &dir,
    );
    assert!(ok, "{stderr}");
    assert_eq!(png_size(&dir.join("m.png")), (800, 800));

    // Two paths of three frames, (T × N) × 2 rows.
    let frames = [
        [[1.0, 1.0], [1.0, 9.0]],
        [[5.0, 1.0], [5.0, 5.0]],
        [[9.0, 1.0], [9.0, 9.0]],
    ];
    let stacked = Samples::new(6, 2, frames.iter().flatten().flatten().copied().collect()).unwrap();
    stacked.write(dir.join("traj.npy")).unwrap();
    let (ok, _, stderr) = gradflow(
        &[
            "plot",
            "trajectories",
            "traj.npy",
            "--frames",
            "3",
            "-o",
            "t.png",
        ],
        &dir,
    );
    assert!(ok, "{stderr}");
    assert_eq!(png_size(&dir.join("t.png")), (800, 800));

    let (ok, stdout, stderr) = gradflow(&["plot", "digits", "--max", "25", "-o", "d.png"], &dir);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("25 images"), "{stdout}");
    assert_eq!(png_size(&dir.join("d.png")), (800, 800));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn cli_errors_are_one_line_with_the_cause() {
    let dir = temp_dir("cli-errors");
    Samples::new(3, 3, vec![0.0; 9])
        .unwrap()
        .write(dir.join("wide.npy"))
        .unwrap();
    Samples::new(4, 2, vec![f64::NAN; 8])
        .unwrap()
        .write(dir.join("nan.npy"))
        .unwrap();
    Samples::new(6, 2, vec![0.0; 12])
        .unwrap()
        .write(dir.join("flat.npy"))
        .unwrap();
    let cases: [(&[&str], &str); 11] = [
        (
            &["plot", "samples", "missing.npy", "-o", "x.png"],
            "missing.npy",
        ),
        (&["plot", "samples", "wide.npy", "-o", "x.png"], "wide.npy"),
        (&["plot", "samples", "nan.npy", "-o", "x.png"], "nan.npy"),
        (
            &["plot", "samples", "--dataset", "nope", "-o", "x.png"],
            "nope",
        ),
        (&["plot", "samples", "-o", "x.png"], "--dataset"),
        (
            &["plot", "samples", "--dataset", "moons", "-o", "x.jpg"],
            "x.jpg",
        ),
        (
            &[
                "plot",
                "samples",
                "--dataset",
                "moons",
                "--range",
                "1,0,0,1",
                "-o",
                "x.png",
            ],
            "range",
        ),
        (
            &[
                "plot",
                "samples",
                "--dataset",
                "moons",
                "--width",
                "5",
                "-o",
                "x.png",
            ],
            "5×800",
        ),
        (&["plot", "energy", "-o", "x.png"], "--potential"),
        (
            &["plot", "energy", "--model", "none.gfm", "-o", "x.png"],
            "none.gfm",
        ),
        (
            &["plot", "trajectories", "flat.npy", "-o", "x.png"],
            "--frames",
        ),
    ];
    for (args, needle) in cases {
        let (ok, _, stderr) = gradflow(args, &dir);
        assert!(!ok, "{args:?} succeeded");
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{args:?}: {stderr}");
        assert!(
            lines[0].starts_with("gradflow plot: "),
            "{args:?}: {stderr}"
        );
        assert!(lines[0].contains(needle), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    assert!(!dir.join("x.png").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
