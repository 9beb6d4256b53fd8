"""The Polars plugin's weighted windows (issue 11): rolling_mean/rolling_sum
with ``weights=``, rolling_weighted_*/moving_weighted_* with taps and
min_weight, and the EWM entry's error messages.

References. ``wref``: a direct sum per window in Python (math.fsum of the
products, and of the present taps for the mean), with the semantics the
docstrings state: taps on their positions, positions outside the column and
nulls absent, NaN propagating, min_samples counting non-null values. Polars'
own ``rolling_mean/rolling_sum(weights=)`` is compared where it is right: a
column without nulls (Polars panics on nulls with weights), Polars 2.x only
(1.21 puts the first taps on a clipped window and divides by all of them;
see mwk/polars.py), taps whose present part does not sum to 0. moving_* per
row against mwk.move_weighted_* (the NumPy path).

Oldest Polars (scripts/packaging.sh's polars stage): this file is not in
that run's file list; run by hand on Polars 1.21.0 it passes, the
comparisons with Polars' own weighted windows skipped by the POLARS_2 gate
(1.21 misplaces the taps of clipped windows).

Tolerance (float64): |got - want| <= 64 u (sum |w x| over the window) for
the sum, divided by |sum of present w| for the mean, plus 4 u |want|; the
fft algorithm (auto above its crossover) is bounded by its block, so long
windows use sum |w| max |x|. Float32 columns: u = 2^-24.
"""
from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pl = pytest.importorskip("polars")
import mwk  # noqa: E402
import mwk.polars  # noqa: E402,F401

from test_polars import column_case  # noqa: E402  (chunked/sliced columns of every dtype)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
POLARS_2 = tuple(int(p) for p in pl.__version__.split(".")[:2]) >= (2, 0)


# ------------------------------------------------------------ the reference
def wref(vals, taps, stat, min_samples=None, center=False, min_weight=0.0):
    """vals: floats or None (null). The weighted sum/mean of each window, as
    (value or None, scale) pairs: scale bounds the result's magnitude for the
    tolerance."""
    n, W = len(vals), len(taps)
    ms = W if min_samples is None else min_samples
    total_abs = math.fsum(abs(t) for t in taps)
    out = []
    for i in range(n):
        start = i - W // 2 if center else i - W + 1
        prods, present_w, absent_abs, count, nan = [], [], [], 0, False
        for k in range(W):
            p = start + k
            v = vals[p] if 0 <= p < n else None
            if v is None:
                absent_abs.append(abs(taps[k]))
                continue
            count += 1
            if math.isnan(v):
                nan = True
                continue
            present_w.append(taps[k])
            if taps[k] != 0.0:
                prods.append(taps[k] * v)
        if count < max(ms, 1):
            out.append((0.0 if stat == "sum" and ms == 0 and count == 0 else None, 0.0))
            continue
        if nan or math.fsum(absent_abs) > (1.0 - min_weight) * total_abs:
            out.append((math.nan, 0.0))
            continue
        if any(math.isinf(q) for q in prods):
            s = sum(prods)
            scale = 0.0
        else:
            s = math.fsum(prods)
            scale = math.fsum(abs(q) for q in prods)
        if stat == "mean":
            den = math.fsum(present_w)
            if den == 0.0:
                out.append((math.nan, 0.0))
                continue
            s, scale = s / den, scale / abs(den)
        out.append((s, scale))
    return out


def check(got, want, f32=False, fft_scale=0.0):
    """got: list (None for null); want: wref's pairs."""
    u = 2.0**-24 if f32 else 2.0**-53
    assert len(got) == len(want)
    for i, (g, (e, scale)) in enumerate(zip(got, want)):
        if e is None or g is None:
            assert g is None and e is None, (i, got, [x for x, _ in want])
        elif math.isnan(e) or math.isnan(g):
            assert math.isnan(e) and math.isnan(g), (i, got, [x for x, _ in want])
        elif math.isinf(e) or math.isinf(g):
            assert g == e, (i, g, e)
        else:
            tol = 64 * u * max(scale, fft_scale) + 4 * u * abs(e)
            assert abs(g - e) <= tol, (i, g, e, tol)


