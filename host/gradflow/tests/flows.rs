//! The flows against known answers: flow matching between Gaussians (closed-form marginal
//! velocity), the samplers against a per-particle replay through the C API
//! (`gf_integrate_f64`, `gf_time_predict_f64`, as a C program calls them), the NSGF pool
//! against the Sinkhorn engine, bit-identical resume, short runs against untrained flows,
//! and every method on samples of 8-D Gaussians (OT-CFM also 32-D) with features on scales
//! 0.01 to 100 (their moments in data units, and the C API's replay of the model file).

use gradflow::data::{DataSet, Dataset2d, Samples, Standardize};
use gradflow::engine::Network;
use gradflow::flows::{
    Compute, Flow, FlowManifest, FlowSettings, FlowTrainer, Method, ModelRole, NsgfCore,
    NsgfSettings, PathBatch, Problem, Regressor, Role, Sampling, derive_rng, derive_seed,
    eval_source, eval_target, evaluate, straight_steps, trainer,
};
use gradflow::metrics::wasserstein2;
use gradflow::modelio::ModelBytes;
use gradflow::train::{RunOptions, run};
use gradflow_capi::{
    GF_SOLVER_EULER, GF_SOLVER_NONE, GfModel, GfStatus, gf_flow_scratch_len, gf_integrate_f64,
    gf_model_open, gf_time_predict_f64,
};
use gradflow_core::model::{Architecture, ModelKind};
use gradflow_core::{Activation, StreamRng};
use serde_json::json;

/// A model of `kind` (2D) with LeCun-normal weights from `seed` and `bias` added to every
/// output bias.
fn model(kind: ModelKind, widths: &[usize], seed: u64, bias: f32) -> ModelBytes {
    let out = if kind == ModelKind::Velocity { 2 } else { 1 };
    let arch = Architecture::mlp(kind, Activation::Silu, 2, widths, out).unwrap();
    let mut net = Network::<f32>::init(arch, seed);
    let p = net.params_mut();
    let len = p.len();
    for b in &mut p[len - out..] {
        *b += bias;
    }
    ModelBytes::encode(&arch, net.params()).unwrap()
}

fn manifest(method: Method, sampling: Sampling) -> FlowManifest {
    FlowManifest::for_problem(
        method,
        &Problem::from_normal(Dataset2d::Moons),
        0,
        sampling,
        Vec::new(),
        json!({}),
    )
}

fn normals(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = StreamRng::new(seed, 0);
    (0..2 * n).map(|_| rng.normal::<f64>()).collect()
}

/// A model opened as a C program opens it (the bytes must outlive the `GfModel`).
fn open(model: &ModelBytes) -> GfModel {
    let bytes = model.as_bytes();
    let mut m = GfModel {
        bytes: std::ptr::null(),
        len: 0,
        opened: 0,
        kind: 0,
        x_dim: 0,
        z_dim: 0,
        out_dim: 0,
        n_params: 0,
    };
    // SAFETY: `bytes` is valid for its length and outlives every use of `m` in these tests
    // (the `ModelBytes` are kept alive by the caller); `m` is writable.
    let status = unsafe { gf_model_open(bytes.as_ptr(), bytes.len(), &mut m) };
    assert_eq!(status, GfStatus::Ok);
    m
}

/// The scratch `gf_flow_scratch_len` asks for.
fn scratch(model: &GfModel, solver: u32) -> Vec<f64> {
    let mut len = 0;
    // SAFETY: `model` is an opened model, `len` is writable.
    assert_eq!(
        unsafe { gf_flow_scratch_len(model, solver, &mut len) },
        GfStatus::Ok
    );
    vec![0.0; len]
}

