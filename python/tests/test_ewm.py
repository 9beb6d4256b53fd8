"""mwk.ewm_mean / ewm_sum / ewm_var / ewm_std (issue 11).

Every parameterisation against an independent reference written here: for
each output t, the weights of the definition (include/mwk_ewm.h) built term by
term in long double and the weighted sums taken directly. Then against pandas
and Polars where they are right; the cases where a peer departs from the
definition are listed in PEER_DIFFERENCES and each is shown by a test.
"""
import itertools
import math

import numpy as np
import pytest

import mwk

pd = pytest.importorskip("pandas")

LD = np.longdouble
U = 2.0 ** -53

# Where a peer is wrong (departs from the definition, or from its own
# documentation); each entry has a test below that shows it.
PEER_DIFFERENCES = {
    "pandas/polars adjust=False, ignore_na=False, NaN gaps":
        "pandas documents weights on absolute positions ((1-a)^2 and a for [x0, None, x2]), but its recursion "
        "(copied by Polars) resets the old weight to 1 after each observation, so from the second observation "
        "after a gap on it gives other numbers than its own documented weights",
    "pandas times= with ignore_na=True":
        "decays only by the time step ending at each observation, dropping the time elapsed up to NaN rows",
    "pandas +inf then -inf":
        "restarts from the next finite value after the NaN state; the weighted mean stays NaN",
    "polars null rows":
        "Polars returns null at null rows (pandas and mwk: the value of the definition, carried)",
    "polars ewm_mean_by vs pandas times=":
        "not a bug: Polars' ewm_mean_by is adjust=False, pandas' times= is adjust=True (Polars #21015)",
}


def _alpha(kind, v):
    v = LD(v)
    return {"com": 1 / (1 + v), "span": 2 / (v + 1), "halflife": 1 - np.exp2(-1 / v), "alpha": v}[kind]


def reference(stat, x, kind, v, adjust=True, ignore_na=False, min_periods=0, bias=False, times=None):
    """Direct weighted sums per output, in long double. times: float offsets (same unit as v)."""
    x = np.asarray(x, dtype=np.float64)
    n = x.size
    out = np.full(n, np.nan, dtype=LD)
    a = _alpha(kind, v)
    lam = 1 - a
    obs = ~np.isnan(x)
    cnt = np.cumsum(obs)
    minp = max(min_periods, 1)
    tau = None if times is None else np.asarray(times, dtype=LD)
    first = int(np.argmax(obs)) if obs.any() else n
    # gains
    g = np.ones(n, dtype=LD)
    if not adjust:
        prev = None
        for j in range(n):
            if not obs[j]:
                continue
            if j != first:
                if tau is None:
                    g[j] = a
                elif ignore_na:
                    g[j] = 1 - np.exp2(-(tau[j] - tau[prev]) / LD(v))
                else:
                    g[j] = 1 - np.exp2(-(tau[j] - tau[j - 1]) / LD(v))
            prev = j
    for t in range(n):
        if cnt[t] < minp:
            continue
        tt = t
        if not obs[t] and (stat != "sum" or ignore_na):
            tt = max(j for j in range(t + 1) if obs[j])
        js = np.nonzero(obs[: tt + 1])[0]
        if tau is not None:
            D = np.exp2(-(tau[tt] - tau[js]) / LD(v))
            if stat == "sum" and not ignore_na:
                D = np.exp2(-(tau[t] - tau[js]) / LD(v))
        elif ignore_na:
            D = lam ** (cnt[tt] - cnt[js]).astype(LD)
        else:
            D = lam ** (t - js).astype(LD) if stat == "sum" else lam ** (tt - js).astype(LD)
        w = g[js] * D
        xv = x[js].astype(LD)
        S = w.sum()
        if stat == "sum":
            out[t] = (w * xv).sum()
            continue
        m = (w * xv).sum() / S
        if stat == "mean":
            out[t] = m
            continue
        var = (w * (xv - m) ** 2).sum() / S
        if not bias:
            den = S * S - (w * w).sum()
            if not den > S * S * LD(1e-18):
                continue
            var = var * S * S / den
        out[t] = np.sqrt(var) if stat == "std" else var
    return out


