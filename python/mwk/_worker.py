"""``mwk worker --scheduler ADDRESS [--spot-watch]``: Dask workers for ``mwk reduce --dask``.

Starts one nanny + worker process per core (``--nworkers``), each with one
Dask thread, and sizes Polars' and mwk's threads so that they do not
oversubscribe the machine. Each worker has a memory limit (the nanny restarts
a worker that goes above 95% of it, and its task is redone elsewhere) and an
optional ``--lifetime`` after which it is retired gracefully and restarted.

``--spot-watch`` polls the EC2 instance metadata service for a spot
interruption notice (``/latest/meta-data/spot/instance-action``, with an
IMDSv2 token; 404 means none) every ``--spot-poll`` seconds. When one appears
(two minutes before the instance goes) the workers are retired gracefully: the
scheduler stops giving them tasks, moves their results elsewhere and closes
them; a task still running there is run again on another worker, which is
harmless because every part is written idempotently. The endpoint is
``--metadata-url`` (default ``http://169.254.169.254``, or ``MWK_METADATA_URL``)
so that tests can point it at a local stand-in.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import sys
import urllib.error
import urllib.request
from typing import Any, List, Optional

DEFAULT_METADATA_URL = "http://169.254.169.254"


def add_worker_parser(sub: Any, prog: str) -> None:
    w = sub.add_parser(
        "worker", prog=f"{prog} worker",
        help="start Dask workers for mwk reduce --dask (one process per core)",
        description="Start Dask workers (nanny + worker, one per core, one thread each) for "
                    "`mwk reduce --dask ADDRESS`, optionally retiring them on a spot interruption notice.")
    w.add_argument("--scheduler", required=True, metavar="ADDRESS", help="the scheduler, tcp://host:8786")
    w.add_argument("--nworkers", type=int, default=None, metavar="N",
                   help="worker processes (default: one per core)")
    w.add_argument("--memory-limit", default="auto", metavar="BYTES",
                   help="memory limit per worker, e.g. 4GB (default auto: the machine's memory / N)")
    w.add_argument("--lifetime", default=None, metavar="DURATION",
                   help="retire and restart each worker after DURATION (e.g. 1h), staggered, "
                   "so that memory an engine keeps is given back")
    w.add_argument("--spot-watch", action="store_true",
                   help="retire gracefully when the instance metadata announces a spot interruption")
    w.add_argument("--metadata-url", default=os.environ.get("MWK_METADATA_URL", DEFAULT_METADATA_URL),
                   help="instance metadata endpoint (default %(default)s; env MWK_METADATA_URL)")
    w.add_argument("--spot-poll", type=float, default=5.0, metavar="SECONDS",
                   help="seconds between metadata polls (default 5)")
    w.add_argument("--name", default=None, help="worker name prefix (default: the host name)")
    w.add_argument("--local-directory", default=None, help="scratch folder for the workers")


# ------------------------------------------------------------- spot notice
def spot_notice(base_url: str, timeout: float = 2.0) -> Optional[dict]:
    """The spot interruption notice, or None while there is none (or no
    metadata service answers). IMDSv2: a session token first, then the GET."""
    base = base_url.rstrip("/")
    headers = {}
    try:
        req = urllib.request.Request(f"{base}/latest/api/token", method="PUT",
                                     headers={"X-aws-ec2-metadata-token-ttl-seconds": "21600"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            headers["X-aws-ec2-metadata-token"] = r.read().decode().strip()
    except (urllib.error.URLError, OSError, ValueError):
        pass  # IMDSv1 only, or no service: try the GET without a token
    try:
        req = urllib.request.Request(f"{base}/latest/meta-data/spot/instance-action", headers=headers)
        with urllib.request.urlopen(req, timeout=timeout) as r:
            body = r.read().decode()
    except (urllib.error.URLError, OSError, ValueError):
        return None  # 404: no notice
    try:
        notice = json.loads(body)
    except ValueError:
        notice = {"action": body.strip()}
    return notice if isinstance(notice, dict) else {"action": str(notice)}


def _say(msg: str) -> None:
    sys.stderr.write(f"mwk worker: {msg}\n")
    sys.stderr.flush()


async def _run(a: argparse.Namespace) -> int:
    from distributed import Client, Nanny

    from ._dask import _quiet_logs, worker_env

    _quiet_logs()
    cores = os.cpu_count() or 1
    n = a.nworkers or cores
    threads = max(1, cores // n)
    name = a.name or f"{socket.gethostname()}-{os.getpid()}"
    kw: dict = {}
    if a.lifetime:
        kw.update(lifetime=a.lifetime, lifetime_stagger="1m", lifetime_restart=True)
    if a.local_directory:
        kw["local_directory"] = a.local_directory
    scheduler = a.scheduler if "://" in a.scheduler else f"tcp://{a.scheduler}"
    nannies: List[Any] = [Nanny(scheduler, nthreads=1, memory_limit=a.memory_limit, env=worker_env(threads),
                                name=f"{name}-{i}", **kw) for i in range(n)]
    try:
        await asyncio.gather(*nannies)
    except Exception as e:  # noqa: BLE001
        _say(f"error: cannot start workers for {scheduler}: {e}")
        for nn in nannies:
            await nn.close()
        return 1
    _say(f"{n} worker{'s' if n != 1 else ''} ({threads} Polars thread{'s' if threads != 1 else ''} each) "
         f"joined {scheduler}" + (f"; watching {a.metadata_url} for a spot interruption" if a.spot_watch else ""))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass

    async def watch() -> None:
        while not stop.is_set():
            notice = await loop.run_in_executor(None, spot_notice, a.metadata_url)
            if notice:
                _say(f"spot interruption notice ({notice.get('action', '?')} at {notice.get('time', '?')}): "
                     "retiring gracefully")
                addrs = [nn.worker_address for nn in nannies if nn.worker_address]
                try:
                    async with Client(scheduler, asynchronous=True, timeout="20s") as c:
                        await c.retire_workers(workers=addrs, close_workers=True, remove=True)
                except Exception as e:  # noqa: BLE001
                    _say(f"graceful retirement failed ({e}); closing")
                stop.set()
                return
            try:
                await asyncio.wait_for(stop.wait(), timeout=a.spot_poll)
            except asyncio.TimeoutError:
                pass

    async def all_closed() -> None:
        while any(nn.status.name not in ("closed", "closing", "failed") for nn in nannies):
            await asyncio.sleep(0.5)
        stop.set()

    tasks = [asyncio.ensure_future(all_closed())]
    if a.spot_watch:
        tasks.append(asyncio.ensure_future(watch()))
    await stop.wait()
    for t in tasks:
        t.cancel()
    for nn in nannies:
        try:
            await nn.close(timeout=30)
        except Exception:  # noqa: BLE001
            pass
    _say("stopped")
    return 0


def cmd_worker(a: argparse.Namespace) -> int:
    try:
        import distributed  # noqa: F401
    except ImportError:
        sys.stderr.write("mwk worker: error: needs Dask distributed: pip install 'mwk[dask]'\n")
        return 1
    if a.nworkers is not None and a.nworkers < 1:
        sys.stderr.write("mwk worker: error: --nworkers must be >= 1\n")
        return 2
    return asyncio.run(_run(a))
