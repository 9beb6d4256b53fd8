"""The Polars plugin: equality with Polars' own rolling_mean and with the NumPy
path, chunked / sliced / null / empty inputs, lazy and streaming engines,
errors, the kwargs reader."""
from __future__ import annotations

import concurrent.futures as cf
import ctypes
import math
import pickle

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pl = pytest.importorskip("polars")
import mwk  # noqa: E402
import mwk.polars  # noqa: E402,F401

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------ helpers
def assert_series_match(got: "pl.Series", want: "pl.Series", rtol=1e-12):
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.len() == want.len()
    gn, wn = got.is_null().to_list(), want.is_null().to_list()
    assert gn == wn, f"null masks differ:\n{got.to_list()}\n{want.to_list()}"
    g = np.array([v for v in got.to_list() if v is not None], dtype=np.float64)
    w = np.array([v for v in want.to_list() if v is not None], dtype=np.float64)
    np.testing.assert_array_equal(np.isnan(g), np.isnan(w))
    inf = np.isinf(w)
    np.testing.assert_array_equal(g[inf], w[inf])
    fin = np.isfinite(w)
    scale = np.max(np.abs(w[fin])) if fin.any() else 1.0
    np.testing.assert_allclose(g[fin], w[fin], rtol=rtol, atol=rtol * scale)


def values(draw, dtype, n):
    if dtype in (pl.Float64, pl.Float32):
        el = st.one_of(st.floats(-1e3, 1e3, width=32), st.none(), st.just(float("nan")),
                       st.sampled_from([float("inf"), float("-inf")]))
        el = st.one_of(el, st.floats(-1e3, 1e3, width=32), st.floats(-1e3, 1e3, width=32))
    elif dtype == pl.Boolean:
        el = st.one_of(st.booleans(), st.none())
    else:
        info = {pl.Int8: 2**7, pl.Int16: 2**15, pl.Int32: 2**31, pl.Int64: 2**40, pl.UInt8: 2**8,
                pl.UInt32: 2**32, pl.UInt64: 2**40}[dtype]
        lo = 0 if dtype in (pl.UInt8, pl.UInt32, pl.UInt64) else -info
        el = st.one_of(st.integers(lo, info - 1), st.integers(lo, info - 1), st.none())
    return draw(st.lists(el, min_size=n, max_size=n))


@st.composite
def column_case(draw):
    dtype = draw(st.sampled_from([pl.Float64, pl.Float64, pl.Float32, pl.Int64, pl.Int32, pl.Int8,
                                  pl.UInt32, pl.UInt64, pl.Boolean]))
    n = draw(st.integers(0, 30))
    vals = values(draw, dtype, n)
    # split into chunks and maybe slice: the inputs Polars really hands over
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=3)))
    parts, prev = [], 0
    for c in cuts + [n]:
        parts.append(pl.Series("x", vals[prev:c], dtype=dtype))
        prev = c
    s = pl.concat(parts, rechunk=False) if len(parts) > 1 else parts[0]
    if draw(st.booleans()) and n > 2:
        off = draw(st.integers(0, n - 1))
        s = s.slice(off, draw(st.integers(0, n - off)))
    w = draw(st.integers(1, 35))
    ms = draw(st.one_of(st.none(), st.integers(0, w)))
    center = draw(st.booleans())
    return s, w, ms, center


# ------------------------------------------------------------- rolling_mean
@SETTINGS
@given(case=column_case())
def test_rolling_mean_matches_polars(case):
    s, w, ms, center = case
    got = s.mwk.rolling_mean(w, min_samples=ms, center=center)
    want = s.rolling_mean(w, min_samples=ms, center=center)
    assert got.name == s.name
    assert_series_match(got, want, rtol=1e-5 if s.dtype == pl.Float32 else 1e-12)


def test_rolling_mean_examples():
    s = pl.Series("a", [1.0, None, float("nan"), 4.0, 5.0, None, 7.0, 8.0, 9.0])
    assert_series_match(s.mwk.rolling_mean(3, min_samples=1), s.rolling_mean(3, min_samples=1))
    # NaN is a value: it makes its windows NaN, and counts toward min_samples
    r = s.mwk.rolling_mean(2, min_samples=1).to_list()
    assert r[0] == 1.0 and math.isnan(r[2]) and math.isnan(r[3]) and r[4] == 4.5
    # window longer than the column: all null by default, clipped windows with min_samples
    assert s.mwk.rolling_mean(20).null_count() == 9
    assert_series_match(s.mwk.rolling_mean(20, min_samples=1, center=True),
                        s.rolling_mean(20, min_samples=1, center=True))
    e = pl.Series("e", [], dtype=pl.Float64)
    assert e.mwk.rolling_mean(3).to_list() == []
    assert e.mwk.rolling_mean(3).dtype == pl.Float64


