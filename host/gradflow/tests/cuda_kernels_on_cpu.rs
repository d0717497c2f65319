//! The CUDA kernels of `host/gradflow/src/engine/cuda/kernels.cu`, run on the CPU (no GPU here nor in
//! CI): `cuda_on_cpu/driver.cpp` compiles the kernel file as C++20 with a shim for the CUDA
//! built-ins (`cuda_on_cpu/shim.h`: each block's threads are real threads meeting at a
//! barrier in `__syncthreads`, dynamic shared memory is filled with NaNs before each block)
//! and, when the compiler has them, AddressSanitizer and UBSan (an out-of-bounds access
//! fails the launch). Every kernel, in f32 and f64, against the Rust it stands for:
//!
//! - `bias_act`: [`Activation::eval`] (value and derivative) for every code and −1;
//! - `normals`, `ula_update`: [`philox::normals`], the host's copy of the generator;
//! - `adam`: [`Adam::step`];
//! - `softmin`: a direct f64 evaluation of its formula (two passes, exact maximum);
//! - `mul_elem`, `fill`: the products and the value, exactly.
//!
//! Launches are small (blocks of 64 threads or odd sizes, grids smaller than the work so
//! that the grid-stride loops go round). Tolerances are multiples of the precision's ε
//! (stated at each check) relative to the size of the terms that are rounded; the kernels
//! use the C library's maths where the references use Rust's, hence a few ulps.
//!
//! Without a C++20 compiler (`$CXX`, default g++) the tests print why and pass.

#[path = "cuda_on_cpu/launcher.rs"]
mod launcher;

use gradflow::engine::cuda::{AdamStep, philox};
use gradflow::optim::Adam;
use gradflow_core::Activation;
use launcher::{Arg, Launch, Real, buf, buf_of, driver};

const BLOCK: u32 = 64;

/// SplitMix64: reproducible test inputs without a dependency.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform on [lo, hi), rounded to `S`.
    fn uniform<S: Real>(&mut self, lo: f64, hi: f64) -> S {
        let u = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        S::from_f64(lo + (hi - lo) * u)
    }

    fn uniforms<S: Real>(&mut self, n: usize, lo: f64, hi: f64) -> Vec<S> {
        (0..n).map(|_| self.uniform(lo, hi)).collect()
    }
}

fn f64s<S: Real>(v: &[S]) -> Vec<f64> {
    v.iter().map(|x| x.to_f64()).collect()
}

/// Asserts |got[k] − want[k]| ≤ tol(k) for every k (a NaN never passes); returns the
/// largest error in units of its tolerance, for the log.
fn assert_close(what: &str, got: &[f64], want: &[f64], tol: impl Fn(usize) -> f64) -> f64 {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    let mut worst: f64 = 0.0;
    for (k, (&g, &w)) in got.iter().zip(want).enumerate() {
        let t = tol(k);
        let err = (g - w).abs();
        assert!(
            err <= t,
            "{what}[{k}]: kernel {g:e}, reference {w:e}, error {err:e} > tolerance {t:e}"
        );
        if err > 0.0 {
            worst = worst.max(err / t);
        }
    }
    worst
}

fn name<S: Real>(kernel: &str) -> String {
    format!("{kernel}_{}", S::SUFFIX)
}

/// `grid` blocks of `block` threads, no shared memory.
fn plain(kernel: &str, grid: u32, block: u32) -> Launch<'_> {
    Launch {
        kernel,
        grid,
        block,
        shared: 0,
    }
}

fn keys_arg(keys: &[u64]) -> Arg {
    buf_of(keys, |k| k.to_ne_bytes().to_vec())
}

fn flag_arg(flag: i32) -> Arg {
    buf_of(&[flag], |f| f.to_ne_bytes().to_vec())
}

// ---- bias_act

