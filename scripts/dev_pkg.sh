#!/usr/bin/env bash
# Developer loop for the Python package without reinstalling it: builds the
# extension (mwk._mwk: NumPy binding and Polars plugin) into DIR/pybuild and
# lays out an importable package in DIR/pkg whose .py files are symlinks to
# python/mwk (edits show at once; rerun this after C changes). Several
# checkouts or people can each use their own DIR at once.
#   bash scripts/dev_pkg.sh /tmp/me && PYTHONPATH=/tmp/me/pkg .venv/bin/python -m pytest python/tests/test_x.py
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:?usage: scripts/dev_pkg.sh DIR}
mkdir -p "$DIR/pkg/mwk"
DIR=$(cd "$DIR" && pwd)
cmake -S . -B "$DIR/pybuild" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMWK_BUILD_PYTHON=ON \
  -DPython_EXECUTABLE="$PWD/.venv/bin/python" >/dev/null
cmake --build "$DIR/pybuild" --target _mwk
for f in python/mwk/*; do ln -sfn "$PWD/$f" "$DIR/pkg/mwk/"; done
find "$DIR/pkg/mwk" -xtype l -delete  # files removed from python/mwk
cp -f "$(find "$DIR/pybuild" -name '_mwk*.so' | head -1)" "$DIR/pkg/mwk/"
echo "PYTHONPATH=$DIR/pkg"
