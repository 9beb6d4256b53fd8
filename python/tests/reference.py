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


# --------------------------------------------------------------------------
# Every statistic of the registry: exact references.
#
# Sums and second moments are exact: each finite value is an integer
# multiple of one power of two per row (float.as_integer_ratio), so window
# sums of values and of squares are Python integers, slid in O(1) per window,
# and mean/sum/var/std are correctly rounded from exact fractions. min, max,
# argmin and argmax are plain Python loops over each window (Python compares
# ints and floats exactly, so uint64 above 2**53 is ordered right).

from fractions import Fraction  # noqa: E402

TINY = 2.0**-1074

EXACT_STATS = ("min", "max", "argmin", "argmax")


def _py_values(x) -> list:
    """The row as exact Python numbers (float for float dtypes incl. float16,
    int for integer and bool dtypes)."""
    x = np.asarray(x)
    if x.dtype.kind == "b":
        return [int(v) for v in x.tolist()]
    return x.tolist()


def _isnan(v) -> bool:
    return isinstance(v, float) and v != v


def _scaled_ints(vals):
    """(scaled, K): scaled[i] * 2**-K == vals[i] for finite values, None for
    NaN/inf."""
    ratios = []
    K = 0
    for v in vals:
        if isinstance(v, float) and not math.isfinite(v):
            ratios.append(None)
            continue
        p, q = (v.as_integer_ratio() if isinstance(v, float) else (int(v), 1))
        k = q.bit_length() - 1
        K = max(K, k)
        ratios.append((p, k))
    return [None if r is None else r[0] << (K - r[1]) for r in ratios], K


