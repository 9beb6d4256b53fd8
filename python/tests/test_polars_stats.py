"""The Polars plugin for every statistic of the registry.

rolling_<stat> against Polars' own Expr.rolling_<stat> (sum, mean, var, std,
min, max) and against a NumPy reference with Polars' semantics (every
statistic, argmin/argmax included); moving_<stat> per row against the NumPy
path (mwk.move_<stat> where the module has it, else a NumPy reference).

Tolerances. min, max, argmin, argmax: exact (same values, same NaN and null
positions). sum, mean, var, std: Polars' own rolling functions are not exact
(Kahan-compensated sums, merged moment states), so agreement is asked within
the error any accurate method may have on a window, with u the unit roundoff
of the column's float type (2^-53, or 2^-24 for Float32 where Polars also
computes in float32), M the largest finite |x| of the column and w the window:
    sum, mean: |mwk - polars| <= 64 u w M           (+ rtol 4u)
    var:       |mwk - polars| <= 64 u w M^2         (+ rtol 4u)
    std:       |mwk - polars| <= sqrt(64 u w) M     (+ rtol 4u)
(std's bound is the square root of var's: sqrt is not Lipschitz at 0, where
Polars' merged states leave ~u M^2 in a constant window and mwk gives 0.)
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pl = pytest.importorskip("polars")
import mwk  # noqa: E402
import mwk.polars  # noqa: E402,F401

from test_polars import column_case  # noqa: E402  (the chunked/sliced column strategy)

STATS = [s["name"] for s in mwk.polars.statistics()]
# rolling_<stat> generated from the registry with Polars' rolling semantics
# (rolling_rank has Polars' own rank semantics instead: test_order_stats.py)
ROLLING_STATS = [s for s in STATS if s not in mwk.polars._OWN_ROLLING]
QUANTILE = {s["name"]: s["quantile"] for s in mwk.polars.statistics()}
DDOF = {s["name"]: s["ddof"] for s in mwk.polars.statistics()}
F32_KEEPS = {s["name"]: s["float32"] for s in mwk.polars.statistics()}
POLARS_STATS = [s for s in ("sum", "mean", "var", "std", "min", "max") if s in STATS]
EXACT = {"min", "max", "argmin", "argmax"}
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------ helpers
def _floats(s: "pl.Series"):
    """Values as float64 with nulls as None (a Python list)."""
    return [None if v is None else float(v) for v in s.to_list()]


def _tolerance(stat, values, w, f32):
    u = 2.0**-24 if f32 else 2.0**-53
    fin = [abs(v) for v in values if v is not None and math.isfinite(v)]
    M = max(fin) if fin else 1.0
    if stat in ("sum", "mean", "weighted_sum", "weighted_mean"):
        return 64 * u * w * M, 4 * u
    if stat == "var":
        return 64 * u * w * M * M, 4 * u
    if stat == "std":
        return math.sqrt(64 * u * w) * M, 4 * u
    return 0.0, 0.0


def assert_same(got, want, stat, values, w, f32=False):
    """got/want: lists of float or None."""
    assert len(got) == len(want)
    atol, rtol = _tolerance(stat, values, w, f32)
    for i, (g, e) in enumerate(zip(got, want)):
        if e is None or g is None:
            assert g is None and e is None, (i, got, want)
        elif math.isnan(e) or math.isnan(g):
            assert math.isnan(e) and math.isnan(g), (i, got, want)
        elif math.isinf(e) or math.isinf(g):
            assert g == e, (i, got, want)
        elif stat in EXACT:
            assert g == e, (i, got, want)
        else:
            assert abs(g - e) <= atol + rtol * abs(e), (i, g, e, atol)


def _argext(vals, lo, hi, better):
    best, bi = None, None
    for k in range(lo, hi + 1):
        v = vals[k]
        if v is None or math.isnan(v):
            continue
        if best is None or better(v, best) or v == best:
            best, bi = v, k
    return float(hi - bi)


def stat_of(stat, win, ddof, lo=None, hi=None, vals=None):
    """The statistic of a window's non-missing values (exact enough: fsum)."""
    # weighted_*: the plugin's methods take no taps, the boxcar default
    stat = {"weighted_sum": "sum", "weighted_mean": "mean"}.get(stat, stat)
    n = len(win)
    if stat in ("sum", "mean"):
        total = sum(win) if any(math.isinf(v) for v in win) else math.fsum(win)
        return total / n if stat == "mean" else total
    if stat in ("var", "std"):
        if n <= ddof or any(math.isinf(v) for v in win):
            return math.nan
        m = math.fsum(win) / n
        var = math.fsum((v - m) ** 2 for v in win) / (n - ddof)
        return math.sqrt(var) if stat == "std" else var
    if stat == "min":
        return min(win)
    if stat == "max":
        return max(win)
    if stat == "argmin":
        return _argext(vals, lo, hi, lambda a, b: a < b)
    if stat == "argmax":
        return _argext(vals, lo, hi, lambda a, b: a > b)
    if stat in ("median", "quantile"):  # quantile: _method binds q=0.5, 'linear'
        return float(np.median(win))
    if stat == "rank":  # the registry's (bottleneck's): the newest element's, scaled
        new = vals[hi]
        if new is None or math.isnan(new):
            return math.nan
        less, equal = sum(v < new for v in win), sum(v == new for v in win)
        return 0.0 if n == 1 else (2 * less + equal - 1 - (n - 1)) / (n - 1)
    raise AssertionError(stat)


