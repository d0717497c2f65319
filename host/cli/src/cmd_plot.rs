//! The `plot` subcommand of the `gradflow` tool: PNG plots of samples, trajectories,
//! energy landscapes and image grids.

use std::path::{Path, PathBuf};

use crate::flags::message;
use gradflow::data::{DataError, Dataset2d, Samples, digits};
use gradflow::demo::Target;
use gradflow::plot::{
    Bounds, EnergyPlot, Figure, ModelEnergy, PlotError, PlotOptions, PlotStats, Potential, Series,
    Shading, TileOptions, Trajectories, energy_map, image_grid, scatter, trajectories,
};

/// The most points `--dataset` draws.
const MAX_DATASET_POINTS: usize = 10_000_000;

#[derive(clap::Args)]
pub struct PlotArgs {
    #[command(subcommand)]
    kind: PlotKind,
}

#[derive(clap::Subcommand)]
enum PlotKind {
    /// Scatter plot of 2D samples (.npy or .csv, n × 2), several files overlaid.
    Samples(SamplesArgs),
    /// An energy landscape as a colour map (density exp(−E) or E), optionally with samples.
    Energy(EnergyArgs),
    /// Particle paths from a (T, N, 2) .npy, or (T·N) × 2 rows with --frames T.
    Trajectories(TrajectoriesArgs),
    /// A grid of square greyscale images, one per row (default: the built-in 8×8 digits).
    Digits(DigitsArgs),
}

/// Options every plot takes.
#[derive(clap::Args)]
struct Common {
    /// Output PNG file (written atomically).
    #[arg(long, short)]
    out: PathBuf,
    /// Image width in pixels.
    #[arg(long, default_value_t = 800)]
    width: u32,
    /// Image height in pixels.
    #[arg(long, default_value_t = 800)]
    height: u32,
    /// Title (default: describes the input).
    #[arg(long)]
    title: Option<String>,
    /// Fixed axis range x_min,x_max,y_min,y_max (default: from the data).
    #[arg(long, allow_hyphen_values = true)]
    range: Option<String>,
}

#[derive(clap::Args)]
struct SamplesArgs {
    /// Sample files (.npy or .csv), one point per row.
    files: Vec<PathBuf>,
    /// Plot a built-in 2D data set first: 8gaussians, moons, scurve, checkerboard, rings,
    /// swissroll.
    #[arg(long)]
    dataset: Option<String>,
    /// Points drawn from --dataset.
    #[arg(long, default_value_t = 2000)]
    n: usize,
    /// Seed of --dataset.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Legend labels, comma-separated, one per set (default: data set and file names).
    #[arg(long)]
    labels: Option<String>,
    #[command(flatten)]
    common: Common,
}

/// The built-in potentials of `gradflow plot energy`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum PotentialName {
    /// Müller–Brown times --scale.
    MullerBrown,
    /// The double well --barrier·(x² − 1)² + ½·--stiffness·y².
    DoubleWell,
    /// The three-component mixture of `gradflow sample`.
    Mixture,
    /// The Gaussian of `gradflow sample`.
    Gaussian,
}

/// What the colours of an energy plot show.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum ShadeName {
    /// exp(−E) relative to its maximum (bright where E is low).
    Density,
    /// E itself, up to its 95th percentile on the grid.
    Energy,
}

#[derive(clap::Args)]
struct EnergyArgs {
    /// A gradflow energy model of 2D points (.gfm).
    #[arg(long)]
    model: Option<PathBuf>,
    /// A built-in potential instead of a model.
    #[arg(long, value_enum)]
    potential: Option<PotentialName>,
    /// Müller–Brown scale (inverse temperature).
    #[arg(long, default_value_t = 0.05)]
    scale: f64,
    /// Double-well barrier height.
    #[arg(long, default_value_t = 1.0)]
    barrier: f64,
    /// Double-well transverse stiffness.
    #[arg(long, default_value_t = 1.0)]
    stiffness: f64,
    /// Samples to draw on top (.npy or .csv, n × 2).
    #[arg(long)]
    samples: Option<PathBuf>,
    /// What the colours show.
    #[arg(long, value_enum, default_value = "density")]
    shade: ShadeName,
    /// Grid cells per axis where the energy is evaluated.
    #[arg(long, default_value_t = 200)]
    grid: usize,
    /// Contour lines (0: none).
    #[arg(long, default_value_t = 8)]
    levels: usize,
    #[command(flatten)]
    common: Common,
}

#[derive(clap::Args)]
struct TrajectoriesArgs {
    /// A .npy of shape (T, N, 2), or a .npy/.csv of (T·N) × 2 rows (frame after frame)
    /// with --frames T.
    file: PathBuf,
    /// Number of frames T of a 2-D file.
    #[arg(long)]
    frames: Option<usize>,
    #[command(flatten)]
    common: Common,
}