def test_rolling_mean_large_and_multichunk():
    rng = np.random.default_rng(0)
    x = rng.normal(size=100_000) * 1e3
    x[rng.random(x.size) < 0.01] = np.nan
    parts = [pl.Series("x", x[i:i + 7919]) for i in range(0, x.size, 7919)]
    s = pl.concat(parts, rechunk=False)
    assert s.n_chunks() > 10
    for center in (False, True):
        got = s.mwk.rolling_mean(1000, center=center)
        assert_series_match(got, s.rolling_mean(1000, center=center), rtol=1e-10)
        np.testing.assert_array_equal(
            got.to_numpy(), mwk.move_mean(x, 1000, nan_policy="propagate",
                                          mode="centered" if center else "trailing"))


def test_rolling_mean_in_contexts():
    df = pl.DataFrame({"g": [1, 1, 2, 2, 2, 1, 2], "x": [1.0, 2.0, 3.0, None, 5.0, 6.0, 7.0]})
    got = df.select(pl.col("x").mwk.rolling_mean(2, min_samples=1).over("g"))
    want = df.select(pl.col("x").rolling_mean(2, min_samples=1).over("g"))
    assert_series_match(got.to_series(), want.to_series())
    got = df.group_by("g", maintain_order=True).agg(pl.col("x").mwk.rolling_mean(2))
    want = df.group_by("g", maintain_order=True).agg(pl.col("x").rolling_mean(2))
    assert got["x"].to_list() == want["x"].to_list()
    lz = df.lazy().with_columns(r=pl.col("x").mwk.rolling_mean(3, min_samples=1, center=True))
    for engine in ("in-memory", "streaming"):
        out = lz.collect(engine=engine)
        assert_series_match(out["r"], df["x"].rolling_mean(3, min_samples=1, center=True).alias("r"))


# --------------------------------------------------------------- moving_mean
def numpy_rows(rows, w, mode, ms, policy="skip"):
    out = []
    for r in rows:
        if r is None:
            out.append(None)
            continue
        a = np.array([np.nan if v is None else v for v in r], dtype=np.float64)
        if mode == "valid" and w > len(a):
            out.append([])
        elif w > len(a):
            out.append(None if False else list(_clipped(a, w, mode, ms, policy)))
        else:
            out.append(list(mwk.move_mean(a, w, ms, mode=mode, nan_policy=policy)))
    return out


def _clipped(a, w, mode, ms, policy):
    """Reference for windows longer than the row (trailing/centered)."""
    from reference import ref_1d

    # ref_1d handles any w for trailing/centered since it clips bounds
    return ref_1d(a, w, ms, mode, policy)[0]


def rows_equal(got, want, exact=True):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        if w is None:
            assert g is None
            continue
        g = np.array(g, dtype=np.float64)
        w = np.array(w, dtype=np.float64)
        if exact:
            np.testing.assert_array_equal(g, w)
        else:
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", ["valid", "trailing", "centered"])
@pytest.mark.parametrize("dtype", [pl.Float64, pl.Float32])
def test_moving_mean_array_matches_numpy(mode, dtype):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(200, 64))
    X[rng.random(X.shape) < 0.05] = np.nan
    npdt = np.float32 if dtype == pl.Float32 else np.float64
    X = X.astype(npdt)
    s = pl.Series("spec", X, dtype=pl.Array(dtype, 64))
    for w, ms in [(1, None), (7, None), (7, 3), (64, 1)]:
        got = s.mwk.moving_mean(w, mode=mode, min_samples=ms)
        want = mwk.move_mean(X, w, ms, mode=mode)
        m = want.shape[1]
        assert got.dtype == pl.Array(dtype, m)
        np.testing.assert_array_equal(got.to_numpy(), want)


