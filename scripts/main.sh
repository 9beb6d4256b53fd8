#!/usr/bin/env bash
# The main job on its built-in default: installs what is needed, then
#   1. `mwk reduce` with no input: generates a synthetic spectrometer day
#      (Parquet), smooths every spectrum across channels (window 1000) with the
#      streaming engine, checks sampled rows against NumPy, prints the summary;
#   2. the seed's table: the blog post's methods, the peers and mwk on
#      arange(30000), window 1000, with speedups (bench/seed_table.py).
# Extra arguments go to `mwk reduce` (e.g. --rows 2000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
echo
echo "==> mwk reduce (synthetic spectrometer day)"
.venv/bin/mwk reduce "$@"
echo
echo "==> the seed's table (bench/seed_table.py)"
.venv/bin/python bench/seed_table.py
