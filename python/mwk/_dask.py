"""``mwk reduce ... --dask ADDRESS``: the job on a Dask cluster.

The engine sits behind this one module (another could be added beside it):
the driver plans the same units as the single-machine path (an input file, or
``--rows-per-task`` rows of it), submits one Dask task per unit, and each task
writes one part, ``part-00017.parquet``, into the output dataset folder (local
or ``s3://``) so that it is either absent or complete (see
:mod:`mwk._storage`). Every part records in its Parquet metadata a
fingerprint of its unit (the input's identity, the row range, the run's
parameters, mwk's version). When every task is done the driver checks every
part (present once, rows, size, SHA-256) and writes ``_manifest.json`` last:
a dataset without it is visibly incomplete.

With ``--partition-by COL`` a task writes ``COL=value/part-00017.parquet``
for each value in its rows (Polars' folder names, as on one machine), and the
manifest lists these files folder by folder; each file records how many its
task wrote, so a resumed run keeps a task only when all of them are there.

Re-running the same command resumes: a part whose fingerprint matches is kept,
the rest are redone. A task may run twice (Dask re-runs a task whose result
lived on a dead worker; a retiring worker's task can finish on two workers):
both write the same bytes under the same name.

Worker loss: a task is retried ``--retries`` times after an error, and (for
``local:N``) may be lost with a dying worker that many times before the run
fails (``distributed.scheduler.allowed-failures``). Memory: each worker has a
memory limit (the nanny restarts a worker above 95% of it, and its task is
redone elsewhere) and can be recycled after ``--lifetime``: the cluster-scale
form of the seed's "fresh process per chunk".

Ctrl-C: the worker processes of ``local:N`` start in a session of their own,
so only the driver gets it; it cancels the tasks and closes the cluster with
further Ctrl-C held (one during start-up is acted on once the cluster is up).
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import logging
import os
import shutil
import signal
import time
from dataclasses import asdict, dataclass
from typing import Any, Dict, Iterator, List, Optional, Sequence

from .reduce import (Cancelled, ColumnInfo, Progress, ReduceError, ReduceOptions, ReduceResult, Unit,
                     _dtype_name, build_query, check_output_vs_inputs, first_line, inspect_input, mwk_version,
                     plan_units, reduce_pieces, resolve_inputs, run_metadata, run_sink, scan, step_rows,
                     swap_sigint, unit_frame)
from . import _clean
from ._storage import (MANIFEST, PART_PREFIX, TMP_MARK, Dataset, is_s3, source_identity,
                       storage_options_from_env)

MANIFEST_FORMAT = "mwk-dataset/1"


@dataclass
class DaskSettings:
    address: str
    retries: int = 5
    worker_memory: str = "auto"
    lifetime: Optional[str] = None


def _quiet_logs() -> None:
    if os.environ.get("MWK_DEBUG"):
        return
    # distributed's logging config gives some children their own level
    # (tornado.application: error), which a parent's level does not override:
    # a Ctrl-C racing distributed's sync() then logged its internal NameError
    # traceback. Every existing logger under these names is quieted too.
    prefixes = ("distributed", "tornado", "asyncio", "bokeh")
    names = set(prefixes) | {n for n in logging.root.manager.loggerDict if n.split(".")[0] in prefixes}
    for name in names:
        logging.getLogger(name).setLevel(logging.CRITICAL)


def worker_env(threads: int) -> Dict[str, str]:
    """Environment for a worker process: Polars' and mwk's threads sized so
    that N single-threaded Dask workers do not oversubscribe the cores."""
    env = {"POLARS_MAX_THREADS": str(threads), "MWK_NUM_THREADS": str(threads),
           "OMP_NUM_THREADS": str(threads), "POLARS_MAX_CONCURRENT_SCANS": "1"}
    if not os.environ.get("MWK_DEBUG"):
        env["DASK_LOGGING__DISTRIBUTED"] = "error"
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


# ------------------------------------------------------------------ tasks
def unit_fingerprint(unit: Unit, identity: Dict[str, Any], opts: ReduceOptions, info: ColumnInfo) -> str:
    spec = {
        "source": unit.source, "identity": identity, "offset": unit.offset, "rows": unit.rows,
        "parameters": run_metadata(opts, info), "compression": opts.compression,
        "row_group_size": opts.row_group_size,
    }
    if opts.partition_by is not None:
        spec["partition_by"] = opts.partition_by
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


def _sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _rows_of(path: str) -> int:
    import polars as pl

    return int(pl.scan_parquet(path, hive_partitioning=False).select(pl.len()).collect().item())


def _partition_count(unit: Unit, key: str, storage_options: Optional[Dict[str, str]]) -> int:
    """How many partition folders the unit's rows go to (reads the key column only)."""
    import polars as pl

    return int(unit_frame(unit, storage_options).select(pl.col(key).n_unique()).collect().item())


