#!/usr/bin/env bash
# gradflow on an NVIDIA GPU against PyTorch and GeomLoss on the same GPU, in one run.
# Prints the GPU tables (bench/peers/gpu_report.py):
# - batched ULA: K = 10 steps of the 2->128->128->1 SiLU energy in f32 for N particles
#   (GPU_PEERS_PARTICLES, default 16384 262144 1048576): `gradflow bench --workload batched
#   --device cuda` against PyTorch eager autograd and torch.compile (bench/peers/
#   gpu_ula_torch.py), with each row's fraction of the measured SGEMM peak (torch.mm, TF32
#   off: bench/peers/gpu_sgemm.py);
# - Sinkhorn: `gradflow bench --workload sinkhorn --device cuda` against GeomLoss 0.2.6
#   tensorized on the GPU (bench/peers/sinkhorn_geomloss.py --device cuda), annealed, f32,
#   d = 2, blur 0.05, n = m in GPU_PEERS_SINKHORN_SIZES (default 4096 16384 65536);
# - a full NSGF 2D training run (`gradflow train nsgf`, default settings) on the GPU and on
#   the CPU: wall time and W2 (GPU_PEERS_NSGF_ARGS: extra options, e.g. a shorter --steps).
# Needs: a release build of gradflow (built here), a Python with torch (CUDA) and geomloss
# (GPU_PEERS_PYTHON, default python3), and NVRTC and cuBLAS on LD_LIBRARY_PATH.
# GPU_PEERS_DEVICE=cpu runs everything on the CPU instead: a check of the scripts only.
# Usage: bench/gpu_peers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
device=${GPU_PEERS_DEVICE:-cuda}
py=${GPU_PEERS_PYTHON:-python3}
sizes=${GPU_PEERS_PARTICLES:-16384 262144 1048576}
sk_sizes=${GPU_PEERS_SINKHORN_SIZES:-4096 16384 65536}
target=${CARGO_TARGET_DIR:-target}
cargo build --release -q --bin gradflow -p gradflow-cli
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gradflow=$work/gradflow
cp "$target/release/gradflow" "$gradflow"
out=$target/gpu_peers.jsonl
: >"$out"
"$gradflow" devices >&2
echo "== SGEMM peak" >&2
"$py" bench/peers/gpu_sgemm.py --device "$device" >>"$out"
echo "== batched ULA" >&2
for n in $sizes; do
  "$gradflow" bench --workload batched --device "$device" --particles "$n" --threads 0 --json >>"$out"
done
# shellcheck disable=SC2086
"$py" bench/peers/gpu_ula_torch.py --device "$device" --particles $sizes >>"$out"
echo "== Sinkhorn" >&2
# shellcheck disable=SC2086
"$py" bench/peers/sinkhorn_data.py "$work" --sizes $sk_sizes --dims 2
for n in $sk_sizes; do
  "$gradflow" bench --workload sinkhorn --device "$device" --threads 0 --json \
    --x "$work/x_n${n}_d2.npy" --y "$work/y_n${n}_d2.npy" --blur 0.05 >>"$out"
done
# shellcheck disable=SC2086
"$py" bench/peers/sinkhorn_geomloss.py "$(nproc)" "$work" --sizes $sk_sizes --dims 2 \
  --blurs 0.05 --device "$device" >>"$out"
echo "== NSGF 2D training run" >&2
for d in "$device" cpu; do
  # shellcheck disable=SC2086
  (cd "$work" && "$gradflow" train nsgf --device "$d" -o "nsgf_$d" --no-progress ${GPU_PEERS_NSGF_ARGS:-}) |
    sed "s/^/nsgf --device $d: /" >"$work/nsgf_$d.txt"
done
"$py" bench/peers/gpu_report.py "$out" "$work"/nsgf_*.txt
