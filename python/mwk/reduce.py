"""The spectrometer day reduction: Parquet in, smoothed (and decimated) Parquet out.

``mwk reduce INPUT... -o OUTPUT`` (see :mod:`mwk.cli`) is a thin layer over
:func:`reduce`. The work is split into *units*: an input file, or a range of
its rows (``rows_per_task``). Each unit is one lazy Polars query --
``scan_parquet`` -> the ``.mwk.moving_mean`` plugin (elementwise, so the
streaming engine runs it per batch) -> ``sink_parquet`` -- run in the
background while the calling thread draws progress.

* One unit: it is sunk straight into the output.
* Several units: they run one after the other, each into an uncompressed part
  in a hidden temporary folder, and one streaming pass then writes the parts
  into the output. Running them one at a time is what keeps peak memory flat:
  a single multi-file scan prefetches the next file's row groups while the
  current one is being smoothed (measured: 1 file of one 1,500-row group at
  490-630 MB, 4 such files at 800-990 MB, whatever POLARS_MAX_CONCURRENT_SCANS
  and the prefetch knobs say), so memory grew with the number of files.
* A unit whose file has row groups larger than :data:`STEP_BYTES` of spectra
  is read in bounded batches (see :func:`unit_pieces`), each reduced into a
  part of its own, so peak memory does not grow with the row-group size.
* ``--isolate``: the same units, each in a fresh spawned process.
* ``--dask``: the same units as Dask tasks, see :mod:`mwk._dask`.

Output goes to a hidden temporary name next to the target and is renamed into
place only when complete. Progress is measured from the bytes the engine has
written (the parts are uncompressed, so their size is exact): no Python runs
on the engine's threads, so a Ctrl-C cannot catch one of them in the middle of
a Python callback.

Every anticipated failure raises :class:`ReduceError` with a one-line message.
"""
from __future__ import annotations

import contextlib
import glob as _glob
import json
import math
import os
import shutil
import signal
import sys
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence

# A multi-file scan reads files concurrently, and its memory grows with the
# number of files it has open (measured: 16 parts merged at 1.4x the peak of
# 2; with one scan at a time, 1.02x). The parts are merged in order anyway, so
# concurrency buys nothing here. Read when Polars first scans, so set it before.
os.environ.setdefault("POLARS_MAX_CONCURRENT_SCANS", "1")

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

from . import polars as _mwk_polars  # noqa: E402,F401  (registers .mwk)
from . import _clean  # noqa: E402  (--clean hampel)

__all__ = ["ReduceError", "ReduceOptions", "ColumnInfo", "Unit", "reduce", "resolve_inputs",
           "inspect_input", "plan_units", "run_metadata"]

MODES = ("valid", "trailing", "centered")
ALGORITHMS = ("auto", "naive", "ring", "prefix", "fft")
DTYPES = ("same", "float32", "float64")
COMPRESSIONS = ("zstd", "lz4", "snappy", "gzip", "brotli", "uncompressed")
_NUMERIC_INNER = (pl.Float32, pl.Float64, pl.Int8, pl.Int16, pl.Int32, pl.Int64,
                  pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64)
#: Target size of one output row group (the Parquet writer buffers one).
ROW_GROUP_BYTES = 16 << 20


class ReduceError(Exception):
    """A failure with a one-line explanation for the user."""


class Cancelled(ReduceError):
    """The run was interrupted (Ctrl-C)."""


def first_line(exc: BaseException) -> str:
    """The first non-empty line of an exception's message."""
    for line in str(exc).splitlines():
        line = line.strip()
        if line:
            return line
    return type(exc).__name__


def mwk_version() -> str:
    from . import __version__

    return str(__version__)