def reduce_unit_task(unit: Unit, location: str, opts_d: Dict[str, Any], info: ColumnInfo, fingerprint: str,
                     storage_options: Optional[Dict[str, str]]) -> Dict[str, Any]:
    """One Dask task: reduce ``unit`` into the part ``unit.name`` of the dataset
    or, with ``partition_by``, into ``COL=value/part-NNNNN.parquet`` for each
    value of the key in the unit's rows.

    A unit whose input has row groups larger than the step budget is read in
    bounded batches (:func:`mwk.reduce.unit_pieces`) into uncompressed local
    pieces, then written into the part in one streaming pass, so a worker's
    peak memory does not grow with the input's row-group size."""
    opts = ReduceOptions(**opts_d)
    ds = Dataset(location)
    local_dir = None
    if ds.s3:
        try:
            from distributed import get_worker

            local_dir = get_worker().local_directory
        except Exception:  # noqa: BLE001
            local_dir = None
    partitioned = opts.partition_by is not None
    staged = ds.staging_path(unit.name, local_dir)
    steps_dir = f"{staged}-steps"
    meta = run_metadata(opts, info)
    meta["mwk.task"] = fingerprint
    meta["mwk.source"] = unit.source
    meta["mwk.rows"] = f"{unit.offset}:{unit.offset + unit.rows}"
    if partitioned:
        meta["mwk.partition_by"] = str(opts.partition_by)
        # how many files this unit writes: a resumed run keeps a unit only when all are there
        meta["mwk.files"] = str(_partition_count(unit, str(opts.partition_by), storage_options))
    files: List[Dict[str, Any]] = []
    try:
        if step_rows(unit, info) is None:
            lf = build_query(unit_frame(unit, storage_options), info, opts)
        else:
            os.mkdir(steps_dir)
            lf = scan(reduce_pieces(unit, steps_dir, opts, info, storage_options=storage_options))
        if partitioned:
            os.mkdir(staged)
            run_sink(lf, staged, opts, info, partition=True, one_file_per_key=True, metadata=meta, unit=unit,
                     storage_options=storage_options)
            for d in sorted(os.listdir(staged)):
                got = sorted(os.listdir(os.path.join(staged, d)))
                if len(got) != 1:
                    raise ReduceError(f"{unit.describe()}: {len(got)} files for partition {d}, expected 1")
                files.append({"name": f"{d}/{unit.name}", "path": os.path.join(staged, d, got[0])})
            if len(files) != int(meta["mwk.files"]):
                raise ReduceError(f"{unit.describe()}: {len(files)} partitions written, "
                                  f"expected {meta['mwk.files']}")
        else:
            run_sink(lf, staged, opts, info, metadata=meta, unit=unit, storage_options=storage_options)
            files.append({"name": unit.name, "path": staged})
        for f in files:
            path = f.pop("path")
            f["bytes"] = os.path.getsize(path)
            f["sha256"] = _sha256_file(path)
            f["rows"] = _rows_of(path) if partitioned else unit.rows
            ds.publish(path, f["name"])
    finally:
        for p in (staged, steps_dir):
            try:
                if os.path.isdir(p):
                    shutil.rmtree(p, ignore_errors=True)
                elif os.path.lexists(p):
                    os.unlink(p)
            except OSError:
                pass
    r = {"name": unit.name, "rows": unit.rows, "fingerprint": fingerprint, "source": unit.source,
         "offset": unit.offset}
    if partitioned:
        r["files"] = files
    else:
        r.update(bytes=files[0]["bytes"], sha256=files[0]["sha256"])
    return r