def bound(stat, x, kind, v, ref, scale=64):
    """A loose form of the header's bounds: scale * u * (1/alpha + 2) * (weighted |x| level)."""
    a = float(_alpha(kind, v))
    level = np.nanmax(np.abs(np.asarray(x, dtype=np.float64))) if np.isfinite(np.nanmax(np.abs(x))) else 1.0
    eff = 1 / a + 2
    if stat == "sum":
        return scale * U * eff * level * eff + 4 * U * np.abs(ref.astype(np.float64))
    if stat == "mean":
        return scale * U * eff * level + 0 * ref
    r = np.abs(ref.astype(np.float64))
    return scale * U * eff * (r + level * level * U * 8) + 0 * ref


def check(got, ref, tol, what=""):
    got = np.asarray(got, dtype=np.float64)
    refd = ref.astype(np.float64)
    nan_ok = np.isnan(got) == np.isnan(refd)
    assert nan_ok.all(), f"{what}: NaN pattern differs at {np.nonzero(~nan_ok)[0][:5]}: {got[~nan_ok][:5]} vs {refd[~nan_ok][:5]}"
    fin = ~np.isnan(refd)
    err = np.abs(got[fin] - refd[fin])
    assert (err <= np.asarray(tol)[fin] if np.ndim(tol) else err <= tol).all(), \
        f"{what}: max err {err.max()} (tol {np.max(tol)})"


