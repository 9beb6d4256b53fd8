#!/usr/bin/env python3
"""Accuracy table: max error against exact window means, mwk vs the peers.

Data sets (window 1000, every full window compared):
 - N(0,1): well-behaved data, the baseline;
 - large offset: 1e8 + N(0,1);
 - spike then tiny: values ~1e-3 with a spike of 1e12 one window long
   (after it has left the window the means are ~1e-3 again);
 - inf entering and leaving: N(0,1) + 10 with +inf, then -inf and +inf in
   the same window, then finite again;
 - NaN runs: 1e3 + N(0,1) with NaN runs of 10, 300 and 1500 samples,
   min_count = window/2 (NaNs skipped; the 1500 run leaves windows with too
   few values, which must give NaN);
 - long float32: 100 + N(0,1) in float32, 10,000,000 samples (--quick: 200,000).

The exact means come from exact integer arithmetic: every float is an
integer times a common power of two, window sums are exact (NumPy int64 when
they fit, Python ints otherwise), and the mean is the correctly rounded
quotient; non-finite values are counted per window, as mwk's contract says.

Reported per method and data set: max relative error over windows whose exact
mean is finite; the same error divided by mwk's contract bound
(w + 2) 2^-53 sum|x| / count (plus one float32 ulp of the mean for float32
output); and the number of windows whose non-finite class (finite, +inf,
-inf, NaN) is wrong. Writes accuracy.md / accuracy.png / accuracy.json.

    .venv/bin/python bench/accuracy.py           # ~1 minute
    .venv/bin/python bench/accuracy.py --quick
"""
from __future__ import annotations

import math
import sys
import time
from itertools import accumulate
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

U = 2.0**-53
W = 1000


# --------------------------------------------------------------------------- exact reference
def _window_sums_int(ints: np.ndarray, w: int) -> np.ndarray:
    c = np.concatenate(([0], np.cumsum(ints)))
    return c[w:] - c[:-w]


def _exact_sums(vals: np.ndarray, w: int) -> Tuple[List, List, int]:
    """Exact window sums of finite vals (non-finite already zeroed) and of |vals|,
    as integers times 2^-K. Returns (sums, abs_sums, K): numpy int64 arrays
    when they fit in 53 bits, else Python int lists."""
    nz = vals[vals != 0]
    if nz.size == 0:
        z = np.zeros(len(vals) - w + 1, dtype=np.int64)
        return z, z, 0
    # the common scale: 2^K with K = max over values of (exponent of the lowest set bit)
    m, e = np.frexp(np.abs(nz))  # |v| = m 2^e, m in [0.5, 1)
    mant = (m * 2.0**53).astype(np.int64)
    tz = np.zeros_like(mant)
    low = mant & -mant
    tz = np.log2(low.astype(np.float64)).astype(np.int64)  # trailing zero bits (exact: powers of two)
    K = int(np.max(53 - e - tz))
    top = int(np.max(e)) + K  # bits of the largest integer
    if top + math.ceil(math.log2(w)) + 1 <= 53 and top + math.ceil(math.log2(len(vals) + 1)) + 1 <= 62:
        ints = np.ldexp(vals, K).astype(np.int64)  # exact: integers < 2^53
        return _window_sums_int(ints, w), _window_sums_int(np.abs(ints), w), K
    # Python ints
    ints = []
    for v in vals.tolist():
        num, den = v.as_integer_ratio()
        ints.append(num << (K - (den.bit_length() - 1)))
    c = [0, *accumulate(ints)]
    ca = [0, *accumulate(abs(i) for i in ints)]
    n = len(vals)
    return [c[i + w] - c[i] for i in range(n - w + 1)], [ca[i + w] - ca[i] for i in range(n - w + 1)], K


def _div(s, count: int, K: int) -> float:
    """s * 2^-K / count, correctly rounded (s an int)."""
    if K >= 0:
        return int(s) / (count << K)
    return (int(s) << -K) / count


