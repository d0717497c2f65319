//! The `gradflow` command-line tool.

mod cmd_plot;
mod commands;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gradflow_host::bench::{ULA_MLP_FLOPS, UlaMlpWorkload};
use gradflow_host::demo::{self, DemoSettings, Sampler, Target};

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
    Sample(SampleArgs),
    /// Fit a 2D MLP energy to an analytic potential's energies and forces.
    Fit(commands::FitArgs),
    /// Convert a model between .gfm, .safetensors and a C array (.h).
    Convert(commands::ConvertArgs),
    /// Time one ULA step of a 2→64→64→1 SiLU MLP energy per particle on one thread.
    Bench(BenchArgs),
    /// Draw PNG plots: samples, trajectories, energy landscapes, image grids.
    Plot(cmd_plot::PlotArgs),
}

#[derive(clap::Args)]
struct BenchArgs {
    /// Particles per timed run.
    #[arg(long, default_value_t = 1024)]
    particles: usize,
    /// Timed runs; the median is reported.
    #[arg(long, default_value_t = 200)]
    repeats: usize,
    /// Print one JSON object per precision instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct SampleArgs {
    /// Built-in target.
    #[arg(long, value_enum, default_value_t = Target::Mixture)]
    target: Target,
    /// Particle scheme.
    #[arg(long, value_enum, default_value_t = Sampler::Mala)]
    sampler: Sampler,
    /// Step size τ (overdamped convention x ← x − τ∇E + √(2τ)ξ).
    #[arg(long, default_value_t = DemoSettings::default().step)]
    step: f64,
    /// Proximal iterations of jko / jko2.
    #[arg(long, default_value_t = DemoSettings::default().inner_iters)]
    inner_iters: u32,
    /// Independent chains.
    #[arg(long, default_value_t = DemoSettings::default().chains)]
    chains: usize,
    /// Steps per chain.
    #[arg(long, default_value_t = DemoSettings::default().steps)]
    steps: u64,
    /// Seed of every random stream.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Worker threads (0: one per core). Results do not depend on it.
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

fn bench(args: &BenchArgs) -> ExitCode {
    if args.particles == 0 {
        eprintln!("gradflow bench: --particles must be at least 1");
        return ExitCode::FAILURE;
    }
    let results = [
        (
            "f32",
            UlaMlpWorkload::<f32>::new(args.particles).median_ns_per_step(args.repeats),
        ),
        (
            "f64",
            UlaMlpWorkload::<f64>::new(args.particles).median_ns_per_step(args.repeats),
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
                "gradflow ula step, mlp 2-64-64-1 silu, {precision}: {ns:.0} ns/particle-step, {gflops:.2} GFLOP/s (1 thread, median of {})",
                args.repeats
            );
        }
    }
    ExitCode::SUCCESS
}

/// The command line, or the exit code after `--help`, `--version` or a usage error. A
/// usage error is printed as one line (clap's first line, without its usage block).
fn parse_args() -> Result<Cli, ExitCode> {
    Cli::try_parse().map_err(|e| {
        use clap::error::ErrorKind;
        let shows_text = matches!(
            e.kind(),
            ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        );
        if shows_text {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
        let text = e.to_string();
        let line = text.lines().next().unwrap_or("invalid arguments");
        let line = line.strip_prefix("error: ").unwrap_or(line);
        eprintln!("gradflow: {line} (see gradflow --help)");
        ExitCode::from(2)
    })
}

fn main() -> ExitCode {
    let cli = match parse_args() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    match cli.command {
        Command::Bench(args) => bench(&args),
        Command::Fit(args) => commands::fit_main(&args),
        Command::Convert(args) => report("convert", commands::run_convert(&args)),
        Command::Plot(args) => report("plot", cmd_plot::run_plot(&args)),
        Command::Sample(args) => {
            let settings = DemoSettings {
                target: args.target,
                sampler: args.sampler,
                step: args.step,
                inner_iters: args.inner_iters,
                chains: args.chains,
                steps: args.steps,
                seed: args.seed,
                threads: args.threads,
            };
            match demo::run(settings) {
                Ok(report) => {
                    println!("{report}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("gradflow sample: {e}");
                    ExitCode::FAILURE
                }
            }
        }
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