def floats(s):
    return [None if v is None else float(v) for v in s.to_list()]


def taps_strategy(w):
    return st.lists(st.one_of(st.just(0.0), st.floats(-4, 4, allow_nan=False)), min_size=w, max_size=w)


# ------------------------------------------------- rolling against Polars
@pytest.mark.skipif(not POLARS_2, reason="Polars 1.x puts the first taps on clipped windows (documented)")
@pytest.mark.parametrize("stat", ["mean", "sum"])
@pytest.mark.parametrize("center", [False, True])
@pytest.mark.parametrize("ms", [None, 1, 3])
@pytest.mark.parametrize("w", [1, 4, 7])
def test_rolling_weights_match_polars(stat, center, ms, w):
    ms = None if ms is not None and ms > w else ms
    rng = np.random.default_rng(w * 10 + (ms or 0))
    x = rng.normal(size=40) * 10
    x[[5, 17]] = np.nan  # NaN is a value: windows holding it give NaN, as Polars
    taps = list(rng.uniform(0.1, 2.0, w))  # positive: no window sums to 0 (Polars gives 0.0 there)
    s = pl.Series("x", x)
    got = getattr(s.mwk, f"rolling_{stat}")(w, taps, min_samples=ms, center=center)
    want = getattr(s, f"rolling_{stat}")(w, weights=taps, min_samples=ms, center=center)
    assert got.name == "x" and got.dtype == want.dtype == pl.Float64
    g, e = floats(got), floats(want)
    for i, (a, b) in enumerate(zip(g, e)):
        if a is None or b is None:
            assert a is None and b is None, (i, g, e)
        elif math.isnan(b):
            assert math.isnan(a), (i, g, e)
        else:
            assert abs(a - b) <= 1e-13 * (1 + abs(b)), (i, a, b)
    check(g, wref(floats(s), taps, stat, ms, center))


@pytest.mark.skipif(not POLARS_2, reason="Polars 1.x differs on clipped windows (documented)")
def test_rolling_weights_int_float32_bool_dtypes_as_polars():
    taps = [1.0, 0.5, 2.0]
    for dtype, vals in ((pl.Int64, [1, 2, 3, 4, 5]), (pl.Float32, [1.5, 2.0, 3.25, 4.0, 5.0]),
                        (pl.Boolean, [True, False, True, True, False]), (pl.UInt8, [1, 2, 3, 4, 200])):
        s = pl.Series("x", vals, dtype=dtype)
        for stat in ("mean", "sum"):
            got = getattr(s.mwk, f"rolling_{stat}")(3, taps, min_samples=1)
            want = getattr(s, f"rolling_{stat}")(3, weights=taps, min_samples=1)
            assert got.dtype == want.dtype, (dtype, stat)
            np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-6 if dtype == pl.Float32 else 1e-14)


# --------------------------------------------- rolling against the reference
@SETTINGS
@given(case=column_case(), data=st.data())
def test_rolling_weights_reference(case, data):
    """Every dtype, chunked and sliced columns, nulls (which Polars cannot
    take with weights), NaN, zero and negative taps, center, min_samples."""
    s, w, ms, center = case
    taps = data.draw(taps_strategy(w))
    f32 = s.dtype == pl.Float32
    for stat in ("mean", "sum"):
        got = getattr(s.mwk, f"rolling_{stat}")(w, taps, min_samples=ms, center=center)
        assert got.dtype == (pl.Float32 if f32 else pl.Float64)
        # the reference on the values as the plugin reads them (float32 stays float32)
        check(floats(got), wref(floats(s), taps, stat, ms, center), f32=f32)


def test_rolling_weights_nulls_reference():
    x = [1.0, None, 3.0, float("nan"), None, 6.0, 7.0, None, 9.0, 10.0, 11.0]
    taps = [0.5, -1.0, 2.0, 0.0]
    s = pl.Series("x", x)
    for stat in ("mean", "sum"):
        for ms in (0, 1, 2, 4):
            for center in (False, True):
                got = getattr(s.mwk, f"rolling_{stat}")(4, taps, min_samples=ms, center=center)
                check(floats(got), wref(x, taps, stat, ms, center))
    # by hand: row 2's window (trailing) is positions -1..2 under taps 0..3:
    # tap 0 outside, -1.0 on x[0] = 1, 2.0 on the null, 0.0 on x[2] = 3
    got = s.mwk.rolling_sum(4, taps, min_samples=1).to_list()
    assert got[2] == -1.0 * 1.0 + 0.0 * 3.0
    assert s.mwk.rolling_mean(4, taps, min_samples=1).to_list()[2] == (-1.0 * 1.0) / (-1.0 + 0.0)