def exact_valid_means(x: np.ndarray, w: int, min_count: int) -> Dict[str, np.ndarray]:
    """Exact means of the full windows x[i:i+w], NaN skipped, infs counted."""
    x64 = x.astype(np.float64)
    n = len(x64)
    nan = np.isnan(x64)
    pinf = x64 == np.inf
    ninf = x64 == -np.inf
    vals = np.where(np.isfinite(x64), x64, 0.0)

    def wsum(b):
        return _window_sums_int(b.astype(np.int64), w)

    n_nan, n_pinf, n_ninf = wsum(nan), wsum(pinf), wsum(ninf)
    count = w - n_nan
    sums, abs_sums, K = _exact_sums(vals, w)
    m = n - w + 1
    mean = np.empty(m)
    bound = np.empty(m)
    if isinstance(sums, np.ndarray):
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.ldexp(sums.astype(np.float64) / count, -K)
            bound = (w + 2) * U * np.ldexp(abs_sums.astype(np.float64) / count, -K)
    else:
        for i in range(m):
            c = int(count[i])
            if c > 0:
                mean[i] = _div(sums[i], c, K)
                bound[i] = (w + 2) * U * _div(abs_sums[i], c, K)
            else:
                mean[i] = bound[i] = np.nan
    few = count < min_count
    both = (n_pinf > 0) & (n_ninf > 0)
    mean[(n_pinf > 0) & ~both] = np.inf
    mean[(n_ninf > 0) & ~both] = -np.inf
    mean[both | few] = np.nan
    return {"mean": mean, "bound": bound}


def classify(v: np.ndarray) -> np.ndarray:
    """0 finite, 1 +inf, 2 -inf, 3 NaN."""
    c = np.zeros(v.shape, dtype=np.int8)
    c[v == np.inf] = 1
    c[v == -np.inf] = 2
    c[np.isnan(v)] = 3
    return c


def score(got: np.ndarray, ref: Dict[str, np.ndarray], out_f32: bool) -> dict:
    got = np.asarray(got, dtype=np.float64)
    e = ref["mean"]
    wrong = int(np.count_nonzero(classify(got) != classify(e)))
    ok = np.isfinite(e) & np.isfinite(got)
    if not ok.any():
        return {"rel": None, "bound_ratio": None, "wrong_nonfinite": wrong}
    d = np.abs(got[ok] - e[ok])
    rel = d / np.where(e[ok] != 0, np.abs(e[ok]), 1.0)
    b = ref["bound"][ok]
    if out_f32:
        b = b + np.spacing(np.abs(e[ok]).astype(np.float32)).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        br = np.where(d == 0, 0.0, d / b)
    return {"rel": float(rel.max()), "bound_ratio": float(br.max()), "wrong_nonfinite": wrong}


