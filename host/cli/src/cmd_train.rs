//! The `train` and `flow-sample` subcommands: learn a flow (NSGF, NSGF++, FM, OT-CFM) on a
//! built-in 2D data set or a data file in any dimension, and sample a trained flow from its
//! manifest. `train ebm` is in
//! `cmd_train_ebm`.

use crate::progress_bar::progress_bar;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use crate::cmd_device::open_device;
use crate::flags::message;
use gradflow::data::{
    DEFAULT_TEST_FRACTION, DIGITS_TEST_FRACTION, DataError, DataSet, Samples, Standardize,
    digits_data_set,
};
use gradflow::engine::DeviceChoice;
use gradflow::flows::{
    Compute, Coupling, Evaluation, Flow, FlowSettings, FlowTrainer, HeldOutTracker, Method,
    Problem, Sampling, data_floor, eval_target, evaluate, flow_figure, iid_w2_floor, trainer_on,
};
use gradflow::metrics::{SAMPLE_SINKHORN_BLUR, SampleMetrics};
use gradflow::plot::{PlotOptions, TileOptions, image_grid};
use gradflow::train::{
    NoValidation, RunOptions, RunOutcome, TrainError, Trainer, Validation, ctrl_c_flag,
    run_validated,
};

/// The methods, as `gradflow train` names them.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum TrainMethod {
    /// Neural Sinkhorn gradient flow (velocity regressed on Sinkhorn-flow trajectories).
    Nsgf,
    /// NSGF++: ≤ 5 NSGF steps, a time predictor, then a straight flow.
    Nsgfpp,
    /// Flow matching, independent coupling.
    Fm,
    /// Flow matching, exact minibatch OT coupling.
    Otcfm,
    /// An energy-based model by maximum likelihood, particles moved by ula, jko, jko2 or
    /// mala (see the EBM options).
    Ebm,
    /// A latent-variable EBM over (x, z) by coupled particle dynamics (see the lvebm
    /// options).
    Lvebm,
}

impl TrainMethod {
    fn method(self) -> Method {
        match self {
            Self::Nsgf => Method::Nsgf,
            Self::Nsgfpp => Method::NsgfPp,
            Self::Fm => Method::Fm,
            Self::Otcfm => Method::OtCfm,
            Self::Ebm | Self::Lvebm => {
                unreachable!("train ebm / lvebm are dispatched before the flow settings")
            }
        }
    }
}

