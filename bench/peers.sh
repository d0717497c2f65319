#!/usr/bin/env bash
# gradflow against JAX and PyTorch (CPU), side by side, in one run on this machine. Prints
# two tables (bench/peers/report.py):
# - the batched-ULA throughput table: K = 10 batched ULA steps of a 2->128->128->1 SiLU MLP
#   energy for N = 16384 particles, f32, on 1 thread and on every core, with each row's
#   fraction of the machine's measured SGEMM peak (the best 2048^3 f32 GEMM of the gemm
#   crate, numpy and torch.mm at that thread count);
# - the per-particle table: one ULA step of a 2->64->64->1 SiLU energy, gradflow's core
#   (one particle after another) against JAX (jit + vmap(grad)) on one core.
# Each process is pinned with taskset to as many cores as it has threads. The batched and
# SGEMM measurements are repeated in PEERS_ROUNDS rounds (default 5), each round's rate
# being the median of several runs after a warm-up; the table takes each implementation's
# best round and shows the range, because other work on a shared machine slows some rounds
# down (multi-threaded ones most). On a shared machine, run it as root with
# PEERS_PRIORITY=1: it then runs in a session of its own at nice -20, with its autogroup at
# nice -20 too (with autogroups, the kernel's default, nice alone only ranks processes within
# one login session; other sessions' jobs would still take half the cores).
# Installs jax[cpu]==0.10.2 and torch==2.15.0 from PyPI into $CARGO_TARGET_DIR/peers-venv
# (target/peers-venv by default); PyPI's torch wheel brings the CUDA libraries with it
# (about 3 GB to download, 5 GB installed). Usage: bench/peers.sh
set -euo pipefail
if [ "${PEERS_PRIORITY:-0}" = 1 ] && [ -z "${PEERS_IN_SESSION:-}" ]; then
  exec env PEERS_IN_SESSION=1 setsid --wait nice -n -20 "$0" "$@"
fi
cd "$(dirname "$0")/.."
if [ -n "${PEERS_IN_SESSION:-}" ] && [ -e /proc/self/autogroup ]; then
  echo -20 2>/dev/null >/proc/self/autogroup ||
    echo "bench/peers.sh: cannot raise the autogroup's priority (not root?)" >&2
fi
target=${CARGO_TARGET_DIR:-target}
venv=$target/peers-venv
py=$venv/bin/python
rounds=${PEERS_ROUNDS:-5}
pinned="import jax, torch; assert (jax.__version__, torch.__version__[:6]) == ('0.10.2', '2.15.0')"
if ! "$py" -c "$pinned" 2>/dev/null; then
  [ -x "$py" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q "jax[cpu]==0.10.2" "torch==2.15.0"
fi
cargo build --release -q --bin gradflow -p gradflow-cli
# A private copy: another checkout sharing CARGO_TARGET_DIR may rebuild release/gradflow.
private=$(mktemp -d)
trap 'rm -rf "$private"' EXIT
gradflow=$private/gradflow
cp "$target/release/gradflow" "$gradflow"
if ! "$gradflow" bench --help | grep -q -- --workload; then
  echo "bench/peers.sh: $target/release/gradflow was replaced by another build; run again" >&2
  exit 1
fi
. bench/lib.sh # cores, threads, pin
out=$target/peers.jsonl
: >"$out"
load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?")
group=$(cat /proc/self/autogroup 2>/dev/null || echo "no autogroup")
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $cores cores, load average $load" \
  "(other work skews the numbers); nice $(nice), $group; $rounds rounds" >&2
for round in $(seq "$rounds"); do
  for t in $threads; do
    echo "round $round/$rounds, $t thread(s)" >&2
    pin "$t" "$gradflow" bench --workload batched --threads "$t" --json >>"$out"
    pin "$t" "$gradflow" bench --workload sgemm --threads "$t" --json >>"$out"
    pin "$t" "$py" bench/peers/batched_ula_jax.py "$t" >>"$out"
    pin "$t" "$py" bench/peers/batched_ula_torch.py "$t" >>"$out"
    pin "$t" "$py" bench/peers/sgemm.py "$t" >>"$out"
  done
done
echo "per-particle workload" >&2
pin 1 "$gradflow" bench --workload per-particle --json >>"$out"
XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1" \
  pin 1 "$py" bench/peers/ula_mlp_jax.py >>"$out"
python3 bench/peers/report.py "$out"