def test_rolling_weights_expr_over_and_group_by_reference():
    x = [1.0, 2.0, 3.0, 5.0, 6.0, None, 8.0, 9.5]
    g = [1, 1, 2, 2, 1, 2, 1, 2]
    taps = [1.0, 3.0]
    df = pl.DataFrame({"g": g, "x": x})
    got = df.select(pl.col("x").mwk.rolling_mean(2, taps, min_samples=1).over("g")).to_series().to_list()
    agg = df.group_by("g", maintain_order=True).agg(pl.col("x").mwk.rolling_sum(2, weights=taps, min_samples=1))
    lazy = df.lazy().with_columns(y=pl.col("x").mwk.rolling_mean(2, taps, min_samples=1)).collect()
    for key in (1, 2):
        rows = [i for i in range(len(x)) if g[i] == key]
        xs = [x[i] for i in rows]
        check([got[i] for i in rows], wref(xs, taps, "mean", 1))
        check(agg.filter(pl.col("g") == key)["x"].to_list()[0], wref(xs, taps, "sum", 1))
    check(lazy["y"].to_list(), wref(x, taps, "mean", 1))


def test_rolling_weighted_min_weight_reference():
    x = [1.0, float("nan"), 3.0, None, 5.0, 6.0, 7.0, 8.0]
    taps = list(mwk.window_taps("hann", 5))
    s = pl.Series("x", x)
    for mw in (0.0, 0.5, 0.9, 1.0):
        for center in (False, True):
            got = s.mwk.rolling_weighted_mean(5, taps, min_samples=1, center=center, min_weight=mw)
            check(floats(got), wref(x, taps, "mean", 1, center, mw))
    # no taps: the boxcar, i.e. rolling_mean/rolling_sum
    assert s.mwk.rolling_weighted_sum(3, min_samples=1).to_list()[4:] == \
        s.mwk.rolling_sum(3, min_samples=1).to_list()[4:]


def test_rolling_weights_long_window_fft_reference():
    """w = 10,000: auto runs fft, and the taps (80 kB) travel in the pickle
    outside its frame (BINBYTES8 at protocol 5)."""
    rng = np.random.default_rng(7)
    w = 10_000
    x = rng.normal(size=25_000)
    taps = rng.uniform(-1, 1, w)
    res = pl.Series("x", x).mwk.rolling_sum(w, taps)
    assert res[: w - 1].null_count() == w - 1
    got = res.to_numpy()
    want = np.correlate(x, taps, "valid")  # the sums of the full windows
    bound = 8 * math.log2(4 * w) * 2.0**-53 * np.abs(taps).sum() * np.abs(x).max() * 8
    np.testing.assert_allclose(got[w - 1:], want, rtol=0, atol=bound)


def test_rolling_weights_inf_and_zero_sum_taps_reference():
    inf = float("inf")
    x = [1.0, inf, 3.0, 4.0, -inf, 6.0]
    for taps in ([0.0, 2.0], [1.0, -2.0], [1.0, -1.0]):
        for stat in ("mean", "sum"):
            got = getattr(pl.Series(x).mwk, f"rolling_{stat}")(2, taps)
            check(floats(got), wref(x, taps, stat))
    # present taps summing to 0: NaN (Polars 2.x gives 0.0, 1.21 raises)
    assert math.isnan(pl.Series([1.0, 2.0]).mwk.rolling_mean(2, [1.0, -1.0]).to_list()[1])


