"""move_<stat>_by: key-based (time) windows (mwk/_by.py, C mwk_move_by).

References: a brute-force NumPy computation over the key interval written
here (math.fsum sums, sorted-window quantiles), pandas' rolling("15min") on a
DatetimeIndex (where the semantics agree: no tied keys), Polars'
rolling_<stat>_by (ties included), and move_<stat> on a regular key."""

import math

import numpy as np
import pytest

import mwk

pd = pytest.importorskip("pandas")

STATS = ["mean", "sum", "var", "std", "min", "max", "argmin", "argmax", "median", "quantile", "rank"]
CLOSED = ["right", "left", "both", "none"]


def keys(rng, n, ties=True):
    gaps = rng.choice([0, 1, 2, 3, 100] if ties else [1, 2, 3, 100], size=n,
                      p=[0.2, 0.3, 0.3, 0.15, 0.05] if ties else [0.35, 0.35, 0.25, 0.05])
    return (np.cumsum(gaps) - 40).astype(np.int64)


def window_of(k, i, w, closed):
    d = int(k[i]) - k.astype(object)
    lo_ok = (d <= w) if closed in ("left", "both") else (d < w)
    hi_ok = (d >= 0) if closed in ("right", "both") else (d > 0)
    idx = np.nonzero(lo_ok & hi_ok)[0]
    return (idx[0], idx[-1] + 1) if idx.size else (0, 0)


def ref_value(stat, x, lo, hi, i, policy, mc, ddof=0, q=0.5):
    win = x[lo:hi]
    nan = np.isnan(win)
    v = win[~nan]
    if (policy == "propagate" and nan.any()) or v.size < mc or v.size == 0:
        return np.nan
    if stat in ("mean", "sum"):
        if np.isinf(v).any():
            s = set(v[np.isinf(v)])
            return np.nan if len(s) == 2 else s.pop()
        s = math.fsum(v)
        return s / v.size if stat == "mean" else s
    if stat in ("var", "std"):
        if np.isinf(v).any() or v.size <= ddof:
            return np.nan
        m = math.fsum(v) / v.size
        var = math.fsum((v - m) ** 2) / (v.size - ddof)
        return var if stat == "var" else math.sqrt(var)
    if stat in ("min", "max"):
        return v.min() if stat == "min" else v.max()
    if stat in ("argmin", "argmax"):
        best = None
        for j in range(lo, hi):
            if np.isnan(x[j]):
                continue
            if best is None or (x[j] <= x[best] if stat == "argmin" else x[j] >= x[best]):
                best = j
        return float(hi - 1 - best)
    if stat == "rank":
        a = x[i]
        if np.isnan(a):
            return np.nan
        less, eq, c = int((v < a).sum()), int((v == a).sum()), v.size
        if not lo <= i < hi:
            eq, c = eq + 1, c + 1
        return 0.0 if c <= 1 else (2 * less + eq - 1 - (c - 1)) / (c - 1)
    # numpy.quantile's linear rule, with mwk's infinities (mwk.h: an
    # infinity under a weight of 0 is ignored; -inf and +inf mix to NaN)
    v = np.sort(v)
    h = q * (v.size - 1)
    f = int(math.floor(h))
    g = min(f + 1, v.size - 1)
    t, a, b = h - f, v[f], v[g]
    if t == 0 or a == b:
        return a
    if np.isinf(a) or np.isinf(b):
        return (a if a == b else np.nan) if np.isinf(a) and np.isinf(b) else (a if np.isinf(a) else b)
    return a + t * (b - a)


def reference(stat, x, k, w, closed, policy="skip", mc=1, **kw):
    out = np.empty(len(x))
    for i in range(len(x)):
        lo, hi = window_of(k, i, w, closed)
        out[i] = ref_value(stat, x, lo, hi, i, policy, mc, **kw)
    return out


def call(stat, x, k, w, **kw):
    if stat == "quantile":
        return mwk.move_quantile_by(x, k, w, kw.pop("q", 0.3), **kw)
    return getattr(mwk, f"move_{stat}_by")(x, k, w, **kw)


@pytest.mark.parametrize("stat", STATS)
def test_against_brute_force(stat):
    rng = np.random.default_rng(STATS.index(stat))
    n = 160
    k = keys(rng, n)
    x = rng.normal(size=n) * 10
    x[rng.random(n) < 0.05] = np.nan
    x[rng.random(n) < 0.02] = np.inf
    x[rng.random(n) < 0.02] = -np.inf
    fast = mwk._mwk.move_by_choose(STATS.index(stat))
    kw = {"q": 0.3} if stat == "quantile" else {}
    for closed in CLOSED:
        for w in (0, 1, 5, 30):
            for policy, mc in (("skip", 1), ("propagate", 2), ("skip", 3)):
                want = reference(stat, x, k, w, closed, policy, mc, **kw)
                for algo in ("naive", fast, "auto") + (("deque",) if stat in ("min", "max") else ()):
                    got = call(stat, x, k, w, closed=closed, min_count=mc, nan_policy=policy,
                               algorithm=algo, **kw)
                    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12,
                                               err_msg=f"{stat} {closed} w={w} {policy} mc={mc} {algo}")


