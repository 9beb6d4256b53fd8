"""move_<stat>(..., group_offsets=): the window restarts at each group.

Every statistic of the registry, every mode, random group sizes (empty
groups, groups shorter than the window), along any axis: bit-identical to one
call per group (what the C contract promises), and equal to pandas'
groupby().rolling() for the statistics pandas has. Bad offsets raise.
"""
import zlib

import numpy as np
import pytest

import mwk

STATS = [s["name"] for s in mwk.statistics()]
MODES = ["trailing", "centered", "valid"]


def _offsets(rng, n, w):
    sizes = []
    while sum(sizes) < n:
        u = rng.integers(10)
        size = 0 if u == 0 else int(rng.integers(1, max(w, 2))) if u < 3 else int(rng.integers(w, 4 * w + 2))
        sizes.append(min(size, n - sum(sizes)))
    return np.r_[0, np.cumsum(sizes)].astype(np.int64)


def _args(name, w):
    """Positional parameters a statistic needs (quantile's q, the taps)."""
    if name == "quantile":
        return (0.3,)
    return ()


def _per_group(fn, x, w, offs, mode, min_count, axis=-1, **kw):
    """The reference: one call per non-empty group, clipped windows for
    groups shorter than the window (the group_offsets rule)."""
    parts = []
    xm = np.moveaxis(x, axis, -1)
    for g in range(len(offs) - 1):
        seg = xm[..., offs[g]:offs[g + 1]]
        if seg.shape[-1] == 0:
            continue
        if seg.shape[-1] < w:
            # mwk's clip rule for a short row, through the C library: a group
            # of its own (the single-group call is the one-call reference).
            r = fn(seg, w, min_count=min_count, mode=mode,
                   group_offsets=[0, seg.shape[-1]], **kw)
        else:
            r = fn(seg, w, min_count=min_count, mode=mode, **kw)
        parts.append(r)
    out = np.concatenate(parts, axis=-1) if parts else np.empty(xm.shape[:-1] + (0,))
    return np.moveaxis(out, -1, axis)


@pytest.mark.parametrize("name", STATS)
@pytest.mark.parametrize("mode", MODES)
def test_every_statistic_bit_identical(name, mode):
    rng = np.random.default_rng(zlib.crc32(f"{name} {mode}".encode()))
    fn = getattr(mwk, "move_" + name)
    for w in (1, 3, 8):
        n = 200
        x = rng.normal(size=n) * 10
        x[rng.integers(0, n, 6)] = np.nan
        x[rng.integers(0, n, 2)] = np.inf
        offs = _offsets(rng, n, w)
        mc = int(rng.integers(1, w + 1))
        got = fn(x, w, *_args(name, w), min_count=mc, mode=mode, group_offsets=offs)
        want = _per_group(lambda a, ww, **k: fn(a, ww, *_args(name, w), **k), x, w, offs, mode, mc)
        np.testing.assert_array_equal(got, want)  # NaN == NaN; bit-identical values
        assert got.tobytes() == want.tobytes()


def test_short_group_is_clipped_not_an_error():
    x = np.arange(10.0)
    got = mwk.move_mean(x, 4, min_count=1, group_offsets=[0, 2, 2, 10])
    np.testing.assert_array_equal(got[:2], [0.0, 0.5])
    np.testing.assert_array_equal(got[2:], mwk.move_mean(x[2:], 4, min_count=1))
    assert mwk.move_sum(x, 4, group_offsets=[0, 2, 10], mode="valid").shape == (5,)
    # without group_offsets the bottleneck rule stays
    with pytest.raises(ValueError, match="window"):
        mwk.move_mean(x[:2], 4)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_along_axis_and_quantiles(axis):
    rng = np.random.default_rng(axis + 5)
    x = rng.normal(size=(7, 60)) if axis != 0 else rng.normal(size=(60, 7))
    n = x.shape[axis]
    offs = _offsets(rng, n, 5)
    for mode in MODES:
        got = mwk.move_std(x, 5, min_count=2, axis=axis, mode=mode, group_offsets=offs, ddof=1)
        want = _per_group(lambda a, w, **k: mwk.move_std(a, w, ddof=1, **k), x, 5, offs, mode, 2, axis=axis)
        assert got.tobytes() == want.tobytes()
    # several quantiles per window: a trailing axis of len(q)
    got = mwk.move_quantile(x, 5, [0.1, 0.9], min_count=1, axis=axis, group_offsets=offs)
    assert got.shape == x.shape + (2,)
    lane = np.moveaxis(x, axis, -1)[0]
    want = np.concatenate([mwk.move_quantile(lane[a:b], min(5, b - a), [0.1, 0.9], min_count=1) if b - a >= 5
                           else mwk.move_quantile(lane[a:b], 5, [0.1, 0.9], min_count=1, group_offsets=[0, b - a])
                           for a, b in zip(offs[:-1], offs[1:]) if b > a])
    assert np.moveaxis(got, axis % x.ndim, -2)[0].tobytes() == want.tobytes()


def test_dtypes_and_out():
    rng = np.random.default_rng(3)
    offs = np.array([0, 10, 25, 25, 40], dtype=np.int32)  # any integer dtype
    for dt in (np.float32, np.int16, np.uint8, np.int64):
        x = (rng.normal(size=40) * 20).astype(dt)
        got = mwk.move_max(x, 4, min_count=1, group_offsets=offs)
        want = np.concatenate([mwk.move_max(x[a:b], 4, min_count=1) for a, b in zip(offs[:-1], offs[1:]) if b > a])
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes()
    out = np.empty(40)
    r = mwk.move_mean(np.arange(40.0), 3, group_offsets=offs, out=out)
    assert r is out


def test_against_pandas_groupby_rolling():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(7)
    n = 2000
    keys = np.sort(rng.integers(0, 150, n))
    x = rng.normal(size=n)
    x[rng.integers(0, n, 20)] = np.nan
    offs = np.r_[0, np.cumsum(np.bincount(keys))].astype(np.int64)
    df = pd.DataFrame({"k": keys, "x": x})
    for stat, kw in (("mean", {}), ("sum", {}), ("std", {"ddof": 1}), ("var", {"ddof": 1}), ("min", {}),
                     ("max", {}), ("median", {})):
        for w, mc in ((5, 1), (5, 5), (12, 3)):
            ours = getattr(mwk, "move_" + stat)(x, w, min_count=mc, group_offsets=offs, **kw)
            roll = df.groupby("k", sort=False)["x"].rolling(w, min_periods=mc)
            theirs = getattr(roll, stat)(**kw).to_numpy()
            np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12, err_msg=f"{stat} w={w} mc={mc}")


@pytest.mark.parametrize("offs,match", [
    ([1, 5, 10], "start at 0"),
    ([0, 5, 9], "end at"),
    ([0, 6, 5, 10], "non-decreasing"),
    ([[0, 10]], "1-D"),
    ([], "1-D"),
])
def test_bad_offsets(offs, match):
    with pytest.raises(ValueError, match=match):
        mwk.move_mean(np.arange(10.0), 3, group_offsets=offs)


def test_bad_offsets_type():
    with pytest.raises(TypeError, match="integers"):
        mwk.move_mean(np.arange(10.0), 3, group_offsets=np.array([0.0, 10.0]))
