"""Every statistic of the registry through the NumPy API.

Driven by the registry (mwk.statistics()): a statistic added to the C
registry is tested here for every algorithm it lists, every SIMD target this
CPU supports, every dtype, alignment and NaN policy, against exact references
(reference.py: exact integer sums for mean/sum/var/std, plain Python loops
for min/max/argmin/argmax), and against bottleneck on bottleneck's own
arguments. Adversarial numerics per statistic family follow.
"""
from __future__ import annotations

import itertools
import math
import os
import pickle
import traceback

import numpy as np
import pytest

import mwk
from reference import assert_stat, out_len, ref_stat, window_bounds

try:
    import bottleneck as bn
    from bottleneck.tests.util import arrays as bn_arrays
except ImportError:  # pragma: no cover
    bn = None

STATS = {s["name"]: s for s in mwk.statistics()}
NAMES = list(STATS)
INFO = mwk.runtime_info()
# MWK_TEST_QUICK=1 (as for the C suite): the best and the most basic target
# only, and shorter long rows.
QUICK = os.environ.get("MWK_TEST_QUICK", "") not in ("", "0")
TARGETS = INFO["supported_targets"]
if QUICK and len(TARGETS) > 2:
    TARGETS = [TARGETS[0], TARGETS[-1]]
MODES = ["trailing", "valid", "centered"]
POLICIES = ["skip", "propagate"]
DTYPES = ["float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint64", "uint32", "uint16", "uint8",
          "bool"]
BOTTLENECK_SET = ["mean", "sum", "var", "std", "min", "max", "argmin", "argmax"]
FLOAT_OUT = {"float32", "float16"}


def fn(stat):
    """move_<stat>, with the statistic's positional parameters (quantile's q)
    bound to their registry defaults, so that every statistic takes
    (a, window, min_count, axis, ...) here."""
    f = getattr(mwk, "move_" + stat)
    pos = STATS[stat].get("positional", [])
    if not pos:
        return f
    fixed = [STATS[stat]["params"][p] for p in pos]

    def bound(a, window, *args, **kwargs):
        return f(a, window, *fixed, *args, **kwargs)

    bound.__name__ = f.__name__
    bound.__doc__ = f.__doc__
    return bound


def algos(stat):
    """This build's algorithms for `stat`, auto first (from the registry)."""
    return INFO["statistics"][stat]


def out_dtype(stat, dtype):
    return np.float32 if STATS[stat]["keeps_float32"] and str(dtype) in FLOAT_OUT else np.float64


def kw(stat, ddof):
    return {"ddof": ddof} if "ddof" in STATS[stat]["params"] else {}


def make_row(dtype, n, rng, specials=True):
    """A row with ties, NaN and inf runs (floats), and the extremes of the
    integer range (uint64 above 2**53 included)."""
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return rng.random(n) < 0.5
    if dt.kind in "iu":
        info = np.iinfo(dt)
        lo, hi = (max(info.min, -(2**62)), min(info.max, 2**62)) if dt.itemsize == 8 else (info.min, info.max)
        x = rng.integers(lo, hi, size=n, endpoint=True, dtype=dt)
        small = rng.random(n) < 0.3  # ties
        x[small] = rng.integers(0, 3, size=int(small.sum())).astype(dt)
        ext = rng.random(n) < 0.1
        x[ext] = rng.choice(np.array([info.min, info.max], dtype=dt), size=int(ext.sum()))
        if dt == np.uint64:
            big = rng.random(n) < 0.2
            x[big] = (np.uint64(2**63) + rng.integers(0, 2**20, size=int(big.sum())).astype(np.uint64) * 1031)
        return x
    x = rng.normal(size=n) * 10
    ties = rng.random(n) < 0.3
    x[ties] = rng.integers(-2, 3, size=int(ties.sum()))
    if specials:
        x[rng.random(n) < 0.12] = np.nan
        if n > 10:
            k = int(rng.integers(0, n - 3))
            x[k:k + 3] = np.nan  # a run
        x[rng.random(n) < 0.04] = np.inf
        x[rng.random(n) < 0.04] = -np.inf
    return x.astype(dt)


