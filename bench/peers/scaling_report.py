"""The Markdown table of bench/scaling.sh from its JSON lines: OT-CFM training steps per
second against d for gradflow and torchcfm, their ratio, and gradflow's arithmetic rate as a
fraction of the measured f32 GEMM peak at that thread count.

Usage: scaling_report.py SCALING.jsonl
"""

import json
import sys

BATCH, WIDTH, LAYERS = 256, 256, 3


def weights(d):
    """Multiply-adds per point of the (d+1) -> 256^3 -> d MLP."""
    return (d + 1) * WIDTH + (LAYERS - 1) * WIDTH * WIDTH + WIDTH * d


def main():
    rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    peak = {r["threads"]: r["gflops"] for r in rows if r["impl"].startswith("sgemm-peak")}
    rate = {}
    for r in rows:
        if "steps" in r:
            rate[(r["impl"], r["d"], r["threads"])] = r["steps"] / r["seconds"]
    print("| d | threads | gradflow (steps/s) | torchcfm (steps/s) | gradflow / torchcfm "
          "| gradflow GFLOP/s (of GEMM peak) |")
    print("|---|---|---|---|---|---|")
    for (impl, d, t), g in sorted(rate.items(), key=lambda kv: (kv[0][2], kv[0][1])):
        if impl != "gradflow":
            continue
        peer = rate.get(("torchcfm", d, t))
        gflops = 6 * BATCH * weights(d) * g / 1e9
        frac = f" ({100 * gflops / peak[t]:.0f} % of {peak[t]:.0f})" if t in peak else ""
        ratio = f"{g / peer:.2f}" if peer else "n/a"
        peer_s = f"{peer:.0f}" if peer else "n/a"
        print(f"| {d} | {t} | {g:.0f} | {peer_s} | {ratio} | {gflops:.1f}{frac} |")


if __name__ == "__main__":
    main()
