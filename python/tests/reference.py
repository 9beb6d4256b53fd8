"""A slow, exact reference for move_mean (math.fsum per window)."""
from __future__ import annotations

import math

import numpy as np

U = 2.0**-53


def window_bounds(i: int, n: int, w: int, mode: str) -> tuple[int, int]:
    """[lo, hi) of output i."""
    if mode == "trailing":
        return max(0, i - w + 1), i + 1
    if mode == "valid":
        return i, i + w
    return max(0, i - w // 2), min(n, i + (w - 1) // 2 + 1)


def out_len(n: int, w: int, mode: str) -> int:
    return n - w + 1 if mode == "valid" else n


def ref_1d(x, w, min_count=None, mode="trailing", nan_policy="skip"):
    """Returns (values, bounds): exact means and the accuracy bound per output."""
    x = np.asarray(x, dtype=np.float64) if np.asarray(x).dtype.kind == "f" else np.asarray(x)
    n = len(x)
    mc = w if min_count is None else min_count
    m = out_len(n, w, mode)
    val = np.empty(m)
    bound = np.zeros(m)
    for i in range(m):
        lo, hi = window_bounds(i, n, w, mode)
        win = [float(v) if x.dtype.kind == "f" else int(v) for v in x[lo:hi]]
        nans = [v for v in win if isinstance(v, float) and math.isnan(v)]
        if nan_policy == "skip":
            vals = [v for v in win if not (isinstance(v, float) and math.isnan(v))]
            if len(vals) < mc:
                val[i] = np.nan
                continue
        else:
            if nans or len(win) < mc:
                val[i] = np.nan
                continue
            vals = win
        pinf = any(v == math.inf for v in vals)
        ninf = any(v == -math.inf for v in vals)
        if pinf and ninf:
            val[i] = np.nan
        elif pinf:
            val[i] = np.inf
        elif ninf:
            val[i] = -np.inf
        else:
            c = len(vals)
            # exact for ints (Python ints), fsum for floats
            s = sum(vals) if x.dtype.kind == "i" else math.fsum(vals)
            val[i] = _exact_div(s, c)
            bound[i] = (w + 2) * U * math.fsum(abs(float(v)) for v in vals) / c
    return val, bound


def _exact_div(s, c):
    if isinstance(s, int):
        from fractions import Fraction

        return float(Fraction(s, c))
    return s / c


def assert_close_to_ref(got, x, w, min_count=None, mode="trailing", nan_policy="skip", dtype=np.float64,
                        slack=4.0, fft=False):
    """got: 1-D result row. Checks NaN/inf positions exactly and finite values
    within the header's accuracy contract (times slack)."""
    exp, bound = ref_1d(x, w, min_count, mode, nan_policy)
    got = np.asarray(got, dtype=np.float64)
    assert got.shape == exp.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(exp), err_msg=f"NaN mask differs: {got} vs {exp}")
    inf = np.isinf(exp)
    np.testing.assert_array_equal(got[inf], exp[inf])
    fin = np.isfinite(exp)
    tol = bound[fin] * slack
    if fft:
        xf = np.asarray(x, dtype=np.float64)
        xf = xf[np.isfinite(xf)]
        mx = float(np.max(np.abs(xf))) if xf.size else 0.0
        nn = max(len(x), 2)
        tol = tol + 8 * (math.log2(4 * nn) + 2) * U * w * mx * slack
    if dtype == np.float32:
        tol = tol + np.spacing(np.abs(exp[fin]).astype(np.float32)).astype(np.float64) * 1.01
    err = np.abs(got[fin] - exp[fin])
    assert np.all(err <= tol + 1e-300), f"error {err.max()} above bound; got {got[fin]} want {exp[fin]}"
