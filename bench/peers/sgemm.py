"""SGEMM peaks for the throughput table: the best of several 2048 x 2048 x 2048 f32
products through numpy (its bundled BLAS) and torch.mm, on THREADS threads.

Usage: sgemm.py THREADS (run it under `taskset` on THREADS cores).
"""

import json
import sys
import time

from common import limit_threads

THREADS = int(sys.argv[1])
SIZE = 2048
REPEATS = 5
limit_threads(THREADS)

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(THREADS)


def best_gflops(product):
    product()
    best = 0.0
    for _ in range(REPEATS):
        t = time.perf_counter()
        product()
        best = max(best, 2.0 * SIZE**3 / (time.perf_counter() - t) / 1e9)
    return best


def row(impl, gflops):
    print(
        json.dumps({"impl": impl, "threads": THREADS, "size": SIZE, "gflops": round(gflops, 2)}),
        flush=True,
    )


def blas_name():
    try:
        deps = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{deps['name']} {deps.get('version', '')}".strip()
    except Exception:
        return "blas"


def main():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((SIZE, SIZE), dtype=np.float32)
    b = rng.standard_normal((SIZE, SIZE), dtype=np.float32)
    c = np.empty((SIZE, SIZE), dtype=np.float32)
    row(
        f"sgemm-peak (numpy {np.__version__}, {blas_name()})",
        best_gflops(lambda: np.matmul(a, b, out=c)),
    )
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    tc = torch.empty(SIZE, SIZE)
    row(f"sgemm-peak (torch.mm {torch.__version__})", best_gflops(lambda: torch.mm(ta, tb, out=tc)))


if __name__ == "__main__":
    main()