@pytest.mark.parametrize("stat", ["mean", "sum", "var", "std", "min", "max", "median", "count"])
@pytest.mark.parametrize("closed", CLOSED)
def test_against_pandas_without_ties(stat, closed):
    rng = np.random.default_rng(7)
    n = 3000
    ts = np.datetime64("2024-01-01T00:00:00", "ns") + np.cumsum(
        rng.integers(1, 120, n)).astype("timedelta64[s]").astype("timedelta64[ns]")
    x = rng.normal(size=n)
    x[rng.random(n) < 0.03] = np.nan
    r = pd.Series(x, index=pd.DatetimeIndex(ts)).rolling(
        "15min", closed="neither" if closed == "none" else closed)
    if stat == "count":
        # pandas' count is the number of non-NaN values: min_count's measure.
        want = r.count().to_numpy()
        got = mwk.move_sum_by(np.isfinite(x).astype(np.float64), ts, "15m", closed=closed)
        want = np.where(want == 0, np.nan, want)
        got = np.where(got == 0, np.nan, got)
    else:
        want = getattr(r, stat)().to_numpy()
        kw = {"ddof": 1} if stat in ("var", "std") else {}
        got = getattr(mwk, f"move_{stat}_by")(x, ts, "15m", closed=closed, **kw)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("stat", ["sum", "mean", "var", "std", "min", "max", "median", "quantile"])
def test_against_polars_with_ties(stat):
    pl = pytest.importorskip("polars")
    rng = np.random.default_rng(11)
    n = 2000
    k = keys(rng, n)
    x = rng.normal(size=n)
    for closed in CLOSED:
        kw = {"quantile": 0.3, "interpolation": "linear"} if stat == "quantile" else {}
        if stat in ("var", "std"):
            kw = {"ddof": 1}
        want = getattr(pl.Series(x), f"rolling_{stat}_by")(pl.Series(k), "7i", closed=closed, **kw)
        want = want.to_numpy().astype(np.float64)
        if stat == "sum":
            want[np.isnan(want)] = 0.0
        mkw = {"ddof": 1} if stat in ("var", "std") else {}
        got = call(stat, x, k, 7, closed=closed, q=0.3, **mkw) if stat == "quantile" else \
            call(stat, x, k, 7, closed=closed, **mkw)
        if stat == "sum":  # Polars sums an empty window to 0; mwk gives NaN
            got = np.where(np.isnan(got), 0.0, got)
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, err_msg=f"{stat} {closed}")


@pytest.mark.parametrize("stat", STATS)
def test_regular_key_equals_move(stat):
    rng = np.random.default_rng(3)
    x = rng.normal(size=500)
    x[rng.random(500) < 0.05] = np.nan
    k = np.arange(500, dtype=np.int64)
    for w, mc in ((1, 1), (9, 3), (40, 40)):
        if stat == "quantile":
            a = mwk.move_quantile(x, w, 0.3, min_count=mc)
            b = mwk.move_quantile_by(x, k, w, 0.3, min_count=mc)
        else:
            a = getattr(mwk, f"move_{stat}")(x, w, min_count=mc)
            b = getattr(mwk, f"move_{stat}_by")(x, k, w, min_count=mc)
        if stat in ("mean", "sum", "var", "std"):
            np.testing.assert_allclose(b, a, rtol=1e-13, atol=1e-13)
        else:
            np.testing.assert_array_equal(b, a)  # exact statistics: the same bits


def test_datetime_units_agree():
    rng = np.random.default_rng(5)
    sec = np.cumsum(rng.integers(0, 90, 800))
    x = rng.normal(size=800)
    want = mwk.move_mean_by(x, sec, 15 * 60)
    for unit, f in (("s", 1), ("ms", 10**3), ("us", 10**6), ("ns", 10**9)):
        ts = (sec * f).astype(f"datetime64[{unit}]")
        for window in ("15m", np.timedelta64(15, "m"), np.timedelta64(900, "s"), 900 * f):
            np.testing.assert_array_equal(mwk.move_mean_by(x, ts, window), want, err_msg=f"{unit} {window!r}")
        td = (sec * f).astype(f"timedelta64[{unit}]")
        np.testing.assert_array_equal(mwk.move_mean_by(x, td, "900s"), want)
    days = np.array([0, 1, 1, 3, 10], dtype="datetime64[D]")
    np.testing.assert_array_equal(mwk.move_sum_by(np.ones(5), days, "2d"), [1, 3, 3, 1, 1])
    np.testing.assert_array_equal(mwk.move_sum_by(np.ones(5), days, "1w"), [1, 3, 3, 4, 1])


