"""mwk.Stream: pushes of any chunking, concatenated, are bit-identical to one
move_<stat> call over the concatenation (the contract of include/mwk_stream.h),
for every statistic, several algorithms each, every mode, NaN policy, dtypes,
2-D batches; the state survives to_bytes/pickle (also into another process);
bad bytes and misuse are clear errors."""
from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import mwk
from mwk import _mwk

STATS = {s["name"]: s for s in mwk.statistics()}
MODES = ("trailing", "valid", "centered")


def params_for(name, rng):
    """Parameters that exercise the statistic (a sequence of q for quantile)."""
    p = STATS[name]["params"]
    kw = {}
    if "ddof" in p:
        kw["ddof"] = int(rng.integers(0, 2))
    if "q" in p:
        kw["q"] = [0.1, 0.5, 0.9] if rng.random() < 0.5 else 0.3
        kw["interpolation"] = str(rng.choice(["linear", "lower", "nearest", "midpoint"]))
    return kw


def weights_for(name, window, rng):
    if "weights" in STATS[name]["params"]:
        return {"weights": rng.normal(size=window) + 2.0, "min_weight": 0.25}
    return {}


def cuts(n, rng, k=None):
    """Random chunk lengths summing to n, with 0- and 1-length chunks."""
    k = k if k is not None else int(rng.integers(1, 12))
    pts = np.sort(rng.integers(0, n + 1, size=k))
    pts = np.concatenate([[0], pts, [n]])
    sizes = list(np.diff(pts))
    sizes.insert(int(rng.integers(0, len(sizes) + 1)), 0)
    sizes.insert(int(rng.integers(0, len(sizes) + 1)), 0)
    return sizes


def bits(a):
    a = np.ascontiguousarray(a)
    return a.view({8: np.int64, 4: np.int32, 2: np.int16}[a.dtype.itemsize])


def assert_bit_identical(got, want, what=""):
    assert got.dtype == want.dtype, (what, got.dtype, want.dtype)
    assert got.shape == want.shape, (what, got.shape, want.shape)
    if not np.array_equal(bits(got), bits(want)):
        bad = np.flatnonzero(bits(got).ravel() != bits(want).ravel())
        raise AssertionError(f"{what}: {bad.size} outputs differ, first at {bad[:5]}: "
                             f"{got.ravel()[bad[:3]]} vs {want.ravel()[bad[:3]]}")


def run_stream(s, x, sizes, axis=-1):
    outs, at = [], 0
    for k in sizes:
        sl = [slice(None)] * x.ndim
        sl[axis] = slice(at, at + k)
        outs.append(s.push(x[tuple(sl)]))
        at += k
    outs.append(s.finish())
    return np.concatenate(outs, axis=0 if x.ndim == 1 or axis == 0 else 1)  # (rows, n[, nq]) or (n, ...)


def data(n, rng, dtype=np.float64, nan=0.05, shape=None):
    shape = shape or (n,)
    x = rng.normal(size=shape) * 10.0
    if nan:
        x[rng.random(shape) < nan] = np.nan
        x[rng.random(shape) < nan / 5] = np.inf
    return x.astype(dtype) if dtype != np.float64 else x


# --------------------------------------------------------------- identity
@pytest.mark.parametrize("name", sorted(STATS))
def test_every_statistic_algorithm_mode_is_bit_identical(name):
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    algos = [a for a, ok in STATS[name]["algorithms"].items() if ok]
    for algo in algos:
        for mode in MODES:
            for window in (1, 2, 7, 40):
                n = int(rng.integers(window, 260))
                x = data(n, rng)
                kw = {**params_for(name, rng), **weights_for(name, window, rng)}
                nan_policy = str(rng.choice(["skip", "propagate"]))
                min_count = None if rng.random() < 0.5 else int(rng.integers(1, window + 1))
                want = _mwk.move(name, x, window, min_count, mode=mode, algorithm=algo,
                                 nan_policy=nan_policy, **kw)
                s = mwk.Stream(name, window, min_count, mode=mode, algorithm=algo, nan_policy=nan_policy, **kw)
                got = run_stream(s, x, cuts(n, rng))
                assert_bit_identical(got, want, f"{name} {algo} {mode} w={window} n={n} {kw}")
                assert s.finished and s.n_in == n


