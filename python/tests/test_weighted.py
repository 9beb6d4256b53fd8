"""move_weighted_sum / move_weighted_mean (issue 11) against numpy.correlate /
numpy.convolve, a direct float64 (math.fsum) reference with the documented
NaN, min_weight and clipped-window rules, scipy.signal.windows for
mwk.window_taps, pandas' rolling(win_type) and Polars' rolling_*(weights=)
where they are comparable (Polars panics on weights with nulls: only
null-free data is compared)."""
import math

import numpy as np
import pytest

import mwk

ALGOS = ["auto", "naive", "direct", "fft"]


def ref(x, w, mean, mode="trailing", min_count=None, min_weight=0.0, nan_policy="skip"):
    """The header's definition, window by window (fsum: correctly rounded)."""
    n, W = len(x), len(w)
    mc = W if min_count is None else min_count
    left = {"trailing": W - 1, "centered": W // 2, "valid": 0}[mode]
    ks = range(n - W + 1) if mode == "valid" else range(n)
    tot = math.fsum(abs(v) for v in w)
    out = []
    for k in ks:
        pos = [k - left + i for i in range(W)]
        vals = [x[p] if 0 <= p < n else math.nan for p in pos]
        inrow = [x[p] for p in pos if 0 <= p < n]
        nnan = sum(math.isnan(v) for v in inrow)
        count = sum(not math.isnan(v) for v in vals)
        if (nan_policy == "propagate" and nnan) or count < mc or count == 0:
            out.append(math.nan)
            continue
        D = math.fsum(abs(wi) for wi, v in zip(w, vals) if math.isnan(v))
        if D > 0 and D > (1 - min_weight) * tot:
            out.append(math.nan)
            continue
        S = math.fsum(wi * v for wi, v in zip(w, vals) if not math.isnan(v))
        if not mean:
            out.append(S)
            continue
        P = math.fsum(wi for wi, v in zip(w, vals) if not math.isnan(v))
        out.append(S / P if P != 0 else math.nan)
    return np.array(out)


def close(got, want, scale):
    assert got.shape == want.shape
    nan = np.isnan(want)
    np.testing.assert_array_equal(np.isnan(got), nan)
    np.testing.assert_allclose(got[~nan], want[~nan], rtol=0, atol=1e-12 * scale)


@pytest.mark.parametrize("algo", ALGOS)
@pytest.mark.parametrize("W", [1, 3, 10, 64, 300])
def test_valid_is_correlate(algo, W):
    rng = np.random.default_rng(W)
    x = rng.standard_normal(2000)
    w = rng.standard_normal(W)
    got = mwk.move_weighted_sum(x, w, mode="valid", algorithm=algo)
    np.testing.assert_allclose(got, np.correlate(x, w, "valid"), rtol=0, atol=1e-11 * np.abs(w).sum())
    np.testing.assert_allclose(got, np.convolve(x, w[::-1], "valid"), rtol=0, atol=1e-11 * np.abs(w).sum())
    wp = np.abs(w) + 0.1
    gm = mwk.move_weighted_mean(x, wp, mode="valid", algorithm=algo)
    np.testing.assert_allclose(gm, np.correlate(x, wp, "valid") / wp.sum(), rtol=0, atol=1e-11)


@pytest.mark.parametrize("algo", ALGOS)
@pytest.mark.parametrize("mode", ["trailing", "centered", "valid"])
@pytest.mark.parametrize("min_weight", [0.0, 0.5, 1.0])
def test_nan_min_weight_zero_negative_taps(algo, mode, min_weight):
    rng = np.random.default_rng(7)
    x = rng.standard_normal(300) * 5 + 1
    x[rng.random(300) < 0.08] = np.nan
    x[100:130] = np.nan
    w = rng.uniform(0.1, 1.0, 9)
    w[[2, 5]] = 0.0
    w[[1, 7]] *= -0.6
    for mean, fn in ((0, mwk.move_weighted_sum), (1, mwk.move_weighted_mean)):
        got = fn(x, w, min_count=1, min_weight=min_weight, mode=mode, algorithm=algo)
        close(got, ref(list(x), list(w), mean, mode, 1, min_weight), 1e3)


@pytest.mark.parametrize("algo", ALGOS)
def test_propagate_and_dtypes(algo):
    rng = np.random.default_rng(3)
    xi = rng.integers(-50, 50, 500)
    w = rng.uniform(0.1, 1.0, 7)
    for dt in (np.int64, np.int32, np.int16, np.float32, np.float64):
        got = mwk.move_weighted_mean(xi.astype(dt), w, algorithm=algo)
        assert got.dtype == (np.float32 if dt == np.float32 else np.float64)
        want = ref(list(xi.astype(np.float64)), list(w), 1)
        tol = 1e-5 if dt == np.float32 else 1e-12
        close(got.astype(np.float64), want, tol / 1e-12)
    x = rng.standard_normal(200)
    x[50] = np.nan
    got = mwk.move_weighted_sum(x, w, min_count=1, nan_policy="propagate", algorithm=algo)
    close(got, ref(list(x), list(w), 0, "trailing", 1, 0.0, "propagate"), 1)


def test_batches_axis_out_threads():
    rng = np.random.default_rng(5)
    a = rng.standard_normal((4, 3000))
    w = rng.uniform(0.1, 1.0, 200)  # auto: fft
    want = np.stack([mwk.move_weighted_mean(r, w, min_count=1) for r in a])
    out = np.empty_like(a)
    got = mwk.move_weighted_mean(a, w, min_count=1, out=out, threads=2)
    assert got is out
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(mwk.move_weighted_mean(a.T, w, min_count=1, axis=0), want.T)


SCIPY_WINDOWS = [("boxcar", None), ("triang", None), ("hann", None), ("hamming", None), ("blackman", None),
                 ("bartlett", None), ("blackmanharris", None), ("nuttall", None), ("barthann", None),
                 ("bohman", None), ("parzen", None), ("cosine", None), ("gaussian", 2.5),
                 ("exponential", 3.0)]


@pytest.mark.parametrize("name,param", SCIPY_WINDOWS)
@pytest.mark.parametrize("W", [1, 2, 5, 8, 31])
def test_window_taps_match_scipy(name, param, W):
    sw = pytest.importorskip("scipy.signal.windows")
    kw = {} if param is None else ({"std": param} if name == "gaussian" else {"tau": param})
    want = getattr(sw, name)(W, sym=True, **kw)
    got = mwk._mwk.window_taps(name, W, 0.0 if param is None else param)
    np.testing.assert_allclose(got, want, rtol=0, atol=4e-16)


@pytest.mark.parametrize("name,param", [("triang", None), ("hann", None), ("gaussian", 2.0),
                                        ("blackman", None), ("exponential", 1.5)])
def test_pandas_win_type(name, param):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("scipy")
    rng = np.random.default_rng(11)
    x = rng.standard_normal(400)
    x[rng.random(400) < 0.1] = np.nan
    kw = {} if param is None else ({"std": param} if name == "gaussian" else {"tau": param})
    r = pd.Series(x).rolling(9, win_type=name, min_periods=3)
    taps = mwk.window_taps(name, 9, param)
    got_m = mwk.move_weighted_mean(x, taps, min_count=3)
    got_s = mwk.move_weighted_sum(x, 9, weights=taps, min_count=3)
    np.testing.assert_allclose(got_m, r.mean(**kw).to_numpy(), rtol=1e-12, atol=1e-12, equal_nan=True)
    np.testing.assert_allclose(got_s, r.sum(**kw).to_numpy(), rtol=1e-12, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("center", [False, True])
def test_polars_rolling_weights(center):
    pl = pytest.importorskip("polars")
    rng = np.random.default_rng(2)
    x = rng.standard_normal(500)
    w = rng.uniform(0.1, 1.0, 12)
    s = pl.Series(x)
    mode = "centered" if center else "trailing"
    for ms in (None, 1):
        pm = s.rolling_mean(12, weights=w.tolist(), center=center, min_samples=ms).to_numpy()
        ps = s.rolling_sum(12, weights=w.tolist(), center=center, min_samples=ms).to_numpy()
        np.testing.assert_allclose(mwk.move_weighted_mean(x, w, min_count=ms, mode=mode), pm, rtol=1e-12,
                                   atol=1e-12, equal_nan=True)
        np.testing.assert_allclose(mwk.move_weighted_sum(x, w, min_count=ms, mode=mode), ps, rtol=1e-12,
                                   atol=1e-12, equal_nan=True)


def test_boxcar_default_and_taps_as_window():
    rng = np.random.default_rng(4)
    x = rng.standard_normal(100)
    np.testing.assert_allclose(mwk.move_weighted_mean(x, 5), mwk.move_mean(x, 5), rtol=0, atol=1e-14,
                               equal_nan=True)
    w = rng.uniform(0.1, 1, 5)
    np.testing.assert_array_equal(mwk.move_weighted_sum(x, w), mwk.move_weighted_sum(x, 5, weights=w))
    np.testing.assert_array_equal(mwk.move_weighted_sum(x, list(w)), mwk.move_weighted_sum(x, 5, weights=w))


def test_errors():
    x = np.arange(10.0)
    with pytest.raises(ValueError):
        mwk.move_weighted_sum(x, [1.0, np.nan])
    with pytest.raises(ValueError):
        mwk.move_weighted_mean(x, [1.0, 2.0], min_weight=1.5)
    with pytest.raises(ValueError):
        mwk.window_taps("nope", 3)
    with pytest.raises(ValueError):
        mwk.window_taps("gaussian", 3)
    with pytest.raises(ValueError):
        mwk.move_weighted_mean(x, 3, weights=[1.0, 2.0])
    with pytest.raises(TypeError):
        mwk.move_weighted_mean(x, [1.0, 2.0], weights=[1.0, 2.0])
    with pytest.raises(TypeError):
        mwk.move_mean(x, 3, weights=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError):
        mwk._mwk.move("weighted_sum", x, 3, weights=[1.0, 2.0])


# ------------------------------------------------------------ window_type=
# (name, window_type, pandas' keyword arguments for .mean()/.sum())
WINDOW_TYPES = [("boxcar", "boxcar", {}), ("triang", "triang", {}), ("hann", "hann", {}),
                ("hamming", "hamming", {}), ("blackman", "blackman", {}), ("bartlett", "bartlett", {}),
                ("parzen", "parzen", {}), ("gaussian", ("gaussian", 2.0), {"std": 2.0}),
                ("gaussian", ("gaussian", {"std": 0.7}), {"std": 0.7}),
                ("exponential", ("exponential", 3.0), {"tau": 3.0}),
                ("exponential", "exponential", {}),  # tau 1.0: scipy's and pandas' default
                ("exponential", ("exponential", None, 0.5), {"tau": 0.5})]


@pytest.mark.parametrize("name,wt,kw", WINDOW_TYPES)
@pytest.mark.parametrize("center", [False, True])
def test_window_type_is_pandas_win_type(name, wt, kw, center):
    """pandas' rolling(w, win_type=name).mean(**kw) / .sum(**kw): scipy's
    windows, NaN skipped (the mean renormalised), min_periods counting values."""
    pd = pytest.importorskip("pandas")
    pytest.importorskip("scipy.signal")
    rng = np.random.default_rng(len(name) + 7 * center)
    x = rng.standard_normal(300) * 3 + 1
    x[rng.random(300) < 0.1] = np.nan
    x[40:46] = np.nan
    mode = "centered" if center else "trailing"
    for W, mp in ((9, 3), (10, 10), (1, 1)):
        r = pd.Series(x).rolling(W, win_type=name, min_periods=mp, center=center)
        gm = mwk.move_weighted_mean(x, W, min_count=mp, window_type=wt, mode=mode)
        gs = mwk.move_weighted_sum(x, W, min_count=mp, window_type=wt, mode=mode)
        np.testing.assert_allclose(gm, r.mean(**kw).to_numpy(), rtol=1e-12, atol=1e-12, equal_nan=True)
        np.testing.assert_allclose(gs, r.sum(**kw).to_numpy(), rtol=1e-12, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("algo", ALGOS)
def test_window_type_every_algorithm_against_scipy_correlate(algo):
    """Independent of pandas: scipy.signal.get_window(wt, W, fftbins=False)
    taps and numpy.correlate, for every algorithm, float64 and float32,
    batches along an axis."""
    signal = pytest.importorskip("scipy.signal")
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 700))
    for wt, W in (("hann", 15), (("gaussian", 6.0), 61), (("exponential", None, 4.0), 33),
                  ("blackmanharris", 200)):
        taps = signal.get_window(wt, W, fftbins=False)
        want = np.array([np.correlate(row, taps, "valid") for row in x])
        got = mwk.move_weighted_sum(x, W, window_type=wt, mode="valid", algorithm=algo)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-11 * taps.sum())
        gm = mwk.move_weighted_mean(x.T, W, window_type=wt, mode="valid", algorithm=algo, axis=0)
        np.testing.assert_allclose(gm, want.T / taps.sum(), rtol=0, atol=1e-11)
        g32 = mwk.move_weighted_mean(x.astype(np.float32), W, window_type=wt, mode="valid", algorithm=algo)
        assert g32.dtype == np.float32
        np.testing.assert_allclose(g32, want.astype(np.float32) / taps.sum(), rtol=0, atol=1e-5)


