//! The batched engine computes what the core's per-particle model view computes: values,
//! input gradients and outputs on random inputs for several architectures (f64 to 1e-12,
//! f32 to rounding), parameter gradients against central finite differences, Langevin steps
//! against the core's ULA with the same streams, and thread-count independence.

use gradflow::engine::{Backend, CpuBackend, EngineError, Network};
use gradflow::modelio::ModelBytes;
use gradflow_core::model::{Architecture, ModelEval, ModelKind, ModelView, TimeInput};
use gradflow_core::{Activation, Kernel, StreamRng, Ula};

/// A model file of `arch` with LeCun-normal weights and small random biases (seed `seed`).
fn model(arch: Architecture, seed: u64) -> ModelBytes {
    let mut net = Network::<f32>::init(arch, seed);
    let mut rng = StreamRng::new(seed, 1);
    for p in net.params_mut() {
        *p += 0.1 * rng.normal::<f32>();
    }
    ModelBytes::encode(&arch, net.params()).unwrap()
}

fn points(n: usize, d: usize, seed: u64) -> Vec<f64> {
    let mut rng = StreamRng::new(seed, 2);
    (0..n * d).map(|_| 1.5 * rng.normal::<f64>()).collect()
}

fn energies() -> Vec<Architecture> {
    let e = |act, x, w: &[usize]| Architecture::mlp(ModelKind::Energy, act, x, w, 1).unwrap();
    vec![
        e(Activation::Silu, 2, &[32, 32]),
        e(Activation::Tanh, 3, &[17]),
        e(Activation::Softplus, 5, &[8, 13, 9]),
        e(Activation::Selu, 2, &[70, 3]),
        e(Activation::Relu, 4, &[24, 24]),
    ]
}

/// Relative distance, with a floor of 1 on the scale.
fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn values_and_input_gradients_match_the_core_in_f64_and_f32() {
    let cpu = CpuBackend::new(2);
    // 300 particles: several tiles and a ragged last one.
    let n = 300;
    for (a, arch) in energies().into_iter().enumerate() {
        let bytes = model(arch, a as u64);
        let view = bytes.view();
        let d = arch.x_dim();
        let x = points(n, d, a as u64);
        let mut scratch = vec![0.0f64; view.scratch_len()];

        let net = Network::<f64>::from_view(&view);
        let (mut e, mut g) = (vec![0.0; n], vec![0.0; n * d]);
        cpu.value_grad(&net, &x, &mut e, &mut g).unwrap();
        let net32 = Network::<f32>::from_view(&view);
        let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let (mut e32, mut g32) = (vec![0.0f32; n], vec![0.0f32; n * d]);
        cpu.value_grad(&net32, &x32, &mut e32, &mut g32).unwrap();

        for i in 0..n {
            let mut want_g = vec![0.0; d];
            let xi = &x[i * d..(i + 1) * d];
            let want_e = view.value_grad(xi, &mut want_g, &mut scratch).unwrap();
            assert!(
                close(e[i], want_e, 1e-12),
                "{arch:?} E[{i}]: {} vs {want_e}",
                e[i]
            );
            assert!(close(e32[i] as f64, want_e, 1e-4), "f32 E[{i}]");
            for j in 0..d {
                let (got, got32, want) = (g[i * d + j], g32[i * d + j] as f64, want_g[j]);
                assert!(
                    close(got, want, 1e-12),
                    "{arch:?} ∇E[{i}][{j}]: {got} vs {want}"
                );
                assert!(
                    close(got32, want, 1e-4),
                    "f32 ∇E[{i}][{j}]: {got32} vs {want}"
                );
            }
        }
    }
}

