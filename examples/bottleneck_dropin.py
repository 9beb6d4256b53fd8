"""mwk.move_mean as a drop-in for bottleneck.move_mean.

Same call, same output shape and NaN handling (min_count, trailing windows);
the difference shows on data with a large spike: bottleneck's running sum
keeps the spike's rounding error for good, mwk's result stays as accurate as
summing each window on its own.

    python examples/bottleneck_dropin.py
"""
from __future__ import annotations

import numpy as np

import mwk

try:
    import bottleneck as bn
except ImportError:  # bottleneck is optional: the example then shows mwk alone
    bn = None


def exact_trailing_mean(x: np.ndarray, window: int) -> np.ndarray:
    """Each full window summed on its own (math.fsum), NaN before the first."""
    import math

    out = np.full(x.shape, np.nan)
    for i in range(window - 1, x.size):
        out[i] = math.fsum(x[i - window + 1 : i + 1]) / window
    return out


def main() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=20_000)
    window = 100

    # 1. the same call, the same answer on ordinary data
    ours = mwk.move_mean(x, window)  # trailing windows, min_count=window
    if bn is not None:
        theirs = bn.move_mean(x, window)
        assert np.allclose(ours, theirs, equal_nan=True)
        print("ordinary data: mwk.move_mean == bottleneck.move_mean (to rounding)")

    # 2. NaN and min_count behave like bottleneck's
    y = x.copy()
    y[10:15] = np.nan
    partial = mwk.move_mean(y, window, min_count=1)
    assert not np.isnan(partial[14]) and np.isnan(mwk.move_mean(y, window)[14])
    print("NaNs skipped; min_count=1 gives a value wherever one is present")

    # 3. a spike of 1e12, then values of 1e-3
    z = np.full(3_000, 1e-3)
    z[1_000] = 1e12
    exact = exact_trailing_mean(z, window)
    tail = slice(1_200, None)  # windows after the spike has left
    ours_err = np.max(np.abs(mwk.move_mean(z, window)[tail] - exact[tail]) / exact[tail])
    print(f"after a 1e12 spike: mwk relative error {ours_err:.1e}")
    assert ours_err < 1e-12
    if bn is not None:
        bn_err = np.max(np.abs(bn.move_mean(z, window)[tail] - exact[tail]) / exact[tail])
        print(f"                    bottleneck relative error {bn_err:.1e}")

    # 4. beyond bottleneck: other alignments and threads over rows
    rows = rng.normal(size=(8, 5_000))
    valid = mwk.move_mean(rows, 250, axis=1, mode="valid", threads=2)
    assert valid.shape == (8, 5_000 - 250 + 1)
    print("mode='valid' over 8 rows on 2 threads:", valid.shape)


if __name__ == "__main__":
    main()