def polars_reference(values, stat, w, min_samples, center, ddof):
    """Polars' rolling semantics: nulls skipped, NaN makes its window NaN,
    too few non-null values (or count <= ddof) gives null, except that
    rolling_sum with min_samples=0 gives 0 for a window without values."""
    n = len(values)
    ms = w if min_samples is None else max(min_samples, 1)
    if DDOF.get(stat):
        ms = max(ms, ddof + 1)
    out = []
    for i in range(n):
        if center:
            lo, hi = max(0, i - w // 2), min(n - 1, i + (w - 1) // 2)
        else:
            lo, hi = max(0, i - w + 1), i
        win = [v for v in values[lo:hi + 1] if v is not None]
        if not win and min_samples == 0 and stat in ("sum", "weighted_sum"):
            out.append(0.0)  # Polars: the sum of no values is 0 when min_samples=0 (weighted: the same)
        elif len(win) < ms:
            out.append(None)
        elif any(math.isnan(v) for v in win):
            out.append(math.nan)
        else:
            with np.errstate(all="ignore"):
                out.append(stat_of(stat, win, ddof, lo, hi, values))
    return out


def _method(obj, kind, stat):
    """rolling_<stat>/moving_<stat> taking the window first: a statistic with
    a quantile gets q=0.5 with 'linear' interpolation (the median)."""
    m = getattr(obj.mwk, f"{kind}_{stat}")
    if not QUANTILE[stat]:
        return m
    if kind == "rolling":
        return lambda w, **kw: m(0.5, "linear", w, **kw)
    return lambda w, **kw: m(w, 0.5, "linear", **kw)


# ------------------------------------------------------------ rolling_<stat>
def needs(*stats):
    """Skips a test naming statistics this build's registry does not have (yet)."""
    missing = sorted(set(stats) - set(STATS))
    return pytest.mark.skipif(bool(missing), reason=f"not in the registry: {', '.join(missing)}")


def test_every_statistic_has_methods():
    assert {"mean", "sum"} <= set(STATS)
    for stat in STATS:
        for kind in ("rolling", "moving"):
            assert hasattr(mwk.polars.MwkExprNamespace, f"{kind}_{stat}")
            assert hasattr(mwk.polars.MwkSeriesNamespace, f"{kind}_{stat}")


@pytest.mark.parametrize("stat", POLARS_STATS)
@SETTINGS
@given(case=column_case(), ddof=st.integers(0, 2))
def test_rolling_matches_polars(stat, case, ddof):
    s, w, ms, center = case
    kw = {"ddof": ddof} if DDOF[stat] else {}
    got = _method(s, "rolling", stat)(w, min_samples=ms, center=center, **kw)
    # Polars sums an integer column in its own dtype, wrapping on overflow
    # (UInt32 [1, 2**32-1] gives 0); mwk sums in float64: compare the values.
    ps = s.cast(pl.Float64) if stat == "sum" and s.dtype.is_integer() else s
    want = getattr(ps, f"rolling_{stat}")(w, min_samples=ms, center=center, **kw)
    assert got.name == s.name
    f32 = s.dtype == pl.Float32
    if f32 and F32_KEEPS[stat]:
        assert got.dtype == pl.Float32
    elif f32:
        assert got.dtype == pl.Float64
    else:
        assert got.dtype == pl.Float64  # also for integer/bool columns (Polars may keep them)
    if want.dtype == pl.Boolean:
        want = want.cast(pl.UInt8)
    assert_same(_floats(got), _floats(want), stat, _floats(s), w, f32)


@pytest.mark.parametrize("stat", ROLLING_STATS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=column_case(), ddof=st.integers(0, 2))
def test_rolling_matches_reference(stat, case, ddof):
    s, w, ms, center = case
    kw = {"ddof": ddof} if DDOF[stat] else {}
    got = _method(s, "rolling", stat)(w, min_samples=ms, center=center, **kw)
    vals = _floats(s)
    if s.dtype == pl.Float32:  # the reference works on the float32 values
        vals = [None if v is None else float(np.float32(v)) for v in vals]
    want = polars_reference(vals, stat, w, ms, center, ddof)
    if got.dtype == pl.Float32:
        want = [None if v is None else float(np.float32(v)) for v in want]
    assert_same(_floats(got), want, stat, vals, w, got.dtype == pl.Float32 and stat not in EXACT)


@needs("var", "std", "min", "max")
def test_rolling_examples():
    nan = float("nan")
    s = pl.Series("a", [1.0, None, nan, 4.0, 5.0, None, 7.0, 8.0, -1.0])
    for stat in POLARS_STATS:
        got = _method(s, "rolling", stat)(2, min_samples=1)
        want = getattr(s, f"rolling_{stat}")(2, min_samples=1)
        assert_same(_floats(got), _floats(want), stat, _floats(s), 2)
    # var/std: null (not NaN) where the count is <= ddof, as Polars
    assert s.mwk.rolling_var(2, min_samples=1).to_list()[:3] == [None, None, None]
    assert s.mwk.rolling_std(2, min_samples=1, ddof=0).to_list()[:2] == [0.0, 0.0]
    # inf: a value for min/max/sum, NaN for var/std, and results recover once it has left
    t = pl.Series("t", [1.0, float("inf"), 2.0, 3.0, 4.0])
    assert t.mwk.rolling_max(2).to_list() == [None, float("inf"), float("inf"), 3.0, 4.0]
    assert t.mwk.rolling_min(2).to_list() == [None, 1.0, 2.0, 2.0, 3.0]
    v = t.mwk.rolling_var(2).to_list()
    assert v[0] is None and math.isnan(v[1]) and math.isnan(v[2]) and v[3:] == [0.5, 0.5]
    # window longer than the column: clipped windows with min_samples, else all null
    for stat in POLARS_STATS:
        m = _method(s, "rolling", stat)
        assert m(20).null_count() == 9
        assert_same(_floats(m(20, min_samples=2, center=True)),
                    _floats(getattr(s, f"rolling_{stat}")(20, min_samples=2, center=True)), stat, _floats(s), 20)
    e = pl.Series("e", [], dtype=pl.Float32)
    for stat in ROLLING_STATS:
        r = _method(e, "rolling", stat)(3)
        assert r.len() == 0 and r.dtype == (pl.Float32 if F32_KEEPS[stat] else pl.Float64)


@pytest.mark.parametrize("stat", POLARS_STATS)
def test_rolling_large_multichunk(stat):
    rng = np.random.default_rng(1)
    x = rng.normal(size=60_000) * 1e3
    x[rng.random(x.size) < 0.002] = np.nan
    mask = rng.random(x.size) < 0.01
    s = pl.Series("x", [None if m else v for v, m in zip(x.tolist(), mask.tolist())], dtype=pl.Float64)
    s = pl.concat([s.slice(i, 7919) for i in range(0, s.len(), 7919)], rechunk=False)
    assert s.n_chunks() > 5 and s.null_count() > 0
    for center in (False, True):
        got = _method(s, "rolling", stat)(500, min_samples=400, center=center)
        want = getattr(s, f"rolling_{stat}")(500, min_samples=400, center=center)
        assert_same(_floats(got), _floats(want), stat, _floats(s), 500)


@pytest.mark.parametrize("stat", POLARS_STATS)
def test_rolling_integer_and_bool_columns(stat):
    for dt, vals in [(pl.Int64, [3, None, -7, 2**40, 5, 5, None, 1]),
                     (pl.UInt16, [3, None, 7, 65535, 5, 5, None, 1]),
                     (pl.Int8, [3, None, -7, 127, -128, 5, None, 1]),
                     (pl.Boolean, [True, None, False, True, True, False, None, True])]:
        s = pl.Series("i", vals, dtype=dt)
        for w, ms, c in [(3, 1, False), (3, 2, True), (12, 1, False)]:
            got = _method(s, "rolling", stat)(w, min_samples=ms, center=c)
            want = getattr(s, f"rolling_{stat}")(w, min_samples=ms, center=c)
            assert got.dtype == pl.Float64
            if want.dtype == pl.Boolean:
                want = want.cast(pl.UInt8)
            assert_same(_floats(got), _floats(want), stat, _floats(s), w)


@needs("std")
def test_rolling_in_contexts():
    df = pl.DataFrame({"g": [1, 1, 2, 2, 2, 1, 2], "x": [1.0, 2.0, 3.0, None, 5.0, 6.0, 7.0]})
    for stat in POLARS_STATS:
        got = df.select(_method(pl.col("x"), "rolling", stat)(2, min_samples=1).over("g")).to_series()
        want = df.select(getattr(pl.col("x"), f"rolling_{stat}")(2, min_samples=1).over("g")).to_series()
        assert_same(_floats(got), _floats(want), stat, _floats(df["x"]), 2)
    lz = df.lazy().with_columns(r=pl.col("x").mwk.rolling_std(3, min_samples=2, center=True))
    want = _floats(df["x"].rolling_std(3, min_samples=2, center=True))
    for engine in ("in-memory", "streaming"):
        assert_same(_floats(lz.collect(engine=engine)["r"]), want, "std", _floats(df["x"]), 3)


# ------------------------------------------------------------- moving_<stat>
def numpy_row(stat, a, w, mode, ms, policy, ddof):
    """The NumPy path's result for one row (mwk.move_<stat> where it exists)."""
    fn = getattr(mwk, f"move_{stat}", None)
    if fn is not None and QUANTILE[stat]:  # _method's q=0.5, 'linear'
        fn = (lambda g: lambda a, w, ms, **k: g(a, w, 0.5, ms, interpolation="linear", **k))(fn)
    kw = {"ddof": ddof} if DDOF[stat] else {}
    if fn is not None and (len(a) >= w or mode != "valid"):
        try:
            return np.asarray(fn(a, w, ms, mode=mode, nan_policy=policy, **kw), dtype=np.float64)
        except TypeError:
            pass  # a dtype the NumPy path does not take (yet): the reference below
        except ValueError:
            if len(a) >= w:
                raise  # only a window longer than the row may be refused by the NumPy path
    n = len(a)
    mc = w if ms is None else ms
    m = (n - w + 1 if n >= w else 0) if mode == "valid" else n
    out = np.empty(m)
    vals = [float(v) for v in np.asarray(a, dtype=np.float64)]
    for i in range(m):
        if mode == "valid":
            lo, hi = i, i + w - 1
        elif mode == "trailing":
            lo, hi = max(0, i - w + 1), i
        else:
            lo, hi = max(0, i - w // 2), min(n - 1, i + (w - 1) // 2)
        win = vals[lo:hi + 1]
        ok = [v for v in win if not math.isnan(v)]
        if (policy == "propagate" and (len(ok) < len(win) or len(win) < mc)) or len(ok) < mc or not ok:
            out[i] = np.nan
        else:
            out[i] = stat_of(stat, ok, ddof, lo, hi, vals)
    return out


def rows_match(got_rows, want_rows, stat, f32):
    assert len(got_rows) == len(want_rows)
    for g, e in zip(got_rows, want_rows):
        if e is None:
            assert g is None
            continue
        g = np.array(g, dtype=np.float64)
        e = np.asarray(e, dtype=np.float64)
        assert g.shape == e.shape
        np.testing.assert_array_equal(np.isnan(g), np.isnan(e))
        if stat in EXACT:
            np.testing.assert_array_equal(g, e)
        else:
            fin = np.isfinite(e)
            np.testing.assert_array_equal(g[~fin & ~np.isnan(e)], e[~fin & ~np.isnan(e)])
            tol = 1e-6 if f32 else 1e-12
            np.testing.assert_allclose(g[fin], e[fin], rtol=tol, atol=tol)


@pytest.mark.parametrize("stat", STATS)
@pytest.mark.parametrize("dtype", [pl.Float64, pl.Float32, pl.Int32, pl.UInt16])
def test_moving_array_matches_numpy(stat, dtype):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(40, 24)) * 100
    if dtype in (pl.Float64, pl.Float32):
        X[rng.random(X.shape) < 0.05] = np.nan
    else:
        X = np.abs(X)
    npdt = {pl.Float64: np.float64, pl.Float32: np.float32, pl.Int32: np.int32, pl.UInt16: np.uint16}[dtype]
    X = X.astype(npdt)
    s = pl.Series("spec", X, dtype=pl.Array(dtype, 24))
    out_inner = pl.Float32 if (dtype == pl.Float32 and F32_KEEPS[stat]) else pl.Float64
    kw = {"ddof": 1} if DDOF[stat] else {}
    for w, ms, mode in [(1, None, "valid"), (5, None, "trailing"), (5, 2, "centered"), (24, 1, "valid"),
                        (30, 3, "trailing")]:
        got = _method(s, "moving", stat)(w, mode=mode, min_samples=ms, **kw)
        m = 24 - w + 1 if mode == "valid" else 24
        assert got.dtype == pl.Array(out_inner, m)
        want = [numpy_row(stat, r, w, mode, ms, "skip", kw.get("ddof", 0)) for r in X]
        rows_match(got.to_list(), want, stat, dtype == pl.Float32)


@pytest.mark.parametrize("stat", STATS)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.one_of(st.none(), st.lists(st.one_of(st.floats(-100, 100), st.none(),
                                                              st.just(float("nan"))), max_size=10)),
                     max_size=10),
       same_len=st.booleans(), w=st.integers(1, 12), mode=st.sampled_from(["valid", "trailing", "centered"]),
       ms=st.one_of(st.none(), st.integers(1, 12)), policy=st.sampled_from(["skip", "propagate"]),
       f32=st.booleans(), cut=st.integers(0, 10), ddof=st.integers(0, 2))