#[test]
fn vector_outputs_with_time_input_match_the_core() {
    let arch = Architecture::new(
        ModelKind::Velocity,
        Activation::Silu,
        TimeInput::Appended,
        3,
        0,
        &[16, 16],
        3,
    )
    .unwrap();
    let bytes = model(arch, 9);
    let view = bytes.view();
    let n = 130;
    let x = points(n, 4, 9); // x and t
    let net = Network::<f64>::from_view(&view);
    let mut out = vec![0.0; n * 3];
    CpuBackend::new(2).forward(&net, &x, &mut out).unwrap();
    let mut scratch = vec![0.0; view.scratch_len()];
    for i in 0..n {
        let mut want = [0.0; 3];
        view.forward(&x[i * 4..(i + 1) * 4], &mut want, &mut scratch)
            .unwrap();
        for j in 0..3 {
            assert!(close(out[i * 3 + j], want[j], 1e-12));
        }
    }
}

/// Σᵢ ⟨cotᵢ, y(xᵢ)⟩ of `net` at `x`.
fn objective(net: &Network<f64>, x: &[f64], cot: &[f64]) -> f64 {
    let mut out = vec![0.0; cot.len()];
    CpuBackend::new(1).forward(net, x, &mut out).unwrap();
    out.iter().zip(cot).map(|(y, c)| y * c).sum()
}

#[test]
fn parameter_gradients_match_central_differences() {
    let arch = Architecture::new(
        ModelKind::Velocity,
        Activation::Tanh,
        TimeInput::Appended,
        2,
        0,
        &[6, 5],
        2,
    )
    .unwrap();
    let mut net = Network::<f64>::from_view(&model(arch, 4).view());
    let n = 150;
    let x = points(n, 3, 5);
    let cot = points(n, 2, 6);
    let mut grad = vec![0.0; arch.n_params()];
    CpuBackend::new(2)
        .param_grad(&net, &x, &cot, &mut grad)
        .unwrap();
    let h = 1e-5;
    for (k, &analytic) in grad.iter().enumerate() {
        let p = net.params()[k];
        net.params_mut()[k] = p + h;
        let up = objective(&net, &x, &cot);
        net.params_mut()[k] = p - h;
        let down = objective(&net, &x, &cot);
        net.params_mut()[k] = p;
        let fd = (up - down) / (2.0 * h);
        // Central differences: error O(h²·f‴) plus rounding ~1e-16·|f|/h.
        assert!(close(analytic, fd, 1e-6), "param {k}: {analytic} vs {fd}");
    }
}

#[test]
fn parameter_gradients_do_not_depend_on_the_thread_count() {
    let arch = energies()[0];
    let net = Network::<f32>::from_view(&model(arch, 1).view());
    let n = 5000;
    let x: Vec<f32> = points(n, 2, 7).iter().map(|&v| v as f32).collect();
    let cot: Vec<f32> = points(n, 1, 8).iter().map(|&v| v as f32).collect();
    let grads: Vec<Vec<f32>> = [1, 2, 3]
        .iter()
        .map(|&t| {
            let mut g = vec![0.0f32; arch.n_params()];
            CpuBackend::new(t)
                .param_grad(&net, &x, &cot, &mut g)
                .unwrap();
            g
        })
        .collect();
    assert_eq!(grads[0], grads[1]);
    assert_eq!(grads[0], grads[2]);
}

#[test]
fn ula_steps_follow_the_core_ula_with_the_same_streams() {
    let arch = energies()[0];
    let bytes = model(arch, 3);
    let view: ModelView<'_> = bytes.view();
    let n = 100;
    let start: Vec<f64> = points(n, 2, 11).iter().map(|v| 0.3 * v).collect();
    let (step, steps) = (0.01, 20);

    let net = Network::<f64>::from_view(&view);
    let mut x = start.clone();
    let mut rngs: Vec<StreamRng> = StreamRng::streams(12, 0, n).collect();
    CpuBackend::new(2)
        .ula_steps(&net, &mut x, &mut rngs, step, steps)
        .unwrap();

    let mut scratch = vec![0.0; view.scratch_len()];
    let energy = ModelEval::energy(&view, &mut scratch).unwrap();
    let ula = Ula { step };
    let mut ks = vec![0.0; ula.scratch_len(2)];
    let mut core_rngs: Vec<StreamRng> = StreamRng::streams(12, 0, n).collect();
    for i in 0..n {
        let mut xi = start[i * 2..(i + 1) * 2].to_vec();
        for _ in 0..steps {
            ula.step(&energy, &mut xi, &mut core_rngs[i], &mut ks)
                .unwrap();
        }
        for j in 0..2 {
            assert!(close(x[i * 2 + j], xi[j], 1e-10), "particle {i}");
        }
        // The streams advanced identically.
        assert_eq!(rngs[i].state(), core_rngs[i].state());
    }
}