/// 37 × 5 values (not a multiple of the block) on 2 blocks of 64 (fewer threads than
/// values), each code −1..=5, σ′ asked for or not. Tolerance 4ε·max(1, |reference|): the
/// kernel's sigmoid divides where the Rust one multiplies by a reciprocal, and the C
/// library's exp/tanh/expm1/log1p differ from libm's by an ulp.
fn bias_act<S: Real>(driver: &std::path::Path) -> f64 {
    let (rows, cols) = (37usize, 5usize);
    let mut rng = Rng(1);
    let mut z: Vec<S> = rng.uniforms(rows * cols, -12.0, 12.0);
    // Where the formulas switch branch or saturate.
    for (k, v) in [
        0.0, -0.0, 1e-3, -1e-3, 40.0, -40.0, 90.0, -90.0, 700.0, -700.0,
    ]
    .into_iter()
    .enumerate()
    {
        z[cols * k + 2] = S::from_f64(v);
    }
    // −0.5, −0.25, 0, 0.25, 0.5: column 2 (bias 0) sees the values above exactly.
    let bias: Vec<S> = (0..cols)
        .map(|c| S::from_f64((c as f64 - 2.0) * 0.25))
        .collect();
    let kernel = name::<S>("bias_act");
    let mut worst: f64 = 0.0;
    for act in [-1, 0, 1, 2, 3, 4, 5] {
        let (mut want, mut want_d) = (Vec::new(), Vec::new());
        for (e, &ze) in z.iter().enumerate() {
            let pre = ze + bias[e % cols];
            let (v, d) = match act {
                -1 => (pre, S::ONE),
                code => Activation::from_u32(code as u32).unwrap().eval(pre),
            };
            want.push(v.to_f64());
            want_d.push(d.to_f64());
        }
        for with_deriv in [false, true] {
            let deriv = match with_deriv {
                true => buf(&vec![S::ZERO; rows * cols]),
                false => Arg::Null,
            };
            let args = [
                buf(&z),
                deriv,
                buf(&bias),
                Arg::I64(rows as i64),
                Arg::I32(cols as i32),
                Arg::I32(act),
            ];
            let out = plain(&kernel, 2, BLOCK).run(driver, &args);
            let tol = |w: &[f64]| {
                let w = w.to_vec();
                move |k: usize| 4.0 * S::eps() * w[k].abs().max(1.0)
            };
            let what = format!("{kernel} act {act} deriv {with_deriv}");
            worst = worst.max(assert_close(
                &what,
                &f64s(&S::decode(&out[0])),
                &want,
                tol(&want),
            ));
            if with_deriv {
                worst = worst.max(assert_close(
                    &format!("{what}: σ′"),
                    &f64s(&S::decode(&out[1])),
                    &want_d,
                    tol(&want_d),
                ));
            }
        }
    }
    worst
}

#[test]
fn bias_act_matches_activation_eval() {
    let Some(driver) = driver() else { return };
    let worst = [bias_act::<f32>(driver), bias_act::<f64>(driver)];
    println!("bias_act: worst error / tolerance {worst:?} (f32, f64)");
}

// ---- normals and ula_update

/// Keys at the edges of the key space and from the generator.
fn keys(n: usize, rng: &mut Rng) -> Vec<u64> {
    let mut k = vec![0, 1, u64::MAX, 0x9E37_79B9_7F4A_7C15];
    k.extend((k.len()..n).map(|_| rng.next_u64()));
    k.truncate(n);
    k
}

/// The normals [`philox::normals`] draws for `keys` at step `t`, n × d.
fn host_normals<S: Real>(keys: &[u64], t: u32, d: usize) -> Vec<S> {
    let mut z = vec![S::ZERO; keys.len() * d];
    for (row, &key) in z.chunks_mut(d).zip(keys) {
        philox::normals(key, t, row);
    }
    z
}

