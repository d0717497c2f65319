//! The `gradflow` command-line tool.

mod cmd_bench_sinkhorn;
mod cmd_device;
mod cmd_eval;
mod cmd_plot;
mod cmd_sample;
mod cmd_train;
mod cmd_train_ebm;
mod cmd_train_lvebm;
mod commands;
mod config;
mod flags;
mod named_arg;
mod progress_bar;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gradflow::bench::{
    BATCHED_ULA_FLOPS, BATCHED_ULA_PARTICLES, BATCHED_ULA_STEPS, BatchedUlaWorkload, ULA_MLP_FLOPS,
    UlaMlpWorkload, sgemm_peak_gflops,
};
use gradflow::engine::DeviceChoice;

#[derive(Parser)]
#[command(
    name = "gradflow",
    version,
    about = "Learn and sample energy-based models and neural gradient flows"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sample a built-in target and compare what was found with its known answer.
    Sample(cmd_sample::SampleArgs),
    /// Fit a 2D MLP energy to an analytic potential's energies and forces.
    Fit(commands::FitArgs),
    /// Convert a model between .gfm, .safetensors and a C array (.h).
    Convert(commands::ConvertArgs),
    /// Distances between two sample files: W2, Sinkhorn divergence, MMD², energy distance.
    Eval(cmd_eval::EvalArgs),
    /// Time ULA steps of an MLP energy (per particle, or batched in the engine), SGEMM or the
    /// Sinkhorn divergence.
    Bench(BenchArgs),
    /// Draw PNG plots: samples, trajectories, energy landscapes, image grids.
    Plot(cmd_plot::PlotArgs),
    /// Train a flow (nsgf, nsgfpp, fm, otcfm), an energy-based model (ebm) or a
    /// latent-variable EBM (lvebm), on a built-in data set or a data file.
    Train(Box<cmd_train::TrainArgs>),
    /// Sample a flow trained by `gradflow train` (from its PREFIX.json manifest).
    FlowSample(cmd_train::FlowSampleArgs),
    /// List the compute devices `--device` can use (CPU threads, CUDA GPUs), or say why
    /// there is no GPU.
    Devices,
}

