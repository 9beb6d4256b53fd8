"""Repeated calls must not leak: RSS growth under 10 MB after a warm-up."""
from __future__ import annotations

import gc
import os
import sys

import numpy as np
import pytest

import mwk

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")

LIMIT = 10 * 2**20


def rss() -> int:
    gc.collect()
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def growth(fn, warmup: int, reps: int) -> int:
    for _ in range(warmup):
        fn()
    before = rss()
    for _ in range(reps):
        fn()
    return rss() - before


def test_move_mean_no_leak():
    a = np.random.default_rng(0).normal(size=(20, 500))
    f32 = a.astype(np.float32)
    out = np.empty_like(a)

    def work():
        mwk.move_mean(a, 25)
        mwk.move_mean(f32[:, ::-3], 7, axis=0, mode="centered")
        mwk.move_mean(a, 25, out=out)
        b = a.copy()
        mwk.move_mean(b, 25, out=b)  # overlapping out: through a temporary
        for bad in (dict(window=0), dict(window=3, mode="x"), dict(window=3, out=np.empty(3))):
            try:
                mwk.move_mean(a, **bad)
            except (TypeError, ValueError):
                pass

    assert growth(work, 200, 5000) < LIMIT


def test_plugin_calls_no_leak():
    pl = pytest.importorskip("polars")
    import mwk.polars  # noqa: F401

    rng = np.random.default_rng(1)
    x = rng.normal(size=20_000)
    parts = [pl.Series("x", x[i:i + 3000]) for i in range(0, x.size, 3000)]
    s = pl.concat(parts, rechunk=False).slice(7, 19_000)
    sn = pl.Series("x", rng.normal(size=5000)).scatter(np.flatnonzero(rng.random(5000) < 0.1), None)
    arr = pl.Series("a", rng.normal(size=(500, 32)), dtype=pl.Array(pl.Float64, 32))
    lst = arr.cast(pl.List(pl.Float64))
    df = pl.DataFrame({"s": ["a"] * 10})

    def work():
        s.mwk.rolling_mean(100)
        sn.mwk.rolling_mean(30, min_samples=5, center=True)
        arr.mwk.moving_mean(5)
        lst.mwk.moving_mean(5, mode="centered")
        try:  # the error path releases its inputs too
            df.select(pl.col("s").mwk.rolling_mean(2))
        except pl.exceptions.ComputeError:
            pass

    assert growth(work, 200, 3000) < LIMIT


def test_scan_parquet_loop_no_leak(tmp_path):
    pl = pytest.importorskip("polars")
    import mwk.polars  # noqa: F401

    rng = np.random.default_rng(2)
    n = 20_000
    df = pl.DataFrame(
        {"ff": rng.integers(0, 10, n), "x": rng.normal(size=n), "spec": rng.normal(size=(n, 16))},
        schema={"ff": pl.Int64, "x": pl.Float64, "spec": pl.Array(pl.Float64, 16)},
    )
    path = tmp_path / "d.parquet"
    df.write_parquet(path, row_group_size=2500)
    k = [0]

    def work():
        k[0] = (k[0] + 1) % 10
        (pl.scan_parquet(path).filter(pl.col("ff") == k[0])
         .select(pl.col("x").mwk.rolling_mean(50, min_samples=1),
                 pl.col("spec").mwk.moving_mean(3, mode="centered"))
         .collect(engine="streaming"))

    assert growth(work, 50, 600) < LIMIT