def test_moving_mean_array_chunks_slices_nulls():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(50, 16))
    parts = [pl.Series("s", X[i:i + 13], dtype=pl.Array(pl.Float64, 16)) for i in range(0, 50, 13)]
    s = pl.concat(parts, rechunk=False).slice(3, 40)
    assert s.n_chunks() > 1
    got = s.mwk.moving_mean(4)
    np.testing.assert_array_equal(got.to_numpy(), mwk.move_mean(X[3:43], 4, mode="valid"))
    # null rows and null elements (elements: treated as NaN)
    rows = [list(r) for r in X[:6]]
    rows[1] = None
    rows[3][2] = None
    s = pl.Series("s", rows, dtype=pl.Array(pl.Float64, 16))
    got = s.mwk.moving_mean(3, mode="centered", min_samples=2).to_list()
    want = numpy_rows(rows, 3, "centered", 2)
    rows_equal(got, want)
    # integer inner dtype
    si = pl.Series("i", [[1, 2, 3, 4], [5, 6, 7, 8]], dtype=pl.Array(pl.Int32, 4))
    assert si.mwk.moving_mean(2).to_list() == [[1.5, 2.5, 3.5], [5.5, 6.5, 7.5]]


@SETTINGS
@given(rows=st.lists(st.one_of(st.none(), st.lists(st.one_of(st.floats(-100, 100), st.none(),
                                                              st.just(float("nan"))), max_size=12)),
                     max_size=12),
       w=st.integers(1, 14), mode=st.sampled_from(["valid", "trailing", "centered"]),
       ms=st.one_of(st.none(), st.integers(1, 14)), policy=st.sampled_from(["skip", "propagate"]),
       f32=st.booleans(), cut=st.integers(0, 12))
def test_moving_mean_list_matches_numpy(rows, w, mode, ms, policy, f32, cut):
    if ms is not None and ms > w:
        ms = w
    dt = pl.List(pl.Float32 if f32 else pl.Float64)
    if f32:
        rows = [None if r is None else [None if v is None else float(np.float32(v)) for v in r] for r in rows]
    s = pl.concat([pl.Series("l", rows[:cut], dtype=dt), pl.Series("l", rows[cut:], dtype=dt)], rechunk=False)
    got = s.mwk.moving_mean(w, mode=mode, min_samples=ms, nan_policy=policy)
    assert got.dtype == dt
    want = []
    for r in rows:
        if r is None:
            want.append(None)
            continue
        a = np.array([np.nan if v is None else v for v in r], dtype=np.float32 if f32 else np.float64)
        if len(a) >= w:
            want.append(list(mwk.move_mean(a, w, ms, mode=mode, nan_policy=policy)))
        elif mode == "valid":
            want.append([])
        else:
            from reference import ref_1d

            ref = ref_1d(a.astype(np.float64), w, ms, mode, policy)[0]
            want.append(list(ref.astype(a.dtype)))
    got_l = got.to_list()
    for g, wv in zip(got_l, want):
        if wv is None:
            assert g is None
        else:
            np.testing.assert_allclose(np.array(g, dtype=np.float64), np.array(wv, dtype=np.float64),
                                       rtol=1e-6 if f32 else 1e-13, atol=1e-6 if f32 else 1e-12)


def test_moving_mean_lazy_streaming_parquet(tmp_path):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(5000, 32))
    df = pl.DataFrame({"id": np.arange(5000), "spec": X}, schema={"id": pl.Int64, "spec": pl.Array(pl.Float64, 32)})
    want = mwk.move_mean(X, 5, mode="valid")
    lz = df.lazy().with_columns(sm=pl.col("spec").mwk.moving_mean(5))
    for engine in ("in-memory", "streaming"):
        out = lz.collect(engine=engine).sort("id")
        np.testing.assert_array_equal(out["sm"].to_numpy(), want)
    path = tmp_path / "out.parquet"
    lz.sink_parquet(path)
    back = pl.read_parquet(path).sort("id")
    assert back["sm"].dtype == pl.Array(pl.Float64, 28)
    np.testing.assert_array_equal(back["sm"].to_numpy(), want)
    # scanning the file back and running the plugin on it again
    src = tmp_path / "in.parquet"
    df.write_parquet(src, row_group_size=700)
    out = (pl.scan_parquet(src).filter(pl.col("id") % 3 == 0)
           .select("id", pl.col("spec").mwk.moving_mean(5, mode="centered")).collect(engine="streaming").sort("id"))
    np.testing.assert_array_equal(out["spec"].to_numpy(), mwk.move_mean(X[::3], 5, mode="centered"))


