"""The spectrometer day reduction: Parquet in, smoothed (and decimated) Parquet out.

``mwk reduce INPUT... -o OUTPUT`` (see :mod:`mwk.cli`) is a thin layer over
:func:`reduce`, which builds one lazy Polars query -- ``scan_parquet`` ->
the ``.mwk.moving_mean`` plugin (elementwise, so the streaming engine runs it
per batch) -> ``sink_parquet`` -- and runs it in the background while the
calling thread draws progress. Output goes to a hidden temporary name next to
the target and is renamed into place only when complete.

Every anticipated failure raises :class:`ReduceError` with a one-line message.
"""
from __future__ import annotations

import glob as _glob
import os
import shutil
import sys
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence

import polars as pl

from . import polars as _mwk_polars  # noqa: F401  (registers .mwk)

__all__ = ["ReduceError", "ReduceOptions", "ColumnInfo", "reduce", "resolve_inputs", "inspect_input"]

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

    def validate(self) -> None:
        if self.window < 1:
            raise ReduceError(f"--window must be >= 1, got {self.window}")
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
    return "://" in path


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


def resolve_inputs(inputs: Sequence[str]) -> List[str]:
    """Expand local files, folders and globs into a sorted list of Parquet files.

    Cloud URIs (``s3://``, ``gs://``, ``az://``, ``https://`` ...) are passed
    through untouched: ``scan_parquet`` expands them itself. The order is the
    order of the arguments, each expanded in sorted path order, so the default
    and ``--isolate`` paths see the rows in the same order.
    """
    out: List[str] = []
    for item in inputs:
        item = str(item)
        if is_uri(item):
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
    try:
        rows = int(lf.select(pl.len()).collect().item())
        if is_list:
            first = lf.select(pl.col(col).list.len()).drop_nulls().head(1).collect()
            if first.height == 0:
                raise ReduceError(f"column {col!r} has no non-null rows: cannot tell the channel count")
            channels = int(first.item())
    except ReduceError:
        raise
    except Exception as e:  # noqa: BLE001
        raise ReduceError(f"cannot read input: {first_line(e)}") from None
    if opts.window > channels:
        raise ReduceError(f"window {opts.window} is larger than the {channels} channels of column {col!r}")
    if opts.dtype == "float32":
        out_inner = pl.Float32
    elif opts.dtype == "float64":
        out_inner = pl.Float64
    else:
        out_inner = pl.Float32 if inner == pl.Float32 else pl.Float64
    smoothed = channels - opts.window + 1 if opts.mode == "valid" else channels
    out_channels = len(range(0, smoothed, opts.decimate))
    return ColumnInfo(is_list=is_list, inner=inner, channels=channels, out_inner=out_inner,
                      out_channels=out_channels, rows=rows, schema=schema)


# ------------------------------------------------------------------ query
class _Counter:
    """Counts the rows that have gone through the smoothing (a pass-through
    UDF at the end of the expression); raising from it stops the query."""

    def __init__(self, shared: Any = None) -> None:
        self.rows = 0
        self.cancelled = threading.Event()
        self._shared = shared  # a multiprocessing.Value in --isolate workers
        self._lock = threading.Lock()

    def __call__(self, s: pl.Series) -> pl.Series:
        if self.cancelled.is_set():
            raise KeyboardInterrupt("cancelled")
        n = len(s)
        with self._lock:
            self.rows += n
        if self._shared is not None:
            with self._shared.get_lock():
                self._shared.value += n
        return s


def build_query(lf: pl.LazyFrame, info: ColumnInfo, opts: ReduceOptions,
                counter: Optional[Callable[[pl.Series], pl.Series]] = None) -> pl.LazyFrame:
    """The lazy reduction: every column but the spectrum passes through."""
    c, w = opts.column, info.channels
    e = pl.col(c)
    if info.is_list:
        e = e.list.to_array(w)  # fails on ragged rows, mid-stream
    if opts.dtype == "float64" and info.inner != pl.Float64:
        e = e.cast(pl.Array(pl.Float64, w))
    elif opts.dtype == "float32" and info.inner != pl.Float32 and info.inner != pl.Float64:
        e = e.cast(pl.Array(pl.Float64, w))
    kernel_inner = pl.Float32 if (info.inner == pl.Float32 and opts.dtype != "float64") else pl.Float64
    e = e.mwk.moving_mean(opts.window, mode=opts.mode, min_samples=opts.min_samples,
                          nan_policy=opts.nan_policy, threads=opts.threads, algorithm=opts.algorithm)
    if opts.decimate > 1:
        e = e.arr.to_list().list.gather_every(opts.decimate)
        if not info.is_list:
            e = e.list.to_array(info.out_channels)
    elif info.is_list:
        e = e.arr.to_list()
    if kernel_inner != info.out_inner:
        e = e.cast(pl.List(info.out_inner) if info.is_list else pl.Array(info.out_inner, info.out_channels))
    out_dt = pl.List(info.out_inner) if info.is_list else pl.Array(info.out_inner, info.out_channels)
    if counter is not None:
        e = e.map_batches(counter, return_dtype=out_dt, is_elementwise=True)
    return lf.with_columns(e.alias(c))