@pytest.mark.parametrize("name", ["mean", "std", "max", "median", "sum", "weighted_mean", "argmin"])
def test_one_value_at_a_time(name):
    rng = np.random.default_rng(1)
    x = data(150, rng)
    for mode in MODES:
        kw = weights_for(name, 9, rng)
        want = _mwk.move(name, x, 9, mode=mode, **kw)
        s = mwk.Stream(name, 9, mode=mode, **kw)
        got = run_stream(s, x, [1] * 150)
        assert_bit_identical(got, want, f"{name} {mode}")


@pytest.mark.parametrize("name,algo", [("mean", "ring"), ("mean", "fft"), ("mean", "auto"), ("sum", "prefix"),
                                       ("var", "welford"), ("std", "auto"), ("max", "deque"),
                                       ("median", "auto"), ("weighted_sum", "fft"), ("rank", "auto")])
def test_across_segments(name, algo):
    """Longer than one segment of the one-call grid (max(65536, 8w) windows),
    so running-state algorithms hold and release whole segments."""
    if not STATS[name]["algorithms"].get(algo, False):
        pytest.skip(f"{algo} not in this build")
    rng = np.random.default_rng(2)
    n, w = 150_000, 300 if name != "rank" else 40
    x = data(n, rng, nan=0.001)
    kw = weights_for(name, w, rng)
    for mode in ("trailing", "centered"):
        want = _mwk.move(name, x, w, mode=mode, algorithm=algo, **kw)
        s = mwk.Stream(name, w, mode=mode, algorithm=algo, **kw)
        got = run_stream(s, x, cuts(n, rng, 30))
        assert_bit_identical(got, want, f"{name} {algo} {mode}")
        assert s.n_emitted == n


@pytest.mark.parametrize("dtype", ["float32", "float16", "int64", "int32", "int8", "uint64", "uint16", "uint8",
                                   "bool", ">f8"])
def test_dtypes(dtype):
    rng = np.random.default_rng(3)
    n = 300
    if dtype == "bool":
        x = rng.random(n) < 0.5
    elif np.dtype(dtype).kind in "iu":
        x = rng.integers(0, 100, size=n).astype(dtype)
    else:
        x = data(n, rng).astype(dtype)
    for name in ("mean", "var", "min", "median", "quantile", "argmax"):
        kw = {"q": [0.25, 0.75]} if name == "quantile" else {}
        want = _mwk.move(name, x, 11, **kw)
        s = mwk.Stream(name, 11, **kw)
        got = run_stream(s, x, cuts(n, rng))
        assert_bit_identical(got, want, f"{name} {dtype}")
        assert got.dtype == getattr(mwk, "move_" + name)(x, 11, *([[0.25, 0.75]] if kw else [])).dtype


def test_2d_batches_both_axes():
    rng = np.random.default_rng(4)
    rows, n, w = 5, 400, 13
    x = data(n, rng, shape=(rows, n))
    for name in ("mean", "max", "quantile", "std"):
        kw = {"q": [0.2, 0.8]} if name == "quantile" else {}
        for mode in MODES:
            want = _mwk.move(name, x, w, None, -1, mode=mode, **kw)
            got = run_stream(mwk.Stream(name, w, mode=mode, **kw), x, cuts(n, rng), axis=-1)
            assert_bit_identical(got, want, f"{name} {mode} axis -1")
            xt = np.ascontiguousarray(x.T)  # (n, rows): one spectrum per row, channels are the streams
            want0 = _mwk.move(name, xt, w, None, 0, mode=mode, **kw)
            got0 = run_stream(mwk.Stream(name, w, mode=mode, axis=0, **kw), xt, cuts(n, rng), axis=0)
            assert_bit_identical(got0, want0, f"{name} {mode} axis 0")
    # strided and reversed views are read in place
    s = mwk.Stream("mean", w, rows=rows)
    got = run_stream(s, x[:, ::-2], cuts(x[:, ::-2].shape[1], rng))
    assert_bit_identical(got, _mwk.move("mean", x[:, ::-2], w), "strided")