def test_window_type_spellings():
    """One window, several spellings: scipy's aliases and _symmetric suffix,
    get_window's tuples, pandas' keywords; the same taps as window_taps."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal(80)
    for spellings, taps in (
        (["hann", "han", "hann_symmetric"], mwk.window_taps("hann", 7)),
        (["boxcar", "ones", "rect"], np.ones(7)),
        ([("gaussian", 1.5), ("gauss", 1.5), ("gaussian", {"std": 1.5}), ("gaussian", 3 / 2)],
         mwk.window_taps("gaussian", 7, 1.5)),
        ([("exponential", 2.0), ("exponential", None, 2.0), ("poisson", 2.0), ("exponential", {"tau": 2}),
          ("exponential", {"center": None, "tau": 2.0})], mwk.window_taps("exponential", 7, 2.0)),
        (["exponential", "poisson"], mwk.window_taps("exponential", 7, 1.0)),
    ):
        want = mwk.move_weighted_mean(x, taps)
        for wt in spellings:
            np.testing.assert_array_equal(mwk.move_weighted_mean(x, 7, window_type=wt), want, err_msg=str(wt))
            np.testing.assert_array_equal(mwk.move_weighted_mean(x, np.int64(7), None, -1, None, 0.0, wt), want)


def test_window_type_errors():
    x = np.arange(20.0)
    with pytest.raises(TypeError, match="exclusive"):
        mwk.move_weighted_mean(x, 3, weights=[1.0, 2.0, 3.0], window_type="hann")
    with pytest.raises(TypeError, match="int window"):
        mwk.move_weighted_sum(x, [1.0, 2.0, 3.0], window_type="hann")
    with pytest.raises(TypeError):
        mwk.move_weighted_sum(x, 3, window_type=3.0)
    with pytest.raises(TypeError):
        mwk.move_weighted_sum(x, 3, window_type=("gaussian", "2"))
    with pytest.raises(TypeError):
        mwk.move_mean(x, 3, window_type="hann")  # only the statistics with taps
    for bad in ("nope", "kaiser", "hann_periodic", ("nope", 1.0)):
        with pytest.raises(ValueError, match="boxcar, triang, hann") as e:
            mwk.move_weighted_mean(x, 5, window_type=bad)
    with pytest.raises(ValueError, match="needs its std"):
        mwk.move_weighted_mean(x, 5, window_type="gaussian")
    with pytest.raises(ValueError, match="boxcar, triang"):
        mwk.move_weighted_mean(x, 5, window_type="gaussian")
    for bad in (("gaussian", 0.0), ("gaussian", -1.0), ("gaussian", float("nan")), ("exponential", float("inf")),
                ("hann", 2.0), ("gaussian", 1.0, 2.0), ("exponential", 1.0, 2.0), ("gaussian", {"sigma": 1.0}),
                ("exponential", {"center": 2.0, "tau": 1.0})):
        with pytest.raises(ValueError):
            mwk.move_weighted_mean(x, 5, window_type=bad)
    with pytest.raises(ValueError):
        mwk.move_weighted_mean(x, 0, window_type="hann")
    with pytest.raises(ValueError):
        mwk.move_weighted_mean(x, 21, window_type="hann")  # longer than the data: the usual rule


def test_huge_taps():
    """Taps near the double range (fuzz_api's findings): a huge tap on a huge
    value, and on a zero (a huge present weight, a mean of ordinary size),
    against an exact rational reference; taps whose |sum| overflows are
    rejected (the header: sum |w| must be finite)."""
    from fractions import Fraction

    x = np.array([1.5e308, 0.0, 3.0, -2.0, 1.25e308, 7.0])
    w = np.array([0.5, -1.7e308, 1.0, 0.25])
    want = []
    for j in range(len(x) - len(w) + 1):
        S = sum(Fraction(float(a)) * Fraction(float(b)) for a, b in zip(w, x[j:j + len(w)]))
        want.append(float(S / sum(Fraction(float(b)) for b in w)))
    for algo in ALGOS:
        got = mwk.move_weighted_mean(x, w, mode="valid", algorithm=algo)
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=0)
    with pytest.raises(ValueError):
        mwk.move_weighted_mean(x, [1e308, 1e308])
    with pytest.raises(ValueError):
        mwk.move_weighted_sum(x, [-1e308, 1.0, -1e308])


@pytest.mark.parametrize("scale", [2.0 ** -1000, 2.0 ** 1010, 2.0 ** 1016])
def test_taps_summing_to_the_range_ends(scale):
    """Tiny taps, and taps summing above 2^1022 (1/sum is subnormal): the mean
    is the same as with the taps at scale 1, for every algorithm. (Taps whose
    products with the data fall below the normal range lose bits to
    underflow in every algorithm: not tested here; fuzz_api allows W 2^-1074
    for them and replays the fft -inf finding for a subnormal tap.)"""
    rng = np.random.default_rng(8)
    x = rng.standard_normal(700) * 1e4
    w = rng.uniform(0.5, 1.0, 170)  # above the auto crossover too
    w[:4] = [1.0, 0.5, 0.75, 0.25]
    for W in (1, 4, 170):
        taps = w[:W] * scale
        assert np.all(np.isfinite(taps)) and np.all(taps > 0)
        want = mwk.move_weighted_mean(x, taps / scale, mode="valid", algorithm="naive")
        for algo in ALGOS:
            got = mwk.move_weighted_mean(x, taps, mode="valid", algorithm=algo)
            exact = mwk.move_weighted_mean(x, taps, mode="valid", algorithm="naive")
            np.testing.assert_allclose(got, exact, rtol=1e-9 if algo == "fft" else 1e-13,
                                       atol=1e-9 * np.abs(x).max() if algo == "fft" else 0, err_msg=algo)
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9 * np.abs(x).max(), err_msg=algo)
