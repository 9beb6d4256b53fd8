#!/usr/bin/env python3
"""Grouped rolling windows: 1M rows in 100,000 groups, rolling_mean, w = 10.

Three ways to compute the same column, timed in one run:
 - Polars native:        pl.col("x").rolling_mean(w).over("g")
 - the plugin in over:   pl.col("x").mwk.rolling_mean(w).over("g")  (one plugin call per group)
 - mwk's fast path:      pl.col("x").mwk.rolling_mean(w, over="g")  (one call for all groups)
and the NumPy entry on pre-sorted data, mwk.move_mean(x, w, group_offsets=...).

Keys: random integers (unsorted; groups of ~10 rows, Poisson sizes), the same
frame sorted by key, and string keys. w = 10: a window as long as the average
group, so that most windows are clipped at a group start (min_samples=1,
Polars' own rule for partial windows would give nulls otherwise). Results are
checked against Polars native before timing. Goal (issue 12): the fast path
at least 2x Polars native.

    .venv/bin/python bench/grouped_bench.py          # ~1 minute
    .venv/bin/python bench/grouped_bench.py --quick  # 100k rows
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402


def main() -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--budget", type=float, default=None, help="seconds of timing per entry")
    ap.add_argument("--out", default=None, help="also write grouped_bench.md into this directory")
    args = ap.parse_args()
    lines = []

    def print(*a, **k):  # noqa: A001  (the report goes to stdout and, with --out, to a file)
        import builtins

        lines.append(" ".join(str(x) for x in a))
        builtins.print(*a, **k)

    import polars as pl

    import mwk
    import mwk.polars  # noqa: F401

    n, G, w = (100_000, 10_000, 10) if args.quick else (1_000_000, 100_000, 10)
    budget = args.budget if args.budget is not None else (0.5 if args.quick else 2.0)
    rng = np.random.default_rng(12)
    g = rng.integers(0, G, n)
    x = rng.normal(size=n)
    frames = {
        "int keys, unsorted": pl.DataFrame({"g": g, "x": x}),
        "int keys, sorted": pl.DataFrame({"g": g, "x": x}).sort("g"),
        "str keys, unsorted": pl.DataFrame({"g": pl.Series(g).cast(pl.String), "x": x}),
    }
    print(f"# Grouped rolling_mean: {n:,} rows, {len(np.unique(g)):,} groups, w = {w}, min_samples = 1")
    print(f"polars {pl.__version__}, mwk {mwk.__version__}, CPU: {C.cpu_model()}")
    print()
    print("| keys | Polars native s | plugin in .over() s | fast path over= s | fast / native "
          "| fast / plugin-in-over |")
    print("|---|---:|---:|---:|---:|---:|")
    worst = None
    for label, df in frames.items():
        native = pl.col("x").rolling_mean(w, min_samples=1).over("g")
        inover = pl.col("x").mwk.rolling_mean(w, min_samples=1).over("g")
        fast = pl.col("x").mwk.rolling_mean(w, min_samples=1, over="g")
        ref = df.select(native).to_series().to_numpy()
        got = df.select(fast).to_series().to_numpy()
        assert np.array_equal(np.isnan(ref), np.isnan(got)), label
        assert np.allclose(ref, got, rtol=1e-12, atol=1e-12, equal_nan=True), label
        t_nat = C.time_call(lambda: df.select(native), budget_s=budget)
        t_in = C.time_call(lambda: df.select(inover), budget_s=budget, max_calls=3)
        t_fast = C.time_call(lambda: df.select(fast), budget_s=budget)
        r = t_nat.best / t_fast.best
        worst = r if worst is None else min(worst, r)
        print(f"| {label} | {t_nat.best:.4f} | {t_in.best:.4f} | {t_fast.best:.4f} | {r:.1f}x | "
              f"{t_in.best / t_fast.best:.1f}x |")
    # NumPy: group offsets of the sorted frame
    order = np.argsort(g, kind="stable")
    xs = x[order]
    sizes = np.bincount(g, minlength=G)
    offs = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    try:
        t_np = C.time_call(lambda: mwk.move_mean(xs, w, min_count=1, group_offsets=offs), budget_s=budget)
        print(f"\nNumPy mwk.move_mean(x_sorted, {w}, min_count=1, group_offsets=...): {t_np.best:.4f} s")
    except TypeError as e:  # a build without group_offsets
        print(f"\nNumPy group_offsets unavailable: {e}")
    print(f"\nworst fast/native ratio: {worst:.1f}x (goal >= 2x)")
    if args.out:
        C.write(C.out_dir(args.out) / "grouped_bench.md", "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
