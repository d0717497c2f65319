//! The CUDA backend computes what the CPU backend computes, on random inputs: outputs,
//! values and input gradients, parameter gradients (f64 to 1e-10, f32 to 1e-4 relative),
//! Langevin chains replayed on the CPU with the GPU's Philox noise, Adam steps against
//! `optim::Adam`, and the Sinkhorn soft-min against a direct f64 sum. Every test needs an
//! NVIDIA GPU and prints why it skipped where there is none (CI has none). Without one,
//! the backend must refuse cleanly: that part runs everywhere.

use gradflow::engine::cuda::{AdamStep, CudaBackend, CudaScalar, philox, probe};
use gradflow::engine::{Backend, CpuBackend, Device, DeviceChoice, EngineError, Network};
use gradflow::optim::Adam;
use gradflow_core::model::{Architecture, ModelKind};
use gradflow_core::{Activation, StreamRng};
use rand_core::Rng;

#[path = "common/gpu.rs"]
mod gpu_check;

/// The GPU, or `None` after printing why the test skips.
fn gpu(test: &str) -> Option<CudaBackend> {
    gpu_check::gpu_present(test).then(|| CudaBackend::new(0).expect("a GPU was found by the probe"))
}

fn architectures(kind: ModelKind, out: usize) -> Vec<Architecture> {
    let mlp = |act, x, w: &[usize]| Architecture::mlp(kind, act, x, w, out).unwrap();
    vec![
        mlp(Activation::Silu, 2, &[32, 32]),
        mlp(Activation::Tanh, 3, &[17]),
        mlp(Activation::Softplus, 5, &[8, 13, 9]),
        mlp(Activation::Selu, 2, &[70, 3]),
        mlp(Activation::Relu, 4, &[24, 24]),
        mlp(Activation::GeluTanh, 3, &[16, 16]),
    ]
}

/// A network of `arch` with LeCun-normal weights and small random biases.
fn network<S: CudaScalar>(arch: Architecture, seed: u64) -> Network<S> {
    let mut net = Network::<S>::init(arch, seed);
    let mut rng = StreamRng::new(seed, 1);
    for p in net.params_mut() {
        *p += S::from_f64(0.1) * rng.normal::<S>();
    }
    net
}

fn points<S: CudaScalar>(n: usize, d: usize, seed: u64) -> Vec<S> {
    let mut rng = StreamRng::new(seed, 2);
    (0..n * d)
        .map(|_| S::from_f64(1.5) * rng.normal::<S>())
        .collect()
}

/// Every entry within `tol` relative to max(|a|, |b|, scale), `scale` the largest |b|.
fn assert_close<S: CudaScalar>(what: &str, a: &[S], b: &[S], tol: f64) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    let scale = b.iter().fold(1.0f64, |m, v| m.max(v.to_f64().abs()));
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let (x, y) = (x.to_f64(), y.to_f64());
        assert!(
            (x - y).abs() <= tol * scale,
            "{what}[{i}]: gpu {x} vs cpu {y} (tolerance {tol} × {scale})"
        );
    }
}

/// The tolerance of precision S: f32 rounding through a few layers, or f64's.
fn tol<S: CudaScalar>() -> f64 {
    if size_of::<S>() == 4 { 1e-4 } else { 1e-10 }
}