def test_thread_pool_identical():
    rng = np.random.default_rng(8)
    frames = [pl.DataFrame({"x": rng.normal(size=3000), "a": rng.normal(size=(3000, 8))},
                           schema={"x": pl.Float64, "a": pl.Array(pl.Float64, 8)}) for _ in range(12)]

    def run(df):
        return df.select(pl.col("x").mwk.rolling_mean(50, center=True), pl.col("a").mwk.moving_mean(3))

    serial = [run(f) for f in frames]
    with cf.ThreadPoolExecutor(6) as ex:
        par = list(ex.map(run, frames * 3))
    for k, p in enumerate(par):
        assert p.equals(serial[k % len(frames)])


# -------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda e: e.mwk.rolling_mean(0), ValueError, "window_size"),
        (lambda e: e.mwk.rolling_mean(2.5), TypeError, "window_size"),
        (lambda e: e.mwk.rolling_mean(True), TypeError, "window_size"),
        (lambda e: e.mwk.rolling_mean(3, min_samples=4), ValueError, "min_samples"),
        (lambda e: e.mwk.rolling_mean(3, min_samples=-1), ValueError, "min_samples"),
        (lambda e: e.mwk.rolling_mean(3, center=1), TypeError, "center"),
        (lambda e: e.mwk.moving_mean(0), ValueError, "window"),
        (lambda e: e.mwk.moving_mean(3, mode="same"), ValueError, "mode"),
        (lambda e: e.mwk.moving_mean(3, min_samples=0), ValueError, "min_samples"),
        (lambda e: e.mwk.moving_mean(3, nan_policy="omit"), ValueError, "nan_policy"),
        (lambda e: e.mwk.moving_mean(3, threads=0), ValueError, "threads"),
    ],
)
def test_bad_arguments(call, exc, match):
    with pytest.raises(exc, match=match):
        call(pl.col("x"))


def test_errors_reach_user_as_polars_errors():
    df = pl.DataFrame({"s": ["a", "b"], "arr": [[1.0, 2.0], [3.0, 4.0]]},
                      schema={"s": pl.String, "arr": pl.Array(pl.Float64, 2)})
    with pytest.raises(pl.exceptions.ComputeError, match="mwk.rolling_mean: unsupported column dtype"):
        df.select(pl.col("s").mwk.rolling_mean(2))
    with pytest.raises(pl.exceptions.ComputeError, match="mwk.moving_mean: unsupported column dtype"):
        df.select(pl.col("s").mwk.moving_mean(2))
    with pytest.raises(pl.exceptions.ComputeError, match="longer than the Array width"):
        df.select(pl.col("arr").mwk.moving_mean(3))
    with pytest.raises(pl.exceptions.ComputeError, match="mwk.rolling_mean: unsupported column dtype"):
        df.lazy().select(pl.col("arr").mwk.rolling_mean(2)).collect()
    # the process keeps working after errors
    assert df.select(pl.col("arr").mwk.moving_mean(2))["arr"].to_list() == [[1.5], [3.5]]


# ---------------------------------------------------- kwargs reader (ctypes)
class ArrowSchema(ctypes.Structure):
    pass


ArrowSchema._fields_ = [
    ("format", ctypes.c_char_p), ("name", ctypes.c_char_p), ("metadata", ctypes.c_char_p),
    ("flags", ctypes.c_int64), ("n_children", ctypes.c_int64),
    ("children", ctypes.POINTER(ctypes.POINTER(ArrowSchema))), ("dictionary", ctypes.POINTER(ArrowSchema)),
    ("release", ctypes.CFUNCTYPE(None, ctypes.POINTER(ArrowSchema))), ("private_data", ctypes.c_void_p),
]


@pytest.fixture(scope="module")
def lib():
    so = ctypes.CDLL(str(mwk.polars.PLUGIN_PATH))
    so._polars_plugin_get_last_error_message.restype = ctypes.c_char_p
    so._polars_plugin_get_version.restype = ctypes.c_uint32
    return so