/// Options of `gradflow train`. Unset sizes take the method's defaults (FM, OT-CFM, NSGF:
/// the paper's 3×256 MLP, batch 256, 20 000 steps; NSGF++: a run of under two minutes on
/// two cores).
#[derive(clap::Args)]
pub struct TrainArgs {
    /// The method.
    #[arg(value_enum)]
    pub(crate) method: TrainMethod,
    /// The data set. Flows: 8gaussians, moons, scurve, checkerboard (from N(0, I)),
    /// 8gaussians-moons (from 8gaussians), digits (64-D, 20 % held out), or a .npy / .csv
    /// file of rows in any dimension d (from N(0, I_d)) [default: moons]. ebm: 8gaussians, rings, gmm, checkerboard or
    /// digits [default: 8gaussians]. lvebm: latent-mean, latent-precision, ppca, or a
    /// .csv / .npy file of observed rows [default: ppca].
    #[arg(long, alias = "data")]
    pub(crate) dataset: Option<String>,
    /// Flows on a data file: held-out test rows (.npy / .csv, same columns) for the
    /// evaluation [default: a seeded split of the data file, see --test-fraction].
    #[arg(long)]
    pub(crate) test: Option<PathBuf>,
    /// Flows on a data file without --test: the fraction of its rows held out for the
    /// evaluation, by a split seeded with --seed [default: 0.1].
    #[arg(long)]
    pub(crate) test_fraction: Option<f64>,
    /// Flows on a data file: per-feature (train on the training rows standardised to mean
    /// 0 and standard deviation 1 per feature; the model files still take and return data
    /// units) or none [default: per-feature].
    #[arg(long)]
    pub(crate) standardize: Option<String>,
    /// A TOML file of options: keys are the long options without their dashes
    /// (`steps = 2000`, `data = "x.npy"`, `widths = [256, 256]`, `force = true`); the
    /// command line overrides them. Paths in it are relative to the working directory.
    #[arg(long)]
    pub(crate) config: Option<PathBuf>,
    /// Seed of every random draw (weights, batches, evaluation).
    #[arg(long, default_value_t = 0)]
    pub(crate) seed: u64,
    /// Training steps (one Adam step of each network per step).
    #[arg(long)]
    pub(crate) steps: Option<u64>,
    /// Training points per network per step (ebm: data points and particles per update).
    #[arg(long)]
    pub(crate) batch: Option<usize>,
    /// Hidden widths of every network, comma-separated (e.g. 256,256,256).
    #[arg(long, value_delimiter = ',')]
    pub(crate) widths: Option<Vec<usize>>,
    /// Adam learning rate.
    #[arg(long)]
    pub(crate) lr: Option<f64>,
    /// NSGF / NSGF++: Sinkhorn-flow steps T per trajectory (NSGF++: at most 5).
    #[arg(long)]
    pub(crate) nsgf_steps: Option<usize>,
    /// NSGF / NSGF++: Sinkhorn-flow step η (the flow runs over [0, T·η]).
    #[arg(long)]
    pub(crate) eta: Option<f64>,
    /// NSGF / NSGF++: Sinkhorn blur (ε = blur²).
    #[arg(long)]
    pub(crate) blur: Option<f64>,
    /// NSGF / NSGF++: ε-scaling ratio in (0, 1).
    #[arg(long)]
    pub(crate) scaling: Option<f64>,
    /// NSGF / NSGF++: trajectory-pool capacity in records (oldest dropped).
    #[arg(long)]
    pub(crate) pool: Option<usize>,
    /// NSGF / NSGF++: particles per Sinkhorn-flow trajectory.
    #[arg(long)]
    pub(crate) particles: Option<usize>,
    /// NSGF / NSGF++: training steps between two new trajectories.
    #[arg(long)]
    pub(crate) refill_every: Option<u64>,
    /// NSGF++: straight-flow Euler step ω.
    #[arg(long)]
    pub(crate) omega: Option<f64>,
    /// NSGF++: coupling of the straight path of the time predictor and the straight flow
    /// (independent or ot).
    #[arg(long)]
    pub(crate) path_coupling: Option<String>,
    /// Output prefix: writes PREFIX.*.gfm (one model per network), PREFIX.json (the
    /// manifest) and PREFIX.png [default: the method's name].
    #[arg(long, short)]
    pub(crate) out: Option<PathBuf>,
    /// Training checkpoint [default: PREFIX.ckpt].
    #[arg(long)]
    pub(crate) checkpoint: Option<PathBuf>,
    /// Write the checkpoint every this many steps (0: only at the start, the end and on
    /// Ctrl-C).
    #[arg(long, default_value_t = 1000)]
    pub(crate) checkpoint_every: u64,
    /// Continue from the checkpoint (same settings required) instead of starting afresh.
    #[arg(long)]
    pub(crate) resume: bool,
    /// Start afresh even where an earlier run's checkpoint or PREFIX.json is, replacing its
    /// files (without it such a run is refused).
    #[arg(long, conflicts_with = "resume")]
    pub(crate) force: bool,
    /// Worker threads (0: one per core). Results do not depend on it.
    #[arg(long, default_value_t = 0)]
    pub(crate) threads: usize,
    /// Where the networks (and NSGF's Sinkhorn soft-mins) run: cpu, cuda (an NVIDIA GPU;
    /// an error if none can be used) or auto (the GPU if there is one, else the CPU). GPU
    /// results agree with the CPU's to f32 rounding; Langevin noise on a GPU comes from
    /// another generator.
    #[arg(long, default_value_t = DeviceChoice::Cpu)]
    pub(crate) device: DeviceChoice,
    /// No progress bar (there is none anyway when stderr is not a terminal).
    #[arg(long)]
    pub(crate) no_progress: bool,
    /// Evaluation draws: the printed W2 is the mean over this many independent draws of
    /// source and test points (draw 0 is the one of a single-draw run and of the figure).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub(crate) eval_draws: u64,
    /// Flows and ebm: every this many steps, score the model on the held-out points (W2,
    /// Sinkhorn divergence, MMD², energy distance; flows: 100 Euler steps, NSGF++ its own;
    /// ebm: the long-run chains of --eval-steps), show the line, append it to
    /// PREFIX.metrics.jsonl and keep the best model so far (lowest W2) as PREFIX.best.json
    /// and its models (flows) or PREFIX.best.gfm (ebm) (0: no checks).
    #[arg(long, default_value_t = 0)]
    pub(crate) eval_every: u64,
    #[command(flatten)]
    pub(crate) ebm: crate::cmd_train_ebm::EbmOptions,
    #[command(flatten)]
    pub(crate) lvebm: crate::cmd_train_lvebm::LvebmOptions,
}

