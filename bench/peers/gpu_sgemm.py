"""The GPU's measured f32 matrix-product peak, the ceiling of the GPU table's FLOP
fractions: the best of several SIZE x SIZE x SIZE float32 torch.mm products on one device,
TF32 off (cuBLAS SGEMM proper, the math gradflow's cuBLAS calls use), each timed to a
device synchronisation.

Usage: gpu_sgemm.py [--device cuda] [--size 8192] [--repeats 5]
"""

import argparse
import json
import time

import torch


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--size", type=int, default=8192)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    device = torch.device(args.device)
    torch.backends.cuda.matmul.allow_tf32 = False
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    n = args.size
    gen = torch.Generator().manual_seed(0)
    a, b = (torch.randn(n, n, generator=gen).to(device) for _ in range(2))
    c = torch.empty(n, n, device=device)
    torch.mm(a, b, out=c)
    sync()
    best = 0.0
    for _ in range(args.repeats):
        t = time.perf_counter()
        torch.mm(a, b, out=c)
        sync()
        best = max(best, 2.0 * n**3 / (time.perf_counter() - t) / 1e9)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(json.dumps({"impl": f"sgemm-peak (torch.mm {torch.__version__}, TF32 off)",
                      "device": name, "size": n, "gflops": round(best, 2)}), flush=True)


if __name__ == "__main__":
    main()