#[test]
fn bad_sizes_and_settings_are_refused() {
    let net = Network::<f32>::energy(2, &[8], Activation::Silu, 0).unwrap();
    let cpu = CpuBackend::new(1);
    let (mut e, mut g) = (vec![0.0; 3], vec![0.0; 6]);
    let size = |r: Result<(), EngineError>| matches!(r, Err(EngineError::Size { .. }));
    assert!(size(cpu.value_grad(&net, &[0.0; 5], &mut e, &mut g)));
    assert!(size(cpu.value_grad(&net, &[0.0; 6], &mut e[..2], &mut g)));
    assert!(size(cpu.value_grad(&net, &[], &mut e, &mut g)));
    let mut rngs: Vec<StreamRng> = StreamRng::streams(0, 0, 3).collect();
    let mut x = vec![0.0f32; 6];
    assert!(matches!(
        cpu.ula_steps(&net, &mut x, &mut rngs, -1.0, 1),
        Err(EngineError::InvalidParameter(_))
    ));
    assert!(size(cpu.ula_steps(&net, &mut x, &mut rngs[..2], 0.1, 1)));
    let vel = Network::<f32>::init(
        Architecture::mlp(ModelKind::Velocity, Activation::Silu, 2, &[8], 2).unwrap(),
        0,
    );
    assert!(matches!(
        cpu.value_grad(&vel, &[0.0; 6], &mut e, &mut g),
        Err(EngineError::Unsupported(_))
    ));
}

/// The fused f32 kernels (each instruction set this CPU has) move particles as the generic
/// tile path does, to f32 rounding, with the same noise: over architectures with widths
/// that are not multiples of the kernels' blocks, one to three hidden layers, every
/// activation, inputs of 2 to 64 dimensions, and a batch that is not a whole number of
/// tiles. A non-finite state is reported as divergence.
#[test]
fn fused_f32_ula_matches_the_generic_tile_path() {
    use gradflow::engine::FusedIsa;
    let isas: Vec<FusedIsa> = [FusedIsa::Avx512, FusedIsa::Avx2]
        .into_iter()
        .filter(|isa| isa.available())
        .collect();
    if isas.is_empty() {
        println!("skipped: this CPU has neither AVX-512 nor AVX2 + FMA (no fused kernels)");
        return;
    }
    let e = |act, x, w: &[usize]| Architecture::mlp(ModelKind::Energy, act, x, w, 1).unwrap();
    let mut archs = energies();
    archs.push(e(Activation::GeluTanh, 2, &[128, 128]));
    archs.push(e(Activation::Silu, 64, &[100]));
    let (n, step, steps) = (250, 0.01f32, 20);
    for (a, arch) in archs.into_iter().enumerate() {
        let net = Network::<f32>::from_view(&model(arch, 20 + a as u64).view());
        let d = arch.in_dim();
        let start: Vec<f32> = points(n, d, 30 + a as u64)
            .iter()
            .map(|&v| 0.5 * v as f32)
            .collect();
        let run = |backend: CpuBackend| {
            let mut x = start.clone();
            let mut rngs: Vec<StreamRng> = StreamRng::streams(9, 0, n).collect();
            backend
                .ula_steps(&net, &mut x, &mut rngs, step, steps)
                .unwrap();
            (x, rngs)
        };
        let (want, want_rngs) = run(CpuBackend::with_fused(2, None));
        for &isa in &isas {
            let (got, rngs) = run(CpuBackend::with_fused(2, Some(isa)));
            for (i, (&g, &w)) in got.iter().zip(&want).enumerate() {
                assert!(
                    close(g as f64, w as f64, 2e-4),
                    "{isa:?}, {:?} {d}→{:?}: x[{i}] = {g} vs {w}",
                    arch.activation,
                    arch.widths().collect::<Vec<_>>()
                );
            }
            for (r, w) in rngs.iter().zip(&want_rngs) {
                assert_eq!(r.state(), w.state());
            }
            let mut x = start.clone();
            x[n * d - 1] = f32::NAN;
            let mut rngs: Vec<StreamRng> = StreamRng::streams(9, 0, n).collect();
            let blown = CpuBackend::with_fused(1, Some(isa))
                .ula_steps(&net, &mut x, &mut rngs, step, steps);
            assert!(matches!(blown, Err(EngineError::Model(_))), "{blown:?}");
        }
    }
}

