#!/usr/bin/env bash
# Side-by-side benchmark of one ULA step of a 2->64->64->1 SiLU MLP energy: gradflow against
# JAX, in one run, on one pinned core (XLA's thread pools limited to one thread). Installs JAX
# (CPU) into target/peers-venv. PyTorch is not included: PyPI's Linux wheel pulls in the
# multi-gigabyte CUDA libraries. Usage: bench/peers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/peers-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "jax[cpu]==0.10.2"
fi
cargo build --release -q --bin gradflow
out=target/peers.jsonl
export XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
pin="taskset -c 0"
command -v taskset >/dev/null || pin=""
$pin target/release/gradflow bench --json >"$out"
$pin "$venv/bin/python" bench/peers/ula_mlp_jax.py >>"$out"
python3 bench/peers/report.py "$out"
