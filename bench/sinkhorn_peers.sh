#!/usr/bin/env bash
# gradflow's debiased Sinkhorn divergence against GeomLoss and POT (CPU, f32), side by side,
# in one run on this machine. Prints two tables (bench/peers/sinkhorn_report.py), like with
# like:
# - annealed: `gradflow bench --workload sinkhorn` (GeomLoss's eps-scaling schedule,
#   scaling 0.5) against GeomLoss 0.2.6 SamplesLoss("sinkhorn", p=2, blur, scaling 0.5,
#   debias=True, backend="tensorized"), forward value;
# - tolerance: the same with `--tol T` (iterate until the L2 column-marginal error is below
#   T) against POT 0.9.7.post1 ot.bregman.empirical_sinkhorn_divergence, log domain, cost
#   sqeuclidean with reg = 2 blur^2 (the same problem; values halved onto GeomLoss's scale),
#   stopThr = T (POT checks the same column-marginal error, every 10th iteration).
# Each row: n = m, d, blur, threads, seconds of each side, their ratio, the iteration
# counts and both values with their relative difference (flagged above 1e-3).
# The data: x ~ N(0, I_d), y ~ N(0, I_d) + e_1 (shifted by 1 along the first axis), n points
# each, float32 .npy files written once by numpy (seeded; bench/peers/sinkhorn_data.py) into
# a temporary folder and read by every side. Sizes 1024, 4096, 16384 for all, 65536 for
# gradflow only; d = 2 and 16; blur 0.05 and 0.3.
# Timing: every side takes the median of SINKHORN_REPEATS runs after a warm-up, or the
# warm-up alone when it took over 10 s (gradflow's bench applies the same rule itself).
# The tolerance table (gradflow and POT) stops at SINKHORN_TOL_MAX points: at blur 0.05 both
# take thousands of iterations, and POT at 16384 points would take about an hour. The
# peers skip (and say why) a size whose estimated memory exceeds 80 % of MemAvailable or
# whose run, extrapolated from the previous size, would exceed SINKHORN_CAP seconds (a run
# that goes over it anyway is stopped); a gradflow invocation is stopped after
# SINKHORN_GRADFLOW_CAP seconds. POT's numpy backend runs its loop on one thread, so it is
# timed at SINKHORN_POT_THREADS (default 1) only.
# Each process is pinned with taskset to as many cores as it has threads; the whole set is
# repeated SINKHORN_ROUNDS times (default 1: a full run takes the better part of an hour)
# and the tables take each side's best round. On a shared machine, run it as root with
# PEERS_PRIORITY=1 (as bench/peers.sh: own session, nice -20, autogroup nice -20).
# Options (environment): SINKHORN_SIZES (default "1024 4096 16384 65536"), SINKHORN_PEER_MAX
# (largest size the peers run, default 16384), SINKHORN_TOL_MAX (largest size run to
# tolerance, default 4096), SINKHORN_DIMS ("2 16"), SINKHORN_BLURS
# ("0.05 0.3"), SINKHORN_TOL (1e-5), SINKHORN_REPEATS (3), SINKHORN_CAP (600),
# SINKHORN_GRADFLOW_CAP (1800), SINKHORN_POT_THREADS ("1"), SINKHORN_ROUNDS (1),
# SINKHORN_STOPPINGS ("annealed tolerance": which of the two tables to run),
# SINKHORN_GRADFLOW (a gradflow binary to time instead of building one; without a sinkhorn
# workload in the binary, only the peers are timed). Quick run:
#   SINKHORN_SIZES="1024 4096" bench/sinkhorn_peers.sh
# Installs torch==2.15.0, geomloss==0.2.6 and pot==0.9.7.post1 from PyPI into
# $CARGO_TARGET_DIR/peers-venv (target/peers-venv by default), the venv of bench/peers.sh.
# The raw JSON lines are kept in $CARGO_TARGET_DIR/sinkhorn_peers.jsonl.
set -euo pipefail
if [ "${PEERS_PRIORITY:-0}" = 1 ] && [ -z "${PEERS_IN_SESSION:-}" ]; then
  exec env PEERS_IN_SESSION=1 setsid --wait nice -n -20 "$0" "$@"
fi
cd "$(dirname "$0")/.."
if [ -n "${PEERS_IN_SESSION:-}" ] && [ -e /proc/self/autogroup ]; then
  echo -20 2>/dev/null >/proc/self/autogroup ||
    echo "bench/sinkhorn_peers.sh: cannot raise the autogroup's priority (not root?)" >&2
fi
export PYTHONDONTWRITEBYTECODE=1
target=${CARGO_TARGET_DIR:-target}
venv=$target/peers-venv
py=$venv/bin/python
sizes=${SINKHORN_SIZES:-1024 4096 16384 65536}
peer_max=${SINKHORN_PEER_MAX:-16384}
tol_max=${SINKHORN_TOL_MAX:-4096}
dims=${SINKHORN_DIMS:-2 16}
blurs=${SINKHORN_BLURS:-0.05 0.3}
scaling=0.5
tol=${SINKHORN_TOL:-1e-5}
repeats=${SINKHORN_REPEATS:-3}
cap=${SINKHORN_CAP:-600}
gradflow_cap=${SINKHORN_GRADFLOW_CAP:-1800}
pot_threads=${SINKHORN_POT_THREADS:-1}
rounds=${SINKHORN_ROUNDS:-1}
stoppings=" ${SINKHORN_STOPPINGS:-annealed tolerance} "
annealed=0 tolerance=0
if [[ "$stoppings" == *" annealed "* ]]; then annealed=1; fi
if [[ "$stoppings" == *" tolerance "* ]]; then tolerance=1; fi
if [ $((annealed + tolerance)) -eq 0 ]; then
  echo "bench/sinkhorn_peers.sh: SINKHORN_STOPPINGS names neither annealed nor tolerance" >&2
  exit 2