def _sqrt_fraction(fr: Fraction) -> float:
    """sqrt of a non-negative fraction to about 2**-64 relative, as a float."""
    p, q = fr.numerator, fr.denominator
    if p == 0:
        return 0.0
    s = max(0, 66 - (p.bit_length() - q.bit_length()) // 2)
    return _to_float(Fraction(math.isqrt((p << (2 * s)) // q), 1 << s))


def _to_float(fr: Fraction) -> float:
    try:
        return float(fr)
    except OverflowError:
        return math.inf if fr > 0 else -math.inf


# --------------------------------------------------------------------------
# Order statistics (median, quantile, rank): sorted windows, numpy.quantile's
# positions (the same floating-point index formulas as NumPy), and the values
# from exact fractions: lower/higher/nearest are selections, midpoint and the
# median the two middle values' mean rounded once, linear the exact
# a + t (b - a) with one ulp allowed (the header: rounded once, faithfully),
# rank exact counts divided once. +-inf follow the mathematics.

ORDER_STATS = ("median", "quantile", "rank")
INTERPOLATIONS = ("linear", "lower", "higher", "nearest", "midpoint")


def q_positions(c: int, q: float, how: str):
    """(lo, hi, t) of numpy.quantile's method `how` for c sorted values."""
    if c <= 1:
        return 0, 0, 0.0
    last = float(c - 1)
    if how == "lower":
        k = math.floor(last * q)
        return k, k, 0.0
    if how == "higher":
        k = math.ceil(last * q)
        return min(k, c - 1), min(k, c - 1), 0.0
    if how == "nearest":
        k = int(np.around(last * q))
        return k, k, 0.0
    if how == "midpoint":
        vi = last * q
        lo, hi = math.floor(vi), min(math.ceil(vi), c - 1)
        return lo, hi, 0.0 if lo == hi else 0.5
    vi = last * q  # NumPy's linear method: (n - 1) * q
    if vi >= last:
        return c - 1, c - 1, 0.0
    if vi < 0.0:
        return 0, 0, 0.0
    f = math.floor(vi)
    return f, f + 1, vi - f


def q_value(a: float, b: float, t: float):
    """(value, bound): a + t (b - a) from exact fractions, with its allowance."""
    if t == 0.0 or a == b:
        return a, 0.0
    if math.isinf(a) or math.isinf(b):
        if a == -math.inf and b == math.inf:
            return math.nan, 0.0
        return (b if math.isinf(b) else a), 0.0
    exact = Fraction(a) + Fraction(t) * (Fraction(b) - Fraction(a))
    v = _to_float(exact)
    if t == 0.5:
        return v, TINY  # correctly rounded (bar subnormal halves)
    # The header: within one ulp of the exact value (faithful rounding).
    return v, float(np.spacing(abs(v))) if math.isfinite(v) else 0.0


def order_window(vals, stat, q=0.5, interpolation="linear", newest=None):
    """The statistic of a window's non-NaN values (vals: floats, NaN absent);
    newest: the element rank ranks. Returns (value, bound)."""
    if stat == "rank":
        if newest is None or newest != newest:
            return math.nan, 0.0
        c = len(vals)
        if c <= 1:
            return 0.0, 0.0
        less = sum(1 for v in vals if v < newest)
        equal = sum(1 for v in vals if v == newest)
        return _to_float(Fraction(2 * less + equal - 1 - (c - 1), c - 1)), 0.0
    s = sorted(vals)
    if stat == "median":
        q, interpolation = 0.5, "linear"
    lo, hi, t = q_positions(len(s), q, interpolation)
    return q_value(s[lo], s[hi], t)


def ref_order(x, w, stat, min_count=None, mode="trailing", nan_policy="skip", q=0.5, interpolation="linear",
              rows=None):
    """ref_stat for the order statistics. With a sequence q: values and
    bounds of shape (m, len(q))."""
    xa = np.asarray(x)
    if xa.dtype.kind in "iub":
        xa = xa.astype(np.float64)  # the engine's cores read float64 (int64 beyond 2**53 rounds once)
    vals = [float(v) for v in xa.tolist()]
    n = len(vals)
    mc = w if min_count is None else min_count
    m = out_len(n, w, mode)
    qs = list(np.atleast_1d(q)) if stat == "quantile" else [0.5]
    val = np.full((m, len(qs)), np.nan)
    bound = np.zeros((m, len(qs)))
    for i in (range(m) if rows is None else rows):
        lo, hi = window_bounds(i, n, w, mode)
        win = vals[lo:hi]
        ok = [v for v in win if v == v]
        if (nan_policy == "propagate" and (len(ok) < len(win) or len(win) < mc)) or len(ok) < mc or not ok:
            continue
        for j, qq in enumerate(qs):
            val[i, j], bound[i, j] = order_window(ok, stat, float(qq), interpolation, newest=win[-1])
    if stat != "quantile" or np.ndim(q) == 0:
        return val[:, 0], bound[:, 0]
    return val, bound


def ref_stat(x, w, stat, min_count=None, mode="trailing", nan_policy="skip", ddof=0, rows=None, **params):
    """Exact results of move_<stat> for a 1-D row, and the header's error
    bound for each (0 for the exact statistics). ``rows``: only these output
    indices (others NaN with bound 0), for long rows. ``params``: the
    statistic's other parameters (quantile's q and interpolation)."""
    if stat in ("weighted_sum", "weighted_mean") and params.get("weights") is None:
        # weighted_*'s default taps are the boxcar: move_sum / move_mean's
        # values, within their bound (tests/test_weighted.py has the taps).
        stat = stat[len("weighted_"):]
        params = {k: v for k, v in params.items() if k not in ("weights", "min_weight")}
    if stat in ORDER_STATS:
        return ref_order(x, w, stat, min_count, mode, nan_policy, rows=rows, **params)
    xa = np.asarray(x)
    if stat in ("var", "std") and xa.dtype.kind in "iu" and xa.dtype.itemsize == 8:
        # The header converts int64/uint64 to float64 first (rounding beyond
        # 2**53 by up to 2**-53 |x|), and a variance is not stable under that
        # perturbation: its contract is about the converted values. (The
        # mean's and the sum's bounds include the conversion.)
        xa = xa.astype(np.float64)
    vals = _py_values(xa)
    n = len(vals)
    mc = w if min_count is None else min_count
    m = out_len(n, w, mode)
    val = np.full(m, np.nan)
    bound = np.zeros(m)
    idx = range(m) if rows is None else rows
    if stat in EXACT_STATS:
        for i in idx:
            lo, hi = window_bounds(i, n, w, mode)
            win = vals[lo:hi]
            nan = sum(1 for v in win if _isnan(v))
            if nan_policy == "propagate":
                if nan or len(win) < mc:
                    continue
            elif len(win) - nan < mc:
                continue
            best, pos = None, None
            for j in range(lo, hi):
                v = vals[j]
                if _isnan(v):
                    continue
                if best is None or (v <= best if stat in ("min", "argmin") else v >= best):
                    best, pos = v, j  # ties: the newest
            if stat in ("min", "max"):
                val[i] = float(best)
            else:
                val[i] = float(hi - 1 - pos)
        return val, bound

    scaled, K = _scaled_ints(vals)
    # prefix sums: values, squares, |values|, counts of NaN, +inf, -inf
    P1, P2, PA, PN, PP, PM = ([0] * (n + 1) for _ in range(6))
    for j, (v, s) in enumerate(zip(vals, scaled)):
        P1[j + 1] = P1[j] + (s or 0)
        P2[j + 1] = P2[j] + (s * s if s else 0)
        PA[j + 1] = PA[j] + (abs(s) if s else 0)
        PN[j + 1] = PN[j] + _isnan(v)
        PP[j + 1] = PP[j] + (v == math.inf)
        PM[j + 1] = PM[j] + (v == -math.inf)
    scale = 1 << K
    for i in idx:
        lo, hi = window_bounds(i, n, w, mode)
        nan = PN[hi] - PN[lo]
        pinf, ninf = PP[hi] - PP[lo], PM[hi] - PM[lo]
        c = hi - lo - nan
        if nan_policy == "propagate":
            if nan or hi - lo < mc:
                continue
        elif c < mc:
            continue
        s1, s2, sa = P1[hi] - P1[lo], P2[hi] - P2[lo], PA[hi] - PA[lo]
        if stat in ("mean", "sum"):
            if pinf and ninf:
                continue
            if pinf or ninf:
                val[i] = math.inf if pinf else -math.inf
                continue
            div = c if stat == "mean" else 1
            val[i] = _to_float(Fraction(s1, scale * div))
            bound[i] = (w + 2) * U * float(Fraction(sa, scale * div))
        else:  # var, std
            if pinf or ninf or c <= ddof:
                continue
            var = Fraction(c * s2 - s1 * s1, c * (c - ddof) * scale * scale)
            if stat == "var":
                v = _to_float(var)
                val[i], bound[i] = v, 8 * (w + 4) * U * v + w * TINY
            else:
                sd = _sqrt_fraction(var)  # exact even where var over/underflows a double
                val[i] = sd
                bound[i] = sd * (4 * (w + 4) * U + 3 * U) + math.sqrt(w * TINY)
    return val, bound


def assert_stat(got, x, w, stat, min_count=None, mode="trailing", nan_policy="skip", ddof=0, slack=1.0,
                rows=None, ref=None, **params):
    """got: a 1-D result row. NaN and inf positions must match exactly, the
    exact statistics must be equal, the others within the header's contract
    (times slack; plus one float32 ulp when the output is float32; slack=inf
    checks only the NaN and inf positions). ref: ref_stat's result, when the
    caller checks many results against one reference."""
    exp, bound = ref if ref is not None else ref_stat(x, w, stat, min_count, mode, nan_policy, ddof, rows, **params)
    got32 = np.asarray(got).dtype == np.float32
    got = np.asarray(got, dtype=np.float64)
    assert got.shape == exp.shape, (got.shape, exp.shape)
    if rows is not None:
        sel = np.zeros(len(exp), bool)
        sel[list(rows)] = True
        got, exp, bound = got[sel], exp[sel], bound[sel]
    where = f"move_{stat}(w={w}, min_count={min_count}, mode={mode}, nan_policy={nan_policy}, ddof={ddof})"
    bad = np.isnan(got) != np.isnan(exp)
    assert not bad.any(), (f"{where}: NaN mask differs at {np.flatnonzero(bad)[:10]}: got {got[bad][:10]} "
                           f"want {exp[bad][:10]}")
    inf = np.isinf(exp)
    np.testing.assert_array_equal(got[inf], exp[inf], err_msg=where)
    fin = np.isfinite(exp)
    if stat in EXACT_STATS:
        np.testing.assert_array_equal(got[fin], exp[fin].astype(np.float32) if got32 else exp[fin], err_msg=where)
        return
    if slack == math.inf:
        return
    tol = bound[fin] * slack
    if got32:
        tol = tol + np.spacing(np.abs(exp[fin]).astype(np.float32)).astype(np.float64)
    err = np.abs(got[fin] - exp[fin])
    k = np.argmax(err - tol) if err.size else 0
    assert np.all(err <= tol), (
        f"{where}: error {err[k]:.3g} above bound {tol[k]:.3g} at {np.flatnonzero(fin)[k]}: "
        f"got {got[fin][k]!r} want {exp[fin][k]!r}")
