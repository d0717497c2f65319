#!/usr/bin/env bash
# Builds the book (docs/ -> docs/book/) after checking its links. Installs the pinned mdbook
# if `mdbook --version` does not report it. Fails on a broken link and on any mdbook warning
# or error. Usage: bash docs/build.sh
set -euo pipefail
cd "$(dirname "$0")/.."

MDBOOK_VERSION=0.4.52
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

if [ "$(mdbook --version 2>/dev/null || true)" != "mdbook v$MDBOOK_VERSION" ]; then
  echo "== installing mdbook $MDBOOK_VERSION (cargo install; several minutes on 2 cores)"
  # Only the search feature: the serve and watch features (a web server, file watching) are
  # not needed to build, and would double the build.
  cargo install mdbook --version "$MDBOOK_VERSION" --locked \
    --no-default-features --features search
fi

echo "== docs/check_links.py"
python3 docs/check_links.py --self-test
python3 docs/check_links.py

echo "== mdbook build docs"
log=$(mdbook build docs 2>&1) || { printf '%s\n' "$log"; exit 1; }
printf '%s\n' "$log"
if printf '%s\n' "$log" | grep -E '\[(WARN|ERROR)\]' >/dev/null; then
  echo "mdbook build reported warnings or errors (above)" >&2
  exit 1
fi
echo "book written to docs/book/index.html"
