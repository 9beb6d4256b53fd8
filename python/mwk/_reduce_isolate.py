"""``--isolate``: each unit of work (an input file) in a fresh spawned process.

The seed's way of capping memory when an engine does not give memory back:
the worker reduces one unit into an uncompressed part and exits, so whatever
it held goes back to the OS. :func:`mwk.reduce.reduce` then writes the parts
into the output exactly as the default path does, so both give the same rows
in the same order.

The worker ignores SIGINT from the moment it starts (the terminal sends
Ctrl-C to the whole process group): the parent decides, terminates the worker,
waits for it and removes the part folder with Ctrl-C held.
"""
from __future__ import annotations

import multiprocessing as mp
import signal
import threading
from typing import Any, Callable, Dict, Optional

from .reduce import (Cancelled, ColumnInfo, ReduceError, ReduceOptions, Unit, first_line, reduce_pieces,
                     sigint_deferred)


def _worker(unit: Unit, folder: str, opts_d: Dict[str, Any], info: ColumnInfo,
            storage_options: Optional[Dict[str, str]], conn: Any) -> None:
    """Reduce one unit into parts in ``folder`` (runs in a spawned process)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    try:
        opts = ReduceOptions(**opts_d)
        reduce_pieces(unit, folder, opts, info, storage_options=storage_options)
        conn.send(("ok", unit.rows))
    except ReduceError as e:
        conn.send(("error", str(e)))
    except BaseException as e:  # noqa: BLE001
        conn.send(("error", f"{unit.source}: {type(e).__name__}: {first_line(e)}"))
    finally:
        conn.close()


def _ignore_sigint_then_run(*args: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # born ignoring it (see run_isolated); stays so
    _worker(*args)


def run_isolated(unit: Unit, folder: str, opts: ReduceOptions, info: ColumnInfo, *,
                 poll: Optional[Callable[[], None]] = None,
                 storage_options: Optional[Dict[str, str]] = None) -> None:
    """Reduce ``unit`` into uncompressed parts in ``folder`` (one per piece,
    see :func:`mwk.reduce.unit_pieces`) in one fresh process."""
    ctx = mp.get_context("spawn")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_ignore_sigint_then_run,
                       args=(unit, folder, dict(vars(opts)), info, storage_options, send), daemon=True)
    try:
        # The child must not die of a Ctrl-C to the process group while its
        # interpreter starts (a traceback from inside an import): an ignored
        # SIGINT survives fork and exec (a blocked one does not: the mask is
        # reset), and Python keeps it ignored. The parent ignores it only for
        # the few milliseconds of the fork.
        if threading.current_thread() is threading.main_thread():
            old_handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                proc.start()
            finally:
                signal.signal(signal.SIGINT, old_handler)
        else:  # only the main thread may change handlers (and receives Ctrl-C)
            proc.start()
        send.close()
        msg = None
        while True:
            if recv.poll(0.05):
                try:
                    msg = recv.recv()
                except EOFError:
                    msg = None
                break
            if not proc.is_alive():
                if recv.poll(0):
                    msg = recv.recv()
                break
            if poll is not None:
                poll()
        proc.join()
        if msg is None:
            raise ReduceError(f"{unit.source}: worker process died (exit code {proc.exitcode})")
        if msg[0] != "ok":
            raise ReduceError(msg[1])
    except KeyboardInterrupt:
        raise Cancelled("interrupted") from None
    finally:
        with sigint_deferred():
            if proc.is_alive():
                proc.terminate()
                proc.join(10)
                if proc.is_alive():
                    proc.kill()
                    proc.join(5)
            recv.close()