# ------------------------------------------------------- moving per row
@pytest.mark.parametrize("mode", ["valid", "trailing", "centered"])
@pytest.mark.parametrize("f32", [False, True])
def test_moving_weighted_array_and_list_match_numpy(mode, f32):
    rng = np.random.default_rng(3)
    dt = np.float32 if f32 else np.float64
    a = rng.normal(size=(5, 12)).astype(dt)
    a[1, 4] = np.nan
    taps = rng.uniform(-1, 2, 4)
    arr = pl.Series("a", a, dtype=pl.Array(pl.Float32 if f32 else pl.Float64, 12))
    lst = pl.Series("l", [list(r) for r in a.tolist()[:3]] + [[1.0, 2.0], None],
                    dtype=pl.List(pl.Float32 if f32 else pl.Float64))
    for stat in ("mean", "sum"):
        fn = getattr(mwk, f"move_weighted_{stat}")
        got = getattr(arr.mwk, f"moving_weighted_{stat}")(4, taps, mode=mode, min_samples=2, min_weight=0.3)
        want = fn(a, 4, 2, weights=taps, min_weight=0.3, mode=mode)
        np.testing.assert_array_equal(np.array(got.to_list(), dtype=dt), want)
        got_l = getattr(lst.mwk, f"moving_weighted_{stat}")(4, taps, mode=mode).to_list()
        for r in range(3):
            np.testing.assert_array_equal(np.array(got_l[r], dtype=dt), fn(a[r], 4, weights=taps, mode=mode))
        # a row shorter than the window: nothing in 'valid' mode, else clipped
        # windows with fewer than min_samples (default: the window) values
        assert got_l[3] == [] if mode == "valid" else len(got_l[3]) == 2 and all(map(math.isnan, got_l[3]))
        assert got_l[4] is None


def test_moving_weighted_list_short_rows_clipped():
    """Rows shorter than the taps in 'trailing' mode: clipped, taps kept on
    their positions (the NumPy path raises for a window longer than the row,
    so this is checked by hand)."""
    taps = [1.0, 2.0, 4.0]
    lst = pl.Series("l", [[1.0, 2.0]], dtype=pl.List(pl.Float64))
    got = lst.mwk.moving_weighted_sum(3, taps, mode="trailing", min_samples=1).to_list()[0]
    assert got == [1.0 * 4.0, 1.0 * 2.0 + 2.0 * 4.0]


# ------------------------------------------------------------ bad arguments
@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda s: s.mwk.rolling_mean(3, weights=[1.0, 2.0]), ValueError, "weights has 2 values but window_size is 3"),
        (lambda s: s.mwk.rolling_sum(2, weights=[1.0, float("inf")]), ValueError, "weights must be finite"),
        (lambda s: s.mwk.rolling_sum(2, weights="ab"), TypeError, "weights must be a sequence"),
        (lambda s: s.mwk.rolling_sum(2, weights=[[1.0, 2.0]]), ValueError, "weights must be 1-D"),
        (lambda s: s.mwk.rolling_weighted_mean(2, [1.0, 2.0], min_weight=1.5), ValueError, r"min_weight must be in \[0, 1\]"),
        (lambda s: s.mwk.moving_weighted_mean(3, [1.0]), ValueError, "weights has 1 values but window is 3"),
    ],
)
def test_bad_weights(call, exc, match):
    with pytest.raises(exc, match=match):
        call(pl.Series("x", [1.0, 2.0, 3.0]))


def _raw(kwargs, fn="rolling"):
    from polars.plugins import register_plugin_function

    return pl.DataFrame({"x": [1.0, 2.0, 3.0]}).select(register_plugin_function(
        plugin_path=mwk.polars.PLUGIN_PATH, function_name=fn, args=pl.col("x"), kwargs=kwargs,
        is_elementwise=False))


