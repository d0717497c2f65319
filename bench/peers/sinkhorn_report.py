"""Prints the Sinkhorn peer tables (Markdown) from the JSON lines of bench/sinkhorn_peers.sh.

Rows without `impl` (or with impl "gradflow") are gradflow's (`gradflow bench --workload
sinkhorn --json`); the others are GeomLoss's and POT's (sinkhorn_geomloss.py,
sinkhorn_pot.py); rows with `skipped` say why a side did not run a size (they become
footnotes), rows with `meta` describe the machine and the run. Like
with like: gradflow's annealed rows against GeomLoss, its tolerance rows against POT. Each
cell is the best round (other work on a shared machine only ever slows a round down); the
values are compared at the best round of each side, and a relative difference above
FLAG (f32) is flagged.
"""

import json
import sys
from collections import defaultdict

FLAG = 1e-3


def key(r):
    return (r["stopping"], r["n"], r["dim"], r["blur"], r["threads"])


def best(rows):
    """The fastest round of one implementation at one key."""
    return min(rows, key=lambda r: r["seconds"])


def work(r):
    """The row's iteration counts, as a short string."""
    if "updates" in r:
        return str(r["updates"])
    its = r.get("iterations")
    if isinstance(its, list):
        return "/".join(str(i) for i in its)
    return "-" if its is None else str(its)


def table(title, stopping, ours, peers, skips, note):
    keys = sorted({k for k in list(ours) + list(peers) + [k for _, k in skips]
                   if k[0] == stopping}, key=lambda k: (k[2], k[3], k[1], k[4]))
    if not keys:
        return
    impls = sorted({p["impl"] for k in keys for p in peers.get(k, [])})
    print(f"{title}\n")
    if impls:
        print(f"Peer: {', '.join(impls)}. {note}\n")
    print("| n | d | blur | threads | gradflow s | peer s | peer / gradflow | gradflow its "
          "| peer its | S (gradflow) | S (peer) | rel. diff | rounds (gradflow s, peer s) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    footnotes = []
    for k in keys:
        _, n, d, blur, threads = k
        g = best(ours[k]) if k in ours else None
        p = best(peers[k]) if k in peers else None
        seconds = {}
        for side, r in (("gradflow", g), ("peer", p)):
            if r:
                seconds[side] = f"{r['seconds']:.3f}"
            elif (side, k) in skips:
                skip = skips[(side, k)]
                footnotes.append(f"n = {n}, d = {d}, blur {blur}, {threads} thread(s): "
                                 f"{skip.get('impl', 'gradflow')} skipped: {skip['skipped']}")
                seconds[side] = f"skipped[^{stopping[0]}{len(footnotes)}]"
            else:
                seconds[side] = "-"
        if g and p:
            rel = abs(p["value"] - g["value"]) / max(abs(g["value"]), 1e-300)
            rel_s = f"{rel:.1e}" + (" ⚠" if rel > FLAG else "")
        else:
            rel_s = "-"
        spread = "; ".join(
            f"{side} {min(r['seconds'] for r in rows):.3f}–{max(r['seconds'] for r in rows):.3f}"
            for side, rows in (("gradflow", ours.get(k)), ("peer", peers.get(k)))
            if rows and len(rows) > 1)
        cells = [
            n, d, blur, threads,
            seconds["gradflow"],
            seconds["peer"],
            f"{p['seconds'] / g['seconds']:.2f}×" if g and p else "-",
            work(g) if g else "-",
            work(p) if p else "-",
            f"{g['value']:.7g}" if g else "-",
            f"{p['value']:.7g}" if p else "-",
            rel_s,
            spread or "-",
        ]
        print("| " + " | ".join(str(c) for c in cells) + " |")
    for i, text in enumerate(footnotes, 1):
        print(f"\n[^{stopping[0]}{i}]: {text}", end="")
    print("\n")


def main(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    meta = [r["meta"] for r in rows if "meta" in r]
    ours, peers, skips = defaultdict(list), defaultdict(list), {}
    for r in rows:
        if "meta" in r or r.get("workload") != "sinkhorn":
            continue
        if "skipped" in r:
            skips[("peer" if r.get("impl", "gradflow") != "gradflow" else "gradflow", key(r))] = r
        elif r.get("impl", "gradflow") != "gradflow":
            peers[key(r)].append(r)
        else:
            ours[key(r)].append(r)
    tol = sorted({r["tol"] for rs in list(ours.values()) + list(peers.values()) for r in rs
                  if r["stopping"] == "tolerance"})
    table(
        "Debiased Sinkhorn divergence, annealed (GeomLoss's ε-scaling schedule, scaling 0.5), "
        "f32, seconds per evaluation (median of runs, best round)",
        "annealed", ours, peers, skips,
        "Its = ε-schedule updates. Both sides run the same fixed schedule, so the values "
        "agree up to f32 rounding.",
    )
    table(
        "Debiased Sinkhorn divergence, iterate to the L2 column-marginal tolerance "
        f"{', '.join(f'{t:g}' for t in tol)}, f32, seconds per evaluation",
        "tolerance", ours, peers, skips,
        "Its = iterations of the xy/xx/yy problems. POT solves the full-cost problem "
        "(reg = 2 blur²) in the log domain from zero potentials and checks the tolerance "
        "every 10 iterations; its values are halved onto GeomLoss's scale; its numpy "
        "backend runs the loop on one thread, so it is timed at 1 thread only by default. "
        "Both sides stop "
        "at the tolerance, not at the same iterate: the values agree to about the "
        "tolerance's effect, not to rounding.",
    )
    for m in meta:
        print(f"- {m}")


if __name__ == "__main__":
    main(sys.argv[1])
