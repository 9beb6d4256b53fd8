"""mwk's rolling_<stat>_by (mwk/_polars_by.py, python/src/polars_by.c) against
Polars' own rolling_<stat>_by: irregular keys with ties and gaps, nulls, NaN,
every `closed`, min_samples, Datetime units and time zones, Date and integer
keys, unsorted and null keys; and the errors."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

pl = pytest.importorskip("polars")
import mwk.polars  # noqa: E402,F401

STATS = ("sum", "mean", "var", "std", "min", "max", "median", "quantile")
EXACT = ("min", "max", "median", "quantile")
CLOSED = ("right", "left", "both", "none")


def frame(n=300, seed=0, nulls=0.1, nans=0.05, gap=4, dtype=pl.Float64):
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.integers(0, gap, n))  # ties (gap 0) and gaps
    x = rng.normal(size=n) * 10.0 ** rng.integers(-2, 3, n)
    x[rng.random(n) < nans] = np.nan
    xs = pl.Series("x", x, dtype=pl.Float64).to_list()
    for i in np.nonzero(rng.random(n) < nulls)[0]:
        xs[i] = None
    return pl.DataFrame({"t": t, "x": pl.Series("x", xs, dtype=pl.Float64).cast(dtype)})


def both(df, stat, by, window, **kw):
    ours = df.select(getattr(pl.col("x").mwk, f"rolling_{stat}_by")(by, window, **kw)).to_series()
    ref = df.select(getattr(pl.col("x"), f"rolling_{stat}_by")(by, window, **kw)).to_series()
    return ours, ref


def assert_matches(ours, ref, stat, rtol=None):
    assert ours.len() == ref.len()
    assert (ours.is_null() == ref.is_null()).all(), (ours.is_null() != ref.is_null()).arg_true().to_list()[:5]
    a = ours.cast(pl.Float64).to_numpy()
    b = ref.cast(pl.Float64).to_numpy()
    keep = ~ref.is_null().to_numpy()
    a, b = a[keep], b[keep]
    assert np.array_equal(np.isnan(a), np.isnan(b)), np.nonzero(np.isnan(a) != np.isnan(b))[0][:5]
    fin = ~np.isnan(a)
    if stat in EXACT:
        assert np.array_equal(a[fin], b[fin]), np.nonzero(a[fin] != b[fin])[0][:5]
    else:
        # Polars' running sums and moments against mwk's (both within their
        # error of the exact value): scale by the window's magnitude
        tol = rtol if rtol is not None else (1e-9 if stat in ("var", "std") else 1e-12)
        np.testing.assert_allclose(a[fin], b[fin], rtol=tol, atol=tol * 100)


def params(stat):
    if stat == "quantile":
        return [dict(quantile=q, interpolation=ip) for q in (0.0, 0.3, 0.5, 0.9, 1.0)
                for ip in ("nearest", "lower", "higher", "midpoint", "linear")]
    if stat in ("var", "std"):
        return [dict(), dict(ddof=0), dict(ddof=2)]
    return [dict()]


@pytest.mark.parametrize("stat", STATS)
@pytest.mark.parametrize("closed", CLOSED)
def test_int_key_matches_polars(stat, closed):
    df = frame(seed=STATS.index(stat) * 4 + CLOSED.index(closed))
    for kw in params(stat):
        for window in ("1i", "3i", 7):
            for ms in (0, 1, 3):
                ours, ref = both(df, stat, "t", window if isinstance(window, str) else f"{window}i",
                                 closed=closed, min_samples=ms, **kw)
                assert_matches(ours, ref, stat)
    # an int window_size is the same as "Ni" (Polars takes only the string)
    a = df.select(getattr(pl.col("x").mwk, f"rolling_{stat}_by")("t", 7, closed=closed, **params(stat)[0]))
    b = df.select(getattr(pl.col("x").mwk, f"rolling_{stat}_by")("t", "7i", closed=closed, **params(stat)[0]))
    assert a.equals(b)


@pytest.mark.parametrize("stat", STATS)
def test_no_nulls_fast_path(stat):
    # one chunk, no nulls: values and keys read in place
    df = frame(n=2000, seed=7, nulls=0.0, nans=0.0)
    for closed in CLOSED:
        for window, ms in (("10i", 1), ("3i", 3), ("2i", 6), ("1i", 2)):
            ours, ref = both(df, stat, "t", window, closed=closed, min_samples=ms,
                             **params(stat)[2 if stat == "quantile" else 0])
            assert_matches(ours, ref, stat)


@pytest.mark.parametrize("unit", ["ns", "us", "ms"])
@pytest.mark.parametrize("tz", [None, "UTC", "America/New_York"])
def test_datetime_units_and_zones(unit, tz):
    rng = np.random.default_rng(11)
    n = 400
    # irregular seconds across the 2024 spring DST change in New York
    secs = np.cumsum(rng.integers(0, 400, n)) + 1710054000  # 2024-03-10 07:00 UTC
    ts = pl.Series("t", secs * 1_000_000, dtype=pl.Datetime("us")).cast(pl.Datetime(unit))
    if tz:
        ts = ts.dt.replace_time_zone("UTC").dt.convert_time_zone(tz)
    df = frame(n=n, seed=3).with_columns(t=ts)
    for stat in ("sum", "mean", "std", "max", "median"):
        for window in ("15m", "1h30m", dt.timedelta(minutes=7, seconds=30), "1500ms", "90s"):
            for closed in CLOSED:
                ours, ref = both(df, stat, "t", window, closed=closed)
                assert_matches(ours, ref, stat)
    if tz in (None, "UTC"):
        ours, ref = both(df, "mean", "t", "1d")
        assert_matches(ours, ref, "mean")
    else:
        # a day is 23 or 25 hours here (Polars): refused, with a way out
        with pytest.raises(pl.exceptions.ComputeError, match="24h"):
            df.select(pl.col("x").mwk.rolling_mean_by("t", "1d"))


def test_subunit_durations_truncate_as_polars():
    t = pl.Series([0, 1, 1, 3, 4, 4, 9], dtype=pl.Datetime("ms"))
    df = pl.DataFrame({"t": t, "x": [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0]})
    for window in ("1ns", "999us", "1ms", "1500us", "2500us", "3ms"):
        for closed in CLOSED:
            ours, ref = both(df, "sum", "t", window, closed=closed)
            assert_matches(ours, ref, "sum")


def test_date_key():
    days = np.cumsum(np.random.default_rng(2).integers(0, 3, 200))
    df = frame(n=200, seed=5).with_columns(
        t=pl.Series(days, dtype=pl.Int32).cast(pl.Date))
    for window in ("1d", "36h", "3d", "1w", "12h", "1ns"):
        for closed in CLOSED:
            for stat in ("sum", "min", "var"):
                ours, ref = both(df, stat, "t", window, closed=closed)
                assert_matches(ours, ref, stat)


@pytest.mark.parametrize("dtype", [pl.Int32, pl.Int64, pl.UInt32, pl.UInt64])
def test_integer_key_dtypes(dtype):
    df = frame(n=200, seed=9).with_columns(pl.col("t").cast(dtype))
    for stat in ("mean", "max", "quantile"):
        kw = dict(quantile=0.25) if stat == "quantile" else {}
        ours, ref = both(df, stat, "t", "5i", closed="both", **kw)
        assert_matches(ours, ref, stat)


def test_unsorted_and_null_keys_as_polars():
    # Polars 2.1 sorts by the key internally and puts results back; a null
    # key gives null and is in no window
    df = frame(n=300, seed=4)
    rng = np.random.default_rng(4)
    keys = df["t"].to_list()
    keys = [keys[i] for i in rng.permutation(len(keys))]
    for i in rng.choice(len(keys), 20, replace=False):
        keys[i] = None
    for df2 in (df.with_columns(t=pl.Series(keys, dtype=pl.Int64)),
                df.with_columns(t=pl.Series(sorted(k for k in keys if k is not None) + [None] * 20,
                                            dtype=pl.Int64))):
        for stat in STATS:
            kw = dict(quantile=0.7, interpolation="linear") if stat == "quantile" else {}
            for closed in CLOSED:
                ours, ref = both(df2, stat, "t", "6i", closed=closed, **kw)
                assert_matches(ours, ref, stat)


def test_all_null_and_empty_windows():
    df = pl.DataFrame({"t": [1, 2, 3, 10], "x": [None, None, 1.0, None]})
    for stat in STATS:
        kw = dict(quantile=0.5) if stat == "quantile" else {}
        for ms in (0, 1, 2):
            for closed in CLOSED:
                ours, ref = both(df, stat, "t", "2i", closed=closed, min_samples=ms, **kw)
                assert_matches(ours, ref, stat)


def test_float32_and_integer_values():
    df = frame(n=300, seed=8, nans=0.0)
    for stat in STATS:
        kw = dict(quantile=0.4, interpolation="linear") if stat == "quantile" else {}
        ours, ref = both(df.with_columns(pl.col("x").cast(pl.Float32)), stat, "t", "4i", **kw)
        assert ours.dtype == pl.Float32
        assert_matches(ours, ref, stat, rtol=1e-5)
        di = df.with_columns(pl.col("x").fill_nan(0).mul(100).round().cast(pl.Int32))
        ours, ref = both(di, stat, "t", "4i", **kw)
        assert ours.dtype == pl.Float64  # Polars keeps Int32 for sum/min/max
        assert_matches(ours, ref, stat)


def test_multiple_chunks_and_series_namespace():
    a, b = frame(n=150, seed=1), frame(n=150, seed=2)
    b = b.with_columns(pl.col("t") + a["t"].max())
    df = pl.concat([a, b], rechunk=False)
    assert df["x"].n_chunks() == 2
    ours, ref = both(df, "std", "t", "5i")
    assert_matches(ours, ref, "std")
    s = df["x"].mwk.rolling_max_by(df["t"], "5i", closed="left")
    assert s.name == "x"
    assert_matches(s, df["x"].rolling_max_by(df["t"], "5i", closed="left"), "max")
    # lazy, with an expression as `by`
    lz = df.lazy().select(pl.col("x").mwk.rolling_mean_by(pl.col("t") * 2, "10i")).collect().to_series()
    assert_matches(lz, df.select(pl.col("x").rolling_mean_by(pl.col("t") * 2, "10i")).to_series(), "mean")


def test_errors():
    df = frame(n=10)
    e = pl.col("x").mwk
    with pytest.raises(ValueError, match="strictly positive"):
        e.rolling_mean_by("t", "0i")
    with pytest.raises(ValueError, match="strictly positive"):
        e.rolling_mean_by("t", -3)
    with pytest.raises(ValueError, match="calendar"):
        e.rolling_mean_by("t", "1mo")
    with pytest.raises(ValueError, match="mixed"):
        e.rolling_mean_by("t", "2i3h")
    with pytest.raises(ValueError, match="invalid duration"):
        e.rolling_mean_by("t", "15 minutes")
    with pytest.raises(ValueError, match="closed"):
        e.rolling_mean_by("t", "2i", closed="middle")
    with pytest.raises(ValueError, match="equiprobable"):
        e.rolling_quantile_by("t", "2i", quantile=0.5, interpolation="equiprobable")
    with pytest.raises(TypeError):
        e.rolling_quantile_by("t", "2i")  # quantile is required, as Polars
    with pytest.raises(ValueError, match="min_samples"):
        e.rolling_mean_by("t", "2i", min_samples=-1)
    # a duration on an integer key, an index count on a temporal one, a
    # key dtype Polars refuses too
    with pytest.raises(pl.exceptions.ComputeError, match="integer"):
        df.select(e.rolling_mean_by("t", "2h"))
    dft = df.with_columns(pl.col("t").cast(pl.Datetime("ms")))
    with pytest.raises(pl.exceptions.ComputeError, match="duration"):
        dft.select(e.rolling_mean_by("t", "2i"))
    with pytest.raises(pl.exceptions.ComputeError, match="by"):
        df.with_columns(pl.col("t").cast(pl.Float64)).select(e.rolling_mean_by("t", "2i"))
    with pytest.raises(pl.exceptions.ComputeError, match="2\\*\\*63"):
        df.with_columns(pl.col("t").cast(pl.UInt64) + 2**63).select(e.rolling_mean_by("t", "2i"))
    with pytest.raises(ValueError, match="values but the series"):
        df["x"].mwk.rolling_sum_by(df["t"][:3], "2i")


@pytest.mark.parametrize("method", ["average", "min", "max", "dense"])
def test_rank_by_matches_polars(method):
    df = frame(n=300, seed=12, gap=3).with_columns(pl.col("x").round(0))  # ties in values too
    df = df.with_columns(x=pl.when(pl.int_range(pl.len()) % 17 == 0).then(-0.0).otherwise(pl.col("x")))
    for closed in ("right", "both"):
        for window in ("1i", "4i", "9i"):
            for ms in (1, 3):
                ours = df.select(pl.col("x").mwk.rolling_rank_by("t", window, method, min_samples=ms,
                                                                 closed=closed)).to_series()
                ref = df.select(pl.col("x").rolling_rank_by("t", window, method, min_samples=ms,
                                                           closed=closed)).to_series()
                assert ours.dtype == ref.dtype
                assert ours.to_list() == ref.to_list()


def test_rank_by_random_and_errors():
    df = frame(n=100, seed=13).with_columns(pl.col("x").round(0))
    r = df.select(pl.col("x").mwk.rolling_rank_by("t", "4i", "random", seed=1)).to_series()
    lo = df.select(pl.col("x").rolling_rank_by("t", "4i", "min")).to_series()
    hi = df.select(pl.col("x").rolling_rank_by("t", "4i", "max")).to_series()
    assert ((r >= lo) & (r <= hi)).all() and (r.is_null() == lo.is_null()).all()
    with pytest.raises(ValueError, match="closed"):
        pl.col("x").mwk.rolling_rank_by("t", "4i", closed="left")
    with pytest.raises(ValueError, match="method"):
        pl.col("x").mwk.rolling_rank_by("t", "4i", "ordinal")


def test_sum_and_mean_within_contract_of_exact():
    # Polars' running sum drifts (not correctly rounded); mwk's is held to
    # its contract against math.fsum of each window (include/mwk.h:
    # |err| <= (w + 2) 2^-53 sum|x|)
    import math

    rng = np.random.default_rng(21)
    n = 3000
    t = np.cumsum(rng.exponential(1.0, n) * 1e9).astype(np.int64)
    x = rng.normal(size=n) * 1e3 + 1e-3 * rng.normal(size=n)
    x[::97] = 1e12  # spikes entering and leaving windows
    df = pl.DataFrame({"t": pl.Series(t, dtype=pl.Datetime("ns")), "x": x})
    s = df.select(pl.col("x").mwk.rolling_sum_by("t", "1m")).to_series().to_numpy()
    mu = df.select(pl.col("x").mwk.rolling_mean_by("t", "1m")).to_series().to_numpy()
    lo = 0
    for i in range(n):
        while t[i] - t[lo] >= 60 * 10**9:
            lo += 1
        w = x[lo:i + 1]
        exact = math.fsum(w)
        bound = (len(w) + 2) * 2.0**-53 * float(np.abs(w).sum())
        assert abs(s[i] - exact) <= bound
        assert abs(mu[i] - exact / len(w)) <= bound / len(w) + 2.0**-52 * abs(exact / len(w))


def test_inside_over_groups():
    # inside .over() Polars calls the plugin once per group: windows per group
    rng = np.random.default_rng(0)
    n = 2000
    df = pl.DataFrame({"g": rng.integers(0, 5, n), "t": np.cumsum(rng.integers(0, 3, n)), "x": rng.normal(size=n)})
    for stat in ("max", "median"):
        ours = df.select(getattr(pl.col("x").mwk, f"rolling_{stat}_by")("t", "7i").over("g")).to_series()
        ref = df.select(getattr(pl.col("x"), f"rolling_{stat}_by")("t", "7i").over("g")).to_series()
        assert_matches(ours, ref, stat)