def test_moving_list_matches_numpy(stat, rows, same_len, w, mode, ms, policy, f32, cut, ddof):
    if ms is not None and ms > w:
        ms = w
    if same_len:  # runs of equal-length rows: the batched path
        rows = [None if r is None else (r * 10)[:6] + [0.5] * (6 - len((r * 10)[:6])) for r in rows]
    dt = pl.List(pl.Float32 if f32 else pl.Float64)
    if f32:
        rows = [None if r is None else [None if v is None else float(np.float32(v)) for v in r] for r in rows]
    s = pl.concat([pl.Series("l", rows[:cut], dtype=dt), pl.Series("l", rows[cut:], dtype=dt)], rechunk=False)
    kw = {"ddof": ddof} if DDOF[stat] else {}
    got = _method(s, "moving", stat)(w, mode=mode, min_samples=ms, nan_policy=policy, **kw)
    keeps = f32 and F32_KEEPS[stat]
    assert got.dtype == pl.List(pl.Float32 if keeps else pl.Float64)
    want = []
    for r in rows:
        if r is None:
            want.append(None)
            continue
        a = np.array([np.nan if v is None else v for v in r], dtype=np.float32 if f32 else np.float64)
        ref = numpy_row(stat, a, w, mode, ms, policy, ddof)
        want.append(ref.astype(np.float32) if keeps else ref)
    rows_match(got.to_list(), want, stat, f32)