/// `gf_integrate_f64(model, GF_SOLVER_EULER, t0, t1, steps, 1, x, d, ...)`: one particle
/// of dimension d = `x.len()`.
fn integrate(model: &GfModel, x: &mut [f64], t0: f64, t1: f64, steps: u32) {
    let mut s = scratch(model, GF_SOLVER_EULER);
    // SAFETY: every pointer is valid for the length passed with it, none overlap.
    let status = unsafe {
        gf_integrate_f64(
            model,
            GF_SOLVER_EULER,
            t0,
            t1,
            steps,
            1,
            x.as_mut_ptr(),
            x.len(),
            s.as_mut_ptr(),
            s.len(),
        )
    };
    assert_eq!(status, GfStatus::Ok);
}

/// `gf_time_predict_f64(model, 1, x, 2, t, 1, ...)`: the raw prediction for one particle.
fn predict_time(model: &GfModel, x: &[f64; 2]) -> f64 {
    let mut s = scratch(model, GF_SOLVER_NONE);
    let mut t = [0.0];
    // SAFETY: every pointer is valid for the length passed with it, none overlap.
    let status = unsafe {
        gf_time_predict_f64(
            model,
            1,
            x.as_ptr(),
            2,
            t.as_mut_ptr(),
            1,
            s.as_mut_ptr(),
            s.len(),
        )
    };
    assert_eq!(status, GfStatus::Ok);
    t[0]
}

/// An Euler flow samples as `gf_integrate_f64` integrates each particle, to 1e-12 (the
/// engine sums the matrix products in another order).
#[test]
fn euler_flow_equals_the_per_particle_c_api_replay() {
    let velocity = model(ModelKind::Velocity, &[32, 32], 1, 0.0);
    let m = manifest(
        Method::Nsgf,
        Sampling::Euler {
            t1: 2.5,
            steps: vec![10],
        },
    );
    let flow = Flow::new(m, vec![(ModelRole::Velocity, velocity.clone())]).unwrap();
    let c_velocity = open(&velocity);
    let compute = Compute::new(2);
    let x0 = normals(300, 1);
    let s = flow.sample(compute.backend(), &x0, Some(7), true).unwrap();
    assert_eq!(s.nfe, 7.0);
    assert_eq!(s.frame_count(), 8);
    assert_eq!(&s.frames[..600], &x0[..]);
    for i in 0..300 {
        let mut x = [x0[2 * i], x0[2 * i + 1]];
        integrate(&c_velocity, &mut x, 0.0, 2.5, 7);
        assert_close(&s.x[2 * i..2 * i + 2], &x, i);
    }
}

/// Agreement to 1e-12 relative (floor 1 on the scale), naming the particle.
fn assert_close(host: &[f64], core: &[f64], particle: usize) {
    for (a, b) in host.iter().zip(core) {
        assert!(
            (a - b).abs() < 1e-12 * (1.0 + b.abs()),
            "{particle}: {a} {b}"
        );
    }
}