@contextlib.contextmanager
def sigint_deferred() -> Iterator[None]:
    """Hold Ctrl-C while cleaning up (a KeyboardInterrupt raised inside
    ``shutil.rmtree`` is what left temporary folders behind); a Ctrl-C that
    arrived meanwhile is raised on exit."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    got: List[int] = []
    try:
        old = swap_sigint(lambda s, f: got.append(s), got)
    except ValueError:  # not the main interpreter
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
        if got and callable(old):
            raise KeyboardInterrupt


def swap_sigint(handler: Any, got: List[int]) -> Any:
    """``signal.signal(SIGINT, handler)``: the old handler. ``signal.signal``
    first runs the handlers of the signals already pending, before it swaps:
    a Ctrl-C that has arrived but not yet been raised comes out of it as a
    KeyboardInterrupt, and a caller about to clean up would skip the cleanup.
    Such a Ctrl-C is appended to ``got`` instead (raise it after the cleanup).
    ValueError where signals cannot be set (not the main thread)."""
    while True:
        try:
            return signal.signal(signal.SIGINT, handler)
        except KeyboardInterrupt:
            got.append(signal.SIGINT)


@dataclass
class ReduceOptions:
    column: str = "spectrum"
    window: int = 1000
    mode: str = "valid"
    algorithm: str = "auto"
    nan_policy: str = "skip"
    min_samples: Optional[int] = None
    decimate: int = 1
    dtype: str = "same"
    partition_by: Optional[str] = None
    compression: str = "zstd"
    row_group_size: Optional[int] = None
    threads: Optional[int] = None
    overwrite: bool = False
    rows_per_task: Optional[int] = None
    # --clean hampel (see mwk._clean)
    clean: Optional[str] = None
    clean_window: int = 31
    clean_sigmas: float = 5.0
    clean_mask: bool = False
    # --time-window K: a trailing moving mean over K consecutive spectra (rows,
    # in file and row order) of each output channel, after the channel
    # smoothing (see _time_units); --window 0 then means no channel smoothing.
    time_window: Optional[int] = None
    time_min_samples: Optional[int] = None

    def validate(self) -> None:
        if self.window < 0 or (self.window == 0 and not self.time_window):
            raise ReduceError(f"--window must be >= 1 (0, no channel smoothing, only with --time-window), "
                              f"got {self.window}")
        if self.time_window is not None and self.time_window < 1:
            raise ReduceError(f"--time-window must be >= 1, got {self.time_window}")
        if self.time_min_samples is not None:
            if self.time_window is None:
                raise ReduceError("--time-min-samples needs --time-window")
            if not 1 <= self.time_min_samples <= self.time_window:
                raise ReduceError(f"--time-min-samples must be between 1 and the time window "
                                  f"({self.time_window}), got {self.time_min_samples}")
        if self.mode not in MODES:
            raise ReduceError(f"--mode must be one of {', '.join(MODES)}; got {self.mode!r}")
        if self.algorithm not in ALGORITHMS:
            raise ReduceError(f"--algorithm must be one of {', '.join(ALGORITHMS)}; got {self.algorithm!r}")
        if self.nan_policy not in ("skip", "propagate"):
            raise ReduceError(f"--nan-policy must be skip or propagate; got {self.nan_policy!r}")
        if self.min_samples is not None and not 1 <= self.min_samples <= self.window:
            raise ReduceError(f"--min-samples must be between 1 and the window ({self.window}), "
                              f"got {self.min_samples}")
        if self.decimate < 1:
            raise ReduceError(f"--decimate must be >= 1, got {self.decimate}")
        if self.dtype not in DTYPES:
            raise ReduceError(f"--dtype must be one of {', '.join(DTYPES)}; got {self.dtype!r}")
        if self.compression not in COMPRESSIONS:
            raise ReduceError(f"--compression must be one of {', '.join(COMPRESSIONS)}")
        if self.row_group_size is not None and self.row_group_size < 1:
            raise ReduceError(f"--row-group-size must be >= 1, got {self.row_group_size}")
        if self.threads is not None and self.threads < 1:
            raise ReduceError(f"--threads must be >= 1, got {self.threads}")
        if self.rows_per_task is not None and self.rows_per_task < 1:
            raise ReduceError(f"--rows-per-task must be >= 1, got {self.rows_per_task}")
        _clean.validate(self)


@dataclass
class ColumnInfo:
    """What the spectrum column looks like, and what the output will be."""

    is_list: bool
    inner: Any  # polars dtype class of the input elements
    channels: int
    out_inner: Any
    out_channels: int
    rows: int
    schema: Dict[str, Any] = field(default_factory=dict)

    @property
    def in_itemsize(self) -> int:
        return _itemsize(self.inner)

    @property
    def out_itemsize(self) -> int:
        return _itemsize(self.out_inner)

    @property
    def out_dtype(self) -> Any:
        return pl.List(self.out_inner) if self.is_list else pl.Array(self.out_inner, self.out_channels)


def _itemsize(dt: Any) -> int:
    for t, n in ((pl.Float64, 8), (pl.Int64, 8), (pl.UInt64, 8), (pl.Float32, 4), (pl.Int32, 4),
                 (pl.UInt32, 4), (pl.Int16, 2), (pl.UInt16, 2), (pl.Int8, 1), (pl.UInt8, 1)):
        if dt == t:
            return n
    return 8


def _dtype_name(dt: Any) -> str:
    return str(dt).lower()


# ----------------------------------------------------------------- inputs
def is_uri(path: str) -> bool:
    return "://" in str(path)


def _has_glob(path: str) -> bool:
    return any(ch in path for ch in "*?[")


def _parquet_files_under(folder: str) -> List[str]:
    out = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        for f in sorted(files):
            if f.startswith((".", "_")):
                continue
            if f.endswith((".parquet", ".parq", ".pq")):
                out.append(os.path.join(root, f))
    return sorted(out)


def resolve_inputs(inputs: Sequence[str], storage_options: Optional[Dict[str, str]] = None) -> List[str]:
    """Expand local files, folders and globs into a sorted list of Parquet files.

    ``s3://`` URIs are listed (a prefix or a glob) through :mod:`mwk._storage`
    when they do not name one object; other cloud URIs are passed through
    untouched (``scan_parquet`` expands them itself). The order is the order
    of the arguments, each expanded in sorted path order, so every path sees
    the rows in the same order.
    """
    out: List[str] = []
    for item in inputs:
        item = str(item)
        if is_uri(item):
            if item.startswith("s3://"):
                from ._storage import expand_s3

                out.extend(expand_s3(item))
            else:
                out.append(item)
            continue
        if _has_glob(item):
            matches = sorted(_glob.glob(item, recursive=True))
            files: List[str] = []
            for m in matches:
                files.extend(_parquet_files_under(m) if os.path.isdir(m) else [m])
            if not files:
                raise ReduceError(f"no Parquet files found matching {item}")
            out.extend(files)
        elif os.path.isdir(item):
            files = _parquet_files_under(item)
            if not files:
                raise ReduceError(f"no Parquet files found in folder {item}")
            out.extend(files)
        elif os.path.exists(item):
            out.append(item)
        else:
            raise ReduceError(f"no such file or folder: {item}")
    if not out:
        raise ReduceError("no Parquet files found")
    return out


def _norm(p: str) -> str:
    if is_uri(p):
        return p.rstrip("/")
    return os.path.realpath(os.path.abspath(p))


def _inside(child: str, parent: str) -> bool:
    return child == parent or child.startswith(parent.rstrip("/") + "/")


def check_output_vs_inputs(output: str, inputs: Sequence[str], sources: Sequence[str]) -> None:
    """Refuse an output that is, contains, or is inside an input: the run
    would replace its own data (``-o a.parquet`` with input ``a.parquet``), or
    the next run would read its own output."""
    out = _norm(output)
    for item in list(inputs) + list(sources):
        item = str(item)
        if not is_uri(item) and _has_glob(item):
            continue  # the glob's matches are in sources
        src = _norm(item)
        if src == out:
            raise ReduceError(f"output {output} is also an input: refusing to replace the data being read")
        if _inside(src, out):
            raise ReduceError(f"output {output} contains the input {item}: refusing to replace it")
        is_folder = (not is_uri(item) and os.path.isdir(item)) or (is_uri(item) and item.endswith("/"))
        if is_folder and _inside(out, src):
            raise ReduceError(f"output {output} is inside the input folder {item}: "
                              "a later run would read it as input")


def scan(sources: Sequence[str], storage_options: Optional[Dict[str, str]] = None) -> pl.LazyFrame:
    """``scan_parquet`` over the resolved sources (no hive columns: every
    column comes from inside the files, as a partitioned mwk output keeps its
    key column in each file)."""
    kw: Dict[str, Any] = {"hive_partitioning": False}
    if storage_options:
        kw["storage_options"] = storage_options
    try:
        return pl.scan_parquet(list(sources), **kw)
    except Exception as e:  # noqa: BLE001
        raise ReduceError(f"cannot read input: {first_line(e)}") from None


def _first_channels(lf: pl.LazyFrame, col: str) -> Optional[int]:
    """The channel count of the first non-null, non-empty row of a List column."""
    first = (lf.select(pl.col(col).list.len().alias("n")).filter(pl.col("n") > 0)
             .head(1).collect())
    return int(first.item()) if first.height else None


def inspect_input(lf: pl.LazyFrame, opts: ReduceOptions) -> ColumnInfo:
    """Check the spectrum column and work out the output's shape."""
    try:
        schema = dict(lf.collect_schema())
    except Exception as e:  # noqa: BLE001
        raise ReduceError(f"cannot read input: {first_line(e)}") from None
    col = opts.column
    if col not in schema:
        names = ", ".join(list(schema)[:12]) + (", ..." if len(schema) > 12 else "")
        raise ReduceError(f"column {col!r} not found in the input (columns: {names})")
    dt = schema[col]
    if isinstance(dt, pl.Array):
        shape = dt.shape
        if len(shape) != 1:
            raise ReduceError(f"column {col!r} is {dt}: expected a one-dimensional Array or a List of numbers")
        inner, is_list, channels = dt.inner, False, int(shape[0])
    elif isinstance(dt, pl.List):
        inner, is_list, channels = dt.inner, True, -1
    else:
        raise ReduceError(f"column {col!r} is {dt}: expected Array(Float32|Float64, channels) or List of numbers")
    if not any(inner == t for t in _NUMERIC_INNER):
        raise ReduceError(f"column {col!r} is {dt}: its elements must be numbers (Float32/Float64)")
    if opts.partition_by is not None:
        if opts.partition_by not in schema:
            raise ReduceError(f"partition column {opts.partition_by!r} not found in the input")
        if opts.partition_by == col:
            raise ReduceError("cannot partition by the spectrum column")
    _clean.check_schema(schema, opts)
    try:
        rows = int(lf.select(pl.len()).collect().item())
        if is_list:
            found = _first_channels(lf, col) if rows else None
            if found is None and rows:
                raise ReduceError(f"column {col!r} has no non-empty rows: cannot tell the channel count")
            channels = found or 0
    except ReduceError:
        raise
    except Exception as e:  # noqa: BLE001
        raise ReduceError(f"cannot read input: {first_line(e)}") from None
    # The engine's rule: a window longer than the row is an error in 'valid'
    # mode (no full window), and gives NaN (fewer than min_samples values) in
    # 'trailing' and 'centered'. Nothing to check when there are no rows.
    if rows and opts.mode == "valid" and opts.window > channels:
        raise ReduceError(f"window {opts.window} is larger than the {channels} channels of column {col!r} "
                          "(mode 'valid' needs one full window; 'trailing' and 'centered' give NaN)")
    if opts.dtype == "float32":
        out_inner = pl.Float32
    elif opts.dtype == "float64":
        out_inner = pl.Float64
    else:
        out_inner = pl.Float32 if inner == pl.Float32 else pl.Float64
    smoothed = max(0, channels - opts.window + 1) if opts.mode == "valid" and opts.window else channels
    out_channels = len(range(0, smoothed, opts.decimate))
    return ColumnInfo(is_list=is_list, inner=inner, channels=channels, out_inner=out_inner,
                      out_channels=out_channels, rows=rows, schema=schema)