def test_moving_mean_kwargs_unchanged():
    # mwk reduce calls moving_mean with every one of these keywords
    s = pl.Series("s", np.arange(20.0).reshape(2, 10), dtype=pl.Array(pl.Float64, 10))
    got = s.mwk.moving_mean(3, mode="trailing", min_samples=1, nan_policy="propagate", threads=1,
                            algorithm="naive")
    assert got.dtype == pl.Array(pl.Float64, 10)
    assert got.to_list()[0][:3] == [0.0, 0.5, 1.0]


@needs("max", "std")
def test_moving_streaming_and_lazy():
    rng = np.random.default_rng(9)
    X = rng.normal(size=(3000, 16))
    df = pl.DataFrame({"id": np.arange(3000), "spec": X}, schema={"id": pl.Int64, "spec": pl.Array(pl.Float64, 16)})
    lz = df.lazy().with_columns(mx=pl.col("spec").mwk.moving_max(4), sd=pl.col("spec").mwk.moving_std(4, ddof=1))
    for engine in ("in-memory", "streaming"):
        out = lz.collect(engine=engine).sort("id")
        want_max = np.lib.stride_tricks.sliding_window_view(X, 4, axis=1).max(axis=2)
        np.testing.assert_array_equal(out["mx"].to_numpy(), want_max)
        want_sd = np.lib.stride_tricks.sliding_window_view(X, 4, axis=1).std(axis=2, ddof=1)
        np.testing.assert_allclose(out["sd"].to_numpy(), want_sd, rtol=1e-12, atol=1e-14)


