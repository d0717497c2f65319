//! `gradflow bench --workload sinkhorn`: times the engine's debiased Sinkhorn divergence
//! (all three problems, as GeomLoss's debiased loss solves them) between two sample files,
//! its soft-mins on the CPU or a GPU (`--device`).

use std::path::PathBuf;
use std::time::Instant;

use gradflow::data::Samples;
use gradflow::engine::{Device, DeviceChoice};
use gradflow::sinkhorn::{SinkhornScalar, SinkhornSettings, Stopping};

use crate::cmd_device::open_device;

/// Options of the Sinkhorn workload of `gradflow bench`.
#[derive(clap::Args)]
pub struct SinkhornBenchArgs {
    /// Sinkhorn workload: the first point cloud (.npy or .csv, n × d).
    #[arg(long)]
    x: Option<PathBuf>,
    /// Sinkhorn workload: the second point cloud (.npy or .csv, m × d).
    #[arg(long)]
    y: Option<PathBuf>,
    /// Sinkhorn workload: blur (cost ‖x−y‖²/2, ε = blur²).
    #[arg(long, default_value_t = SinkhornSettings::default().blur)]
    blur: f64,
    /// Sinkhorn workload: ratio of successive blurs of the ε-scaling schedule.
    #[arg(long, default_value_t = SinkhornSettings::default().scaling)]
    scaling: f64,
    /// Sinkhorn workload: iterate to this L2 marginal error (at most 100000 iterations)
    /// instead of GeomLoss's annealed schedule.
    #[arg(long)]
    tol: Option<f64>,
    /// Sinkhorn workload: precision of the engine.
    #[arg(long, value_enum, default_value_t = Precision::F32)]
    precision: Precision,
}

/// The engine's floating-point type.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Precision {
    /// f32 (the fast path).
    F32,
    /// f64.
    F64,
}

/// A warm-up run longer than this (seconds) is the timing itself: no repeats follow.
pub const LONG_RUN_SECONDS: f64 = 10.0;

/// One timed configuration.
struct Timing {
    threads: usize,
    seconds: f64,
    /// How many runs the median `seconds` was taken over (1 after a long warm-up).
    runs: usize,
    value: f64,
    iterations: [usize; 3],
    /// The solve's floating-point operations ([`gradflow::sinkhorn::Divergence::flops`]).
    flops: f64,
}

/// Runs the workload on each thread count (already resolved: 1, 2, ...) and prints one
/// row (or JSON line) per count: the median of `repeats` timed runs after one warm-up, or
/// the warm-up alone when it took longer than [`LONG_RUN_SECONDS`] (as the peer scripts).
pub fn run(
    args: &SinkhornBenchArgs,
    device: DeviceChoice,
    threads: &[usize],
    repeats: usize,
    json: bool,
) -> Result<(), String> {
    let (x, y) = match (&args.x, &args.y) {
        (Some(x), Some(y)) => (x, y),
        _ => return Err("the sinkhorn workload needs --x and --y (n × d .npy or .csv)".into()),
    };
    let read = |p: &PathBuf| Samples::read(p).map_err(|e| e.to_string());
    let (x, y) = (read(x)?, read(y)?);
    if x.d != y.d {
        return Err(format!(
            "--x has dimension {} and --y dimension {}",
            x.d, y.d
        ));
    }
    let settings = SinkhornSettings {
        blur: args.blur,
        scaling: args.scaling,
        stopping: match args.tol {
            None => Stopping::Annealed,
            Some(tol) => Stopping::Tolerance {
                tol,
                max_iter: 100_000,
            },
        },
    };
    let repeats = repeats.max(1);
    let device = open_device(device, 1)?;
    // The CPU's soft-mins run on each timed pool, whatever the CPU device's own threads.
    let device_label = match device.is_cuda() {
        true => device.name(),
        false => "cpu".to_string(),
    };
    for &t in threads {
        let timing = match args.precision {
            Precision::F32 => time::<f32>(&settings, &device, &x, &y, t, repeats)?,
            Precision::F64 => time::<f64>(&settings, &device, &x, &y, t, repeats)?,
        };
        let precision = match args.precision {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        };
        print(args, &x, &y, (precision, &device_label), &timing, json);
    }
    Ok(())
}