fn passes_match_the_cpu<S: CudaScalar>(gpu: &CudaBackend) {
    let cpu = CpuBackend::new(2);
    // 1000 particles: not a multiple of any block or tile size.
    let n = 1000;
    for (a, arch) in architectures(ModelKind::Energy, 1).into_iter().enumerate() {
        let net = network::<S>(arch, a as u64);
        let d = arch.in_dim();
        let x = points::<S>(n, d, a as u64);
        let (mut e_gpu, mut g_gpu) = (vec![S::ZERO; n], vec![S::ZERO; n * d]);
        let (mut e_cpu, mut g_cpu) = (vec![S::ZERO; n], vec![S::ZERO; n * d]);
        gpu.value_grad(&net, &x, &mut e_gpu, &mut g_gpu).unwrap();
        cpu.value_grad(&net, &x, &mut e_cpu, &mut g_cpu).unwrap();
        assert_close(&format!("{arch:?} energies"), &e_gpu, &e_cpu, tol::<S>());
        assert_close(&format!("{arch:?} gradients"), &g_gpu, &g_cpu, tol::<S>());

        let cot: Vec<S> = points::<S>(n, 1, 9 + a as u64);
        let mut p_gpu = vec![S::ZERO; net.params().len()];
        let mut p_cpu = vec![S::ZERO; net.params().len()];
        gpu.param_grad(&net, &x, &cot, &mut p_gpu).unwrap();
        cpu.param_grad(&net, &x, &cot, &mut p_cpu).unwrap();
        assert_close(
            &format!("{arch:?} parameter gradient"),
            &p_gpu,
            &p_cpu,
            tol::<S>(),
        );
    }
    // Vector outputs (velocity fields): forward and parameter gradients.
    for (a, arch) in architectures(ModelKind::Velocity, 3)
        .into_iter()
        .enumerate()
    {
        let net = network::<S>(arch, 100 + a as u64);
        let x = points::<S>(n, arch.in_dim(), a as u64);
        let (mut y_gpu, mut y_cpu) = (vec![S::ZERO; n * 3], vec![S::ZERO; n * 3]);
        gpu.forward(&net, &x, &mut y_gpu).unwrap();
        cpu.forward(&net, &x, &mut y_cpu).unwrap();
        assert_close(&format!("{arch:?} outputs"), &y_gpu, &y_cpu, tol::<S>());
        let cot = points::<S>(n, 3, 50 + a as u64);
        let mut p_gpu = vec![S::ZERO; net.params().len()];
        let mut p_cpu = vec![S::ZERO; net.params().len()];
        gpu.param_grad(&net, &x, &cot, &mut p_gpu).unwrap();
        cpu.param_grad(&net, &x, &cot, &mut p_cpu).unwrap();
        assert_close(
            &format!("{arch:?} vector parameter gradient"),
            &p_gpu,
            &p_cpu,
            tol::<S>(),
        );
        // One forward pass: the closure sees the outputs and fills the cotangent.
        let mut seen = Vec::new();
        let mut cotangent = |y: &[S], c: &mut [S]| {
            seen = y.to_vec();
            c.copy_from_slice(&cot);
        };
        let mut p_one = vec![S::ZERO; net.params().len()];
        gpu.forward_backward(&net, &x, &mut cotangent, &mut p_one)
            .unwrap();
        assert_close(
            &format!("{arch:?} one-pass outputs"),
            &seen,
            &y_cpu,
            tol::<S>(),
        );
        assert_close(
            &format!("{arch:?} one-pass parameter gradient"),
            &p_one,
            &p_cpu,
            tol::<S>(),
        );
    }
}

#[test]
fn mlp_passes_match_the_cpu_in_f32_and_f64() {
    let Some(gpu) = gpu("mlp_passes_match_the_cpu_in_f32_and_f64") else {
        return;
    };
    passes_match_the_cpu::<f32>(&gpu);
    passes_match_the_cpu::<f64>(&gpu);
}

/// Five ULA steps on the GPU against the same steps on the CPU with the GPU's noise
/// (the keys are the first draw of each particle's stream, as the backend takes them).
fn ula_replays_on_the_cpu<S: CudaScalar>(gpu: &CudaBackend) {
    let cpu = CpuBackend::new(2);
    let (n, steps) = (777, 5);
    let step = S::from_f64(0.01);
    for (a, arch) in architectures(ModelKind::Energy, 1).into_iter().enumerate() {
        let net = network::<S>(arch, a as u64);
        let d = arch.in_dim();
        let start = points::<S>(n, d, 20 + a as u64);
        let mut rngs: Vec<StreamRng> = StreamRng::streams(a as u64, 0, n).collect();
        let keys: Vec<u64> = rngs.clone().iter_mut().map(|r| r.next_u64()).collect();
        let mut x_gpu = start.clone();
        gpu.ula_steps(&net, &mut x_gpu, &mut rngs, step, steps)
            .unwrap();
        // Every stream advanced by exactly one draw.
        let mut again: Vec<StreamRng> = StreamRng::streams(a as u64, 0, n).collect();
        for (r, s) in rngs.iter_mut().zip(&mut again) {
            s.next_u64();
            assert_eq!(r.next_u64(), s.next_u64());
        }

        let mut x = start;
        let noise = (S::TWO * step).sqrt();
        let (mut e, mut g, mut z) = (vec![S::ZERO; n], vec![S::ZERO; n * d], vec![S::ZERO; d]);
        for t in 0..steps as u32 {
            cpu.value_grad(&net, &x, &mut e, &mut g).unwrap();
            for (i, (xi, gi)) in x.chunks_mut(d).zip(g.chunks(d)).enumerate() {
                philox::normals(keys[i], t, &mut z);
                for ((x, &g), &z) in xi.iter_mut().zip(gi).zip(&z) {
                    *x = *x - step * g + noise * z;
                }
            }
        }
        // Per step the chains differ by τ times the gradients' difference (≤ tol relative,
        // checked above), the noise's (a few ulps of √(2τ)·z) and one rounding of x: five
        // steps at τ = 0.01 stay well inside the passes' own tolerance.
        assert_close(&format!("{arch:?} ULA chains"), &x_gpu, &x, tol::<S>());

        let normals = gpu.normals::<S>(&keys[..10], d, 3).unwrap();
        for (i, row) in normals.chunks(d).enumerate() {
            philox::normals(keys[i], 3, &mut z);
            assert_close("GPU normals", row, &z, tol::<S>());
        }
    }
}