# -------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda e: e.mwk.rolling_std(3, ddof=-1), ValueError, "ddof"),
        (lambda e: e.mwk.rolling_var(3, ddof=1.5), TypeError, "ddof"),
        (lambda e: e.mwk.moving_std(3, ddof=True), TypeError, "ddof"),
        (lambda e: e.mwk.moving_max(3, algorithm="ring"), ValueError, "algorithm must be one of"),
        (lambda e: e.mwk.moving_var(3, algorithm="deque"), ValueError, "algorithm must be one of"),
        (lambda e: e.mwk.rolling_min(0), ValueError, "window_size"),
        (lambda e: e.mwk.moving_argmax(3, mode="same"), ValueError, "mode"),
    ],
)
@needs("var", "std", "min", "max", "argmax")
def test_bad_arguments(call, exc, match):
    with pytest.raises(exc, match=match):
        call(pl.col("x"))
    with pytest.raises(TypeError):
        pl.col("x").mwk.rolling_mean(3, ddof=1)  # no ddof for a statistic without it


@needs("std", "argmin", "max")
def test_errors_reach_user_as_polars_errors():
    df = pl.DataFrame({"s": ["a", "b"], "arr": [[1.0, 2.0], [3.0, 4.0]]},
                      schema={"s": pl.String, "arr": pl.Array(pl.Float64, 2)})
    with pytest.raises(pl.exceptions.ComputeError, match="mwk.rolling_std: unsupported column dtype"):
        df.select(pl.col("s").mwk.rolling_std(2))
    with pytest.raises(pl.exceptions.ComputeError, match="mwk.moving_argmin: unsupported column dtype"):
        df.select(pl.col("s").mwk.moving_argmin(2))
    with pytest.raises(pl.exceptions.ComputeError, match="mwk.moving_max: window .* longer than the Array width"):
        df.select(pl.col("arr").mwk.moving_max(3))


