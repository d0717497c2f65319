"""Prints the peer table from the JSON lines of `gradflow bench --json` and the peers."""

import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
ours = {r["precision"]: r["ns_per_particle_step"] for r in rows if r["impl"] == "gradflow"}
print(f"{'implementation':<48} {'prec':<5} {'ns/step':>9} {'GFLOP/s':>8} {'time / gradflow':>16}")
for r in rows:
    ratio = r["ns_per_particle_step"] / ours[r["precision"]]
    print(
        f"{r['impl']:<48} {r['precision']:<5} {r['ns_per_particle_step']:>9.1f} "
        f"{r['gflops']:>8.2f} {ratio:>16.2f}"
    )