#[test]
fn ula_chains_replay_on_the_cpu_in_f32_and_f64() {
    let Some(gpu) = gpu("ula_chains_replay_on_the_cpu_in_f32_and_f64") else {
        return;
    };
    ula_replays_on_the_cpu::<f32>(&gpu);
    ula_replays_on_the_cpu::<f64>(&gpu);
}

#[test]
fn a_diverging_chain_is_an_error() {
    let Some(gpu) = gpu("a_diverging_chain_is_an_error") else {
        return;
    };
    let arch = Architecture::mlp(ModelKind::Energy, Activation::Silu, 2, &[8], 1).unwrap();
    let net = network::<f32>(arch, 1);
    let mut x = vec![f32::MAX / 2.0; 20];
    let mut rngs: Vec<StreamRng> = StreamRng::streams(0, 0, 10).collect();
    let err = gpu.ula_steps(&net, &mut x, &mut rngs, 1e30, 3).unwrap_err();
    assert!(err.to_string().contains("diverged"), "{err}");
}

#[test]
fn adam_steps_match_the_optimiser() {
    let Some(gpu) = gpu("adam_steps_match_the_optimiser") else {
        return;
    };
    let n = 1234;
    let mut host = Adam::new(n, 1e-2);
    let mut params: Vec<f64> = points::<f64>(n, 1, 1);
    let (mut p, mut m, mut v) = (params.clone(), vec![0.0; n], vec![0.0; n]);
    for t in 1..=5 {
        let grad = points::<f64>(n, 1, 10 + t as u64);
        host.step(&mut params, &grad);
        let hyper = AdamStep {
            lr: host.lr,
            beta1: host.beta1,
            beta2: host.beta2,
            eps: host.eps,
            t,
        };
        gpu.adam_step(&mut p, &grad, &mut m, &mut v, hyper).unwrap();
        assert_close(&format!("Adam step {t}"), &p, &params, 1e-12);
    }
}

/// The soft-min of the documented formula, in f64 by a direct shifted sum.
fn softmin_reference(
    x: &[f64],
    y: &[f64],
    d: usize,
    eps: f64,
    pot: &[f64],
) -> (Vec<f64>, Vec<f64>) {
    let m = y.len() / d;
    let mut out = Vec::new();
    let mut bary = Vec::new();
    for xi in x.chunks(d) {
        let a: Vec<f64> = y
            .chunks(d)
            .zip(pot)
            .map(|(yj, p)| {
                let c: f64 = xi.iter().zip(yj).map(|(u, v)| (u - v) * (u - v)).sum();
                (p - 0.5 * c) / eps
            })
            .collect();
        let top = a.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let w: Vec<f64> = a.iter().map(|v| (v - top).exp()).collect();
        let sum: f64 = w.iter().sum();
        out.push(-eps * (-(m as f64).ln() + top + sum.ln()));
        for k in 0..d {
            bary.push(y.chunks(d).zip(&w).map(|(yj, w)| w * yj[k]).sum::<f64>() / sum);
        }
    }
    (out, bary)
}

