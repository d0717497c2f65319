"""What the batched peers share: the workload's constants, thread set-up and the JSON rows.

The workload is gradflow::bench::BatchedUlaWorkload: K = 10 ULA steps
x <- x - tau*grad E(x) + sqrt(2 tau)*xi, tau = 0.01, of N = 16384 particles from N(0, I) on
a 2->128->128->1 SiLU MLP energy with LeCun-normal weights (N(0, 1/fan_in)) and zero
biases. Every timed run restarts from the same positions.
"""

import json
import os
import statistics
import time

PARTICLES = 16_384
STEPS = 10
TAU = 0.01
WIDTH = 128
REPEATS = 7
FLOPS = 67_200  # gradflow::bench::BATCHED_ULA_FLOPS (a looser count, with the element-wise work, gives 69 128)


def limit_threads(threads):
    """Sets the thread-count variables of OpenMP, MKL, OpenBLAS and XLA for `threads`
    threads. Call before importing numpy, torch or jax."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(threads)
    if threads == 1:
        os.environ["XLA_FLAGS"] = (
            "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
        )
    else:
        os.environ.pop("XLA_FLAGS", None)


def median_rate(run, repeats=REPEATS, warmup=2):
    """Median of `repeats` timed calls of `run()` (after `warmup` untimed ones), as
    particle-steps per second. `run` must block until its result is ready."""
    for _ in range(warmup):
        run()
    rates = []
    for _ in range(repeats):
        t = time.perf_counter()
        run()
        rates.append(PARTICLES * STEPS / (time.perf_counter() - t))
    return statistics.median(rates)


def row(impl, threads, rate):
    """Prints one JSON line in the format of `gradflow bench --workload batched --json`."""
    print(
        json.dumps(
            {
                "impl": impl,
                "precision": "f32",
                "threads": threads,
                "particles": PARTICLES,
                "steps": STEPS,
                "particle_steps_per_s": round(rate),
                "gflops": round(rate * FLOPS / 1e9, 2),
            }
        ),
        flush=True,
    )
