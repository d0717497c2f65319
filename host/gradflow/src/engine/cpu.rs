//! The CPU backend: tiles of particles on a rayon thread pool, matrix products per tile.

use gradflow_core::StreamRng;
use gradflow_core::integrators::rules;
use rayon::prelude::*;

use super::checks::{
    self, forward_args, forward_backward_args, param_grad_args, ula_args, value_grad_args,
};
use super::fused::{FusedIsa, Plan, Workspace, ula_tile};
use super::gemm::GemmScalar;
use super::tile::{Tape, backward, forward};
use super::{Backend, EngineError, Network};

/// Particles per tile: a tile's activations stay in the core's caches between layers and,
/// for Langevin steps, across all the steps of a call.
const TILE: usize = 64;
/// Tiles per parameter-gradient partial sum. The partition into partials does not depend on
/// the number of threads and the partials are added in order, so parameter gradients are
/// bit-identical for any thread count.
const TILES_PER_PARTIAL: usize = 16;
/// Particles per tile of the fused kernels (16 blocks of 6 rows).
const FUSED_TILE: usize = 96;

/// Batched evaluation on CPU threads.
#[derive(Debug)]
pub struct CpuBackend {
    pool: rayon::ThreadPool,
    /// The fused f32 kernels this CPU runs, if any.
    fused: Option<FusedIsa>,
}

impl CpuBackend {
    /// A backend on `threads` threads (0: one per core), with the best fused f32 kernels of
    /// this CPU ([`FusedIsa::detect`]).
    pub fn new(threads: usize) -> Self {
        Self::with_fused(threads, FusedIsa::detect())
    }

    /// A backend on `threads` threads with the given fused f32 kernels (`None`: the generic
    /// tile path for everything), for comparisons and tests. An instruction set this CPU
    /// lacks is replaced by `None`.
    pub fn with_fused(threads: usize, fused: Option<FusedIsa>) -> Self {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("building a thread pool never fails without a stack size or a name");
        Self {
            pool,
            fused: fused.filter(|isa| isa.available()),
        }
    }

    /// Threads of the pool.
    pub fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// Runs `op` on this backend's thread pool, so that rayon's parallel iterators inside it
    /// (the caller's and the backend's own, which then run in place) share its threads:
    /// work around the engine needs no second pool.
    pub fn install<R: Send>(&self, op: impl FnOnce() -> R + Send) -> R {
        self.pool.install(op)
    }
}

/// `grad_params ← Σ partials`, added in order (so independent of the thread count).
fn add_partials<S: GemmScalar>(partials: &[Vec<S>], grad_params: &mut [S]) {
    grad_params.fill(S::ZERO);
    for partial in partials {
        for (g, v) in grad_params.iter_mut().zip(partial) {
            *g += *v;
        }
    }
}

impl<S: GemmScalar> Backend<S> for CpuBackend {
    fn describe(&self) -> String {
        let fused = match self.fused {
            Some(FusedIsa::Avx512) => ", fused f32 kernels: AVX-512",
            Some(FusedIsa::Avx2) => ", fused f32 kernels: AVX2",
            None => "",
        };
        let threads = self.threads();
        let plural = if threads == 1 { "" } else { "s" };
        format!("cpu ({threads} thread{plural}{fused})")
    }

    fn forward(&self, net: &Network<S>, x: &[S], out: &mut [S]) -> Result<(), EngineError> {
        forward_args(net, x, out.len())?;
        let (d, o) = (net.architecture().in_dim(), net.architecture().out_dim());
        self.pool.install(|| {
            x.par_chunks(TILE * d)
                .zip(out.par_chunks_mut(TILE * o))
                .for_each_init(
                    || Tape::new(net, TILE),
                    |tape, (xt, ot)| forward(net, xt, ot, tape),
                )
        });
        Ok(())
    }

    fn value_grad(
        &self,
        net: &Network<S>,
        x: &[S],
        value: &mut [S],
        grad: &mut [S],
    ) -> Result<(), EngineError> {
        value_grad_args(net, x, value.len(), grad.len())?;
        let d = net.architecture().in_dim();
        self.pool.install(|| {
            x.par_chunks(TILE * d)
                .zip(value.par_chunks_mut(TILE))
                .zip(grad.par_chunks_mut(TILE * d))
                .for_each_init(
                    || Tape::new(net, TILE),
                    |tape, ((xt, vt), gt)| {
                        forward(net, xt, vt, tape);
                        backward(net, xt, None, tape, None, Some(gt));
                    },
                )
        });
        Ok(())
    }

    fn param_grad(
        &self,
        net: &Network<S>,
        x: &[S],
        cot: &[S],
        grad_params: &mut [S],
    ) -> Result<(), EngineError> {
        param_grad_args(net, x, cot.len(), grad_params.len())?;
        let arch = net.architecture();
        let (d, o, p) = (arch.in_dim(), arch.out_dim(), arch.n_params());
        let rows = TILE * TILES_PER_PARTIAL;
        let partials: Vec<Vec<S>> = self.pool.install(|| {
            x.par_chunks(rows * d)
                .zip(cot.par_chunks(rows * o))
                .map(|(xc, cc)| {
                    let mut tape = Tape::new(net, TILE);
                    let mut partial = vec![S::ZERO; p];
                    let mut out = vec![S::ZERO; TILE * o];
                    for (xt, ct) in xc.chunks(TILE * d).zip(cc.chunks(TILE * o)) {
                        forward(net, xt, &mut out[..ct.len()], &mut tape);
                        backward(net, xt, Some(ct), &mut tape, Some(&mut partial), None);
                    }
                    partial
                })
                .collect()
        });
        add_partials(&partials, grad_params);
        Ok(())
    }

