#!/usr/bin/env bash
# Every test: installs what is needed, then the C suite (Criterion via ctest),
# the Python suite (pytest) and the reliability stages (scripts/reliability.sh:
# ASan+UBSan, TSan stress, valgrind, libFuzzer, arm64 under qemu, every SIMD
# target forced) and the packaging stages (scripts/packaging.sh: wheels,
# sdist, Polars oldest/newest, CPack consumer, examples, docs). Exit status
# non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
echo "==> C tests (ctest)"
ctest --test-dir build --output-on-failure -j2
if [ -d python/tests ] && [ -x .venv/bin/python ]; then
  echo "==> Python tests (pytest)"
  .venv/bin/python -m pytest -q python/tests
fi
echo "==> reliability (sanitizers, valgrind, fuzzing, arm64 under qemu, forced targets)"
bash scripts/reliability.sh
echo "==> packaging (wheels x86_64 + aarch64 under qemu, sdist, Polars oldest/newest, CPack consumer, examples with mypy/pyright, docs in Chromium)"
bash scripts/packaging.sh