# ---------------------------------------------------------------- registry
def test_registry_drives_the_api():
    assert NAMES, "empty registry"
    for name, s in STATS.items():
        f = getattr(mwk, "move_" + name)
        assert f.__name__ == "move_" + name and f.__module__ == "mwk"
        assert "move_" + name in mwk.__all__
        assert pickle.loads(pickle.dumps(f)) is f  # process pools pickle functions by name
        assert s["contract"] and s["contract"].split()[0] in f.__doc__.replace("\n", " ")
        algs = list(s["algorithms"])
        assert algs[0] == "auto" and algs[1] == "naive", "auto first, then the reference"
        assert algos(name) == [a for a, ok in s["algorithms"].items() if ok]
        import inspect

        sig = inspect.signature(f)
        names = list(sig.parameters)
        pos = s["positional"]  # required, right after window (quantile's q)
        assert names[:4 + len(pos)] == ["a", "window", *pos, "min_count", "axis"]
        rest = [p for p in s["params"] if p not in pos]
        assert names[4 + len(pos):4 + len(pos) + len(rest)] == rest
        for p in pos:
            assert sig.parameters[p].default is inspect.Parameter.empty
        for p in rest:
            assert sig.parameters[p].default == s["params"][p]
        kwonly = [p for p in names if sig.parameters[p].kind is inspect.Parameter.KEYWORD_ONLY]
        assert kwonly == ["mode", "algorithm", "nan_policy", "out", "threads", "target", "group_offsets"]
    assert set(INFO["statistics"]) == set(NAMES)


def test_tracebacks_show_the_generated_source():
    try:
        mwk.move_sum(np.arange(3.0), 5)
    except ValueError:
        tb = traceback.format_exc()
    assert "<mwk registry: move_sum>" in tb and "return _move(" in tb


def test_bottleneck_set_complete():
    missing = [s for s in BOTTLENECK_SET if s not in STATS]
    assert not missing, f"registry lacks {missing}"


# ------------------------------------------------------- vs bottleneck
def bn_fix(stat, want):
    """The one intended difference from bottleneck: var/std of a window whose
    count equals ddof. bottleneck divides by zero there and gives inf in the
    sliding phase (move_var([-5, 2, nan, nan, 0], 3, 1, ddof=1) ends in inf,
    inf) but NaN in the others; mwk gives NaN throughout, as the header and
    NumPy (np.nanvar([1.0], ddof=1)) do. bottleneck's var/std test arrays hold
    no inf (it replaces them by 8), so an inf from it is always that case."""
    if stat in ("var", "std"):
        want = np.where(np.isinf(want), np.nan, want)
    return want


def bn_input(stat, a):
    """bottleneck's argmin/argmax lose an infinite extremum when a NaN follows
    it in the window (move_argmin([inf, nan], 2, 1) gives [0, 0]; the minimum,
    inf, is 1 behind the newest element, as mwk says). Its answer on the same
    data with the infinities replaced by the largest finite values (the same
    order) is the right one to compare with."""
    if stat in ("argmin", "argmax") and a.dtype.kind == "f" and np.isinf(a).any():
        big = np.finfo(a.dtype).max
        a = np.where(np.isposinf(a), big, np.where(np.isneginf(a), -big, a)).astype(a.dtype)
    return a


@pytest.mark.skipif(bn is None, reason="bottleneck not installed")
@pytest.mark.parametrize("stat", [s for s in BOTTLENECK_SET if s in STATS])
def test_bottleneck_own_arguments(stat):
    """bottleneck's own test arrays (bottleneck.tests.util.arrays), axes,
    windows and min_counts, with its own tolerance (decimal 5, 3 for var)."""
    f, g = fn(stat), getattr(bn, "move_" + stat)
    decimal0 = 3 if stat == "var" else 5
    ddofs = [0, 1] if "ddof" in STATS[stat]["params"] else [None]
    checked = 0
    for a in bn_arrays("move_" + stat):
        # bottleneck computes float16 in float16 (its slow path), mwk in float64
        decimal = 3 if a.dtype == np.float16 else decimal0
        for axis in range(-1, a.ndim):
            for window in range(1, a.shape[axis] + 1):
                for mc in list(range(1, window + 1)) + [None]:
                    for ddof in ddofs:
                        extra = {} if ddof is None else {"ddof": ddof}
                        want = bn_fix(stat, g(bn_input(stat, a), window, mc, axis=axis, **extra))
                        got = f(a, window, mc, axis=axis, **extra)
                        # numpy's assert_array_almost_equal rule, cheaply; the
                        # full assertion (and message) only on a mismatch
                        same_nan = np.array_equal(np.isnan(got), np.isnan(want))
                        with np.errstate(invalid="ignore"):
                            close = same_nan and np.all((got == want) | np.isnan(want)
                                                        | (abs(got - want) < 1.5 * 10.0**-decimal))
                        if not close:
                            msg = f"{stat} w={window} mc={mc} axis={axis} {extra} dtype={a.dtype}\n{a!r}"
                            np.testing.assert_array_almost_equal(got, want, decimal, err_msg=msg)
                        # (bottleneck answers byte-swapped input in the same
                        # byte order; its slow float16 path keeps float16; its
                        # argmin/argmax keep float32, mwk's are float64 always)
                        if a.dtype != np.float16 and stat not in ("argmin", "argmax"):
                            assert got.dtype == want.dtype.newbyteorder("="), (stat, a.dtype, got.dtype, want.dtype)
                        checked += 1
    assert checked > 500