def call_field(lib, kwargs: bytes | None, fmt=b"g", length=None):
    field = ArrowSchema(format=fmt, name=b"x", flags=2)
    ret = ArrowSchema()
    buf = ctypes.create_string_buffer(kwargs, len(kwargs)) if kwargs else None
    n = len(kwargs) if length is None and kwargs else (length or 0)
    lib._polars_plugin_field_rolling_mean(ctypes.byref(field), ctypes.c_size_t(1), ctypes.byref(ret), buf,
                                          ctypes.c_size_t(n))
    if ret.private_data:
        out = ret.format
        ret.release(ctypes.byref(ret))
        assert not ret.private_data and not ret.release
        return out, None
    return None, lib._polars_plugin_get_last_error_message().decode()


def test_plugin_version(lib):
    assert lib._polars_plugin_get_version() == 1


@pytest.mark.parametrize("proto", [2, 3, 4, 5])
@pytest.mark.parametrize("w", [1, 200, 70000, 2**31 - 1, 2**40, 2**62])
def test_kwargs_accepted(lib, proto, w):
    kw = pickle.dumps({"window_size": w, "min_samples": None, "center": True}, protocol=proto)
    fmt, err = call_field(lib, kw)
    assert err is None and fmt == b"g"
    kw = pickle.dumps({"window_size": w, "min_samples": 1, "center": False}, protocol=proto)
    assert call_field(lib, kw, fmt=b"f")[0] == b"f"


@pytest.mark.parametrize(
    "obj, match",
    [
        ({"window_size": [3]}, "opcode"),
        # bytes are read (the weighted statistics' taps), then rejected by type
        ({"window_size": 3, "center": b"x"}, "center must be a bool"),
        ({"window_size": 3, "center": bytearray(b"x")}, "opcode"),
        ({"window_size": 3.0}, "integer"),
        ({"window_size": -2}, ">= 1"),
        ({"window_size": 2**70}, "64 bits"),
        ({"window_size": 3, "bogus": 1}, "unknown keyword argument 'bogus'"),
        ({"window_size": 3, "min_samples": 5}, "min_samples"),
        ({"window_size": 3, "center": "yes"}, "center"),
        ({"min_samples": 1}, "required"),
        ([1, 2], "opcode"),
        ({"window_size": 3, "x": {"a": 1}}, "flat dict"),
    ],
)
def test_kwargs_rejected(lib, obj, match):
    fmt, err = call_field(lib, pickle.dumps(obj, protocol=5))
    assert fmt is None
    assert "mwk.rolling_mean" in err and pytest.importorskip("re").search(match, err), err


def test_kwargs_malformed_bytes(lib):
    good = pickle.dumps({"window_size": 3}, protocol=5)
    for bad in [good[:-1], good[:5], good + b".", b"\x80\x05cos\nsystem\n.", b"\xff" * 8, b"."]:
        fmt, err = call_field(lib, bad)
        assert fmt is None and err
    # kwargs_len 0: the pointer is not read (NULL here), window_size is missing
    fmt, err = call_field(lib, None, length=0)
    assert fmt is None and "required" in err
    # a bad dtype is reported by the field function
    fmt, err = call_field(lib, good, fmt=b"u")
    assert fmt is None and "unsupported column dtype" in err


@pytest.mark.parametrize("algorithm", ["auto", "naive", "ring", "prefix", "fft"])
def test_moving_mean_forced_algorithm_matches_numpy(algorithm):
    # The plugin's `algorithm` reaches the C library: the result is bit-identical
    # to the NumPy path with the same algorithm forced.
    rng = np.random.default_rng(7)
    x = rng.standard_normal((6, 400)) + 1e6
    s = pl.Series("s", x, dtype=pl.Array(pl.Float64, 400))
    got = np.vstack(s.mwk.moving_mean(37, algorithm=algorithm).to_list())
    want = mwk.move_mean(x, 37, axis=1, mode="valid", algorithm=algorithm)
    assert np.array_equal(got, want)


def test_moving_mean_bad_algorithm():
    s = pl.Series("s", np.zeros((2, 10)), dtype=pl.Array(pl.Float64, 10))
    with pytest.raises(ValueError, match="algorithm must be one of"):
        s.mwk.moving_mean(3, algorithm="fastest")
    with pytest.raises(TypeError, match="algorithm must be a str"):
        s.mwk.moving_mean(3, algorithm=1)