# ------------------------------------------------------------------ units
@dataclass
class Unit:
    """One piece of work: rows [offset, offset + rows) of one input file."""

    index: int
    source: str
    offset: int
    rows: int
    file_rows: int

    @property
    def whole(self) -> bool:
        return self.offset == 0 and self.rows == self.file_rows

    @property
    def name(self) -> str:
        return f"part-{self.index:05d}.parquet"

    def describe(self) -> str:
        base = os.path.basename(self.source.rstrip("/")) or self.source
        return base if self.whole else f"{base} rows {self.offset}-{self.offset + self.rows - 1}"


def file_rows(source: str, storage_options: Optional[Dict[str, str]] = None) -> int:
    try:
        return int(scan([source], storage_options).select(pl.len()).collect().item())
    except ReduceError:
        raise
    except Exception as e:  # noqa: BLE001
        raise ReduceError(f"cannot read input {source}: {first_line(e)}") from None


def plan_units(sources: Sequence[str], rows_per_task: Optional[int] = None,
               storage_options: Optional[Dict[str, str]] = None) -> List[Unit]:
    """One unit per input file, or per ``rows_per_task`` rows of it (the
    Parquet reader skips the row groups outside a range)."""
    units: List[Unit] = []
    for src in sources:
        n = file_rows(src, storage_options)
        step = rows_per_task or max(n, 1)
        for off in range(0, max(n, 1), step):
            units.append(Unit(len(units), src, off, min(step, n - off) if n else 0, n))
    return units


#: At most this many bytes of input spectra are decoded at a time
#: (``MWK_STEP_BYTES`` overrides it). Polars' Parquet reader decodes a whole
#: row group at a time (even for a slice of it: 64-row slices of one
#: 1,500-row group peaked at 4.2x the memory of 64-row groups), and the plugin
#: then smooths it in one piece, so peak memory grew with the input's row-group
#: size (one 1,500-row group of 30,000 float32 channels: 2.5x the peak of
#: 64-row groups). A unit whose file has row groups larger than this is read
#: with pyarrow's buffered reader in batches of at most this size, each
#: reduced by its own query into an uncompressed part (see :func:`unit_pieces`).
STEP_BYTES = 8 << 20


def step_bytes() -> int:
    try:
        v = int(os.environ.get("MWK_STEP_BYTES", "") or STEP_BYTES)
    except ValueError:
        v = STEP_BYTES
    return max(1, v)


class _Thrift:
    """Just enough of Thrift's compact protocol to read a Parquet footer."""

    def __init__(self, b: bytes) -> None:
        self.b, self.i = b, 0

    def byte(self) -> int:
        v = self.b[self.i]
        self.i += 1
        return v

    def varint(self) -> int:
        shift = v = 0
        while True:
            x = self.byte()
            v |= (x & 0x7F) << shift
            if not x & 0x80:
                return v
            shift += 7

    def zigzag(self) -> int:
        v = self.varint()
        return (v >> 1) ^ -(v & 1)

    def list_header(self) -> tuple:
        h = self.byte()
        n = h >> 4
        return (self.varint() if n == 15 else n), h & 15

    def skip(self, t: int, in_list: bool = False) -> None:
        if t in (1, 2):
            if in_list:  # a list's booleans are a byte each; a field's is in its header
                self.i += 1
        elif t == 3:
            self.i += 1
        elif t in (4, 5, 6):
            self.varint()
        elif t == 7:
            self.i += 8
        elif t == 8:
            n = self.varint()
            self.i += n
        elif t in (9, 10):
            n, et = self.list_header()
            for _ in range(n):
                self.skip(et, True)
        elif t == 11:
            n = self.varint()
            if n:
                kv = self.byte()
                for _ in range(n):
                    self.skip(kv >> 4, True)
                    self.skip(kv & 15, True)
        elif t == 12:
            self.struct(lambda fid, ft: self.skip(ft))
        else:
            raise ValueError(f"thrift type {t}")

    def struct(self, on_field: Callable[[int, int], None]) -> None:
        fid = 0
        while True:
            h = self.byte()
            if h == 0:
                return
            d, t = h >> 4, h & 15
            fid = fid + d if d else self.zigzag()
            on_field(fid, t)


