"""move_fir_bank (issue 11): each filter of the bank against numpy.correlate
(valid windows) and a direct per-window sum (clipped windows, NaN), for every
algorithm; layout, axis, out, dtypes and errors."""
import math

import numpy as np
import pytest

import mwk

ALGOS = [a for a in ("auto", "naive", "direct", "fft", "gemm") if mwk.runtime_info()["algorithms"].get(a)]
U = 2.0 ** -53


def tol(algo, taps_k, window_vals, w):
    sw = float(np.sum(np.abs(taps_k)))
    mx = float(np.max(np.abs(window_vals))) if window_vals.size else 0.0
    if algo in ("fft", "auto"):
        return 8 * math.log2(8 * w + 256) * U * sw * mx * 4 + 1e-300
    return (w + 18) * U * sw * mx * 2 + 1e-300


@pytest.mark.parametrize("algo", ALGOS)
@pytest.mark.parametrize("K,W", [(1, 1), (3, 5), (16, 40), (2, 300)])
def test_valid_equals_correlate(algo, K, W):
    rng = np.random.default_rng(K * 1000 + W)
    x = rng.standard_normal(W + 500)
    taps = rng.standard_normal((K, W))
    taps[:, ::7] = 0.0
    y = mwk.move_fir_bank(x, taps, mode="valid", algorithm=algo)
    assert y.shape == (x.size - W + 1, K) and y.dtype == np.float64
    mx = np.max(np.abs(x))
    for k in range(K):
        ref = np.correlate(x, taps[k], "valid")
        bound = tol(algo, taps[k], x, W) + W * U * np.sum(np.abs(taps[k])) * mx
        np.testing.assert_array_less(np.abs(y[:, k] - ref), bound)


