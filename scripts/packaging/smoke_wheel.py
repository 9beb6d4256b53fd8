"""Smoke test of an installed mwk wheel (run by scripts/wheel.sh in a fresh
venv, and under qemu for aarch64): imports it, runs every algorithm (fft
exercises FFTW, a threaded batch exercises OpenMP) against NumPy, and checks
from /proc/self/maps that FFTW, OpenMP and Highway were loaded from the wheel
itself (or linked in statically), never from the system."""
import os
import re
import sys

import numpy as np

import mwk

info = mwk.runtime_info()
print("mwk", getattr(mwk, "__version__", "?"), "from", os.path.dirname(mwk.__file__))
print("runtime:", info)

x = np.random.default_rng(1).normal(size=5000) * 1e3
w = 100
want = np.convolve(x, np.ones(w), "valid") / w
algorithms = ["auto", "naive", "ring", "prefix", "fft"]
for alg in algorithms:
    got = mwk.move_mean(x, w, mode="valid", algorithm=alg)
    err = np.max(np.abs(got - want)) / np.max(np.abs(want))
    assert err < 1e-9, (alg, err)
X = np.random.default_rng(2).normal(size=(64, 2000))
one = mwk.move_mean(X, 50, axis=1, threads=1)
two = mwk.move_mean(X, 50, axis=1, threads=2)
assert np.array_equal(one, two, equal_nan=True)
print("algorithms", " ".join(algorithms), "and a 2-thread batch: OK")

site = os.path.realpath(os.path.dirname(os.path.dirname(mwk.__file__)))
maps = open("/proc/self/maps").read().split("\n")
libs = sorted({ln.split()[-1] for ln in maps if ln.count("/") and ".so" in ln})
bad = []
for lib in libs:
    name = os.path.basename(lib)
    if re.match(r"lib(fftw3|hwy|gomp)", name):
        where = "wheel" if os.path.realpath(lib).startswith(site) else "SYSTEM"
        print(f"  {name:40s} {where}: {lib}")
        if where != "wheel":
            bad.append(lib)
    if re.match(r"libhwy", name):
        bad.append(lib + " (Highway must be linked statically)")
if bad:
    sys.exit("FAIL: libraries loaded from outside the wheel: " + ", ".join(bad))
if not any(re.match(r"libfftw3", os.path.basename(l)) for l in libs):
    sys.exit("FAIL: the fft algorithm ran but no libfftw3 is mapped")
print("smoke test passed")