#[test]
fn softmin_matches_a_direct_sum() {
    let Some(gpu) = gpu("softmin_matches_a_direct_sum") else {
        return;
    };
    for (d, n, m, eps) in [(2, 300, 1000, 0.05), (3, 257, 4100, 0.5), (1, 5, 700, 1e-3)] {
        let x = points::<f64>(n, d, 1);
        let y = points::<f64>(m, d, 2);
        let pot = points::<f64>(m, 1, 3);
        let (want, want_bary) = softmin_reference(&x, &y, d, eps, &pot);
        let (mut out, mut bary) = (vec![0.0; n], vec![0.0; n * d]);
        gpu.softmin(&x, &y, d, eps, &pot, &mut out, Some(&mut bary))
            .unwrap();
        assert_close("soft-min f64", &out, &want, 1e-10);
        assert_close("barycentric projection f64", &bary, &want_bary, 1e-10);

        let narrow = |v: &[f64]| v.iter().map(|&a| a as f32).collect::<Vec<f32>>();
        let (mut out32, mut bary32) = (vec![0.0f32; n], vec![0.0f32; n * d]);
        gpu.softmin(
            &narrow(&x),
            &narrow(&y),
            d,
            eps,
            &narrow(&pot),
            &mut out32,
            Some(&mut bary32),
        )
        .unwrap();
        assert_close("soft-min f32", &out32, &narrow(&want), 1e-4);
        assert_close(
            "barycentric projection f32",
            &bary32,
            &narrow(&want_bary),
            1e-4,
        );
    }
}

/// Without a GPU, asking for one is a clear error and `auto` falls back to the CPU with a
/// note; with one, both give the GPU. Runs everywhere.
#[test]
fn device_selection_probes_before_any_cuda_call() {
    match probe() {
        Err(why) => {
            let err = Device::select(DeviceChoice::Cuda, 1).unwrap_err();
            assert!(matches!(err, EngineError::Device(_)), "{err:?}");
            assert_eq!(err, EngineError::Device(why.clone()));
            let err = CudaBackend::new(0).unwrap_err();
            assert_eq!(err, EngineError::Device(why.clone()));
            let (device, note) = Device::select(DeviceChoice::Auto, 1).unwrap();
            assert!(!device.is_cuda());
            assert!(note.unwrap().contains(&why.to_string()));
        }
        Ok(count) => {
            assert!(count >= 1);
            let (device, note) = Device::select(DeviceChoice::Auto, 1).unwrap();
            assert!(device.is_cuda() && note.is_none());
            assert!(device.name().starts_with("cuda:0"), "{}", device.name());
            let err = CudaBackend::new(count).unwrap_err();
            assert!(err.to_string().contains("asked for"), "{err}");
        }
    }
    let (cpu, note) = Device::select(DeviceChoice::Cpu, 1).unwrap();
    assert!(!cpu.is_cuda() && note.is_none());
    assert!(cpu.name().starts_with("cpu"), "{}", cpu.name());
    for (text, choice) in [
        ("cpu", DeviceChoice::Cpu),
        ("cuda", DeviceChoice::Cuda),
        ("auto", DeviceChoice::Auto),
    ] {
        assert_eq!(text.parse::<DeviceChoice>().unwrap(), choice);
        assert_eq!(choice.to_string(), text);
    }
    assert!("tpu".parse::<DeviceChoice>().is_err());
}

/// Bad inputs are refused before anything reaches the device.
#[test]
fn bad_inputs_are_refused() {
    let Some(gpu) = gpu("bad_inputs_are_refused") else {
        return;
    };
    let arch = Architecture::mlp(ModelKind::Energy, Activation::Silu, 2, &[8], 1).unwrap();
    let net = network::<f32>(arch, 1);
    let (mut e, mut g) = (vec![0.0f32; 2], vec![0.0f32; 4]);
    assert!(gpu.value_grad(&net, &[0.0; 3], &mut e, &mut g).is_err());
    assert!(
        gpu.value_grad(&net, &[0.0; 4], &mut e[..1], &mut g)
            .is_err()
    );
    let mut rngs: Vec<StreamRng> = StreamRng::streams(0, 0, 2).collect();
    let mut x = vec![0.0f32; 4];
    assert!(gpu.ula_steps(&net, &mut x, &mut rngs, f32::NAN, 1).is_err());
    assert!(gpu.ula_steps(&net, &mut x, &mut rngs[..1], 0.1, 1).is_err());
    let mut out = [0.0f32; 2];
    assert!(
        gpu.softmin(&[0.0f32; 4], &[0.0; 4], 2, 0.0, &[0.0; 2], &mut out, None)
            .is_err()
    );
    assert!(
        gpu.softmin(&[0.0f32; 4], &[0.0; 4], 2, 0.1, &[0.0; 3], &mut out, None)
            .is_err()
    );
}
