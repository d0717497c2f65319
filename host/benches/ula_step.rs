//! One ULA step of a 2→64→64→1 SiLU MLP energy, per particle, in f32 and f64.
//!
//! Each iteration moves a batch of 1024 particles (reset to the same start every time, so
//! the work does not drift) by one step; criterion reports particle-steps per second.
//! FLOPs per step (FMA counted as 2, the 128 activation evaluations not counted): forward
//! 2·(2·64 + 64·64 + 64) = 8576; backward 64 (output) + 2·64·64 (hidden) + 2·2·64 (input)
//! + 2·64 (activation derivatives) = 8640; total 17 216. See README "Performance".

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use gradflow_core::{Activation, Kernel, Mlp, MlpParams, Scalar, StreamRng, Ula};
use std::hint::black_box;

const BATCH: usize = 1024;
const ACT: Activation = Activation::Silu;

fn bench_ula<S: Scalar>(c: &mut Criterion, name: &str) {
    let mut params = Box::new(MlpParams::<S, 2, 64, 1, 1>::zeroed());
    params.init_lecun_normal(&mut StreamRng::new(0, 0));
    let net = Box::new(Mlp::new(*params, ACT));
    let mut init = StreamRng::new(1, 0);
    let start: Vec<S> = (0..2 * BATCH).map(|_| init.normal()).collect();
    let mut states = start.clone();
    let mut rng = StreamRng::new(2, 0);
    let mut scratch = [S::ZERO; 4];
    let ula = Ula {
        step: S::from_f64(0.01),
    };

    let mut group = c.benchmark_group("ula_step_mlp_2_64_64_1_silu");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function(BenchmarkId::from_parameter(name), |b| {
        b.iter(|| {
            states.copy_from_slice(&start);
            for x in states.chunks_exact_mut(2) {
                ula.step(&*net, x, &mut rng, &mut scratch).unwrap();
            }
            black_box(&states);
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    bench_ula::<f32>(c, "f32");
    bench_ula::<f64>(c, "f64");
}

criterion_group! {
    name = ula;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(4));
    targets = benches
}
criterion_main!(ula);
