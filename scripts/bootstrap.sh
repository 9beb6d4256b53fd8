#!/usr/bin/env bash
# Installs everything mwk needs on a fresh Debian (12+) machine, as root, and
# builds the C library, tests and benchmarks into build/ and the Python
# package into .venv/. Idempotent: a second run only rebuilds what changed.
#   MWK_SKIP_PYTHON=1  C side only
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PKGS=(build-essential cmake ninja-build pkg-config git
          libhwy-dev libfftw3-dev libopenblas-dev libcriterion-dev
          python3 python3-venv python3-dev)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "==> building the C library, tests and benchmarks (build/)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build

if [ "${MWK_SKIP_PYTHON:-0}" != 1 ] && [ -f pyproject.toml ]; then
  echo "==> Python environment (.venv/) and the mwk package"
  PY=${PYTHON:-python3}
  [ -x .venv/bin/python ] || "$PY" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  # Test and benchmark requirements, pinned (numba, scipy, pandas are peers in
  # the benchmarks and references in their smoke tests).
  .venv/bin/python -m pip install -q -r python/requirements-test.txt -r bench/requirements.txt
  .venv/bin/python -m pip install -q --no-build-isolation .
fi