@pytest.mark.skipif(bn is None, reason="bottleneck not installed")
@pytest.mark.parametrize("stat", [s for s in BOTTLENECK_SET if s in STATS])
def test_bottleneck_argument_parsing(stat):
    """bottleneck's test_arg_parsing / test_arg_parse_raises, on mwk."""
    f, g = fn(stat), getattr(bn, "move_" + stat)
    a = np.array([1.0, 2, 3])
    for args, kwargs in [((a, 2), {}), ((a, 2, 1), {}), ((a,), dict(window=2)), ((a,), dict(window=2, min_count=1)),
                         ((a,), dict(window=2, min_count=1, axis=0)), ((a,), dict(min_count=1, window=2, axis=0)),
                         ((a,), dict(axis=-1, min_count=None, window=2)),
                         ((), dict(a=a, axis=-1, min_count=None, window=2)), ((a, 1, 1, -1), {})]:
        np.testing.assert_array_almost_equal(f(*args, **kwargs), g(*args, **kwargs))
    if "ddof" in STATS[stat]["params"]:
        np.testing.assert_array_almost_equal(f(a, 2, 1, -1, ddof=1), g(a, 2, 1, -1, ddof=1))
        np.testing.assert_array_almost_equal(f(a, 2, 1, -1, 1), g(a, 2, 1, -1, 1))
    for args, kwargs in [((), {}), ((), dict(axis=a)), ((a, 2), dict(axis=0, extra=0)), ((a, 2), dict(axis=0, a=a)),
                         ((a, 2, 2, 0, 0, 0), {}), ((a, 2), dict(axis="0")), ((a, 1), dict(min_count="1"))]:
        with pytest.raises(TypeError):
            f(*args, **kwargs)
    if "ddof" not in STATS[stat]["params"]:
        with pytest.raises(TypeError):
            f(a, 2, ddof=0)


@pytest.mark.skipif(bn is None, reason="bottleneck not installed")
@pytest.mark.parametrize("stat", [s for s in BOTTLENECK_SET if s in STATS])
def test_bottleneck_random_nd(stat):
    rng = np.random.default_rng(5)
    a = rng.normal(size=(4, 5, 30))
    a[rng.random(a.shape) < 0.15] = np.nan
    a[:, :, 10:14] = np.nan  # a run longer than small windows
    f, g = fn(stat), getattr(bn, "move_" + stat)
    for axis, w in itertools.product([0, 1, 2, -1], [1, 2, 4, 9]):
        w = min(w, a.shape[axis])
        for mc in {None, 1, w}:
            extra = {"ddof": 1} if "ddof" in STATS[stat]["params"] else {}
            np.testing.assert_allclose(f(a, w, mc, axis=axis, **extra), bn_fix(stat, g(a, w, mc, axis=axis, **extra)),
                                       rtol=1e-9, atol=1e-10)  # bottleneck's running sums: not exact


# ------------------------------------------------- vs exact references
CASES = [(1, [1]), (7, [1, 2, 7]), (40, [1, 3, 16, 40]), (131, [37])]


