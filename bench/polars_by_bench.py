"""Time-based windows through Polars: ``pl.col("x").mwk.rolling_<stat>_by("ts",
"15m")`` against Polars' own ``rolling_<stat>_by`` (issue 12's speed line: at
least 3x for mean, std and max), 10,000,000 rows at irregular timestamps
(exponential gaps, mean 1 s: about 900 rows per 15-minute window), Float64
values, Datetime("us") key. Not a timed test: run it by hand and record the
output in BENCHMARKS.md ("Time-based windows through Polars").

    .venv/bin/python bench/polars_by_bench.py [--n 10000000] [--window 15m] [--repeat 5]
        [--stats mean,std,max] [--threads N]

Contenders are timed interleaved (one round = one call of each, best of
--repeat rounds), so that a loaded machine slows them alike. Both use every
core they are given (--threads sets POLARS_MAX_THREADS and MWK_NUM_THREADS;
default: leave both alone). Also printed, to place the plugin's own costs:
the same statistic through mwk.move_<stat>_by on the NumPy arrays when that
function exists, and Polars' ``select(pl.col("x"))`` (the frame round trip).
Each result is compared with Polars' (largest relative difference printed).
"""
from __future__ import annotations

import argparse
import os
import sys


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--window", default="15m")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--stats", default="mean,std,max")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--nulls", type=float, default=0.0, help="fraction of null values")
    args = ap.parse_args()
    if args.threads:
        os.environ["POLARS_MAX_THREADS"] = str(args.threads)
        os.environ["MWK_NUM_THREADS"] = str(args.threads)

    import time

    import numpy as np
    import polars as pl

    import mwk
    import mwk.polars  # noqa: F401

    rng = np.random.default_rng(0)
    n = args.n
    ts = np.cumsum(rng.exponential(1.0, n) * 1e6).astype(np.int64)  # microseconds
    x = rng.standard_normal(n) * 10 + 100
    xs = pl.Series("x", x)
    if args.nulls:
        xs = xs.scatter(np.nonzero(rng.random(n) < args.nulls)[0], None)
    df = pl.DataFrame({"ts": pl.Series("ts", ts, dtype=pl.Datetime("us")), "x": xs}).set_sorted("ts")
    print(f"# n={n:,} window={args.window} "
          f"threads={args.threads or 'default'} polars={pl.__version__} cores={os.cpu_count()}")

    def best(fn, k):
        return min(fn() for _ in range(k))

    def timed(fn):
        def run():
            t0 = time.perf_counter()
            fn()
            return time.perf_counter() - t0
        return run

    floor = timed(lambda: df.select(pl.col("x")))
    rows = []
    for stat in args.stats.split(","):
        mine = getattr(pl.col("x").mwk, f"rolling_{stat}_by")("ts", args.window)
        theirs = getattr(pl.col("x"), f"rolling_{stat}_by")("ts", args.window)
        a = df.select(mine).to_series().to_numpy()
        b = df.select(theirs).to_series().to_numpy()
        ok = ~np.isnan(b)
        rel = float(np.max(np.abs(a[ok] - b[ok]) / np.maximum(np.abs(b[ok]), 1e-300))) if ok.any() else 0.0
        fm, fp = timed(lambda: df.select(mine)), timed(lambda: df.select(theirs))
        np_fn = getattr(mwk, f"move_{stat}_by", None)
        fnp = None
        if np_fn is not None:
            tsn = ts.view("datetime64[us]")
            fnp = timed(lambda: np_fn(x, tsn, args.window))
        tm = tp = tn = float("inf")
        for _ in range(args.repeat):  # interleaved rounds
            tm = min(tm, fm())
            tp = min(tp, fp())
            if fnp is not None:
                try:
                    tn = min(tn, fnp())
                except Exception:  # a NumPy entry with another signature: skip it
                    fnp = None
        rows.append((stat, tm, tp, tn, rel))
    tf = best(floor, args.repeat)
    print(f"{'stat':<6} {'mwk plugin s':>13} {'polars s':>10} {'ratio':>7} {'mwk numpy s':>12} {'max rel diff':>13}")
    for stat, tm, tp, tn, rel in rows:
        tn_s = f"{tn:12.3f}" if tn != float("inf") else f"{'-':>12}"
        print(f"{stat:<6} {tm:13.3f} {tp:10.3f} {tp / tm:6.2f}x {tn_s} {rel:13.2e}")
    print(f"select(pl.col('x')) round trip: {tf * 1e3:.2f} ms")


if __name__ == "__main__":
    sys.exit(main())