    fn forward_backward(
        &self,
        net: &Network<S>,
        x: &[S],
        cotangent: &mut dyn FnMut(&[S], &mut [S]),
        grad_params: &mut [S],
    ) -> Result<(), EngineError> {
        let n = forward_backward_args(net, x, grad_params.len())?;
        let arch = net.architecture();
        let (d, o, p) = (arch.in_dim(), arch.out_dim(), arch.n_params());
        // The tiles and partial sums of `param_grad`, so the same bits; each tile keeps its
        // tape from the forward pass to the backward pass.
        let mut out = vec![S::ZERO; n * o];
        let mut tapes: Vec<Tape<S>> = self.pool.install(|| {
            x.par_chunks(TILE * d)
                .zip(out.par_chunks_mut(TILE * o))
                .map(|(xt, ot)| {
                    let mut tape = Tape::new(net, xt.len() / d);
                    forward(net, xt, ot, &mut tape);
                    tape
                })
                .collect()
        });
        let mut cot = vec![S::ZERO; n * o];
        cotangent(&out, &mut cot);
        let rows = TILE * TILES_PER_PARTIAL;
        let partials: Vec<Vec<S>> = self.pool.install(|| {
            x.par_chunks(rows * d)
                .zip(cot.par_chunks(rows * o))
                .zip(tapes.par_chunks_mut(TILES_PER_PARTIAL))
                .map(|((xc, cc), tc)| {
                    let mut partial = vec![S::ZERO; p];
                    let tiles = xc.chunks(TILE * d).zip(cc.chunks(TILE * o));
                    for ((xt, ct), tape) in tiles.zip(tc) {
                        backward(net, xt, Some(ct), tape, Some(&mut partial), None);
                    }
                    partial
                })
                .collect()
        });
        add_partials(&partials, grad_params);
        Ok(())
    }

    fn ula_steps(
        &self,
        net: &Network<S>,
        x: &mut [S],
        rngs: &mut [StreamRng],
        step: S,
        steps: usize,
    ) -> Result<(), EngineError> {
        ula_args(net, x, rngs.len(), step)?;
        let diverged = match S::as_f32(net, x).zip(self.fused) {
            Some(((net, x), isa)) => match Plan::new(net) {
                Some(plan) => self.fused_ula(isa, &plan, x, rngs, step.to_f64() as f32, steps),
                None => self.tiled_ula(net, x, rngs, step.to_f64() as f32, steps),
            },
            None => self.tiled_ula(net, x, rngs, step, steps),
        };
        if diverged {
            return Err(checks::diverged());
        }
        Ok(())
    }
}

impl CpuBackend {
    /// ULA on the fused f32 kernels: tiles of [`FUSED_TILE`] particles. Returns whether a
    /// chain diverged.
    fn fused_ula(
        &self,
        isa: FusedIsa,
        plan: &Plan,
        x: &mut [f32],
        rngs: &mut [StreamRng],
        step: f32,
        steps: usize,
    ) -> bool {
        let d = plan.in_dim();
        self.pool.install(|| {
            x.par_chunks_mut(FUSED_TILE * d)
                .zip(rngs.par_chunks_mut(FUSED_TILE))
                .map_init(
                    || Workspace::new(plan, FUSED_TILE),
                    |ws, (xt, rt)| !ula_tile(isa, plan, ws, xt, rt, step, steps),
                )
                .any(|bad| bad)
        })
    }

    /// ULA on the generic tile path (any scalar, any network). Returns whether a chain
    /// diverged.
    fn tiled_ula<S: GemmScalar>(
        &self,
        net: &Network<S>,
        x: &mut [S],
        rngs: &mut [StreamRng],
        step: S,
        steps: usize,
    ) -> bool {
        let d = net.architecture().in_dim();
        let noise = rules::langevin_noise(step);
        self.pool.install(|| {
            x.par_chunks_mut(TILE * d)
                .zip(rngs.par_chunks_mut(TILE))
                .map_init(
                    || {
                        (
                            Tape::new(net, TILE),
                            vec![S::ZERO; TILE],
                            vec![S::ZERO; TILE * d],
                        )
                    },
                    |(tape, energy, grad), (xt, rt)| {
                        let b = rt.len();
                        for _ in 0..steps {
                            forward(net, xt, &mut energy[..b], tape);
                            backward(net, xt, None, tape, None, Some(&mut grad[..b * d]));
                            for ((xi, gi), rng) in xt
                                .chunks_exact_mut(d)
                                .zip(grad.chunks_exact(d))
                                .zip(rt.iter_mut())
                            {
                                for (x, &g) in xi.iter_mut().zip(gi) {
                                    *x = rules::langevin(*x, g, step, noise, rng);
                                }
                            }
                        }
                        !xt.iter().all(|v| v.is_finite())
                    },
                )
                .any(|bad| bad)
        })
    }
}
