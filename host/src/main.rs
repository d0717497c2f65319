//! The `gradflow` command-line tool.

mod cmd_eval;
mod cmd_sample;
mod commands;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gradflow_host::bench::{ULA_MLP_FLOPS, UlaMlpWorkload};

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
    /// Sample a built-in target against its known answer (the default), a potential or a
    /// model file into a file, or write a built-in 2D data set.
    Sample(cmd_sample::SampleArgs),
    /// Fit a 2D MLP energy to an analytic potential's energies and forces.
    Fit(commands::FitArgs),
    /// Convert a model between .gfm, .safetensors and a C array (.h).
    Convert(commands::ConvertArgs),
    /// Distances between two sample files: W2, Sinkhorn divergence, MMD², energy distance.
    Eval(cmd_eval::EvalArgs),
    /// Time one ULA step of a 2→64→64→1 SiLU MLP energy per particle on one thread.
    Bench(BenchArgs),
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

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return cli_error(&e),
    };
    match cli.command {
        Command::Bench(args) => bench(&args),
        Command::Fit(args) => report("fit", commands::run_fit(&args)),
        Command::Convert(args) => report("convert", commands::run_convert(&args)),
        Command::Sample(args) => report("sample", cmd_sample::run(&args)),
        Command::Eval(args) => report("eval", cmd_eval::run(&args)),
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
