"""The flows on 64-D data: NSGF, NSGF++, OT-CFM and FM trained on the built-in 8x8 digits
(`gradflow train METHOD --data digits`: 1437 training images, the seeded 20 % split of 360
held out, per-feature standardisation), each scored on the held-out digits by exact W2,
MMD^2 (RBF, the median heuristic's bandwidth) and the energy distance, beside the two-sample
floor (360 training images against the same held-out images). Each run writes a grid of its
first 64 samples (OUT/digits-METHOD-sSEED.png).

Every run's printed figures are appended to OUT/digits.jsonl, so an interrupted table
resumes where it stopped; the Markdown table is printed at the end (and with --report-only
from the JSON lines alone).

Usage: python3 bench/digits_table.py --gradflow target/release/gradflow [--out DIR]
       [--methods nsgf,nsgfpp,otcfm,fm] [--seeds 0] [-- EXTRA TRAIN ARGS FOR EVERY METHOD]
"""

import argparse
import json
import os
import re
import subprocess
import sys

LABELS = {"nsgf": "NSGF", "nsgfpp": "NSGF++", "otcfm": "OT-CFM", "fm": "FM"}
NUMBER = r"(-?[0-9.]+)"
PATTERNS = {
    "euler": re.compile(r"(\d+) Euler steps " + NUMBER),
    "own": re.compile(r"NSGF's own inference is (\d+) steps"),
    "w2_nfe": re.compile(NUMBER + r" at NFE " + NUMBER),
    "mmd2": re.compile(r"last evaluation: MMD² " + NUMBER + r" \(RBF σ = " + NUMBER),
    "energy": re.compile(r"energy distance " + NUMBER + r"; worst"),
    "floor": re.compile(
        r"two-sample floor.*: W2 " + NUMBER + r", MMD² " + NUMBER + r", energy distance " + NUMBER
    ),
    "seconds": re.compile(r"trained \S+ on digits in " + NUMBER + r" s"),
}


def parse(stdout):
    """The figures of one `gradflow train` run's output."""
    found = {k: p.search(stdout) for k, p in PATTERNS.items()}
    euler = {int(k): float(w) for k, w in PATTERNS["euler"].findall(stdout)}
    missing = [k for k in ("mmd2", "energy", "floor", "seconds") if found[k] is None]
    if missing or (not euler and found["w2_nfe"] is None):
        raise ValueError(f"unexpected output (no {missing or 'W2'}):\n{stdout}")
    row = {
        "mmd2": float(found["mmd2"][1]),
        "bandwidth": float(found["mmd2"][2]),
        "energy": float(found["energy"][1]),
        "floor_w2": float(found["floor"][1]),
        "floor_mmd2": float(found["floor"][2]),
        "floor_energy": float(found["floor"][3]),
        "seconds": float(found["seconds"][1]),
    }
    if euler:
        # NSGF at its own step count (its training discretisation), the others at 100.
        steps = int(found["own"][1]) if found["own"] else 100
        row.update(w2=euler[steps], nfe=float(steps), euler=euler)
    else:
        row.update(w2=float(found["w2_nfe"][1]), nfe=float(found["w2_nfe"][2]))
    return row


def run(gradflow, method, seed, out, extra):
    prefix = os.path.join(out, f"digits-{method}-s{seed}")
    cmd = [gradflow, "train", method, "--data", "digits", "--seed", str(seed)]
    cmd += ["-o", prefix, "--force"] + extra
    print("$", " ".join(cmd), flush=True)
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"failed:\n{done.stdout}\n{done.stderr}")
    print(done.stdout, flush=True)
    row = parse(done.stdout)
    row.update(method=method, seed=seed, args=extra, png=prefix + ".png")
    return row


def report(rows):
    print("| method | W2 | NFE | MMD² | energy distance | training (s) |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {LABELS[r['method']]} (seed {r['seed']}) | {r['w2']:.3f} | {r['nfe']:.1f} | "
            f"{r['mmd2']:.4f} | {r['energy']:.4f} | {r['seconds']:.0f} |"
        )
    if rows:
        f = rows[0]
        print(
            f"| two-sample floor | {f['floor_w2']:.3f} | | {f['floor_mmd2']:.4f} | "
            f"{f['floor_energy']:.4f} | |"
        )
        print(f"\nMMD² bandwidth σ = {f['bandwidth']:.4f} (median heuristic on the held-out rows)")


def main():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1 :]
        argv = argv[: argv.index("--")]
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--gradflow", default="target/release/gradflow")
    p.add_argument("--out", default="target/digits-table")
    p.add_argument("--methods", default="nsgf,nsgfpp,otcfm,fm")
    p.add_argument("--seeds", default="0")
    p.add_argument("--report-only", action="store_true")
    a = p.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    log = os.path.join(a.out, "digits.jsonl")
    rows = []
    if os.path.exists(log):
        with open(log) as f:
            rows = [json.loads(line) for line in f if line.strip()]
    if not a.report_only:
        for seed in [int(s) for s in a.seeds.split(",")]:
            for method in a.methods.split(","):
                if any(r["method"] == method and r["seed"] == seed and r["args"] == extra for r in rows):
                    continue
                row = run(a.gradflow, method, seed, a.out, extra)
                rows.append(row)
                with open(log, "a") as f:
                    f.write(json.dumps(row) + "\n")
    report(rows)


if __name__ == "__main__":
    main()
