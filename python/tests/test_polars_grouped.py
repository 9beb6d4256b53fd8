"""rolling_<stat>(..., over=keys): every group in one plugin call.

Against Polars' own ``.rolling_<stat>(w).over(keys)`` (sum, mean, var, std,
min, max, median, quantile) and against mwk's plugin inside ``.over(keys)``
(every statistic): unsorted keys, nulls and NaN in the values, int, string,
float, categorical, null and several keys, groups shorter than the window,
center and min_samples; the result is in the rows' order.
"""
import numpy as np
import pytest

pl = pytest.importorskip("polars")
import mwk.polars  # noqa: E402,F401

NATIVE = {"sum": {}, "mean": {}, "var": {}, "std": {}, "min": {}, "max": {}, "median": {}}


def _frame(seed, n=600, groups=40, nulls=True, key_kind="int", nans=True):
    rng = np.random.default_rng(seed)
    g = rng.integers(0, groups, n)
    x = rng.normal(size=n) * 5
    if nans:
        x[rng.integers(0, n, 8)] = np.nan
    xs = pl.Series("x", x)
    if nulls:
        mask = rng.random(n) < 0.05
        xs = pl.Series("x", [None if m else v for m, v in zip(mask, x)], dtype=pl.Float64)
    if key_kind == "str":
        key = pl.Series("g", [f"k{v}" for v in g])
    elif key_kind == "longstr":  # past the 12 bytes a string view holds inline
        key = pl.Series("g", [f"a-long-key-number-{v:06d}" for v in g])
    elif key_kind == "float":
        key = pl.Series("g", g / 4.0 - 2.0)
    elif key_kind == "cat":
        key = pl.Series("g", [f"c{v}" for v in g], dtype=pl.Categorical)
    elif key_kind == "nullint":
        key = pl.Series("g", [None if v % 7 == 0 else int(v) for v in g], dtype=pl.Int32)
    else:
        key = pl.Series("g", g)
    return pl.DataFrame({"g": key, "x": xs, "h": (g % 3).astype(np.int64)})


def _assert_close(a, b, exact=False):
    a = a.to_numpy().astype(float) if hasattr(a, "to_numpy") else a
    b = b.to_numpy().astype(float) if hasattr(b, "to_numpy") else b
    assert np.array_equal(np.isnan(a), np.isnan(b)), "null/NaN positions differ"
    if exact:
        assert np.array_equal(a, b, equal_nan=True)
    else:
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("stat", sorted(NATIVE))
@pytest.mark.parametrize("key_kind", ["int", "str"])
def test_against_polars_native(stat, key_kind):
    # Polars' own rolling_median/quantile do not give NaN for every window
    # holding a NaN (mwk's rolling does, as its other statistics): no NaN there.
    df = _frame(sum(map(ord, stat)), key_kind=key_kind, nans=stat != "median")
    for w, ms, center in ((3, None, False), (5, 1, False), (4, 2, True), (30, 1, False)):
        native = getattr(pl.col("x"), "rolling_" + stat)(w, min_samples=ms, center=center).over("g")
        ours = getattr(pl.col("x").mwk, "rolling_" + stat)(w, min_samples=ms, center=center, over="g")
        r = df.select(a=native, b=ours)
        _assert_close(r["a"], r["b"])


def test_quantile_against_polars():
    df = _frame(11, nans=False)
    for interp in ("linear", "lower", "higher", "midpoint"):
        native = pl.col("x").rolling_quantile(0.3, interp, window_size=6, min_samples=1).over("g")
        ours = pl.col("x").mwk.rolling_quantile(0.3, interp, window_size=6, min_samples=1, over="g")
        r = df.select(a=native, b=ours)
        _assert_close(r["a"], r["b"])


@pytest.mark.parametrize("stat", [s["name"] for s in mwk.polars.statistics() if not s["weights"] and
                                  s["name"] != "rank"])
def test_every_statistic_as_plugin_in_over(stat):
    """Same values as the plugin called once per group by .over() (exact
    without nulls: the same library call per group)."""
    kw = {"quantile": 0.4} if stat == "quantile" else {}
    for nulls in (False, True):
        df = _frame(3, n=300, groups=25, nulls=nulls)
        f = getattr(pl.col("x").mwk, "rolling_" + stat)
        for w, ms in ((4, 1), (7, None)):
            wk = dict(kw, window_size=w) if stat == "quantile" else {}
            args = () if stat == "quantile" else (w,)
            r = df.select(a=f(*args, min_samples=ms, **wk).over("g"), b=f(*args, min_samples=ms, over="g", **wk))
            _assert_close(r["a"], r["b"], exact=not nulls)


def test_weighted_and_ddof():
    df = _frame(5)
    taps = [1.0, 2.0, 0.5]
    r = df.select(a=pl.col("x").mwk.rolling_mean(3, taps, min_samples=1).over("g"),
                  b=pl.col("x").mwk.rolling_mean(3, taps, min_samples=1, over="g"),
                  c=pl.col("x").mwk.rolling_std(5, ddof=0, min_samples=2).over("g"),
                  d=pl.col("x").mwk.rolling_std(5, ddof=0, min_samples=2, over="g"))
    _assert_close(r["a"], r["b"])
    _assert_close(r["c"], r["d"])