def row_group_rows(path: str) -> Optional[List[int]]:
    """The rows of each row group of a local Parquet file, from its footer
    (None if it cannot be read: the caller then assumes the worst)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(size - 8)
            tail = fh.read(8)
            n = int.from_bytes(tail[:4], "little")
            if tail[4:] != b"PAR1" or n > size - 12:
                return None
            fh.seek(size - 8 - n)
            r = _Thrift(fh.read(n))
        rows: List[int] = []

        def file_field(fid: int, t: int) -> None:
            if fid == 4 and t == 9:  # FileMetaData.row_groups: list<RowGroup>
                count, _ = r.list_header()
                for _ in range(count):
                    got = [0]

                    def rg_field(fid2: int, t2: int) -> None:
                        if fid2 == 3 and t2 == 6:  # RowGroup.num_rows: i64
                            got[0] = r.zigzag()
                        else:
                            r.skip(t2)

                    r.struct(rg_field)
                    rows.append(got[0])
            else:
                r.skip(t)

        r.struct(file_field)
        return rows
    except Exception:  # noqa: BLE001
        return None


def step_rows(unit: Unit, info: ColumnInfo) -> Optional[int]:
    """Rows per step when ``unit`` must be read in bounded steps: its file is
    local, has a row group larger than :func:`step_bytes` of spectra, and
    pyarrow is installed. None otherwise (read by Polars in one query)."""
    budget = max(1, step_bytes() // max(1, info.channels * info.in_itemsize))
    if unit.rows <= budget or is_uri(unit.source):
        return None
    groups = row_group_rows(unit.source)
    if groups is not None and max(groups, default=0) <= budget:
        return None
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return None
    return budget


def _bounded_batches(unit: Unit, rows: int, info: ColumnInfo) -> Iterator[tuple]:
    """(offset, DataFrame) of at most ``rows`` rows each, over the unit's rows,
    decoded by pyarrow's buffered reader (which reads a column chunk a page at
    a time instead of whole), in the types Polars' own scan gives."""
    import pyarrow.parquet as pq

    f = pq.ParquetFile(unit.source, buffer_size=1 << 20, pre_buffer=False)
    md = f.metadata
    lo, hi = unit.offset, unit.offset + unit.rows
    groups, starts, pos = [], [], 0
    for i in range(md.num_row_groups):
        n = md.row_group(i).num_rows
        if pos < hi and pos + n > lo:
            groups.append(i)
            starts.append(pos)
        pos += n
    if not groups:
        return
    at = starts[0]
    schema = info.schema
    try:
        for batch in f.iter_batches(batch_size=rows, row_groups=groups, use_threads=False):
            n = batch.num_rows
            a, b = max(lo, at), min(hi, at + n)
            if b > a:
                df = pl.from_arrow(batch.slice(a - at, b - a))
                assert isinstance(df, pl.DataFrame)
                casts = {c: t for c, t in schema.items() if c in df.columns and df.schema[c] != t}
                if casts:
                    df = df.cast(casts)
                yield a, df.select(list(schema))
            at += n
            if at >= hi:
                break
    finally:
        f.close()


def unit_pieces(unit: Unit, info: ColumnInfo,
                storage_options: Optional[Dict[str, str]] = None) -> Iterator[tuple]:
    """(piece, LazyFrame) for each piece of the unit, in order: the unit itself
    read by Polars, or (see :func:`step_rows`) consecutive batches of it read
    by pyarrow, so that no more than a step of input is decoded at a time."""
    rows = step_rows(unit, info)
    if rows is None:
        yield unit, unit_frame(unit, storage_options)
        return
    for off, df in _bounded_batches(unit, rows, info):
        yield Unit(unit.index, unit.source, off, df.height, unit.file_rows), df.lazy()


def unit_frame(unit: Unit, storage_options: Optional[Dict[str, str]] = None) -> pl.LazyFrame:
    lf = scan([unit.source], storage_options)
    return lf if unit.whole else lf.slice(unit.offset, unit.rows)


# ------------------------------------------------------------------ query
def build_query(lf: pl.LazyFrame, info: ColumnInfo, opts: ReduceOptions) -> pl.LazyFrame:
    """The lazy reduction: every column but the spectrum passes through."""
    c, w = opts.column, info.channels
    if info.rows == 0 and info.is_list:
        return lf.with_columns(pl.col(c).cast(info.out_dtype), *_clean.empty_columns(opts))
    e = pl.col(c)
    if info.is_list:
        e = e.list.to_array(w)  # fails on ragged rows, mid-stream
    if opts.dtype == "float64" and info.inner != pl.Float64:
        e = e.cast(pl.Array(pl.Float64, w))
    elif opts.dtype == "float32" and info.inner != pl.Float32 and info.inner != pl.Float64:
        e = e.cast(pl.Array(pl.Float64, w))
    kernel_inner = pl.Float32 if (info.inner == pl.Float32 and opts.dtype != "float64") else pl.Float64
    lf, e, added = _clean.apply(lf, e, kernel_inner, w, opts)  # --clean: the cleaned spectrum, flag columns
    if opts.window:
        e = e.mwk.moving_mean(opts.window, mode=opts.mode, min_samples=opts.min_samples,
                              nan_policy=opts.nan_policy, threads=opts.threads, algorithm=opts.algorithm)
    else:  # --window 0 (with --time-window): no channel smoothing, the kernel's dtype all the same
        e = e.cast(pl.Array(kernel_inner, w))
    if opts.decimate > 1:
        e = e.arr.to_list().list.gather_every(opts.decimate)
        if not info.is_list:
            e = e.list.to_array(info.out_channels)
    elif info.is_list:
        e = e.arr.to_list()
    if kernel_inner != info.out_inner:
        e = e.cast(info.out_dtype)
    return _clean.finish(lf.with_columns(e.alias(c), *added), opts)


