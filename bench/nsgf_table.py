"""The NSGF paper's 2D protocol (its Table 1) with gradflow: NSGF, NSGF++, OT-CFM and FM on
8gaussians, 8gaussians->moons, moons, scurve and checkerboard, several seeds, exact W2 on
1024 generated vs 1024 test samples after 10 and 100 Euler steps (NSGF++: its own NFE),
beside our generators' two-sample floors and the paper's numbers.

Every run is one `gradflow train METHOD --dataset SET --seed S` (the method's defaults are
the paper's settings unless --steps etc. are given); its printed W2 figures are appended to
a JSON-lines file, so an interrupted table resumes where it stopped. The Markdown table is
printed at the end (and with --report-only from the JSON lines alone).

NSGF is a discrete scheme: its inference repeats the training step, X <- X + eta v(X, k eta)
for k < T (docs/src/design.md §4.3). So its 10-step column comes from a model trained with T = 10,
eta = 0.4 (`nsgf10`) and its 100-step column from one with T = 100, eta = 0.04 (`nsgf100`),
both over the flow time T eta = 4; the table also shows each model at the other step count.

Usage: python3 bench/nsgf_table.py --gradflow target/release/gradflow [--seeds 0,1,2]
       [--methods nsgf,nsgfpp,otcfm,fm] [--datasets ...] [--out DIR]
       [--args-nsgf "--refill-every 200" ...] [-- EXTRA TRAIN ARGS FOR EVERY METHOD]
"""

import shlex

import argparse
import json
import math
import os
import re
import subprocess
import sys
import time

DATASETS = ["8gaussians", "8gaussians-moons", "moons", "scurve", "checkerboard"]
# Table key -> (gradflow train METHOD, its built-in arguments).
VARIANTS = {
    "nsgf10": ("nsgf", ["--nsgf-steps", "10", "--eta", "0.4"]),
    "nsgf100": ("nsgf", ["--nsgf-steps", "100", "--eta", "0.04"]),
    "nsgfpp": ("nsgfpp", []),
    "otcfm": ("otcfm", []),
    "fm": ("fm", []),
}
METHODS = list(VARIANTS)
LABELS = {"nsgf": "NSGF", "nsgfpp": "NSGF++", "otcfm": "OT-CFM", "fm": "FM"}
# docs/src/design.md §4.3: the paper's Table 1 (10 / 100 Euler steps).
PAPER = {
    "nsgf": [(0.285, 0.278), (0.144, 0.144), (0.077, 0.067), (0.117, 0.110), (0.252, 0.147)],
    "otcfm": [(0.289, 0.269), (0.173, 0.165), (0.088, 0.078), (0.149, 0.127), (0.253, 0.159)],
    "fm": [(0.423, 0.415), (0.292, 0.290), (0.111, 0.097), (0.171, 0.135), (0.417, 0.165)],
}
EULER = re.compile(r"(\d+) Euler steps ([0-9.]+)")
NFE = re.compile(r"([0-9.]+) at NFE ([0-9.]+)")
FLOOR = re.compile(r"two \d+-samples of the \S+ generator ([0-9.]+) ± ([0-9.]+)")
IID = re.compile(r"an i\.i\.d\. \d+-sample of its law \(a perfect model\) ([0-9.]+) ± ([0-9.]+)")
TRAINED = re.compile(r"trained .* in ([0-9.]+) s")


def parse(stdout):
    """The W2 figures of one `gradflow train` run's output."""
    row = {"w2": {}}
    for steps, w2 in EULER.findall(stdout):
        row["w2"][steps] = float(w2)
    m = NFE.search(stdout)
    if m:
        row["w2"]["nfe"] = float(m.group(1))
        row["nfe"] = float(m.group(2))
    m = FLOOR.search(stdout)
    if m:
        row["floor"] = [float(m.group(1)), float(m.group(2))]
    m = IID.search(stdout)
    if m:
        row["iid_floor"] = [float(m.group(1)), float(m.group(2))]
    m = TRAINED.search(stdout)
    if m:
        row["train_seconds"] = float(m.group(1))
    if not row["w2"]:
        raise ValueError("no W2 figure in the output:\n" + stdout)
    return row


def run_one(args, method, dataset, seed, extra):
    prefix = os.path.join(args.out, dataset, f"{method}-{seed}")
    os.makedirs(os.path.dirname(prefix), exist_ok=True)
    cmd = [args.gradflow, "train", VARIANTS[method][0], "--dataset", dataset, "--seed", str(seed),
           "--out", prefix, "--no-progress", "--checkpoint-every", "0", "--force"] + extra
    start = time.time()
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"nsgf_table: {' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
    row = parse(done.stdout)
    row.update(method=method, dataset=dataset, seed=seed, extra=extra,
               wall_seconds=round(time.time() - start, 1))
    return row


def mean_sd(values):
    if not values:
        return None
    m = sum(values) / len(values)
    sd = math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else 0.0
    return m, sd


def cell(values):
    ms = mean_sd(values)
    return "–" if ms is None else f"{ms[0]:.3f} ± {ms[1]:.3f}"


