#!/usr/bin/env python3
"""Key-based (time) windows: mwk.move_<stat>_by against Polars' native
rolling_<stat>_by and pandas' rolling("15min").

10M rows at irregular timestamps (cumulative sum of exponential gaps, mean
1 s, datetime64[ns]), 15-minute windows (about 900 rows each), float64
values; mean, std (ddof 1, as Polars and pandas) and max. Every contender is
checked against mwk's result before it is timed (same NaN positions, values
within 1e-9 relative to the data's scale). Times are the best of --repeat
runs; ratios are from this one run. Goal (issue 12): mwk >= 3x Polars.

To add a contender (e.g. the Polars plugin), append a (label, factory) pair
to CONTENDERS: factory(stat, values, ts) returns a zero-argument callable
whose result is an array-like of the outputs.

    .venv/bin/python bench/by_bench.py            # 10M rows, ~1-2 minutes
    .venv/bin/python bench/by_bench.py --n 1000000 --repeat 2
"""
from __future__ import annotations

import argparse
import os
import platform
import time
from typing import Any, Callable, List, Tuple

import numpy as np

import mwk

STATS = ["mean", "std", "max"]
WINDOW = "15m"


def _mwk(stat: str, x: np.ndarray, ts: np.ndarray) -> Callable[[], Any]:
    kw = {"ddof": 1} if stat == "std" else {}
    f = getattr(mwk, f"move_{stat}_by")
    return lambda: f(x, ts, WINDOW, **kw)


def _mwk_1thread(stat: str, x: np.ndarray, ts: np.ndarray) -> Callable[[], Any]:
    kw = {"ddof": 1} if stat == "std" else {}
    f = getattr(mwk, f"move_{stat}_by")
    return lambda: f(x, ts, WINDOW, threads=1, **kw)


def _polars(stat: str, x: np.ndarray, ts: np.ndarray) -> Callable[[], Any]:
    import polars as pl

    s, k = pl.Series(x), pl.Series(ts)
    f = getattr(s, f"rolling_{stat}_by")
    return lambda: f(k, WINDOW).to_numpy()


def _pandas(stat: str, x: np.ndarray, ts: np.ndarray) -> Callable[[], Any]:
    import pandas as pd

    r = pd.Series(x, index=pd.DatetimeIndex(ts)).rolling("15min")
    return lambda: getattr(r, stat)().to_numpy()


CONTENDERS: List[Tuple[str, Callable[[str, np.ndarray, np.ndarray], Callable[[], Any]]]] = [
    ("mwk", _mwk),
    ("mwk (1 thread)", _mwk_1thread),
    ("polars", _polars),
    ("pandas", _pandas),
]


def best_of(fn: Callable[[], Any], repeat: int) -> Tuple[float, float, Any]:
    """Best wall time and best process CPU time (all threads) of repeat runs:
    on a machine shared with other work the CPU time is the steadier
    measure of the work each contender does."""
    best, best_cpu, out = float("inf"), float("inf"), None
    for _ in range(repeat):
        c, t = time.process_time(), time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
        best_cpu = min(best_cpu, time.process_time() - c)
    return best, best_cpu, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    gaps = rng.exponential(1e9, args.n).astype(np.int64)  # ns, mean 1 s
    ts = (np.datetime64("2024-01-01", "ns") + np.cumsum(gaps).astype("timedelta64[ns]"))
    x = rng.normal(size=args.n)
    print(f"# move_<stat>_by: n = {args.n:,}, irregular timestamps (mean gap 1 s), window {WINDOW}, "
          f"float64; best of {args.repeat}")
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"mwk {mwk.__version__}, numpy {np.__version__}")
    print()
    print("Wall seconds (CPU seconds of all threads); ratios: contender / mwk, wall (CPU).")
    print()
    print("| statistic | " + " | ".join(f"{c}" for c, _ in CONTENDERS) + " | "
          + " | ".join(f"{c} / mwk" for c, _ in CONTENDERS[1:]) + " |")
    print("|---" * (1 + 2 * len(CONTENDERS) - 1) + "|")
    for stat in STATS:
        times, cpus, ref = [], [], None
        for label, make in CONTENDERS:
            try:
                fn = make(stat, x, ts)
            except ImportError:
                times.append(float("nan"))
                cpus.append(float("nan"))
                continue
            t, tc, out = best_of(fn, args.repeat)
            cpus.append(tc)
            out = np.asarray(out, dtype=np.float64)
            if ref is None:
                ref = out
            else:
                na, nb = np.isnan(ref), np.isnan(out)
                scale = float(np.nanmax(np.abs(ref))) or 1.0
                if not np.array_equal(na, nb) or np.nanmax(np.abs(ref - out)) > 1e-9 * scale:
                    raise SystemExit(f"{label} {stat}: results differ from mwk's")
            times.append(t)
        print(f"| {stat} | " + " | ".join(f"{t:.3f} ({c:.3f})" for t, c in zip(times, cpus)) + " | "
              + " | ".join(f"{t / times[0]:.2f}x ({c / cpus[0]:.2f}x)" for t, c in zip(times[1:], cpus[1:]))
              + " |", flush=True)


if __name__ == "__main__":
    main()
