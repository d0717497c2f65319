"""The comparison with PGD (docs/src/results/lvebm.md): latent-variable EBMs trained by coupled
particle dynamics (the method: conditional latent particles + a joint negative pool, Adam on
theta) against PGD (Kuntz, Lim & Johansen 2023: one ULA step of the latent particles and one
gradient step theta <- theta - h*g per update, with the closed-form grad log Z that only a
normalised model has), at the SAME number of energy-gradient evaluations, on the
known-answer problems of docs/src/design.md §4.4 (and any other `gradflow train lvebm
--dataset`).

Every run is one `gradflow train lvebm --dataset SET ...` (the method with its defaults;
PGD with `--scheme ula --negative exact --optimizer sgd --posterior-steps 1
--posterior-tau h --lr h --batch 0` and as many updates as give the same number of
gradient evaluations); its JSON report is appended to DIR/runs.jsonl, so an interrupted
table resumes where it stopped. The Markdown tables (mean +- sd over the seeds of the final
iterate's error against the closed-form MLE, the recovery of the physical system's hidden
wells, and the exact log-likelihood per datum) are printed at the end, and with
--report-only from the JSON lines alone.

Usage: python3 bench/lvebm_table.py --gradflow target/release/gradflow [--seeds 0,1,2]
       [--sets latent-mean,latent-precision,ppca,double-well-sensor] [--pgd-steps 0.02,0.1]
       [--out DIR]
"""

import argparse
import json
import math
import os
import subprocess
import sys
import time

SETS = ["latent-mean", "latent-precision", "ppca", "double-well-sensor"]
POINTS = {"latent-mean": 200, "latent-precision": 200, "ppca": 300, "double-well-sensor": 300}
LATENTS = 8


def load(path):
    rows = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if line.strip():
                    row = json.loads(line)
                    rows[(row["set"], row["method"], row["seed"])] = row
    return rows


def run_one(args, s, method, seed, extra):
    prefix = os.path.join(args.out, f"{s}-{method}-seed{seed}")
    cmd = [args.gradflow, "train", "lvebm", "--dataset", s, "--seed", str(seed),
           "--latents-per-datum", str(LATENTS), "--out", prefix, "--checkpoint-every", "0",
           "--no-progress", "--force"] + extra
    start = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True)
    row = {"set": s, "method": method, "seed": seed, "wall_s": time.time() - start,
           "cmd": " ".join(cmd)}
    if p.returncode != 0:
        row["error"] = (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[-1]
        return row
    with open(prefix + ".json") as f:
        report = json.load(f)
    row["grad_evals"] = report["grad_evals_total"]
    row["train_s"] = report["train_seconds"]
    row["known"] = report["known"]
    row["evaluation"] = report["evaluation"]
    return row


def errors(row):
    """The figures of a run, by column name: the error against the closed-form MLE (or,
    on the physical system, the recovery of the hidden wells) and the exact mean
    log-likelihood of the data under the trained model (nats per datum)."""
    k = row.get("known", {})
    out = {}
    if "abs_error" in k:
        out["abs err vs MLE"] = k["abs_error"]
    if "max_abs_error" in k:
        out.update({f"max abs err {n}": v for n, v in k["max_abs_error"].items()})
    if "learned" in k:
        out["well accuracy"] = k["learned"]["well_accuracy"]
        out["oracle accuracy"] = k["oracle"]["well_accuracy"]
    ll = row.get("evaluation", {}).get("log_likelihood")
    if ll is not None:
        out["log-lik"] = ll
        best = k.get("log_likelihood_at_mle")
        if best is not None:
            out["log-lik gap to MLE x1e3"] = 1e3 * (best - ll)
        truth = k.get("log_likelihood_at_truth")
        if truth is not None:
            out["log-lik - at truth"] = ll - truth
    return out


def mean_sd(values):
    m = sum(values) / len(values)
    if len(values) < 2:
        return m, float("nan")
    return m, math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1))


def report(rows, sets, methods, seeds):
    for s in sets:
        runs = {m: [rows.get((s, m, k)) for k in seeds] for m in methods}
        names = []
        for m in methods:
            for r in runs[m]:
                if r and "error" not in r:
                    names += [n for n in errors(r) if n not in names]
        print(f"\n### {s}\n")
        print("| method | " + " | ".join(names) + " | gradient evals | train s |")
        print("|---" * (len(names) + 3) + "|")
        for m in methods:
            ok = [r for r in runs[m] if r and "error" not in r]
            bad = [r for r in runs[m] if r and "error" in r]
            cells = []
            for n in names:
                vals = [errors(r)[n] for r in ok if n in errors(r)]
                if vals:
                    mu, sd = mean_sd(vals)
                    cells.append(f"{mu:.4f} ± {sd:.4f}")
                else:
                    cells.append("—")
            evals = mean_sd([r["grad_evals"] for r in ok])[0] if ok else float("nan")
            secs = mean_sd([r["train_s"] for r in ok])[0] if ok else float("nan")
            note = f" ({len(bad)} failed: {bad[0]['error']})" if bad else ""
            print(f"| {m}{note} | " + " | ".join(cells) + f" | {evals:.3g} | {secs:.1f} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gradflow", default="target/release/gradflow")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--pgd-steps", default="0.02,0.1")
    ap.add_argument("--out", default="lvebm-table")
    ap.add_argument("--report-only", action="store_true")
    args = ap.parse_args()
    seeds = [int(k) for k in args.seeds.split(",")]
    sets = args.sets.split(",")
    hs = args.pgd_steps.split(",")
    methods = ["lvebm"] + [f"pgd-h{h}" for h in hs]
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "runs.jsonl")
    rows = load(path)
    if not args.report_only:
        for s in sets:
            for seed in seeds:
                if (s, "lvebm", seed) not in rows:
                    row = run_one(args, s, "lvebm", seed, [])
                    rows[(s, "lvebm", seed)] = row
                    with open(path, "a") as f:
                        f.write(json.dumps(row) + "\n")
                    print(f"{s} lvebm seed {seed}: {errors(row) or row.get('error')}",
                          file=sys.stderr)
                budget = rows[(s, "lvebm", seed)].get("grad_evals")
                if budget is None:
                    continue
                # PGD: one ULA step of the n*M latent particles per update.
                updates = math.ceil(budget / (POINTS[s] * LATENTS))
                for h in hs:
                    m = f"pgd-h{h}"
                    if (s, m, seed) in rows:
                        continue
                    extra = ["--scheme", "ula", "--negative", "exact", "--optimizer", "sgd",
                             "--posterior-steps", "1", "--posterior-tau", h, "--lr", h,
                             "--batch", "0", "--steps", str(updates)]
                    row = run_one(args, s, m, seed, extra)
                    rows[(s, m, seed)] = row
                    with open(path, "a") as f:
                        f.write(json.dumps(row) + "\n")
                    print(f"{s} {m} seed {seed}: {errors(row) or row.get('error')}",
                          file=sys.stderr)
    report(rows, sets, methods, seeds)


if __name__ == "__main__":
    main()
