"""Prints the peer tables (Markdown) from the JSON lines of bench/peers.sh.

Rows with `particle_steps_per_s` are the batched workload: each is the median of several
runs in one process, and the table gives the best round of each implementation at each
thread count (other work on a shared machine only ever slows a round down), with the range
over the rounds beside it. Rows whose impl starts with `sgemm-peak` are SGEMM
measurements (the best over rounds), rows with `ns_per_particle_step` the per-particle
workload. The measured SGEMM peak at T threads is the best of all SGEMM rows at T threads.
"""

import json
import sys
from collections import defaultdict

FLOPS = 67_200  # gradflow::bench::BATCHED_ULA_FLOPS


def main(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    batched = defaultdict(list)
    sgemm = defaultdict(float)
    per_particle = []
    for r in rows:
        if "particle_steps_per_s" in r:
            batched[(r["impl"], r["threads"])].append(r["particle_steps_per_s"])
        elif r["impl"].startswith("sgemm-peak"):
            key = (r["impl"], r["threads"])
            sgemm[key] = max(sgemm[key], r["gflops"])
        elif "ns_per_particle_step" in r:
            per_particle.append(r)
    peak = defaultdict(float)
    for (_, threads), gflops in sgemm.items():
        peak[threads] = max(peak[threads], gflops)
    rate = {key: max(v) for key, v in batched.items()}
    ours = {t: v for (impl, t), v in rate.items() if impl == "gradflow"}
    rounds = max((len(v) for v in batched.values()), default=0)

    if rate:
        print(
            f"Batched ULA, 2->128->128->1 SiLU, f32, N = 16384, K = 10 steps per run; "
            f"{FLOPS} FLOPs per particle-step; best of {rounds} rounds\n"
        )
        print(
            "| implementation | threads | M particle-steps/s | GFLOP/s | vs gradflow "
            "| of SGEMM peak | rounds (M/s) |"
        )
        print("|---|---|---|---|---|---|---|")
        for (impl, threads), r in sorted(
            rate.items(), key=lambda kv: (kv[0][1], kv[0][0] != "gradflow")
        ):
            gflops = r * FLOPS / 1e9
            ratio = f"{r / ours[threads]:.2f}×" if threads in ours else "-"
            frac = f"{gflops / peak[threads]:.0%}" if peak[threads] else "-"
            spread = f"{min(batched[(impl, threads)]) / 1e6:.2f}–{r / 1e6:.2f}"
            print(
                f"| {impl} | {threads} | {r / 1e6:.3f} | {gflops:.1f} | {ratio} | {frac} "
                f"| {spread} |"
            )
    if sgemm:
        print("\nSGEMM, 2048 x 2048 x 2048 f32, best run\n")
        print("| implementation | threads | GFLOP/s |")
        print("|---|---|---|")
        for (impl, threads), gflops in sorted(sgemm.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            print(f"| {impl} | {threads} | {gflops:.1f} |")
        for threads in sorted(peak):
            print(
                f"\nmeasured SGEMM peak, {threads} thread(s): {peak[threads]:.1f} GFLOP/s", end=""
            )
        print()
    if per_particle:
        print("\nPer particle, one ULA step of 2->64->64->1 SiLU, 1 core\n")
        base = {
            r["precision"]: r["ns_per_particle_step"]
            for r in per_particle
            if r["impl"] == "gradflow"
        }
        print("| implementation | precision | ns/particle-step | GFLOP/s | time / gradflow |")
        print("|---|---|---|---|---|")
        for r in per_particle:
            ratio = (
                r["ns_per_particle_step"] / base[r["precision"]]
                if r["precision"] in base
                else float("nan")
            )
            print(
                f"| {r['impl']} | {r['precision']} | {r['ns_per_particle_step']:.1f} | "
                f"{r['gflops']:.2f} | {ratio:.2f} |"
            )


if __name__ == "__main__":
    main(sys.argv[1])
