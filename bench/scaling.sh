#!/usr/bin/env bash
# OT-CFM training speed against the dimension d = 2, 8, 64, 256: gradflow against torchcfm
# (PyTorch, CPU), side by side in one run on this machine, at the same network
# ((d+1) -> 256 -> 256 -> 256 -> d SiLU), batch (256), optimiser (Adam 1e-3) and thread
# count (1 and every core; each process pinned with taskset to as many cores).
# - gradflow: `gradflow train otcfm --data gaussD.npy --steps S --threads T`, its printed
#   training time (network set-up and the final checkpoint included);
# - torchcfm: bench/peers/otcfm_torchcfm.py, S steps timed after 20 warm-up steps.
# The data: 10 000 rows of a Gaussian with feature scales 0.01 to 100 per d (the timing does
# not depend on the values). Each row of the table also gives gradflow's arithmetic rate as a
# fraction of the machine's measured f32 GEMM peak at that thread count (`gradflow bench
# --workload sgemm`): 6·batch·(weights) flops per step (forward 2, backward 4; element-wise
# work, the OT coupling and Adam not counted, so the fraction is a lower bound).
# Installs torch==2.15.0 and torchcfm==1.0.7 from PyPI into $CARGO_TARGET_DIR/peers-venv
# (target/peers-venv by default; PyPI's torch wheel brings the CUDA libraries, about 3 GB).
# Usage: bench/scaling.sh [STEPS (default 1000)]
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-1000}
target=${CARGO_TARGET_DIR:-target}
venv=$target/peers-venv
py=$venv/bin/python
pinned="import torch, torchcfm; assert torch.__version__[:6] == '2.15.0'"
if ! "$py" -c "$pinned" 2>/dev/null; then
  [ -x "$py" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q "torch==2.15.0" "torchcfm==1.0.7"
fi
cargo build --release -q --bin gradflow -p gradflow-cli
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gradflow=$work/gradflow
cp "$target/release/gradflow" "$gradflow"
dims="2 8 64 256"
for d in $dims; do
  "$py" -c "
import numpy as np
rng = np.random.default_rng($d)
scales = 0.01 * 10.0 ** (4.0 * np.arange($d) / max($d - 1, 1))
np.save('$work/gauss$d.npy', rng.standard_normal((10000, $d)) * scales)"
done
. bench/lib.sh # cores, threads, pin
out=$target/scaling.jsonl
: >"$out"
load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?")
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $cores cores, load average $load;" \
  "$steps steps per run" >&2
for t in $threads; do
  pin "$t" "$gradflow" bench --workload sgemm --threads "$t" --json >>"$out"
  for d in $dims; do
    echo "d = $d, $t thread(s)" >&2
    run=$(pin "$t" "$gradflow" train otcfm --data "$work/gauss$d.npy" --steps "$steps" \
      --threads "$t" --no-progress --force -o "$work/run$d")
    line=$(grep '^trained otcfm' <<<"$run")
    seconds=$(sed -E 's/.* in ([0-9.]+) s .*/\1/' <<<"$line")
    echo "{\"impl\": \"gradflow\", \"d\": $d, \"threads\": $t, \"steps\": $steps, \"seconds\": $seconds}" >>"$out"
    pin "$t" "$py" bench/peers/otcfm_torchcfm.py "$work/gauss$d.npy" "$t" "$steps" >>"$out"
  done
done
python3 bench/peers/scaling_report.py "$out"
