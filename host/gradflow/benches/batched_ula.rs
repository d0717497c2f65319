//! Batched ULA steps of a 2→128→128→1 SiLU MLP energy in the host engine, f32, on one thread
//! and on every core: the workload of `gradflow bench --workload batched` (see
//! `gradflow::bench::BatchedUlaWorkload`), timed by criterion.
//!
//! Each iteration resets N = 16 384 particles and moves them by K = 10 steps; criterion
//! reports particle-steps per second. FLOPs per particle-step: `bench::BATCHED_ULA_FLOPS`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use gradflow::bench::{BATCHED_ULA_PARTICLES, BATCHED_ULA_STEPS, BatchedUlaWorkload};
use std::hint::black_box;

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("batched_ula_mlp_2_128_128_1_silu_f32");
    group.throughput(Throughput::Elements(
        (BATCHED_ULA_PARTICLES * BATCHED_ULA_STEPS) as u64,
    ));
    for threads in [1, 0] {
        let mut workload =
            BatchedUlaWorkload::<f32>::new(BATCHED_ULA_PARTICLES, BATCHED_ULA_STEPS, threads)
                .expect("the benchmark workload is valid");
        let name = format!("{} threads", workload.threads());
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| {
                black_box(workload.run_once().expect("the benchmark energy is finite"));
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = batched;
    config = Criterion::default()
        .sample_size(10)
        .measurement_time(std::time::Duration::from_secs(5));
    targets = benches
}
criterion_main!(batched);
