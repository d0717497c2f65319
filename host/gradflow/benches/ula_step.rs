//! One ULA step of a 2→64→64→1 SiLU MLP energy, per particle, in f32 and f64: the
//! workload of `gradflow bench` (see `gradflow::bench`), timed by criterion.
//!
//! Each iteration moves a batch of 1024 particles by one step; criterion reports
//! particle-steps per second. FLOPs per step: `bench::ULA_MLP_FLOPS` (17 216).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use gradflow::bench::UlaMlpWorkload;
use gradflow_core::Scalar;
use std::hint::black_box;

const BATCH: usize = 1024;

fn bench_ula<S: Scalar>(c: &mut Criterion, name: &str) {
    let mut workload = UlaMlpWorkload::<S>::new(BATCH);
    let mut group = c.benchmark_group("ula_step_mlp_2_64_64_1_silu");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function(BenchmarkId::from_parameter(name), |b| {
        b.iter(|| {
            black_box(workload.run_once());
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
    config = Criterion::default()
        .sample_size(30)
        .measurement_time(std::time::Duration::from_secs(4));
    targets = benches
}
criterion_main!(ula);