/// 6 particles, d = 1, 2, 3, 7, steps 0, 1, 77 777 and u32::MAX, on one block of 64 and
/// on one of 5 threads (fewer than the pairs). Tolerance 4ε·max(1, |z|): Box–Muller's log
/// is the C library's in the kernel and libm's on the host (its cos and sin are the C
/// library's on both sides).
fn normals<S: Real>(driver: &std::path::Path) -> f64 {
    let mut rng = Rng(2);
    let kernel = name::<S>("normals");
    let mut worst: f64 = 0.0;
    let keys = keys(6, &mut rng);
    for d in [1usize, 2, 3, 7] {
        for t in [0u32, 1, 77_777, u32::MAX] {
            let want = f64s(&host_normals::<S>(&keys, t, d));
            for block in [BLOCK, 5] {
                let args = [
                    buf(&vec![S::ZERO; keys.len() * d]),
                    Arg::I64(keys.len() as i64),
                    Arg::I32(d as i32),
                    keys_arg(&keys),
                    Arg::U32(t),
                ];
                let out = plain(&kernel, 1, block).run(driver, &args);
                let what = format!("{kernel} d {d} t {t} block {block}");
                let got = f64s(&S::decode(&out[0]));
                worst = worst.max(assert_close(&what, &got, &want, |k| {
                    4.0 * S::eps() * want[k].abs().max(1.0)
                }));
            }
        }
    }
    worst
}

#[test]
fn normals_match_the_host_philox() {
    let Some(driver) = driver() else { return };
    let worst = [normals::<f32>(driver), normals::<f64>(driver)];
    println!("normals: worst error / tolerance {worst:?} (f32, f64)");
}

/// One ULA step of 9 particles in d = 3 (odd: the last pair is half used) on one block of
/// 64 and one of 4 threads: x − step·g + noise·z with z from [`philox::normals`], to
/// 4ε·(|x| + |step·g| + |noise·z|) (z agrees to a few ulps, see `normals`). The flag stays
/// 0 when every value is finite, and becomes 1 when a gradient overflows x to −∞ or a
/// coordinate is NaN, while the other particles' coordinates are still updated.
fn ula_update<S: Real>(driver: &std::path::Path) -> f64 {
    let (n, d, t) = (9usize, 3usize, 5u32);
    let mut rng = Rng(3);
    let keys = keys(n, &mut rng);
    let x: Vec<S> = rng.uniforms(n * d, -2.0, 2.0);
    let grad: Vec<S> = rng.uniforms(n * d, -5.0, 5.0);
    let (step, noise) = (S::from_f64(0.01), S::from_f64(0.02f64.sqrt()));
    let z = host_normals::<S>(&keys, t, d);
    let kernel = name::<S>("ula_update");
    let huge = S::from_f64(if S::SUFFIX == "f32" {
        f64::from(f32::MAX)
    } else {
        f64::MAX
    });
    let mut worst: f64 = 0.0;
    // (what, x, grad, step, the coordinate that is not finite afterwards)
    let overflow = {
        let mut g = grad.clone();
        g[4] = huge;
        g
    };
    let nan = {
        let mut x = x.clone();
        x[7] = S::from_f64(f64::NAN);
        x
    };
    let cases = [
        ("finite", &x, &grad, step, None),
        ("overflow", &x, &overflow, S::from_f64(10.0), Some(4)),
        ("NaN", &nan, &grad, step, Some(7)),
    ];
    for (what, x, grad, step, broken) in cases {
        let want: Vec<S> = (0..n * d)
            .map(|j| x[j] - step * grad[j] + noise * z[j])
            .collect();
        for block in [BLOCK, 4] {
            let args = [
                buf(x),
                buf(grad),
                Arg::I64(n as i64),
                Arg::I32(d as i32),
                step.arg(),
                noise.arg(),
                keys_arg(&keys),
                Arg::U32(t),
                flag_arg(0),
            ];
            let out = plain(&kernel, 1, block).run(driver, &args);
            let got = S::decode(&out[0]);
            let bad = i32::from_ne_bytes(out[3][..4].try_into().unwrap());
            let label = format!("{kernel} {what} block {block}");
            assert_eq!(bad, i32::from(broken.is_some()), "{label}: the bad flag");
            if let Some(j) = broken {
                assert!(!got[j].is_finite(), "{label}: x[{j}] = {:?}", got[j]);
            }
            let fine: Vec<usize> = (0..n * d).filter(|&j| Some(j) != broken).collect();
            let pick = |v: &[S]| fine.iter().map(|&j| v[j].to_f64()).collect::<Vec<_>>();
            let scale = |j: usize| {
                x[j].abs().to_f64()
                    + (step * grad[j]).abs().to_f64()
                    + (noise * z[j]).abs().to_f64()
            };
            worst = worst.max(assert_close(&label, &pick(&got), &pick(&want), |k| {
                4.0 * S::eps() * scale(fine[k])
            }));
        }
    }
    worst
}

