"""Order statistics through the Python API: move_median, move_quantile,
move_rank, mwk.hampel, and the Polars methods (rolling_median,
rolling_quantile, rolling_rank, moving_median/quantile, .mwk.hampel).

Peers and where they are not the mathematics:
- numpy.quantile is the definition of each interpolation method on a window
  (the same virtual index, the same order statistics). Its own arithmetic is
  not exact: 'linear' and 'midpoint' may differ from the exactly rounded
  value by an ulp (so they are compared within one ulp; the exact reference
  of reference.py checks mwk's single rounding), and with infinities it
  gives NaN where the interpolation has a value: np.quantile([1, inf], 0.5)
  is nan (its lerp computes 0 * inf), while 1 + 0.5 * (inf - 1) = inf. Those
  windows are checked against the mathematics instead.
- bottleneck.move_median: the same values (exactly); bottleneck.move_rank:
  the same ranks up to its double rounding (it divides twice), so within a
  few ulps of 1.
- pandas' rolling median/quantile/rank: the same values (rank converted
  from pandas' 1-based average rank).
- Polars: rolling_median and rolling_quantile with 'linear', 'lower',
  'higher' and 'midpoint' equal Polars' own; 'nearest' differs from Polars'
  only where the position q*(count-1) is exactly halfway (NumPy and mwk round
  it half to even, Polars half up), and Polars' rolling_quantile(0.5) (its
  default method is 'nearest') is not its own rolling_median on even windows
  (test_polars_quantile_half_is_not_its_median documents both).
  rolling_rank has Polars' semantics and equals Polars' rolling_rank for
  'average', 'min', 'max' and 'dense'.
"""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import mwk
from reference import INTERPOLATIONS, assert_stat, out_len, ref_order, window_bounds

try:
    import bottleneck as bn
except ImportError:  # pragma: no cover
    bn = None
try:
    import pandas as pd
except ImportError:  # pragma: no cover
    pd = None

MODES = ["trailing", "valid", "centered"]
QS = [0.0, 0.1, 0.25, 1 / 3, 0.5, 0.75, 0.9, 1.0]
DTYPES = ["float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint64", "uint32", "uint16", "uint8",
          "bool"]


def algos(stat):
    return mwk.runtime_info()["statistics"][stat]


def row(n, rng, nan=0.1, ties=True, inf=False):
    x = rng.normal(size=n) * 10
    if ties:
        t = rng.random(n) < 0.3
        x[t] = rng.integers(-2, 3, size=int(t.sum()))
    if nan:
        x[rng.random(n) < nan] = np.nan
        if n > 12:
            k = int(rng.integers(0, n - 6))
            x[k:k + 6] = np.nan  # a run longer than the small windows
    if inf:
        x[rng.random(n) < 0.05] = np.inf
        x[rng.random(n) < 0.05] = -np.inf
    return x


