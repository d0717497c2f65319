# Shared by the bench scripts (sourced from the repository root): the thread counts to
# time (1, and every core when there are several) and `pin`.
cores=$(nproc)
threads=1
[ "$cores" -gt 1 ] && threads="1 $cores"
pin() { # pin THREADS COMMAND...: run COMMAND on cores 0..THREADS-1
  local n=$1
  shift
  if command -v taskset >/dev/null; then taskset -c "$(seq -s, 0 $((n - 1)))" "$@"; else "$@"; fi
}