#[test]
fn ula_update_matches_the_host_step_and_flags_non_finite_values() {
    let Some(driver) = driver() else { return };
    let worst = [ula_update::<f32>(driver), ula_update::<f64>(driver)];
    println!("ula_update: worst error / tolerance {worst:?} (f32, f64)");
}

// ---- adam

/// Four Adam steps on 150 parameters (more than the 2 blocks of 64 threads) with the
/// scalars `CudaBackend::adam_step` passes ([`AdamStep::kernel_scalars`]), against
/// [`Adam::step`] in f64 with the same hyperparameters as `S` holds them (lr 0.01, β₁ 0.9,
/// β₂ 0.999, ε 1e-8). Inputs are exact in f32 and each coordinate's gradients keep one
/// sign, so every quantity is well conditioned: after t steps m, v and the parameters are
/// within 8tε of the reference relative to their size (for the parameters, |p| + lr·t,
/// the distance they travelled).
fn adam<S: Real>(driver: &std::path::Path) -> f64 {
    let n = 150usize;
    let mut rng = Rng(4);
    let mut p: Vec<S> = rng.uniforms(n, -1.0, 1.0);
    let (mut m, mut v) = (vec![S::ZERO; n], vec![S::ZERO; n]);
    let sign: Vec<f64> = (0..n)
        .map(|k| if k % 3 == 0 { -1.0 } else { 1.0 })
        .collect();
    let held = |x: f64| S::from_f64(x).to_f64();
    let mut host = Adam::new(n, held(0.01));
    (host.beta1, host.beta2, host.eps) = (held(host.beta1), held(host.beta2), held(host.eps));
    let mut host_p = f64s(&p);
    let kernel = name::<S>("adam");
    let mut worst: f64 = 0.0;
    for t in 1..=4 {
        let g: Vec<S> = (0..n)
            .map(|k| S::from_f64(sign[k] * rng.uniform::<f64>(0.5, 2.0)))
            .collect();
        host.step(&mut host_p, &f64s(&g));
        let hyper = AdamStep {
            lr: host.lr,
            beta1: host.beta1,
            beta2: host.beta2,
            eps: host.eps,
            t,
        };
        let mut args = vec![buf(&p), buf(&g), buf(&m), buf(&v), Arg::I64(n as i64)];
        args.extend(hyper.kernel_scalars::<S>().map(S::arg));
        let out = plain(&kernel, 2, BLOCK).run(driver, &args);
        [p, m, v] = [0, 2, 3].map(|k| S::decode(&out[k]));
        let state = host.state();
        let tol = 8.0 * f64::from(t) * S::eps();
        for (what, got, want, travel) in [
            ("parameters", &p, &host_p, host.lr * f64::from(t)),
            ("first moments", &m, &state.m, 0.0),
            ("second moments", &v, &state.v, 0.0),
        ] {
            let label = format!("{kernel} step {t}: {what}");
            worst = worst.max(assert_close(&label, &f64s(got), want, |k| {
                tol * (want[k].abs() + travel)
            }));
        }
    }
    worst
}

