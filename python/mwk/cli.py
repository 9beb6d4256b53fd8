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
import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import warnings
from typing import Any, Dict, Iterator, List, NoReturn, Optional, Sequence

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


def _nonnegative(name: str):
    def conv(s: str) -> int:
        try:
            v = int(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be an integer, got {s!r}") from None
        if v < 0:
            raise argparse.ArgumentTypeError(f"{name} must be >= 0, got {v}")
        return v

    return conv


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="mwk: moving-window kernels")
    p.add_argument("--version", action=_VersionAction, nargs=0,
                   help="print the versions of mwk, NumPy and Polars and exit")
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
    r.add_argument("--window", type=_nonnegative("--window"), default=1000,
                   help="moving-mean window in channels (default 1000; 0: no channel smoothing, with --time-window)")
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
                   help="write a folder partitioned by COL (COL=value/ subfolders) instead of one file; "
                   "with --dask, COL=value/part-NNNNN.parquet, one file per task, listed in _manifest.json")
    r.add_argument("--overwrite", action="store_true",
                   help="replace an existing output file or folder (never one that is, contains or is inside an input)")
    r.add_argument("--compression", default="zstd",
                   choices=["zstd", "lz4", "snappy", "gzip", "brotli", "uncompressed"],
                   help="Parquet compression of the output (default zstd)")
    r.add_argument("--row-group-size", type=_positive("--row-group-size"), default=None, metavar="ROWS",
                   help="rows per output row group (default: about 16 MiB of spectra)")
    r.add_argument("--threads", type=_positive("--threads"), default=None,
                   help="kernel threads per batch (default: chosen by mwk)")
    r.add_argument("--isolate", action="store_true",
                   help="reduce each input file in a fresh worker process (spawn) to cap memory")
    r.add_argument("--rows-per-task", type=_positive("--rows-per-task"), default=None, metavar="ROWS",
                   help="split each input file into units of ROWS rows (default: one unit per file); "
                   "with --dask, one task per unit")
    d = r.add_argument_group("distributed run (Dask)")
    d.add_argument("--dask", metavar="ADDRESS", default=None,
                   help="run on a Dask cluster: a scheduler (tcp://host:8786) or local:N (N worker "
                   "processes, one thread each, started and closed here). OUTPUT is then a dataset folder "
                   "(part-NNNNN.parquet + _manifest.json), local or s3://bucket/prefix; rerunning resumes")
    d.add_argument("--retries", type=int, default=5, metavar="N",
                   help="with --dask: times a task is retried after an error, and (local:N) times it may "
                   "be lost with a dying worker before the run fails (default 5)")
    d.add_argument("--worker-memory", default="auto", metavar="BYTES",
                   help="with --dask local:N: memory limit per worker, e.g. 2GB (default auto: "
                   "the machine's memory / N); a worker above it is restarted and its task redone")
    d.add_argument("--lifetime", default=None, metavar="DURATION",
                   help="with --dask local:N: recycle each worker after DURATION (e.g. 1h), "
                   "gracefully, so engines that keep memory give it back")
    t = r.add_argument_group("smoothing over time (across spectra)")
    t.add_argument("--time-window", type=_positive("--time-window"), default=None, metavar="K",
                   help="also smooth each output channel over K consecutive spectra (rows, in file and row "
                   "order across all inputs): a trailing moving mean, after the channel smoothing (--window 0: "
                   "instead of it). Memory stays flat in the number of rows; an interrupted run keeps its "
                   "state next to the output, and rerunning the same command resumes. Not with --dask")
    t.add_argument("--time-min-samples", type=_positive("--time-min-samples"), default=None, metavar="N",
                   help="with --time-window: fewest non-NaN spectra a time window needs (default: K; the first "
                   "K-1 rows are then NaN)")
    c = r.add_argument_group("RFI cleaning (before the smoothing)")
    c.add_argument("--clean", choices=["hampel"], default=None,
                   help="flag interference channels in each spectrum with a Hampel filter across channels "
                   "and replace them by the window median before smoothing; adds the column rfi_flagged "
                   "(UInt32, channels flagged per row)")
    c.add_argument("--clean-window", type=_positive("--clean-window"), default=None, metavar="N",
                   help="with --clean: channels in the centred median/MAD window (default 31)")
    c.add_argument("--clean-sigmas", type=float, default=None, metavar="S",
                   help="with --clean: flag a channel farther than S * 1.4826 * MAD from the window "
                   "median (default 5)")
    c.add_argument("--clean-mask", action="store_true",
                   help="with --clean: also write rfi_mask, the flagged channel indices of each row "
                   "(List(UInt32))")
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
    sub.add_parser("info", prog=f"{PROG} info",
                   help="print the runtime information as JSON (with the NumPy and Polars versions)")
    from ._worker import add_worker_parser

    add_worker_parser(sub, PROG)
    return p


