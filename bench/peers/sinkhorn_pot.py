"""POT peer of `gradflow bench --workload sinkhorn --tol T` (iterate-to-tolerance mode).

Times `ot.bregman.empirical_sinkhorn_divergence(x, y, reg, metric="sqeuclidean",
method="sinkhorn_log", stopThr=T, log=True)` of POT 0.9.7.post1 with its default numpy
backend, in float32, on the clouds of sinkhorn_data.py. The same problem as gradflow's:
cost |x - y|^2 with reg = 2 blur^2 is GeomLoss's cost |x - y|^2/2 with eps = blur^2 scaled
by 2 (same plan; every OT term doubles), so the values below are divided by 2.

POT's stopping rule (ot.bregman.sinkhorn_log), for each of the three problems (xy, xx, yy)
separately: log-domain Sinkhorn from u = v = 0 (no epsilon-scaling), alternating
v <- log b - logsumexp_i(-M_ij/reg + u_i), then u <- log a - logsumexp_j(-M_ij/reg + v_j);
after iterations 0, 10, 20, ... (every 10th, after the u update, so the rows are exact) it
computes the L2 norm of the column-marginal error ||P^T 1 - b||_2 of the plan
P_ij = exp(-M_ij/reg + u_i + v_j) and stops when it is below T: the same quantity as
gradflow's --tol (the plan is the same for both scalings), checked 10 times less often.
POT returns the "sharp" divergence <P_xy, M> - (<P_xx, M> + <P_yy, M>)/2 (no entropy
term), clamped at 0; the row's `value` is the entropic divergence S_eps that gradflow and
GeomLoss compute, from the same solves' potentials:
OT = reg (<a, u> + <b, v>) + 2 reg log n for uniform weights 1/n; `pot_returned` is POT's
own number (also halved). The numpy backend runs the Sinkhorn loop on one thread whatever
THREADS is (only ot.dist's matrix product goes through the threaded BLAS). It holds M, -M/reg
and log-sum-exp temporaries of size n x m: about 36 bytes per pair (measured 33).

Usage: sinkhorn_pot.py THREADS DIR --tol T --sizes N... --dims D... --blurs B...
       [--repeats R] [--cap SECONDS]
(run it under `taskset` on THREADS cores). One JSON line per (d, blur, n); see
sinkhorn_common.py for the timing rule and the caps.
"""

import argparse
import sys

from common import limit_threads

THREADS = int(sys.argv[1])
limit_threads(THREADS)

import numpy as np  # noqa: E402
import ot  # noqa: E402
from sinkhorn_common import CapExceeded, Sizes, load, median_seconds, row, skipped  # noqa: E402

BYTES_PER_PAIR = 36
IMPL = f"pot {ot.__version__} sinkhorn_log (numpy {np.__version__})"
PROBLEMS = ("log_sinkhorn_ab", "log_sinkhorn_a", "log_sinkhorn_b")


def entropic_ot(log, reg, n):
    """OT_eps (full cost) = <a, f> + <b, g> with f = reg (u - log a), g = reg (v - log b)."""
    u = log["log_u"].astype(np.float64)
    v = log["log_v"].astype(np.float64)
    return float(reg * (u.mean() + v.mean()) + 2.0 * reg * np.log(n))


def solve(x, y, reg, tol):
    with np.errstate(over="ignore"):  # POT's log["u"] = exp(log_u) may overflow; unused
        returned, log = ot.bregman.empirical_sinkhorn_divergence(
            x, y, reg, metric="sqeuclidean", method="sinkhorn_log", stopThr=tol,
            numIterMax=10_000_000, log=True, warn=False)
    n = x.shape[0]
    ab, aa, bb = (entropic_ot(log[k], reg, n) for k in PROBLEMS)
    return {
        "value": (ab - 0.5 * aa - 0.5 * bb) / 2.0,
        "pot_returned": float(returned) / 2.0,
        "iterations": [int(log[k]["niter"]) + 1 for k in PROBLEMS],
        "marginal_error": [float(log[k]["err"][-1]) for k in PROBLEMS],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("threads", type=int)
    parser.add_argument("dir")
    parser.add_argument("--tol", type=float, required=True)
    parser.add_argument("--sizes", type=int, nargs="+", required=True)
    parser.add_argument("--dims", type=int, nargs="+", required=True)
    parser.add_argument("--blurs", type=float, nargs="+", required=True)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cap", type=float, default=600.0)
    args = parser.parse_args()
    for d in args.dims:
        for blur in args.blurs:
            sizes = Sizes(args.cap, BYTES_PER_PAIR)
            for n in sorted(args.sizes):
                key = dict(n=n, m=n, dim=d, blur=blur, scaling=None, stopping="tolerance",
                           tol=args.tol, threads=THREADS)
                reason = sizes.skip_reason(n, n)
                if reason:
                    skipped(IMPL, reason, **key)
                    continue
                x, y = load(args.dir, n, d)
                reg = 2.0 * blur**2
                try:
                    seconds, runs, out = median_seconds(
                        lambda: solve(x, y, reg, args.tol), args.repeats, args.cap)
                except CapExceeded:
                    sizes.exceeded(n)
                    skipped(IMPL, sizes.stopped, **key)
                    continue
                sizes.ran(n, n, seconds)
                row(impl=IMPL, **key, seconds=seconds, **out,
                    runs=[round(t, 6) for t in runs])


if __name__ == "__main__":
    main()
