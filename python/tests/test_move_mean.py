"""mwk.move_mean: NumPy references, bottleneck equivalence, layouts, errors."""
from __future__ import annotations

import concurrent.futures as cf
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import mwk
from reference import assert_close_to_ref

try:
    import bottleneck as bn
except ImportError:  # pragma: no cover
    bn = None

MODES = ["trailing", "valid", "centered"]
ALGOS = mwk.runtime_info()["statistics"]["mean"]  # this build's, auto first
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def floats_with_specials(dtype, allow_inf=True):
    width = 32 if dtype == np.float32 else 64
    base = st.floats(-1e6, 1e6, width=width)
    special = st.sampled_from([np.nan, np.inf, -np.inf] if allow_inf else [np.nan])
    big = st.sampled_from([1e12, -1e12, 3e30]) if width == 64 else st.sampled_from([1e12, -1e12])
    return st.one_of(base, base, base, special, big, st.just(0.0))


@st.composite
def row_case(draw, dtypes=(np.float64, np.float32, np.int64, np.int32), allow_inf=True, int_lim=None):
    dtype = draw(st.sampled_from(dtypes))
    n = draw(st.integers(1, 40))
    if np.dtype(dtype).kind == "f":
        x = np.array(draw(st.lists(floats_with_specials(dtype, allow_inf), min_size=n, max_size=n)), dtype=dtype)
    else:
        lim = int_lim or (2**31 - 1 if dtype == np.int32 else 2**62)
        x = np.array(draw(st.lists(st.integers(-lim, lim), min_size=n, max_size=n)), dtype=dtype)
    w = draw(st.integers(1, n))
    mc = draw(st.one_of(st.none(), st.integers(1, w)))
    return x, w, mc


# ---------------------------------------------------------------- references
@SETTINGS
@given(case=row_case(), mode=st.sampled_from(MODES), policy=st.sampled_from(["skip", "propagate"]),
       algo=st.sampled_from(ALGOS))
def test_matches_reference(case, mode, policy, algo):
    x, w, mc = case
    y = mwk.move_mean(x, w, mc, mode=mode, nan_policy=policy, algorithm=algo)
    assert y.dtype == (np.float32 if x.dtype == np.float32 else np.float64)
    assert_close_to_ref(y, x, w, mc, mode, policy, dtype=y.dtype.type, fft=(algo == "fft"))


@pytest.mark.skipif(bn is None, reason="bottleneck not installed")
@SETTINGS
@given(case=row_case(dtypes=(np.float64, np.int64, np.int32), allow_inf=False, int_lim=2**20))
def test_matches_bottleneck(case):
    # Magnitudes are bounded: bottleneck's plain running sum is not accurate
    # after a spike, and it overflows on int32 sums near 2**31 (it returns
    # +1073741824.5 for the mean of [0, -2147483647]).
    x, w, mc = case
    if x.dtype.kind == "f":
        x = np.clip(x, -1e6, 1e6)
    got = mwk.move_mean(x, w, mc)
    want = bn.move_mean(x, w, mc)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9 * 1e6)


@pytest.mark.skipif(bn is None, reason="bottleneck not installed")
@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_bottleneck_nd_axis(axis):
    rng = np.random.default_rng(1)
    a = rng.normal(size=(5, 6, 7))
    a[rng.random(a.shape) < 0.1] = np.nan
    for w in (1, 3, 5):
        for mc in (None, 1, w):
            np.testing.assert_allclose(mwk.move_mean(a, w, mc, axis=axis), bn.move_mean(a, w, mc, axis=axis),
                                       rtol=1e-12, atol=1e-12)


def test_spike_recovers():
    x = np.full(3000, 1e-3)
    x[1000] = 1e12
    y = mwk.move_mean(x, 100)
    np.testing.assert_allclose(y[1100:], 1e-3, rtol=1e-12)
    x[2000] = np.inf
    y = mwk.move_mean(x, 100)
    assert np.isinf(y[2000:2100]).all()
    np.testing.assert_allclose(y[2100:], 1e-3, rtol=1e-12)


# ------------------------------------------------------------------ layouts
def _rowwise(a, w, mc, axis, **kw):
    b = np.moveaxis(np.asarray(a, dtype=np.float64), axis, -1)
    out = np.stack([mwk.move_mean(np.ascontiguousarray(r), w, mc, **kw) for r in b.reshape(-1, b.shape[-1])])
    shape = b.shape[:-1] + (out.shape[-1],)
    return np.moveaxis(out.reshape(shape), -1, axis)


