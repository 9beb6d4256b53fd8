#!/usr/bin/env bash
# Every test: installs what is needed, then the C suite (Criterion via ctest)
# and the Python suite (pytest). Exit status non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
echo "==> C tests (ctest)"
ctest --test-dir build --output-on-failure -j2
if [ -d python/tests ] && [ -x .venv/bin/python ]; then
  echo "==> Python tests (pytest)"
  .venv/bin/python -m pytest -q python/tests
fi