/// NSGF++ as a C program samples it: `gf_integrate_f64` for T Euler steps of the velocity
/// on [0, Tη], τ = clamp(`gf_time_predict_f64`(x), 0, 1), then `gf_integrate_f64` for
/// ⌈(1 − τ)/ω⌉ Euler steps of the straight flow on [τ, 1], per particle (none at τ = 1);
/// NFE = T + 1 + mean steps. The host sampler equals this replay to 1e-12.
#[test]
fn nsgfpp_sampler_equals_the_per_particle_c_api_replay() {
    let (t_steps, eta, omega) = (3u32, 0.15, 0.1);
    let velocity = model(ModelKind::Velocity, &[16, 16], 2, 0.0);
    // Raw outputs spread around 0.5: some clamp to 0 and to 1.
    let time = model(ModelKind::TimePredictor, &[16, 16, 16], 3, 1.0);
    let straight = model(ModelKind::Velocity, &[24], 4, 0.0);
    let m = manifest(
        Method::NsgfPp,
        Sampling::NsgfPp {
            nsgf_steps: t_steps,
            eta,
            omega,
        },
    );
    let models = vec![
        (ModelRole::Velocity, velocity.clone()),
        (ModelRole::Time, time.clone()),
        (ModelRole::Straight, straight.clone()),
    ];
    let flow = Flow::new(m, models).unwrap();
    let compute = Compute::new(2);
    let n = 400;
    let x0 = normals(n, 2);
    let s = flow.sample(compute.backend(), &x0, None, false).unwrap();
    let (c_velocity, c_time, c_straight) = (open(&velocity), open(&time), open(&straight));
    let view = time.view();
    let mut view_scratch = vec![0.0f64; view.scratch_len()];
    let mut counts = std::collections::BTreeSet::new();
    let mut total_steps = 0u64;
    for i in 0..n {
        let mut x = [x0[2 * i], x0[2 * i + 1]];
        integrate(&c_velocity, &mut x, 0.0, f64::from(t_steps) * eta, t_steps);
        let raw = predict_time(&c_time, &x);
        assert_eq!(raw, view.predict_time(&x, &mut view_scratch).unwrap());
        let tau = raw.clamp(0.0, 1.0);
        let k = ((1.0 - tau) / omega).ceil() as u32;
        assert!(k <= 10);
        assert_eq!(k, straight_steps(tau, omega));
        assert!((s.tau[i] - tau).abs() < 1e-12, "{i}: τ {} {tau}", s.tau[i]);
        assert_eq!(s.straight_steps[i], k, "particle {i}");
        if k > 0 {
            integrate(&c_straight, &mut x, tau, 1.0, k);
        }
        counts.insert(k);
        total_steps += u64::from(k);
        assert_close(&s.x[2 * i..2 * i + 2], &x, i);
    }
    // The test covers particles clamped at τ = 0 (10 steps) and τ = 1 (none), and
    // intermediate ones.
    assert!(
        s.tau.contains(&0.0) && s.tau.contains(&1.0),
        "no clamped particle"
    );
    assert!(
        counts.contains(&0) && counts.contains(&10) && counts.len() >= 5,
        "{counts:?}"
    );
    let nfe = f64::from(t_steps) + 1.0 + total_steps as f64 / n as f64;
    assert!((s.nfe - nfe).abs() < 1e-12, "{} {nfe}", s.nfe);
}