@st.composite
def nd_case(draw):
    ndim = draw(st.integers(1, 4))
    shape = draw(hnp.array_shapes(min_dims=ndim, max_dims=ndim, min_side=1, max_side=6))
    dtype = draw(st.sampled_from([np.float64, np.float32, np.int64, np.int32]))
    a = draw(hnp.arrays(dtype, shape, elements=st.integers(-1000, 1000)))
    if a.dtype.kind == "f" and a.size:
        a.flat[:: max(1, a.size // 3)] = np.nan
    axis = draw(st.integers(-ndim, ndim - 1))
    # a strided / transposed / reversed view
    view = draw(st.sampled_from(["plain", "T", "rev", "step", "fortran"]))
    if view == "T":
        a = a.T
    elif view == "rev":
        a = a[(slice(None, None, -1),) * a.ndim]
    elif view == "step":
        big = np.repeat(a, 2, axis=0)
        a = big[::2]
    elif view == "fortran":
        a = np.asfortranarray(a)
    n = a.shape[axis]
    w = draw(st.integers(1, n))
    mc = draw(st.one_of(st.none(), st.integers(1, w)))
    return a, w, mc, axis


@SETTINGS
@given(case=nd_case(), mode=st.sampled_from(MODES), threads=st.sampled_from([None, 1, 2, 3]))
def test_any_ndim_axis_view(case, mode, threads):
    a, w, mc, axis = case
    got = mwk.move_mean(a, w, mc, axis=axis, mode=mode, threads=threads)
    want = _rowwise(a.astype(a.dtype), w, mc, axis, mode=mode)
    if a.dtype == np.float32:
        want = _rowwise(a, w, mc, axis, mode=mode)
    np.testing.assert_array_equal(got, want.astype(got.dtype))


def test_strides_not_multiple_of_itemsize_are_copied():
    raw = np.zeros(8 * 21 + 1, dtype=np.uint8)
    a = np.ndarray((20,), dtype=np.float64, buffer=raw, offset=1)  # misaligned
    a[:] = np.arange(20.0)
    np.testing.assert_array_equal(mwk.move_mean(a, 3), mwk.move_mean(np.arange(20.0), 3))
    rec = np.zeros(10, dtype=[("a", "<f8"), ("b", "u1")])
    rec["a"] = np.arange(10.0)
    np.testing.assert_array_equal(mwk.move_mean(rec["a"], 2), mwk.move_mean(np.arange(10.0), 2))


def test_byteswapped_and_lists():
    a = np.arange(10.0).astype(">f8")
    np.testing.assert_array_equal(mwk.move_mean(a, 3), mwk.move_mean(np.arange(10.0), 3))
    np.testing.assert_array_equal(mwk.move_mean([1, 2, 3, 4], 2), [np.nan, 1.5, 2.5, 3.5])


def test_no_copy_for_strided_view_matches():
    base = np.random.default_rng(0).normal(size=(50, 40))
    v = base[::3, ::-2]
    np.testing.assert_array_equal(mwk.move_mean(v, 4, axis=0), mwk.move_mean(np.ascontiguousarray(v), 4, axis=0))
    np.testing.assert_array_equal(mwk.move_mean(v, 4, axis=1), mwk.move_mean(np.ascontiguousarray(v), 4, axis=1))


def test_out_argument():
    a = np.random.default_rng(0).normal(size=(4, 30))
    out = np.empty((4, 30))
    r = mwk.move_mean(a, 5, out=out)
    assert r is out
    np.testing.assert_array_equal(out, mwk.move_mean(a, 5))
    # strided out, valid mode
    big = np.zeros((4, 52))
    r = mwk.move_mean(a, 5, mode="valid", out=big[:, ::2])
    np.testing.assert_array_equal(big[:, ::2], mwk.move_mean(a, 5, mode="valid"))
    # out overlapping the input (in place)
    b = a.copy()
    want = mwk.move_mean(b, 5)
    mwk.move_mean(b, 5, out=b)
    np.testing.assert_array_equal(b, want)
    # float32
    f = a.astype(np.float32)
    o32 = np.empty_like(f)
    mwk.move_mean(f, 3, out=o32)
    np.testing.assert_array_equal(o32, mwk.move_mean(f, 3))


def test_empty_rows_and_shapes():
    assert mwk.move_mean(np.zeros((0, 5)), 3).shape == (0, 5)
    assert mwk.move_mean(np.zeros((0, 5)), 3, mode="valid").shape == (0, 3)
    assert mwk.move_mean(np.zeros((3, 1, 5)), 5, mode="valid").shape == (3, 1, 1)


def test_threads_identical():
    a = np.random.default_rng(2).normal(size=(64, 1000))
    r1 = mwk.move_mean(a, 50, threads=1)
    for t in (2, 4, 7):
        np.testing.assert_array_equal(mwk.move_mean(a, 50, threads=t), r1)


def test_thread_pool_identical():
    rng = np.random.default_rng(3)
    arrays = [rng.normal(size=(8, 5000)) for _ in range(16)]
    serial = [mwk.move_mean(a, 101, mode=m) for a in arrays for m in MODES]
    with cf.ThreadPoolExecutor(8) as ex:
        par = list(ex.map(lambda am: mwk.move_mean(am[0], 101, mode=am[1]), [(a, m) for a in arrays for m in MODES]))
    for s, p in zip(serial, par):
        np.testing.assert_array_equal(s, p)


def test_runtime_info():
    info = mwk.runtime_info()
    assert info["version"] == mwk.__version__
    assert info["target"] in info["supported_targets"]
    assert isinstance(info["backends"], list)
    # every algorithm name of the C API (0.2 added deque and welford for the
    # new statistics); move_mean's own list is per statistic
    assert set(info["algorithms"]) >= {"auto", "naive", "ring", "prefix", "fft"}
    assert info["statistics"]["mean"][:4] == ["auto", "naive", "ring", "prefix"]
    assert info["versions"]["numpy"] == np.__version__


# ------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(window=0), ValueError, "window"),
        (dict(window=-3), ValueError, "window"),
        (dict(window=2.0), TypeError, "window"),
        (dict(window=True), TypeError, "window"),
        (dict(window="3"), TypeError, "window"),
        (dict(window=11), ValueError, "window"),
        (dict(window=3, min_count=0), ValueError, "min_count"),
        (dict(window=3, min_count=4), ValueError, "min_count"),
        (dict(window=3, min_count=1.5), TypeError, "min_count"),
        (dict(window=3, mode="center"), ValueError, "mode.*'trailing', 'valid', 'centered'"),
        (dict(window=3, mode=1), TypeError, "mode"),
        (dict(window=3, algorithm="fast"), ValueError, "algorithm.*'auto'"),
        (dict(window=3, nan_policy="omit"), ValueError, "nan_policy.*'skip', 'propagate'"),
        (dict(window=3, axis=1), ValueError, "axis"),
        (dict(window=3, axis=-2), ValueError, "axis"),
        (dict(window=3, axis=None), TypeError, "axis"),
        (dict(window=3, axis=0.0), TypeError, "axis"),
        (dict(window=3, threads=0), ValueError, "threads"),
        (dict(window=3, threads=-1), ValueError, "threads"),
        (dict(window=3, threads=1.0), TypeError, "threads"),
        (dict(window=3, out=[0.0] * 10), TypeError, "out"),
        (dict(window=3, out=np.empty(9)), ValueError, "out.*shape"),
        (dict(window=3, out=np.empty(10, dtype=np.float32)), TypeError, "out.*float64"),
        (dict(window=3, out=np.empty(10, dtype=np.int64)), TypeError, "out"),
    ],
)
def test_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        mwk.move_mean(np.arange(10.0), **kwargs)