@pytest.mark.parametrize("stat", NAMES)
def test_reference_every_algorithm_dtype_mode(stat):
    """Every algorithm of the registry x every dtype x mode x NaN policy x
    min_count, each row against the exact reference (fft's bound is
    row-relative: its values are checked in test_fft_row_relative_bound)."""
    rng = np.random.default_rng(sum(map(ord, stat)))
    f = fn(stat)
    ddofs = [0, 1] if "ddof" in STATS[stat]["params"] else [0]
    for dtype in DTYPES:
        for n, windows in CASES:
            x = make_row(dtype, n, rng)
            for w, mode, pol in itertools.product(windows, MODES, POLICIES):
                for mc in {None, 1, max(1, w // 3)}:
                    ddof = ddofs[(w + n + (mc or 0)) % len(ddofs)]
                    ref = ref_stat(x, w, stat, mc, mode, pol, ddof)
                    for algo in algos(stat):
                        y = f(x, w, mc, mode=mode, nan_policy=pol, algorithm=algo, **kw(stat, ddof))
                        assert y.dtype == out_dtype(stat, dtype)
                        assert_stat(y, x, w, stat, mc, mode, pol, ddof, ref=ref,
                                    slack=math.inf if algo == "fft" else 1.0)


@pytest.mark.parametrize("stat", NAMES)
def test_reference_every_target(stat):
    """Every SIMD target this CPU supports, every algorithm, per call."""
    rng = np.random.default_rng(11)
    f = fn(stat)
    rows = [make_row("float64", 300, rng), make_row("float32", 131, rng), make_row("int16", 77, rng),
            make_row("float64", 257, rng, specials=False)]
    for x in rows:
        for w, mode in [(1, "trailing"), (5, "centered"), (64, "valid"), (77, "trailing")]:
            ref = ref_stat(x, w, stat, 1, mode)
            for target, algo in itertools.product(TARGETS, algos(stat)):
                y = f(x, w, 1, mode=mode, algorithm=algo, target=target)
                assert_stat(y, x, w, stat, 1, mode, ref=ref, slack=math.inf if algo == "fft" else 1.0)


@pytest.mark.parametrize("stat", [s for s in NAMES if "fft" in algos(s)])
def test_fft_row_relative_bound(stat):
    rng = np.random.default_rng(3)
    x = rng.normal(size=2000) + 5
    x[rng.random(2000) < 0.05] = np.nan
    for w in (1, 10, 300):
        y = fn(stat)(x, w, 1, algorithm="fft")
        exp, _ = ref_stat(x, w, stat, 1)
        c = np.array([hi - lo for lo, hi in (window_bounds(i, 2000, w, "trailing") for i in range(2000))])
        mx = np.nanmax(np.abs(x))
        tol = 8 * math.log2(4 * 2000) * 2.0**-53 * w * mx * (1 if stat in ("sum", "weighted_sum") else 1 / c) * 4
        fin = np.isfinite(exp)
        assert np.all(np.abs(y[fin] - exp[fin]) <= tol[fin] if np.ndim(tol) else tol)


def _uint64_row():
    x = (np.uint64(2**63) + np.arange(50, dtype=np.uint64) * np.uint64(977)) % np.uint64(2**64 - 1)
    x[::7] = np.uint64(2**64 - 1)
    return x


def test_reference_sampled_uint64_beyond_2_53():
    x = _uint64_row()
    for stat in NAMES:
        if stat in ("argmin", "argmax"):
            continue  # test_argminmax_int64_beyond_2_53_exact
        for w in (1, 3, 10):
            assert_stat(fn(stat)(x, w, **kw(stat, 0)), x, w, stat)
    if "max" in STATS:
        # the exact extremum, rounded once: 2**64-1 -> 2**64
        assert fn("max")(x, 3)[-1] == float(np.uint64(2**64 - 1))


@pytest.mark.parametrize("stat", ["argmin", "argmax"])
def test_argminmax_int64_beyond_2_53_exact(stat):
    # Distinct integers beyond 2**53 that round to the same double must not
    # tie (bottleneck rounds and ties them); every mode, min_count.
    if stat not in STATS:
        pytest.skip(f"{stat} not in the registry")
    x = np.array([2**60, 2**60 + 1] if stat == "argmin" else [2**60 + 1, 2**60], dtype=np.int64)
    np.testing.assert_array_equal(fn(stat)(x, 2, 1), [0.0, 1.0])  # the exact extremum is the older one
    y = _uint64_row()
    for w in (3, 10):
        assert_stat(fn(stat)(y, w), y, w, stat)
        for mode in ("valid", "centered"):
            assert_stat(fn(stat)(y, w, 1, mode=mode), y, w, stat, 1, mode=mode)


def test_uint16_spectrometer_counts():
    rng = np.random.default_rng(16)
    x = rng.poisson(900, size=(3, 4000)).astype(np.uint16)
    x[1, 100:110] = 65535  # saturated channels
    for stat in NAMES:
        y = fn(stat)(x, 101, axis=1, mode="valid", **kw(stat, 1))
        assert y.dtype == np.float64 and y.shape == (3, 3900)
        for r in range(3):
            assert_stat(y[r], x[r], 101, stat, mode="valid", ddof=1, rows=range(0, 3900, 37))


# ---------------------------------------------------------------- layouts
def _rowwise(f, a, w, mc, axis, **k):
    b = np.moveaxis(a, axis, -1)
    rows = [f(np.ascontiguousarray(r), w, mc, **k) for r in b.reshape(-1, b.shape[-1])]
    out = np.stack(rows) if rows else np.empty((0, out_len(b.shape[-1], w, k.get("mode", "trailing"))))
    return np.moveaxis(out.reshape(b.shape[:-1] + (out.shape[-1],)), -1, axis)


def _views(a):
    yield "plain", a
    yield "T", a.T
    yield "rev", a[::-1, ::-1, ::-1]
    yield "step", np.repeat(a, 2, axis=1)[:, ::2]
    yield "fortran", np.asfortranarray(a)
    yield "swapped", a.astype(a.dtype.newbyteorder()) if a.dtype.itemsize > 1 else a
    raw = np.zeros(a.nbytes + 1, np.uint8)
    mis = np.ndarray(a.shape, a.dtype, buffer=raw, offset=1) if a.dtype.itemsize > 1 else a
    mis[...] = a
    yield "misaligned", mis


@pytest.mark.parametrize("stat", NAMES)
def test_views_axes_threads_bit_identical(stat):
    """Any view, axis and thread count gives the bits of row-by-row calls on
    contiguous copies."""
    rng = np.random.default_rng(7)
    f = fn(stat)
    for dtype in ["float64", "float32", "uint16", "int8", "bool", "float16"]:
        a = make_row(dtype, 4 * 5 * 9, rng).reshape(4, 5, 9)
        for (vname, v), axis in itertools.product(_views(a), [0, 1, 2, -1]):
            w = min(3, v.shape[axis])
            for mode, threads in [("trailing", None), ("valid", 1), ("centered", 2), ("trailing", 3)]:
                got = f(v, w, 1, axis=axis, mode=mode, threads=threads, **kw(stat, 0))
                want = _rowwise(f, np.asarray(v), w, 1, axis, mode=mode, **kw(stat, 0))
                np.testing.assert_array_equal(got, want, err_msg=f"{stat} {dtype} {vname} axis={axis} {mode}")


@pytest.mark.parametrize("stat", NAMES)
def test_threads_and_long_rows_bit_identical(stat):
    """Rows of 70,000 are cut into segments (max(65536, 8w) windows each)
    that threads share; the results must not depend on the thread count.
    The O(n*w) reference algorithm runs on a shorter window."""
    rng = np.random.default_rng(8)
    a = rng.normal(size=(4, 70000))
    a[:, 1000:1100] = np.nan
    a[2, 5000] = np.inf
    a[1, 66000:66600] = 3.0
    f = fn(stat)
    for algo in algos(stat):
        w = 20 if algo == "naive" else 500
        r1 = f(a, w, 10, algorithm=algo, threads=1)
        for t in (2, 5):
            np.testing.assert_array_equal(f(a, w, 10, algorithm=algo, threads=t), r1, err_msg=f"{stat} {algo} {t}")
        np.testing.assert_array_equal(f(a[3], w, 10, algorithm=algo, threads=2), r1[3])


@pytest.mark.parametrize("stat", NAMES)
def test_out_argument(stat):
    f = fn(stat)
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 30))
    want = f(a, 5)
    out = np.empty((4, 30))
    assert f(a, 5, out=out) is out
    np.testing.assert_array_equal(out, want)
    big = np.zeros((4, 52))
    f(a, 5, mode="valid", out=big[:, ::2])
    np.testing.assert_array_equal(big[:, ::2], f(a, 5, mode="valid"))
    b = a.copy()
    f(b, 5, out=b)  # in place: overlapping memory goes through a temporary
    np.testing.assert_array_equal(b, want)
    swapped = np.empty((4, 30), dtype=">f8")
    f(a, 5, out=swapped)
    np.testing.assert_array_equal(swapped, want)
    f32 = a.astype(np.float32)
    odt = out_dtype(stat, "float32")
    o = np.empty(f32.shape, odt)
    f(f32, 3, out=o)
    np.testing.assert_array_equal(o, f(f32, 3))
    wrong = np.float64 if odt == np.float32 else np.float32
    with pytest.raises(TypeError, match="out must have dtype"):
        f(f32, 3, out=np.empty(f32.shape, wrong))