#[derive(clap::Args)]
struct BenchArgs {
    /// What to time.
    #[arg(long, value_enum, default_value_t = Workload::PerParticle)]
    workload: Workload,
    /// Particles per timed run [default: 1024 per-particle, 16384 batched].
    #[arg(long)]
    particles: Option<usize>,
    /// ULA steps per timed run of the batched workload.
    #[arg(long, default_value_t = BATCHED_ULA_STEPS)]
    steps: usize,
    /// Thread counts to time, comma-separated (0: one per core) [default: 1,0]. The
    /// per-particle workload runs on one thread only.
    #[arg(long, value_delimiter = ',')]
    threads: Vec<usize>,
    /// Matrix size n of the n × n × n SGEMM.
    #[arg(long, default_value_t = 2048)]
    size: usize,
    /// Timed runs; the median is reported (the best for sgemm) [default: 200 per-particle,
    /// 7 batched, 5 sgemm, 5 sinkhorn; a sinkhorn warm-up over 10 s is the only timed run].
    #[arg(long)]
    repeats: Option<usize>,
    /// Print one JSON object per row instead of a table.
    #[arg(long)]
    json: bool,
    /// Batched and sinkhorn workloads: where the networks or the Sinkhorn soft-mins run:
    /// cpu, cuda (an NVIDIA GPU; an error if none can be used) or auto (the GPU if there is
    /// one, else the CPU). On a GPU the Sinkhorn loop stays on the host threads.
    #[arg(long, default_value_t = DeviceChoice::Cpu)]
    device: DeviceChoice,
    #[command(flatten)]
    sinkhorn: cmd_bench_sinkhorn::SinkhornBenchArgs,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Workload {
    /// One ULA step of a 2→64→64→1 SiLU energy, one particle after another (core, 1
    /// thread), in f32 and f64.
    PerParticle,
    /// K ULA steps of a 2→128→128→1 SiLU energy for N particles in the batched engine, f32.
    Batched,
    /// The best of several f32 n × n × n GEMMs through the gemm crate.
    Sgemm,
    /// The debiased Sinkhorn divergence between --x and --y (the three problems).
    Sinkhorn,
}

fn bench(args: &BenchArgs) -> ExitCode {
    let result = match args.workload {
        Workload::PerParticle => bench_per_particle(args),
        Workload::Batched => bench_batched(args),
        Workload::Sgemm => bench_sgemm(args),
        Workload::Sinkhorn => cmd_bench_sinkhorn::run(
            &args.sinkhorn,
            args.device,
            &thread_counts(args),
            args.repeats.unwrap_or(5),
            args.json,
        ),
    };
    report("bench", result)
}

/// The thread counts to time: `--threads`, or 1 and one per core, without repeats.
fn thread_counts(args: &BenchArgs) -> Vec<usize> {
    let all = std::thread::available_parallelism().map_or(1, |n| n.get());
    let asked = if args.threads.is_empty() {
        vec![1, 0]
    } else {
        args.threads.clone()
    };
    let mut counts: Vec<usize> = Vec::new();
    for t in asked.into_iter().map(|t| if t == 0 { all } else { t }) {
        if !counts.contains(&t) {
            counts.push(t);
        }
    }
    counts
}

fn bench_per_particle(args: &BenchArgs) -> Result<(), String> {
    let particles = args.particles.unwrap_or(1024);
    if particles == 0 {
        return Err("--particles must be at least 1".into());
    }
    if args.threads.iter().any(|&t| t != 1) {
        return Err("the per-particle workload runs on one thread (--threads 1)".into());
    }
    let repeats = args.repeats.unwrap_or(200);
    let results = [
        (
            "f32",
            UlaMlpWorkload::<f32>::new(particles).median_ns_per_step(repeats),
        ),
        (
            "f64",
            UlaMlpWorkload::<f64>::new(particles).median_ns_per_step(repeats),
        ),
    ];
    for (precision, ns) in results {
        let gflops = ULA_MLP_FLOPS as f64 / ns;
        if args.json {
            println!(
                "{{\"impl\": \"gradflow\", \"precision\": \"{precision}\", \"ns_per_particle_step\": {ns:.1}, \"gflops\": {gflops:.2}}}"
            );
        } else {
            println!(
                "gradflow ula step, mlp 2-64-64-1 silu, {precision}: {ns:.0} ns/particle-step, {gflops:.2} GFLOP/s (1 thread, median of {repeats})"
            );
        }
    }
    Ok(())
}

fn bench_batched(args: &BenchArgs) -> Result<(), String> {
    let particles = args.particles.unwrap_or(BATCHED_ULA_PARTICLES);
    if particles == 0 {
        return Err("--particles must be at least 1".into());
    }
    if args.steps == 0 {
        return Err("--steps must be at least 1".into());
    }
    let repeats = args.repeats.unwrap_or(7);
    // On a GPU the thread count does not matter: one row.
    let threads = match args.device {
        DeviceChoice::Cpu => thread_counts(args),
        _ => vec![0],
    };
    for threads in threads {
        let device = cmd_device::open_device(args.device, threads)?;
        let mut workload = BatchedUlaWorkload::<f32>::on(particles, args.steps, device)
            .map_err(|e| e.to_string())?;
        let device = workload.device().name();
        let rate = workload
            .median_particle_steps_per_s(repeats)
            .map_err(|e| e.to_string())?;
        let threads = workload.threads();
        let gflops = rate * BATCHED_ULA_FLOPS as f64 / 1e9;
        if args.json {
            println!(
                "{{\"impl\": \"gradflow\", \"device\": {}, \"precision\": \"f32\", \"threads\": {threads}, \"particles\": {particles}, \"steps\": {}, \"particle_steps_per_s\": {rate:.0}, \"gflops\": {gflops:.2}}}",
                serde_json::Value::from(device),
                args.steps
            );
        } else {
            println!(
                "gradflow batched ula, mlp 2-128-128-1 silu, f32, {particles} particles × {} steps: {:.3} M particle-steps/s, {gflops:.1} GFLOP/s ({device}, median of {repeats})",
                args.steps,
                rate / 1e6,
            );
        }
    }
    Ok(())
}

fn bench_sgemm(args: &BenchArgs) -> Result<(), String> {
    let repeats = args.repeats.unwrap_or(5);
    for threads in thread_counts(args) {
        let (threads, gflops) = sgemm_peak_gflops(args.size, threads, repeats)?;
        if args.json {
            println!(
                "{{\"impl\": \"sgemm-peak (gemm crate)\", \"threads\": {threads}, \"size\": {}, \"gflops\": {gflops:.2}}}",
                args.size
            );
        } else {
            println!(
                "sgemm {0}×{0}×{0} f32 (gemm crate): {gflops:.1} GFLOP/s ({threads} thread{1}, best of {repeats})",
                args.size,
                if threads == 1 { "" } else { "s" }
            );
        }
    }
    Ok(())
}

/// Prints `--help` and `--version` as clap does, and a usage error as one line on stderr:
/// clap's message and its hints (possible values, a similar argument), without the usage.
fn cli_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            return ExitCode::from(2);
        }
        _ => {}
    }
    let text = e.to_string();
    let parts: Vec<&str> = text
        .lines()
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let line = parts.join(" ");
    eprintln!("gradflow: {}", line.trim_start_matches("error: "));
    ExitCode::from(2)
}

fn main() -> ExitCode {
    // SAFETY: called first, before any thread exists; restores the default action of
    // SIGPIPE (end the process, as a C tool does) so that `gradflow … | head` stops quietly
    // instead of panicking on the closed pipe.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let args = match config::expand::<Cli>(std::env::args_os().collect()) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("gradflow train: {e}");
            return ExitCode::FAILURE;
        }
    };
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => return cli_error(&e),
    };
    match cli.command {
        Command::Bench(args) => bench(&args),
        Command::Fit(args) => commands::fit_main(&args),
        Command::Convert(args) => report("convert", commands::run_convert(&args)),
        Command::Plot(args) => report("plot", cmd_plot::run_plot(&args)),
        Command::Sample(args) => report("sample", cmd_sample::run(&args)),
        Command::Eval(args) => report("eval", cmd_eval::run(&args)),
        Command::Train(args) => cmd_train::train_main(&args),
        Command::FlowSample(args) => report("flow-sample", cmd_train::run_flow_sample(&args)),
        Command::Devices => report("devices", cmd_device::list_devices()),
    }
}

/// Prints a subcommand's error as one line and sets the exit code.
fn report(command: &str, result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gradflow {command}: {e}");
            ExitCode::FAILURE
        }
    }
}