#[test]
fn adam_matches_the_host_optimiser() {
    let Some(driver) = driver() else { return };
    let worst = [adam::<f32>(driver), adam::<f64>(driver)];
    println!("adam: worst error / tolerance {worst:?} (f32, f64)");
}

// ---- softmin

/// One soft-min configuration.
#[derive(Clone, Copy, Debug)]
struct Softmin {
    n: usize,
    m: usize,
    d: usize,
    tile: usize,
    block: u32,
    /// Added to every uⱼ: ±1000 overflows or underflows a sum of exp(uⱼ − cᵢⱼ) in either
    /// precision, which the running maximum must avoid.
    shift: f64,
    bary: bool,
}

/// The soft-min of `c` from its inputs (as the kernel receives them) in f64, two passes
/// with the exact maximum: the outputs, the projections (n × d) and, per row, the size of
/// the exponents that were rounded (max over j of |uⱼ| + cᵢⱼ·half_inv).
fn softmin_reference(
    c: Softmin,
    [x, y, u]: [&[f64]; 3],
    [half_inv, log_w, eps]: [f64; 3],
) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let (mut out, mut bary, mut size) = (Vec::new(), Vec::new(), Vec::new());
    for xi in x.chunks(c.d) {
        let cost = |yj: &[f64]| -> f64 { xi.iter().zip(yj).map(|(a, b)| (a - b) * (a - b)).sum() };
        let a: Vec<f64> = y
            .chunks(c.d)
            .zip(u)
            .map(|(yj, uj)| uj - cost(yj) * half_inv)
            .collect();
        let top = a.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let w: Vec<f64> = a.iter().map(|aj| (aj - top).exp()).collect();
        let sum: f64 = w.iter().sum();
        out.push(-eps * (log_w + top + sum.ln()));
        for k in 0..c.d {
            bary.push(
                w.iter()
                    .zip(y.chunks(c.d))
                    .map(|(wj, yj)| wj * yj[k])
                    .sum::<f64>()
                    / sum,
            );
        }
        let s = y
            .chunks(c.d)
            .zip(u)
            .map(|(yj, uj)| uj.abs() + cost(yj) * half_inv);
        size.push(s.fold(0.0, f64::max));
    }
    (out, bary, size)
}

/// Tolerances: the kernel rounds each exponent aⱼ (error ≲ 4ε·size, size as above) and
/// accumulates m weights ≤ 1 (error ≲ mε relative to the sum, which is ≥ 1), so
/// |Δout| ≤ 4ε·ε_sinkhorn·(4·size + m + |log_w|), and the projections, averages of
/// coordinates up to 2 in size, within 4ε·2·(4·size + m).
fn softmin<S: Real>(driver: &std::path::Path, c: Softmin) -> f64 {
    let mut rng = Rng(5 + c.n as u64 * 1000 + c.m as u64 * 10 + c.d as u64);
    let x: Vec<S> = rng.uniforms(c.n * c.d, -2.0, 2.0);
    let y: Vec<S> = rng.uniforms(c.m * c.d, -2.0, 2.0);
    let u: Vec<S> = rng.uniforms(c.m, c.shift - 1.0, c.shift + 1.0);
    let eps = 0.5;
    let [half_inv, log_w, eps_s] = [0.5 / eps, -(c.m as f64).ln(), eps].map(S::from_f64);
    let (want, want_bary, size) = softmin_reference(
        c,
        [&f64s(&x), &f64s(&y), &f64s(&u)],
        [half_inv, log_w, eps_s].map(S::to_f64),
    );
    let kernel = name::<S>("softmin");
    let bary = match c.bary {
        true => buf(&vec![S::ZERO; c.n * c.d]),
        false => Arg::Null,
    };
    let args = [
        buf(&x),
        Arg::I64(c.n as i64),
        buf(&y),
        Arg::I64(c.m as i64),
        Arg::I32(c.d as i32),
        buf(&u),
        half_inv.arg(),
        log_w.arg(),
        eps_s.arg(),
        Arg::I32(c.tile as i32),
        buf(&vec![S::ZERO; c.n]),
        bary,
    ];
    let launch = Launch {
        kernel: &kernel,
        grid: c.n.div_ceil(c.block as usize) as u32,
        block: c.block,
        shared: (c.tile * (c.d + 1) * size_of::<S>()) as u32,
    };
    let out = launch.run(driver, &args);
    let e = 4.0 * S::eps();
    let m = c.m as f64;
    let label = format!("{kernel} {c:?}");
    let mut worst = assert_close(&label, &f64s(&S::decode(&out[3])), &want, |i| {
        e * eps * (4.0 * size[i] + m + log_w.to_f64().abs())
    });
    if c.bary {
        let got = f64s(&S::decode(&out[4]));
        let w = assert_close(&format!("{label}: projections"), &got, &want_bary, |k| {
            e * 2.0 * (4.0 * size[k / c.d] + m)
        });
        worst = worst.max(w);
    }
    worst
}