# ----------------------------------------------------------------- driver
def _ignore_sigint() -> None:
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


try:
    from distributed.diagnostics.plugin import WorkerPlugin as _WorkerPlugin
except ImportError:  # pragma: no cover
    _WorkerPlugin = object  # type: ignore[misc,assignment]


class _IgnoreSigint(_WorkerPlugin):  # type: ignore[misc,valid-type]
    """The workers of ``local:N`` share the driver's terminal: a Ctrl-C there is
    the driver's to handle (it cancels the tasks and closes the cluster), not
    a reason for each worker to die with a traceback."""

    idempotent = True

    def setup(self, worker: Any) -> None:
        try:
            loop = worker.loop.asyncio_loop
            loop.call_soon_threadsafe(_ignore_sigint)
        except Exception:  # noqa: BLE001
            _ignore_sigint()


class _DetachedSpawns:
    """While a ``local:N`` cluster lives, the processes multiprocessing spawns
    here (Dask's worker processes) start in a session of their own, out of the
    terminal's process group: a Ctrl-C reaches only the driver, which cancels
    the tasks and closes the cluster. (Ignoring SIGINT once a worker is up is
    too late: one that is still importing Dask when the Ctrl-C comes dies
    with a traceback.) The driver still owns them (they are its children) and
    kills any that outlive the close."""

    def __init__(self) -> None:
        import multiprocessing.util as mpu

        self._mpu = mpu
        self._orig = mpu.spawnv_passfds
        self._procs: List[Any] = []  # kept: a collected Popen could reap a worker behind multiprocessing's back

        def spawnv_passfds(path: str, args: Sequence[str], passfds: Sequence[int]) -> int:
            import subprocess

            if "--multiprocessing-fork" not in args:  # not a worker (the resource tracker)
                return self._orig(path, args, passfds)
            p = subprocess.Popen(list(args), executable=path, pass_fds=tuple(sorted(map(int, passfds))),
                                 close_fds=True, restore_signals=False, start_new_session=True)
            self._procs.append(p)
            return p.pid

        mpu.spawnv_passfds = spawnv_passfds

    def restore(self) -> None:
        if self._mpu.spawnv_passfds is not self._orig:
            self._mpu.spawnv_passfds = self._orig