def test_duration_strings():
    p = mwk._by.parse_duration
    s = 10**18
    assert p("15m") == 900 * s
    assert p("1h30m") == 5400 * s
    assert p("2d") == 2 * 86400 * s
    assert p("1w") == 7 * 86400 * s
    assert p("500ms") == s // 2
    assert p("3us") == 3 * 10**12
    assert p("10ns") == 10 * 10**9
    assert p("1d2h3m4s5ms6us7ns") == ((((86400 + 7200 + 180 + 4) * 1000 + 5) * 1000 + 6) * 1000 + 7) * 10**9
    for bad in ("", "15", "m", "1.5h", "abc", "15 m", "15min", "-5m"):
        with pytest.raises(ValueError):
            p(bad)
    for cal in ("1mo", "2q", "1y", "3i", "1d1mo"):
        with pytest.raises(ValueError, match="not supported for key-based windows"):
            p(cal)


def test_errors():
    x = np.arange(5.0)
    k = np.array([0, 1, 2, 4, 3], dtype=np.int64)
    ts = np.arange(5).astype("datetime64[s]")
    with pytest.raises(ValueError, match="not sorted"):
        mwk.move_mean_by(x, k, 2)
    out = mwk.move_mean_by(x, k, 2, check_sorted=False)  # the caller's promise: no crash
    assert out.shape == (5,)
    with pytest.raises(ValueError, match="calendar"):
        mwk.move_mean_by(x, ts, "1mo")
    with pytest.raises(ValueError, match="invalid duration"):
        mwk.move_mean_by(x, ts, "5 minutes")
    with pytest.raises(ValueError, match="whole number"):
        mwk.move_mean_by(x, ts, "1500ms")
    with pytest.raises(ValueError, match="whole number"):
        mwk.move_mean_by(x, ts, np.timedelta64(1500, "ms"))
    with pytest.raises(TypeError, match="datetime64 or timedelta64 key"):
        mwk.move_mean_by(x, np.arange(5), "1s")
    with pytest.raises(TypeError):
        mwk.move_mean_by(x, np.arange(5.0), 2)  # float keys
    with pytest.raises(TypeError):
        mwk.move_mean_by(x.astype(complex), np.arange(5), 2)
    with pytest.raises(ValueError, match="NaT"):
        mwk.move_mean_by(x, np.array(["NaT", "2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"],
                                     dtype="datetime64[s]"), "1d")
    with pytest.raises(ValueError, match="not sorted"):  # NaT (the smallest int64) after a key
        mwk.move_mean_by(x, np.array(["2024-01-01", "NaT", "2024-01-02", "2024-01-03", "2024-01-04"],
                                     dtype="datetime64[s]"), "1d")
    with pytest.raises(ValueError, match="same length"):
        mwk.move_mean_by(x, np.arange(4), 2)
    with pytest.raises(ValueError, match=">= 0"):
        mwk.move_mean_by(x, np.arange(5), -1)
    with pytest.raises(ValueError, match="closed"):
        mwk.move_mean_by(x, np.arange(5), 2, closed="neither")
    with pytest.raises(ValueError, match="min_count"):
        mwk.move_mean_by(x, np.arange(5), 2, min_count=0)
    with pytest.raises(ValueError, match="algorithm"):
        mwk.move_mean_by(x, np.arange(5), 2, algorithm="deque")
    with pytest.raises(ValueError, match="1-D"):
        mwk.move_mean_by(x.reshape(5, 1), np.arange(5), 2)
    with pytest.raises(ValueError, match="fixed length"):
        mwk.move_mean_by(x, np.arange(5).astype("datetime64[M]"), 2)
    assert not hasattr(mwk, "move_weighted_sum_by")


def test_layouts_dtypes_and_quantiles():
    rng = np.random.default_rng(9)
    k = keys(rng, 300)
    x = rng.normal(size=600)[::2]  # strided values
    np.testing.assert_allclose(mwk.move_mean_by(x, k[::-1][::-1], 6), reference("mean", x, k, 6, "right"),
                               rtol=1e-12)
    y32 = mwk.move_mean_by(x.astype(np.float32), k, 6)
    assert y32.dtype == np.float32
    assert mwk.move_argmax_by(x.astype(np.float32), k, 6).dtype == np.float64
    yi = mwk.move_max_by(np.arange(300, dtype=np.int16), k, 6)
    assert yi.dtype == np.float64
    qs = mwk.move_quantile_by(x, k, 6, [0.9, 0.1], interpolation="lower")
    assert qs.shape == (300, 2)
    np.testing.assert_array_equal(qs[:, 1], mwk.move_quantile_by(x, k, 6, 0.1, interpolation="lower"))
    assert mwk.move_median_by(x, k, 6, threads=1).tolist() == mwk.move_median_by(x, k, 6, threads=2).tolist()
    # extremes of the key range
    ke = np.array([np.iinfo(np.int64).min, -1, 0, np.iinfo(np.int64).max], dtype=np.int64)
    np.testing.assert_array_equal(mwk.move_sum_by(np.ones(4), ke, np.iinfo(np.int64).max), [1, 1, 2, 1])