/// Flow matching from N(0, I) to N(m, s²I) with the independent coupling: the marginal
/// path x_t = t·y + (1 − t)·x⁰ has law N(t·m, σ_t²I), σ_t² = (1 − t)² + t²s², and its
/// velocity is u(x, t) = E[y − x⁰ | x_t = x] = m + (t·s² − (1 − t))/σ_t² · (x − t·m). The
/// trained field must match it where the path has mass, and its samples must have the
/// target's moments.
#[test]
fn flow_matching_learns_the_gaussian_marginal_velocity() {
    let (m, s) = ([2.0, -1.0], 0.5);
    let arch = Architecture::mlp(ModelKind::Velocity, Activation::Silu, 2, &[64, 64], 2).unwrap();
    let mut reg = Regressor::new(arch, 11, 2e-3);
    let compute = Compute::new(2);
    let batch = 512;
    for step in 0..4000u64 {
        if step == 3000 {
            reg.set_lr(5e-4);
        }
        let mut rng = StreamRng::new(5, step);
        let x0: Vec<f64> = (0..2 * batch).map(|_| rng.normal()).collect();
        let y: Vec<f64> = (0..2 * batch)
            .map(|k| m[k % 2] + s * rng.normal::<f64>())
            .collect();
        let t: Vec<f64> = (0..batch).map(|_| rng.uniform_open01()).collect();
        let b = PathBatch { d: 2, x0, y, t };
        reg.step(&compute, &b.velocity_input(), &b.velocity_target())
            .unwrap();
    }
    let exact = |x: [f64; 2], t: f64| {
        let var = (1.0 - t).powi(2) + t * t * s * s;
        let c = (t * s * s - (1.0 - t)) / var;
        [m[0] + c * (x[0] - t * m[0]), m[1] + c * (x[1] - t * m[1])]
    };
    // RMS error of the learned field over the path's marginals at several times, against
    // the RMS of the field.
    let net = Network::<f64>::from_view(&reg.model().unwrap().view());
    let mut rng = StreamRng::new(99, 0);
    let (mut err, mut norm) = (0.0, 0.0);
    for &t in &[0.1, 0.3, 0.5, 0.7, 0.9] {
        let sd = ((1.0 - t) * (1.0 - t) + t * t * s * s).sqrt();
        let pts: Vec<[f64; 2]> = (0..500)
            .map(|_| core::array::from_fn(|k| t * m[k] + sd * rng.normal::<f64>()))
            .collect();
        let input: Vec<f64> = pts.iter().flat_map(|p| [p[0], p[1], t]).collect();
        let mut out = vec![0.0; 2 * pts.len()];
        use gradflow::engine::Backend;
        compute.backend().forward(&net, &input, &mut out).unwrap();
        for (p, v) in pts.iter().zip(out.chunks_exact(2)) {
            let u = exact(*p, t);
            err += (v[0] - u[0]).powi(2) + (v[1] - u[1]).powi(2);
            norm += u[0] * u[0] + u[1] * u[1];
        }
    }
    let rel = (err / norm).sqrt();
    // Measured 0.02–0.03; SGD noise and a finite network leave a few per cent.
    assert!(rel < 0.06, "relative RMS error of the learned field {rel}");

    // Samples: 100 Euler steps from 4000 normals. Mean within 0.05 of m (the standard
    // error is s/√4000 ≈ 0.008; the rest is the field's error), s.d. within 0.05 of s.
    let flow = Flow::new(
        manifest(
            Method::Fm,
            Sampling::Euler {
                t1: 1.0,
                steps: vec![100],
            },
        ),
        vec![(ModelRole::Velocity, reg.model().unwrap())],
    )
    .unwrap();
    let n = 4000;
    let out = flow
        .sample(compute.backend(), &normals(n, 7), Some(100), false)
        .unwrap();
    for (k, &mk) in m.iter().enumerate() {
        let mean = out.x.iter().skip(k).step_by(2).sum::<f64>() / n as f64;
        let var = out
            .x
            .iter()
            .skip(k)
            .step_by(2)
            .map(|v| (v - mean).powi(2))
            .sum::<f64>()
            / n as f64;
        assert!((mean - mk).abs() < 0.05, "mean[{k}] {mean}");
        assert!((var.sqrt() - s).abs() < 0.05, "sd[{k}] {}", var.sqrt());
    }
}

/// Small NSGF settings: 16 particles, 3 steps of 0.3, a trajectory every 5 steps.
fn small_nsgf() -> NsgfSettings {
    NsgfSettings {
        steps: 3,
        eta: 0.3,
        particles: 16,
        pool: 200,
        refill_every: 5,
        ..FlowSettings::defaults(Method::Nsgf).nsgf
    }
}

