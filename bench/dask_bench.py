#!/usr/bin/env python3
"""Benchmark (not a test) of ``mwk reduce --dask``: the engine's overhead and its scaling.

For the synthetic day (default 9,000 chunks x 30,000 float32 channels), each in
its own child process (``python -m mwk reduce ... -q --summary-json``):

* ``single``: the single-machine path (one process, Polars' streaming engine);
* ``local:1``: a Dask LocalCluster of one single-threaded worker (the overhead of
  the engine: cluster start, task dispatch, parts, checks, manifest);
* ``local:2``: two workers (scaling on this machine's cores).

Bytes moved: what the run reads and writes (inputs read once by the workers,
parts written once, parts read again by the driver's SHA-256 check; the
single-machine path writes its parts and reads them back for the final write).

From the ``local:1`` per-worker rate it *projects* the time of a 300 GB day on N
workers (stated as a projection: it assumes the per-worker rate of this machine,
object-storage bandwidth that scales with the workers, and no stragglers).

    .venv/bin/python bench/dask_bench.py                # the default day
    .venv/bin/python bench/dask_bench.py --rows 2000    # quicker

Writes bench/out/dask.json (``--json``) and prints a Markdown table.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time


def run_child(args):
    fd, js = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    cmd = [sys.executable, "-m", "mwk", "reduce", *args, "-q", "--summary-json", js]
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    err = p.stderr.read() if p.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"reduce failed: {err.strip()}")
    with open(js) as fh:
        s = json.load(fh)
    os.unlink(js)
    return wall, ru.ru_maxrss * 1024, s


def tree_bytes(path):
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(path) for f in fs)


def cluster_start_seconds(n):
    code = ("import time,os;t=time.perf_counter();from mwk._dask import _Cluster, DaskSettings;"
            f"c=_Cluster(DaskSettings('local:{n}'));c.client.wait_for_workers({n});"
            "print(time.perf_counter()-t);c.close()")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(r.stdout.split()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=9000)
    ap.add_argument("--channels", type=int, default=30000)
    ap.add_argument("--window", type=int, default=1000)
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--day-gb", type=float, default=300.0, help="size of the projected day on disk (GB)")
    ap.add_argument("--json", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "out", "dask.json"))
    a = ap.parse_args()

    import mwk
    from mwk._reduce_check import write_synthetic_day

    work = tempfile.mkdtemp(prefix="mwk-dask-bench-", dir=a.workdir)
    try:
        day = os.path.join(work, "day")
        t = time.perf_counter()
        files = write_synthetic_day(day, a.rows, a.channels)
        gen_s = time.perf_counter() - t
        disk_in = sum(os.path.getsize(f) for f in files)
        print(f"day: {a.rows:,} chunks x {a.channels:,} float32 channels in {len(files)} files "
              f"({disk_in / 1e9:.3f} GB on disk), generated in {gen_s:.1f} s", flush=True)
        starts = {n: cluster_start_seconds(n) for n in (1, 2)}
        runs = []
        for name, extra in (("single", []), ("local:1", ["--dask", "local:1"]), ("local:2", ["--dask", "local:2"])):
            out = os.path.join(work, "out.parquet" if name == "single" else f"out-{name.replace(':', '')}")
            wall, rss, s = run_child([day, "-o", out, "--window", str(a.window), *extra])
            out_b = tree_bytes(out)
            if name == "single":
                # inputs read, uncompressed parts written and read back (several files), output written
                parts = s["bytes_out_data"] if len(files) > 1 else 0
                moved = disk_in + 2 * parts + out_b
            else:
                moved = disk_in + 2 * out_b  # inputs read by the workers, parts written, parts checked
            rec = {"run": name, "rows": s["rows"], "reduce_s": s["seconds"], "process_wall_s": wall,
                   "gb_in_data": s["bytes_in_data"] / 1e9, "gb_in_disk": disk_in / 1e9, "gb_out_disk": out_b / 1e9,
                   "gb_moved": moved / 1e9, "gb_per_s": s["gb_per_s"], "driver_peak_rss_mb": rss / 2**20,
                   "tasks": s.get("tasks")}
            if name != "single":
                rec["cluster_start_s"] = starts[int(name.split(":")[1])]
            runs.append(rec)
            print(f"{name:8s} {rec['reduce_s']:7.2f} s  {rec['gb_per_s']:.3f} GB/s of input spectra  "
                  f"{rec['gb_moved']:.2f} GB moved  (process {wall:.1f} s)", flush=True)
            shutil.rmtree(out, ignore_errors=True) if os.path.isdir(out) else os.unlink(out)
        one = next(r for r in runs if r["run"] == "local:1")
        two = next(r for r in runs if r["run"] == "local:2")
        single = next(r for r in runs if r["run"] == "single")
        # per-worker rate, cluster start excluded, in GB of input on disk per second
        per_worker = one["gb_in_disk"] / max(one["reduce_s"] - one["cluster_start_s"], 1e-9)
        proj = {}
        for n in (8, 32, 128, 512):
            proj[n] = a.day_gb / (per_worker * n)
        record = {
            "benchmark": "mwk reduce --dask", "rows": a.rows, "channels": a.channels, "window": a.window,
            "generate_s": gen_s, "cluster_start_s": starts, "runs": runs,
            "overhead_local1_over_single": one["reduce_s"] / single["reduce_s"],
            "scaling_local2_over_local1": one["reduce_s"] / two["reduce_s"],
            "per_worker_gb_disk_per_s": per_worker,
            "projection": {"day_gb_on_disk": a.day_gb, "seconds_by_workers": proj,
                           "note": "projection from the local:1 per-worker rate on this machine; assumes object "
                                   "storage bandwidth scales with the workers and no stragglers"},
            "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                        "load_avg_at_end": os.getloadavg(), "mwk": mwk.__version__},
        }
        print()
        print("| run | reduce s | GB/s of input spectra | GB moved | tasks |")
        print("|---|---:|---:|---:|---:|")
        for r in runs:
            print(f"| {r['run']} | {r['reduce_s']:.2f} | {r['gb_per_s']:.3f} | {r['gb_moved']:.2f} | {r['tasks']} |")
        print(f"\ncluster start: local:1 {starts[1]:.1f} s, local:2 {starts[2]:.1f} s; "
              f"local:1 / single = {record['overhead_local1_over_single']:.2f}x, "
              f"local:1 / local:2 = {record['scaling_local2_over_local1']:.2f}x")
        print(f"per-worker rate {per_worker:.3f} GB/s on disk; projected {a.day_gb:.0f} GB day: "
              + ", ".join(f"{n} workers {s / 60:.1f} min" for n, s in proj.items()))
        if a.json:
            os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
            with open(a.json, "w") as fh:
                json.dump(record, fh, indent=2)
            print(f"wrote {a.json}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
