"""The EBM scheme comparison (docs/src/results/ebm.md): maximum-likelihood EBMs whose negative
particles move by ula (the Langevin baseline), jko, jko2 (the W2 proximal schemes, our
reconstructions) or mala, at the SAME number of energy-gradient evaluations per particle per
update, on the 2D sets with closed-form densities, at a moderate and a large step tau, over
several seeds.

Every run is one `gradflow train ebm --dataset SET --scheme S --tau T --grad-evals G
--seed K --out DIR/NAME`; its JSON report (KL on the grid, W2 and MMD^2 of long-run samples
against held-out points) is appended to DIR/runs.jsonl, so an interrupted table resumes
where it stopped. The Markdown tables (mean +- sd over the seeds) are printed at the end,
and with --report-only from the JSON lines alone.

Usage: python3 bench/ebm_table.py --gradflow target/release/gradflow [--seeds 0,1,2]
       [--sets 8gaussians,rings,gmm,checkerboard] [--schemes ula,jko,jko2,mala]
       [--taus 0.02,0.2] [--grad-evals 20] [--out DIR] [-- EXTRA TRAIN ARGS]
"""

import argparse
import json
import math
import os
import subprocess
import sys
import time

SETS = ["8gaussians", "rings", "gmm", "checkerboard"]
SCHEMES = ["ula", "jko", "jko2", "mala"]


def key(row):
    return (row["set"], row["tau"], row["scheme"], row["seed"])


def load(path):
    rows = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if line.strip():
                    row = json.loads(line)
                    rows[key(row)] = row
    return rows


def run_one(args, s, scheme, tau, seed, extra):
    name = f"{s}-{scheme}-tau{tau}-seed{seed}"
    prefix = os.path.join(args.out, name)
    cmd = [args.gradflow, "train", "ebm", "--dataset", s, "--scheme", scheme,
           "--tau", str(tau), "--grad-evals", str(args.grad_evals), "--seed", str(seed),
           "--out", prefix, "--checkpoint-every", "0", "--no-progress", "--force"] + extra
    start = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.time() - start
    row = {"set": s, "scheme": scheme, "tau": tau, "seed": seed, "wall_s": wall,
           "cmd": " ".join(cmd)}
    if p.returncode != 0:
        # A diverged run is a result (the scheme failed at this tau), not a crash.
        row["error"] = (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[-1]
        return row
    with open(prefix + ".json") as f:
        report = json.load(f)
    for k in ["kl", "w2", "mmd2", "mmd_bandwidth", "w2_floor", "mmd2_floor",
              "grad_evals_per_update", "train_seconds"]:
        row[k] = report[k]
    row["particle_steps"] = report["settings"]["particle_steps"]
    return row


def stat(values):
    values = [v for v in values if v is not None and math.isfinite(v)]
    if not values:
        return None
    m = sum(values) / len(values)
    sd = math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else 0.0
    return m, sd, len(values)


def cell(rows, metric, scale=1.0, digits=3):
    failed = sum(1 for r in rows if "error" in r)
    st = stat([r.get(metric) for r in rows if "error" not in r])
    if st is None:
        return f"diverged ({failed}/{len(rows)})" if failed else "–"
    m, sd, n = st
    text = f"{m * scale:.{digits}f} ± {sd * scale:.{digits}f}"
    if failed:
        text += f" ({failed} diverged)"
    return text


def report(rows, args):
    sets = [s for s in args.sets if any(r["set"] == s for r in rows.values())]
    taus = sorted({r["tau"] for r in rows.values()})
    schemes = [s for s in args.schemes if any(r["scheme"] == s for r in rows.values())]
    for metric, title, scale, digits in [
        ("kl", "KL(data || model) on a 200x200 grid, nats", 1.0, 3),
        ("w2", "W2, long-run samples vs as many held-out points", 1.0, 3),
        ("mmd2", "MMD^2 x 1e3 (RBF), same samples", 1e3, 2),
    ]:
        print(f"\n**{title}** (mean ± sd over seeds; lower is better)\n")
        print("| set | τ | " + " | ".join(schemes) + " |")
        print("|---|---|" + "---|" * len(schemes))
        for s in sets:
            for tau in taus:
                cells = []
                for scheme in schemes:
                    group = [r for r in rows.values()
                             if r["set"] == s and r["tau"] == tau and r["scheme"] == scheme]
                    cells.append(cell(group, metric, scale, digits) if group else "–")
                print(f"| {s} | {tau} | " + " | ".join(cells) + " |")
    floors = {}
    for r in rows.values():
        if "w2_floor" in r:
            floors.setdefault(r["set"], []).append((r["w2_floor"], r["mmd2_floor"]))
    print("\nFloors (other data of the set vs the held-out points, what a perfect model scores): " + "; ".join(
        f"{s} W2 {sum(f[0] for f in v) / len(v):.3f}, MMD² ×1e3 {1e3 * sum(f[1] for f in v) / len(v):.2f}"
        for s, v in floors.items()))
    bandwidths = {}
    for r in rows.values():
        if r.get("mmd_bandwidth") is not None:
            bandwidths[r["set"]] = r["mmd_bandwidth"]
    if bandwidths:
        print("MMD bandwidths: " + ", ".join(f"{s} {b:.3f}" for s, b in bandwidths.items()))
    steps = sorted({(r["scheme"], r.get("particle_steps"), r.get("grad_evals_per_update"))
                    for r in rows.values() if "particle_steps" in r})
    print("Particle steps per update (scheme, K, gradient evaluations): " +
          ", ".join(f"{s} K={k} ({g})" for s, k, g in steps))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gradflow", default="target/release/gradflow")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--schemes", default=",".join(SCHEMES))
    ap.add_argument("--taus", default="0.02,0.2")
    ap.add_argument("--grad-evals", type=int, default=20)
    ap.add_argument("--out", default="ebm-table")
    ap.add_argument("--report-only", action="store_true")
    ap.add_argument("extra", nargs="*", help="extra arguments for every run (after --)")
    args = ap.parse_args()
    args.sets = args.sets.split(",")
    args.schemes = args.schemes.split(",")
    os.makedirs(args.out, exist_ok=True)
    jsonl = os.path.join(args.out, "runs.jsonl")
    rows = load(jsonl)
    if not args.report_only:
        plan = [(s, tau, scheme, seed)
                for s in args.sets
                for tau in [float(t) for t in args.taus.split(",")]
                for scheme in args.schemes
                for seed in [int(k) for k in args.seeds.split(",")]]
        todo = [p for p in plan if p not in rows]
        print(f"{len(plan)} runs, {len(plan) - len(todo)} already done", file=sys.stderr)
        for i, (s, tau, scheme, seed) in enumerate(todo):
            row = run_one(args, s, scheme, tau, seed, args.extra)
            rows[key(row)] = row
            with open(jsonl, "a") as f:
                f.write(json.dumps(row) + "\n")
            status = row.get("error") or f"KL {row['kl']} W2 {row['w2']:.3f}"
            print(f"[{i + 1}/{len(todo)}] {s} {scheme} tau={tau} seed={seed}: {status} "
                  f"({row['wall_s']:.0f} s)", file=sys.stderr)
    report(rows, args)


if __name__ == "__main__":
    main()
