#!/usr/bin/env bash
# The first thing to run on a machine with an NVIDIA GPU: finds NVRTC and cuBLAS, lists the
# devices, runs the GPU tests (which skip elsewhere) with GRADFLOW_REQUIRE_GPU=1 so that a
# GPU that cannot be used fails them instead, then a short NSGF training run on the GPU and
# the same run on the CPU. Prints every test's output.
#
# The bindings are CUDA 12.8's: cudarc looks for libnvrtc.so.12 / libcublas.so.12 or the
# unversioned names. A machine with only CUDA 13 libraries (libX.so.13) gets unversioned
# links to them in a private folder on LD_LIBRARY_PATH, with their own folders after it.
# GPU_CHECK_LIB_DIRS: more folders to search (default: the CUDA toolkits under /usr/local
# and the nvidia wheels of python3's site-packages).
# Usage: bench/gpu_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
links=$(mktemp -d)
trap 'rm -rf "$links"' EXIT
dirs=${GPU_CHECK_LIB_DIRS:-}
for d in /usr/local/cuda/lib64 /usr/local/cuda-*/lib64; do [ -d "$d" ] && dirs="$dirs $d"; done
site=$(python3 -c 'import site; print(" ".join(site.getsitepackages()))' 2>/dev/null || true)
for s in $site; do
  for d in "$s"/nvidia/*/lib "$s"/nvidia/*/*/lib; do [ -d "$d" ] && dirs="$dirs $d"; done
done
path=$links
for lib in nvrtc cublas; do
  found=""
  # shellcheck disable=SC2086
  for d in $dirs; do
    for f in "$d/lib$lib.so" "$d"/lib$lib.so.1[0-9]*; do
      [ -e "$f" ] && found=$f && break 2
    done
  done
  if [ -z "$found" ]; then
    echo "gpu_check: lib$lib.so not found in: $dirs" >&2
    continue
  fi
  echo "gpu_check: lib$lib.so -> $found" >&2
  ln -sf "$found" "$links/lib$lib.so"
  path="$path:$(dirname "$found")"
done
export LD_LIBRARY_PATH="$path${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export GRADFLOW_REQUIRE_GPU=1 GRADFLOW_REQUIRE_NVRTC=1
cargo build --release -q --bin gradflow -p gradflow-cli
gradflow=$(realpath "${CARGO_TARGET_DIR:-target}/release/gradflow")
"$gradflow" devices
cargo test --release --no-fail-fast -p gradflow --test cuda_nvrtc --test cuda_backend --test cuda_sinkhorn \
  --test cli_device -- --nocapture --test-threads 1
work=$(mktemp -d)
for d in cuda cpu; do
  (cd "$work" && "$gradflow" train nsgf --device "$d" --steps 200 \
    -o "nsgf_$d" --no-progress) | sed "s/^/nsgf --device $d: /"
done
rm -rf "$work"
