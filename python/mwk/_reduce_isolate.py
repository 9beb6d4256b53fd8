"""``--isolate``: one fresh (spawned) worker process per input file.

The seed's way of capping memory when an engine does not give memory back:
each worker reduces one file into a part file in a hidden temporary folder and
exits, so whatever it held goes back to the OS. The parent then streams the
parts, in input order, into the output with the same writer as the default
path, so both paths produce the same rows in the same order.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import signal
from typing import Any, Dict, List, Optional, Sequence

import polars as pl

from .reduce import (Cancelled, ColumnInfo, OutputTarget, Progress, ReduceError, ReduceOptions,
                     _Counter, build_query, first_line, inspect_input, run_sink, scan)


def _worker(source: str, part: str, opts_d: Dict[str, Any], storage_options: Optional[Dict[str, str]],
            shared: Any, conn: Any) -> None:
    """Reduce one file into ``part`` (runs in a spawned process)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    try:
        opts = ReduceOptions(**opts_d)
        opts.partition_by = None  # parts are plain files; the parent partitions
        lf = scan([source], storage_options)
        info = inspect_input(lf, opts)
        run_sink(build_query(lf, info, opts, _Counter(shared)), part, opts, info)
        conn.send(("ok", info.rows))
    except ReduceError as e:
        conn.send(("error", f"{source}: {e}"))
    except BaseException as e:  # noqa: BLE001
        conn.send(("error", f"{source}: {type(e).__name__}: {first_line(e)}"))
    finally:
        conn.close()


def run_isolated(sources: Sequence[str], target: OutputTarget, opts: ReduceOptions, info: ColumnInfo,
                 *, progress: bool, bytes_per_row: float,
                 storage_options: Optional[Dict[str, str]] = None) -> None:
    ctx = mp.get_context("spawn")
    shared = ctx.Value("q", 0)
    parts_dir = f"{target.tmp}-parts"
    os.mkdir(parts_dir)
    opts_d = dict(vars(opts))
    bar = Progress(info.rows, bytes_per_row, progress, label="reduce")
    parts: List[str] = []
    proc = None
    try:
        for i, src in enumerate(sources):
            part = os.path.join(parts_dir, f"part-{i:06d}.parquet")
            recv, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_worker, args=(src, part, opts_d, storage_options, shared, send),
                               daemon=True)
            proc.start()
            send.close()
            msg = None
            while True:
                if recv.poll(0.1):
                    try:
                        msg = recv.recv()
                    except EOFError:
                        msg = None
                    break
                if not proc.is_alive():
                    if recv.poll(0):
                        msg = recv.recv()
                    break
                bar.update(shared.value)
            proc.join()
            recv.close()
            if msg is None:
                raise ReduceError(f"{src}: worker process died (exit code {proc.exitcode})")
            if msg[0] != "ok":
                raise ReduceError(msg[1])
            parts.append(part)
            proc = None
        bar.close(shared.value)
        # Stream the parts into the output, with the default path's writer.
        merged = scan(parts)
        minfo = inspect_input(merged, ReduceOptions(column=opts.column, window=1,
                                                     partition_by=opts.partition_by))
        # same row groups as the default path: size them by the output row
        winfo = ColumnInfo(is_list=info.is_list, inner=info.out_inner, channels=info.out_channels,
                           out_inner=info.out_inner, out_channels=info.out_channels, rows=minfo.rows)
        counter = _Counter()
        mbar = Progress(minfo.rows, bytes_per_row, progress, label="merge ")
        wopts = ReduceOptions(**opts_d)
        wopts.row_group_size = opts.row_group_size or _default_rg(info)
        try:
            run_sink(merged.with_columns(
                pl.col(opts.column).map_batches(
                    counter, return_dtype=minfo.schema[opts.column], is_elementwise=True)),
                target.tmp, wopts, winfo, poll=lambda: mbar.update(counter.rows), counter=counter)
        finally:
            mbar.close(counter.rows)
    except KeyboardInterrupt:
        raise Cancelled("interrupted") from None
    finally:
        if proc is not None and proc.is_alive():
            proc.terminate()
            proc.join(5)
        shutil.rmtree(parts_dir, ignore_errors=True)


def _default_rg(info: ColumnInfo) -> int:
    from .reduce import default_row_group_size

    return default_row_group_size(info)
