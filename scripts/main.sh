#!/usr/bin/env bash
# The main job on its built-in default: installs what is needed, then
# reproduces the seed's table (naive vs ring vs prefix vs fft on
# arange(30000), window 1000) and the spectrometer batch, in C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
./build/bench/mwk_seed "$@"