# ------------------------------------------------ generic entries (ctypes)
@pytest.fixture(scope="module")
def lib():
    import ctypes

    so = ctypes.CDLL(str(mwk.polars.PLUGIN_PATH))
    so._polars_plugin_get_last_error_message.restype = ctypes.c_char_p
    return so


def field(lib, entry, kwargs, fmt=b"g"):
    """Calls _polars_plugin_field_<entry> on one column; (format, error)."""
    import ctypes
    import pickle

    from test_polars import ArrowSchema

    kw = pickle.dumps(kwargs, protocol=5)
    item = ArrowSchema(format=b"f", name=b"item", flags=2)
    kids = (ctypes.POINTER(ArrowSchema) * 1)(ctypes.pointer(item))
    if entry.startswith("moving"):
        col = ArrowSchema(format=fmt, name=b"x", flags=2, n_children=1, children=kids)
    else:
        col = ArrowSchema(format=fmt, name=b"x", flags=2)
    ret = ArrowSchema()
    buf = ctypes.create_string_buffer(kw, len(kw))
    getattr(lib, f"_polars_plugin_field_{entry}")(ctypes.byref(col), ctypes.c_size_t(1), ctypes.byref(ret), buf,
                                                  ctypes.c_size_t(len(kw)))
    if ret.private_data:
        out = ret.format if not entry.startswith("moving") else ret.children[0].contents.format
        ret.release(ctypes.byref(ret))
        return out, None
    return None, lib._polars_plugin_get_last_error_message().decode()


