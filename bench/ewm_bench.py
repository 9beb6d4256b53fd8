"""EWM mean, span 1000, n = 1,000,000 float64, one thread: ns per element and
ratios against the peers (issue 11's speed line: at least 2x numbagg's
move_exp_nanmean). Not a timed test: run it by hand and record the output in
BENCHMARKS.md ("EWM") with the machine and the date.

    .venv/bin/python bench/ewm_bench.py [--n 1000000] [--span 1000] [--repeat 7]

Every contender is timed interleaved (one round = one call of each, best of
--repeat rounds) so that a loaded machine slows them alike; a copy
(np.copyto of the same array) is printed as the floor. Each result is
checked against pandas' (relative difference printed).
"""
from __future__ import annotations

import argparse
import os

# one thread for every peer, before they are imported
os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("POLARS_MAX_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import time  # noqa: E402

import numpy as np  # noqa: E402

import mwk  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--span", type=float, default=1000.0)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    n, span = args.n, args.span
    alpha = 2.0 / (span + 1.0)
    x = np.random.default_rng(0).standard_normal(n)
    y = np.empty_like(x)

    contenders = {"copy (np.copyto)": lambda: np.copyto(y, x)}
    info = mwk.runtime_info()
    contenders["mwk ewm_mean auto"] = lambda: mwk.ewm_mean(x, span=span, threads=1, out=y)
    for t in info["supported_targets"]:
        contenders[f"mwk scan {t}"] = (lambda t=t: mwk.ewm_mean(x, span=span, algorithm="scan", target=t,
                                                               threads=1, out=y))
    contenders["mwk naive"] = lambda: mwk.ewm_mean(x, span=span, algorithm="naive", threads=1, out=y)
    contenders["mwk ewm_sum scan"] = lambda: mwk.ewm_sum(x, span=span, algorithm="scan", threads=1, out=y)
    contenders["mwk ewm_std"] = lambda: mwk.ewm_std(x, span=span, threads=1, out=y)
    ref = None
    try:
        import pandas as pd

        s = pd.Series(x)
        contenders["pandas ewm().mean()"] = lambda: s.ewm(span=span).mean()
        ref = s.ewm(span=span).mean().to_numpy()
    except ImportError:
        pass
    try:
        import numbagg

        numbagg.move_exp_nanmean(x[:100], alpha=alpha)  # compile
        contenders["numbagg move_exp_nanmean"] = lambda: numbagg.move_exp_nanmean(x, alpha=alpha)
    except ImportError:
        pass
    try:
        import polars as pl

        ps = pl.Series(x)
        contenders["polars ewm_mean"] = lambda: ps.ewm_mean(span=span)
        import importlib

        importlib.import_module("mwk.polars")  # registers .mwk

        contenders["polars .mwk.ewm_mean"] = lambda: ps.mwk.ewm_mean(span=span)
    except ImportError:
        pass

    best = {k: float("inf") for k in contenders}
    for k, f in contenders.items():
        f()  # warm up (page faults, JIT, plan caches)
    for _ in range(args.repeat):
        for k, f in contenders.items():
            t0 = time.perf_counter()
            f()
            best[k] = min(best[k], time.perf_counter() - t0)

    if ref is not None:
        got = mwk.ewm_mean(x, span=span, threads=1)
        # relative to the weighted mean of |x| (about 0.8 here): the means
        # themselves pass near 0, where a relative difference says nothing
        err = np.max(np.abs(got - ref)) / np.mean(np.abs(x))
        print(f"# mwk auto vs pandas: max |difference| / mean|x| = {err:.2e}")
    base = best.get("numbagg move_exp_nanmean") or best.get("polars ewm_mean") or best.get("pandas ewm().mean()")
    base_name = ("numbagg" if "numbagg move_exp_nanmean" in best else "polars" if "polars ewm_mean" in best
                 else "pandas")
    print(f"# ewm_mean span={span:g} n={n} float64, one thread, best of {args.repeat} interleaved rounds")
    print(f"# mwk {info['version']} target {info['target']} (supported: {','.join(info['supported_targets'])})")
    print(f"{'contender':28s} {'ns/element':>11s} {'x vs ' + base_name:>12s}")
    for k, v in best.items():
        ns = v / n * 1e9
        print(f"{k:28s} {ns:11.2f} {base / v if base else float('nan'):12.2f}")


if __name__ == "__main__":
    main()
