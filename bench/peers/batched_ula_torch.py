"""PyTorch (CPU) peer of `gradflow bench --workload batched`: see common.py for the workload.

Versions, all through autograd, the K steps in a Python loop:
- `eager autograd`: torch.autograd.grad(energy(x).sum(), x) (the weights do not require
  gradients, so only the input gradient is computed);
- `eager torch.func`: torch.func.vmap(torch.func.grad(energy of one particle));
- `torch.compile`: the torch.func gradient compiled by torch.compile (Inductor's C++
  backend), if it compiles on this machine; otherwise its row is left out and the reason is
  written to standard error.

Usage: batched_ula_torch.py THREADS [--no-compile] (run it under `taskset` on THREADS cores).
"""

import math
import sys

from common import PARTICLES, STEPS, TAU, WIDTH, limit_threads, median_rate, row

THREADS = int(sys.argv[1])
limit_threads(THREADS)

import torch  # noqa: E402

torch.set_num_threads(THREADS)
torch.set_num_interop_threads(1)
NOISE = math.sqrt(2.0 * TAU)


def init(gen):
    def lecun(fan_in, fan_out):
        return torch.randn(fan_in, fan_out, generator=gen) / math.sqrt(fan_in)

    return (
        lecun(2, WIDTH),
        torch.zeros(WIDTH),
        lecun(WIDTH, WIDTH),
        torch.zeros(WIDTH),
        lecun(WIDTH, 1),
        torch.zeros(1),
    )


def energies(params, x):
    w1, b1, w2, b2, w3, b3 = params
    h = torch.nn.functional.silu(x @ w1 + b1)
    h = torch.nn.functional.silu(h @ w2 + b2)
    return (h @ w3 + b3).squeeze(-1)


def autograd_grad(params, x):
    with torch.enable_grad():
        x = x.detach().requires_grad_(True)
        (g,) = torch.autograd.grad(energies(params, x).sum(), x)
    return g


def func_grad(params):
    return torch.func.vmap(torch.func.grad(lambda x: energies(params, x)))


def ula_loop(grad, x0, gen):
    def run():
        x = x0.clone()
        with torch.no_grad():
            for _ in range(STEPS):
                g = grad(x)
                x = x - TAU * g + NOISE * torch.randn(x.shape, generator=gen)
        return x

    return run


def main():
    gen = torch.Generator().manual_seed(0)
    params = init(gen)
    x0 = torch.randn(PARTICLES, 2, generator=gen)
    version = torch.__version__
    row(
        f"pytorch {version} eager autograd",
        THREADS,
        median_rate(ula_loop(lambda x: autograd_grad(params, x), x0, gen)),
    )
    row(
        f"pytorch {version} eager torch.func vmap(grad)",
        THREADS,
        median_rate(ula_loop(func_grad(params), x0, gen)),
    )
    if "--no-compile" in sys.argv:
        return
    try:
        compiled = torch.compile(func_grad(params))
        rate = median_rate(ula_loop(compiled, x0, gen))
    except Exception as e:  # torch.compile needs a C++ compiler and may refuse a graph
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        print(f"batched_ula_torch.py: torch.compile failed: {first}", file=sys.stderr)
        return
    row(f"pytorch {version} torch.compile(vmap(grad))", THREADS, rate)


if __name__ == "__main__":
    main()