@contextlib.contextmanager
def _sigint_held(reraise: bool) -> Iterator[None]:
    """Hold Ctrl-C for the block (cluster start-up and close must not be cut
    half-way: a half-started LocalCluster makes Dask's exit handler print a
    traceback); re-raise it afterwards if ``reraise``."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    got: List[int] = []
    try:
        # a Ctrl-C already pending is kept in got too, not raised before the block
        old = swap_sigint(lambda sig, frame: got.append(sig), got)
    except ValueError:
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
        if got and reraise and callable(old):
            raise KeyboardInterrupt


class _Cluster:
    """A client on ``tcp://...``, or a LocalCluster for ``local:N``."""

    def __init__(self, s: DaskSettings) -> None:
        self.cluster = None
        self.client = None
        self._spawns: Optional[_DetachedSpawns] = None
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError:
            raise ReduceError("--dask needs Dask distributed: pip install 'mwk[dask]'") from None
        _quiet_logs()
        addr = s.address
        if addr.startswith("local:"):
            try:
                n = int(addr[len("local:"):])
                if n < 1:
                    raise ValueError
            except ValueError:
                raise ReduceError(f"--dask {addr}: expected local:N with N >= 1 workers") from None
            cores = os.cpu_count() or 1
            threads = max(1, cores // n)
            mem: Any = s.worker_memory
            if mem in (None, "", "auto"):
                mem = "auto"
            kw: Dict[str, Any] = {}
            if s.lifetime:
                kw.update(lifetime=s.lifetime, lifetime_stagger="10s", lifetime_restart=True)
            if not os.environ.get("MWK_DEBUG"):
                os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "error")  # read by the workers
            # A Ctrl-C during start-up is acted on once the cluster is up (a few
            # seconds): then it is closed like after any other interrupt.
            try:
                with _sigint_held(reraise=True):
                    self._spawns = _DetachedSpawns()
                    with dask.config.set({"distributed.scheduler.allowed-failures": max(0, s.retries),
                                          "distributed.admin.tick.limit": "1h"}):
                        try:
                            self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                                        memory_limit=mem, dashboard_address=None,
                                                        host="127.0.0.1", env=worker_env(threads), **kw)
                        except Exception as e:  # noqa: BLE001
                            raise ReduceError(f"cannot start a local Dask cluster: {first_line(e)}") from None
                    self.client = Client(self.cluster)
                    try:
                        self.client.register_plugin(_IgnoreSigint(), name="mwk-ignore-sigint")
                    except Exception:  # noqa: BLE001
                        pass
            except BaseException:
                self.close()
                raise
            self.label = f"Dask local:{n}"
        else:
            if "://" not in addr:
                addr = f"tcp://{addr}"
            try:
                self.client = Client(addr, timeout="20s")
            except Exception as e:  # noqa: BLE001
                raise ReduceError(f"cannot reach the Dask scheduler {addr}: {first_line(e)}") from None
            self.label = f"Dask {addr}"

    def cancel(self, futures: Sequence[Any]) -> None:
        with _sigint_held(reraise=False):
            try:
                if self.client is not None:
                    self.client.cancel(list(futures))
            except Exception:  # noqa: BLE001
                pass

    def close(self) -> None:
        """Close the client and (local:N) the cluster, with Ctrl-C held. A local
        worker still busy in a task when it is told to close would go on
        writing after the driver has cleaned up: whatever worker process of
        ours outlives the close is killed by its pid."""
        if getattr(self, "_closed", False):
            return
        self._closed = True
        with _sigint_held(reraise=False):
            ours = _local_worker_pids(self.cluster) if self.cluster is not None else []
            if self._spawns is not None:
                ours += [p.pid for p in self._spawns._procs if p.poll() is None]
            if self.client is not None:
                try:
                    self.client.close(timeout=10)
                except Exception:  # noqa: BLE001
                    pass
            if self.cluster is not None:
                try:
                    self.cluster.close(timeout=20)
                except Exception:  # noqa: BLE001
                    pass
            if self._spawns is not None:
                _kill_survivors(sorted(set(ours)))
                self._spawns.restore()


def _local_worker_pids(cluster: Any) -> List[int]:
    """The worker processes this LocalCluster's nannies spawned."""
    out = []
    for nanny in list(getattr(cluster, "workers", {}).values()):
        try:
            pid = nanny.process.process.pid
        except AttributeError:
            continue
        if pid:
            out.append(int(pid))
    return out


def _kill_survivors(pids: Sequence[int], wait_s: float = 5.0) -> None:
    try:
        import psutil
    except ImportError:
        return
    procs = []
    for pid in pids:
        try:
            procs.append(psutil.Process(pid))
        except psutil.Error:
            pass
    try:
        _, alive = psutil.wait_procs(procs, timeout=wait_s)
    except Exception:  # noqa: BLE001
        alive = procs
    for p in alive:
        try:
            p.kill()
        except psutil.Error:
            pass
    try:
        psutil.wait_procs(alive, timeout=wait_s)
    except Exception:  # noqa: BLE001
        pass


