//! Sampling the latents z | x of a joint energy model file (a latent-variable EBM over
//! rows `(x, z)`, observed coordinates first): what `gradflow sample --model M.gfm --given
//! X` runs, on the batched host path ([`crate::lvebm::Conditional`] with
//! [`crate::ebm::move_particles`]).

use std::time::Instant;

use gradflow_core::model::ModelKind;
use gradflow_core::{BatchReport, SamplerSettings, StreamRng};

use super::SampleError;
use crate::SettingError;
use crate::data::Samples;
use crate::ebm::{MlpEnergy, move_particles};
use crate::engine::Network;
use crate::lvebm::Conditional;
use crate::modelio::ModelBytes;

/// The result of [`sample_conditional`].
#[derive(Clone, Debug)]
pub struct ConditionalRun {
    /// The final latents: one row of dz values per particle, particle `p = i·chains + c`
    /// for observed row i and its chain c.
    pub samples: Samples,
    /// Gradient evaluations and MALA acceptances, summed over particles.
    pub report: BatchReport,
    /// Wall-clock seconds of the sampling.
    pub seconds: f64,
}

/// The latent dimension dz = d − dx of a joint energy model of dimension d given observed
/// rows of dx columns; refuses a model that is not an energy, dx outside 1..d, or, for a
/// latent energy (which records its split), dx other than its x_dim.
pub fn latent_dim(model: &ModelBytes, dx: usize) -> Result<usize, SampleError> {
    let a = *model.view().architecture();
    if !a.kind.is_energy() {
        return Err(SampleError::NotAnEnergy(a.kind));
    }
    let d = a.in_dim();
    if a.kind == ModelKind::LatentEnergy && dx != a.x_dim() {
        return Err(SampleError::Setting(SettingError::new(
            "given",
            format!(
                "has {dx} columns, but the latent energy model records x_dim = {} (and \
                 z_dim = {}): it needs exactly {} columns",
                a.x_dim(),
                a.z_dim(),
                a.x_dim()
            ),
        )));
    }
    if dx == 0 || dx >= d {
        return Err(SampleError::Setting(SettingError::new(
            "given",
            format!(
                "has {dx} columns, but the joint model has dimension {d}: it needs 1 to {} \
                 columns, the latents being the remaining ones",
                d.saturating_sub(1)
            ),
        )));
    }
    Ok(d - dx)
}

