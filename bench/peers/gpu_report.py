"""Prints the GPU tables (Markdown) from the JSON lines of bench/gpu_peers.sh, then the
NSGF training runs' reports (text files named after them).

Usage: gpu_report.py ROWS.jsonl [NSGF_REPORT.txt ...]
"""

import json
import sys
from collections import defaultdict

FLOPS = 67_200  # gradflow::bench::BATCHED_ULA_FLOPS


def main(path, reports):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    peak = max((r["gflops"] for r in rows if r.get("impl", "").startswith("sgemm-peak")), default=0.0)
    device = next((r["device"] for r in rows if "device" in r), "?")
    batched = defaultdict(dict)
    for r in rows:
        if "particle_steps_per_s" in r:
            batched[r["particles"]][r["impl"]] = r["particle_steps_per_s"]
    print(f"Batched ULA on {device}, 2->128->128->1 SiLU, f32, K = 10 steps per run; "
          f"measured SGEMM peak {peak:.0f} GFLOP/s\n")
    print("| N | implementation | M particle-steps/s | GFLOP/s | % of SGEMM peak | gradflow speed-up over it |")
    print("|---|---|---|---|---|---|")
    for n in sorted(batched):
        ours = batched[n].get("gradflow")
        for impl, rate in sorted(batched[n].items(), key=lambda kv: kv[0] != "gradflow"):
            gflops = rate * FLOPS / 1e9
            frac = f"{100 * gflops / peak:.1f}" if peak else "?"
            ratio = f"{ours / rate:.2f}" if ours and impl != "gradflow" else ""
            print(f"| {n} | {impl} | {rate / 1e6:.2f} | {gflops:.0f} | {frac} | {ratio} |")
    sinkhorn = defaultdict(dict)
    for r in rows:
        if r.get("workload") == "sinkhorn" and "seconds" in r:
            sinkhorn[r["n"]][r.get("impl", "gradflow")] = (r["seconds"], r["value"])
    if sinkhorn:
        print("\nDebiased Sinkhorn divergence, annealed (scaling 0.5), d = 2, blur 0.05, f32\n")
        print("| n = m | implementation | seconds | S_eps | gradflow speed-up over it |")
        print("|---|---|---|---|---|")
        for n in sorted(sinkhorn):
            ours = sinkhorn[n].get("gradflow")
            for impl, (sec, value) in sorted(sinkhorn[n].items(),
                                             key=lambda kv: kv[0] != "gradflow"):
                ratio = f"{sec / ours[0]:.2f}" if ours and impl != "gradflow" else ""
                print(f"| {n} | {impl} | {sec:.4f} | {value:.6e} | {ratio} |")
    for report in reports:
        print()
        print(open(report).read().rstrip())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