def data(n, pattern, seed=0, offset=3.0, scale=2.0):
    rng = np.random.default_rng(seed)
    x = offset + scale * rng.standard_normal(n)
    if pattern == "sparse":
        x[rng.random(n) < 0.1] = np.nan
    elif pattern == "lead":
        x[:5] = np.nan
        x[rng.random(n) < 0.05] = np.nan
    elif pattern == "gaps":
        x[(np.arange(n) // 7) % 3 == 1] = np.nan
    return x


DECAYS = [("alpha", 0.3), ("com", 0.5), ("span", 10.0), ("halflife", 3.3), ("alpha", 1.0), ("span", 200.0)]
PATTERNS = ["none", "sparse", "lead", "gaps"]
STATS = ["mean", "sum", "var", "std"]
FUNCS = {"mean": mwk.ewm_mean, "sum": mwk.ewm_sum, "var": mwk.ewm_var, "std": mwk.ewm_std}
TARGETS = mwk.runtime_info()["supported_targets"]


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("kind,v", DECAYS)
def test_every_parameterisation_against_reference(pattern, kind, v):
    x = data(53, pattern, seed=hash((pattern, kind)) % 1000)
    for stat, adjust, ignore_na, mp in itertools.product(STATS, (True, False), (False, True), (0, 3)):
        ref = reference(stat, x, kind, v, adjust, ignore_na, mp)
        tol = bound(stat, x, kind, v, ref)
        algos = ["naive", "auto"] + (["scan"] if stat in ("mean", "sum") else [])
        for algo in algos:
            for target in (TARGETS if algo != "naive" else [None]):
                got = FUNCS[stat](x, **{kind: v}, adjust=adjust, ignore_na=ignore_na, min_periods=mp,
                                  algorithm=algo, target=target)
                check(got, ref, tol, f"{stat} {kind}={v} adjust={adjust} ignore_na={ignore_na} mp={mp} "
                                     f"{algo} {target} {pattern}")


@pytest.mark.parametrize("bias", [False, True])
def test_var_bias(bias):
    x = data(40, "sparse", seed=3)
    for stat in ("var", "std"):
        ref = reference(stat, x, "span", 5.0, bias=bias)
        check(FUNCS[stat](x, span=5.0, bias=bias), ref, bound(stat, x, "span", 5.0, ref), stat)


@pytest.mark.parametrize("adjust", [True, False])
@pytest.mark.parametrize("ignore_na", [False, True])
def test_times_against_reference(adjust, ignore_na):
    rng = np.random.default_rng(7)
    n = 45
    steps = rng.integers(0, 4, n).astype(float) * 0.5  # ties too
    tau = 100.0 + np.cumsum(steps)
    x = data(n, "sparse", seed=8)
    for stat in STATS:
        ref = reference(stat, x, "halflife", 2.0, adjust, ignore_na, times=tau)
        got = FUNCS[stat](x, halflife=2.0, times=tau, adjust=adjust, ignore_na=ignore_na)
        check(got, ref, bound(stat, x, "halflife", 2.0, ref), f"times {stat}")
    # datetime times, halflife as a timedelta: same numbers in nanoseconds
    dt = (np.datetime64("2024-01-01T00:00:00", "ns") + (tau * 3600e9).astype("timedelta64[ns]"))
    got = mwk.ewm_mean(x, halflife=np.timedelta64(2, "h"), times=dt, adjust=adjust, ignore_na=ignore_na)
    ref = reference("mean", x, "halflife", 2.0, adjust, ignore_na, times=tau)
    check(got, ref, 1e-13)


def test_peers_agree_where_right():
    x = data(300, "sparse", seed=11)
    s = pd.Series(x)
    for kind, v in DECAYS:
        for adjust, ignore_na in itertools.product((True, False), (False, True)):
            if not adjust and not ignore_na:
                continue  # PEER_DIFFERENCES: pandas' recursion after NaN gaps
            kw = {kind: v}
            e = s.ewm(**kw, adjust=adjust, ignore_na=ignore_na)
            np.testing.assert_allclose(mwk.ewm_mean(x, **kw, adjust=adjust, ignore_na=ignore_na), e.mean(),
                                       rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(mwk.ewm_var(x, **kw, adjust=adjust, ignore_na=ignore_na), e.var(),
                                       rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(mwk.ewm_std(x, **kw, adjust=adjust, ignore_na=ignore_na, bias=True),
                                       e.std(bias=True), rtol=1e-10, atol=1e-12)
            if adjust:
                np.testing.assert_allclose(mwk.ewm_sum(x, **kw, ignore_na=ignore_na), e.sum(), rtol=1e-12)
    # without NaN every adjust/ignore_na agrees
    y = data(300, "none", seed=12)
    for adjust in (True, False):
        np.testing.assert_allclose(mwk.ewm_mean(y, span=20.0, adjust=adjust),
                                   pd.Series(y).ewm(span=20.0, adjust=adjust).mean(), rtol=1e-12)
    # pandas' times= (adjust=True) with and without NaN (ignore_na=False)
    t = pd.date_range("2024-01-01", periods=300, freq="37min").values
    np.testing.assert_allclose(mwk.ewm_mean(x, halflife="3h", times=t),
                               pd.Series(x).ewm(halflife="3h", times=t).mean(), rtol=1e-12)


def test_polars_agrees_where_right():
    pl = pytest.importorskip("polars")
    x = data(300, "sparse", seed=13)
    s = pl.Series(x).fill_nan(None)
    for adjust, ignore_na in itertools.product((True, False), (False, True)):
        if not adjust and not ignore_na:
            continue
        for name, kw in (("mean", {}), ("std", {"bias": False}), ("var", {"bias": True})):
            got = FUNCS[name](x, alpha=0.1, adjust=adjust, ignore_na=ignore_na, **kw)
            want = getattr(s, "ewm_" + name)(alpha=0.1, adjust=adjust, ignore_nulls=ignore_na, **kw).to_numpy()
            keep = ~np.isnan(x)  # PEER_DIFFERENCES: Polars' null rows
            np.testing.assert_allclose(got[keep], want[keep], rtol=1e-10, atol=1e-13)
    # ewm_mean_by is the adjust=False time decay
    t = np.cumsum(np.random.default_rng(1).integers(1, 5, 300)).astype("datetime64[s]").astype("datetime64[us]")
    y = data(300, "none", seed=14)
    want = pl.DataFrame({"t": t, "y": y}).select(pl.col("y").ewm_mean_by("t", half_life="7s"))["y"].to_numpy()
    np.testing.assert_allclose(mwk.ewm_mean(y, halflife=np.timedelta64(7, "s"), times=t, adjust=False), want,
                               rtol=1e-12)


def test_peer_differences_are_real():
    a = 0.3
    x = np.array([1.0, np.nan, 2.0, 5.0, 4.0])
    ours = mwk.ewm_mean(x, alpha=a, adjust=False)
    pand = pd.Series(x).ewm(alpha=a, adjust=False).mean().to_numpy()
    ref = reference("mean", x, "alpha", a, adjust=False).astype(float)
    np.testing.assert_allclose(ours, ref, rtol=1e-15)
    # pandas' documented weights hold at x2 ((1-a)^2 and a) ...
    assert ours[2] == pytest.approx(((1 - a) ** 2 * 1 + a * 2) / ((1 - a) ** 2 + a), rel=1e-15)
    assert pand[2] == pytest.approx(ours[2], rel=1e-15)
    # ... but not from the second observation after the gap on
    assert abs(pand[3] - ours[3]) > 1e-3
    # Polars #21015: x = [1, 3] one day apart, half-life one day
    t = np.array(["2020-01-01", "2020-01-02"], dtype="datetime64[ns]")
    assert mwk.ewm_mean([1.0, 3.0], halflife="1D", times=t)[1] == pytest.approx(7 / 3, rel=1e-15)
    assert mwk.ewm_mean([1.0, 3.0], halflife="1D", times=t, adjust=False)[1] == pytest.approx(2.0, rel=1e-15)
    assert pd.Series([1.0, 3.0]).ewm(halflife="1D", times=t).mean().iloc[1] == pytest.approx(7 / 3)
    # pandas times= with ignore_na=True drops the time elapsed up to a NaN row
    tt = np.array([0, 1, 2], dtype="datetime64[D]").astype("datetime64[ns]")
    xx = np.array([1.0, np.nan, 3.0])
    ours = mwk.ewm_mean(xx, halflife="1D", times=tt, ignore_na=True)[2]
    assert ours == pytest.approx((0.25 * 1 + 3) / 1.25)
    assert pd.Series(xx).ewm(halflife="1D", times=tt, ignore_na=True).mean().iloc[2] == pytest.approx(
        (0.5 * 1 + 3) / 1.5)
    # +inf then -inf: the mean is NaN while both have weight
    z = np.array([1.0, np.inf, 2.0, -np.inf, 3.0, 4.0])
    m = mwk.ewm_mean(z, alpha=0.5)
    assert m[1] == np.inf and m[2] == np.inf and np.isnan(m[3:]).all()
    assert not np.isnan(pd.Series(z).ewm(alpha=0.5).mean().iloc[-1])


def test_constant_series_exact():
    x = np.full(100, 0.1)
    assert (mwk.ewm_mean(x, span=7.0, algorithm="naive") == 0.1).all()
    assert (mwk.ewm_var(x, span=7.0)[1:] == 0.0).all()
    assert np.isnan(mwk.ewm_var(x, span=7.0)[0])


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "int64", "int32", "int8", "uint16", "uint8",
                                   "bool", "uint64"])
def test_dtypes(dtype):
    rng = np.random.default_rng(2)
    x = (rng.random(64) * 100).astype(dtype)
    got = mwk.ewm_mean(x, span=9.0)
    assert got.dtype == (np.float32 if dtype in ("float32", "float16") else np.float64)
    ref = reference("mean", x.astype(np.float64), "span", 9.0).astype(np.float64)
    tol = 1e-6 * np.abs(ref) + 1e-30 if got.dtype == np.float32 else 1e-12 * np.abs(ref) + 1e-300
    assert (np.abs(got - ref) <= tol).all()


def test_axis_out_batches_threads():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((5, 200, 3))
    a[rng.random(a.shape) < 0.1] = np.nan
    for stat in STATS:
        f = FUNCS[stat]
        r1 = f(a, span=15.0, axis=1, threads=1)
        r3 = f(a, span=15.0, axis=1, threads=3)
        np.testing.assert_array_equal(r1, r3)
        for i in range(5):
            for k in range(3):
                np.testing.assert_array_equal(r1[i, :, k], f(a[i, :, k].copy(), span=15.0))
        out = np.empty_like(a)
        assert f(a, span=15.0, axis=1, out=out) is out
        np.testing.assert_array_equal(out, r1)
        outF = np.asfortranarray(np.empty_like(a))
        f(a, span=15.0, axis=1, out=outF)
        np.testing.assert_array_equal(outF, r1)
        np.testing.assert_array_equal(f(a[:, ::-2, :], span=15.0, axis=-2),
                                      f(np.ascontiguousarray(a[:, ::-2, :]), span=15.0, axis=1))
    # big-endian input is read once converted
    b = a[0, :, 0].astype(">f8")
    np.testing.assert_array_equal(mwk.ewm_mean(b, alpha=0.2), mwk.ewm_mean(a[0, :, 0], alpha=0.2))
    # empty
    assert mwk.ewm_mean(np.empty((0, 4)), alpha=0.5).shape == (0, 4)
    assert mwk.ewm_mean(np.empty((3, 0)), alpha=0.5).shape == (3, 0)


def test_long_row_scan_vs_naive_every_target():
    x = data(20001, "none", seed=5, offset=100.0, scale=1.0)
    ref_n = mwk.ewm_mean(x, span=1000.0, algorithm="naive")
    for target in TARGETS:
        for adjust in (True, False):
            got = mwk.ewm_mean(x, span=1000.0, adjust=adjust, algorithm="scan", target=target)
            nav = mwk.ewm_mean(x, span=1000.0, adjust=adjust, algorithm="naive")
            # header: (2 log2 L + 12) u B + 70 u |mean|, B <= (1/alpha + 1) |mean| for one-signed data
            assert np.max(np.abs(got - nav) / np.abs(nav)) < 40 * U * 501 + 140 * U, target
    # sampled exact reference at the end of the row
    t_idx = [0, 1, 999, 20000]
    xs = x[:1201]
    ref = reference("mean", xs, "span", 1000.0)
    got = mwk.ewm_mean(xs, span=1000.0, algorithm="scan")
    assert np.max(np.abs(got - ref.astype(float)) / np.abs(ref.astype(float))) < 40 * U * 501
    assert ref_n[t_idx].shape == (4,)


def test_errors():
    x = np.arange(5.0)
    with pytest.raises(ValueError, match="exactly one"):
        mwk.ewm_mean(x)
    with pytest.raises(ValueError, match="exactly one"):
        mwk.ewm_mean(x, com=1.0, span=3.0)
    with pytest.raises(ValueError, match="alpha"):
        mwk.ewm_mean(x, alpha=0.0)
    with pytest.raises(ValueError, match="span"):
        mwk.ewm_mean(x, span=0.5)
    with pytest.raises(ValueError, match="halflife"):
        mwk.ewm_mean(x, alpha=0.5, times=np.arange(5.0))
    with pytest.raises(ValueError, match="non-decreasing"):
        mwk.ewm_mean(x, halflife=1.0, times=np.array([0, 2, 1, 3, 4.0]))
    with pytest.raises(ValueError, match="length|1-D"):
        mwk.ewm_mean(x, halflife=1.0, times=np.arange(4.0))
    with pytest.raises(ValueError, match="scan"):
        mwk.ewm_var(x, alpha=0.5, algorithm="scan")
    with pytest.raises(ValueError, match="algorithm"):
        mwk.ewm_mean(x, alpha=0.5, algorithm="fft")
    with pytest.raises(TypeError, match="dtype"):
        mwk.ewm_mean(x.astype(complex), alpha=0.5)
    with pytest.raises(TypeError, match="out"):
        mwk.ewm_mean(x, alpha=0.5, out=np.empty(5, np.float32))
    with pytest.raises(ValueError, match="target"):
        mwk.ewm_mean(x, alpha=0.5, target="no-such-target")
    with pytest.raises(TypeError, match="timedelta"):
        mwk.ewm_mean(x, halflife=1.0, times=np.arange(5).astype("datetime64[D]"))
    assert len(PEER_DIFFERENCES) == 5 and all(math.isfinite(len(v)) for v in PEER_DIFFERENCES.values())


# ------------------------------------------------------------------ Polars
class TestPolars:
    pl = pytest.importorskip("polars")

    def setup_method(self):
        import mwk.polars  # noqa: F401

    def test_expr_and_series_equal_numpy(self):
        pl = self.pl
        x = data(200, "sparse", seed=21)
        vals = [None if (i % 17 == 3) else v for i, v in enumerate(x.tolist())]  # nulls and NaN
        xn = np.array([np.nan if v is None else v for v in vals])
        s = pl.Series("x", vals, dtype=pl.Float64)
        for stat in STATS:
            for adjust, ign in itertools.product((True, False), (False, True)):
                kw = {"bias": True} if stat in ("var", "std") else {}
                got = getattr(s.mwk, "ewm_" + stat)(span=9.0, adjust=adjust, ignore_nulls=ign, min_samples=2, **kw)
                want = FUNCS[stat](xn, span=9.0, adjust=adjust, ignore_na=ign, min_periods=2, **kw)
                np.testing.assert_array_equal(got.to_numpy(), want)
                assert got.name == "x"
                e = pl.DataFrame({"x": s}).lazy().select(
                    getattr(pl.col("x").mwk, "ewm_" + stat)(span=9.0, adjust=adjust, ignore_nulls=ign,
                                                             min_samples=2, **kw)).collect()["x"]
                np.testing.assert_array_equal(e.to_numpy(), want)

    def test_chunks_ints_float32(self):
        pl = self.pl
        a = pl.Series("x", [1, 2, 3], dtype=pl.Int32)
        b = pl.Series("x", [None, 5, 6], dtype=pl.Int32)
        s = a.append(b)
        assert s.n_chunks() == 2
        got = s.mwk.ewm_mean(alpha=0.5).to_numpy()
        np.testing.assert_array_equal(got, mwk.ewm_mean(np.array([1, 2, 3, np.nan, 5, 6]), alpha=0.5))
        f = pl.Series("f", [1.0, 2.0, None, 4.0], dtype=pl.Float32)
        r = f.mwk.ewm_sum(alpha=0.5)
        assert r.dtype == pl.Float32
        np.testing.assert_array_equal(r.to_numpy(), mwk.ewm_sum(np.array([1, 2, np.nan, 4], np.float32), alpha=0.5))
        sl = s.slice(2, 3)  # non-zero offset
        np.testing.assert_array_equal(sl.mwk.ewm_mean(alpha=0.5).to_numpy(),
                                      mwk.ewm_mean(np.array([3, np.nan, 5.0]), alpha=0.5))

    def test_group_by_over(self):
        pl = self.pl
        df = pl.DataFrame({"g": [1, 1, 2, 2, 1], "x": [1.0, 2.0, 10.0, 20.0, 3.0]})
        out = df.select(pl.col("x").mwk.ewm_mean(alpha=0.5).over("g"))["x"].to_list()
        assert out[:2] == mwk.ewm_mean([1.0, 2.0], alpha=0.5).tolist()
        assert out[2:4] == mwk.ewm_mean([10.0, 20.0], alpha=0.5).tolist()

    def test_mean_by(self):
        pl = self.pl
        t = pl.datetime_range(pl.datetime(2020, 1, 1), pl.datetime(2020, 1, 2), "1d", eager=True)
        d = pl.DataFrame({"t": t, "y": [1.0, 3.0]})
        r = d.select(pl.col("y").mwk.ewm_mean_by("t", half_life="1d").alias("a"),
                     pl.col("y").mwk.ewm_mean_by("t", half_life="1d", adjust=True).alias("b"),
                     pl.col("y").ewm_mean_by("t", half_life="1d").alias("polars"))
        assert r["a"].to_list() == r["polars"].to_list() == [1.0, 2.0]
        assert r["b"][1] == pytest.approx(7 / 3, rel=1e-15)
        # random times, every `by` dtype, against NumPy times=
        rng = np.random.default_rng(4)
        secs = np.cumsum(rng.integers(0, 5, 100))
        y = data(100, "none", seed=4)
        days = secs // 2
        for by, hl, tt, h in ((pl.Series(secs.astype("datetime64[s]").astype("datetime64[us]")), "7s", secs, 7.0),
                              (pl.Series(secs.astype("datetime64[s]").astype("datetime64[ns]")), "7s", secs, 7.0),
                              (pl.Series(secs, dtype=pl.Int64), "7i", secs, 7.0),
                              (pl.Series(secs.astype(np.int32), dtype=pl.Int32), 7, secs, 7.0),
                              (pl.Series(days.astype("datetime64[D]")).cast(pl.Date), "14d", days, 14.0)):
            for adjust in (True, False):
                got = pl.Series("y", y).mwk.ewm_mean_by(by, half_life=hl, adjust=adjust).to_numpy()
                want = mwk.ewm_mean(y, halflife=h, times=tt.astype(float), adjust=adjust)
                np.testing.assert_allclose(got, want, rtol=1e-13, err_msg=str(by.dtype))
        want_pl = pl.DataFrame({"t": by, "y": y}).select(pl.col("y").ewm_mean_by("t", half_life="14d"))["y"]
        np.testing.assert_allclose(pl.Series("y", y).mwk.ewm_mean_by(by, half_life="14d").to_numpy(),
                                   want_pl.to_numpy(), rtol=1e-13)

    def test_errors(self):
        pl = self.pl
        s = pl.Series("x", [1.0, 2.0])
        with pytest.raises(ValueError, match="exactly one"):
            s.mwk.ewm_mean()
        with pytest.raises(ValueError, match="scan"):
            s.mwk.ewm_std(alpha=0.5, algorithm="scan")
        with pytest.raises(ValueError, match="duration"):
            s.mwk.ewm_mean_by(pl.Series([0, 1]), half_life="1x")
        with pytest.raises(pl.exceptions.ComputeError):  # unsorted `by`
            s.mwk.ewm_mean_by(pl.Series([1, 0]), half_life=1)
        with pytest.raises(pl.exceptions.ComputeError):  # a time `by` needs a duration
            s.mwk.ewm_mean_by(pl.Series([0, 1]).cast(pl.Datetime("us")), half_life=1)