# --------------------------------------------------------------------------- data sets
def datasets(quick: bool, long_n: Optional[int]) -> List[Tuple[str, np.ndarray, int]]:
    rng = np.random.default_rng(7)
    n = 6000 if quick else 30000
    out = []
    out.append(("N(0,1)", rng.standard_normal(n), W))
    out.append(("1e8 + N(0,1)", 1e8 + rng.standard_normal(n), W))
    x = 1e-3 * (1.0 + rng.random(n))
    x[1500:1500 + W] = 1e12
    out.append(("spike 1e12 for one window, then ~1e-3", x, W))
    x = 10.0 + rng.standard_normal(n)
    x[1200] = np.inf
    x[3000] = -np.inf
    x[3500] = np.inf
    out.append(("inf entering and leaving", x, W))
    x = 1e3 + rng.standard_normal(n)
    x[1100:1110] = np.nan
    x[2500:2800] = np.nan
    x[4000:5500] = np.nan
    out.append(("NaN runs (10, 300, 1500), min_count=w/2", x, W // 2))
    ln = long_n or (200_000 if quick else 10_000_000)
    out.append((f"float32 100 + N(0,1), n={ln:,}", (100.0 + rng.standard_normal(ln)).astype(np.float32), W))
    return out


# --------------------------------------------------------------------------- methods
def methods() -> List[Tuple[str, Callable[[np.ndarray, int, int], np.ndarray]]]:
    """Each returns the means of the full windows x[i:i+w] (n - w + 1 values)."""
    import mwk

    M: List[Tuple[str, Callable]] = []
    for algo in ("auto", "naive", "ring", "prefix", "fft"):
        if mwk.runtime_info()["algorithms"].get(algo):
            M.append((f"mwk {algo}", lambda x, w, mc, a=algo: mwk.move_mean(x, w, mc, mode="valid", algorithm=a)))
    try:
        import polars as pl
        import mwk.polars  # noqa: F401

        M.append(("mwk.polars rolling_mean",
                  lambda x, w, mc: pl.Series("x", x, nan_to_null=True).mwk.rolling_mean(w, min_samples=mc)
                  .to_numpy()[w - 1:]))
    except ImportError:
        pass
    try:
        import bottleneck as bn

        M.append(("bottleneck", lambda x, w, mc: bn.move_mean(x, w, min_count=mc)[w - 1:]))
    except ImportError:
        pass
    try:
        import scipy.ndimage
        import scipy.signal

        M.append(("scipy uniform_filter1d",
                  lambda x, w, mc: scipy.ndimage.uniform_filter1d(x, w)[w // 2:w // 2 + len(x) - w + 1]))
        M.append(("scipy fftconvolve", lambda x, w, mc: scipy.signal.fftconvolve(x, np.ones(w, x.dtype) / w, "valid")))
    except ImportError:
        pass

    def cumsum_trick(x, w, mc):
        c = np.concatenate(([0], np.cumsum(x)))  # in the input's dtype, as usually written
        return (c[w:] - c[:-w]) / w

    M.append(("numpy cumsum", cumsum_trick))
    try:
        import pandas as pd

        M.append(("pandas", lambda x, w, mc: pd.Series(x).rolling(w, min_periods=mc).mean().to_numpy()[w - 1:]))
    except ImportError:
        pass
    try:
        import polars as pl

        M.append(("Polars rolling_mean",
                  lambda x, w, mc: pl.Series("x", x, nan_to_null=True).rolling_mean(w, min_samples=mc)
                  .to_numpy()[w - 1:]))
    except ImportError:
        pass
    try:
        import numba  # noqa: F401

        from seed_table import avg2_numba2_py

        ring = numba.njit(cache=True)(avg2_numba2_py)
        M.append(("numba ring (the post's avg2_numba2)", lambda x, w, mc: ring(x, w)))
    except ImportError:
        pass
    return M


# --------------------------------------------------------------------------- main
def main(argv=None) -> int:
    p = C.base_parser(__doc__.split("\n\n")[0])
    p.add_argument("--long-n", type=int, default=None, help="length of the long float32 series")
    args = p.parse_args(argv)
    env = C.environment()
    M = methods()
    D = datasets(args.quick, args.long_n)
    results: Dict[str, Dict[str, dict]] = {name: {} for name, _ in M}
    for dname, x, mc in D:
        t0 = time.perf_counter()
        ref = exact_valid_means(x, W, mc)
        print(f"{dname}: exact reference in {time.perf_counter() - t0:.1f} s")
        for mname, f in M:
            if mname == "mwk naive" and len(x) > 1_000_000:
                results[mname][dname] = {"skipped": "O(n w): too slow at this length"}
                continue
            try:
                with np.errstate(all="ignore"):
                    got = f(x, W, mc)
                if len(got) != len(ref["mean"]):
                    raise ValueError(f"{len(got)} outputs, expected {len(ref['mean'])}")
                s = score(got, ref, np.asarray(got).dtype == np.float32)
            except Exception as ex:  # noqa: BLE001 - reported in the table
                s = {"error": f"{type(ex).__name__}: {ex}"[:80]}
            results[mname][dname] = s
            print(f"  {mname:<36} {s}")

    dnames = [d for d, _, _ in D]

    def cell(s: dict, key: str) -> str:
        if "skipped" in s:
            return "skipped"
        if "error" in s:
            return "error: " + s["error"]
        v = C.fmt_err(s[key]) if s[key] is not None else "no finite output"
        if s["wrong_nonfinite"]:
            v += f" ({s['wrong_nonfinite']:,} wrong NaN/inf)"
        return v

    md = ["# Accuracy of moving means against exact window means\n\n",
          f"Window {W}; every full window of each series compared with its exact mean "
          "(exact integer arithmetic, non-finite values counted). Series of "
          f"{len(D[0][1]):,} samples unless stated.\n\n", C.environment_md(env), "\n",
          "## Max relative error (windows whose exact mean is finite)\n\n",
          C.md_table(["method"] + dnames, [[m] + [cell(results[m][d], "rel") for d in dnames] for m, _ in M]),
          "\n## Max error / mwk's contract bound (<= 1 meets the contract)\n\n"
          "Bound: (w + 2) 2^-53 sum(|x| in window) / count, plus one float32 ulp of the mean for float32 "
          "output. mwk's fft has its own, weaker bound (relative to the row's largest value).\n\n",
          C.md_table(["method"] + dnames,
                     [[m] + [cell(results[m][d], "bound_ratio") for d in dnames] for m, _ in M]),
          "\nNotes:\n\n"
          "- *(k wrong NaN/inf)*: windows whose result is not of the exact mean's class (finite, +inf, "
          "-inf, NaN): e.g. NaN for good after an inf has left, inf turned into NaN, or NaN where "
          "min_count values are present.\n"
          "- NaN runs: each method is asked for its NaN-skipping mean with min_count = w/2 where it has "
          "one (bottleneck min_count, pandas min_periods, Polars min_samples with NaN turned into null); "
          "scipy, numpy and the numba ring have none and propagate NaN.\n"
          "- Relative errors near 1e-16 are at the reference's own rounding (it is the correctly rounded "
          "exact mean); the float32 rows are bounded below by float32 rounding (~6e-8).\n"]
    od = C.report(args, "accuracy", md, [],
                  {"env": env, "window": W, "datasets": dnames, "results": results})
    if not args.no_plot:
        heatmap(od / "accuracy.png", [m for m, _ in M], dnames, results)
    return 0


def heatmap(path: Path, mnames: List[str], dnames: List[str], results) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = np.full((len(mnames), len(dnames)), np.nan)
    labels = [["" for _ in dnames] for _ in mnames]
    for i, m in enumerate(mnames):
        for j, d in enumerate(dnames):
            s = results[m][d]
            if "rel" in s and s["rel"] is not None:
                grid[i, j] = math.log10(max(s["rel"], 1e-17))
                labels[i][j] = C.fmt_err(s["rel"]) + ("\n+NaN/inf" if s["wrong_nonfinite"] else "")
            elif "rel" in s:
                grid[i, j] = 0.0
                labels[i][j] = "all NaN"
            else:
                labels[i][j] = "skipped" if "skipped" in s else "error"
    fig, ax = plt.subplots(figsize=(2 + 1.6 * len(dnames), 0.45 * len(mnames) + 1.8))
    im = ax.imshow(np.clip(grid, -17, 1), cmap="RdYlGn_r", vmin=-17, vmax=1, aspect="auto")
    ax.set_xticks(range(len(dnames)))
    ax.set_xticklabels([d.replace(", ", ",\n", 1) for d in dnames], fontsize=7)
    ax.set_yticks(range(len(mnames)))
    ax.set_yticklabels(mnames, fontsize=8)
    for i in range(len(mnames)):
        for j in range(len(dnames)):
            ax.text(j, i, labels[i][j], ha="center", va="center", fontsize=6)
    fig.colorbar(im, ax=ax, label="log10 max relative error")
    ax.set_title(f"moving mean, window {W}: max relative error vs exact", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"wrote {path}")


if __name__ == "__main__":
    sys.exit(main())