#[derive(clap::Args)]
struct DigitsArgs {
    /// Images (.npy or .csv), one per row of s² values; default: the built-in digits.
    file: Option<PathBuf>,
    /// Images shown (the first ones).
    #[arg(long, default_value_t = 64)]
    max: usize,
    /// Images per row of the grid (default: as square as possible).
    #[arg(long)]
    columns: Option<usize>,
    /// Side s of the square images (default: √(values per row)).
    #[arg(long)]
    side: Option<usize>,
    /// Values drawn white and black, lo,hi (default: [min(0, smallest), largest]).
    #[arg(long, allow_hyphen_values = true)]
    value_range: Option<String>,
    #[command(flatten)]
    common: Common,
}

/// Runs `gradflow plot`.
pub fn run_plot(args: &PlotArgs) -> Result<(), String> {
    let text = |e: Failure| match e {
        Failure::Plot(e) => message(&e),
        Failure::Args(what) => what,
    };
    match &args.kind {
        PlotKind::Samples(a) => plot_samples(a).map_err(text),
        PlotKind::Energy(a) => plot_energy(a).map_err(text),
        PlotKind::Trajectories(a) => plot_trajectories(a).map_err(text),
        PlotKind::Digits(a) => plot_digits(a).map_err(text),
    }
}

/// Why `gradflow plot` failed: the library refused (its settings named by their flags when
/// shown), or the command line is inconsistent (the message names the flags).
enum Failure {
    Plot(PlotError),
    Args(String),
}

impl From<PlotError> for Failure {
    fn from(e: PlotError) -> Self {
        Self::Plot(e)
    }
}

impl From<DataError> for Failure {
    fn from(e: DataError) -> Self {
        Self::Plot(e.into())
    }
}

fn settings(msg: impl Into<String>) -> Failure {
    Failure::Args(msg.into())
}

/// The options from the common arguments, with `title` unless --title is given.
fn options(c: &Common, title: String) -> Result<PlotOptions, Failure> {
    let is_png = c
        .out
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("png"));
    if !is_png {
        return Err(settings(format!(
            "{}: the output must be a .png file",
            c.out.display()
        )));
    }
    let bounds = c.range.as_deref().map(str::parse::<Bounds>).transpose()?;
    Ok(PlotOptions {
        width: c.width,
        height: c.height,
        title: c.title.clone().unwrap_or(title),
        bounds,
        ..PlotOptions::default()
    })
}

fn name_of(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into(),
    )
}

/// Reads an n×2 sample file, with errors that name it.
fn read_points(path: &Path) -> Result<Series, PlotError> {
    let samples = Samples::read(path)?;
    let series = Series::from_samples(path.display().to_string(), &samples)?;
    if series.points.is_empty() {
        return Err(PlotError::Empty {
            what: path.display().to_string(),
        });
    }
    if !series
        .points
        .iter()
        .any(|p| p[0].is_finite() && p[1].is_finite())
    {
        return Err(PlotError::NoFinite {
            what: path.display().to_string(),
            count: series.points.len(),
        });
    }
    Ok(series)
}

/// Writes the figure and prints what it shows: `unit` is what was drawn, `point` what the
/// skipped counts count.
fn finish(figure: &Figure, out: &Path, unit: &str, point: &str) -> Result<(), Failure> {
    figure.write_png(out)?;
    let PlotStats {
        drawn,
        non_finite,
        outside,
        thinned,
    } = figure.stats;
    let mut line = format!(
        "wrote {} ({}×{})",
        out.display(),
        figure.width,
        figure.height
    );
    if !unit.is_empty() {
        line.push_str(&format!(": {drawn} {unit} drawn"));
    }
    for (count, what) in [
        (non_finite, format!("{point} skipped as NaN or infinite")),
        (outside, format!("{point} outside the axis range")),
        (thinned, format!("{unit} left out")),
    ] {
        if count > 0 {
            line.push_str(&format!(", {count} {what}"));
        }
    }
    println!("{line}");
    Ok(())
}

fn plot_samples(a: &SamplesArgs) -> Result<(), Failure> {
    let mut series = Vec::new();
    if let Some(name) = &a.dataset {
        let set: Dataset2d = name
            .parse()
            .map_err(|e| settings(format!("--dataset: {e}")))?;
        if !(1..=MAX_DATASET_POINTS).contains(&a.n) {
            return Err(settings(format!(
                "--n {} is out of range 1..={MAX_DATASET_POINTS}",
                a.n
            )));
        }
        series.push(Series::new(
            set.name(),
            set.sample(a.n, a.seed)
                .chunks_exact(2)
                .map(|r| [r[0], r[1]])
                .collect(),
        ));
    }
    for path in &a.files {
        let mut s = read_points(path)?;
        s.label = path
            .file_stem()
            .map_or_else(|| name_of(path), |n| n.to_string_lossy().into());
        series.push(s);
    }
    if series.is_empty() {
        return Err(settings(
            "nothing to plot: give sample files or --dataset NAME",
        ));
    }
    if let Some(labels) = &a.labels {
        let labels: Vec<&str> = labels.split(',').map(str::trim).collect();
        if labels.len() != series.len() {
            return Err(settings(format!(
                "--labels has {} labels for {} sample sets",
                labels.len(),
                series.len()
            )));
        }
        for (s, l) in series.iter_mut().zip(labels) {
            s.label = l.to_owned();
        }
    }
    let title = series
        .iter()
        .map(|s| s.label.as_str())
        .collect::<Vec<_>>()
        .join(" vs ");
    let figure = scatter(&series, &options(&a.common, title)?)?;
    finish(&figure, &a.common.out, "points", "points")
}