fi

pinned="import torch, geomloss, ot; assert (torch.__version__[:6], geomloss.__version__, \
ot.__version__) == ('2.15.0', '0.2.6', '0.9.7.post1')"
if ! "$py" -c "$pinned" 2>/dev/null; then
  [ -x "$py" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q "torch==2.15.0" "geomloss==0.2.6" "pot==0.9.7.post1"
fi

private=$(mktemp -d)
trap 'rm -rf "$private"' EXIT
# A private copy: another checkout sharing CARGO_TARGET_DIR may rebuild release/gradflow.
gradflow=$private/gradflow
if [ -n "${SINKHORN_GRADFLOW:-}" ]; then
  cp "$SINKHORN_GRADFLOW" "$gradflow"
else
  cargo build --release -q --bin gradflow -p gradflow-cli
  cp "$target/release/gradflow" "$gradflow"
fi
if ! "$gradflow" bench --help 2>/dev/null | grep -q -- --blur; then
  echo "bench/sinkhorn_peers.sh: this gradflow has no sinkhorn bench workload" \
    "(no --blur in 'gradflow bench --help'); timing the peers only" >&2
  gradflow=
fi

data=$private/data
mkdir "$data"
peer_sizes= pot_sizes=
for n in $sizes; do
  if [ "$n" -le "$peer_max" ]; then peer_sizes="$peer_sizes $n"; fi
  if [ "$n" -le "$peer_max" ] && [ "$n" -le "$tol_max" ]; then pot_sizes="$pot_sizes $n"; fi
done
# shellcheck disable=SC2086 # word splitting of the lists is intended
"$py" bench/peers/sinkhorn_data.py "$data" --sizes $sizes --dims $dims

. bench/lib.sh # cores, threads, pin
out=$target/sinkhorn_peers.jsonl
: >"$out"
meta() { # meta TEXT: a line for the report, with the load average now
  local load
  load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
  "$py" -c 'import json, sys; print(json.dumps({"meta": sys.argv[1]}))' \
    "$1, load average $load" >>"$out"
  echo "$1, load average $load" >&2
}
gradflow_run() { # gradflow_run THREADS N D BLUR [--tol T]: one gradflow row (or a skip row)
  local t=$1 n=$2 d=$3 blur=$4 rc=0
  shift 4
  pin "$t" timeout "$gradflow_cap" "$gradflow" bench --workload sinkhorn \
    --x "$data/x_n${n}_d${d}.npy" --y "$data/y_n${n}_d${d}.npy" --blur "$blur" \
    --scaling "$scaling" "$@" --threads "$t" --repeats "$repeats" --json >>"$out" || rc=$?
  if [ "$rc" -ne 0 ]; then
    local why="exit status $rc" stopping=annealed tolv=null
    if [ "$rc" -eq 124 ]; then why="stopped after the ${gradflow_cap} s cap"; fi
    if [ "$#" -gt 0 ]; then stopping=tolerance tolv=$tol; fi
    echo "gradflow: n = $n, d = $d, blur $blur, $stopping, $t thread(s): $why" >&2
    local fmt='{"workload":"sinkhorn","impl":"gradflow","skipped":"%s","n":%s,"m":%s,'
    fmt+='"dim":%s,"blur":%s,"stopping":"%s","tol":%s,"threads":%s}\n'
    # shellcheck disable=SC2059 # the format is built above
    printf "$fmt" "$why" "$n" "$n" "$d" "$blur" "$stopping" "$tolv" "$t" >>"$out"
  fi
}

machine="$(lscpu | sed -n 's/^Model name: *//p'), $cores cores,"
machine+=" $(free -g | awk '/^Mem:/ {print $2}') GiB RAM"
group=$(cat /proc/self/autogroup 2>/dev/null || echo "no autogroup")
meta "machine: $machine; nice $(nice), $group; $rounds round(s), tol $tol, repeats $repeats"
for round in $(seq "$rounds"); do
  for t in $threads; do
    meta "round $round/$rounds, $t thread(s), start"
    if [ -n "$gradflow" ]; then
      for d in $dims; do
        for blur in $blurs; do
          for n in $sizes; do
            if [ "$annealed" = 1 ]; then gradflow_run "$t" "$n" "$d" "$blur"; fi
            # To tolerance only at the sizes POT runs: its rows are the comparison.
            if [ "$tolerance" = 1 ] && [ "$n" -le "$tol_max" ]; then
              gradflow_run "$t" "$n" "$d" "$blur" --tol "$tol"
            fi
          done
        done
      done
    fi
    if [ -n "$peer_sizes" ]; then
      if [ "$annealed" = 1 ]; then
        # shellcheck disable=SC2086
        pin "$t" "$py" bench/peers/sinkhorn_geomloss.py "$t" "$data" --sizes $peer_sizes \
          --dims $dims --blurs $blurs --scaling "$scaling" --repeats "$repeats" --cap "$cap" >>"$out"
      fi
      if [ "$tolerance" = 1 ] && [ -n "$pot_sizes" ] && [[ " $pot_threads " == *" $t "* ]]; then
        # shellcheck disable=SC2086
        pin "$t" "$py" bench/peers/sinkhorn_pot.py "$t" "$data" --tol "$tol" --sizes $pot_sizes \
          --dims $dims --blurs $blurs --repeats "$repeats" --cap "$cap" >>"$out"
      fi
    fi
    meta "round $round/$rounds, $t thread(s), end"
  done
done
python3 bench/peers/sinkhorn_report.py "$out"