/// The NSGF / NSGF++ options, by flag, and whether each was given.
pub(crate) fn nsgf_options(args: &TrainArgs) -> [(&'static str, bool); 7] {
    [
        ("--nsgf-steps", args.nsgf_steps.is_some()),
        ("--eta", args.eta.is_some()),
        ("--blur", args.blur.is_some()),
        ("--scaling", args.scaling.is_some()),
        ("--pool", args.pool.is_some()),
        ("--particles", args.particles.is_some()),
        ("--refill-every", args.refill_every.is_some()),
    ]
}

/// The settings of `args`: the method's defaults, overridden by what was given. Method
/// options given to a method that does not use them are refused.
fn settings(args: &TrainArgs) -> Result<FlowSettings, String> {
    let method = args.method.method();
    if let Some(flag) = args.ebm.given().or(args.lvebm.given()) {
        return Err(format!("{flag} does not apply to {method}"));
    }
    let problem = problem(args)?;
    let nsgf_options = nsgf_options(args);
    if matches!(method, Method::Fm | Method::OtCfm)
        && let Some((flag, _)) = nsgf_options.iter().find(|(_, given)| *given)
    {
        return Err(format!("{flag} applies to nsgf and nsgfpp only"));
    }
    if method != Method::NsgfPp && args.omega.is_some() {
        return Err("--omega applies to nsgfpp only".into());
    }
    if method != Method::NsgfPp && args.path_coupling.is_some() {
        return Err("--path-coupling applies to nsgfpp only".into());
    }
    let path_coupling = match args.path_coupling.as_deref() {
        None => None,
        Some(name) => Some(
            Coupling::from_name(name)
                .ok_or_else(|| format!("--path-coupling {name:?}: expected independent or ot"))?,
        ),
    };
    let d = FlowSettings::defaults(method);
    let n = d.nsgf;
    let s = FlowSettings {
        method,
        problem,
        seed: args.seed,
        steps: args.steps.unwrap_or(d.steps),
        batch: args.batch.unwrap_or(d.batch),
        widths: args.widths.clone().unwrap_or(d.widths.clone()),
        lr: args.lr.unwrap_or(d.lr),
        nsgf: gradflow::flows::NsgfSettings {
            steps: args.nsgf_steps.unwrap_or(n.steps),
            eta: args.eta.unwrap_or(n.eta),
            blur: args.blur.unwrap_or(n.blur),
            scaling: args.scaling.unwrap_or(n.scaling),
            pool: args.pool.unwrap_or(n.pool),
            particles: args.particles.unwrap_or(n.particles),
            refill_every: args.refill_every.unwrap_or(n.refill_every),
        },
        omega: args.omega.unwrap_or(d.omega),
        path_coupling: path_coupling.unwrap_or(d.path_coupling),
        ..d
    };
    s.validate().map_err(|e| message(&e))?;
    Ok(s)
}

/// Whether `name` names a data file (by its extension) rather than a built-in set.
pub(crate) fn is_data_file(name: &str) -> bool {
    let ext = Path::new(name).extension().and_then(|e| e.to_str());
    ext.is_some_and(|e| e.eq_ignore_ascii_case("npy") || e.eq_ignore_ascii_case("csv"))
}

/// The data-file options, by flag, and whether each was given.
pub(crate) fn data_file_options(args: &TrainArgs) -> [(&'static str, bool); 3] {
    [
        ("--test", args.test.is_some()),
        ("--test-fraction", args.test_fraction.is_some()),
        ("--standardize", args.standardize.is_some()),
    ]
}

/// Refuses the data-file options for a built-in data set.
pub(crate) fn refuse_data_file_options(args: &TrainArgs) -> Result<(), String> {
    match data_file_options(args)
        .iter()
        .find_map(|(flag, given)| given.then_some(flag))
    {
        Some(flag) => Err(format!(
            "{flag} applies to a data file (--dataset FILE.npy|.csv), not to the built-in \
             sets"
        )),
        None => Ok(()),
    }
}

/// The data set in the file `name`, with the held-out rows of `--test` or
/// `--test-fraction`.
pub(crate) fn user_data(args: &TrainArgs, name: &str) -> Result<DataSet, String> {
    // The data module's errors name the file.
    let read = |flag: &str, path: &Path| Samples::read(path).map_err(|e| format!("{flag}: {e}"));
    let all = read("--dataset", Path::new(name))?;
    match (&args.test, args.test_fraction) {
        (Some(_), Some(_)) => {
            return Err("--test and --test-fraction exclude each other".into());
        }
        (Some(test), None) => DataSet::with_test(name, all, read("--test", test)?),
        (None, fraction) => DataSet::split(
            name,
            &all,
            fraction.unwrap_or(DEFAULT_TEST_FRACTION),
            args.seed,
        ),
    }
    .map_err(|e| match e {
        DataError::Fraction(_) => format!(
            "--test-fraction {}: must be in (0, 1)",
            args.test_fraction.unwrap_or(f64::NAN)
        ),
        e => format!("--dataset {name}: {e}"),
    })
}

/// `--standardize`, or its default.
pub(crate) fn standardize(args: &TrainArgs) -> Result<Standardize, String> {
    match args.standardize.as_deref() {
        None => Ok(Standardize::default()),
        Some(name) => name.parse().map_err(|e| format!("--standardize: {e}")),
    }
}

/// The problem of `--dataset` (a built-in 2D name, `digits`, or a data file).
fn problem(args: &TrainArgs) -> Result<Problem, String> {
    let name = args.dataset.as_deref().unwrap_or("moons");
    if name == "digits" {
        if let Some((flag, _)) = data_file_options(args)[..2]
            .iter()
            .find(|(_, given)| *given)
        {
            return Err(format!(
                "{flag}: the digits have a fixed held-out split ({} %, seeded by --seed)",
                100.0 * DIGITS_TEST_FRACTION
            ));
        }
        return Ok(Problem::from_data(
            digits_data_set(args.seed),
            standardize(args)?,
        ));
    }
    if !is_data_file(name) {
        refuse_data_file_options(args)?;
        return name.parse().map_err(|e| {
            format!("--dataset: {e}, digits, or a .npy / .csv file of rows in any dimension")
        });
    }
    Ok(Problem::from_data(
        user_data(args, name)?,
        standardize(args)?,
    ))
}

/// `PREFIX` with `.suffix` appended to its file name.
pub(crate) fn with_suffix(prefix: &Path, suffix: &str) -> PathBuf {
    let mut p = prefix.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// The output prefix (`--out`, or `default`) and the checkpoint path (`--checkpoint`, or
/// PREFIX.ckpt) of a training run. A fresh run (no `--resume`) whose PREFIX.json is
/// already there, an earlier run's, is refused unless `--force`; the checkpoint is checked
/// by the run itself.
pub(crate) fn run_paths(args: &TrainArgs, default: &str) -> Result<(PathBuf, PathBuf), String> {
    let prefix = args.out.clone().unwrap_or_else(|| PathBuf::from(default));
    if prefix.file_name().is_none() {
        return Err(format!("--out {}: not a file name", prefix.display()));
    }
    let checkpoint = args
        .checkpoint
        .clone()
        .unwrap_or_else(|| with_suffix(&prefix, ".ckpt"));
    let earlier = [".json", ".metrics.jsonl", ".best.json", ".best.gfm"]
        .map(|suffix| with_suffix(&prefix, suffix))
        .into_iter()
        .find(|path| path.exists());
    if !args.resume
        && !args.force
        && let Some(path) = earlier
    {
        return Err(format!(
            "{} already exists (an earlier run's output): choose another --out, continue that \
             run with --resume, or start afresh over it with --force",
            path.display()
        ));
    }
    Ok((prefix, checkpoint))
}

/// How a driven run ended.
pub(crate) enum Driven {
    /// All steps done.
    Finished {
        /// `", resumed at UNIT N"` for a resumed run, else empty.
        resumed: String,
    },
    /// Ctrl-C: the checkpoint was written; the line to print.
    Interrupted(String),
}

/// Runs `t` to `total` steps ("`unit`s" in messages) with the checkpoint, progress and
/// Ctrl-C options of `args`; a divergence error suggests `hint`.
pub(crate) fn drive<T: Trainer + ?Sized>(
    t: &mut T,
    args: &TrainArgs,
    total: u64,
    checkpoint: &Path,
    unit: &str,
    hint: &str,
) -> Result<Driven, String> {
    drive_validated(t, args, total, checkpoint, unit, hint, &mut NoValidation)
}

/// [`drive`], with `validation`'s checks.
pub(crate) fn drive_validated<T: Trainer + ?Sized, V: Validation<T> + ?Sized>(
    t: &mut T,
    args: &TrainArgs,
    total: u64,
    checkpoint: &Path,
    unit: &str,
    hint: &str,
    validation: &mut V,
) -> Result<Driven, String> {
    let options = RunOptions {
        total_steps: total,
        checkpoint: Some(checkpoint.to_path_buf()),
        checkpoint_every: args.checkpoint_every,
        resume: args.resume,
        overwrite: args.force,
        progress: progress_bar(!args.no_progress),
        interrupt: Some(
            ctrl_c_flag().map_err(|e| format!("cannot install the Ctrl-C handler: {e}"))?,
        ),
    };
    match run_validated(t, &options, validation) {
        Ok(RunOutcome::Finished { started_at, .. }) => Ok(Driven::Finished {
            resumed: if started_at > 0 {
                format!(", resumed at {unit} {started_at}")
            } else {
                String::new()
            },
        }),
        Ok(RunOutcome::Interrupted { step, .. }) => Ok(Driven::Interrupted(format!(
            "interrupted at {unit} {step} of {total}; checkpoint written to {} (continue with \
             --resume and the same settings)",
            checkpoint.display()
        ))),
        Err(e @ TrainError::Diverged { .. }) => Err(format!("{e}; try {hint}")),
        Err(TrainError::CheckpointExists(path)) => Err(checkpoint_exists(&path)),
        Err(e) => Err(message(&e)),
    }
}

/// The CLI's words for [`TrainError::CheckpointExists`].
pub(crate) fn checkpoint_exists(path: &Path) -> String {
    format!(
        "{} already exists (an earlier run's checkpoint): continue that run with --resume, or \
         start afresh over it with --force",
        path.display()
    )
}

/// `gradflow train`, with its exit code: 0 done, 1 failed, 130 interrupted (after writing
/// a checkpoint).
pub fn train_main(args: &TrainArgs) -> ExitCode {
    let result = match args.method {
        TrainMethod::Ebm => crate::cmd_train_ebm::run(args),
        TrainMethod::Lvebm => crate::cmd_train_lvebm::run(args),
        _ => run_train(args),
    };
    match result {
        Ok(None) => ExitCode::SUCCESS,
        Ok(Some(message)) => {
            eprintln!("gradflow train: {message}");
            ExitCode::from(130)
        }
        Err(e) => {
            eprintln!("gradflow train: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_train(args: &TrainArgs) -> Result<Option<String>, String> {
    let start = Instant::now();
    let s = settings(args)?;
    let (prefix, checkpoint) = run_paths(args, s.method.name())?;
    let device = open_device(args.device, args.threads)?;
    let mut t = trainer_on(&s, Compute::on(device, args.threads)).map_err(|e| message(&e))?;
    let mut tracker = HeldOutTracker::new(&s.problem, args.eval_every, &prefix, args.resume)
        .map_err(|e| message(&e))?;
    let resumed = match drive_validated(
        t.as_mut(),
        args,
        s.steps,
        &checkpoint,
        "step",
        "a lower --lr",
        &mut tracker,
    )? {
        Driven::Finished { resumed } => resumed,
        Driven::Interrupted(message) => return Ok(Some(message)),
    };
    let trained = start.elapsed().as_secs_f64();
    let widths: Vec<String> = s.widths.iter().map(|w| w.to_string()).collect();
    println!(
        "trained {} on {} in {trained:.1} s ({} steps × batch {}, MLP {} SiLU, {}{resumed})",
        s.method,
        s.problem,
        s.steps,
        s.batch,
        widths.join("×"),
        t.compute().backend().name(),
    );
    if let Some(target) = s.problem.data_target() {
        let data = &target.data;
        let units = match target.standardize {
            Standardize::PerFeature => "standardised per feature on the training rows",
            Standardize::None => "in data units",
        };
        println!(
            "  data: {} training rows, {} test rows ({}), d = {}; trained {units} from \
             N(0, I_{}); the model files take and return data units",
            data.train.n,
            data.test.n,
            data.held_out,
            data.dim(),
            data.dim()
        );
    }
    let mut flow = t.flow().map_err(|e| message(&e))?;
    let manifest = flow.write(&prefix).map_err(|e| message(&e))?;
    let evals = evaluations(&flow, &s.problem, t.as_ref(), args.eval_draws)?;
    let floor = data_floor(&s.problem, s.seed, t.compute()).map_err(|e| message(&e))?;
    report(&flow, &evals, &s, floor.as_ref());
    if let Some((step, w2)) = tracker.best() {
        println!(
            "  held-out checks every {} steps: {} lines in {}; the best (W2 {w2:.4} at step \
             {step}) is {}",
            args.eval_every,
            tracker.checks(),
            tracker.metrics_path().display(),
            with_suffix(tracker.best_prefix(), ".json").display()
        );
    }
    let last = evals.last().ok_or("no evaluation")?;
    let png = with_suffix(&prefix, ".png");
    let figure = if s.problem.name() == "digits" {
        digits_grid(&last.sample.x, &png)?;
        format!("{} (the first 64 samples)", png.display())
    } else if s.problem.dim() == 2 {
        let test = eval_target(&s.problem, s.seed, 0);
        let title = format!("{} on {}, W2 {:.3}", s.method, s.problem, last.w2);
        flow_figure(&last.sample, &test, &title)
            .and_then(|f| f.write_png(&png))
            .map_err(|e| e.to_string())?;
        format!("{}", png.display())
    } else {
        format!("no figure ({}-D data)", s.problem.dim())
    };
    println!(
        "  wrote {} (models {}), {figure} and the checkpoint {}; total {:.1} s",
        manifest.display(),
        flow.manifest()
            .models
            .iter()
            .map(|(_, f)| f.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        checkpoint.display(),
        start.elapsed().as_secs_f64()
    );
    Ok(None)
}

/// The evaluations to report (each over `draws` draws): the manifest's Euler step counts
/// (10 and 100; NSGF also its own T), or NSGF++'s own; the last one keeps its
/// trajectories for the figure.
fn evaluations(
    flow: &Flow,
    problem: &Problem,
    t: &dyn FlowTrainer,
    draws: u64,
) -> Result<Vec<Evaluation>, String> {
    let steps: Vec<Option<u32>> = match &flow.manifest().sampling {
        Sampling::Euler { steps, .. } => steps.iter().map(|&k| Some(k)).collect(),
        Sampling::NsgfPp { .. } => vec![None],
    };
    let last = steps.len() - 1;
    steps
        .iter()
        .enumerate()
        .map(|(k, &st)| {
            evaluate(flow, problem, t.compute(), st, k == last, draws).map_err(|e| message(&e))
        })
        .collect()
}

/// Writes a grid of the first 64 of `images` (8×8 digits, pixels in [0, 1]) to `png`.
pub(crate) fn digits_grid(images: &[f64], png: &Path) -> Result<(), String> {
    let d = gradflow::data::DIGITS_DIM;
    let samples = Samples::new(images.len() / d, d, images.to_vec()).map_err(|e| e.to_string())?;
    let tiles = TileOptions {
        range: Some([0.0, 1.0]),
        ..TileOptions::default()
    };
    image_grid(&samples, &tiles, &PlotOptions::default())
        .and_then(|f| f.write_png(png))
        .map_err(|e| e.to_string())
}

fn report(flow: &Flow, evals: &[Evaluation], s: &FlowSettings, floor: Option<&SampleMetrics>) {
    let parts: Vec<String> = evals
        .iter()
        .map(|e| match e.steps {
            Some(k) => format!("{k} Euler steps {:.4}", e.w2),
            None => format!("{:.4} at NFE {:.2}", e.w2, e.sample.nfe),
        })
        .collect();
    let n = s.problem.eval_points(gradflow::flows::EVAL_POINTS);
    let test = match s.problem.data() {
        Some(data) => {
            let sub = if data.test.n > n {
                format!(" (a seeded subsample of the {})", data.test.n)
            } else {
                String::new()
            };
            format!("held-out rows{sub}")
        }
        None => "fresh test points".into(),
    };
    println!(
        "  exact W2, {n} generated points vs {n} {test}: {}",
        parts.join(", ")
    );
    if s.problem.data().is_some()
        && let Some(e) = evals.last()
    {
        let m = &e.metrics;
        println!(
            "  the same, last evaluation: Sinkhorn divergence {:.4} (blur {SAMPLE_SINKHORN_BLUR} \
             in the held-out rows' standard units), MMD² {:.4} (RBF σ = {:.4}, the median \
             heuristic on the held-out rows), energy distance {:.4}; worst feature: mean off \
             by {:.3} sd, sd off by {:.1} %",
            m.sinkhorn,
            m.mmd2,
            m.bandwidth,
            m.energy_distance,
            m.worst_mean_error,
            100.0 * m.worst_sd_error
        );
    }
    if let Some(f) = floor {
        println!(
            "  two-sample floor, {n} training rows vs the same held-out rows: W2 {:.4}, \
             Sinkhorn {:.4}, MMD² {:.4}, energy distance {:.4}",
            f.w2, f.sinkhorn, f.mmd2, f.energy_distance
        );
    }
    if s.method == Method::Nsgf {
        println!(
            "  (NSGF's own inference is {} steps: the training step η = {} repeated; other \
             step counts query the network between the times it was trained at)",
            s.nsgf.steps, s.nsgf.eta
        );
    }
    if let Some(e) = evals.first()
        && e.w2_draws.len() > 1
    {
        let sds: Vec<String> = evals.iter().map(|e| format!("{:.4}", e.w2_sd())).collect();
        println!(
            "  (means over {} evaluation draws of source and test points; sd over the draws {})",
            e.w2_draws.len(),
            sds.join(", ")
        );
    }
    if let Some(set) = s.problem.builtin() {
        let (floor, sd) = set.w2_floor();
        let iid = iid_w2_floor(set).map_or(String::new(), |(m, sd)| {
            format!("; an i.i.d. {n}-sample of its law (a perfect model) {m:.4} ± {sd:.4}")
        });
        println!("  W2 floors: two {n}-samples of the {set} generator {floor:.4} ± {sd:.4}{iid}");
    }
    if let Sampling::NsgfPp { nsgf_steps, .. } = flow.manifest().sampling
        && let Some(e) = evals.last()
    {
        let tau = &e.sample.tau;
        let mean = tau.iter().sum::<f64>() / tau.len().max(1) as f64;
        println!(
            "  NSGF++: {nsgf_steps} NSGF steps + 1 time prediction + {:.2} straight steps on \
             average (mean predicted time {mean:.3})",
            e.sample.nfe - f64::from(nsgf_steps) - 1.0
        );
    }
}

/// Options of `gradflow flow-sample`.
#[derive(clap::Args)]
pub struct FlowSampleArgs {
    /// The flow's manifest (PREFIX.json, written by `gradflow train`).
    #[arg(long)]
    flow: PathBuf,
    /// Samples.
    #[arg(short = 'n', long, default_value_t = 1024)]
    n: usize,
    /// Euler steps (flows sampled by Euler steps; NSGF++ sets its own) [default: 100].
    #[arg(long)]
    steps: Option<u32>,
    /// Seed of the source points.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Where to write the samples (.npy or .csv, n × d).
    #[arg(long, short)]
    out: PathBuf,
    /// Worker threads (0: one per core). Results do not depend on it.
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Where the networks run: cpu, cuda or auto (as for `gradflow train`).
    #[arg(long, default_value_t = DeviceChoice::Cpu)]
    device: DeviceChoice,
}

/// Runs `gradflow flow-sample`.
pub fn run_flow_sample(args: &FlowSampleArgs) -> Result<(), String> {
    let ext = args.out.extension().and_then(|e| e.to_str()).unwrap_or("");
    if !["npy", "csv"].iter().any(|e| ext.eq_ignore_ascii_case(e)) {
        return Err(format!(
            "--out {}: unknown file type: expected a .npy or .csv name",
            args.out.display()
        ));
    }
    if args.n == 0 {
        return Err("-n must be at least 1".into());
    }
    let flow = Flow::load(&args.flow).map_err(|e| message(&e))?;
    let m = flow.manifest();
    let steps = match m.sampling {
        Sampling::Euler { .. } => Some(args.steps.unwrap_or(100)),
        Sampling::NsgfPp { .. } if args.steps.is_some() => {
            return Err("--steps: NSGF++ takes its step counts from its manifest".into());
        }
        Sampling::NsgfPp { .. } => None,
    };
    if steps == Some(0) {
        return Err("--steps must be at least 1".into());
    }
    let x0 = m.source_batch(args.n, args.seed);
    let compute = Compute::on(open_device(args.device, args.threads)?, args.threads);
    let start = Instant::now();
    let sample = compute
        .install(|| flow.sample(compute.backend(), &x0, steps, false))
        .map_err(|e| message(&e))?;
    let samples = Samples::new(args.n, m.dim, sample.x).map_err(|e| e.to_string())?;
    samples.write(&args.out).map_err(|e| e.to_string())?;
    println!(
        "sampled {} ({} on {}): {} points from {} (seed {}), NFE {:.2}, {:.2} s; wrote {}",
        args.flow.display(),
        m.method,
        m.dataset,
        args.n,
        m.source_description(),
        args.seed,
        sample.nfe,
        start.elapsed().as_secs_f64(),
        args.out.display()
    );
    Ok(())
}