def test_threads_and_rows_fixed_in_advance():
    rng = np.random.default_rng(5)
    x = data(1000, rng, shape=(8, 1000))
    want = mwk.move_std(x, 50, ddof=1)
    s = mwk.Stream("std", 50, ddof=1, rows=8, dtype=np.float64, threads=2)
    assert s.algorithm is not None and s.n_in == 0  # created at once
    assert_bit_identical(run_stream(s, x, cuts(1000, rng)), want)
    with pytest.raises(ValueError, match="rows"):
        mwk.Stream("mean", 5, rows=3).push(np.zeros((4, 10)))


def test_nan_policy_min_count_and_named_windows():
    rng = np.random.default_rng(6)
    x = data(500, rng, nan=0.2)
    for kw in ({"nan_policy": "propagate"}, {"min_count": 3}, {"mode": "centered", "min_count": 1}):
        want = mwk.move_mean(x, 10, **kw)
        got = run_stream(mwk.Stream("mean", 10, **kw), x, cuts(500, rng))
        assert_bit_identical(got, want, str(kw))
    want = mwk.move_weighted_mean(x, 9, window_type="hann", min_count=1)
    got = run_stream(mwk.Stream("weighted_mean", 9, 1, window_type="hann"), x, cuts(500, rng))
    assert_bit_identical(got, want, "hann")
    taps = [1.0, 2.0, 3.0]
    assert_bit_identical(run_stream(mwk.Stream("weighted_sum", taps), x, cuts(500, rng)),
                         mwk.move_weighted_sum(x, taps), "taps as window")


def test_long_window():
    x = np.arange(5.0)
    s = mwk.Stream("mean", 8)
    s.push(x)
    with pytest.raises(ValueError, match="longer than"):
        s.finish()
    s = mwk.Stream("mean", 8, 1, long_window="clip", algorithm="naive")
    got = np.concatenate([s.push(x[:2]), s.push(x[2:]), s.finish()])
    assert_bit_identical(got, mwk.move_mean(x, 5, 1, algorithm="naive"))
    with pytest.raises(ValueError, match="long_window"):
        mwk.Stream("mean", 8, long_window="drop")


# --------------------------------------------------------------- state
def test_pickle_and_bytes_mid_stream():
    rng = np.random.default_rng(7)
    for name, kw, shape in (("mean", {}, (3000,)), ("median", {"mode": "centered"}, (3000,)),
                            ("quantile", {"q": [0.1, 0.9]}, (3, 3000)), ("var", {"algorithm": "welford"}, (3000,)),
                            ("weighted_mean", {"weights": np.arange(1.0, 31.0)}, (2, 3000))):
        x = data(3000, rng, shape=shape)
        w = 30
        want = _mwk.move(name, x, w, **kw)
        s = mwk.Stream(name, w, **kw)
        a = s.push(x[..., :1234])
        blob = pickle.dumps(s)
        raw = s.to_bytes()
        rest = [s.push(x[..., 1234:]), s.finish()]
        full = np.concatenate([a, *rest], axis=0 if x.ndim == 1 else 1)
        for t in (pickle.loads(blob), mwk.Stream.from_bytes(raw), mwk.Stream.from_bytes(bytearray(raw))):
            assert t.n_in == 1234 and not t.finished and t.stat == name
            got = np.concatenate([a, t.push(x[..., 1234:2000]), t.push(x[..., 2000:]), t.finish()],
                                 axis=0 if x.ndim == 1 else 1)
            assert_bit_identical(got, want, f"{name} restored")
        assert_bit_identical(full, want, name)
    # a stream never pushed to pickles too
    u = pickle.loads(pickle.dumps(mwk.Stream("max", 4)))
    assert_bit_identical(run_stream(u, np.arange(9.0), [4, 5]), mwk.move_max(np.arange(9.0), 4))


