"""PyTorch peer of `gradflow bench --workload batched --device cuda`, on a GPU.

The workload of common.py (K = 10 ULA steps of a 2->128->128->1 SiLU MLP energy, tau =
0.01, f32), for several particle counts N, on one device, through autograd:
- `eager autograd`: torch.autograd.grad(energy(x).sum(), x);
- `torch.compile`: the same gradient and update compiled by torch.compile (Inductor/Triton
  on a GPU), if it compiles; otherwise its row is left out and the reason is written to
  standard error.
Noise is drawn on the device (torch.randn). Every timed run ends with a device
synchronisation, so it measures finished work.

Usage: gpu_ula_torch.py --device cuda --particles N [N ...] [--no-compile]
(--device cpu runs the same code on the CPU: a check of the script, not a peer row.)
"""

import argparse
import json
import math
import statistics
import sys
import time

import torch

from common import FLOPS, STEPS, TAU, WIDTH

NOISE = math.sqrt(2.0 * TAU)


def init(gen, device):
    def lecun(fan_in, fan_out):
        w = torch.randn(fan_in, fan_out, generator=gen) / math.sqrt(fan_in)
        return w.to(device)

    zeros = lambda n: torch.zeros(n, device=device)  # noqa: E731
    return (lecun(2, WIDTH), zeros(WIDTH), lecun(WIDTH, WIDTH), zeros(WIDTH),
            lecun(WIDTH, 1), zeros(1))


def energies(params, x):
    w1, b1, w2, b2, w3, b3 = params
    h = torch.nn.functional.silu(x @ w1 + b1)
    h = torch.nn.functional.silu(h @ w2 + b2)
    return (h @ w3 + b3).squeeze(-1)


def step(params, x, noise):
    with torch.enable_grad():
        x = x.detach().requires_grad_(True)
        (g,) = torch.autograd.grad(energies(params, x).sum(), x)
    return (x - TAU * g + NOISE * noise).detach()


def timed_rate(run, particles, device, repeats=7, warmup=2):
    """Median particle-steps/s of `repeats` runs after `warmup`, each ending in a sync."""
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    for _ in range(warmup):
        run()
        sync()
    rates = []
    for _ in range(repeats):
        t = time.perf_counter()
        run()
        sync()
        rates.append(particles * STEPS / (time.perf_counter() - t))
    return statistics.median(rates)


def device_name(device):
    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    return "cpu"


def row(impl, device, particles, rate):
    print(json.dumps({
        "impl": impl, "device": device_name(device), "precision": "f32",
        "particles": particles, "steps": STEPS, "particle_steps_per_s": round(rate),
        "gflops": round(rate * FLOPS / 1e9, 2),
    }), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--particles", type=int, nargs="+", required=True)
    parser.add_argument("--no-compile", action="store_true")
    args = parser.parse_args()
    device = torch.device(args.device)
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", 0)
    gen = torch.Generator().manual_seed(0)
    params = init(gen, device)
    version = torch.__version__
    compiled_step = None if args.no_compile else torch.compile(step)
    for n in args.particles:
        x0 = torch.randn(n, 2, generator=gen).to(device)

        def loop(f):
            def run():
                x = x0
                for _ in range(STEPS):
                    x = f(params, x, torch.randn_like(x))
                return x
            return run

        row(f"pytorch {version} eager autograd", device, n, timed_rate(loop(step), n, device))
        if compiled_step is None:
            continue
        try:
            rate = timed_rate(loop(compiled_step), n, device)
        except Exception as e:  # torch.compile may refuse a graph or lack a compiler
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            print(f"gpu_ula_torch.py: torch.compile failed: {first}", file=sys.stderr)
            compiled_step = None
            continue
        row(f"pytorch {version} torch.compile", device, n, rate)


if __name__ == "__main__":
    main()
