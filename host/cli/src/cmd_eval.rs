//! The `eval` subcommand: distances between two sample files.

use std::path::{Path, PathBuf};

use crate::named_arg::named;
use gradflow::compare::{CompareError, CompareSettings, Comparison, Metric, check_points, compare};
use gradflow::data::{Dataset2d, Samples, W2_FLOOR_PAIRS, W2_FLOOR_POINTS};
use gradflow::names::Named;

/// Options of `gradflow eval`.
#[derive(clap::Args)]
pub struct EvalArgs {
    /// First point set (.npy or .csv, n × d).
    a: PathBuf,
    /// Second point set (.npy or .csv, m × d).
    b: PathBuf,
    /// Metrics to compute, comma-separated: w2 (exact, cost ‖x−y‖²; with n ≠ m the larger
    /// set is subsampled to the smaller size, seeded by --seed), sinkhorn (debiased,
    /// GeomLoss conventions), mmd (unbiased MMD², RBF), energy (energy distance).
    #[arg(long, value_parser = named::<Metric>(), value_delimiter = ',', default_values_t = Metric::ALL.to_vec())]
    metrics: Vec<Metric>,
    /// Sinkhorn blur: cost ‖x−y‖²/2, ε = blur².
    #[arg(long, default_value_t = CompareSettings::default().blur)]
    blur: f64,
    /// Sinkhorn tolerance on the L2 marginal error of each of its three problems.
    #[arg(long, default_value_t = CompareSettings::default().tol)]
    tol: f64,
    /// RBF bandwidth σ of the MMD, k = exp(−‖x−y‖²/(2σ²)) (default: the median of the
    /// pairwise distances of the pooled points).
    #[arg(long)]
    bandwidth: Option<f64>,
    /// Seed of the W2 subsample when the sizes differ.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Print one JSON object on one line instead of the table.
    #[arg(long)]
    json: bool,
    /// Also print the two-sample W2 floor of this built-in 2D data set (1024 vs 1024
    /// points, mean ± sd over 20 seed pairs): what W2 to a data sample cannot beat.
    #[arg(long)]
    floor_of: Option<Dataset2d>,
}

/// Reads one point set and checks it (at least 2 points, finite values).
fn read(path: &Path, which: usize) -> Result<Samples, String> {
    let s = Samples::read(path).map_err(|e| e.to_string())?;
    check_points(&s, which).map_err(|e| match e {
        CompareError::NonFinite { row, column, .. } => format!(
            "{}: NaN or infinite value at row {row}, column {column} (0-based)",
            path.display()
        ),
        CompareError::TooSmall { n, d, .. } => format!(
            "{}: {n} × {d} points, need at least 2 points of dimension ≥ 1",
            path.display()
        ),
        other => format!("{}: {other}", path.display()),
    })?;
    Ok(s)
}

/// Runs `gradflow eval`.
pub fn run(args: &EvalArgs) -> Result<(), String> {
    let x = read(&args.a, 0)?;
    let y = read(&args.b, 1)?;
    if x.d != y.d {
        return Err(format!(
            "dimension mismatch: {} has {} columns, {} has {}",
            args.a.display(),
            x.d,
            args.b.display(),
            y.d
        ));
    }
    if args.floor_of.is_some() && x.d != 2 {
        return Err(format!(
            "--floor-of is for 2D data sets, these points have {} columns",
            x.d
        ));
    }
    if let Some(b) = args.bandwidth
        && !(b.is_finite() && b > 0.0)
    {
        return Err(format!("--bandwidth {b} must be finite and > 0"));
    }
    let settings = CompareSettings {
        metrics: args.metrics.clone(),
        blur: args.blur,
        tol: args.tol,
        bandwidth: args.bandwidth,
        seed: args.seed,
    };
    let c = compare(&x, &y, &settings).map_err(|e| match e {
        CompareError::Sinkhorn(_) => format!("{e} (try a larger --blur or --tol)"),
        other => other.to_string(),
    })?;
    if args.json {
        let mut json = c.to_json();
        if let Some(o) = json.as_object_mut() {
            o.insert("a".into(), args.a.display().to_string().into());
            o.insert("b".into(), args.b.display().to_string().into());
            if let Some(set) = args.floor_of {
                let (mean, sd) = set.w2_floor();
                o.insert(
                    "w2_floor".into(),
                    serde_json::json!({
                        "dataset": set.name(), "mean": mean, "sd": sd,
                        "points": W2_FLOOR_POINTS, "pairs": W2_FLOOR_PAIRS,
                    }),
                );
            }
        }
        println!("{json}");
    } else {
        print_table(args, &c);
    }
    Ok(())
}

fn print_table(args: &EvalArgs, c: &Comparison) {
    println!(
        "{}: {} × {}   {}: {} × {}",
        args.a.display(),
        c.n_x,
        c.d,
        args.b.display(),
        c.n_y,
        c.d
    );
    if let Some(w) = c.w2 {
        let note = match w.subsampled_to {
            Some(k) => format!(
                " (sizes differ: the larger set subsampled to {k} points, seed {})",
                args.seed
            ),
            None => String::new(),
        };
        println!("W2 (exact, cost |x-y|^2)    {:.6}{note}", w.w2);
    }
    if let Some(s) = c.sinkhorn {
        println!(
            "Sinkhorn divergence         {:.6e}  (debiased, cost |x-y|^2/2, blur {}, eps {})",
            s.value, s.blur, s.eps
        );
    }
    if let Some(m) = c.mmd {
        let rule = if m.median_heuristic {
            "median heuristic"
        } else {
            "given"
        };
        println!(
            "MMD^2 (unbiased, RBF)       {:.6e}  (bandwidth sigma = {:.6}, {rule})",
            m.mmd2, m.bandwidth
        );
    }
    if let Some(e) = c.energy_distance {
        println!("energy distance             {e:.6e}");
    }
    if let Some(set) = args.floor_of {
        let (mean, sd) = set.w2_floor();
        println!(
            "W2 floor of {set}: {mean:.4} ± {sd:.4} (two samples of {W2_FLOOR_POINTS} points, \
             {W2_FLOOR_PAIRS} seed pairs; it shrinks as the samples grow)"
        );
    }
}
