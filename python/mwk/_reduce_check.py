"""Plain-NumPy reference for the day reduction, and the synthetic day.

Nothing here calls mwk's kernels: the reference is a prefix sum in
``numpy.longdouble`` (80-bit on x86, 128-bit on aarch64 Linux), so it checks
the library rather than repeating it.
"""
from __future__ import annotations

import datetime as _dt
import math
import os
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

#: Channels of the instrument.
DAY_CHANNELS = 30_000
#: Chunks recorded in a day.
DAY_CHUNKS = 9_000


def window_bounds(n: int, window: int, mode: str) -> Tuple[np.ndarray, np.ndarray]:
    """[lo, hi) of every output window of a row of length n (clipped to the row)."""
    if mode == "valid":
        lo = np.arange(0, n - window + 1)
        return lo, lo + window
    i = np.arange(n)
    if mode == "trailing":
        lo, hi = i - window + 1, i + 1
    elif mode == "centered":
        lo, hi = i - window // 2, i + (window - 1) // 2 + 1
    else:
        raise ValueError(f"unknown mode {mode!r}")
    return np.clip(lo, 0, n), np.clip(hi, 0, n)


def reference_row(
    x: np.ndarray,
    window: int,
    mode: str = "valid",
    *,
    min_count: Optional[int] = None,
    nan_policy: str = "skip",
    decimate: int = 1,
) -> Tuple[np.ndarray, np.ndarray]:
    """Moving mean of one finite-or-NaN row, and a per-output error bound.

    Returns (reference, scale) where ``scale`` is the mean of |x| over each
    window (the quantity mwk's accuracy contract is relative to).
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[0]
    m = window if min_count is None else min_count
    valid = ~np.isnan(x)
    v = np.where(valid, x, 0.0).astype(np.longdouble)
    s = np.concatenate(([0], np.cumsum(v)))
    a = np.concatenate(([0], np.cumsum(np.abs(v))))
    c = np.concatenate(([0], np.cumsum(valid.astype(np.int64))))
    lo, hi = window_bounds(n, window, mode)
    cnt = c[hi] - c[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        ref = (s[hi] - s[lo]) / cnt
        scale = (a[hi] - a[lo]) / cnt
    bad = cnt < m
    if nan_policy == "propagate":
        bad |= cnt < (hi - lo)
    ref = np.where(bad, np.nan, ref)
    # error of the longdouble prefix sums themselves
    ref_err = 4 * n * float(np.finfo(np.longdouble).eps) * float(a[-1]) / np.maximum(cnt, 1)
    scale = np.where(bad, 0.0, scale).astype(np.float64) + ref_err.astype(np.float64)
    return ref.astype(np.float64)[::decimate], scale[::decimate]


def check_row(
    x: np.ndarray,
    got: np.ndarray,
    window: int,
    mode: str,
    *,
    min_count: Optional[int] = None,
    nan_policy: str = "skip",
    decimate: int = 1,
) -> Optional[str]:
    """None when ``got`` matches the reference within mwk's contract, else why not."""
    x = np.asarray(x, dtype=np.float64)
    if np.isinf(x).any():
        return None  # the prefix-sum reference cannot follow infinities; not checked
    ref, scale = reference_row(x, window, mode, min_count=min_count, nan_policy=nan_policy,
                               decimate=decimate)
    got = np.asarray(got)
    if got.shape != ref.shape:
        return f"length {got.shape[0]} != {ref.shape[0]}"
    eps_out = float(np.finfo(got.dtype).eps) / 2 if got.dtype.kind == "f" else 2.0**-53
    g = got.astype(np.float64)
    nan_g, nan_r = np.isnan(g), np.isnan(ref)
    if (nan_g != nan_r).any():
        i = int(np.argmax(nan_g != nan_r))
        return f"NaN mismatch at channel {i}: got {g[i]!r}, want {ref[i]!r}"
    tol = (window + 2) * 2.0**-53 * scale + 2 * eps_out * np.abs(np.nan_to_num(ref))
    err = np.abs(np.where(nan_r, 0.0, g - ref))
    if (err > tol).any():
        i = int(np.argmax(err - tol))
        return f"channel {i}: got {g[i]!r}, want {ref[i]!r} (|error| {err[i]:.3g} > bound {tol[i]:.3g})"
    return None


# ------------------------------------------------------------ synthetic day
def synth_spectra(rows: np.ndarray, channels: int, seed: int, dtype=np.float32, *,
                  rfi: bool = True) -> np.ndarray:
    """Spectra for the given chunk indices: a smooth bandpass with slow gain
    drift, radiometer noise, a few persistent narrowband interference lines
    and occasional bright bursts. ``rfi=False``: the same spectra without the
    lines and bursts (the same random draws, so every other channel is
    identical): the clean signal that ``--clean`` should recover."""
    f = np.linspace(0.0, 1.0, channels, dtype=np.float64)
    bandpass = 100.0 * np.exp(-(((f - 0.5) / 0.42) ** 8)) * (1.0 + 0.08 * np.cos(2 * np.pi * 3.3 * f))
    line_rng = np.random.default_rng(seed)
    lines = line_rng.choice(channels, size=min(6, channels), replace=False)
    out = np.empty((rows.shape[0], channels), dtype=dtype)
    for k, r in enumerate(rows):
        rng = np.random.default_rng((seed, int(r)))
        gain = 1.0 + 0.02 * math.sin(2 * math.pi * int(r) / DAY_CHUNKS * 3)
        noise = rng.standard_normal(channels, dtype=np.float32)
        row = (bandpass * gain).astype(np.float32)
        row += row * np.float32(0.05) * noise
        if rfi:
            row[lines] += np.float32(40.0 * bandpass.max())
        if rng.random() < 0.05:  # a burst: a few adjacent channels, very bright
            c0 = int(rng.integers(0, max(1, channels - 8)))
            if rfi:
                row[c0:c0 + 8] += np.float32(1e4)
        out[k] = row
    return out


