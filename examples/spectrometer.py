"""The spectrometer reduction from Python: smooth every spectrum across its
channels with a moving mean of window 1000, keep the full windows, decimate.

Two routes give the same numbers: NumPy arrays (mwk.move_mean over axis 1,
rows spread over threads) and a Polars Array column (the .mwk.moving_mean
plugin, which the streaming engine runs batch by batch; `mwk reduce` is
built on it).

    python examples/spectrometer.py [ROWS]
"""
from __future__ import annotations

import sys
import time

import numpy as np
import polars as pl

import mwk
import mwk.polars  # noqa: F401  (registers the .mwk namespace)

CHANNELS, WINDOW, DECIMATE = 30_000, 1_000, 4


def synthetic_day(rows: int) -> np.ndarray:
    """Rows of a noisy spectrum: a few Gaussian lines on a sloped baseline."""
    rng = np.random.default_rng(42)
    ch = np.arange(CHANNELS)
    lines = sum(a * np.exp(-0.5 * ((ch - c) / 40.0) ** 2)
                for a, c in [(50, 4_000), (80, 12_500), (30, 21_000)])
    base = 10 + ch * 1e-4 + lines
    return (base + rng.normal(scale=5.0, size=(rows, CHANNELS))).astype(np.float32)


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 64
    day = synthetic_day(rows)

    t0 = time.perf_counter()
    smooth = mwk.move_mean(day, WINDOW, axis=1, mode="valid", threads=2)[:, ::DECIMATE]
    t1 = time.perf_counter()
    mb = day.nbytes / 1e6
    print(f"NumPy route: {rows} x {CHANNELS} float32 ({mb:.0f} MB) in {t1 - t0:.3f} s"
          f" -> {smooth.shape}, dtype {smooth.dtype}")

    frame = pl.DataFrame({"spectrum": day}, schema={"spectrum": pl.Array(pl.Float32, CHANNELS)})
    t0 = time.perf_counter()
    out = frame.lazy().select(pl.col("spectrum").mwk.moving_mean(WINDOW, mode="valid")).collect()
    t1 = time.perf_counter()
    via_polars = out["spectrum"].to_numpy()[:, ::DECIMATE]
    print(f"Polars route: {t1 - t0:.3f} s -> {via_polars.shape}")

    # the same numbers both ways, and against a float64 cumulative-sum reference
    assert np.array_equal(smooth, via_polars)
    c = np.cumsum(np.pad(day.astype(np.float64), ((0, 0), (1, 0))), axis=1)
    ref = ((c[:, WINDOW:] - c[:, :-WINDOW]) / WINDOW)[:, ::DECIMATE]
    err = np.max(np.abs(smooth - ref) / np.abs(ref))
    print(f"largest relative difference from the float64 reference: {err:.1e}")
    assert err < 1e-6  # float32 output: within float32 rounding


if __name__ == "__main__":
    main()