/// A run stopped at a checkpoint and resumed ends with the weights, bit for bit, of the
/// run that never stopped, for every method (NSGF's with its trajectory pool, which holds
/// 200 of the 16 × 3 × 6 records made: the oldest were dropped).
#[test]
fn resumed_runs_are_bit_identical() {
    let dir = std::env::temp_dir().join(format!("gradflow-flows-resume-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for method in Method::ALL {
        let settings = FlowSettings {
            steps: 30,
            batch: 64,
            widths: vec![16, 16],
            nsgf: small_nsgf(),
            ..FlowSettings::defaults(method)
        };
        let mut whole = trainer(&settings, 2).unwrap();
        run(whole.as_mut(), &RunOptions::new(30)).unwrap();
        let path = dir.join(format!("{method}.ckpt"));
        let options = RunOptions {
            checkpoint: Some(path.clone()),
            ..RunOptions::new(13)
        };
        run(trainer(&settings, 1).unwrap().as_mut(), &options).unwrap();
        let mut resumed = trainer(&settings, 1).unwrap();
        let options = RunOptions {
            total_steps: 30,
            resume: true,
            ..options
        };
        run(resumed.as_mut(), &options).unwrap();
        let (a, b) = (whole.flow().unwrap(), resumed.flow().unwrap());
        let roles: Vec<ModelRole> = ModelRole::ALL
            .into_iter()
            .filter(|r| a.model(*r).is_some())
            .collect();
        assert_eq!(roles.len(), if method == Method::NsgfPp { 3 } else { 1 });
        for role in roles {
            assert_eq!(a.model(role), b.model(role), "{method} {}", role.name());
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// The pool holds, for trajectory j, the records (Xᵏ, k·η, v̂ᵏ) with v̂ᵏ the engine's
/// Sinkhorn velocity of Xᵏ towards Y (f32, within 1e-4 of f64) and Xᵏ⁺¹ = Xᵏ + η·v̂ᵏ,
/// bit for bit; a training step regresses the network on a minibatch of those records.
#[test]
fn nsgf_pool_holds_the_sinkhorn_velocity_and_trains_on_it() {
    let settings = FlowSettings {
        batch: 32,
        widths: vec![16],
        nsgf: NsgfSettings {
            pool: 1000,
            ..small_nsgf()
        },
        ..FlowSettings::defaults(Method::Nsgf)
    };
    let compute = Compute::new(2);
    let mut core = NsgfCore::new(&settings).unwrap();
    core.add_trajectory(&compute, 4).unwrap();
    let n = settings.nsgf.particles;
    let p = &settings.problem;
    let narrow = |v: Vec<f64>| v.into_iter().map(|a| a as f32).collect::<Vec<f32>>();
    let mut x = narrow(p.source_batch(n, derive_seed(settings.seed, Role::PoolSource, 4)));
    let y = narrow(p.target_batch(n, derive_seed(settings.seed, Role::PoolTarget, 4)));
    let mut v = vec![0.0f32; 2 * n];
    assert_eq!(core.pool().len(), n * settings.nsgf.steps);
    for k in 0..settings.nsgf.steps {
        core.sinkhorn().velocity(&x, &y, 2, &mut v).unwrap();
        // The f32 engine the trajectories use agrees with f64 to f32 accuracy.
        let wide = |v: &[f32]| v.iter().map(|&a| f64::from(a)).collect::<Vec<f64>>();
        let mut v64 = vec![0.0f64; 2 * n];
        core.sinkhorn()
            .velocity(&wide(&x), &wide(&y), 2, &mut v64)
            .unwrap();
        let scale = v64.iter().fold(0.0f64, |m, a| m.max(a.abs()));
        for (a, b) in v.iter().zip(&v64) {
            assert!(
                (f64::from(*a) - b).abs() <= 1e-4 * scale,
                "step {k}: {a} vs {b}"
            );
        }
        let t = k as f64 * settings.nsgf.eta;
        for i in 0..n {
            let (px, pt, pv) = core.pool().record(k * n + i).unwrap();
            assert_eq!(px, &x[2 * i..2 * i + 2], "step {k}, point {i}");
            assert_eq!(pt, t as f32);
            assert_eq!(pv, &v[2 * i..2 * i + 2], "step {k}, point {i}");
        }
        // Velocities are not trivial: the flow moves the points.
        assert!(v.iter().map(|a| a * a).sum::<f32>() > 1e-3 * n as f32);
        for (a, b) in x.iter_mut().zip(&v) {
            *a += settings.nsgf.eta as f32 * b;
        }
    }
    // Step 1 (no refill at 1: every 5) trains on the minibatch the pool gives for the
    // index stream of step 1: the loss it reports is the loss on that minibatch.
    let (input, target) = core
        .pool()
        .batch(&mut derive_rng(settings.seed, Role::PoolIndex, 1), 32);
    let (expected, _) = core
        .velocity()
        .loss_grad(&compute, &input, &target)
        .unwrap();
    let before = core.velocity().master().to_vec();
    let loss = core.step(&compute, 1).unwrap();
    assert_eq!(loss.to_bits(), expected.to_bits());
    assert_ne!(core.velocity().master(), &before[..]);
    assert_eq!(core.pool().len(), n * settings.nsgf.steps);
}

/// Short runs on moons: FM (400 steps) and NSGF (300 steps, 10 trajectories of 128
/// particles × 10 Sinkhorn steps) each end well below the W2 of their untrained flow.
#[test]
fn short_runs_beat_the_untrained_flow() {
    for method in [Method::Fm, Method::Nsgf] {
        let settings = FlowSettings {
            steps: if method == Method::Fm { 400 } else { 300 },
            batch: 128,
            widths: vec![64, 64],
            lr: 3e-3,
            nsgf: NsgfSettings {
                steps: 10,
                eta: 0.3,
                particles: 128,
                pool: 20_000,
                refill_every: 30,
                ..FlowSettings::defaults(Method::Nsgf).nsgf
            },
            ..FlowSettings::defaults(method)
        };
        let mut t = trainer(&settings, 2).unwrap();
        let w2 = |t: &dyn FlowTrainer| {
            let flow = t.flow().unwrap();
            evaluate(&flow, &settings.problem, t.compute(), Some(10), false, 1)
                .unwrap()
                .w2
        };
        let untrained = w2(t.as_ref());
        run(t.as_mut(), &RunOptions::new(settings.steps)).unwrap();
        let trained = w2(t.as_ref());
        println!("{method}: W2 untrained {untrained:.3}, trained {trained:.3}");
        assert!(
            trained < 0.4 * untrained,
            "{method}: {untrained} → {trained}"
        );
        assert!(trained < 1.0, "{method}: {trained}");
    }
}

/// An evaluation over K draws: draw k samples from `eval_source(.., k)` and measures the
/// exact W2 to `eval_target(.., k)`; draw 0 is the single-draw evaluation; the W2 is the
/// mean of the draws and its sd their sample sd.
#[test]
fn evaluation_over_draws_is_the_mean_of_independent_draws() {
    let settings = FlowSettings {
        widths: vec![16],
        ..FlowSettings::defaults(Method::Fm)
    };
    let t = trainer(&settings, 2).unwrap();
    let flow = t.flow().unwrap();
    let one = evaluate(&flow, &settings.problem, t.compute(), Some(5), false, 1).unwrap();
    let four = evaluate(&flow, &settings.problem, t.compute(), Some(5), false, 4).unwrap();
    assert_eq!(four.w2_draws.len(), 4);
    assert_eq!(four.w2_draws[0], one.w2);
    assert_eq!(one.w2_sd(), 0.0);
    let p = &settings.problem;
    let x0 = eval_source(p, settings.seed, 2);
    let sample = flow
        .sample(t.compute().backend(), &x0, Some(5), false)
        .unwrap();
    let w2 = wasserstein2(&sample.x, &eval_target(p, settings.seed, 2), 2)
        .unwrap()
        .w2;
    assert_eq!(four.w2_draws[2], w2);
    let mean = four.w2_draws.iter().sum::<f64>() / 4.0;
    assert!((four.w2 - mean).abs() <= 1e-15 * mean);
    let var = four
        .w2_draws
        .iter()
        .map(|w| (w - mean).powi(2))
        .sum::<f64>()
        / 3.0;
    assert!((four.w2_sd() - var.sqrt()).abs() <= 1e-12 * mean);
    // Independent draws: not all the same.
    assert!(four.w2_sd() > 1e-6 * mean, "{:?}", four.w2_draws);
}

/// A Gaussian N(m, A·Aᵀ) in dimension d with feature scales from 0.01 to 100 (feature i:
/// 0.01·10^(4i/(d−1))) and correlations of either sign, fixed by d: its mean, covariance and
/// a sampler of its rows.
struct Gaussian {
    d: usize,
    mean: Vec<f64>,
    a: Vec<Vec<f64>>,
}

impl Gaussian {
    fn new(d: usize) -> Self {
        let mut fixed = StreamRng::new(99, d as u64);
        let scale = |i: usize| 0.01 * 10f64.powf(4.0 * i as f64 / (d - 1) as f64);
        let mean = (0..d).map(|i| scale(i) * fixed.normal::<f64>()).collect();
        let a = (0..d)
            .map(|i| {
                (0..d)
                    .map(|j| {
                        let unit = if i == j { 1.0 } else { 0.0 };
                        scale(i) * (unit + 0.3 * fixed.normal::<f64>() / (d as f64 / 8.0).sqrt())
                    })
                    .collect()
            })
            .collect();
        Self { d, mean, a }
    }

    fn cov(&self, i: usize, j: usize) -> f64 {
        (0..self.d).map(|k| self.a[i][k] * self.a[j][k]).sum()
    }

    /// n rows from the stream `(seed, 0)`.
    fn rows(&self, n: usize, seed: u64) -> Samples {
        let (d, mut rng) = (self.d, StreamRng::new(seed, 0));
        let mut data = Vec::with_capacity(n * d);
        for _ in 0..n {
            let z: Vec<f64> = (0..d).map(|_| rng.normal::<f64>()).collect();
            data.extend(
                (0..d).map(|i| self.mean[i] + (0..d).map(|k| self.a[i][k] * z[k]).sum::<f64>()),
            );
        }
        Samples::new(n, d, data).unwrap()
    }
}

/// Sample mean and covariance (divisor n − 1) of n × d rows.
fn moments(x: &[f64], d: usize) -> (Vec<f64>, Vec<Vec<f64>>) {
    let n = x.len() / d;
    let mean: Vec<f64> = (0..d)
        .map(|i| x.iter().skip(i).step_by(d).sum::<f64>() / n as f64)
        .collect();
    let cov = (0..d)
        .map(|i| {
            (0..d)
                .map(|j| {
                    let pairs = x
                        .chunks_exact(d)
                        .map(|r| (r[i] - mean[i]) * (r[j] - mean[j]));
                    pairs.sum::<f64>() / (n - 1) as f64
                })
                .collect()
        })
        .collect();
    (mean, cov)
}

/// A flow of `method` trained on 4000 samples of a Gaussian N(m, Σ) in dimension `d`, with
/// feature scales from 0.01 to 100, generates its moments in the data's units (the networks
/// are trained on standardised features and the model files fold the standardisation in),
/// and the C API integrates an Euler flow's model file to the same samples.
///
/// Tolerances: the flow learns the training sample, so each generated moment differs from
/// the truth by the training sample's error and the generated sample's (n = 4000 each),
/// plus the model's own error, allowed 0.05 in units of the standard deviation:
/// - means: |m̂ᵢ − mᵢ| ≤ (0.05 + 5·√(2/n))·σᵢ, i.e. 0.16 σᵢ;
/// - standard deviations: |σ̂ᵢ/σᵢ − 1| ≤ 0.05 + 5·√(1/n) (each sample's ratio has sd
///   √(1/(2n))), i.e. 0.13;
/// - correlations: |ρ̂ᵢⱼ − ρᵢⱼ| ≤ 0.05 + 5·√(2/n) (sd ≤ 1/√n per sample), i.e. 0.16.
fn assert_learns_gaussian(method: Method, d: usize, steps: u64) {
    const N: usize = 4000;
    let truth = Gaussian::new(d);
    let data = DataSet::with_test("gaussian", truth.rows(N, 1), truth.rows(500, 2)).unwrap();
    let settings = FlowSettings {
        problem: Problem::from_data(data, Standardize::PerFeature),
        steps,
        widths: vec![128, 128],
        ..FlowSettings::defaults(method)
    };
    let mut t = trainer(&settings, 2).unwrap();
    run(t.as_mut(), &RunOptions::new(settings.steps)).unwrap();
    let flow = t.flow().unwrap();
    assert_eq!(flow.manifest().dim, d);
    let x0 = flow.manifest().source_batch(N, 7);
    // Euler flows: 50 steps (NSGF: its own T steps of η); NSGF++ sets its own.
    let (t1, euler_steps) = match &flow.manifest().sampling {
        Sampling::Euler { t1, .. } if method == Method::Nsgf => {
            (*t1, Some(settings.nsgf.steps as u32))
        }
        Sampling::Euler { t1, .. } => (*t1, Some(50)),
        Sampling::NsgfPp { .. } => (1.0, None),
    };
    let s = flow
        .sample(t.compute().backend(), &x0, euler_steps, false)
        .unwrap();
    let (mean, c) = moments(&s.x, d);
    let n = N as f64;
    let (mut worst_mean, mut worst_sd, mut worst_corr) = (0f64, 0f64, 0f64);
    for i in 0..d {
        let sd = truth.cov(i, i).sqrt();
        worst_mean = worst_mean.max((mean[i] - truth.mean[i]).abs() / sd);
        worst_sd = worst_sd.max((c[i][i].sqrt() / sd - 1.0).abs());
        for j in 0..i {
            let rho = truth.cov(i, j) / (sd * truth.cov(j, j).sqrt());
            let rho_hat = c[i][j] / (c[i][i] * c[j][j]).sqrt();
            worst_corr = worst_corr.max((rho_hat - rho).abs());
        }
    }
    println!(
        "{method}, d = {d}: worst mean {worst_mean:.3} sd, sd ratio {worst_sd:.3}, corr {worst_corr:.3}"
    );
    assert!(
        worst_mean <= 0.05 + 5.0 * (2.0 / n).sqrt(),
        "{method}, d = {d}: mean {worst_mean}"
    );
    assert!(
        worst_sd <= 0.05 + 5.0 / n.sqrt(),
        "{method}, d = {d}: sd {worst_sd}"
    );
    assert!(
        worst_corr <= 0.05 + 5.0 * (2.0 / n).sqrt(),
        "{method}, d = {d}: corr {worst_corr}"
    );
    // The C API, given the same model file, integrates each particle to the same point
    // (NSGF++'s replay through the C API is `nsgfpp_sampler_equals_the_per_particle_c_api_replay`).
    if let Some(k) = euler_steps {
        let c_velocity = open(flow.model(ModelRole::Velocity).unwrap());
        for i in 0..20 {
            let mut x = x0[d * i..d * (i + 1)].to_vec();
            integrate(&c_velocity, &mut x, 0.0, t1, k);
            assert_close(&s.x[d * i..d * (i + 1)], &x, i);
        }
    }
}

/// OT-CFM learns Gaussians in d = 8 and d = 32 ([`assert_learns_gaussian`]).
#[test]
fn otcfm_learns_gaussians_on_scales_from_0_01_to_100_in_data_units() {
    for d in [8, 32] {
        assert_learns_gaussian(Method::OtCfm, d, 1500);
    }
}

/// FM, NSGF and NSGF++ learn the 8-D Gaussian ([`assert_learns_gaussian`]).
#[test]
fn fm_nsgf_and_nsgfpp_learn_an_8d_gaussian_on_scales_from_0_01_to_100() {
    for method in [Method::Fm, Method::Nsgf, Method::NsgfPp] {
        assert_learns_gaussian(method, 8, 1500);
    }
}