class _VersionAction(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):  # type: ignore[override]
        print(_version_line())
        raise SystemExit(0)


def _version_line() -> str:
    try:
        from . import __version__
    except Exception:  # noqa: BLE001
        return "mwk (version unknown: the extension does not load)"
    parts = [f"mwk {__version__}"]
    for mod in ("numpy", "polars"):
        try:
            parts.append(f"{mod} {__import__(mod).__version__}")
        except Exception:  # noqa: BLE001
            parts.append(f"{mod} not installed")
    return ", ".join(parts)


DEFAULT_SYNTH_ROWS = 9000  # a full day of chunks


def _say(quiet: bool, msg: str) -> None:
    if not quiet:
        print(msg, flush=True)


class _MissingPolars(Exception):
    pass


class _State:
    """What an interrupted run has done, for an honest last line."""

    def __init__(self) -> None:
        self.committed: Optional[str] = None
        self.tmpdir: Optional[str] = None
        self.kept = False
        self.extra: Optional[str] = None

    def interrupted_message(self) -> str:
        if self.extra:
            return f"interrupted; {self.extra}"
        if self.committed and not (self.tmpdir and not self.kept and self.committed.startswith(self.tmpdir)):
            return f"interrupted after the output was written to {self.committed}"
        if self.committed:
            return "interrupted after the output was written; its temporary folder was removed"
        return "interrupted; no output written"


def _emit_summary(a: argparse.Namespace, text: str) -> None:
    """The text summary goes to stdout, or to stderr when stdout carries the JSON."""
    if a.quiet:
        return
    if a.summary_json == "-":
        sys.stderr.write(text + "\n")
        sys.stderr.flush()
    else:
        print(text, flush=True)


def _clean_options(a: argparse.Namespace) -> Dict[str, Any]:
    """--clean and its settings (which need it) as ReduceOptions fields."""
    from ._clean import DEFAULT_SIGMAS, DEFAULT_WINDOW
    from .reduce import ReduceError

    if a.clean is None:
        for flag, val in (("--clean-window", a.clean_window), ("--clean-sigmas", a.clean_sigmas),
                          ("--clean-mask", a.clean_mask or None)):
            if val is not None:
                raise ReduceError(f"{flag} needs --clean hampel")
    return {"clean": a.clean,
            "clean_window": DEFAULT_WINDOW if a.clean_window is None else a.clean_window,
            "clean_sigmas": DEFAULT_SIGMAS if a.clean_sigmas is None else a.clean_sigmas,
            "clean_mask": bool(a.clean_mask)}


@contextlib.contextmanager
def _imports_sigint_held(active: bool) -> Iterator[None]:
    """As a command: hold Ctrl-C while Polars, Dask and mwk's modules are
    imported, and act on it right after (they take a second or so).

    A KeyboardInterrupt raised in the middle of an import goes wrong in ways
    no ``except`` here can mend: in a weakref callback of importlib it is
    printed and lost (the run went on, or failed later with an unrelated
    error); raised in the methods that dataclasses and namedtuple build with
    exec()/eval() of a string, it leaves CPython's "unhandled
    KeyboardInterrupt" mark set, and ``python -m mwk`` then kills itself with
    SIGINT on exit (status -2; see _interrupted).

    Restoring the handler afterwards also takes SIGINT back from Polars:
    ``import polars`` hooks it (Rust's signal-hook, in
    ``register_polars_abort_mechanisms``) and chains to Python's handler, so
    that a Ctrl-C during a Polars query both aborts the query, which raises
    KeyboardInterrupt, and leaves Python's SIGINT pending, which raises a
    second one at the next Python call: inside the cleanup or the ``except``
    clause handling the first (a traceback, and status -2 once it escapes
    main()). The hook also overrides an inherited SIG_IGN (nohup). With
    Python's handler back, one Ctrl-C is one KeyboardInterrupt, in the main
    thread, once the call in flight returns: the long queries run in the
    background (run_sink) and are cancelled explicitly, and the Dask driver
    swaps SIGINT handlers itself anyway (which replaces the hook just the
    same)."""
    if not active or signal.getsignal(signal.SIGINT) is None:  # None: not Python's to restore
        yield
        return
    got: List[int] = []
    try:
        old = signal.signal(signal.SIGINT, lambda s, f: got.append(s))  # a pending Ctrl-C: raised here
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
        if got and callable(old):
            raise KeyboardInterrupt