def _check_address(addr: str) -> None:
    if addr.startswith("local:"):
        n = addr[len("local:"):]
        if not n.isdigit() or int(n) < 1:
            raise ReduceError(f"--dask {addr}: expected local:N with N >= 1 workers")
    elif "://" in addr and not addr.startswith(("tcp://", "tls://", "ucx://", "inproc://", "ws://", "wss://")):
        raise ReduceError(f"--dask {addr}: expected a scheduler address (tcp://host:8786) or local:N")


def _is_part(name: str, partitioned: bool) -> bool:
    """A finished part's name: ``part-NNNNN.parquet`` (flat) or
    ``COL=value/part-NNNNN.parquet`` (partitioned)."""
    if TMP_MARK in name or not name.endswith(".parquet"):
        return False
    head, _, base = name.rpartition("/")
    if not base.startswith(PART_PREFIX):
        return False
    return ("=" in head and "/" not in head) if partitioned else not head


def dataset_parts(location: str) -> List[str]:
    """The parts of a dataset in order (from its manifest when it has one)."""
    ds = Dataset(location)
    m = ds.read_manifest()
    if m:
        return [ds.uri(p["name"]) for p in m["parts"]]
    listing = ds.listing(depth=2)
    flat = [n for n in listing if _is_part(n, False)]
    return [ds.uri(n) for n in sorted(flat or [n for n in listing if _is_part(n, True)])]