/// `forward_backward` hands its closure the outputs of `forward` and writes the gradient of
/// `param_grad` on the cotangent the closure fills, bit for bit, for batches of one tile,
/// a partial tile, several tiles and several partial sums, on any thread count.
#[test]
fn forward_backward_is_forward_then_param_grad_bit_for_bit() {
    let arch = Architecture::mlp(ModelKind::Velocity, Activation::Silu, 2, &[16, 9], 2).unwrap();
    let net = Network::<f32>::from_view(&model(arch, 21).view());
    let p = arch.n_params();
    for (k, &n) in [1usize, 63, 64, 300, 2500].iter().enumerate() {
        let x: Vec<f32> = points(n, 3, 30 + k as u64)
            .iter()
            .map(|&v| v as f32)
            .collect();
        let t: Vec<f32> = points(n, 2, 40 + k as u64)
            .iter()
            .map(|&v| v as f32)
            .collect();
        let cot_of = |y: &[f32], cot: &mut [f32]| {
            for ((c, yi), ti) in cot.iter_mut().zip(y).zip(&t) {
                *c = 0.5 * (yi - ti);
            }
        };
        let one = CpuBackend::new(1);
        let mut y = vec![0.0f32; 2 * n];
        one.forward(&net, &x, &mut y).unwrap();
        let mut cot = vec![0.0f32; 2 * n];
        cot_of(&y, &mut cot);
        let mut expected = vec![0.0f32; p];
        one.param_grad(&net, &x, &cot, &mut expected).unwrap();
        for threads in [1, 2, 3] {
            let (mut calls, mut seen) = (0, Vec::new());
            let mut grad = vec![f32::NAN; p];
            let mut cotangent = |y: &[f32], cot: &mut [f32]| {
                calls += 1;
                assert!(cot.iter().all(|&c| c == 0.0));
                seen = y.to_vec();
                cot_of(y, cot);
            };
            CpuBackend::new(threads)
                .forward_backward(&net, &x, &mut cotangent, &mut grad)
                .unwrap();
            assert_eq!(calls, 1);
            let bits = |v: &[f32]| v.iter().map(|a| a.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&seen), bits(&y), "n = {n}, {threads} threads: outputs");
            assert_eq!(bits(&grad), bits(&expected), "n = {n}, {threads} threads");
        }
    }
}

/// `forward_backward` checks its arguments like `param_grad`, before calling the closure.
#[test]
fn forward_backward_checks_its_arguments() {
    let net = Network::<f64>::init(energies()[0], 1);
    let cpu = CpuBackend::new(1);
    let mut never = |_: &[f64], _: &mut [f64]| panic!("called on bad arguments");
    let mut grad = vec![0.0; net.params().len()];
    let partial_row = cpu.forward_backward(&net, &[0.0; 3], &mut never, &mut grad);
    assert!(matches!(partial_row, Err(EngineError::Size { .. })));
    let empty = cpu.forward_backward(&net, &[], &mut never, &mut grad);
    assert!(matches!(empty, Err(EngineError::Size { .. })));
    let short = cpu.forward_backward(&net, &[0.0; 4], &mut never, &mut grad[1..]);
    assert!(matches!(short, Err(EngineError::Size { .. })));
}
