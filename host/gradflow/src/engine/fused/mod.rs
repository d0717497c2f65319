//! Fused f32 kernels for scalar energies: one tile of particles runs the whole forward pass,
//! the backward pass to the input gradient and the Langevin update with its activations in
//! cache, and every matrix product hands its register block straight to an epilogue (bias
//! and activation with its derivative on the way forward, the derivative product on the way
//! back) instead of writing and re-reading it. The products are register-blocked
//! ([`micro`]); the code is compiled twice, for AVX-512 and for AVX2 + FMA, and chosen at
//! run time. Other CPUs (and f64) use the generic tile path of the engine.

mod act;
mod epilogue;
mod micro;
mod plan;
mod simd;

use gradflow_core::StreamRng;
use gradflow_core::integrators::rules;

pub(crate) use act::exp_f32;
pub(crate) use plan::Plan;

use epilogue::{Activate, BackThrough, Seed};
use micro::Micro;
use plan::round_up;
use simd::Simd;

/// The instruction sets the fused f32 kernels are compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FusedIsa {
    /// AVX-512F (blocks of 6 particles × 64 units in 24 zmm accumulators).
    Avx512,
    /// AVX2 with FMA (blocks of 6 particles × 16 units in 12 ymm accumulators).
    Avx2,
}

impl FusedIsa {
    /// The best instruction set of this CPU, or `None` (no fused kernels: the engine uses
    /// its generic tile path). The environment variable `GRADFLOW_FUSED=off` turns the
    /// fused kernels off and `GRADFLOW_FUSED=avx2` caps them at AVX2 (for comparisons).
    pub fn detect() -> Option<Self> {
        match std::env::var("GRADFLOW_FUSED").as_deref() {
            Ok("off") => None,
            Ok("avx2") => Self::Avx2.available().then_some(Self::Avx2),
            _ => [Self::Avx512, Self::Avx2]
                .into_iter()
                .find(|i| i.available()),
        }
    }

