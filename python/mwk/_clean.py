"""``mwk reduce --clean hampel``: RFI flagging before the smoothing.

A spectrometer's narrowband interference (RFI) -- a persistent line in a few
channels, or a burst across some adjacent ones -- is one or a few channels far
brighter than their neighbours. Averaged into a moving mean of ``--window``
channels, one such channel shifts every output whose window holds it by
(spike / window): a 4,000-unit line moves a window-1000 mean by 4 units, far
more than the smoothed noise. So each spectrum is first cleaned with a Hampel
filter across its channels (:func:`mwk.hampel`): with ``med`` and ``MAD`` the
median and median absolute deviation of the centred window of
``--clean-window`` channels (clipped at the row's ends), a channel is flagged
when ``|x - med| > sigmas * 1.4826 * MAD`` and replaced by ``med``.

Replacement: the window median, not NaN. Both are unbiased where the signal is
locally smooth, but a NaN makes the smoothing's window incomplete: with the
default ``--min-samples`` (the whole window) every output whose window holds
one flagged channel becomes NaN (a 1000-channel gap per spike), and with
``--nan-policy propagate`` too; lowering ``--min-samples`` recovers them at the
price of a mean over fewer channels. The median keeps every output defined,
whatever the smoothing options, and its error per replaced channel is one noise
sample (``med`` is a robust local estimate of the clean value; see the
tolerance in ``python/tests/test_reduce_clean.py``).

Output: the cleaned, then smoothed spectrum in the spectrum column, plus
``rfi_flagged`` (UInt32: channels flagged in the row; null for a null
spectrum) and, with ``--clean-mask``, ``rfi_mask`` (List(UInt32): the flagged
channel indices of the input row, ascending). The Parquet key-value metadata
records the settings (``mwk.clean``, ``mwk.clean_window``, ...), and the
summary counts the flagged channels and rows (read back from the output's
``rfi_flagged`` column, so it is the same on every path).

Where it runs: inside the same lazy query as the smoothing
(:func:`mwk.reduce.build_query`), so the single-machine, ``--isolate`` and
Dask paths give the same data, and memory stays bounded by the engine's
batches as for the smoothing alone. The per-row work is the C Hampel filter
over the whole batch of spectra at once: ``mwk.hampel`` on the batch's 2-D
NumPy view (zero-copy for a column without nulls; the GIL is released while
it runs; ``--threads`` honoured), called by an elementwise ``map_batches`` of
the streaming engine. That is the one place where a ``--clean`` run runs
Python on the engine's threads (a few microseconds of glue per batch of
spectra): a Ctrl-C still stops the run within seconds and leaves nothing
behind, as without ``--clean``. (The Polars plugin had no per-row Hampel
entry when this was written; one would remove that glue.)
"""
from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import polars as pl

__all__ = ["METHODS", "DEFAULT_WINDOW", "DEFAULT_SIGMAS", "FLAG_COLUMN", "MASK_COLUMN", "validate",
           "check_schema", "metadata", "apply", "empty_columns", "tally", "summary_lines",
           "hampel_reference"]

METHODS = ("hampel",)
DEFAULT_WINDOW = 31
DEFAULT_SIGMAS = 5.0
FLAG_COLUMN = "rfi_flagged"
MASK_COLUMN = "rfi_mask"
#: The scaled MAD estimates the standard deviation of Gaussian noise.
MAD_SCALE = 1.4826
_TMP = "__mwk_clean"


def _err(msg: str) -> Exception:
    from .reduce import ReduceError

    return ReduceError(msg)


def validate(opts: Any) -> None:
    """The clean settings of a :class:`mwk.reduce.ReduceOptions`."""
    if opts.clean is None:
        if opts.clean_mask:
            raise _err("--clean-mask needs --clean hampel")
        return
    if opts.clean not in METHODS:
        raise _err(f"--clean must be one of {', '.join(METHODS)}; got {opts.clean!r}")
    w = opts.clean_window
    if isinstance(w, bool) or not isinstance(w, (int, np.integer)) or w < 1:
        raise _err(f"--clean-window must be an integer >= 1, got {w!r}")
    s = opts.clean_sigmas
    try:
        sf = float(s)
    except (TypeError, ValueError):
        raise _err(f"--clean-sigmas must be a number, got {s!r}") from None
    if not math.isfinite(sf) or sf < 0:
        raise _err(f"--clean-sigmas must be finite and >= 0, got {s!r}")


