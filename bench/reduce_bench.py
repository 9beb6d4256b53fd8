#!/usr/bin/env python3
"""Benchmark of ``mwk reduce``: throughput for a synthetic day, and peak RSS
for 1x and 4x the input.

A synthetic day (default 9,000 chunks x 30,000 float32 channels, the
instrument's day) is generated once into a temporary folder. Each reduction
then runs in its own child process (``python -m mwk reduce ... -q``) and its
peak RSS is read from ``os.wait4`` (the child's own rusage, ru_maxrss). The
4x input is the same files listed four times (4x the rows read, smoothed and
written; no extra disk for inputs). The streaming engine must not hold the day
in memory: the check is peak RSS(4x) <= 1.2 x peak RSS(1x).

    .venv/bin/python bench/reduce_bench.py                 # the default day
    .venv/bin/python bench/reduce_bench.py --rows 2000     # quicker
    .venv/bin/python bench/reduce_bench.py --isolate       # also --isolate

Writes a JSON record (``--json``, default bench/out/reduce.json) and prints a
table. Exit status 1 if the memory check fails.
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


def run_child(args, env=None):
    """Run ``python -m mwk reduce ARGS`` as a child; return (seconds, peak RSS bytes, summary)."""
    fd, js = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    cmd = [sys.executable, "-m", "mwk", "reduce", *args, "-q", "--summary-json", js]
    t = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    err = p.stderr.read() if p.stderr else ""
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise SystemExit(f"reduce failed ({p.returncode}): {err.strip()}")
    with open(js) as fh:
        summary = json.load(fh)
    os.unlink(js)
    rss = ru.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    return wall, rss, summary


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=9000, help="chunks in the day (default 9000)")
    ap.add_argument("--channels", type=int, default=30000)
    ap.add_argument("--window", type=int, default=1000)
    ap.add_argument("--isolate", action="store_true", help="also measure --isolate")
    ap.add_argument("--workdir", default=None, help="where to put the day and outputs (default: a temp folder)")
    ap.add_argument("--json", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "out", "reduce.json"))
    a = ap.parse_args()

    import mwk
    from mwk._reduce_check import write_synthetic_day

    work = tempfile.mkdtemp(prefix="mwk-reduce-bench-", dir=a.workdir)
    try:
        day = os.path.join(work, "day")
        t = time.perf_counter()
        files = write_synthetic_day(day, a.rows, a.channels)
        gen_s = time.perf_counter() - t
        print(f"day: {a.rows:,} chunks x {a.channels:,} float32 channels in {len(files)} files "
              f"({sum(os.path.getsize(f) for f in files) / 1e9:.3f} GB on disk), generated in {gen_s:.1f} s",
              flush=True)
        runs = []
        variants = [("default", [])] + ([("isolate", ["--isolate"])] if a.isolate else [])
        for name, extra in variants:
            for mult in (1, 4):
                out = os.path.join(work, f"out-{name}-{mult}x.parquet")
                wall, rss, s = run_child([*([day] * mult), "-o", out, "--window", str(a.window), *extra])
                rec = {"variant": name, "input_multiple": mult, "rows": s["rows"],
                       "reduce_s": s["seconds"], "process_wall_s": wall, "gb_in": s["bytes_in_data"] / 1e9,
                       "gb_out": s["bytes_out_data"] / 1e9, "gb_in_disk": (s["bytes_in_disk"] or 0) / 1e9,
                       "gb_out_disk": s["bytes_out_disk"] / 1e9, "gb_per_s": s["gb_per_s"],
                       "projected_9000_chunks_s": s["projected_9000_chunks_s"], "peak_rss_mb": rss / 2**20}
                runs.append(rec)
                print(f"{name:8s} {mult}x: {rec['rows']:>6,} rows  {rec['reduce_s']:7.2f} s  "
                      f"{rec['gb_per_s']:.3f} GB/s of input spectra  peak RSS {rec['peak_rss_mb']:7.0f} MB  "
                      f"(process {wall:.1f} s)", flush=True)
                os.unlink(out)
        verdicts = {}
        ok = True
        for name, _ in variants:
            r1 = next(r for r in runs if r["variant"] == name and r["input_multiple"] == 1)
            r4 = next(r for r in runs if r["variant"] == name and r["input_multiple"] == 4)
            ratio = r4["peak_rss_mb"] / r1["peak_rss_mb"]
            verdicts[name] = {"rss_ratio_4x_over_1x": ratio, "within_1_2x": ratio <= 1.2}
            ok &= ratio <= 1.2
            print(f"{name}: peak RSS 4x / 1x = {ratio:.3f} ({'OK' if ratio <= 1.2 else 'FAIL'}: limit 1.2)")
        info = mwk.runtime_info()
        record = {
            "benchmark": "mwk reduce", "rows": a.rows, "channels": a.channels, "window": a.window,
            "dtype": "float32", "generate_s": gen_s, "runs": runs, "memory_check": verdicts,
            "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                        "target": info.get("target"), "mwk": info.get("version"),
                        "load_avg_at_end": os.getloadavg()},
            "versions": info.get("versions"),
        }
        import polars

        record["versions"]["polars"] = polars.__version__
        if a.json:
            os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
            with open(a.json, "w") as fh:
                json.dump(record, fh, indent=2)
            print(f"wrote {a.json}")
        return 0 if ok else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
