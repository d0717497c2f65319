"""GeomLoss peer of `gradflow bench --workload sinkhorn` (annealed mode).

Times the debiased Sinkhorn divergence S_eps(x, y) of GeomLoss 0.2.6,
`SamplesLoss("sinkhorn", p=2, blur, scaling, debias=True, backend="tensorized")`, forward
value only, in float32 on the CPU (or on a GPU with --device cuda), on the clouds of
sinkhorn_data.py: GeomLoss's
epsilon-scaling schedule (eps from the squared diameter down to blur^2, ratio scaling^2, one
symmetric update per eps, then one extrapolation), the same schedule as gradflow's annealed
mode. Cost |x - y|^2/2, eps = blur^2. The tensorized backend holds the n x m, m x n, n x n
and m x m cost matrices (and log-sum-exp temporaries) in memory: about 40 bytes per pair
(measured 36).

Usage: sinkhorn_geomloss.py THREADS DIR --sizes N... --dims D... --blurs B...
       [--scaling S] [--repeats R] [--cap SECONDS] [--device cpu|cuda]
(run it under `taskset` on THREADS cores). One JSON line per (d, blur, n); see
sinkhorn_common.py for the timing rule and the caps.
"""

import argparse
import sys

from common import limit_threads

THREADS = int(sys.argv[1])
limit_threads(THREADS)

import geomloss  # noqa: E402
import torch  # noqa: E402
from geomloss import SamplesLoss  # noqa: E402
from geomloss.sinkhorn_divergence import epsilon_schedule, max_diameter  # noqa: E402
from sinkhorn_common import CapExceeded, Sizes, load, median_seconds, row, skipped  # noqa: E402

torch.set_num_threads(THREADS)
torch.set_num_interop_threads(1)
BYTES_PER_PAIR = 40
IMPL = f"geomloss {geomloss.__version__} tensorized (torch {torch.__version__.split('+')[0]})"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("threads", type=int)
    parser.add_argument("dir")
    parser.add_argument("--sizes", type=int, nargs="+", required=True)
    parser.add_argument("--dims", type=int, nargs="+", required=True)
    parser.add_argument("--blurs", type=float, nargs="+", required=True)
    parser.add_argument("--scaling", type=float, default=0.5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cap", type=float, default=600.0)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    device = torch.device(args.device)
    impl, available = IMPL, None
    if device.type == "cuda":
        impl = f"{IMPL} on {torch.cuda.get_device_name(device)}"
        available = lambda: torch.cuda.mem_get_info(device)[0]  # noqa: E731
    for d in args.dims:
        for blur in args.blurs:
            sizes = Sizes(args.cap, BYTES_PER_PAIR, *([available] if available else []))
            for n in sorted(args.sizes):
                key = dict(n=n, m=n, dim=d, blur=blur, scaling=args.scaling,
                           stopping="annealed", tol=None, threads=THREADS)
                reason = sizes.skip_reason(n, n)
                if reason:
                    skipped(impl, reason, **key)
                    continue
                x, y = (torch.from_numpy(c).to(device) for c in load(args.dir, n, d))
                loss = SamplesLoss("sinkhorn", p=2, blur=blur, scaling=args.scaling,
                                   debias=True, backend="tensorized")
                updates = len(epsilon_schedule(2, max_diameter(x, y), blur, args.scaling))
                try:
                    seconds, runs, value = median_seconds(
                        lambda: float(loss(x, y)), args.repeats, args.cap)
                except CapExceeded:
                    sizes.exceeded(n)
                    skipped(impl, sizes.stopped, **key)
                    continue
                sizes.ran(n, n, seconds)
                row(impl=impl, **key, seconds=seconds, value=value, updates=updates,
                    runs=[round(t, 6) for t in runs])


if __name__ == "__main__":
    main()