def check_schema(schema: Dict[str, Any], opts: Any) -> None:
    """Refuse an input that already has the columns cleaning adds (an output
    of a cleaning run, reduced again): they would be silently replaced."""
    if opts.clean is None:
        return
    names = [FLAG_COLUMN] + ([MASK_COLUMN] if opts.clean_mask else [])
    for n in names:
        if n in schema:
            raise _err(f"the input already has a column {n!r} (cleaned before?): "
                       "--clean would replace it; select the columns to keep first")
    if opts.partition_by in names:
        raise _err(f"cannot partition by {opts.partition_by!r}: --clean writes it")


def metadata(opts: Any) -> Dict[str, str]:
    """The clean settings for the output's key-value metadata (and the Dask
    task fingerprint: a rerun with other settings redoes every part)."""
    if opts.clean is None:
        return {}  # unchanged metadata (and Dask fingerprints) for runs without cleaning
    return {
        "mwk.clean": opts.clean,
        "mwk.clean_window": str(int(opts.clean_window)),
        "mwk.clean_sigmas": repr(float(opts.clean_sigmas)),
        "mwk.clean_replace": "median",
        "mwk.clean_mask": "true" if opts.clean_mask else "false",
    }


# ------------------------------------------------------------------ query
def _hampel_batch(s: pl.Series, window: int, sigmas: float, want_mask: bool,
                  threads: Optional[int]) -> pl.Series:
    """One engine batch: the C Hampel filter over all its spectra at once."""
    import mwk

    x = s.to_numpy()  # (rows, channels); a null row reads as NaN (never flagged)
    if x.ndim != 2:
        x = x.reshape(len(s), s.dtype.size)  # type: ignore[union-attr]
    y, flags = mwk.hampel(x, window, sigmas, axis=-1, replace="median", return_mask=True,
                          threads=threads)
    flags = np.asarray(flags, dtype=bool)
    count = flags.sum(axis=1, dtype=np.uint32)
    cols: Dict[str, Any] = {"y": pl.Series("y", y, dtype=pl.Array(pl.Float32 if y.dtype == np.float32
                                                                 else pl.Float64, x.shape[1])),
                            "n": pl.Series("n", count, dtype=pl.UInt32)}
    if want_mask:
        idx = np.nonzero(flags)[1].astype(np.uint32)
        m = pl.Series("m", np.split(idx, np.cumsum(count)[:-1]) if len(count) else [],
                      dtype=pl.List(pl.UInt32))
        # rows of equal counts come out as an Array whatever the dtype says
        cols["m"] = m.arr.to_list() if isinstance(m.dtype, pl.Array) else m
    df = pl.DataFrame(cols)
    if s.null_count():
        valid = s.is_not_null()
        df = df.select(pl.when(valid).then(pl.col(c)).alias(c) for c in df.columns)
    return df.to_struct(s.name)


def apply(lf: pl.LazyFrame, e: pl.Expr, out_inner: Any, channels: int,
          opts: Any) -> Tuple[pl.LazyFrame, pl.Expr, List[pl.Expr]]:
    """Hook of :func:`mwk.reduce.build_query`: ``e`` is the spectrum as a
    float ``Array(out_inner, channels)`` expression about to be smoothed.
    Returns the frame with the cleaning computed (a temporary struct column),
    the cleaned spectrum expression to smooth instead of ``e``, and the
    columns to add; the caller ends with :func:`finish`."""
    if opts.clean is None:
        return lf, e, []
    w, sg, t = int(opts.clean_window), float(opts.clean_sigmas), opts.threads
    fields: Dict[str, Any] = {"y": pl.Array(out_inner, channels), "n": pl.UInt32}
    if opts.clean_mask:
        fields["m"] = pl.List(pl.UInt32)
    want = bool(opts.clean_mask)
    s = e.map_batches(lambda ser: _hampel_batch(ser, w, sg, want, t), return_dtype=pl.Struct(fields),
                      is_elementwise=True)
    lf = lf.with_columns(s.alias(_TMP))
    cleaned = pl.col(_TMP).struct.field("y")
    extra = [pl.col(_TMP).struct.field("n").alias(FLAG_COLUMN)]
    if want:
        extra.append(pl.col(_TMP).struct.field("m").alias(MASK_COLUMN))
    return lf, cleaned, extra