def test_pickle_into_another_process(tmp_path):
    rng = np.random.default_rng(8)
    x = data(5000, rng)
    want = mwk.move_std(x, 100, ddof=1)
    s = mwk.Stream("std", 100, ddof=1)
    head = s.push(x[:2500])
    (tmp_path / "state.pkl").write_bytes(pickle.dumps(s))
    np.save(tmp_path / "x.npy", x[2500:])
    code = textwrap.dedent(f"""
        import pickle, numpy as np
        s = pickle.loads(open({str(tmp_path / 'state.pkl')!r}, 'rb').read())
        x = np.load({str(tmp_path / 'x.npy')!r})
        np.save({str(tmp_path / 'tail.npy')!r}, np.concatenate([s.push(x), s.finish()]))
    """)
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    got = np.concatenate([head, np.load(tmp_path / "tail.npy")])
    assert_bit_identical(got, want, "across processes")


def test_bad_bytes_are_value_errors():
    s = mwk.Stream("mean", 20)
    s.push(np.arange(50.0))
    b = s.to_bytes()
    rng = np.random.default_rng(9)
    bad = [b"", b"x", b"MWKPYST1", b[:10], b[:-1], b[: len(b) // 2], b + b"\0", b"\0" * len(b),
           bytes(rng.integers(0, 256, size=len(b), dtype=np.uint8))]
    for k in list(range(0, len(b), max(1, len(b) // 40))) + [len(b) - 1]:
        flipped = bytearray(b)
        flipped[k] ^= 0x5A
        bad.append(bytes(flipped))
    for blob in bad:
        with pytest.raises(ValueError):
            mwk.Stream.from_bytes(blob)
    with pytest.raises(TypeError):
        mwk.Stream.from_bytes("not bytes")


def test_misuse_errors():
    s = mwk.Stream("mean", 3)
    s.push(np.arange(5.0))
    with pytest.raises(TypeError, match="dtype"):
        s.push(np.arange(5, dtype=np.float32))
    with pytest.raises(ValueError, match="1-D"):
        s.push(np.zeros((1, 5)))
    s.finish()
    with pytest.raises(ValueError, match="finished"):
        s.push(np.arange(2.0))
    with pytest.raises(ValueError, match="finished"):
        s.finish()
    assert s.finished
    with pytest.raises(TypeError, match="dtype"):
        mwk.Stream("mean", 3, dtype=np.float32).push(np.zeros(3))
    with pytest.raises(TypeError):
        mwk.Stream("mean", 3).push(np.array(["a", "b"]))
    for bad, exc in ((dict(stat="nope"), ValueError), (dict(window=0), ValueError), (dict(window=2.5), TypeError),
                     (dict(mode="left"), ValueError), (dict(algorithm="heap"), ValueError),
                     (dict(ddof=1), TypeError), (dict(min_count=9), ValueError),
                     (dict(target="nosuchsimd"), ValueError), (dict(threads=0), ValueError)):
        kw = dict(stat="mean", window=5)
        kw.update(bad)
        with pytest.raises(exc):
            mwk.Stream(kw.pop("stat"), kw.pop("window"), **kw)
    with pytest.raises(ValueError, match="nothing was pushed"):
        mwk.Stream("mean", 3).finish()


def test_properties_and_repr():
    s = mwk.Stream("median", 5, mode="centered")
    assert "not started" in repr(s)
    out = s.push(np.arange(10.0))
    assert s.n_in == 10 and s.n_emitted == out.shape[0] and s.window == 5 and s.stat == "median"
    assert s.algorithm in STATS["median"]["algorithms"] and s.algorithm != "auto"
    assert s.target in mwk.runtime_info()["supported_targets"]
    r = repr(s)
    assert "median" in r and "n_in=10" in r and s.algorithm in r
    tail = s.finish()
    assert s.n_emitted == 10 and tail.shape[0] == 10 - out.shape[0] and "finished" in repr(s)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
def test_no_leak():
    import gc
    import os

    def rss():
        gc.collect()
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    x = np.random.default_rng(10).normal(size=(4, 1200))

    def work():
        s = mwk.Stream("median", 20, mode="centered", rows=4)
        s.push(x[:, :500])
        t = pickle.loads(pickle.dumps(s))
        t.push(x[:, 500:])
        t.finish()
        with pytest.raises(ValueError):
            mwk.Stream.from_bytes(s.to_bytes()[:-3])

    for _ in range(10):
        work()
    before = rss()
    for _ in range(100):
        work()
    assert rss() - before < 10 * 2**20