def write_synthetic_day(folder: str, rows: int, channels: int, *, seed: int = 327,
                        files: Optional[int] = None, rows_per_group: int = 64, rfi: bool = True) -> List[str]:
    """Write ``rows`` chunks into Parquet files under ``folder``; return their paths.

    Columns: ``chunk`` (Int32), ``timestamp`` (Datetime[us, UTC], one per
    chunk, spread over a day), ``beam`` (Int8, 0..3), ``spectrum``
    (Array(Float32, channels)).
    """
    import polars as pl

    os.makedirs(folder, exist_ok=True)
    if files is None:
        files = max(1, min(8, rows // 500))
    files = max(1, min(files, max(rows, 1)))
    bounds = np.linspace(0, rows, files + 1).astype(np.int64)
    start = _dt.datetime(2026, 3, 1, tzinfo=_dt.timezone.utc)
    step_us = int(86_400e6 / DAY_CHUNKS)
    paths = []
    for fi in range(files):
        a, b = int(bounds[fi]), int(bounds[fi + 1])
        path = os.path.join(folder, f"day-{fi:04d}.parquet")
        idx = np.arange(a, b)
        spectra = synth_spectra(idx, channels, seed, rfi=rfi)
        ts = np.datetime64(start.replace(tzinfo=None), "us") + idx * np.timedelta64(step_us, "us")
        df = pl.DataFrame({
            "chunk": pl.Series("chunk", idx.astype(np.int32)),
            "timestamp": pl.Series("timestamp", ts).dt.replace_time_zone("UTC"),
            "beam": pl.Series("beam", (idx % 4).astype(np.int8)),
            "spectrum": pl.Series("spectrum", spectra),
        })
        df.write_parquet(path, row_group_size=rows_per_group, compression="zstd", compression_level=1)
        paths.append(path)
        del df, spectra
    return paths


def sample_rows(total: int, k: int, seed: int = 0) -> List[int]:
    """First, last and k-2 random row positions (sorted, unique)."""
    if total <= 0 or k <= 0:
        return []
    if k == 1:
        return [0]
    rng = np.random.default_rng(seed)
    pick = {0, total - 1}
    if k > 2:
        pick.update(int(v) for v in rng.choice(total, size=min(total, k - 2), replace=False))
    return sorted(pick)


def compare_samples(
    inputs: Sequence, outputs: Sequence, column: str, positions: Sequence[int], window: int,
    mode: str, *, min_count: Optional[int], nan_policy: str, decimate: int,
    key: Optional[str] = None, out_is_folder: bool = False, scan_kwargs: Optional[Dict] = None,
    clean: Optional[Tuple[int, float, bool]] = None,
) -> Tuple[int, List[str]]:
    """Read the sampled rows of input and output and compare them.

    ``clean=(window, sigmas, float32)``: the run cleaned with ``--clean
    hampel``; the input row is first cleaned by the plain-NumPy Hampel filter
    (replaced values rounded to float32 when the kernel ran in float32), and
    the output's ``rfi_flagged`` must equal its count.

    Rows are matched by position, or by the value of ``key`` when given
    (needed for a partitioned output). Returns (rows checked, problems).
    """
    import polars as pl

    skw = dict(scan_kwargs or {})
    lin = pl.scan_parquet(list(inputs), hive_partitioning=False, **skw)
    lout = pl.scan_parquet(list(outputs), hive_partitioning=False)
    problems: List[str] = []
    checked = 0
    for pos in positions:
        xin = lin.slice(pos, 1).collect()
        if xin.height != 1:
            problems.append(f"row {pos}: not found in input")
            continue
        if key is not None:
            kv = xin[key][0]
            yout = lout.filter(pl.col(key) == kv).collect()
            where = f"{key}={kv}"
        else:
            yout = lout.slice(pos, 1).collect()
            where = f"row {pos}"
        if yout.height != 1:
            problems.append(f"{where}: {yout.height} rows in output")
            continue
        others = [c for c in xin.columns if c != column]
        for c in others:
            if c in yout.columns and xin[c].to_list() != yout[c].to_list():
                problems.append(f"{where}: column {c!r} changed")
        xv, yv = xin[column][0], yout[column][0]
        if xv is None or yv is None:
            if (xv is None) != (yv is None):
                problems.append(f"{where}: null row not carried through")
            continue
        x = np.asarray(xv.to_numpy() if hasattr(xv, "to_numpy") else xv, dtype=np.float64)
        if clean is not None:
            from ._clean import FLAG_COLUMN, hampel_reference

            cx, flags = hampel_reference(x, clean[0], clean[1])
            x = cx.astype(np.float32).astype(np.float64) if clean[2] else cx
            got_n = yout[FLAG_COLUMN][0] if FLAG_COLUMN in yout.columns else None
            if got_n != int(flags.sum()):
                problems.append(f"{where}: {got_n} channels flagged, the NumPy Hampel filter flags "
                                f"{int(flags.sum())}")
        dt = yout.schema[column].inner  # type: ignore[union-attr]
        y = np.asarray(yv.to_numpy() if hasattr(yv, "to_numpy") else yv,
                       dtype=np.float32 if dt == pl.Float32 else np.float64)
        why = check_row(x, y, window, mode, min_count=min_count, nan_policy=nan_policy,
                        decimate=decimate)
        if why:
            problems.append(f"{where}: {why}")
        checked += 1
    return checked, problems