    /// Whether this CPU has the instruction set.
    pub fn available(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            let avx2 = is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma");
            match self {
                Self::Avx512 => avx2 && is_x86_feature_detected!("avx512f"),
                Self::Avx2 => avx2,
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        false
    }
}

/// Per-thread buffers for tiles of up to `rows` particles (rounded up to whole blocks).
pub(crate) struct Workspace {
    rows: usize,
    x: Vec<f32>,
    grad: Vec<f32>,
    /// σ(z_k) and σ′(z_k) of every hidden layer but the last (whose epilogue writes the
    /// backward seed instead), `rows × widths[k]`.
    acts: Vec<Vec<f32>>,
    derivs: Vec<Vec<f32>>,
    delta: Vec<f32>,
    back: Vec<f32>,
}

/// Tiles are padded to a multiple of this many rows (every kernel's block height divides
/// it).
const ROWS_QUANTUM: usize = 12;

impl Workspace {
    /// Buffers for `plan` and tiles of up to `tile` particles.
    pub(crate) fn new(plan: &Plan, tile: usize) -> Self {
        let rows = round_up(tile, ROWS_QUANTUM);
        let widest = plan.widths.iter().copied().max().unwrap_or(0);
        let below_last = &plan.widths[..plan.hidden() - 1];
        let per_layer = || below_last.iter().map(|w| vec![0.0; rows * w]).collect();
        Self {
            rows,
            x: vec![0.0; rows * plan.in_dim],
            grad: vec![0.0; rows * plan.in_dim],
            acts: per_layer(),
            derivs: per_layer(),
            delta: vec![0.0; rows * widest],
            back: vec![0.0; rows * widest],
        }
    }
}

/// `Σ_j a_j b_j` over equal lengths that are a multiple of `4·I::LANES`, in four vector
/// accumulators (the compiler would not vectorise a sequential f32 sum).
///
/// # Safety
/// `I`'s instruction set must be available.
#[inline(always)]
unsafe fn dot<I: Simd>(a: &[f32], b: &[f32]) -> f32 {
    let chunk = 4 * I::LANES;
    assert!(a.len() == b.len() && a.len().is_multiple_of(chunk));
    // SAFETY: the instruction set is available (caller); every load reads LANES floats
    // inside a chunk of `a` or `b` (the assert above).
    unsafe {
        let mut acc = [I::zero(); 4];
        for (ca, cb) in a.chunks_exact(chunk).zip(b.chunks_exact(chunk)) {
            for (v, acc_v) in acc.iter_mut().enumerate() {
                let at = v * I::LANES;
                *acc_v = I::fma(
                    I::load(ca[at..].as_ptr()),
                    I::load(cb[at..].as_ptr()),
                    *acc_v,
                );
            }
        }
        I::sum(I::add(I::add(acc[0], acc[1]), I::add(acc[2], acc[3])))
    }
}

/// Input gradients ∇E(x) of the first `ws.rows` rows of `ws.x` into `ws.grad`: the body of
/// every fused kernel, for blocks of `MR` rows × `NV` vectors of `I` (`NR` columns).
///
/// # Safety
/// `I`'s instruction set must be available.
#[inline(always)]
unsafe fn gradients<I: Simd, const MR: usize, const NV: usize, const NR: usize>(
    plan: &Plan,
    ws: &mut Workspace,
) {
    let (rows, d, act) = (ws.rows, plan.in_dim, plan.activation);
    let last = plan.hidden() - 1;
    let Workspace {
        x,
        grad,
        acts,
        derivs,
        delta,
        back,
        ..
    } = ws;
    // Forward: h_k = σ(h_{k−1}·W_k + b_k), σ′ kept; the last layer's epilogue seeds the
    // backward pass with δ = w_out ⊙ σ′(z_last) (∂E/∂z_last for E = h_last·w_out + b_out).
    for k in 0..=last {
        let (cols, bias) = (plan.widths[k], &plan.biases[k][..]);
        let (done, rest) = acts.split_at_mut(k);
        let (input, inner) = if k == 0 {
            (&x[..], d)
        } else {
            (&done[k - 1][..], plan.widths[k - 1])
        };
        let weights = &plan.weights[k];
        if k < last {
            let (h, deriv) = (&mut rest[0][..], &mut derivs[k][..]);
            let mut epi = Activate {
                act,
                bias,
                cols,
                h,
                deriv,
            };
            // SAFETY: the instruction set is available (caller).
            unsafe {
                Micro::<I, MR, NV, NR>::product(input, inner, weights, inner, rows, cols, &mut epi)
            };
        } else {
            let (w_out, delta) = (&plan.out_weight[..], &mut delta[..rows * cols]);
            let mut epi = Seed {
                act,
                bias,
                w_out,
                cols,
                delta,
            };
            // SAFETY: the instruction set is available (caller).
            unsafe {
                Micro::<I, MR, NV, NR>::product(input, inner, weights, inner, rows, cols, &mut epi)
            };
        }
    }
    // Backward: δ_{k−1} = (δ_k · W_kᵀ) ⊙ σ′(z_{k−1}).
    for k in (1..=last).rev() {
        let (inner, cols) = (plan.widths[k], plan.widths[k - 1]);
        let deriv = &derivs[k - 1][..];
        let mut epi = BackThrough {
            deriv,
            cols,
            delta: &mut back[..rows * cols],
        };
        let wt = &plan.transposed[k];
        // SAFETY: the instruction set is available (caller).
        unsafe { Micro::<I, MR, NV, NR>::product(delta, inner, wt, inner, rows, cols, &mut epi) };
        std::mem::swap(delta, back);
    }
    // ∂E/∂x_c = δ₀ · (row c of W₀).
    let w0 = plan.widths[0];
    for r in 0..rows {
        let dr = &delta[r * w0..(r + 1) * w0];
        for c in 0..d {
            // SAFETY: the instruction set is available (caller).
            grad[r * d + c] = unsafe { dot::<I>(dr, &plan.weights[0][c * w0..(c + 1) * w0]) };
        }
    }
}

/// `steps` ULA steps of the `b = rngs.len()` particles of `x` (b ≤ the workspace's tile):
/// the engine's ULA with the core's noise order. Returns whether every state is finite.
///
/// # Safety
/// `I`'s instruction set must be available.
#[inline(always)]
unsafe fn ula_body<I: Simd, const MR: usize, const NV: usize, const NR: usize>(
    plan: &Plan,
    ws: &mut Workspace,
    x: &mut [f32],
    rngs: &mut [StreamRng],
    step: f32,
    steps: usize,
) -> bool {
    let (b, d) = (rngs.len(), plan.in_dim);
    ws.x.fill(0.0);
    ws.x[..b * d].copy_from_slice(&x[..b * d]);
    let noise = rules::langevin_noise(step);
    for _ in 0..steps {
        // SAFETY: the instruction set is available (caller).
        unsafe { gradients::<I, MR, NV, NR>(plan, ws) };
        for ((xi, gi), rng) in
            ws.x.chunks_exact_mut(d)
                .zip(ws.grad.chunks_exact(d))
                .zip(rngs.iter_mut())
        {
            for (x, &g) in xi.iter_mut().zip(gi) {
                *x = rules::langevin(*x, g, step, noise, rng);
            }
        }
    }
    x[..b * d].copy_from_slice(&ws.x[..b * d]);
    x[..b * d].iter().all(|v| v.is_finite())
}

/// An entry point compiled for one instruction set: [`ula_body`] with its block shape.
macro_rules! ula_entry {
    ($name:ident, $features:literal, $isa:ty, $mr:literal, $nv:literal, $nr:literal) => {
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = $features)]
        fn $name(
            plan: &Plan,
            ws: &mut Workspace,
            x: &mut [f32],
            rngs: &mut [StreamRng],
            step: f32,
            steps: usize,
        ) -> bool {
            // SAFETY: compiled for the instruction set, and only called where it is present.
            unsafe { ula_body::<$isa, $mr, $nv, $nr>(plan, ws, x, rngs, step, steps) }
        }
    };
}

ula_entry!(ula_avx512, "avx512f,avx2,fma", simd::Avx512, 12, 2, 32);
ula_entry!(ula_avx2, "avx2,fma", simd::Avx2, 6, 2, 16);

/// `steps` ULA steps of a tile (see [`ula_body`]) with the kernels of `isa`, which must
/// be available on this machine ([`FusedIsa::available`]). Returns whether every state is finite.
pub(crate) fn ula_tile(
    isa: FusedIsa,
    plan: &Plan,
    ws: &mut Workspace,
    x: &mut [f32],
    rngs: &mut [StreamRng],
    step: f32,
    steps: usize,
) -> bool {
    assert!(rngs.len() <= ws.rows && x.len() == rngs.len() * plan.in_dim);
    match isa {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the caller checked that AVX-512F, AVX2 and FMA are available.
        FusedIsa::Avx512 => unsafe { ula_avx512(plan, ws, x, rngs, step, steps) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the caller checked that AVX2 and FMA are available.
        FusedIsa::Avx2 => unsafe { ula_avx2(plan, ws, x, rngs, step, steps) },
        #[cfg(not(target_arch = "x86_64"))]
        _ => unreachable!("no fused kernels are available off x86-64"),
    }
}