def cmd_reduce(a: argparse.Namespace, state: _State, as_command: bool = False) -> int:
    with _imports_sigint_held(as_command):
        try:
            import polars  # noqa: F401
        except ImportError:
            raise _MissingPolars("mwk reduce needs Polars >= 2.1: pip install 'mwk[reduce]'") from None
        from . import _reduce_check as chk
        from .reduce import (ReduceError, ReduceOptions, format_summary, is_uri, reduce, sigint_deferred,
                             summary_json)
        if a.dask:
            from . import _dask  # noqa: F401  (imports Dask)

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
        threads=a.threads, overwrite=a.overwrite, rows_per_task=a.rows_per_task,
        time_window=a.time_window, time_min_samples=a.time_min_samples,
        **_clean_options(a),
    )
    opts.validate()
    if a.dask and opts.time_window:
        # Dask runs the units as independent tasks; a time window needs each
        # unit to start from the state the previous one left, in file order.
        raise ReduceError("--time-window does not work with --dask (its tasks run independently, a time "
                          "window needs the rows in file order in one process); run it without --dask: "
                          "it resumes after an interruption too")
    if a.dask and a.isolate:
        raise ReduceError("--isolate and --dask do not mix (every Dask task already runs on its own)")
    show_bar = (not a.quiet) and sys.stderr.isatty()
    say = (lambda m: _emit_summary(a, m))
    try:
        if synthetic:
            rows = a.rows or DEFAULT_SYNTH_ROWS
            channels = a.channels or chk.DAY_CHANNELS
            with sigint_deferred():
                state.tmpdir = tempfile.mkdtemp(prefix="mwk-day-")
            state.kept = a.keep
            day = os.path.join(state.tmpdir, "day")
            t = time.perf_counter()
            files = chk.write_synthetic_day(day, rows, channels, seed=a.seed)
            say(f"generated a synthetic day: {rows:,} chunks x {channels:,} channels (float32) "
                f"in {len(files)} files under {day} ({time.perf_counter() - t:.1f} s)")
            inputs: List[str] = [day]
            default_out = "reduced" if (opts.partition_by or a.dask) else "reduced.parquet"
            output = a.output or os.path.join(state.tmpdir, default_out)
            n_check = 16 if a.check is None else a.check
        else:
            inputs = list(a.inputs)
            output = a.output
            n_check = a.check or 0

        def committed(path: str) -> None:
            state.committed = path

        if a.dask:
            from ._dask import DaskSettings, reduce_dask

            settings = DaskSettings(address=a.dask, retries=a.retries, worker_memory=a.worker_memory,
                                    lifetime=a.lifetime)
            result = reduce_dask(inputs, output, opts, settings, progress=show_bar, on_commit=committed,
                                 state=state)
        else:
            so = None
            if any(str(i).startswith("s3://") for i in inputs):
                from ._storage import storage_options_from_env

                so = storage_options_from_env()
            result = reduce(inputs, output, opts, isolate=a.isolate, progress=show_bar, on_commit=committed,
                            storage_options=so, state=state)
        say(format_summary(result))
        if n_check > 0:
            from .reduce import _parquet_files_under, resolve_inputs

            srcs = resolve_inputs(inputs)
            if a.dask:
                from ._dask import dataset_parts

                outs = dataset_parts(result.output)
            else:
                outs = _parquet_files_under(result.output) if opts.partition_by else [result.output]
            key = "chunk" if (synthetic and opts.partition_by) else None
            if opts.time_window:
                say("  check: skipped (--time-window: the NumPy reference smooths across channels only; "
                    "python/tests/test_reduce_time_window.py checks the time smoothing)")
            elif opts.partition_by and key is None:
                say("  check: skipped (rows of a partitioned output cannot be matched by position)")
            elif any(is_uri(s) for s in list(srcs) + list(outs)):
                say("  check: skipped for object storage")
            else:
                t = time.perf_counter()
                pos = chk.sample_rows(result.rows, n_check, seed=a.seed)
                checked, problems = chk.compare_samples(
                    srcs, outs, opts.column, pos, opts.window, opts.mode, min_count=opts.min_samples,
                    nan_policy=opts.nan_policy, decimate=opts.decimate, key=key,
                    clean=None if opts.clean is None else (
                        opts.clean_window, opts.clean_sigmas,
                        result.dtype_in == "float32" and opts.dtype != "float64"))
                if problems:
                    for pr in problems[:5]:
                        sys.stderr.write(f"mwk reduce: check failed: {pr}\n")
                    raise ReduceError(f"{len(problems)} of {len(pos)} sampled rows differ from the NumPy reference")
                say(f"  check: {checked} sampled rows match the NumPy reference "
                    f"(longdouble prefix sums{'; cleaned by a NumPy Hampel filter first' if opts.clean else ''}) "
                    f"within mwk's accuracy bound "
                    f"({time.perf_counter() - t:.1f} s)")
        if a.summary_json:
            payload = summary_json(result)
            if a.summary_json == "-":
                print(payload, flush=True)
            else:
                with open(a.summary_json, "w") as fh:
                    fh.write(payload + "\n")
        if synthetic and a.keep:
            # said even with -q: otherwise nobody knows where the files are
            msg = f"kept {state.tmpdir}"
            if a.summary_json == "-":
                sys.stderr.write(msg + "\n")
            else:
                print(("  " if not a.quiet else "") + msg, flush=True)
        return 0
    finally:
        if state.tmpdir is not None and not a.keep:
            with sigint_deferred():
                shutil.rmtree(state.tmpdir, ignore_errors=True)