def reduce_dask(inputs: Sequence[str], output: str, opts: ReduceOptions, settings: DaskSettings, *,
                progress: bool = False, on_commit: Any = None, state: Any = None) -> ReduceResult:
    opts.validate()
    _check_address(settings.address)
    so = storage_options_from_env() if (is_s3(output) or any(is_s3(str(i)) for i in inputs)) else None
    sources = resolve_inputs(inputs, so)
    check_output_vs_inputs(output, inputs, sources)
    lf = scan(sources, so)
    info = inspect_input(lf, opts)
    ds = Dataset(output)
    created = not ds.s3 and not os.path.exists(ds.location)
    ds.prepare()
    try:
        units = plan_units(sources, opts.rows_per_task, so)
        idents = {src: source_identity(src) for src in sources}
        fps = {u.index: unit_fingerprint(u, idents[u.source], opts, info) for u in units}
        partitioned = opts.partition_by is not None

        # What is there already: keep the parts of this very run, refuse anything else.
        # Flat: part-00017.parquet; partitioned: COL=value/part-00017.parquet (see _is_part).
        listing = ds.listing(depth=2)
        mine = {n for n in listing if _is_part(n, partitioned)}
        foreign = [n for n in listing if not (n in mine or _is_part(n, not partitioned) or n == MANIFEST
                                              or TMP_MARK in n)]
        if foreign and not opts.overwrite:
            raise ReduceError(f"output {output} already holds other files ({foreign[0]}, ...): "
                              "give an empty or new folder, or pass --overwrite")
        by_name = {u.name: u for u in units}
        files_of: Dict[str, List[str]] = {}
        for n in sorted(mine):
            files_of.setdefault(n.rsplit("/", 1)[-1], []).append(n)
        keep: Dict[str, Dict[str, Any]] = {}
        redo: List[str] = []
        stale: List[str] = [n for n in listing if _is_part(n, not partitioned)]
        for uname, fnames in sorted(files_of.items()):
            u = by_name.get(uname)
            mds = []
            if u is not None:
                for n in fnames:
                    try:
                        mds.append(ds.metadata(n, so))
                    except Exception:  # noqa: BLE001
                        mds.append({})
            ours = u is not None and bool(mds) and all(m.get("mwk.task") == fps[u.index] for m in mds)
            complete = not partitioned or all(m.get("mwk.files") == str(len(fnames)) for m in mds)
            if ours and not complete:  # this run's unit, cut short: redo it
                redo.extend(fnames)
            elif ours:
                assert u is not None
                keep[uname] = {"name": uname, "rows": u.rows, "fingerprint": fps[u.index], "source": u.source,
                               "offset": u.offset}
                if partitioned:
                    keep[uname]["files"] = [{"name": n, "bytes": listing[n]} for n in fnames]
            else:
                stale.extend(fnames)
        if stale and not opts.overwrite:
            raise ReduceError(f"output {output} holds parts of a different run ({sorted(stale)[0]}, ...): "
                              "pass --overwrite to replace them, or give a new folder")
        # partitioned, a unit without rows writes no file: nothing to run
        empty = {u.name: {"name": u.name, "rows": 0, "fingerprint": fps[u.index], "source": u.source,
                          "offset": u.offset, "files": []}
                 for u in units if partitioned and u.rows == 0 and u.name not in keep}
        todo = [u for u in units if u.name not in keep and u.name not in empty]
        if MANIFEST in listing and (todo or stale or foreign):
            ds.delete(MANIFEST)  # incomplete again until this run has checked every part
        for n in stale + foreign + redo:
            ds.delete(n)
        ds.remove_temporaries()

        bytes_in_data = info.rows * info.channels * info.in_itemsize
        bpr = info.channels * info.in_itemsize
        results: Dict[str, Dict[str, Any]] = {**keep, **empty}
        t0 = time.perf_counter()
        cluster = None
        futures: List[Any] = []
        bar = Progress(info.rows, bpr, progress, label="dask  ",
                       extra=lambda: f"{len(results)}/{len(units)} tasks")
        rows_done = sum(r["rows"] for r in keep.values())
        try:
            if todo:
                cluster = _Cluster(settings)
                from distributed import as_completed

                opts_d = asdict(opts)
                for u in todo:
                    futures.append(cluster.client.submit(
                        reduce_unit_task, u, ds.location, opts_d, info, fps[u.index], so,
                        key=f"mwk-reduce-{fps[u.index][:16]}-{u.index:05d}", retries=max(0, settings.retries),
                        pure=False))
                ac = as_completed(futures, with_results=False)
                pending = len(futures)
                while pending:
                    try:
                        batch = ac.next_batch(block=False)
                    except StopIteration:
                        break
                    if not batch:
                        bar.update(rows_done)
                        time.sleep(0.05)
                        continue
                    for f in batch:
                        pending -= 1
                        if f.status == "error":
                            exc = f.exception()
                            for g in futures:
                                g.cancel()
                            msg = str(exc) if isinstance(exc, ReduceError) else f"{type(exc).__name__}: {first_line(exc)}"
                            raise ReduceError(f"task {f.key} failed: {msg}")
                        if f.status == "cancelled":
                            raise ReduceError(f"task {f.key} was cancelled by the cluster")
                        r = f.result()
                        results[r["name"]] = r
                        rows_done += r["rows"]
                        bar.update(rows_done)
            bar.close(rows_done)
            # Every part present once, with its rows, size and checksum.
            ds.remove_temporaries()
            listing = ds.listing(depth=2)
            expected = []
            for u in units:
                if partitioned:
                    expected.extend(f["name"] for f in results[u.name]["files"])
                else:
                    expected.append(u.name)
            missing = sorted(set(expected) - set(listing))
            if missing:
                raise ReduceError(f"part {missing[0]} is missing after the run")
            extra = sorted(n for n in listing if _is_part(n, partitioned) and n not in set(expected))
            if extra:
                raise ReduceError(f"part {extra[0]} was written by no task of this run")
            import polars as pl

            parts = []
            for u in units:
                r = results[u.name]
                written = r["files"] if partitioned else [dict(r, name=u.name)]
                unit_rows = 0
                for f in written:
                    size, sha = ds.checksum(f["name"])
                    if "sha256" in f and f["sha256"] != sha:
                        raise ReduceError(f"part {f['name']}: checksum differs from what its task wrote")
                    if size != listing[f["name"]]:
                        raise ReduceError(f"part {f['name']}: size changed while checking")
                    rows = int(pl.scan_parquet(ds.uri(f["name"]), storage_options=so, hive_partitioning=False)
                               .select(pl.len()).collect().item())
                    if not partitioned and rows != u.rows:
                        raise ReduceError(f"part {f['name']} has {rows} rows, expected {u.rows}")
                    unit_rows += rows
                    entry = {"name": f["name"], "source": u.source, "offset": u.offset, "rows": rows,
                             "bytes": size, "sha256": sha, "task": fps[u.index]}
                    if partitioned:
                        entry["partition"] = f["name"].rsplit("/", 1)[0]
                        entry["unit"] = u.index
                        entry["unit_rows"] = u.rows
                    parts.append(entry)
                if unit_rows != u.rows:
                    raise ReduceError(f"the parts of {u.describe()} have {unit_rows} rows, expected {u.rows}")
            if partitioned:  # one folder after the other, each in input order
                parts.sort(key=lambda p: (p["partition"], p["name"]))
            manifest = {
                "format": MANIFEST_FORMAT,
                "mwk_version": mwk_version(),
                "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                "parameters": {**run_metadata(opts, info), "compression": opts.compression,
                               "rows_per_task": opts.rows_per_task, "row_group_size": opts.row_group_size,
                               "partition_by": opts.partition_by},
                "layout": (f"{opts.partition_by}=VALUE/part-NNNNN.parquet: one folder per value, one file per "
                           "task in it (NNNNN: the task's unit; in name order, the rows in input order)"
                           if partitioned else "part-NNNNN.parquet: one file per task, in input order"),
                "inputs": [{"source": s, **idents[s]} for s in sources],
                "rows": sum(p["rows"] for p in parts),
                "bytes": sum(p["bytes"] for p in parts),
                "parts": parts,
            }
            ds.put_text(MANIFEST, json.dumps(manifest, indent=2) + "\n")
            if on_commit is not None:
                on_commit(ds.location)
        except KeyboardInterrupt:
            if cluster is not None:
                cluster.cancel(futures)
                cluster.close()  # before counting: no worker of ours writes after this
            done = len({n.rsplit("/", 1)[-1] for n in ds.listing(depth=2) if _is_part(n, partitioned)})
            if state is not None and done:
                state.extra = (f"{done} of {len(units)} parts written to {ds.location} (no manifest yet); "
                               "rerun the same command to resume")
            raise Cancelled("interrupted") from None
        finally:
            bar.close(rows_done)
            if cluster is not None:
                cluster.close()
            try:
                ds.remove_temporaries()
            except Exception:  # noqa: BLE001
                pass
    except BaseException:
        if created:  # leave no empty folder behind a run that wrote nothing
            try:
                os.rmdir(ds.location)
            except OSError:
                pass
        raise
    seconds = time.perf_counter() - t0
    disk_in = None
    if not any(is_s3(s) for s in sources):
        disk_in = sum(os.path.getsize(s) for s in sources)
    return ReduceResult(
        rows=info.rows, channels_in=info.channels, channels_out=info.out_channels,
        dtype_in=_dtype_name(info.inner), dtype_out=_dtype_name(info.out_inner), files_in=len(sources),
        bytes_in_disk=disk_in, bytes_out_disk=manifest["bytes"], bytes_in_data=bytes_in_data,
        bytes_out_data=info.rows * info.out_channels * info.out_itemsize, seconds=seconds,
        output=ds.location, isolate=False, window=opts.window, mode=opts.mode, decimate=opts.decimate,
        engine=cluster.label if cluster is not None else f"Dask {settings.address}", tasks=len(units),
        tasks_run=len(todo), tasks_kept=len(keep),
        rfi=_clean.tally([ds.uri(p["name"]) for p in manifest["parts"]], opts, so),
    )