def test_generic_entries_output_dtypes(lib):
    for stat in STATS:
        keeps = F32_KEEPS[stat]
        assert field(lib, "rolling", {"stat": stat, "window_size": 3}, b"f") == (b"f" if keeps else b"g", None)
        assert field(lib, "rolling", {"stat": stat, "window_size": 3}, b"S") == (b"g", None)  # uint16
        assert field(lib, "rolling", {"stat": stat, "window_size": 3}, b"b") == (b"g", None)  # bool
        assert field(lib, "moving", {"stat": stat, "window": 3}, b"+w:5") == (b"f" if keeps else b"g", None)


@pytest.mark.parametrize(
    "entry, kwargs, match",
    [
        ("rolling", {"window_size": 3}, r"mwk\.rolling: keyword argument 'stat' .* is required"),
        ("moving", {"window": 3, "stat": None}, r"mwk\.moving: keyword argument 'stat' .* is required"),
        ("rolling", {"window_size": 3, "stat": "median2"}, r"unknown statistic 'median2' \(known: mean, sum"),
        ("moving", {"window": 3, "stat": 3}, r"'stat' must be a str"),
        ("rolling", {"window_size": 3, "stat": "mean", "ddof": 1}, r"mwk\.rolling_mean: unknown keyword argument 'ddof'"),
        ("rolling_mean", {"window_size": 3, "stat": "sum"}, r"mwk\.rolling_mean: unknown keyword argument 'stat'"),
        ("moving", {"window": 3, "stat": "mean", "algorithm": "deque"}, r"mwk\.moving_mean: algorithm must be one of 'auto', 'naive'"),
        ("moving", {"window": 3, "stat": "sum", "algorithm": "nope"}, r"algorithm must be one of .*got 'nope'"),
    ],
)
def test_generic_kwargs_rejected(lib, entry, kwargs, match):
    import re

    fmt, err = field(lib, entry, kwargs, b"+L" if entry.startswith("moving") else b"g")
    assert fmt is None and re.search(match, err), err


@needs("var", "std")
@pytest.mark.parametrize(
    "entry, kwargs, match",
    [
        ("rolling", {"window_size": 3, "stat": "std", "ddof": -1}, r"mwk\.rolling_std: ddof must be between 0 and"),
        ("moving", {"window": 3, "stat": "var", "ddof": 2**40}, r"mwk\.moving_var: ddof must be between 0 and"),
        ("moving", {"window": 3, "stat": "var", "ddof": 1.0}, r"'ddof' must be an integer"),
    ],
)
def test_ddof_rejected(lib, entry, kwargs, match):
    import re

    fmt, err = field(lib, entry, kwargs, b"+L" if entry.startswith("moving") else b"g")
    assert fmt is None and re.search(match, err), err


def test_bad_arguments_on_mean_and_sum():
    with pytest.raises(ValueError, match="algorithm must be one of 'auto', 'naive'"):
        pl.col("x").mwk.moving_sum(3, algorithm="deque")
    with pytest.raises(TypeError):
        pl.col("x").mwk.rolling_mean(3, ddof=1)  # a statistic without ddof has no such keyword
    with pytest.raises(TypeError):
        pl.col("x").mwk.moving_sum(3, ddof=0)


def test_mean_only_entries_still_registered():
    # rolling_mean / moving_mean, the entries expressions were built with before
    # the generic pair existed, give what the generic entries give
    from polars.plugins import register_plugin_function

    s = pl.Series("x", [1.0, None, 3.0, float("nan"), 5.0, 6.0])
    a = pl.Series("a", [[1.0, 2.0, 4.0, 8.0], [0.0, 1.0, 0.0, 1.0]], dtype=pl.Array(pl.Float64, 4))
    for name, ser, kw, method in [
        ("rolling_mean", s, {"window_size": 2, "min_samples": 1, "center": False},
         lambda t: t.mwk.rolling_mean(2, min_samples=1)),
        ("moving_mean", a, {"window": 2, "mode": "valid", "min_samples": None, "nan_policy": "skip",
                            "threads": None, "algorithm": "auto"},
         lambda t: t.mwk.moving_mean(2)),
    ]:
        e = register_plugin_function(plugin_path=mwk.polars.PLUGIN_PATH, function_name=name, args=pl.col(ser.name),
                                     kwargs=kw, is_elementwise=name.startswith("moving"),
                                     **mwk.polars._ABS_PATH)
        old = ser.to_frame().select(e).to_series()
        assert old.equals(method(ser), null_equal=True) or str(old.to_list()) == str(method(ser).to_list())