@pytest.mark.parametrize("stat", NAMES)
def test_lists_empty_and_shapes(stat):
    f = fn(stat)
    assert f(np.zeros((0, 5)), 3).shape == (0, 5)
    assert f(np.zeros((0, 5)), 3, mode="valid").shape == (0, 3)
    assert f(np.zeros((3, 1, 5)), 5, mode="valid").shape == (3, 1, 1)
    assert f([1, 2, 3, 4], 2).shape == (4,)
    assert f([True, False, True], 2).dtype == np.float64


# ------------------------------------------------------------ numerics
def _algos_of(*names):
    return [(s, a) for s in names if s in STATS for a in algos(s)]


@pytest.mark.parametrize("stat,algo", _algos_of("var", "std"))
def test_var_offset_1e8(stat, algo):
    """1e8 + N(0,1), w=1000: within the header's bound (8 (w+4) 2^-53 var,
    about 9e-13 relative); peers err by 1e-8 (Polars) to 9e-7 (pandas)."""
    rng = np.random.default_rng(1)
    x = 1e8 + rng.normal(size=6000)
    y = fn(stat)(x, 1000, algorithm=algo)
    assert_stat(y, x, 1000, stat)
    exp, _ = ref_stat(x, 1000, stat)
    rel = np.nanmax(np.abs(y - exp) / exp)
    assert rel < 8 * 1004 * 2.0**-53