def test_bad_weights_kwargs_reach_user_with_message():
    """Past the Python checks (kwargs built by hand): the plugin's own."""
    taps = np.array([1.0, 2.0], "<f8").tobytes()
    with pytest.raises(pl.exceptions.ComputeError, match="weights has 2 values but window_size is 3"):
        _raw({"stat": "weighted_mean", "window_size": 3, "weights": taps})
    with pytest.raises(pl.exceptions.ComputeError, match="packed little-endian float64"):
        _raw({"stat": "weighted_mean", "window_size": 2, "weights": taps[:7]})
    with pytest.raises(pl.exceptions.ComputeError, match="weights must be finite"):
        _raw({"stat": "weighted_sum", "window_size": 2, "weights": np.array([1.0, np.nan]).tobytes()})
    with pytest.raises(pl.exceptions.ComputeError, match="unknown keyword argument 'weights'"):
        _raw({"stat": "mean", "window_size": 2, "weights": taps})
    got = _raw({"stat": "weighted_sum", "window_size": 2, "weights": taps, "min_samples": 1}).to_series().to_list()
    assert got == [2.0, 1.0 + 4.0, 2.0 + 6.0]


def test_kwargs_bytes_every_protocol():
    """bytes values at pickle protocols 3-5 (SHORT_BINBYTES, BINBYTES,
    BINBYTES8 outside a frame); protocol 2 pickles bytes through a global
    (codecs.encode), which the strict reader rejects."""
    import ctypes

    so = ctypes.CDLL(str(mwk.polars.PLUGIN_PATH))
    so._polars_plugin_get_last_error_message.restype = ctypes.c_char_p
    from test_polars import ArrowSchema

    def field(kw_bytes):
        col = ArrowSchema(format=b"g", name=b"x", flags=2)
        ret = ArrowSchema()
        buf = ctypes.create_string_buffer(kw_bytes, len(kw_bytes))
        so._polars_plugin_field_rolling(ctypes.byref(col), ctypes.c_size_t(1), ctypes.byref(ret), buf,
                                        ctypes.c_size_t(len(kw_bytes)))
        if ret.private_data:
            ret.release(ctypes.byref(ret))
            return None
        return so._polars_plugin_get_last_error_message().decode()

    for w in (2, 40, 70_000):  # 16 B, 320 B (BINBYTES), 560 kB (BINBYTES8 at protocol 4+)
        taps = np.ones(w).tobytes()
        for proto in (3, 4, 5):
            kw = pickle.dumps({"stat": "weighted_mean", "window_size": w, "weights": taps}, protocol=proto)
            assert field(kw) is None, (w, proto)
            # a window that disagrees is caught from the decoded length
            kw = pickle.dumps({"stat": "weighted_mean", "window_size": w + 1, "weights": taps}, protocol=proto)
            assert "weights has" in field(kw)
    kw = pickle.dumps({"stat": "weighted_mean", "window_size": 2, "weights": np.ones(2).tobytes()}, protocol=2)
    assert "opcode" in field(kw)
    # truncated bytes: the declared length runs past the buffer
    kw = pickle.dumps({"stat": "weighted_mean", "window_size": 2, "weights": np.ones(2).tobytes()}, protocol=3)
    assert "truncated" in field(kw[:-8]) or "STOP" in field(kw[:-8])


# ------------------------------------------------------ EWM error messages
def test_ewm_errors_reach_user_with_message():
    """polars_ewm.c reports through the shared error slot (it used to give
    Polars an empty message)."""
    s = pl.Series("x", [1.0, 2.0, 3.0])
    with pytest.raises(pl.exceptions.ComputeError, match=r"mwk\.ewm_mean_by: `by` must be sorted"):
        s.mwk.ewm_mean_by(pl.Series([3, 2, 1]), half_life=1.0)
    with pytest.raises(pl.exceptions.ComputeError, match=r"mwk\.ewm_mean_by: `by` must be .* without nulls"):
        s.mwk.ewm_mean_by(pl.Series([1, None, 3]), half_life=1.0)
    with pytest.raises(pl.exceptions.ComputeError, match=r"mwk\.ewm: stat must be one of 'mean'.*got 'bogus'"):
        _raw({"stat": "bogus", "decay": "span", "value": 3.0}, "ewm")
    with pytest.raises(pl.exceptions.ComputeError, match=r"mwk\.ewm: a parameter is out of range \(com >= 0, span >= 1"):
        _raw({"decay": "span", "value": 0.5}, "ewm")
    with pytest.raises(pl.exceptions.ComputeError, match=r"mwk\.ewm: unknown keyword argument 'spam'"):
        _raw({"decay": "span", "value": 3.0, "spam": 1}, "ewm")
