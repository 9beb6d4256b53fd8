"""Command line: ``mwk reduce INPUT... -o OUTPUT`` (also ``python -m mwk reduce``).

``mwk reduce`` with no INPUT generates a synthetic day of spectra into a
temporary folder, reduces it, checks sampled rows against a plain-NumPy
reference and prints a summary (the README's main job). ``mwk info`` prints
what the library runs on. Errors are one line on stderr and a non-zero exit
status (1: failed, 2: bad arguments, 130: interrupted); set ``MWK_DEBUG=1``
for a traceback.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import warnings
from typing import List, NoReturn, Optional, Sequence

PROG = "mwk"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} --help)\n")
        raise SystemExit(2)


def _positive(name: str):
    def conv(s: str) -> int:
        try:
            v = int(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be an integer, got {s!r}") from None
        if v < 1:
            raise argparse.ArgumentTypeError(f"{name} must be >= 1, got {v}")
        return v

    return conv


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="mwk: moving-window kernels")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    r = sub.add_parser(
        "reduce", prog=f"{PROG} reduce",
        help="smooth (and decimate) a day of spectra, Parquet to Parquet",
        description=(
            "Moving-mean smoothing across channels of one spectrum per row, read from and written "
            "to Parquet with Polars' streaming engine. With no INPUT: generate a synthetic day into "
            "a temporary folder, reduce it, check sampled rows against NumPy and print a summary."),
    )
    r.add_argument("inputs", nargs="*", metavar="INPUT",
                   help="Parquet files, folders of them, globs, or cloud URIs (anything scan_parquet takes)")
    r.add_argument("-o", "--output", help="output Parquet file, or folder with --partition-by "
                   "(required with INPUT; default for the synthetic day: inside its temporary folder)")
    r.add_argument("--column", default="spectrum",
                   help="the Array(Float32|Float64, C) or List column holding one spectrum per row "
                   "(default: spectrum)")
    r.add_argument("--window", type=_positive("--window"), default=1000, help="moving-mean window in channels (default 1000)")
    r.add_argument("--mode", choices=["valid", "trailing", "centered"], default="valid",
                   help="window alignment (default valid: C - window + 1 channels out)")
    r.add_argument("--algorithm", choices=["auto", "naive", "ring", "prefix", "fft"], default="auto",
                   help="force a kernel (default auto; forced ones run through mwk.move_mean per batch)")
    r.add_argument("--nan-policy", choices=["skip", "propagate"], default="skip",
                   help="NaN channels: skip them or let them propagate (default skip)")
    r.add_argument("--min-samples", type=_positive("--min-samples"), default=None,
                   help="fewest non-NaN channels a window needs (default: the window)")
    r.add_argument("--decimate", type=_positive("--decimate"), default=1, metavar="K",
                   help="keep every K-th smoothed channel (default 1: all)")
    r.add_argument("--dtype", choices=["same", "float32", "float64"], default="same",
                   help="output element type (default: same as the input; float64 for integer input)")
    r.add_argument("--partition-by", metavar="COL", default=None,
                   help="write a folder partitioned by COL (COL=value/ subfolders) instead of one file")
    r.add_argument("--overwrite", action="store_true", help="replace an existing output folder")
    r.add_argument("--compression", default="zstd",
                   choices=["zstd", "lz4", "snappy", "gzip", "brotli", "uncompressed"],
                   help="Parquet compression of the output (default zstd)")
    r.add_argument("--row-group-size", type=_positive("--row-group-size"), default=None, metavar="ROWS",
                   help="rows per output row group (default: about 16 MiB of spectra)")
    r.add_argument("--threads", type=_positive("--threads"), default=None,
                   help="kernel threads per batch (default: chosen by mwk)")
    r.add_argument("--isolate", action="store_true",
                   help="reduce each input file in a fresh worker process (spawn) to cap memory")
    r.add_argument("--check", type=int, default=None, metavar="N",
                   help="compare N sampled rows with a NumPy reference (default 16 for the synthetic "
                   "day, 0 otherwise)")
    r.add_argument("--rows", type=_positive("--rows"), default=None,
                   help="synthetic day only: number of chunks (default 9000, a full day)")
    r.add_argument("--channels", type=_positive("--channels"), default=None,
                   help="synthetic day only: channels per chunk (default 30000)")
    r.add_argument("--seed", type=int, default=327, help="synthetic day only: random seed")
    r.add_argument("--keep", action="store_true",
                   help="synthetic day only: keep the temporary folder and print its path")
    r.add_argument("--summary-json", metavar="PATH", default=None,
                   help="also write the summary as JSON to PATH ('-' for stdout)")
    r.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    sub.add_parser("info", prog=f"{PROG} info", help="print the runtime information as JSON")
    return p


DEFAULT_SYNTH_ROWS = 9000  # a full day of chunks


def _say(quiet: bool, msg: str) -> None:
    if not quiet:
        print(msg, flush=True)


class _MissingPolars(Exception):
    pass


def cmd_reduce(a: argparse.Namespace) -> int:
    try:
        import polars  # noqa: F401
    except ImportError:
        raise _MissingPolars("mwk reduce needs Polars >= 2.1: pip install 'mwk[reduce]'") from None
    from . import _reduce_check as chk
    from .reduce import ReduceError, ReduceOptions, format_summary, is_uri, reduce

    synthetic = not a.inputs
    if not synthetic:
        for flag, val in (("--rows", a.rows), ("--channels", a.channels), ("--keep", a.keep or None)):
            if val is not None:
                raise ReduceError(f"{flag} only applies to the synthetic day (no INPUT)")
        if not a.output:
            raise ReduceError("-o OUTPUT is required when INPUT is given")
    opts = ReduceOptions(
        column=a.column, window=a.window, mode=a.mode, algorithm=a.algorithm,
        nan_policy=a.nan_policy, min_samples=a.min_samples, decimate=a.decimate, dtype=a.dtype,
        partition_by=a.partition_by, compression=a.compression, row_group_size=a.row_group_size,
        threads=a.threads, overwrite=a.overwrite,
    )
    opts.validate()
    show_bar = (not a.quiet) and sys.stderr.isatty()
    tmpdir = None
    try:
        if synthetic:
            rows = a.rows or DEFAULT_SYNTH_ROWS
            channels = a.channels or chk.DAY_CHANNELS
            tmpdir = tempfile.mkdtemp(prefix="mwk-day-")
            day = os.path.join(tmpdir, "day")
            t = time.perf_counter()
            files = chk.write_synthetic_day(day, rows, channels, seed=a.seed)
            _say(a.quiet, f"generated a synthetic day: {rows:,} chunks x {channels:,} channels (float32) "
                          f"in {len(files)} files under {day} ({time.perf_counter() - t:.1f} s)")
            inputs: List[str] = [day]
            output = a.output or os.path.join(tmpdir, "reduced" if opts.partition_by else "reduced.parquet")
            n_check = 16 if a.check is None else a.check
        else:
            inputs = list(a.inputs)
            output = a.output
            n_check = a.check or 0
        result = reduce(inputs, output, opts, isolate=a.isolate, progress=show_bar)
        _say(a.quiet, format_summary(result))
        status = 0
        if n_check > 0:
            from .reduce import resolve_inputs

            srcs = resolve_inputs(inputs)
            from .reduce import _parquet_files_under

            outs = _parquet_files_under(result.output) if opts.partition_by else [result.output]
            key = "chunk" if (synthetic and opts.partition_by) else None
            if opts.partition_by and key is None:
                _say(a.quiet, "  check: skipped (rows of a partitioned output cannot be matched by position)")
            elif any(is_uri(s) for s in srcs):
                _say(a.quiet, "  check: skipped for cloud inputs")
            else:
                t = time.perf_counter()
                pos = chk.sample_rows(result.rows, n_check, seed=a.seed)
                checked, problems = chk.compare_samples(
                    srcs, outs, opts.column, pos, opts.window, opts.mode, min_count=opts.min_samples,
                    nan_policy=opts.nan_policy, decimate=opts.decimate, key=key)
                if problems:
                    for pr in problems[:5]:
                        sys.stderr.write(f"mwk reduce: check failed: {pr}\n")
                    raise ReduceError(f"{len(problems)} of {len(pos)} sampled rows differ from the NumPy reference")
                _say(a.quiet, f"  check: {checked} sampled rows match the NumPy reference "
                              f"(longdouble prefix sums) within mwk's accuracy bound "
                              f"({time.perf_counter() - t:.1f} s)")
        if a.summary_json:
            payload = json.dumps(result.as_dict(), indent=2)
            if a.summary_json == "-":
                print(payload)
            else:
                with open(a.summary_json, "w") as fh:
                    fh.write(payload + "\n")
        if synthetic and a.keep:
            _say(a.quiet, f"  kept {tmpdir}")
        return status
    finally:
        if tmpdir is not None and not a.keep:
            shutil.rmtree(tmpdir, ignore_errors=True)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = bool(os.environ.get("MWK_DEBUG"))
    if not debug:
        warnings.filterwarnings("ignore")
    prefix = f"{PROG} {args.command}"
    try:
        if args.command == "info":
            from . import runtime_info

            print(json.dumps(runtime_info(), indent=2))
            return 0
        return cmd_reduce(args)
    except KeyboardInterrupt:
        sys.stderr.write(f"\n{prefix}: interrupted; no output written\n")
        return 130
    except _MissingPolars as e:
        sys.stderr.write(f"{prefix}: error: {e}\n")
        return 1
    except Exception as e:  # noqa: BLE001
        if debug:
            raise
        from .reduce import Cancelled, ReduceError, first_line
        if isinstance(e, Cancelled):
            sys.stderr.write(f"\n{prefix}: interrupted; no output written\n")
            return 130
        if isinstance(e, ReduceError):
            sys.stderr.write(f"{prefix}: error: {e}\n")
        else:
            sys.stderr.write(f"{prefix}: error: {type(e).__name__}: {first_line(e)}\n")
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