def _versions() -> Dict[str, Any]:
    from . import __version__

    v: Dict[str, Any] = {"mwk": __version__}
    for mod in ("numpy", "polars"):
        try:
            v[mod] = __import__(mod).__version__
        except Exception:  # noqa: BLE001
            v[mod] = None
    return v


def cmd_info() -> int:
    from . import runtime_info

    info = runtime_info()
    versions = info.setdefault("versions", {})
    for k, v in _versions().items():
        if k != "mwk":
            versions[k] = v
    print(json.dumps(info, indent=2))
    return 0


def _ignore(signum: int, frame: Any) -> None:
    pass


def _hold_sigint() -> None:
    """Once interrupted, as a command: a further Ctrl-C (pressed again, or
    still pending) must not cut the last line, its exit status or the exit
    short. ``signal.signal`` runs the handler of a Ctrl-C already pending
    before it swaps, raising KeyboardInterrupt: swallowed, and tried again."""
    while True:
        try:
            signal.signal(signal.SIGINT, _ignore)
            return
        except KeyboardInterrupt:
            continue
        except ValueError:  # not the main thread
            return


def _interrupted(prefix: str, state: _State, argv: Optional[Sequence[str]]) -> int:
    """The one line, and 130 (the cleanup is done: finally clauses)."""
    if argv is None:
        _hold_sigint()
    sys.stderr.write(f"\n{prefix}: {state.interrupted_message()}\n")
    sys.stderr.flush()
    if argv is None:
        # SIG_IGN rather than a Python handler from here on: Python's
        # finalisation resets a Python handler to SIG_DFL (and then tears the
        # modules down), under which a Ctrl-C would still kill the process
        # (status -2); it leaves SIG_IGN alone. (_ignore takes any Ctrl-C
        # that arrived meanwhile: signal.signal runs it before it swaps.)
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        except ValueError:
            pass
        # CPython (3.9 to 3.13 at least) marks a KeyboardInterrupt as
        # unhandled when it leaves code run by exec() or eval() of a *string*,
        # even if it is caught afterwards, as here. dataclasses and
        # collections.namedtuple build their methods so, and importing Dask
        # or Polars builds many: a Ctrl-C during an import often lands there.
        # Run as ``python -m mwk``, Python then ends the process by killing
        # itself with SIGINT after finalising: status -2 instead of 130, after
        # the line above and without a traceback (the flaky
        # test_ctrl_c_at_any_moment_is_clean[reading]). Every exec() of a
        # string clears that mark before it runs, and one that completes
        # leaves it clear; no Ctrl-C can set it again now (SIGINT ignored).
        exec("pass", {})
    return _interrupted_exit(argv)


def _interrupted_exit(argv: Optional[Sequence[str]]) -> int:
    """130; as a command (not called with arguments from Python), end the
    process at once if a cancelled query's engine threads are still busy, rather
    than finalise the interpreter under them. Temporary files are gone already."""
    if argv is None and "mwk.reduce" in sys.modules:
        from .reduce import ENGINE_LEFT_RUNNING

        if ENGINE_LEFT_RUNNING.is_set():
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(130)
    return 130


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "reduce" and args.window == 0 and args.time_window is None:
        parser.error("argument --window: --window must be >= 1, got 0 (0, no channel smoothing, only with "
                     "--time-window)")
    debug = bool(os.environ.get("MWK_DEBUG"))
    if not debug:
        warnings.filterwarnings("ignore")
    prefix = f"{PROG} {args.command}"
    state = _State()
    try:
        if args.command == "info":
            return cmd_info()
        if args.command == "worker":
            from ._worker import cmd_worker

            return cmd_worker(args)
        return cmd_reduce(args, state, as_command=argv is None)
    except KeyboardInterrupt:
        return _interrupted(prefix, state, argv)
    except _MissingPolars as e:
        sys.stderr.write(f"{prefix}: error: {e}\n")
        return 1
    except Exception as e:  # noqa: BLE001
        if debug:
            raise
        from .reduce import Cancelled, ReduceError, first_line
        if isinstance(e, Cancelled):
            return _interrupted(prefix, state, argv)
        if isinstance(e, ReduceError):
            sys.stderr.write(f"{prefix}: error: {e}\n")
        else:
            sys.stderr.write(f"{prefix}: error: {type(e).__name__}: {first_line(e)}\n")
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
