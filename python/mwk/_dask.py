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
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import os
import signal
import time
from dataclasses import asdict, dataclass
from typing import Any, Dict, List, Optional, Sequence

from .reduce import (Cancelled, ColumnInfo, Progress, ReduceError, ReduceOptions, ReduceResult, Unit,
                     _dtype_name, build_query, check_output_vs_inputs, first_line, inspect_input, mwk_version,
                     plan_units, resolve_inputs, run_metadata, run_sink, scan, unit_frame)
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
    for name in ("distributed", "tornado", "asyncio", "bokeh"):
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
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


def _sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def reduce_unit_task(unit: Unit, location: str, opts_d: Dict[str, Any], info: ColumnInfo, fingerprint: str,
                     storage_options: Optional[Dict[str, str]]) -> Dict[str, Any]:
    """One Dask task: reduce ``unit`` into the part ``unit.name`` of the dataset."""
    opts = ReduceOptions(**opts_d)
    ds = Dataset(location)
    local_dir = None
    if ds.s3:
        try:
            from distributed import get_worker

            local_dir = get_worker().local_directory
        except Exception:  # noqa: BLE001
            local_dir = None
    staged = ds.staging_path(unit.name, local_dir)
    meta = run_metadata(opts, info)
    meta["mwk.task"] = fingerprint
    meta["mwk.source"] = unit.source
    meta["mwk.rows"] = f"{unit.offset}:{unit.offset + unit.rows}"
    try:
        run_sink(build_query(unit_frame(unit, storage_options), info, opts), staged, opts, info,
                 metadata=meta, unit=unit, storage_options=storage_options)
        size = os.path.getsize(staged)
        sha = _sha256_file(staged)
        ds.publish(staged, unit.name)
    finally:
        if os.path.lexists(staged):
            try:
                os.unlink(staged)
            except OSError:
                pass
    return {"name": unit.name, "rows": unit.rows, "bytes": size, "sha256": sha, "fingerprint": fingerprint,
            "source": unit.source, "offset": unit.offset}


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


class _Cluster:
    """A client on ``tcp://...``, or a LocalCluster for ``local:N``."""

    def __init__(self, s: DaskSettings) -> None:
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError:
            raise ReduceError("--dask needs Dask distributed: pip install 'mwk[dask]'") from None
        _quiet_logs()
        self.cluster = None
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
            with dask.config.set({"distributed.scheduler.allowed-failures": max(0, s.retries),
                                  "distributed.admin.tick.limit": "1h"}):
                if not os.environ.get("MWK_DEBUG"):
                    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "error")  # read by the workers
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
            self.label = f"Dask local:{n}"
        else:
            if "://" not in addr:
                addr = f"tcp://{addr}"
            try:
                self.client = Client(addr, timeout="20s")
            except Exception as e:  # noqa: BLE001
                raise ReduceError(f"cannot reach the Dask scheduler {addr}: {first_line(e)}") from None
            self.label = f"Dask {addr}"

    def close(self) -> None:
        """Close the client and (local:N) the cluster. A local worker still busy
        in a task when it is told to close would go on writing after the driver
        has cleaned up: whatever worker process of ours outlives the close is
        killed by its pid."""
        if getattr(self, "_closed", False):
            return
        self._closed = True
        ours = _local_worker_pids(self.cluster) if self.cluster is not None else []
        try:
            self.client.close(timeout=10)
        except Exception:  # noqa: BLE001
            pass
        if self.cluster is not None:
            try:
                self.cluster.close(timeout=20)
            except Exception:  # noqa: BLE001
                pass
            _kill_survivors(ours)


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


def dataset_parts(location: str) -> List[str]:
    """The parts of a dataset in order (from its manifest when it has one)."""
    ds = Dataset(location)
    m = ds.read_manifest()
    if m:
        return [ds.uri(p["name"]) for p in m["parts"]]
    return [ds.uri(n) for n in sorted(ds.listing()) if n.startswith(PART_PREFIX) and TMP_MARK not in n]


def reduce_dask(inputs: Sequence[str], output: str, opts: ReduceOptions, settings: DaskSettings, *,
                progress: bool = False, on_commit: Any = None, state: Any = None) -> ReduceResult:
    opts.validate()
    _check_address(settings.address)
    if opts.partition_by is not None:
        raise ReduceError("--partition-by is not supported with --dask yet: partition the dataset afterwards")
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
        names = {u.name for u in units}

        # What is there already: keep the parts of this very run, refuse anything else.
        listing = ds.listing()
        foreign = [n for n in listing if not (n.startswith(PART_PREFIX) or n == MANIFEST or TMP_MARK in n)]
        if foreign and not opts.overwrite:
            raise ReduceError(f"output {output} already holds other files ({foreign[0]}, ...): "
                              "give an empty or new folder, or pass --overwrite")
        keep: Dict[str, Dict[str, Any]] = {}
        stale: List[str] = []
        for n in sorted(listing):
            if not n.startswith(PART_PREFIX) or TMP_MARK in n:
                continue
            u = next((u for u in units if u.name == n), None)
            fp = None
            if u is not None:
                try:
                    fp = ds.metadata(n, so).get("mwk.task")
                except Exception:  # noqa: BLE001
                    fp = None
            if u is not None and fp == fps[u.index]:
                keep[n] = {"name": n, "rows": u.rows, "bytes": listing[n], "fingerprint": fp,
                           "source": u.source, "offset": u.offset}
            else:
                stale.append(n)
        if stale and not opts.overwrite:
            raise ReduceError(f"output {output} holds parts of a different run ({stale[0]}, ...): "
                              "pass --overwrite to replace them, or give a new folder")
        todo = [u for u in units if u.name not in keep]
        if MANIFEST in listing and (todo or stale or foreign):
            ds.delete(MANIFEST)  # incomplete again until this run has checked every part
        for n in stale + foreign:
            ds.delete(n)
        ds.remove_temporaries()

        bytes_in_data = info.rows * info.channels * info.in_itemsize
        bpr = info.channels * info.in_itemsize
        results: Dict[str, Dict[str, Any]] = dict(keep)
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
            listing = ds.listing()
            missing = sorted(names - set(listing))
            if missing:
                raise ReduceError(f"part {missing[0]} is missing after the run")
            parts = []
            for u in units:
                r = dict(results[u.name])
                size, sha = ds.checksum(u.name)
                if "sha256" in r and r["sha256"] != sha:
                    raise ReduceError(f"part {u.name}: checksum differs from what its task wrote")
                if size != listing[u.name]:
                    raise ReduceError(f"part {u.name}: size changed while checking")
                import polars as pl

                rows = int(pl.scan_parquet(ds.uri(u.name), storage_options=so).select(pl.len()).collect().item())
                if rows != u.rows:
                    raise ReduceError(f"part {u.name} has {rows} rows, expected {u.rows}")
                parts.append({"name": u.name, "source": u.source, "offset": u.offset, "rows": u.rows,
                              "bytes": size, "sha256": sha, "task": fps[u.index]})
            manifest = {
                "format": MANIFEST_FORMAT,
                "mwk_version": mwk_version(),
                "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                "parameters": {**run_metadata(opts, info), "compression": opts.compression,
                               "rows_per_task": opts.rows_per_task, "row_group_size": opts.row_group_size},
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
                try:
                    cluster.client.cancel(futures)
                except Exception:  # noqa: BLE001
                    pass
                cluster.close()  # before counting: no worker of ours writes after this
            done = len([n for n in ds.listing() if n in names])
            if state is not None:
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
    )