def default_row_group_size(info: ColumnInfo) -> int:
    row_bytes = max(1, info.out_channels * info.out_itemsize)
    return max(1, min(1 << 17, ROW_GROUP_BYTES // row_bytes))


def run_metadata(opts: ReduceOptions, info: Optional[ColumnInfo] = None) -> Dict[str, str]:
    """The run's parameters, recorded in every output file's key-value metadata."""
    md = {
        "mwk.version": mwk_version(),
        "mwk.column": opts.column,
        "mwk.window": str(opts.window),
        "mwk.mode": opts.mode,
        "mwk.algorithm": opts.algorithm,
        "mwk.nan_policy": opts.nan_policy,
        "mwk.min_samples": "" if opts.min_samples is None else str(opts.min_samples),
        "mwk.decimate": str(opts.decimate),
        "mwk.dtype": opts.dtype,
    }
    if info is not None:
        md["mwk.channels_in"] = str(info.channels)
        md["mwk.channels_out"] = str(info.out_channels)
    md.update(_clean.metadata(opts))
    if opts.time_window is not None:  # only then: other runs' metadata (and Dask fingerprints) unchanged
        md["mwk.time_window"] = str(opts.time_window)
        md["mwk.time_min_samples"] = str(opts.time_min_samples or opts.time_window)
    return md


# ----------------------------------------------------------------- output
class OutputTarget:
    """A temporary sibling of the output, renamed into place by :meth:`commit`."""

    def __init__(self, path: str, *, folder: bool, overwrite: bool) -> None:
        if is_uri(path):
            raise ReduceError(f"output {path}: object storage needs --dask (a dataset folder of parts); "
                              "without it, write locally and copy")
        self.path = os.path.abspath(path)
        self.folder = folder
        self.committed = False
        parent = os.path.dirname(self.path) or "."
        if os.path.isdir(self.path) and not folder:
            raise ReduceError(f"output {path} is a folder: give a file name, or --partition-by to write a folder")
        if os.path.exists(self.path) and not overwrite:
            what = "folder" if folder else "file"
            raise ReduceError(f"output {what} {path} already exists (pass --overwrite to replace it)")
        if not os.path.isdir(parent):
            what = "is not a folder" if os.path.exists(parent) else "does not exist"
            raise ReduceError(f"cannot write output {path}: {parent} {what}")
        base = os.path.basename(self.path)
        self.tmp = os.path.join(parent, f".{base}.mwk-tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        self.parts = f"{self.tmp}-parts"
        try:  # a real write test (os.access lies to root and on read-only mounts)
            with open(self.tmp, "wb"):
                pass
            os.unlink(self.tmp)
        except OSError as e:
            raise ReduceError(f"cannot write output {path}: {e.strerror or first_line(e)}") from None
        if folder:
            os.mkdir(self.tmp)

    def cleanup(self) -> None:
        """Remove every temporary path. A folder is first renamed away, so that an
        engine still finishing a cancelled query cannot create new files under
        its old name (open files are written into unlinked inodes)."""
        with sigint_deferred():
            for p in (self.tmp, self.parts, f"{self.tmp}-old"):
                try:
                    if os.path.isdir(p):
                        gone = f"{p}-gone-{uuid.uuid4().hex[:6]}"
                        os.rename(p, gone)
                        shutil.rmtree(gone, ignore_errors=True)
                    elif os.path.lexists(p):
                        os.unlink(p)
                except OSError:
                    pass

    def commit(self) -> None:
        with sigint_deferred():
            try:
                if os.path.lexists(self.path):
                    old = f"{self.tmp}-old"
                    os.replace(self.path, old)
                    os.replace(self.tmp, self.path)
                    self.committed = True
                    if os.path.isdir(old):
                        shutil.rmtree(old, ignore_errors=True)
                    else:
                        os.unlink(old)
                else:
                    os.replace(self.tmp, self.path)
                    self.committed = True
            except OSError as e:
                raise ReduceError(f"cannot write output {self.path}: {e.strerror or first_line(e)}") from None
            shutil.rmtree(self.parts, ignore_errors=True)

    def files(self) -> List[str]:
        if not self.folder:
            return [self.path]
        return _parquet_files_under(self.path)


def _tree_size(path: str) -> int:
    try:
        if os.path.isdir(path):
            total = 0
            for root, _, files in os.walk(path):
                for f in files:
                    try:
                        total += os.path.getsize(os.path.join(root, f))
                    except OSError:
                        pass
            return total
        return os.path.getsize(path)
    except OSError:
        return 0


def run_sink(lf: pl.LazyFrame, dest: str, opts: ReduceOptions, info: ColumnInfo, *,
             compression: Optional[str] = None, partition: bool = False,
             metadata: Optional[Dict[str, str]] = None,
             poll: Optional[Callable[[], None]] = None, unit: Optional[Unit] = None,
             storage_options: Optional[Dict[str, str]] = None,
             sink_storage_options: Optional[Dict[str, str]] = None,
             one_file_per_key: bool = False) -> None:
    """Run ``lf.sink_parquet(dest)`` in the background; call ``poll`` while it
    runs; Ctrl-C cancels the query, waits until the engine has stopped and
    raises :class:`Cancelled`. With ``partition``: ``dest/COL=value/`` folders
    (``one_file_per_key``: exactly one file in each)."""
    target: Any = dest
    if partition and opts.partition_by is not None:
        limits: Dict[str, Any] = ({"max_rows_per_file": None, "approximate_bytes_per_file": None}
                                  if one_file_per_key else {})
        target = pl.PartitionBy(dest, key=opts.partition_by, include_key=True, **limits)
    kw: Dict[str, Any] = {"compression": compression or opts.compression,
                          "row_group_size": opts.row_group_size or default_row_group_size(info)}
    if compression == "uncompressed":
        kw["statistics"] = False  # intermediate parts: nobody filters on them
    if metadata:
        kw["metadata"] = metadata
    if sink_storage_options:
        kw["storage_options"] = sink_storage_options
    try:
        q = lf.sink_parquet(target, lazy=True, **kw).collect(background=True)
    except Exception as e:  # noqa: BLE001
        raise ReduceError(f"cannot start the reduction: {first_line(e)}") from None
    try:
        nap, last_poll = 0.0005, 0.0
        while True:
            try:
                done = q.fetch()
            except Exception as e:  # noqa: BLE001
                raise translate_run_error(e, opts, info, unit, storage_options) from None
            if done is not None:
                break
            now = time.perf_counter()
            if poll is not None and now - last_poll >= 0.1:
                poll()
                last_poll = now
            time.sleep(nap)  # short at first: no fixed floor on a quick run's time
            nap = min(nap * 2, 0.05)
    except KeyboardInterrupt:
        try:
            q.cancel()
        except Exception:  # noqa: BLE001
            pass
        _wait_stopped(q)
        raise Cancelled("interrupted") from None


#: Set when a cancelled query did not stop in time: its engine threads are still
#: running (C and Rust only; no Python runs there). The command line then ends
#: the process with ``os._exit`` instead of finalising the interpreter under them.
ENGINE_LEFT_RUNNING = threading.Event()


def _wait_stopped(q: Any, limit_s: float = 2.0) -> None:
    """Give a cancelled background query a moment to stop. Polars' streaming
    engine may only notice the cancellation after the work in flight (a slow
    kernel can take many seconds), and a Ctrl-C must not wait for that: the
    caller removes the temporary output either way (see
    :meth:`OutputTarget.cleanup`)."""
    deadline = time.monotonic() + limit_s
    with sigint_deferred():
        while time.monotonic() < deadline:
            try:
                if q.fetch() is not None:
                    return
            except Exception:  # noqa: BLE001  (the cancellation error: stopped)
                return
            time.sleep(0.02)
    ENGINE_LEFT_RUNNING.set()


def _find_ragged_row(unit: Optional[Unit], column: str, channels: int,
                     storage_options: Optional[Dict[str, str]]) -> Optional[str]:
    if unit is None:
        return None
    try:
        lf = unit_frame(unit, storage_options).select(pl.col(column).list.len().alias("n"))
        bad = (lf.with_row_index("i", offset=unit.offset)
               .filter(pl.col("n").is_not_null() & (pl.col("n") != channels)).head(1).collect())
    except Exception:  # noqa: BLE001
        return None
    if not bad.height:
        return None
    i, n = int(bad["i"][0]), int(bad["n"][0])
    return f"row {i} of {unit.source} has {n} channels"


def translate_run_error(e: BaseException, opts: ReduceOptions, info: ColumnInfo,
                        unit: Optional[Unit] = None,
                        storage_options: Optional[Dict[str, str]] = None) -> ReduceError:
    msg = first_line(e)
    if info.is_list and "not all elements have the specified width" in msg:
        where = _find_ragged_row(unit, opts.column, info.channels, storage_options)
        return ReduceError(f"column {opts.column!r} has ragged list lengths: "
                           + (f"{where}, " if where else "")
                           + f"expected {info.channels} (the first non-empty row's count)")
    if isinstance(e, KeyboardInterrupt) or "cancelled" in msg:
        return Cancelled("interrupted")
    if isinstance(e, OSError):
        return ReduceError(f"reduction failed (I/O): {msg}")
    return ReduceError(f"reduction failed: {msg}")


# --------------------------------------------------------------- progress
class Progress:
    """A one-line progress bar on stderr: rows, MB/s (input bytes), ETA."""

    def __init__(self, total_rows: int, bytes_per_row: float, enabled: bool, label: str = "reduce",
                 unit_label: str = "rows", extra: Optional[Callable[[], str]] = None) -> None:
        self.total = max(0, total_rows)
        self.bpr = bytes_per_row
        self.enabled = enabled
        self.label = label
        self.unit_label = unit_label
        self.extra = extra
        self.t0 = time.perf_counter()
        self._last = 0.0
        self._drawn = False
        self._closed = False

    def update(self, rows: float, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if not force and now - self._last < 0.2:
            return
        self._last = now
        rows = int(min(rows, self.total) if self.total else rows)
        dt = max(now - self.t0, 1e-9)
        rate = rows / dt
        frac = rows / self.total if self.total else 1.0
        width = 24
        fill = int(round(frac * width))
        bar = "#" * fill + "-" * (width - fill)
        eta = (self.total - rows) / rate if rate > 0 else float("inf")
        eta_s = _fmt_secs(eta) if eta != float("inf") else "?"
        extra = f"{self.extra()} " if self.extra else ""
        line = (f"\r{self.label} [{bar}] {extra}{rows:,}/{self.total:,} {self.unit_label} {frac * 100:5.1f}% "
                f"{rate * self.bpr / 1e6:,.0f} MB/s ETA {eta_s}   ")
        sys.stderr.write(line)
        sys.stderr.flush()
        self._drawn = True

    def close(self, rows: float) -> None:
        """Draw the final state (also for a run too quick to have drawn any)."""
        if self.enabled and not self._closed:
            self._closed = True
            self.update(rows, force=True)
            sys.stderr.write("\n")
            sys.stderr.flush()


def _fmt_secs(s: float) -> str:
    if s != s or s in (float("inf"), float("-inf")):
        return "n/a"
    if s < 60:
        return f"{s:.0f}s" if s >= 10 else f"{s:.1f}s"
    if s < 3600:
        return f"{int(s // 60)}m{int(s % 60):02d}s"
    return f"{int(s // 3600)}h{int(s % 3600 // 60):02d}m"


# ------------------------------------------------------------------ runs
@dataclass
class ReduceResult:
    rows: int
    channels_in: int
    channels_out: int
    dtype_in: str
    dtype_out: str
    files_in: int
    bytes_in_disk: Optional[int]
    bytes_out_disk: int
    bytes_in_data: int
    bytes_out_data: int
    seconds: float
    output: str
    isolate: bool
    window: int
    mode: str
    decimate: int
    engine: str = "local"
    tasks: int = 1
    tasks_run: int = 1
    tasks_kept: int = 0
    rfi: Optional[Dict[str, Any]] = None  # --clean: what was flagged (mwk._clean.tally)
    time_window: Optional[int] = None
    units_resumed: int = 0  # --time-window: units kept from an interrupted run

    @property
    def gbps(self) -> float:
        return self.bytes_in_data / 1e9 / self.seconds if self.seconds > 0 else 0.0

    def projected_day_seconds(self, chunks: int = 9000) -> Optional[float]:
        return self.seconds / self.rows * chunks if self.rows else None

    def as_dict(self) -> Dict[str, Any]:
        d = asdict(self)
        d["gb_per_s"] = self.gbps
        d["projected_9000_chunks_s"] = self.projected_day_seconds()
        return d


def _disk_size(paths: Sequence[str]) -> Optional[int]:
    total = 0
    for p in paths:
        if is_uri(p):
            return None
        try:
            total += os.path.getsize(p)
        except OSError:
            return None
    return total


class _RowsEstimate:
    """Rows written so far, from the size of what the engine has written."""

    def __init__(self) -> None:
        self.done = 0
        self.path: Optional[str] = None
        self.rows = 0
        self.bytes_per_row = 1.0

    def start(self, path: str, rows: int, bytes_per_row: float) -> None:
        self.path, self.rows, self.bytes_per_row = path, rows, max(bytes_per_row, 1e-9)

    def finish(self) -> None:
        self.done += self.rows
        self.path, self.rows = None, 0

    def value(self) -> float:
        if not self.path:
            return self.done
        part = _tree_size(self.path) / self.bytes_per_row
        return self.done + min(part, 0.99 * self.rows)


# ------------------------------------------------------------ time window
#: Test hook: called with a unit's index once its checkpoint is on disk (the
#: tests raise or kill the process there to interrupt a run at a known point).
_time_hook: Optional[Callable[[int], None]] = None


def time_fingerprint(sources: Sequence[str], units: Sequence[Unit], opts: ReduceOptions,
                     info: ColumnInfo) -> str:
    """What a --time-window run's saved state depends on: the inputs (path,
    size, modification time), the units, the parameters, mwk's version. A
    rerun with the same fingerprint resumes; any other starts afresh."""
    import hashlib

    ident = []
    for s in sources:
        try:
            st = os.stat(s)
            ident.append([s, st.st_size, st.st_mtime_ns])
        except OSError:
            ident.append([s, None, None])
    spec = {"inputs": ident, "units": [[u.source, u.offset, u.rows] for u in units],
            "parameters": run_metadata(opts, info), "format": "mwk-time-work/1"}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


class TimeWork:
    """The resumable work folder of a --time-window run, a hidden sibling of
    the output named after the run's fingerprint: ``t-UUUUU-KKKK.parquet``
    (time-smoothed rows of unit U, in order), then ``state-UUUUU.bin`` (the
    stream's bytes after unit U) and ``pending-UUUUU.parquet`` (the rows whose
    outputs the stream still holds back), each written under a temporary name
    and renamed. A unit is complete once its state file exists; a rerun
    starts after the last complete unit. Kept when a run fails or is
    interrupted, removed when the output is committed (with any other run's
    work folder for the same output)."""

    def __init__(self, output: str, fingerprint: str) -> None:
        parent, base = os.path.split(os.path.abspath(output))
        self.prefix = os.path.join(parent, f".{base}.mwk-time-")
        self.path = self.prefix + fingerprint[:20]
        self.resumed = 0
        os.makedirs(self.path, exist_ok=True)

    def file(self, name: str) -> str:
        return os.path.join(self.path, name)

    def last_complete(self) -> int:
        done = [int(n[6:11]) for n in os.listdir(self.path)
                if n.startswith("state-") and n.endswith(".bin") and n[6:11].isdigit()]
        return max(done, default=-1)

    def tidy(self, after: int) -> List[str]:
        """Remove what units after ``after`` left (an interrupted unit);
        return the time parts of units up to it, in order."""
        keep = []
        for n in sorted(os.listdir(self.path)):
            p = self.file(n)
            unit = int(n[2:7]) if n.startswith("t-") and n[2:7].isdigit() else None
            if unit is not None and unit <= after and n.endswith(".parquet"):
                keep.append(p)
            elif n.startswith(("state-", "pending-")) and n[n.index("-") + 1:][:5].isdigit() \
                    and int(n[n.index("-") + 1:][:5]) <= after and not n.endswith(".tmp"):
                continue
            elif os.path.isdir(p):
                shutil.rmtree(p, ignore_errors=True)
            else:
                os.unlink(p)
        return keep

    def write_atomic(self, name: str, write: Callable[[str], None]) -> str:
        dst = self.file(name)
        tmp = dst + ".tmp"
        write(tmp)
        os.replace(tmp, dst)
        return dst

    def remove(self) -> None:
        with sigint_deferred():
            parent, head = os.path.split(self.prefix)
            for n in os.listdir(parent):
                if n.startswith(head):
                    shutil.rmtree(os.path.join(parent, n), ignore_errors=True)


def _time_stream(opts: ReduceOptions, info: ColumnInfo) -> Any:
    from ._stream import Stream

    dtype = np.float32 if info.out_inner == pl.Float32 else np.float64
    # one stream per output channel, values arriving one spectrum (row) at a
    # time: pushes of shape (rows, channels) along axis 0; clipped windows
    # (long_window='clip') when the whole day has fewer than K rows.
    return Stream("mean", opts.time_window, opts.time_min_samples, axis=0, mode="trailing",
                  nan_policy=opts.nan_policy, long_window="clip", dtype=dtype, rows=info.out_channels,
                  threads=opts.threads)


def _time_emit(y: Any, pending: pl.DataFrame, col: str, info: ColumnInfo) -> tuple:
    """The first len(y) pending rows with their spectra replaced by y (rows x
    channels); a row whose spectrum was null stays null. Returns (rows, rest)."""
    k = int(y.shape[0])
    head, rest = pending.head(k), pending.slice(k)
    spec = pl.Series(col, y).cast(pl.Array(info.out_inner, info.out_channels))
    if info.is_list:
        spec = spec.arr.to_list()
    nulls = head[col].is_null()
    if nulls.any():
        spec = pl.select(pl.when(nulls).then(None).otherwise(spec)).to_series().alias(col)
    return head.with_columns(spec.cast(info.out_dtype).alias(col)), rest


def _time_batches(path: str, info: ColumnInfo) -> Iterator[pl.DataFrame]:
    """A channel-smoothed part in batches of at most step_bytes() of spectra."""
    import pyarrow.parquet as pq

    rows = max(1, step_bytes() // max(1, info.out_channels * info.out_itemsize))
    f = pq.ParquetFile(path, buffer_size=1 << 20, pre_buffer=False)
    schema = pl.read_parquet_schema(path)
    try:
        for batch in f.iter_batches(batch_size=rows, use_threads=False):
            df = pl.from_arrow(batch)
            assert isinstance(df, pl.DataFrame)
            casts = {c: t for c, t in schema.items() if df.schema[c] != t}
            yield df.cast(casts) if casts else df
    finally:
        f.close()


def _write_bytes(path: str, b: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(b)
        fh.flush()
        os.fsync(fh.fileno())


def _time_units(units: Sequence[Unit], work: TimeWork, opts: ReduceOptions, info: ColumnInfo, *,
                isolate: bool, est: "_RowsEstimate", poll: Optional[Callable[[], None]],
                storage_options: Optional[Dict[str, str]], state: Any = None) -> List[str]:
    """--time-window: each unit, in order, is smoothed across channels into
    parts (as without it), whose spectra are then pushed, a bounded block of
    rows at a time, through one mwk.Stream of a trailing mean over K rows per
    output channel: memory is the blocks plus the stream's state (K rows for
    'auto'), whatever the number of rows. After each unit the stream's state
    is saved (see :class:`TimeWork`), so that an interrupted run, rerun,
    carries on from the last complete unit with the same bytes. Returns the
    time-smoothed parts in order."""
    from ._stream import Stream

    col = opts.column
    done = work.last_complete()
    parts = work.tidy(done)
    stream: Any = None
    pending: Optional[pl.DataFrame] = None
    if done >= 0:
        try:
            with open(work.file(f"state-{done:05d}.bin"), "rb") as fh:
                blob = fh.read()
            if blob != b"finished":  # else every unit is done: only the final write is left
                stream = Stream.from_bytes(blob, threads=opts.threads)
            pending = pl.read_parquet(work.file(f"pending-{done:05d}.parquet"))
        except Exception as e:  # noqa: BLE001
            raise ReduceError(f"cannot resume from {work.path}: {first_line(e)}; remove that folder to start "
                              "afresh") from None
        work.resumed = done + 1
    else:
        stream = _time_stream(opts, info)
    try:
        for u in units[done + 1:]:
            chan_dir = work.file(f"c-{u.index:05d}")
            os.mkdir(chan_dir)
            if isolate:
                from ._reduce_isolate import run_isolated

                est.start(chan_dir, u.rows, max(1, info.out_channels * info.out_itemsize))
                run_isolated(u, chan_dir, opts, info, poll=poll, storage_options=storage_options)
                est.finish()
                chan = [os.path.join(chan_dir, n) for n in sorted(os.listdir(chan_dir))]
            else:
                chan = reduce_pieces(u, chan_dir, opts, info, poll=poll, storage_options=storage_options, est=est)
            k = 0

            def put(rows: pl.DataFrame) -> None:
                nonlocal k
                if rows.height:
                    parts.append(work.write_atomic(f"t-{u.index:05d}-{k:04d}.parquet", lambda p: rows.write_parquet(
                        p, compression="uncompressed", statistics=False,
                        row_group_size=opts.row_group_size or default_row_group_size(info))))
                    k += 1

            for cp in chan:
                for df in _time_batches(cp, info):
                    x = df[col].to_numpy() if not info.is_list else df[col].list.to_array(info.out_channels).to_numpy()
                    y = stream.push(np.ascontiguousarray(x, dtype=stream.dtype).reshape(df.height, info.out_channels))
                    pending = df if pending is None else pl.concat([pending, df], how="vertical")
                    rows, pending = _time_emit(y, pending, col, info)
                    put(rows)
                    if poll is not None:
                        poll()
            if u.index == units[-1].index:
                assert pending is not None
                rows, pending = _time_emit(stream.finish(), pending, col, info)
                put(rows)
            shutil.rmtree(chan_dir, ignore_errors=True)
            assert pending is not None
            pend = pending
            work.write_atomic(f"pending-{u.index:05d}.parquet", lambda p: pend.write_parquet(p))
            work.write_atomic(f"state-{u.index:05d}.bin", lambda p: _write_bytes(
                p, b"finished" if stream.finished else stream.to_bytes()))
            if _time_hook is not None:
                _time_hook(u.index)
    except BaseException:
        if state is not None and work.last_complete() >= 0:
            state.extra = (f"{work.last_complete() + 1} of {len(units)} units smoothed over time and saved "
                           f"in {work.path}; rerun the same command to resume")
        raise
    return parts


def reduce(
    inputs: Sequence[str],
    output: str,
    opts: Optional[ReduceOptions] = None,
    *,
    isolate: bool = False,
    progress: bool = False,
    storage_options: Optional[Dict[str, str]] = None,
    on_commit: Optional[Callable[[str], None]] = None,
    state: Any = None,
) -> ReduceResult:
    """Reduce the Parquet ``inputs`` into ``output`` (a file, or a folder with
    ``opts.partition_by``). Raises :class:`ReduceError` on any anticipated
    failure, :class:`Cancelled` on Ctrl-C; never leaves a complete-looking
    partial output, nor any temporary file or folder."""
    opts = opts or ReduceOptions()
    opts.validate()
    sources = resolve_inputs(inputs, storage_options)
    check_output_vs_inputs(output, inputs, sources)
    lf = scan(sources, storage_options)
    info = inspect_input(lf, opts)
    target = OutputTarget(output, folder=opts.partition_by is not None, overwrite=opts.overwrite)
    t0 = time.perf_counter()
    try:
        units = plan_units(sources, opts.rows_per_task, storage_options)
        bytes_disk = _disk_size(sources)
        data_in = info.rows * info.channels * info.in_itemsize
        bpr = (bytes_disk / info.rows if bytes_disk and info.rows else info.channels * info.in_itemsize)
        # compressed output bytes per row, for the progress of a compressed sink
        ratio = (bytes_disk / data_in) if bytes_disk and data_in else 1.0
        out_row = max(1, info.out_channels * info.out_itemsize)
        meta = run_metadata(opts, info)
        est = _RowsEstimate()
        bar = Progress(info.rows, bpr, progress)
        poll = (lambda: bar.update(est.value())) if progress else None
        work = None
        try:
            if opts.time_window and info.rows and info.out_channels:
                work = TimeWork(target.path, time_fingerprint(sources, units, opts, info))
                tparts = _time_units(units, work, opts, info, isolate=isolate, est=est, poll=poll,
                                     storage_options=storage_options, state=state)
                bar.close(est.value())
                bar = Progress(info.rows, bpr, progress, label="write ")
                est = _RowsEstimate()
                est.start(target.tmp, info.rows, out_row * ratio)
                run_sink(scan(tparts), target.tmp, opts, info, partition=True, metadata=meta, poll=poll)
                est.finish()
            elif len(units) == 1 and not isolate and step_rows(units[0], info) is None:
                u = units[0]
                est.start(target.tmp, u.rows, out_row * ratio)
                run_sink(build_query(unit_frame(u, storage_options), info, opts), target.tmp, opts, info,
                         partition=True, metadata=meta, poll=poll, unit=u, storage_options=storage_options)
                est.finish()
            else:
                os.mkdir(target.parts)
                parts = run_units(units, target.parts, opts, info, isolate=isolate, est=est, poll=poll,
                                  storage_options=storage_options)
                bar.close(est.value())
                bar = Progress(info.rows, bpr, progress, label="write ")
                est = _RowsEstimate()
                est.start(target.tmp, info.rows, out_row * ratio)
                run_sink(scan(parts), target.tmp, opts,
                         info, partition=True, metadata=meta, poll=poll)
                est.finish()
        finally:
            bar.close(est.value())
        target.commit()
        if work is not None:
            work.remove()  # done: nothing left to resume
        if on_commit is not None:
            on_commit(target.path)
    except BaseException:
        if not target.committed:
            target.cleanup()
        raise
    seconds = time.perf_counter() - t0
    out_files = target.files()
    return ReduceResult(
        rows=info.rows, channels_in=info.channels, channels_out=info.out_channels,
        dtype_in=_dtype_name(info.inner), dtype_out=_dtype_name(info.out_inner),
        files_in=len(sources), bytes_in_disk=bytes_disk, bytes_out_disk=_disk_size(out_files) or 0,
        bytes_in_data=data_in, bytes_out_data=info.rows * info.out_channels * info.out_itemsize,
        seconds=seconds, output=target.path, isolate=isolate, window=opts.window, mode=opts.mode,
        decimate=opts.decimate, tasks=len(units), tasks_run=len(units),
        rfi=_clean.tally(out_files, opts), time_window=opts.time_window,
        units_resumed=work.resumed if work is not None else 0,
    )


def run_units(units: Sequence[Unit], parts_dir: str, opts: ReduceOptions, info: ColumnInfo, *,
              isolate: bool, est: _RowsEstimate, poll: Optional[Callable[[], None]],
              storage_options: Optional[Dict[str, str]] = None) -> List[str]:
    """Reduce each unit, one after the other, into uncompressed parts in
    ``parts_dir`` (one per piece of the unit, see :func:`unit_pieces`); return
    the parts in order."""
    out_row = max(1, info.out_channels * info.out_itemsize)
    parts: List[str] = []
    if isolate:
        from ._reduce_isolate import run_isolated

        for u in units:
            folder = os.path.join(parts_dir, u.name[:-len(".parquet")])
            os.mkdir(folder)
            est.start(folder, u.rows, out_row)
            run_isolated(u, folder, opts, info, poll=poll, storage_options=storage_options)
            est.finish()
            parts.extend(os.path.join(folder, n) for n in sorted(os.listdir(folder)))
        return parts
    for u in units:
        parts.extend(reduce_pieces(u, parts_dir, opts, info, poll=poll, storage_options=storage_options,
                                   est=est, first=len(parts)))
    return parts


def reduce_pieces(unit: Unit, folder: str, opts: ReduceOptions, info: ColumnInfo, *,
                  poll: Optional[Callable[[], None]] = None,
                  storage_options: Optional[Dict[str, str]] = None,
                  est: Optional["_RowsEstimate"] = None, first: int = 0) -> List[str]:
    """Reduce each piece of ``unit`` into an uncompressed part
    ``folder/part-NNNNN.parquet`` (numbered from ``first``); return them."""
    out_row = max(1, info.out_channels * info.out_itemsize)
    parts = []
    for piece, lf in unit_pieces(unit, info, storage_options):
        part = os.path.join(folder, f"part-{first + len(parts):05d}.parquet")
        if est is not None:
            est.start(part, piece.rows, out_row)
        run_sink(build_query(lf, info, opts), part, opts, info, compression="uncompressed", poll=poll,
                 unit=piece, storage_options=storage_options)
        if est is not None:
            est.finish()
        parts.append(part)
    return parts


def format_summary(r: ReduceResult, chunks: int = 9000) -> str:
    disk_in = f"{r.bytes_in_disk / 1e9:.3f} GB on disk" if r.bytes_in_disk is not None else "size on disk unknown"
    how = ""
    if r.isolate:
        how = ", one process per input file"
    elif r.engine != "local":
        how = (f", {r.tasks} task{'s' if r.tasks != 1 else ''} on {r.engine}"
               + (f" ({r.tasks_kept} kept from an earlier run)" if r.tasks_kept else ""))
    proj = r.projected_day_seconds(chunks)
    rate = f"{r.rows / r.seconds:,.0f} rows/s" if r.seconds > 0 else "n/a rows/s"
    lines = [
        f"reduced {r.rows:,} rows x {r.channels_in:,} channels ({r.dtype_in}) -> "
        f"{r.channels_out:,} channels ({r.dtype_out}); "
        + (f"window {r.window} {r.mode}" if r.window else "no channel smoothing")
        + (f", then a trailing mean over {r.time_window} spectra" if r.time_window else "")
        + (f" ({r.units_resumed} units resumed from an interrupted run)" if r.units_resumed else "")
        + (f", every {r.decimate}-th channel kept" if r.decimate > 1 else "") + how,
        f"  in:  {r.bytes_in_data / 1e9:.3f} GB of spectra ({disk_in}, {r.files_in} file{'s' if r.files_in != 1 else ''})",
        f"  out: {r.bytes_out_data / 1e9:.3f} GB of spectra ({r.bytes_out_disk / 1e9:.3f} GB on disk) -> {r.output}",
        f"  {r.seconds:.3f} s, {r.gbps:.3f} GB/s of input spectra, {rate}",
        (f"  projected for a day of {chunks:,} such chunks: {_fmt_secs(proj)}" if proj is not None
         else "  projected for a day: n/a (no rows)"),
    ]
    lines.extend(_clean.summary_lines(r.rfi, r.rows, r.channels_in))
    return "\n".join(lines)


def summary_json(r: ReduceResult) -> str:
    d = r.as_dict()
    for k, v in list(d.items()):
        if isinstance(v, float) and not math.isfinite(v):
            d[k] = None
    return json.dumps(d, indent=2)