def default_row_group_size(info: ColumnInfo) -> int:
    row_bytes = max(1, info.out_channels * info.out_itemsize)
    return max(1, min(1 << 17, ROW_GROUP_BYTES // row_bytes))


# ----------------------------------------------------------------- output
class OutputTarget:
    """A temporary sibling of the output, renamed into place by :meth:`commit`."""

    def __init__(self, path: str, *, folder: bool, overwrite: bool) -> None:
        if is_uri(path):
            raise ReduceError(f"output must be a local path (got {path}); "
                              "write locally, then copy to the cloud")
        self.path = os.path.abspath(path)
        self.folder = folder
        parent = os.path.dirname(self.path) or "."
        if os.path.isdir(self.path) and not folder:
            raise ReduceError(f"output {path} is a folder: give a file name, or --partition-by to write a folder")
        if folder and os.path.exists(self.path) and not overwrite:
            raise ReduceError(f"output folder {path} already exists (pass --overwrite to replace it)")
        if not os.path.isdir(parent):
            what = "is not a folder" if os.path.exists(parent) else "does not exist"
            raise ReduceError(f"cannot write output {path}: {parent} {what}")
        base = os.path.basename(self.path)
        self.tmp = os.path.join(parent, f".{base}.mwk-tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        try:  # a real write test (os.access lies to root and on read-only mounts)
            with open(self.tmp, "wb"):
                pass
            os.unlink(self.tmp)
        except OSError as e:
            raise ReduceError(f"cannot write output {path}: {e.strerror or first_line(e)}") from None
        if folder:
            os.mkdir(self.tmp)

    def cleanup(self) -> None:
        try:
            if os.path.isdir(self.tmp):
                shutil.rmtree(self.tmp, ignore_errors=True)
            elif os.path.exists(self.tmp):
                os.unlink(self.tmp)
        except OSError:
            pass

    def commit(self) -> None:
        try:
            if not self.folder or not os.path.exists(self.path):
                os.replace(self.tmp, self.path)
                return
            old = f"{self.tmp}-old"
            os.replace(self.path, old)
            os.replace(self.tmp, self.path)
            if os.path.isdir(old):
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.unlink(old)
        except OSError as e:
            raise ReduceError(f"cannot write output {self.path}: {e.strerror or first_line(e)}") from None

    def files(self) -> List[str]:
        if not self.folder:
            return [self.path]
        return _parquet_files_under(self.path)


def _sink_args(opts: ReduceOptions, info: ColumnInfo) -> Dict[str, Any]:
    return {
        "compression": opts.compression,
        "row_group_size": opts.row_group_size or default_row_group_size(info),
    }


def run_sink(lf: pl.LazyFrame, dest: str, opts: ReduceOptions, info: ColumnInfo,
             poll: Optional[Callable[[], None]] = None, counter: Optional[_Counter] = None) -> None:
    """Run ``lf.sink_parquet(dest)`` in the background; call ``poll`` ~10x a
    second; Ctrl-C cancels the query and raises :class:`Cancelled`."""
    target: Any = dest
    if opts.partition_by is not None:
        target = pl.PartitionBy(dest, key=opts.partition_by, include_key=True)
    try:
        q = lf.sink_parquet(target, lazy=True, **_sink_args(opts, info)).collect(background=True)
    except Exception as e:  # noqa: BLE001
        raise ReduceError(f"cannot start the reduction: {first_line(e)}") from None
    try:
        while True:
            try:
                done = q.fetch()
            except Exception as e:  # noqa: BLE001
                raise _translate_run_error(e, opts, info) from None
            if done is not None:
                break
            if poll is not None:
                poll()
            time.sleep(0.1)
    except KeyboardInterrupt:
        if counter is not None:
            counter.cancelled.set()
        try:
            q.cancel()
        except Exception:  # noqa: BLE001
            pass
        _wait_stopped(q)
        raise Cancelled("interrupted") from None


def _wait_stopped(q: Any, limit_s: float = 30.0) -> None:
    """Wait until a cancelled background query has really stopped (the
    counter UDF raises at the next batch), so that no engine thread is still
    running while the interpreter shuts down."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        try:
            if q.fetch() is not None:
                return
        except KeyboardInterrupt:
            return  # a second Ctrl-C: stop waiting
        except Exception:  # noqa: BLE001  (the cancellation error: stopped)
            return
        try:
            time.sleep(0.05)
        except KeyboardInterrupt:
            return


def _translate_run_error(e: BaseException, opts: ReduceOptions, info: ColumnInfo) -> ReduceError:
    msg = first_line(e)
    if info.is_list and "not all elements have the specified width" in msg:
        return ReduceError(f"column {opts.column!r} has ragged list lengths: expected every row to have "
                           f"{info.channels} channels (the first row's count)")
    if isinstance(e, KeyboardInterrupt) or "cancelled" in msg:
        return Cancelled("interrupted")
    if isinstance(e, OSError):
        return ReduceError(f"reduction failed (I/O): {msg}")
    return ReduceError(f"reduction failed: {msg}")


# --------------------------------------------------------------- progress
class Progress:
    """A one-line progress bar on stderr: rows, MB/s (input bytes), ETA."""

    def __init__(self, total_rows: int, bytes_per_row: float, enabled: bool, label: str = "reduce") -> None:
        self.total = max(0, total_rows)
        self.bpr = bytes_per_row
        self.enabled = enabled
        self.label = label
        self.t0 = time.perf_counter()
        self._last = 0.0
        self._drawn = False

    def update(self, rows: int, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if not force and now - self._last < 0.2:
            return
        self._last = now
        rows = min(rows, self.total) if self.total else rows
        dt = max(now - self.t0, 1e-9)
        rate = rows / dt
        frac = rows / self.total if self.total else 1.0
        width = 24
        fill = int(round(frac * width))
        bar = "#" * fill + "-" * (width - fill)
        eta = (self.total - rows) / rate if rate > 0 else float("inf")
        eta_s = _fmt_secs(eta) if eta != float("inf") else "?"
        line = (f"\r{self.label} [{bar}] {rows:,}/{self.total:,} rows {frac * 100:5.1f}% "
                f"{rate:,.0f} rows/s {rate * self.bpr / 1e6:,.0f} MB/s ETA {eta_s}   ")
        sys.stderr.write(line)
        sys.stderr.flush()
        self._drawn = True

    def close(self, rows: int) -> None:
        if self.enabled and self._drawn:
            self.update(rows, force=True)
            sys.stderr.write("\n")
            sys.stderr.flush()


def _fmt_secs(s: float) -> str:
    if s < 60:
        return f"{s:.0f}s"
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

    @property
    def gbps(self) -> float:
        return self.bytes_in_data / 1e9 / self.seconds if self.seconds > 0 else float("inf")

    def projected_day_seconds(self, chunks: int = 9000) -> float:
        return self.seconds / self.rows * chunks if self.rows else float("nan")

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


def reduce(
    inputs: Sequence[str],
    output: str,
    opts: Optional[ReduceOptions] = None,
    *,
    isolate: bool = False,
    progress: bool = False,
    storage_options: Optional[Dict[str, str]] = None,
) -> ReduceResult:
    """Reduce the Parquet ``inputs`` into ``output`` (a file, or a folder with
    ``opts.partition_by``). Raises :class:`ReduceError` on any anticipated
    failure, :class:`Cancelled` on Ctrl-C; never leaves a complete-looking
    partial output."""
    opts = opts or ReduceOptions()
    opts.validate()
    sources = resolve_inputs(inputs)
    lf = scan(sources, storage_options)
    info = inspect_input(lf, opts)
    target = OutputTarget(output, folder=opts.partition_by is not None, overwrite=opts.overwrite)
    bytes_disk = _disk_size(sources)
    data_in = info.rows * info.channels * info.in_itemsize
    bpr = (bytes_disk / info.rows if bytes_disk and info.rows else info.channels * info.in_itemsize)
    t0 = time.perf_counter()
    try:
        if isolate:
            from ._reduce_isolate import run_isolated

            run_isolated(sources, target, opts, info, progress=progress, bytes_per_row=bpr,
                         storage_options=storage_options)
        else:
            counter = _Counter()
            bar = Progress(info.rows, bpr, progress)
            query = build_query(lf, info, opts, counter)
            try:
                run_sink(query, target.tmp, opts, info, poll=lambda: bar.update(counter.rows),
                         counter=counter)
            finally:
                bar.close(counter.rows)
        target.commit()
    except BaseException:
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
        decimate=opts.decimate,
    )


def format_summary(r: ReduceResult, chunks: int = 9000) -> str:
    disk_in = f"{r.bytes_in_disk / 1e9:.3f} GB on disk" if r.bytes_in_disk is not None else "size on disk unknown"
    lines = [
        f"reduced {r.rows:,} rows x {r.channels_in:,} channels ({r.dtype_in}) -> "
        f"{r.channels_out:,} channels ({r.dtype_out}); window {r.window} {r.mode}"
        + (f", every {r.decimate}-th channel kept" if r.decimate > 1 else "")
        + (", one process per input file" if r.isolate else ""),
        f"  in:  {r.bytes_in_data / 1e9:.3f} GB of spectra ({disk_in}, {r.files_in} file{'s' if r.files_in != 1 else ''})",
        f"  out: {r.bytes_out_data / 1e9:.3f} GB of spectra ({r.bytes_out_disk / 1e9:.3f} GB on disk) -> {r.output}",
        f"  {r.seconds:.2f} s, {r.gbps:.3f} GB/s of input spectra, {r.rows / r.seconds if r.seconds else 0:,.0f} rows/s",
        f"  projected for a day of {chunks:,} such chunks: {_fmt_secs(r.projected_day_seconds(chunks))}",
    ]
    return "\n".join(lines)