#[test]
fn softmin_matches_a_direct_evaluation() {
    let Some(driver) = driver() else { return };
    let base = Softmin {
        n: 100,
        m: 150,
        d: 2,
        tile: 32,
        block: BLOCK,
        shift: 0.0,
        bary: true,
    };
    let mut cases = Vec::new();
    for d in [1, 2, 3] {
        for bary in [false, true] {
            cases.push(Softmin { d, bary, ..base });
        }
    }
    cases.extend([
        // One partial tile.
        Softmin { m: 5, ..base },
        // Tiles wider than the block, an odd block.
        Softmin {
            n: 90,
            d: 3,
            tile: 100,
            block: 40,
            ..base
        },
        // Exponents far beyond exp's range either way.
        Softmin {
            shift: 1000.0,
            ..base
        },
        Softmin {
            shift: -1000.0,
            ..base
        },
    ]);
    let mut worst = [0.0f64; 2];
    for c in cases {
        worst[0] = worst[0].max(softmin::<f32>(driver, c));
        worst[1] = worst[1].max(softmin::<f64>(driver, c));
    }
    println!("softmin: worst error / tolerance {worst:?} (f32, f64)");
}

// ---- mul_elem and fill

/// 150 of 160 values on one block of 64: a ⊙ b and the fill value exactly, the last 10
/// untouched.
fn mul_elem_and_fill<S: Real>(driver: &std::path::Path) {
    let (len, n) = (160usize, 150usize);
    let mut rng = Rng(6);
    let a: Vec<S> = rng.uniforms(len, -3.0, 3.0);
    let b: Vec<S> = rng.uniforms(len, -3.0, 3.0);
    let kernel = name::<S>("mul_elem");
    let out = plain(&kernel, 1, BLOCK).run(driver, &[buf(&a), buf(&b), Arg::I64(n as i64)]);
    let want: Vec<f64> = (0..len)
        .map(|k| if k < n { a[k] * b[k] } else { a[k] }.to_f64())
        .collect();
    assert_close(&kernel, &f64s(&S::decode(&out[0])), &want, |_| 0.0);
    let kernel = name::<S>("fill");
    let v = S::from_f64(-2.75);
    let out = plain(&kernel, 1, BLOCK).run(driver, &[buf(&a), v.arg(), Arg::I64(n as i64)]);
    let want: Vec<f64> = (0..len)
        .map(|k| if k < n { v } else { a[k] }.to_f64())
        .collect();
    assert_close(&kernel, &f64s(&S::decode(&out[0])), &want, |_| 0.0);
}

#[test]
fn mul_elem_and_fill_are_exact() {
    let Some(driver) = driver() else { return };
    mul_elem_and_fill::<f32>(driver);
    mul_elem_and_fill::<f64>(driver);
}