/// Times `divergence_on(device)` on a pool of `threads` threads: one warm-up, then the
/// median of `repeats` runs (or the warm-up alone when it was long).
fn time<S: SinkhornScalar>(
    settings: &SinkhornSettings,
    device: &Device,
    x: &Samples,
    y: &Samples,
    threads: usize,
    repeats: usize,
) -> Result<Timing, String> {
    let narrow = |v: &[f64]| v.iter().map(|&t| S::from_f64(t)).collect::<Vec<S>>();
    let (xs, ys) = (narrow(&x.data), narrow(&y.data));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| format!("cannot start {threads} threads: {e}"))?;
    pool.install(|| {
        let t = Instant::now();
        let first = settings
            .divergence_on(device, &xs, &ys, x.d)
            .map_err(|e| e.to_string())?;
        let warm_up = t.elapsed().as_secs_f64();
        let timed_runs = if warm_up > LONG_RUN_SECONDS {
            0
        } else {
            repeats
        };
        let mut seconds = Vec::with_capacity(repeats);
        for _ in 0..timed_runs {
            let t = Instant::now();
            std::hint::black_box(
                settings
                    .divergence_on(device, &xs, &ys, x.d)
                    .map_err(|e| e.to_string())?,
            );
            seconds.push(t.elapsed().as_secs_f64());
        }
        if seconds.is_empty() {
            seconds.push(warm_up);
        }
        seconds.sort_by(f64::total_cmp);
        Ok(Timing {
            threads: pool.current_num_threads(),
            seconds: seconds[seconds.len() / 2],
            runs: seconds.len(),
            value: first.value,
            iterations: first.iterations(),
            flops: first.flops(),
        })
    })
}

fn print(
    args: &SinkhornBenchArgs,
    x: &Samples,
    y: &Samples,
    (precision, device): (&str, &str),
    t: &Timing,
    json: bool,
) {
    let stopping = if args.tol.is_some() {
        "tolerance"
    } else {
        "annealed"
    };
    let [i0, i1, i2] = t.iterations;
    let gflops = t.flops / t.seconds / 1e9;
    if json {
        let tol = args.tol.map_or("null".to_string(), |v| format!("{v:e}"));
        println!(
            "{{\"workload\":\"sinkhorn\",\"n\":{},\"m\":{},\"dim\":{},\"blur\":{},\"scaling\":{},\"stopping\":\"{stopping}\",\"tol\":{tol},\"precision\":\"{precision}\",\"device\":{},\"threads\":{},\"seconds\":{:.6},\"runs\":{},\"value\":{},\"iterations\":[{i0},{i1},{i2}],\"gflops\":{gflops:.2}}}",
            x.n,
            y.n,
            x.d,
            args.blur,
            args.scaling,
            serde_json::Value::from(device),
            t.threads,
            t.seconds,
            t.runs,
            t.value
        );
    } else {
        println!(
            "gradflow sinkhorn divergence, {} × {} points in {}D, blur {}, scaling {}, {stopping}{}, {precision} on {device}: {:.4} s ({} thread{}, median of {}); S_ε = {:.6e}, iterations xy/xx/yy {i0}/{i1}/{i2}, {gflops:.1} GFLOP/s",
            x.n,
            y.n,
            x.d,
            args.blur,
            args.scaling,
            args.tol.map_or(String::new(), |v| format!(" (tol {v:e})")),
            t.seconds,
            t.threads,
            if t.threads == 1 { "" } else { "s" },
            t.runs,
            t.value
        );
    }
}
