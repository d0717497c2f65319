//! The `gradflow bench` workloads, shared with the criterion benches so that both time the
//! same thing.

use std::time::Instant;

use gradflow_core::{Activation, Kernel, Mlp, MlpParams, Scalar, StreamRng, Ula};

/// FLOPs of one ULA step of the 2→64→64→1 MLP energy (an FMA counted as 2, the 128
/// activation evaluations not counted): forward 2·(2·64 + 64·64 + 64) = 8576; backward
/// 64 (output) + 2·64·64 (hidden) + 2·2·64 (input) + 2·64 (activation derivatives) = 8640.
pub const ULA_MLP_FLOPS: u64 = 17_216;

/// One ULA step (τ = 0.01) of a 2→64→64→1 SiLU MLP energy (LeCun-normal weights, seed 0) on
/// a batch of particles from N(0, I), one particle after another on one thread. Every run
/// starts from the same positions, so the work does not drift.
pub struct UlaMlpWorkload<S: Scalar> {
    net: Box<Mlp<S, 2, 64, 1, 1>>,
    start: Vec<S>,
    states: Vec<S>,
    rng: StreamRng,
}

impl<S: Scalar> UlaMlpWorkload<S> {
    /// A workload of `particles` particles.
    pub fn new(particles: usize) -> Self {
        let mut params = Box::new(MlpParams::<S, 2, 64, 1, 1>::zeroed());
        params.init_lecun_normal(&mut StreamRng::new(0, 0));
        let net = Box::new(Mlp::new(*params, Activation::Silu));
        let mut init = StreamRng::new(1, 0);
        let start: Vec<S> = (0..2 * particles).map(|_| init.normal()).collect();
        Self {
            net,
            states: start.clone(),
            start,
            rng: StreamRng::new(2, 0),
        }
    }

    /// Particles per run.
    pub fn particles(&self) -> usize {
        self.start.len() / 2
    }

    /// Resets the particles and moves each by one ULA step.
    pub fn run_once(&mut self) -> &[S] {
        let ula = Ula {
            step: S::from_f64(0.01),
        };
        let mut scratch = [S::ZERO; 4];
        self.states.copy_from_slice(&self.start);
        for x in self.states.chunks_exact_mut(2) {
            ula.step(&*self.net, x, &mut self.rng, &mut scratch)
                .expect("the benchmark energy is finite everywhere");
        }
        &self.states
    }

    /// Median wall time per particle-step in nanoseconds over `repeats` runs, after one
    /// warm-up run.
    pub fn median_ns_per_step(&mut self, repeats: usize) -> f64 {
        std::hint::black_box(self.run_once());
        let mut times: Vec<f64> = (0..repeats.max(1))
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(self.run_once());
                t.elapsed().as_secs_f64() * 1e9 / self.particles() as f64
            })
            .collect();
        times.sort_by(f64::total_cmp);
        times[times.len() / 2]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workload_moves_every_particle_and_is_reproducible() {
        let mut w = UlaMlpWorkload::<f64>::new(8);
        let first = w.run_once().to_vec();
        assert!(first.iter().zip(&w.start).all(|(a, b)| a != b));
        let mut again = UlaMlpWorkload::<f64>::new(8);
        assert_eq!(again.run_once(), &first[..]);
    }
}