@pytest.mark.parametrize("stat,algo", _algos_of("mean", "sum", "var", "std"))
def test_spike_leaves(stat, algo):
    """A 1e12 spike, then values ~1e-3: every window after it has left is
    accurate (bottleneck's var is 50% wrong a million samples later)."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=4000) * 1e-3
    x[1000] = 1e12
    y = fn(stat)(x, 100, algorithm=algo)
    if algo == "fft":
        np.testing.assert_array_equal(np.isnan(y), np.isnan(ref_stat(x, 100, stat)[0]))
        return
    assert_stat(y, x, 100, stat)
    exp, _ = ref_stat(x, 100, stat)
    after = slice(1100, None)
    np.testing.assert_allclose(y[after], exp[after], rtol=1e-10 if stat in ("var", "std") else 1e-12)


@pytest.mark.parametrize("stat,algo", _algos_of("var", "std"))
def test_constant_windows_exactly_zero(stat, algo):
    rng = np.random.default_rng(4)
    x = np.concatenate([rng.normal(size=500) * 1e6, np.full(500, 0.1 * 3), rng.normal(size=300),
                        np.full(400, -7.3e-5), [np.nan] * 10, np.full(300, 1e300 / 3)])
    w = 50
    y = fn(stat)(x, w, algorithm=algo)
    for lo, hi in [(500, 1000), (1300, 1700), (1710, 2010)]:
        seg = y[lo + w - 1:hi]
        assert np.all(seg == 0.0), f"{stat}/{algo}: constant windows give {seg[seg != 0][:5]}"
    assert np.all(y[~np.isnan(y)] >= 0)


@pytest.mark.parametrize("stat", NAMES)
def test_inf_entering_and_leaving(stat):
    x = np.linspace(1.0, 2.0, 600)
    x[200] = np.inf
    x[400] = -np.inf
    for algo in algos(stat):
        y = fn(stat)(x, 20, algorithm=algo)
        exp, _ = ref_stat(x, 20, stat)
        inside = np.r_[200:220, 400:420]
        if stat in ("var", "std"):
            assert np.isnan(y[inside]).all()
        assert_stat(y, x, 20, stat, slack=math.inf if algo == "fft" else 1.0)
        assert np.isfinite(y[220:400]).all() and np.isfinite(y[420:]).all()
        np.testing.assert_allclose(y[420:], exp[420:], rtol=1e-13)


@pytest.mark.parametrize("stat", NAMES)
def test_nan_runs_with_min_count(stat):
    rng = np.random.default_rng(6)
    x = rng.normal(size=400)
    x[50:90] = np.nan
    x[200:215] = np.nan
    x[rng.random(400) < 0.1] = np.nan
    for algo, mc, mode in itertools.product(algos(stat), [1, 5, 20], MODES):
        y = fn(stat)(x, 20, mc, mode=mode, algorithm=algo)
        assert_stat(y, x, 20, stat, mc, mode, slack=math.inf if algo == "fft" else 1.0)


@pytest.mark.parametrize("stat", NAMES)
def test_float32_long_row_accumulates_in_float64(stat):
    """float32 over 2e6 samples (1e6 + N(0,1)): accumulated in float64 and
    rounded once, so sampled windows are within the contract plus one float32
    ulp (bottleneck's float32 move_std errs by 1e-2)."""
    rng = np.random.default_rng(9)
    n, w = (200_000 if QUICK else 2_000_000), 1000
    x = (1e6 + rng.normal(size=n)).astype(np.float32)
    y = fn(stat)(x, w, **kw(stat, 0))
    assert y.dtype == out_dtype(stat, "float32")
    for i in list(range(w - 1, n, n // 150)) + [n - 1]:
        seg = x[i - w + 1:i + 1]
        assert_stat(y[i:i + 1], seg, w, stat, mode="valid")


def test_argminmax_ties_are_newest():
    if "argmin" not in STATS:
        pytest.skip("argmin not in the registry yet")
    x = np.array([1.0, 1.0, 0.0, 0.0, 2.0, 2.0, np.nan, 2.0])
    for algo in algos("argmin"):
        np.testing.assert_array_equal(mwk.move_argmin(x, 3, 1, algorithm=algo), [0, 0, 0, 0, 1, 2, 1, 0])
    for algo in algos("argmax"):
        np.testing.assert_array_equal(mwk.move_argmax(x, 3, 1, algorithm=algo), [0, 0, 1, 2, 0, 0, 1, 0])


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize("stat", NAMES)
def test_errors_name_the_argument(stat):
    f = fn(stat)
    a = np.arange(10.0)
    with pytest.raises(ValueError, match=r"window \(=11\) must be <= the length"):
        f(a, 11)
    with pytest.raises(ValueError, match="algorithm must be one of 'auto', 'naive'"):
        f(a, 3, algorithm="nope")
    other = [x for x in mwk._mwk.options()["algorithm"] if x not in STATS[stat]["algorithms"]]
    for o in other:
        with pytest.raises(ValueError, match=f"algorithm must be one of .* for move_{stat}; got '{o}'"):
            f(a, 3, algorithm=o)
    with pytest.raises(ValueError, match="target='nope' names no SIMD target"):
        f(a, 3, target="nope")
    with pytest.raises(TypeError, match="target must be None or a str"):
        f(a, 3, target=1)
    with pytest.raises(TypeError, match=f"move_{stat} does not support dtype complex128"):
        f(a.astype(complex), 3)
    if "ddof" in STATS[stat]["params"]:
        with pytest.raises(ValueError, match="ddof must be an integer >= 0"):
            f(a, 3, ddof=-1)
        with pytest.raises(TypeError, match="ddof must be an integer"):
            f(a, 3, ddof=1.0)
        assert np.isnan(f(a, 3, ddof=3)).all()
    else:
        with pytest.raises(TypeError, match="ddof"):
            mwk.move(stat, a, 3, ddof=1)


def test_generic_move():
    a = np.arange(10.0)
    for s in STATS.values():
        np.testing.assert_array_equal(mwk.move(s["name"], a, 3), fn(s["name"])(a, 3))
        np.testing.assert_array_equal(mwk.move(s["id"], a, 3), fn(s["name"])(a, 3))
        np.testing.assert_array_equal(mwk.move(np.int64(s["id"]), a, np.int32(3)), fn(s["name"])(a, 3))
    with pytest.raises(ValueError, match="stat must be one of 'mean'"):
        mwk.move("median_of_medians", a, 3)
    with pytest.raises(ValueError, match="stat must be one of"):
        mwk.move(len(STATS), a, 3)
    for bad in (1.5, True, None):
        with pytest.raises(TypeError, match="stat must be a str"):
            mwk.move(bad, a, 3)
    with pytest.raises(TypeError, match="at most 5 positional"):
        mwk.move("mean", a, 3, None, -1, "valid")
    with pytest.raises(TypeError, match="unexpected keyword argument 'windw'"):
        mwk.move("mean", a, windw=3)
    with pytest.raises(TypeError, match="multiple values for argument 'window'"):
        mwk.move("mean", a, 3, window=3)
    with pytest.raises(TypeError, match="missing required argument 'window'"):
        mwk.move("mean", a)


def test_docstrings_examples():
    import doctest

    for name in NAMES:
        f = fn(name)
        assert f.__doc__.startswith("Moving window")
        for section in ("Parameters", "Returns", "Raises", "Notes"):
            assert section in f.__doc__
        assert "longer than the data raises ValueError" in f.__doc__
        for algo in algos(name):
            assert repr(algo) in f.__doc__
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for name in NAMES:
        for t in finder.find(fn(name), "move_" + name, globs={"np": np, "mwk": mwk}):
            runner.run(t)
    assert runner.failures == 0


# ------------------------------------------------- one property test
try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as hst
except ImportError:  # pragma: no cover
    given = None

if given is not None:

    @settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    @given(stat=hst.sampled_from(NAMES), dtype=hst.sampled_from(DTYPES), n=hst.integers(1, 50),
           seed=hst.integers(0, 2**32 - 1), data=hst.data())
    def test_property_any_row(stat, dtype, n, seed, data):
        """Random rows, windows, modes, policies, min_counts and algorithms
        (fixed seed: the same examples every run)."""
        x = make_row(dtype, n, np.random.default_rng(seed))
        w = data.draw(hst.integers(1, n))
        mc = data.draw(hst.one_of(hst.none(), hst.integers(1, w)))
        mode, pol = data.draw(hst.sampled_from(MODES)), data.draw(hst.sampled_from(POLICIES))
        algo = data.draw(hst.sampled_from(algos(stat)))
        ddof = data.draw(hst.integers(0, 2)) if "ddof" in STATS[stat]["params"] else 0
        y = fn(stat)(x, w, mc, mode=mode, nan_policy=pol, algorithm=algo, **kw(stat, ddof))
        assert_stat(y, x, w, stat, mc, mode, pol, ddof, slack=math.inf if algo == "fft" else 1.0)


def test_views_are_read_in_place():
    """NumPy's allocations (tracemalloc sees them) during a call with `out`
    given: none for strided, reversed and transposed views of any dtype; one
    copy of the input for a byte-swapped one."""
    import tracemalloc

    stat = NAMES[0]
    f = fn(stat)
    for dtype in ["float64", "float32", "float16", "uint16", "int8", "bool", "uint64"]:
        base = make_row(dtype, 400_000, np.random.default_rng(1), specials=False).reshape(500, 800)
        for view in (base[:, ::2], base[::-1, ::-3], base.T[::2]):
            axis = -1
            out = np.empty(view.shape, out_dtype(stat, dtype))
            tracemalloc.start()
            f(view, 5, out=out, axis=axis)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            assert peak < 64 * 1024, (dtype, view.strides, peak)
        if base.dtype.itemsize > 1:
            swapped = base.astype(base.dtype.newbyteorder())
            out = np.empty(base.shape, out_dtype(stat, dtype))
            tracemalloc.start()
            f(swapped, 5, out=out)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            assert base.nbytes <= peak < base.nbytes + 64 * 1024, (dtype, peak)


def test_broadcast_input():
    """Zero strides (np.broadcast_to) are read in place: a constant row, or
    rows that are all the same row."""
    r = make_row("float64", 12, np.random.default_rng(2))
    for stat in NAMES:
        f = fn(stat)
        np.testing.assert_array_equal(f(np.broadcast_to(r, (4, 12)), 3, 1), np.tile(f(r, 3, 1), (4, 1)))
        c = np.broadcast_to(np.float32(2.5), (3, 7))
        np.testing.assert_array_equal(f(c, 3, 1, axis=0), f(np.full((3, 7), np.float32(2.5)), 3, 1, axis=0))


@pytest.mark.parametrize("stat", [s for s in ("var", "std") if s in STATS])
def test_variance_beyond_double_range(stat):
    """A variance beyond the double range is +inf; the std of that window is
    still finite (the header); tiny data keeps its std too."""
    rng = np.random.default_rng(12)
    for scale in (1e200, 1e-200):
        x = rng.normal(size=300) * scale
        x[100] = np.nan
        for algo in algos(stat):
            y = fn(stat)(x, 7, 2, algorithm=algo)
            assert_stat(y, x, 7, stat, 2)
            if stat == "std":
                assert np.isfinite(y[6:][~np.isnan(y[6:])]).all()