@pytest.mark.parametrize("key_kind", ["float", "cat", "nullint", "longstr", "str"])
def test_key_kinds(key_kind):
    df = _frame(21, key_kind=key_kind)
    r = df.select(a=pl.col("x").rolling_mean(4, min_samples=1).over("g"),
                  b=pl.col("x").mwk.rolling_mean(4, min_samples=1, over="g"))
    _assert_close(r["a"], r["b"])


def test_several_keys_and_expressions():
    df = _frame(8)
    r = df.select(a=pl.col("x").rolling_sum(3, min_samples=1).over("g", "h"),
                  b=pl.col("x").mwk.rolling_sum(3, min_samples=1, over=["g", pl.col("h")]),
                  c=pl.col("x").rolling_max(3, min_samples=1).over(pl.col("g") // 5),
                  d=pl.col("x").mwk.rolling_max(3, min_samples=1, over=pl.col("g") // 5))
    _assert_close(r["a"], r["b"])
    _assert_close(r["c"], r["d"])


def test_sorted_groups_shorter_than_window_lazy_and_series():
    df = _frame(9, groups=200).sort("g")  # many groups of ~3 rows, window 10
    lf = df.lazy().with_columns(a=pl.col("x").rolling_mean(10, min_samples=2).over("g"),
                                b=pl.col("x").mwk.rolling_mean(10, min_samples=2, over="g"))
    r = lf.collect()
    _assert_close(r["a"], r["b"])
    s = df["x"].mwk.rolling_mean(10, min_samples=2, over=df["g"])
    _assert_close(r["a"], s)
    assert s.name == "x"


def test_int_values_and_float32():
    df = pl.DataFrame({"g": [1, 1, 2, 1, 2, 2, 3], "i": [1, 2, 3, 4, 5, 6, 7],
                       "f": pl.Series([1, 2, 3, 4, 5, 6, 7], dtype=pl.Float32)})
    r = df.select(a=pl.col("i").mwk.rolling_sum(2, min_samples=1, over="g"),
                  b=pl.col("f").mwk.rolling_mean(2, min_samples=1, over="g"))
    assert r["a"].to_list() == [1.0, 3.0, 3.0, 6.0, 8.0, 11.0, 7.0]
    assert r["b"].dtype == pl.Float32
    assert r["b"].to_list() == [1.0, 1.5, 3.0, 3.0, 4.0, 5.5, 7.0]


def test_empty_and_errors():
    df = pl.DataFrame({"g": pl.Series([], dtype=pl.Int64), "x": pl.Series([], dtype=pl.Float64)})
    assert df.select(pl.col("x").mwk.rolling_mean(3, over="g")).height == 0
    with pytest.raises(TypeError):
        pl.col("x").mwk.rolling_mean(3, over=3.5)
    with pytest.raises(ValueError):
        pl.col("x").mwk.rolling_mean(3, over=[])
    df = pl.DataFrame({"g": [[1], [2]], "x": [1.0, 2.0]})
    with pytest.raises(pl.exceptions.ComputeError, match="not supported"):
        df.select(pl.col("x").mwk.rolling_mean(3, over="g"))


def test_chunked_columns():
    """Several Arrow chunks in the values and the keys (a concatenation that
    was not rechunked)."""
    a, b = _frame(30, n=250, key_kind="str"), _frame(31, n=170, key_kind="str")
    df = pl.concat([a, b], rechunk=False)
    assert df["x"].n_chunks() == 2
    r = df.select(a=pl.col("x").rolling_var(4, min_samples=2).over("g"),
                  b=pl.col("x").mwk.rolling_var(4, min_samples=2, over="g"))
    _assert_close(r["a"], r["b"])


@pytest.mark.parametrize("nulls", [False, True])
@pytest.mark.parametrize("dtype", [pl.Float64, pl.Float32, pl.Int32])
def test_sorted_unsorted_paths(nulls, dtype):
    """Contiguous groups (read in place) and shuffled ones (gathered), with
    and without nulls, float64 / float32 / int values."""
    df = _frame(40, n=500, groups=30, nulls=nulls, nans=False).with_columns(pl.col("x").cast(dtype))
    for d in (df, df.sort("g")):
        r = d.select(a=pl.col("x").mwk.rolling_sum(4, min_samples=1).over("g"),
                     b=pl.col("x").mwk.rolling_sum(4, min_samples=1, over="g"),
                     c=pl.col("x").rolling_sum(4, min_samples=1).over("g"))
        _assert_close(r["a"], r["b"], exact=not nulls)
        if dtype == pl.Float32:  # Polars sums float32 in float32; mwk in float64, rounded once
            np.testing.assert_allclose(r["c"].to_numpy(), r["b"].to_numpy(), rtol=1e-5, atol=1e-5)
        else:
            _assert_close(r["c"], r["b"])