fn plot_energy(a: &EnergyArgs) -> Result<(), Failure> {
    let samples = a.samples.as_deref().map(read_points).transpose()?;
    let shading = match a.shade {
        ShadeName::Density => Shading::Density,
        ShadeName::Energy => Shading::Energy,
    };
    let shown = match shading {
        Shading::Density => "density exp(−E)",
        Shading::Energy => "energy E",
    };
    let plot = EnergyPlot {
        shading,
        grid: a.grid,
        levels: a.levels,
        samples_label: a
            .samples
            .as_deref()
            .map_or_else(|| "samples".into(), name_of),
    };
    let figure = match (&a.model, a.potential) {
        (Some(path), None) => {
            let mut model = ModelEnergy::read(path)?;
            let name = name_of(path);
            let opts = options(&a.common, format!("{name}: {shown}"))?;
            if opts.bounds.is_none() && samples.is_none() {
                return Err(settings(format!(
                    "{}: a model's plot needs --range x_min,x_max,y_min,y_max or --samples",
                    path.display()
                )));
            }
            energy_map(|x| model.energy(x), &name, samples.as_ref(), &plot, &opts)?
        }
        (None, Some(p)) => {
            let potential = match p {
                PotentialName::MullerBrown => Potential::MullerBrown { scale: a.scale },
                PotentialName::DoubleWell => Potential::DoubleWell {
                    barrier: a.barrier,
                    stiffness: a.stiffness,
                },
                PotentialName::Mixture => Potential::Demo(Target::Mixture),
                PotentialName::Gaussian => Potential::Demo(Target::Gaussian),
            };
            let energy = potential.energy_fn()?;
            let name = potential.name();
            let mut opts = options(&a.common, format!("{name}: {shown}"))?;
            if opts.bounds.is_none() {
                opts.bounds = Some(potential.domain());
            }
            energy_map(energy, &name, samples.as_ref(), &plot, &opts)?
        }
        (Some(_), Some(_)) => return Err(settings("give --model or --potential, not both")),
        (None, None) => {
            return Err(settings(
                "no energy: give --model FILE.gfm or --potential NAME",
            ));
        }
    };
    let unit = if a.samples.is_some() { "samples" } else { "" };
    finish(&figure, &a.common.out, unit, "samples")
}

fn plot_trajectories(a: &TrajectoriesArgs) -> Result<(), Failure> {
    let traj = Trajectories::read(&a.file, a.frames)?;
    let shown = traj.particles.min(gradflow::plot::MAX_PARTICLES);
    let of = if shown < traj.particles {
        format!("{shown} of {} particles", traj.particles)
    } else {
        format!("{} particles", traj.particles)
    };
    let title = format!("{}: {of}, {} frames", name_of(&a.file), traj.frames);
    let figure = trajectories(&traj, &options(&a.common, title)?)?;
    finish(&figure, &a.common.out, "particles", "positions")
}

fn parse_value_range(text: &str) -> Result<[f64; 2], Failure> {
    let bad = || settings(format!("--value-range {text:?} is not lo,hi"));
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let [lo, hi] = parts[..] else {
        return Err(bad());
    };
    Ok([
        lo.parse().map_err(|_| bad())?,
        hi.parse().map_err(|_| bad())?,
    ])
}

fn plot_digits(a: &DigitsArgs) -> Result<(), Failure> {
    let (images, source) = match &a.file {
        Some(path) => (Samples::read(path)?, name_of(path)),
        None => (digits().samples(), "8×8 digits (scikit-learn)".to_owned()),
    };
    if a.max == 0 {
        return Err(settings("--max must be at least 1"));
    }
    if a.common.range.is_some() {
        return Err(settings(
            "--range does not apply to image grids; use --value-range lo,hi",
        ));
    }
    let tiles = TileOptions {
        side: a.side,
        max_images: a.max,
        columns: a.columns,
        range: a
            .value_range
            .as_deref()
            .map(parse_value_range)
            .transpose()?,
    };
    let shown = images.n.min(a.max);
    let title = format!("{source}: first {shown} of {} images", images.n);
    let figure = image_grid(&images, &tiles, &options(&a.common, title)?).map_err(|e| {
        match (e, &a.file) {
            // Name the file in shape errors.
            (
                PlotError::Shape {
                    found, expected, ..
                },
                Some(path),
            ) => PlotError::Shape {
                what: path.display().to_string(),
                found,
                expected,
            },
            (PlotError::Empty { .. }, Some(path)) => PlotError::Empty {
                what: path.display().to_string(),
            },
            (PlotError::NoFinite { count, .. }, Some(path)) => PlotError::NoFinite {
                what: path.display().to_string(),
                count,
            },
            (e, _) => e,
        }
    })?;
    finish(&figure, &a.common.out, "images", "pixels")
}