def ulp_close(got, want, ulps=1, scale=0.0):
    """Equal NaN positions, equal infinities, finite values within ulps (of
    the value, or of `scale` when larger: NumPy's lerp a + (b - a) t rounds
    three times, so where a and b cancel its error is a few ulps of |a|, |b|,
    not of the result)."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    assert got.shape == want.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    inf = np.isinf(want)
    np.testing.assert_array_equal(got[inf], want[inf])
    fin = np.isfinite(want)
    tol = ulps * np.spacing(np.maximum(np.abs(want[fin]), scale))
    err = np.abs(got[fin] - want[fin])
    assert np.all(err <= tol), (err.max(), got[fin][np.argmax(err - tol)], want[fin][np.argmax(err - tol)])


def numpy_windows(x, w, mode, min_count, func):
    """func(non-NaN window values) for each output, NaN below min_count."""
    n = len(x)
    mc = w if min_count is None else min_count
    out = []
    for i in range(out_len(n, w, mode)):
        lo, hi = window_bounds(i, n, w, mode)
        v = x[lo:hi]
        v = v[~np.isnan(v)]
        out.append(func(v) if len(v) >= mc and len(v) else np.nan)
    return np.array(out, dtype=np.float64)


def numpy_windows_q(x, w, mode, min_count, qs, how):
    """numpy.quantile(window's non-NaN values, qs, method=how) per output:
    shape (outputs, len(qs)), NaN rows below min_count."""
    n = len(x)
    mc = w if min_count is None else min_count
    out = np.full((out_len(n, w, mode), len(qs)), np.nan)
    for i in range(out.shape[0]):
        lo, hi = window_bounds(i, n, w, mode)
        v = x[lo:hi]
        v = v[~np.isnan(v)]
        if len(v) >= mc and len(v):
            out[i] = np.quantile(v, qs, method=how)
    return out


# ------------------------------------------------------------- quantile
@pytest.mark.parametrize("how", INTERPOLATIONS)
def test_quantile_matches_numpy_every_window(how):
    """Every window of rows with ties and NaN runs, every method, several q,
    modes and min_counts, every algorithm: numpy.quantile of the window's
    non-NaN values (selections exactly; linear/midpoint within NumPy's ulp)."""
    rng = np.random.default_rng(sum(map(ord, how)))
    for n, windows in [(1, [1]), (9, [1, 2, 9]), (60, [2, 3, 4, 7, 16, 60]), (200, [33])]:
        x = row(n, rng)
        for w, mode in itertools.product(windows, MODES):
            for mc in {None, 1, max(1, w // 2)}:
                # numpy.quantile of each window for every q in one call (the
                # same per-q arithmetic as one call per q, 8x fewer calls)
                wants = numpy_windows_q(x, w, mode, mc, QS, how)
                for j, q in enumerate(QS):
                    want = wants[:, j]
                    for algo in algos("quantile"):
                        got = mwk.move_quantile(x, w, q, mc, mode=mode, interpolation=how, algorithm=algo)
                        if how in ("linear", "midpoint"):
                            ulp_close(got, want, 2, scale=np.nanmax(np.abs(x), initial=0.0))
                        else:
                            np.testing.assert_array_equal(got, want, err_msg=f"{how} q={q} w={w} {mode} {algo}")
                # the exact reference: mwk rounds once
                y = mwk.move_quantile(x, w, QS, mc, mode=mode, interpolation=how)
                for j, q in enumerate(QS):
                    assert_stat(y[:, j], x, w, "quantile", mc, mode, q=q, interpolation=how)


def test_quantile_several_q_one_pass():
    rng = np.random.default_rng(1)
    a = row(4 * 5 * 40, rng).reshape(4, 5, 40)
    qs = [0.9, 0.1, 0.5, 0.5, 0.0]  # any order, repeats allowed: kept as given
    for axis, mode, how in itertools.product([0, 1, -1], MODES, INTERPOLATIONS):
        w = min(4, a.shape[axis])
        y = mwk.move_quantile(a, w, qs, 1, axis=axis, mode=mode, interpolation=how)
        m = out_len(a.shape[axis], w, mode)
        shape = list(a.shape)
        shape[axis] = m
        assert y.shape == (*shape, len(qs))
        for j, q in enumerate(qs):
            np.testing.assert_array_equal(y[..., j], mwk.move_quantile(a, w, q, 1, axis=axis, mode=mode,
                                                                       interpolation=how))
    np.testing.assert_array_equal(mwk.move_quantile(a, 3, [0.5], 1)[..., 0], mwk.move_median(a, 3, 1))
    np.testing.assert_array_equal(mwk.move_quantile(a, 3, np.array([0.2, 0.7])),
                                  mwk.move_quantile(a, 3, (0.2, 0.7)))
    assert mwk.move_quantile(a, 3, np.float32(0.5)).shape == a.shape  # a scalar: no trailing axis
    assert mwk.move_quantile(a, 3, np.array(0.5)).shape == a.shape
    # threads and algorithms give the same bits
    big = row(3 * 5000, rng).reshape(3, 5000)
    ref = mwk.move_quantile(big, 101, qs, 10, threads=1, algorithm="naive")
    for algo, t in itertools.product(algos("quantile"), [1, 3]):
        np.testing.assert_array_equal(mwk.move_quantile(big, 101, qs, 10, threads=t, algorithm=algo), ref)


def test_quantile_out_argument():
    rng = np.random.default_rng(2)
    a = rng.normal(size=(3, 20))
    want = mwk.move_quantile(a, 4, [0.1, 0.9])
    out = np.empty((3, 20, 2))
    assert mwk.move_quantile(a, 4, [0.1, 0.9], out=out) is out
    np.testing.assert_array_equal(out, want)
    t = np.empty((2, 3, 20)).transpose(1, 2, 0)  # q axis not the last in memory
    mwk.move_quantile(a, 4, [0.1, 0.9], out=t)
    np.testing.assert_array_equal(t, want)
    with pytest.raises(ValueError, match=r"out must have shape \(3, 20, 2\)"):
        mwk.move_quantile(a, 4, [0.1, 0.9], out=np.empty((3, 20)))
    with pytest.raises(ValueError, match=r"out must have shape \(3, 20\)"):
        mwk.move_quantile(a, 4, 0.1, out=np.empty((3, 20, 1)))


def test_quantile_inf_follows_the_mathematics():
    """numpy.quantile computes its lerp as a + t*(b - a) without a case for
    infinities, so np.quantile([1, inf], 0.5) is nan and a weight of 0 on an
    infinity can give nan; mwk follows the mathematics (the header's
    contract): lower + t*(higher - lower) with t > 0 reaching an infinite end,
    -inf and +inf giving NaN, t = 0 ignoring the upper one."""
    inf = np.inf
    with np.errstate(invalid="ignore"):
        assert np.isnan(np.quantile([1.0, inf], 0.5))  # NumPy's (documented here, not followed)
    assert mwk.move_quantile(np.array([1.0, inf]), 2, 0.5)[-1] == inf
    assert mwk.move_median(np.array([1.0, inf]), 2)[-1] == inf
    assert mwk.move_quantile(np.array([-inf, 1.0]), 2, 0.25)[-1] == -inf
    assert np.isnan(mwk.move_quantile(np.array([-inf, inf]), 2, 0.5)[-1])
    assert mwk.move_quantile(np.array([inf, inf]), 2, 0.5)[-1] == inf
    assert mwk.move_quantile(np.array([1.0, 2.0, inf]), 3, 0.5)[-1] == 2.0  # t = 0
    assert mwk.move_quantile(np.array([1.0, 2.0, inf]), 3, 0.75)[-1] == inf
    rng = np.random.default_rng(3)
    for n, w in [(50, 2), (80, 5), (120, 8)]:
        x = row(n, rng, inf=True)
        for how, mode in itertools.product(INTERPOLATIONS, MODES):
            y = mwk.move_quantile(x, w, QS, 1, mode=mode, interpolation=how)
            for j, q in enumerate(QS):
                assert_stat(y[:, j], x, w, "quantile", 1, mode, q=q, interpolation=how)


def test_quantile_selections_with_inf_match_numpy():
    rng = np.random.default_rng(4)
    x = row(150, rng, inf=True)
    for how, q, mode in itertools.product(["lower", "higher", "nearest"], QS, MODES):
        want = numpy_windows(x, 6, mode, 1, lambda v: np.quantile(v, q, method=how))
        np.testing.assert_array_equal(mwk.move_quantile(x, 6, q, 1, mode=mode, interpolation=how), want)


@pytest.mark.parametrize("dtype", DTYPES)
def test_quantile_median_rank_every_dtype(dtype):
    """Integer and bool input are read as float64 (int64 beyond 2**53 rounds
    once); float32 and float16 give float32 output: exact selections and
    the median of two float32 values rounded once to float32."""
    rng = np.random.default_rng(5)
    dt = np.dtype(dtype)
    if dt.kind == "b":
        x = rng.random(300) < 0.5
    elif dt.kind in "iu":
        info = np.iinfo(dt)
        x = rng.integers(max(info.min, -1000), min(info.max, 1000), size=300, endpoint=True).astype(dt)
    else:
        x = row(300, rng).astype(dt)
    f32 = dt in (np.float32, np.float16)
    x64 = x.astype(np.float64)
    for w, mode in [(1, "trailing"), (4, "centered"), (7, "valid"), (20, "trailing")]:
        for stat, extra in [("median", {}), ("rank", {})]:
            y = getattr(mwk, "move_" + stat)(x, w, 1, mode=mode, **extra)
            assert y.dtype == (np.float32 if f32 else np.float64)
            want = getattr(mwk, "move_" + stat)(x64, w, 1, mode=mode)
            np.testing.assert_array_equal(y, want.astype(y.dtype))
        for how in INTERPOLATIONS:
            y = mwk.move_quantile(x, w, [0.3, 0.5], 1, mode=mode, interpolation=how)
            assert y.dtype == (np.float32 if f32 else np.float64)
            want = mwk.move_quantile(x64, w, [0.3, 0.5], 1, mode=mode, interpolation=how)
            if f32 and how == "linear":
                ulp_close(y, want.astype(np.float32).astype(np.float64), 1)
            else:
                np.testing.assert_array_equal(y, want.astype(y.dtype))


def test_linear_within_one_ulp_across_zero():
    """a + t (b - a) with a and b of opposite signs cancels: still within one
    ulp of the exact value (the header), every algorithm."""
    from fractions import Fraction

    rng = np.random.default_rng(19)
    pairs = [(-1.3210486329130189, 1.257302210933933), (-7.878423041420085, 7.961551640114649)]
    pairs += [tuple(sorted(p)) for p in rng.normal(size=(300, 2)) * 10]
    for (a, b), q in itertools.product(pairs, [0.1, 0.25, 1 / 3, 0.9]):
        t = 1.0 * q  # NumPy's linear index (n - 1) q, n = 2
        exact = Fraction(a) + Fraction(t) * (Fraction(b) - Fraction(a))
        for algo in algos("quantile"):
            got = mwk.move_quantile(np.array([a, b]), 2, q, algorithm=algo)[-1]
            assert abs(Fraction(got) - exact) < Fraction(np.spacing(abs(float(exact)))), (a, b, q, algo, got)


def test_float32_median_is_rounded_once():
    a = np.array([1.0, 1.0 + 2.0**-23], dtype=np.float32)  # the mean is halfway between floats32
    got = mwk.move_median(a, 2)[-1]
    exact = (np.float64(a[0]) + np.float64(a[1])) / 2
    assert got == np.float32(exact)
    big = np.array([3e38, 3.4e38], dtype=np.float32)  # a + b overflows float32, not the median
    assert np.isfinite(mwk.move_median(big, 2)[-1])
    huge = np.array([1.7e308, 1.7e308])
    assert mwk.move_median(huge, 2)[-1] == 1.7e308  # a/2 + b/2: no overflow


def test_quantile_errors():
    a = np.arange(10.0)
    for bad in (1.5, -0.1, math.nan, [0.2, 2.0], [0.5, math.nan]):
        with pytest.raises(ValueError, match=r"q must be in \[0, 1\]"):
            mwk.move_quantile(a, 3, bad)
    with pytest.raises(ValueError, match="q must not be empty"):
        mwk.move_quantile(a, 3, [])
    with pytest.raises(ValueError, match="1-D"):
        mwk.move_quantile(a, 3, [[0.5]])
    for bad in ("0.5", True, [True], {"q": 0.5}):
        with pytest.raises(TypeError):
            mwk.move_quantile(a, 3, bad)
    with pytest.raises(TypeError):
        mwk.move_quantile(a, 3)  # q is required
    with pytest.raises(ValueError, match="interpolation must be one of 'linear', 'lower', 'higher', 'nearest', "
                                         "'midpoint'; got 'cubic'"):
        mwk.move_quantile(a, 3, 0.5, interpolation="cubic")
    with pytest.raises(ValueError, match="interpolation must be one of"):
        mwk.move_quantile(a, 3, 0.5, interpolation="equiprobable")  # Polars has it, NumPy's list does not
    with pytest.raises(TypeError, match="interpolation must be a str"):
        mwk.move_quantile(a, 3, 0.5, interpolation=1)
    with pytest.raises(TypeError, match="has no parameter 'q'"):
        mwk.move("median", a, 3, q=0.5)
    with pytest.raises(TypeError, match="has no parameter 'interpolation'"):
        mwk.move("rank", a, 3, interpolation="linear")
    with pytest.raises(TypeError, match="has no parameter 'ddof'"):
        mwk.move("quantile", a, 3, ddof=1)
    # the generic entry: q defaults to the library's 0.5
    np.testing.assert_array_equal(mwk.move("quantile", a, 3), mwk.move_median(a, 3))
    np.testing.assert_array_equal(mwk.move("quantile", a, 3, q=[0.1], interpolation="lower")[:, 0],
                                  mwk.move_quantile(a, 3, 0.1, interpolation="lower"))


def test_statistics_describe_the_parameters():
    s = {d["name"]: d for d in mwk.statistics()}
    assert s["quantile"]["params"] == {"q": 0.5, "interpolation": "linear"}
    assert s["quantile"]["positional"] == ["q"]
    assert s["median"]["params"] == {} and s["rank"]["params"] == {}
    import inspect

    sig = inspect.signature(mwk.move_quantile)
    assert list(sig.parameters)[:6] == ["a", "window", "q", "min_count", "axis", "interpolation"]


# --------------------------------------------------------------- median
@pytest.mark.skipif(bn is None, reason="bottleneck not installed")
def test_median_matches_bottleneck():
    rng = np.random.default_rng(6)
    for n, w in [(1, 1), (10, 3), (100, 4), (500, 17), (500, 64), (2000, 501)]:
        x = row(n, rng)
        for mc in {None, 1, max(1, w // 3)}:
            want = bn.move_median(x, w, mc)
            for algo in algos("median"):
                np.testing.assert_array_equal(mwk.move_median(x, w, mc, algorithm=algo), want,
                                              err_msg=f"w={w} mc={mc} {algo}")
    a = row(3 * 4 * 30, rng).reshape(3, 4, 30)
    for axis in (0, 1, 2):
        w = min(3, a.shape[axis])
        np.testing.assert_array_equal(mwk.move_median(a, w, 1, axis=axis), bn.move_median(a, w, 1, axis=axis))
    x32 = row(300, rng).astype(np.float32)
    y = mwk.move_median(x32, 6, 2)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, bn.move_median(x32, 6, 2))


@pytest.mark.skipif(pd is None, reason="pandas not installed")
def test_median_quantile_match_pandas():
    rng = np.random.default_rng(7)
    x = row(400, rng)
    s = pd.Series(x)
    for w, mc, center in [(5, 1, False), (8, 3, True), (31, 31, False)]:
        mode = "centered" if center else "trailing"
        r = s.rolling(w, min_periods=mc, center=center)
        np.testing.assert_array_equal(mwk.move_median(x, w, mc, mode=mode), r.median().to_numpy())
        for q, how in itertools.product([0.1, 0.5, 0.8], INTERPOLATIONS):
            # pandas centres even windows one place later than Polars and
            # mwk ('centered': a[i - w//2 : i + (w-1)//2 + 1]); odd w only
            if center and w % 2 == 0:
                continue
            want = r.quantile(q, interpolation=how).to_numpy()
            # pandas interpolates as NumPy does (a few ulps of the operands)
            ulp_close(mwk.move_quantile(x, w, q, mc, mode=mode, interpolation=how), want, 4,
                      scale=np.nanmax(np.abs(x)))


def test_median_even_window_is_mean_of_middles():
    x = np.array([1.0, 2.0, 3.0, 10.0])
    np.testing.assert_array_equal(mwk.move_median(x, 4, mode="valid"), [2.5])
    np.testing.assert_array_equal(mwk.move_median(x, 2, mode="valid"), [1.5, 2.5, 6.5])
    # ties and constant runs
    c = np.array([3.0] * 10 + [1.0] * 3 + [3.0] * 5)
    np.testing.assert_array_equal(mwk.move_median(c, 5, mode="valid"),
                                  [np.median(c[i:i + 5]) for i in range(14)])


# ----------------------------------------------------------------- rank
@pytest.mark.skipif(bn is None, reason="bottleneck not installed")
def test_rank_matches_bottleneck():
    """bottleneck divides twice (rank / (count - 1), then scales): within a
    few ulps of 1, NaN positions identical."""
    rng = np.random.default_rng(8)
    for n, w in [(1, 1), (20, 2), (100, 3), (300, 4), (500, 25), (400, 200)]:
        x = row(n, rng)
        for mc in {None, 1, max(1, w // 2)}:
            want = bn.move_rank(x, w, mc)
            for algo in algos("rank"):
                got = mwk.move_rank(x, w, mc, algorithm=algo)
                np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
                np.testing.assert_allclose(got, want, rtol=0, atol=8 * 2.0**-53, err_msg=f"w={w} mc={mc} {algo}")
                assert_stat(got, x, w, "rank", mc)  # exact counts, one rounding
    a = row(3 * 4 * 30, rng).reshape(3, 4, 30)
    for axis in (0, 1, 2):
        w = min(3, a.shape[axis])
        np.testing.assert_allclose(mwk.move_rank(a, w, 1, axis=axis), bn.move_rank(a, w, 1, axis=axis), rtol=0,
                                   atol=8 * 2.0**-53)


@pytest.mark.skipif(pd is None, reason="pandas not installed")
def test_rank_matches_pandas():
    """pandas' rolling rank (average, 1-based r among c values) is
    bottleneck's scaled rank 2 (r - 1) / (c - 1) - 1."""
    rng = np.random.default_rng(9)
    x = row(400, rng, nan=0)
    for w in (2, 5, 50):
        r = pd.Series(x).rolling(w, min_periods=1).rank().to_numpy()
        c = np.minimum(np.arange(1, 401), w)
        with np.errstate(invalid="ignore", divide="ignore"):
            want = np.where(c > 1, 2 * (r - 1) / (c - 1) - 1, 0.0)
        np.testing.assert_allclose(mwk.move_rank(x, w, 1), want, rtol=0, atol=8 * 2.0**-53)


def test_rank_newest_nan_and_edges():
    x = np.array([1.0, np.nan, 3.0, 2.0, 2.0])
    np.testing.assert_array_equal(mwk.move_rank(x, 3, 1), [0.0, np.nan, 1.0, -1.0, -0.5])
    # centered: the clipped window's last element is ranked
    np.testing.assert_array_equal(mwk.move_rank(np.array([3.0, 1.0, 2.0]), 3, 1, mode="centered"), [-1.0, 0.0, 1.0])
    # propagate: a NaN anywhere in the window
    np.testing.assert_array_equal(mwk.move_rank(x, 2, 1, nan_policy="propagate"), [0.0, np.nan, np.nan, -1.0, 0.0])
    np.testing.assert_array_equal(mwk.move_rank(x, 2, 1), [0.0, np.nan, 0.0, -1.0, 0.0])


# --------------------------------------------------------------- hampel
def hampel_numpy(x, w, n_sigmas=3.0, replace="median", min_count=1):
    """The definition, one window at a time (float64)."""
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    y, mask = x.copy(), np.zeros(n, bool)
    for k in range(n):
        lo, hi = max(0, k - w // 2), min(n, k + (w - 1) // 2 + 1)
        v = x[lo:hi]
        v = v[~np.isnan(v)]
        if len(v) < min_count or len(v) == 0 or np.isnan(x[k]):
            continue
        with np.errstate(invalid="ignore"):
            med = np.median(v)
            dev = np.where(v == med, 0.0, np.abs(v - med))
            mad = np.median(dev)
            flag = abs(x[k] - med) > (n_sigmas * 1.4826) * mad
        if flag:
            mask[k] = True
            y[k] = np.nan if replace == "nan" else med + 0.0
    return y, mask


def test_hampel_matches_numpy_definition():
    rng = np.random.default_rng(10)
    for n, w in [(1, 1), (7, 3), (50, 4), (200, 11), (300, 31), (40, 100)]:
        x = rng.normal(size=n)
        spikes = rng.random(n) < 0.08
        x[spikes] += 20 * rng.choice([-1.0, 1.0], size=int(spikes.sum()))
        x[rng.random(n) < 0.05] = np.nan
        if n > 20:
            x[5:12] = 1.5  # a constant stretch (MAD 0) with one outlier
            x[8] = 1.6
        for ns, rep, mc in [(3.0, "median", None), (2.0, "nan", None), (0.0, "median", 3), (5.0, "median", 1)]:
            mc = None if mc is None else min(mc, w)
            want, wmask = hampel_numpy(x, w, ns, rep, mc or 1)
            y, mask = mwk.hampel(x, w, ns, replace=rep, return_mask=True, min_count=mc)
            np.testing.assert_array_equal(mask, wmask, err_msg=f"n={n} w={w} {ns} {rep} {mc}")
            np.testing.assert_array_equal(y, want)
            assert mask.dtype == np.bool_ and y.dtype == np.float64
            np.testing.assert_array_equal(mwk.hampel(x, w, ns, replace=rep, min_count=mc), y)


def test_hampel_layouts_dtypes_threads():
    rng = np.random.default_rng(11)
    a = rng.normal(size=(3, 4, 200))
    a[rng.random(a.shape) < 0.03] = 30.0
    for axis in (0, 1, 2, -1):
        y, m = mwk.hampel(a, 5, axis=axis, return_mask=True)
        assert y.shape == a.shape and m.shape == a.shape
        b = np.moveaxis(a, axis, -1)
        for idx in np.ndindex(b.shape[:-1]):
            wy, wm = hampel_numpy(b[idx], 5)
            np.testing.assert_array_equal(np.moveaxis(y, axis, -1)[idx], wy)
            np.testing.assert_array_equal(np.moveaxis(m, axis, -1)[idx], wm)
    ref = mwk.hampel(a, 31, threads=1)
    for t in (2, 5):
        np.testing.assert_array_equal(mwk.hampel(a, 31, threads=t), ref)
    np.testing.assert_array_equal(mwk.hampel(a.transpose(2, 0, 1), 31, axis=0), ref.transpose(2, 0, 1))
    np.testing.assert_array_equal(mwk.hampel(a[:, ::2, ::-1], 31), mwk.hampel(np.ascontiguousarray(a[:, ::2, ::-1]), 31))
    x32 = a[0, 0].astype(np.float32)
    y32 = mwk.hampel(x32, 7)
    assert y32.dtype == np.float32
    np.testing.assert_array_equal(y32, hampel_numpy(x32, 7)[0].astype(np.float32))
    assert mwk.hampel(x32.astype(np.float16), 7).dtype == np.float32
    xi = (a[0, 0] * 10).astype(np.int16)
    yi = mwk.hampel(xi, 7)
    assert yi.dtype == np.float64
    np.testing.assert_array_equal(yi, hampel_numpy(xi, 7)[0])
    assert mwk.hampel(np.zeros((0, 5)), 3).shape == (0, 5)
    assert mwk.hampel([1.0, 2.0, 3.0], 2).dtype == np.float64


def test_hampel_spike_in_constant_run():
    x = np.full(21, 2.0)
    x[10] = 2.5
    y, m = mwk.hampel(x, 7, return_mask=True)
    assert m.sum() == 1 and m[10] and y[10] == 2.0
    x[3] = np.nan  # NaN is never flagged and passes through
    y, m = mwk.hampel(x, 7, replace="nan", return_mask=True)
    assert np.isnan(y[3]) and not m[3] and np.isnan(y[10])


def test_hampel_errors():
    a = np.arange(10.0)
    with pytest.raises(ValueError, match="n_sigmas must be finite and >= 0"):
        mwk.hampel(a, 3, -1.0)
    with pytest.raises(ValueError, match="n_sigmas"):
        mwk.hampel(a, 3, math.inf)
    with pytest.raises(ValueError, match="replace must be one of 'median', 'nan'"):
        mwk.hampel(a, 3, replace="mean")
    with pytest.raises(ValueError, match="window must be >= 1"):
        mwk.hampel(a, 0)
    with pytest.raises(ValueError, match="min_count"):
        mwk.hampel(a, 3, min_count=4)
    with pytest.raises(ValueError, match="axis 1 is out of bounds"):
        mwk.hampel(a, 3, axis=1)
    with pytest.raises(TypeError, match="does not support dtype"):
        mwk.hampel(a.astype(complex), 3)
    with pytest.raises(TypeError):
        mwk.hampel(a, 3, 2.0, -1)  # axis is keyword-only
    with pytest.raises(ValueError, match="algorithm must be one of"):
        mwk.hampel(a, 3, algorithm="nope")


# ---------------------------------------------------------------- Polars
pl = pytest.importorskip("polars")
import mwk.polars  # noqa: E402,F401


def _vals(s):
    return [None if v is None else float(v) for v in s.to_list()]


def _same(got, want, ulps=0, scale=0.0):
    assert len(got) == len(want)
    for i, (g, e) in enumerate(zip(got, want)):
        if g is None or e is None:
            assert g is None and e is None, (i, got, want)
        elif math.isnan(e) and math.isinf(g):
            # Polars interpolates as a + (b - a) t, NaN when an operand is
            # infinite (its median of [-inf, 2] is NaN); mwk follows the
            # mathematics (-inf), which test_quantile_inf_follows_the_mathematics
            # checks
            pass
        elif math.isnan(e) or math.isnan(g):
            assert math.isnan(e) and math.isnan(g), (i, got, want)
        elif ulps == 0 or math.isinf(e):
            assert g == e, (i, g, e)
        else:
            assert abs(g - e) <= ulps * np.spacing(max(abs(e), scale)), (i, g, e)


def polars_columns(rng, nan=False):
    """Float columns with nulls, ties, +-inf (and NaN with nan=True); chunked."""
    out = []
    for n in (1, 7, 60, 300):
        x = rng.normal(size=n) * 5
        t = rng.random(n) < 0.3
        x[t] = rng.integers(-2, 3, size=int(t.sum()))
        vals = [None if r < 0.1 else float(v) for v, r in zip(x, rng.random(n))]
        out.append(pl.Series("x", vals, dtype=pl.Float64))
        if n > 10:
            vals2 = list(vals)
            vals2[-2] = math.inf
            vals2[n // 3] = -math.inf
            if nan:
                vals2[3] = math.nan
            s = pl.Series("x", vals2, dtype=pl.Float64)
            out.append(pl.concat([s.slice(0, n // 2), s.slice(n // 2)], rechunk=False))
    return out


def _scale(s):
    fin = [abs(v) for v in s.to_list() if v is not None and math.isfinite(v)]
    return max(fin, default=0.0)


def test_polars_rolling_median_equals_polars():
    rng = np.random.default_rng(12)
    for s in polars_columns(rng):
        for w, ms, center in [(1, None, False), (2, 1, False), (4, 2, True), (5, None, True), (9, 3, False),
                              (400, 1, True)]:
            got = s.mwk.rolling_median(w, min_samples=ms, center=center)
            want = s.rolling_median(w, min_samples=ms, center=center)
            assert got.dtype == pl.Float64 and got.name == "x"
            # Polars' mean of the two middle values is not always rounded
            # once: an ulp of the operands
            _same(_vals(got), _vals(want), ulps=2, scale=_scale(s))
            # mwk's is: equal to NumPy's median of each window
            vals, n = s.to_list(), s.len()
            for i, g in enumerate(_vals(got)):
                lo, hi = (max(0, i - w // 2), min(n, i + (w - 1) // 2 + 1)) if center else (max(0, i - w + 1), i + 1)
                win = [v for v in vals[lo:hi] if v is not None]
                if g is not None:
                    with np.errstate(invalid="ignore"):
                        _same([g], [float(np.median(win))])


def test_polars_nan_in_order_statistics():
    """NaN: mwk's rolling_median/rolling_quantile give NaN for a window
    holding one, as its other rolling_<stat> and Polars' rolling_mean/
    rolling_max do; Polars' own rolling_median/rolling_quantile instead sort
    NaN above every value, so their result depends on where it falls (the
    median of [1, NaN, 2] is 2.0, its 0.9-quantile NaN)."""
    s = pl.Series("x", [1.0, math.nan, 2.0])
    assert s.rolling_median(3).to_list()[-1] == 2.0  # Polars: NaN sorted last
    assert math.isnan(s.rolling_quantile(0.9, "higher", 3).to_list()[-1])
    assert math.isnan(s.rolling_max(3).to_list()[-1]) and math.isnan(s.rolling_mean(3).to_list()[-1])
    assert math.isnan(s.mwk.rolling_median(3).to_list()[-1])
    assert math.isnan(s.mwk.rolling_quantile(0.1, "lower", 3).to_list()[-1])
    # where no window holds a NaN the two agree (test_polars_rolling_*_equals_polars)
    rng = np.random.default_rng(18)
    for col in polars_columns(rng, nan=True):
        got, want = _vals(col.mwk.rolling_median(5, min_samples=1)), _vals(col.rolling_median(5, min_samples=1))
        vals = col.to_list()
        for i in range(len(vals)):
            win = [v for v in vals[max(0, i - 4):i + 1] if v is not None]
            if any(math.isnan(v) for v in win):
                assert math.isnan(got[i])
            else:
                _same([got[i]], [want[i]], ulps=2, scale=_scale(col))


@pytest.mark.parametrize("how", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_polars_rolling_quantile_equals_polars(how):
    """Equal to Polars' rolling_quantile, except 'nearest' at exact halves
    (NumPy's half to even; Polars rounds half up): there mwk equals
    numpy.quantile."""
    rng = np.random.default_rng(13)
    for s in polars_columns(rng):
        vals = s.to_list()
        for q, (w, ms, center) in itertools.product([0.0, 0.1, 0.25, 0.5, 0.9, 1.0],
                                                    [(3, 1, False), (4, 2, True), (8, None, False)]):
            got = _vals(s.mwk.rolling_quantile(q, how, w, min_samples=ms, center=center))
            want = _vals(s.rolling_quantile(q, how, w, min_samples=ms, center=center))
            if how != "nearest":
                # Polars interpolates as NumPy does: a few ulps of the operands
                _same(got, want, ulps=4 if how in ("linear", "midpoint") else 0, scale=_scale(s))
                continue
            n = len(vals)
            for i in range(n):
                lo, hi = (max(0, i - w // 2), min(n, i + (w - 1) // 2 + 1)) if center else (max(0, i - w + 1), i + 1)
                win = [v for v in vals[lo:hi] if v is not None]
                c = len(win)
                h = q * (c - 1)
                if want[i] is not None and h - math.floor(h) == 0.5:
                    assert got[i] == float(np.quantile(win, q, method="nearest"))  # NumPy's rule
                else:
                    _same([got[i]], [want[i]])


def test_polars_quantile_half_is_not_its_median():
    """Polars is not self-consistent: its rolling_quantile(0.5) (default
    method 'nearest') of an even window is one of the two middle values,
    its rolling_median their mean. mwk's rolling_quantile(0.5, 'linear')
    is its rolling_median (and Polars' own rolling_median)."""
    s = pl.Series("x", [1.0, 2.0, 3.0, 4.0])
    assert s.rolling_quantile(0.5, window_size=4).to_list()[-1] == 3.0
    assert s.rolling_median(4).to_list()[-1] == 2.5
    assert s.mwk.rolling_quantile(0.5, "linear", 4).to_list()[-1] == 2.5
    assert s.mwk.rolling_median(4).to_list()[-1] == 2.5
    # 'nearest' at a half: NumPy (and mwk) round half to even, Polars half up
    t = pl.Series("t", [5.0, 4.0, 0.0])
    assert t.rolling_quantile(0.25, "nearest", 3).to_list()[-1] == 4.0
    assert t.mwk.rolling_quantile(0.25, "nearest", 3).to_list()[-1] == 0.0 == np.quantile([5, 4, 0], 0.25,
                                                                                          method="nearest")


HAS_ROLLING_RANK = hasattr(pl.Expr, "rolling_rank")  # Polars >= 1.3x; CI also runs 1.21


@pytest.mark.skipif(not HAS_ROLLING_RANK, reason="this Polars has no rolling_rank")
@pytest.mark.parametrize("method", ["average", "min", "max", "dense"])
def test_polars_rolling_rank_equals_polars(method):
    rng = np.random.default_rng(14)
    cols = polars_columns(rng) + [
        pl.Series("i", [3, None, -7, 2**60, 2**60 + 1, 5, 5, None, 1, 3], dtype=pl.Int64),
        pl.Series("u", [3, 7, 65535, 5, 5, None, 1], dtype=pl.UInt16),
        pl.Series("b", [True, None, False, True, True, False], dtype=pl.Boolean),
        pl.Series("f", [1.0, -0.0, 0.0, 2.0, None, 0.0], dtype=pl.Float32),
    ]
    for s in cols:
        for w, ms, center in [(1, None, False), (3, 1, False), (4, 2, True), (5, None, True), (12, 1, False)]:
            got = s.mwk.rolling_rank(w, method, min_samples=ms, center=center)
            want = s.rolling_rank(w, method, min_samples=ms, center=center)
            assert got.dtype == want.dtype, (got.dtype, want.dtype)
            assert got.to_list() == want.to_list(), (s.name, w, ms, center, got.to_list(), want.to_list())


def test_polars_rolling_rank_random_between_min_and_max():
    rng = np.random.default_rng(15)
    s = pl.Series("x", rng.integers(0, 4, size=200).astype(float))
    lo = s.mwk.rolling_rank(7, "min").to_list()
    hi = s.mwk.rolling_rank(7, "max").to_list()
    r = s.mwk.rolling_rank(7, "random", seed=3).to_list()
    assert r == s.mwk.rolling_rank(7, "random", seed=3).to_list()  # a seed repeats
    assert all((a is None and b is None) or a <= b <= c for a, b, c in zip(lo, r, hi))
    with pytest.raises(ValueError, match="method must be one of"):
        s.mwk.rolling_rank(3, "ordinal")


def test_polars_moving_median_quantile_rank_per_row():
    rng = np.random.default_rng(16)
    X = row(20 * 30, rng).reshape(20, 30)
    s = pl.Series("spec", X, dtype=pl.Array(pl.Float64, 30))
    for mode in MODES:
        got = np.array(s.mwk.moving_median(5, mode=mode, min_samples=1).to_list(), dtype=np.float64)
        np.testing.assert_array_equal(got, mwk.move_median(X, 5, 1, mode=mode))
        for how in INTERPOLATIONS:
            got = np.array(s.mwk.moving_quantile(5, 0.3, how, mode=mode, min_samples=1).to_list(), dtype=np.float64)
            np.testing.assert_array_equal(got, mwk.move_quantile(X, 5, 0.3, 1, mode=mode, interpolation=how))
        got = np.array(s.mwk.moving_rank(5, mode=mode, min_samples=1).to_list(), dtype=np.float64)
        np.testing.assert_array_equal(got, mwk.move_rank(X, 5, 1, mode=mode))
    lst = pl.Series("l", [[1.0, 5.0, 2.0, 8.0], None, [3.0], [], [4.0, None, 1.0]], dtype=pl.List(pl.Float32))
    got = lst.mwk.moving_quantile(2, 0.5, mode="trailing", min_samples=1)
    assert got.dtype == pl.List(pl.Float32)
    assert got.to_list() == [[1.0, 3.0, 3.5, 5.0], None, [3.0], [], [4.0, 4.0, 1.0]]


def test_polars_hampel():
    rng = np.random.default_rng(17)
    X = rng.normal(size=(10, 64))
    X[rng.random(X.shape) < 0.05] = 25.0
    arr = pl.Series("spec", X, dtype=pl.Array(pl.Float64, 64))
    got = np.array(arr.mwk.hampel(9, 3.0).to_list())
    np.testing.assert_array_equal(got, mwk.hampel(X, 9, 3.0))
    got = np.array(arr.mwk.hampel(9, 2.0, replace="nan").to_list(), dtype=np.float64)
    np.testing.assert_array_equal(got, mwk.hampel(X, 9, 2.0, replace="nan"))
    lst = pl.Series("l", [list(X[0, :20]), None, list(X[1, :7]), []], dtype=pl.List(pl.Float64))
    out = lst.mwk.hampel(5).to_list()
    assert out[1] is None and out[3] == []
    np.testing.assert_array_equal(out[0], mwk.hampel(X[0, :20], 5))
    np.testing.assert_array_equal(out[2], mwk.hampel(X[1, :7], 5))
    # a plain column: one row; nulls stay null (and are missing for the windows)
    col = pl.Series("x", [1.0, 1.1, None, 0.9, 50.0, 1.0, 1.2], dtype=pl.Float64)
    got = col.mwk.hampel(5).to_list()
    want = mwk.hampel(np.array([1.0, 1.1, np.nan, 0.9, 50.0, 1.0, 1.2]), 5)
    assert got[2] is None
    assert [g for i, g in enumerate(got) if i != 2] == [w for i, w in enumerate(want) if i != 2]
    df = pl.DataFrame({"x": col})
    assert df.select(pl.col("x").mwk.hampel(5)).to_series().to_list() == got
    assert pl.Series("f", [1.0, 9.0, 1.0], dtype=pl.Float32).mwk.hampel(3).dtype == pl.Float32
    with pytest.raises(ValueError, match="replace must be one of"):
        col.mwk.hampel(5, replace="x")
    with pytest.raises(ValueError, match="n_sigmas"):
        col.mwk.hampel(5, -1.0)


def test_polars_quantile_arguments():
    e = pl.col("x")
    with pytest.raises(ValueError, match="weights are not supported"):
        e.mwk.rolling_quantile(0.5, window_size=3, weights=[1.0, 2.0, 1.0])
    with pytest.raises(ValueError, match="weights are not supported"):
        e.mwk.rolling_median(3, [1.0, 2.0, 1.0])
    with pytest.raises(ValueError, match=r"quantile must be in \[0, 1\]"):
        e.mwk.rolling_quantile(1.5, window_size=3)
    with pytest.raises(ValueError, match="interpolation must be one of"):
        e.mwk.rolling_quantile(0.5, "equiprobable", 3)
    with pytest.raises(TypeError, match="quantile must be a float"):
        e.mwk.moving_quantile(3, "0.5")
    import inspect

    ps = inspect.signature(pl.Expr.rolling_quantile).parameters
    ms = inspect.signature(mwk.polars.MwkExprNamespace.rolling_quantile).parameters
    # Polars' names and order, then mwk's over= (grouped windows in one call)
    assert [p for p in ms if p != "over"][1:] == list(ps)[1:] and list(ms)[-1] == "over"
    assert ms["interpolation"].default == ps["interpolation"].default == "nearest"
    assert ms["window_size"].default == ps["window_size"].default
    if HAS_ROLLING_RANK:
        pr = inspect.signature(pl.Expr.rolling_rank).parameters
        mr = inspect.signature(mwk.polars.MwkExprNamespace.rolling_rank).parameters
        assert list(mr) == list(pr)