def column(rows, method, dataset, steps):
    """The W2 figures after `steps` Euler steps of `method`'s runs on `dataset`."""
    return [r["w2"][steps] for r in rows
            if r["method"] == method and r["dataset"] == dataset and steps in r["w2"]]


def seed_count(rows, methods):
    """How many distinct seeds the runs of `methods` cover."""
    return len({r["seed"] for r in rows if r["method"] in methods})


def report(rows, methods, datasets):
    head = "| method | " + " | ".join(f"{d} (10 / 100)" for d in datasets) + " |"
    lines = [head, "|---" * (len(datasets) + 1) + "|"]
    for key, label in [("floor", "two generator samples (floor)"),
                       ("iid_floor", "an i.i.d. sample of the law (perfect model)")]:
        floors = []
        for d in datasets:
            f = [r[key] for r in rows if r["dataset"] == d and key in r]
            floors.append(f"{f[0][0]:.3f} ± {f[0][1]:.3f}" if f else "–")
        lines.append(f"| {label} | " + " | ".join(floors) + " |")
    if "nsgf10" in methods or "nsgf100" in methods:
        nsgf = ("nsgf10", "nsgf100")
        cells = [cell(column(rows, "nsgf10", d, "10")) + " / " + cell(column(rows, "nsgf100", d, "100"))
                 for d in datasets]
        lines.append(f"| NSGF, T = 10 / T = 100 model ({seed_count(rows, nsgf)} seeds) | "
                     + " | ".join(cells) + " |")
        cells = [cell(column(rows, "nsgf100", d, "10")) + " / " + cell(column(rows, "nsgf10", d, "100"))
                 for d in datasets]
        lines.append("| NSGF off-design: T = 100 model in 10 steps / T = 10 model in 100 steps | "
                     + " | ".join(cells) + " |")
    for m in methods:
        if m not in LABELS:  # the NSGF models, above
            continue
        cells, seeds = [], set()
        for d in datasets:
            rs = [r for r in rows if r["method"] == m and r["dataset"] == d]
            seeds |= {r["seed"] for r in rs}
            if m == "nsgfpp":
                nfe = mean_sd([r["nfe"] for r in rs if "nfe" in r])
                w = cell([r["w2"]["nfe"] for r in rs if "nfe" in r["w2"]])
                cells.append(w if nfe is None else f"{w} (NFE {nfe[0]:.1f})")
            else:
                cells.append(cell([r["w2"]["10"] for r in rs if "10" in r["w2"]]) + " / " +
                             cell([r["w2"]["100"] for r in rs if "100" in r["w2"]]))
        lines.append(f"| {LABELS[m]} ({len(seeds)} seeds) | " + " | ".join(cells) + " |")
    for m in ["nsgf"] + methods:
        if m in PAPER and (m != "nsgf" or "nsgf10" in methods or "nsgf100" in methods):
            paper = [PAPER[m][DATASETS.index(d)] for d in datasets]
            lines.append(f"| {LABELS[m]}, paper | " +
                         " | ".join(f"{a:.3f} / {b:.3f}" for a, b in paper) + " |")
    return "\n".join(lines)


def main():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--gradflow", default="target/release/gradflow")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--methods", default=",".join(METHODS))
    p.add_argument("--datasets", default=",".join(DATASETS))
    p.add_argument("--out", default="target/nsgf-table")
    p.add_argument("--report-only", action="store_true")
    for m in ["nsgf", "nsgfpp", "otcfm", "fm"]:
        p.add_argument(f"--args-{m}", default="",
                       help=f"extra gradflow train arguments for {m}" +
                       (" (both NSGF models)" if m == "nsgf" else ""))
    args = p.parse_args(argv)
    methods = args.methods.split(",")
    datasets = args.datasets.split(",")
    for m in methods:
        if m not in METHODS:
            sys.exit(f"nsgf_table: unknown method {m} (one of {', '.join(METHODS)})")
    for d in datasets:
        if d not in DATASETS:
            sys.exit(f"nsgf_table: unknown data set {d} (one of {', '.join(DATASETS)})")
    os.makedirs(args.out, exist_ok=True)
    log = os.path.join(args.out, "runs.jsonl")
    rows = []
    if os.path.exists(log):
        with open(log) as f:
            rows = [json.loads(line) for line in f if line.strip()]
    extras = {m: VARIANTS[m][1] + extra + shlex.split(getattr(args, f"args_{VARIANTS[m][0]}"))
              for m in METHODS}
    rows = [r for r in rows if r["method"] in extras and r.get("extra", []) == extras[r["method"]]]
    if not args.report_only:
        seeds = [int(s) for s in args.seeds.split(",")]
        for d in datasets:
            for m in methods:
                for s in seeds:
                    if any(r["method"] == m and r["dataset"] == d and r["seed"] == s
                           for r in rows):
                        continue
                    row = run_one(args, m, d, s, extras[m])
                    rows.append(row)
                    with open(log, "a") as f:
                        f.write(json.dumps(row) + "\n")
                    print(f"{m} {d} seed {s}: {row['w2']} ({row['wall_seconds']} s)",
                          file=sys.stderr, flush=True)
    print(report(rows, methods, datasets))


if __name__ == "__main__":
    main()