# 0.2 reads every NumPy integer, bool and float16 (test_stats.py covers them).
@pytest.mark.parametrize("dtype", [np.complex128, np.longdouble, object, "U3", "M8[s]", "m8[s]"])
def test_unsupported_dtypes(dtype):
    a = np.zeros(5, dtype=dtype)
    with pytest.raises(TypeError, match=re.escape(f"dtype {np.dtype(dtype)}")):
        mwk.move_mean(a, 2)


def test_misc_bad_inputs():
    with pytest.raises(ValueError, match="dimension"):
        mwk.move_mean(np.float64(1.0), 1)
    with pytest.raises(ValueError, match="window"):
        mwk.move_mean(np.zeros(0), 1)
    ro = np.zeros(10)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        mwk.move_mean(np.arange(10.0), 2, out=ro)
    with pytest.raises(ValueError, match="window"):
        mwk.move_mean(np.zeros((3, 4)), 5, axis=1, mode="valid")
    with pytest.raises(ValueError, match="out of range"):
        mwk.move_mean(np.zeros(4), 2**70)
    with pytest.raises(TypeError):
        mwk.move_mean(np.zeros(4))
    with pytest.raises(TypeError):
        mwk.move_mean(np.zeros(4), 2, None, -1, "trailing")  # mode is keyword-only