def finish(lf: pl.LazyFrame, opts: Any) -> pl.LazyFrame:
    return lf.drop(_TMP) if opts.clean is not None else lf


def empty_columns(opts: Any) -> List[pl.Expr]:
    """The added columns, typed, for an input without rows (a List column
    that cannot be smoothed because its channel count is unknown)."""
    if opts.clean is None:
        return []
    cols = [pl.lit(None, dtype=pl.UInt32).alias(FLAG_COLUMN)]
    if opts.clean_mask:
        cols.append(pl.lit(None, dtype=pl.List(pl.UInt32)).alias(MASK_COLUMN))
    return cols


# ---------------------------------------------------------------- summary
def tally(paths: Sequence[str], opts: Any,
          storage_options: Optional[Dict[str, str]] = None) -> Optional[Dict[str, Any]]:
    """What the run flagged, read back from the output's ``rfi_flagged``
    column (one UInt32 per row: cheap, and the same on every path, a resumed
    Dask run's kept parts included)."""
    if opts.clean is None:
        return None
    d: Dict[str, Any] = {"method": opts.clean, "window": int(opts.clean_window),
                         "sigmas": float(opts.clean_sigmas), "replace": "median",
                         "channels_flagged": 0, "rows_flagged": 0, "max_in_row": 0}
    if not paths:
        return d
    kw: Dict[str, Any] = {"hive_partitioning": False}
    if storage_options:
        kw["storage_options"] = storage_options
    c = pl.col(FLAG_COLUMN)
    got = (pl.scan_parquet(list(paths), **kw)
           .select(c.cast(pl.UInt64).sum().alias("n"), (c > 0).sum().alias("r"), c.max().alias("m"))
           .collect())
    d["channels_flagged"] = int(got["n"][0] or 0)
    d["rows_flagged"] = int(got["r"][0] or 0)
    d["max_in_row"] = int(got["m"][0] or 0)
    return d


def summary_lines(rfi: Optional[Dict[str, Any]], rows: int, channels: int) -> List[str]:
    if not rfi:
        return []
    total = rows * channels
    frac = f" ({rfi['channels_flagged'] / total * 100:.4f}% of channels)" if total else ""
    return [f"  clean: hampel window {rfi['window']}, {rfi['sigmas']:g} sigmas: "
            f"{rfi['channels_flagged']:,} channels flagged{frac} in {rfi['rows_flagged']:,} of {rows:,} rows "
            f"(at most {rfi['max_in_row']:,} in a row), replaced by the window median"]


# -------------------------------------------------------------- reference
def hampel_reference(x: np.ndarray, window: int, n_sigmas: float,
                     min_count: int = 1) -> Tuple[np.ndarray, np.ndarray]:
    """A plain-NumPy Hampel filter along the last axis (the definition in
    ``include/mwk.h``, no mwk kernel involved): the checker's and the tests'
    reference. Returns (cleaned float64, flags). Memory: window x the input."""
    from numpy.lib.stride_tricks import sliding_window_view

    x = np.asarray(x, dtype=np.float64)
    h, t = window // 2, (window - 1) // 2
    pad = [(0, 0)] * (x.ndim - 1) + [(h, t)]
    win = sliding_window_view(np.pad(x, pad, constant_values=np.nan), window, axis=-1)
    with np.errstate(invalid="ignore"), __import__("warnings").catch_warnings():
        __import__("warnings").simplefilter("ignore", RuntimeWarning)
        med = np.nanmedian(win, axis=-1)
        mad = np.nanmedian(np.abs(win - med[..., None]), axis=-1)
        count = np.sum(~np.isnan(win), axis=-1)
        flags = ~np.isnan(x) & (count >= min_count) & (np.abs(x - med) > n_sigmas * MAD_SCALE * mad)
    return np.where(flags, med, x), flags