/// Samples z | xᵢ of the joint energy `model` for every observed row of `given` (n × dx),
/// `chains` particles per row, each moved `steps` steps of `step` from its row of `init`
/// (n·chains × dz). The model is evaluated in f64 (its f32 weights widened) on `threads`
/// threads (0: one per core); the result does not depend on it.
///
/// Particle `p = i·chains + c` (row i, chain c) draws from `StreamRng::new(seed, p)`: the
/// stream that `gf_rng_init_streams(seed, 0, rngs, n·chains)` gives particle p in C, so
/// `gf_sample_conditional_f64` on the same rows (row i repeated `chains` times), starts,
/// seed and steps gives these samples (to rounding: the batched network sums in another
/// order). [`super::normal_init`]`(n·chains, dz, 1, seed)` is the documented default start.
#[allow(clippy::too_many_arguments)]
pub fn sample_conditional(
    model: &ModelBytes,
    given: &Samples,
    chains: usize,
    step: &SamplerSettings,
    init: &Samples,
    steps: usize,
    seed: u64,
    threads: usize,
) -> Result<ConditionalRun, SampleError> {
    let dx = given.d;
    let dz = latent_dim(model, dx)?;
    let bad = |field, what: String| Err(SampleError::Setting(SettingError::new(field, what)));
    if given.n == 0 {
        return bad(
            "given",
            "has no rows: need at least one observed row".into(),
        );
    }
    if chains == 0 {
        return bad("chains", "must be at least 1 per observed row".into());
    }
    if let Some(k) = given.data.iter().position(|v| !v.is_finite()) {
        return bad(
            "given",
            format!(
                "row {}, column {} (0-based) is NaN or infinite",
                k / dx,
                k % dx
            ),
        );
    }
    let n = given.n * chains;
    if (init.n, init.d) != (n, dz) {
        return bad(
            "init",
            format!(
                "is {} × {}; {} observed rows × {chains} chains of dimension {dz} need \
                 {n} × {dz}",
                init.n, init.d, given.n
            ),
        );
    }
    if let Some(k) = init.data.iter().position(|v| !v.is_finite()) {
        return bad(
            "init",
            format!(
                "latent of particle {} is NaN or infinite in coordinate {}",
                k / dz,
                k % dz
            ),
        );
    }
    let observed: Vec<f64> = given
        .rows()
        .flat_map(|row| std::iter::repeat_n(row, chains).flatten().copied())
        .collect();
    let joint = MlpEnergy::<f64>::new(Network::from_view(&model.view()), threads);
    let energy = Conditional::new(&joint, &observed, dx).map_err(SampleError::Particles)?;
    let mut z = init.data.clone();
    let mut rngs: Vec<_> = StreamRng::streams(seed, 0, n).collect();
    let start = Instant::now();
    let report =
        move_particles(&energy, step, &mut z, &mut rngs, steps).map_err(SampleError::Particles)?;
    Ok(ConditionalRun {
        samples: Samples { n, d: dz, data: z },
        report,
        seconds: start.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use gradflow_core::model::ModelEval;
    use gradflow_core::{Activation, SamplerKind, conditional_work_len, run_conditional};

    use super::*;
    use crate::sampling::normal_init;

    /// A 3 → 16 → 16 → 1 joint energy over (x, z) ∈ ℝ¹ × ℝ², as a model file.
    fn joint_model() -> ModelBytes {
        let net = Network::<f64>::energy(3, &[16, 16], Activation::Silu, 5).unwrap();
        ModelBytes::encode(net.architecture(), &net.to_f32_params()).unwrap()
    }

    /// The batched host path against the core's per-particle driver (`run_conditional`,
    /// the C API's loop) on the same model, rows, starts and streams: the same states to
    /// rounding (the batched products sum in another order), for every scheme.
    #[test]
    fn the_host_path_follows_the_core_kernels() {
        let model = joint_model();
        let given = Samples {
            n: 7,
            d: 1,
            data: (0..7).map(|i| i as f64 * 0.5 - 1.5).collect(),
        };
        let chains = 3;
        let n = given.n * chains;
        let init = normal_init(n, 2, 1.0, 4);
        let view = model.view();
        let mut model_scratch = vec![0.0; view.scratch_len()];
        let joint = ModelEval::energy(&view, &mut model_scratch).unwrap();
        let observed: Vec<f64> = (0..n).map(|p| given.data[p / chains]).collect();
        for (kind, step, inner_iters) in [
            (SamplerKind::Ula, 0.05, 0),
            (SamplerKind::Jko, 0.05, 3),
            (SamplerKind::Jko2, 0.05, 2),
            (SamplerKind::Mala, 4.0, 0),
        ] {
            let scheme = SamplerSettings {
                step,
                inner_iters,
                ..SamplerSettings::of(kind)
            };
            let run = sample_conditional(&model, &given, chains, &scheme, &init, 8, 4, 2).unwrap();
            let mut z = init.data.clone();
            let mut rngs: Vec<_> = StreamRng::streams(4, 0, n).collect();
            let mut scratch = vec![0.0; conditional_work_len(3) + 16];
            let core = run_conditional(
                &scheme.kernel::<f64>().unwrap(),
                &joint,
                1,
                &observed,
                &mut z,
                &mut rngs,
                8,
                &mut scratch,
            )
            .unwrap();
            let worst = z
                .iter()
                .zip(&run.samples.data)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            assert!(worst < 1e-10, "{scheme}: host and core differ by {worst}");
            let moved = z.iter().zip(&init.data).any(|(a, b)| a != b);
            assert!(moved, "{scheme}: nothing moved");
            assert_eq!(run.report, core, "{scheme}");
            if kind == SamplerKind::Mala {
                assert!(
                    core.accepted > 0 && core.accepted < core.steps,
                    "MALA accepted {} of {}",
                    core.accepted,
                    core.steps
                );
            }
        }
    }

    #[test]
    fn bad_splits_rows_and_starts_are_refused() {
        let model = joint_model();
        let step = SamplerSettings {
            step: 0.1,
            ..SamplerSettings::of(SamplerKind::Ula)
        };
        let run = |given: &Samples, init: &Samples| {
            sample_conditional(&model, given, 1, &step, init, 1, 0, 1)
                .unwrap_err()
                .to_string()
        };
        let three = Samples {
            n: 1,
            d: 3,
            data: vec![0.0; 3],
        };
        let err = run(&three, &normal_init(1, 0, 1.0, 0));
        assert!(err.contains("3 columns") && err.contains("1 to 2"), "{err}");
        let nan = Samples {
            n: 2,
            d: 1,
            data: vec![0.0, f64::NAN],
        };
        let err = run(&nan, &normal_init(2, 2, 1.0, 0));
        assert!(err.contains("row 1, column 0"), "{err}");
        let ok = Samples {
            n: 2,
            d: 1,
            data: vec![0.0, 1.0],
        };
        let err = run(&ok, &normal_init(3, 2, 1.0, 0));
        assert!(err.contains("need 2 × 2"), "{err}");
        let arch = gradflow_core::model::Architecture::mlp(
            ModelKind::Velocity,
            Activation::Silu,
            3,
            &[4],
            3,
        )
        .unwrap();
        let velocity = ModelBytes::encode(&arch, &vec![0.0; arch.n_params()]).unwrap();
        assert!(matches!(
            latent_dim(&velocity, 1),
            Err(SampleError::NotAnEnergy(ModelKind::Velocity))
        ));
    }

    /// A latent-energy file records its split: the same weights as [`joint_model`] give
    /// the same samples at the recorded x_dim = 1, and any other column count is refused
    /// (a plain energy of the same dimension takes dx = 2).
    #[test]
    fn a_latent_energy_model_needs_its_recorded_split() {
        let net = Network::<f64>::latent_energy(1, 2, &[16, 16], Activation::Silu, 5).unwrap();
        let latent = ModelBytes::encode(net.architecture(), &net.to_f32_params()).unwrap();
        let plain = joint_model();
        assert_eq!(latent.params(), plain.params());
        assert_eq!(latent_dim(&latent, 1).unwrap(), 2);
        let err = latent_dim(&latent, 2).unwrap_err().to_string();
        assert!(
            err.contains("2 columns") && err.contains("x_dim = 1"),
            "{err}"
        );
        assert_eq!(latent_dim(&plain, 2).unwrap(), 1);
        let given = Samples {
            n: 3,
            d: 1,
            data: vec![-1.0, 0.0, 1.0],
        };
        let step = SamplerSettings {
            step: 0.5,
            ..SamplerSettings::of(SamplerKind::Mala)
        };
        let init = normal_init(3, 2, 1.0, 2);
        let a = sample_conditional(&latent, &given, 1, &step, &init, 5, 7, 1).unwrap();
        let b = sample_conditional(&plain, &given, 1, &step, &init, 5, 7, 1).unwrap();
        assert_ne!(a.samples.data, init.data);
        assert_eq!(a.samples.data, b.samples.data);
    }
}