def direct_ref(x, taps, mode, min_count, min_weight):
    """weighted_sum's rules, written out: absent = NaN or outside the row."""
    K, W = taps.shape
    n = x.size
    left = {"trailing": W - 1, "centered": W // 2, "valid": 0}[mode]
    n_out = n - W + 1 if mode == "valid" else n
    out = np.full((n_out, K), np.nan)
    for j in range(n_out):
        pos = np.arange(j - left, j - left + W)
        inside = (pos >= 0) & (pos < n)
        vals = np.full(W, np.nan)
        vals[inside] = x[pos[inside]]
        present = ~np.isnan(vals)
        if present.sum() < min_count:
            continue
        for k in range(K):
            wk = taps[k]
            absent = np.sum(np.abs(wk[~present]))
            if absent > 0 and absent > (1 - min_weight) * np.sum(np.abs(wk)):
                continue
            out[j, k] = math.fsum(wk[present] * vals[present])
    return out


@pytest.mark.parametrize("algo", ALGOS)
@pytest.mark.parametrize("mode", ["trailing", "centered", "valid"])
def test_nan_clipped_min_weight(algo, mode):
    rng = np.random.default_rng(7)
    K, W = 4, 9
    x = rng.standard_normal(120)
    x[rng.random(120) < 0.1] = np.nan
    x[60:72] = np.nan
    taps = rng.standard_normal((K, W))
    y = mwk.move_fir_bank(x, taps, mode=mode, min_count=3, min_weight=0.4, algorithm=algo)
    ref = direct_ref(x, taps, mode, 3, 0.4)
    assert y.shape == ref.shape
    np.testing.assert_array_equal(np.isnan(y), np.isnan(ref))
    ok = ~np.isnan(ref)
    np.testing.assert_allclose(y[ok], ref[ok], rtol=1e-9, atol=1e-9)


def test_bank_equals_weighted_sum_and_layout():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((3, 50, 4)).astype(np.float32)
    taps = rng.random((5, 6))
    y = mwk.move_fir_bank(a, taps, axis=1, algorithm="naive", min_count=1)
    assert y.shape == (3, 50, 4, 5) and y.dtype == np.float32
    for k in range(5):
        one = mwk.move_weighted_sum(a, taps[k], axis=1, algorithm="naive", min_count=1)
        np.testing.assert_array_equal(y[..., k], one)
    out = np.empty((3, 50, 4, 5), np.float32)
    r = mwk.move_fir_bank(a, taps, axis=1, algorithm="naive", min_count=1, out=out)
    assert r is out
    np.testing.assert_array_equal(out, y)


def test_errors():
    x = np.arange(10.0)
    with pytest.raises(ValueError):
        mwk.move_fir_bank(x, np.ones((2, 11)))
    with pytest.raises(ValueError):
        mwk.move_fir_bank(x, np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError):
        mwk.move_fir_bank(x, np.ones((2, 3)), min_weight=2.0)
    with pytest.raises(ValueError):
        mwk.move_fir_bank(x, np.ones((2, 3)), algorithm="ring")
    with pytest.raises(ValueError):
        mwk.move_fir_bank(x, np.ones((2, 3)), out=np.empty((10, 3)))
    if "gemm" not in ALGOS:
        with pytest.raises(ValueError, match="BLAS"):
            mwk.move_fir_bank(x, np.ones((2, 3)), algorithm="gemm")


def test_runtime_info_blas():
    info = mwk.runtime_info()
    blas = info["versions"]["blas"]
    assert isinstance(blas, str)
    assert (blas == "none") == (not info["algorithms"]["gemm"])


def test_bad_inputs():
    """Every argument move_fir_bank rejects (docs/BAD_INPUT.md), with its
    exception and the words of its message."""
    x = np.arange(10.0)
    t = np.ones((2, 3))
    f = mwk.move_fir_bank
    with pytest.raises(ValueError, match="dimension"):
        f(np.float64(1.0), t)
    for bad in (np.ones((2, 2, 2)), np.ones((0, 3)), np.ones((2, 0)), np.ones(0)):
        with pytest.raises(ValueError, match="taps must have shape"):
            f(x, bad)
    with pytest.raises(ValueError):
        f(x, [["a", "b"]])  # not numbers: NumPy's conversion
    for bad in ([[1.0, np.inf]], [[1.0, -np.inf]], [[1e308, 1e308]]):  # not finite; sum |taps| overflows
        with pytest.raises(ValueError, match="taps must be finite"):
            f(x, bad)
    for mw in (np.nan, -0.1, 1.5):
        with pytest.raises(ValueError, match=r"min_weight in \[0, 1\]"):
            f(x, t, min_weight=mw)
    with pytest.raises(ValueError):
        f(x, t, min_weight="a")
    for name in ("mode", "nan_policy", "algorithm"):
        with pytest.raises(ValueError, match=name + " must be one of"):
            f(x, t, **{name: "nope"})
        with pytest.raises(TypeError, match=name + " must be a str"):
            f(x, t, **{name: 1})
    for algo in ("ring", "prefix", "deque"):  # window-engine algorithms the bank lacks
        with pytest.raises(ValueError, match="algorithm must be one of"):
            f(x, t, algorithm=algo)
    with pytest.raises(ValueError, match="out of bounds"):  # numpy's AxisError is a ValueError
        f(x, t, axis=1)
    with pytest.raises(TypeError):
        f(x, t, axis=0.0)
    for mc in (0, 4, -1):
        with pytest.raises(ValueError, match="min_count"):
            f(x, t, min_count=mc)
    with pytest.raises(TypeError):
        f(x, t, min_count=1.0)
    for th in (0, -1):
        with pytest.raises(ValueError, match="threads"):
            f(x, t, threads=th)
    with pytest.raises(TypeError):
        f(x, t, threads=1.5)
    for dt in ("complex128", "object", "U3", "datetime64[s]"):
        with pytest.raises(TypeError, match="unsupported dtype"):
            f(x.astype(dt), t)
    if np.dtype(np.longdouble).itemsize > 8:
        with pytest.raises(TypeError, match="unsupported dtype"):
            f(x.astype(np.longdouble), t)
    with pytest.raises(ValueError, match="longer than the data"):
        f(x, np.ones((1, 11)))
    with pytest.raises(TypeError, match="numpy.ndarray"):
        f(x, t, out=[0.0] * 20)
    with pytest.raises(ValueError, match="out must have shape"):
        f(x, t, out=np.empty((10, 2), np.float32))  # wrong dtype
    with pytest.raises(ValueError, match="out must have shape"):
        f(x, t, out=np.empty((10, 3)))
    ro = np.empty((10, 2))
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        f(x, t, out=ro)
    with pytest.raises(ValueError, match="target"):
        f(x, t, target="no-such-target")
    with pytest.raises(TypeError, match="target"):
        f(x, t, target=3)
    with pytest.raises(TypeError):
        f(x, t, "valid")  # keyword-only
