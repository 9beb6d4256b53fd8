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
    .venv/bin/python bench/reduce_bench.py --clean         # also the added cost of --clean hampel
    .venv/bin/python bench/reduce_bench.py --clean-only    # only that (no 4x memory runs)

``--clean``: plain and ``--clean hampel`` runs of the 1x day, alternated
(``--repeats`` pairs, the median of each kept), so that both see the same
machine load; the added cost is their difference and ratio. The Hampel kernel
alone (``mwk.hampel`` on 256 of the day's spectra, the run's threads) is timed
too, to tell the kernel from the rest of the pipeline.

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


def _median(v):
    v = sorted(v)
    return v[len(v) // 2] if len(v) % 2 else 0.5 * (v[len(v) // 2 - 1] + v[len(v) // 2])


def measure_clean(day, a, files):
    """Plain vs --clean hampel on the 1x day, alternated; and the kernel alone."""
    import numpy as np
    import polars as pl

    import mwk

    work = os.path.dirname(day)
    times = {"plain": [], "clean": []}
    flagged = None
    for i in range(max(1, a.repeats)):
        for name, extra in (("plain", []), ("clean", ["--clean", "hampel"])):
            out = os.path.join(work, f"out-{name}.parquet")
            wall, rss, s = run_child([day, "-o", out, "--window", str(a.window), *extra])
            times[name].append(s["seconds"])
            if name == "clean":
                flagged = s.get("rfi")
            print(f"clean comparison {i + 1}: {name:5s} {s['seconds']:7.2f} s  peak RSS {rss / 2**20:7.0f} MB",
                  flush=True)
            os.unlink(out)
    plain, clean = _median(times["plain"]), _median(times["clean"])
    x = pl.read_parquet(files[0], columns=["spectrum"]).head(256)["spectrum"].to_numpy()
    mwk.hampel(x[:8], 31, 5.0)  # warm-up
    t = time.perf_counter()
    mwk.hampel(x, 31, 5.0, return_mask=True)
    kernel_ns = (time.perf_counter() - t) / x.size * 1e9
    rec = {"plain_s": times["plain"], "clean_s": times["clean"], "plain_median_s": plain,
           "clean_median_s": clean, "added_s": clean - plain, "ratio": clean / plain if plain else None,
           "hampel_kernel_ns_per_channel": kernel_ns,
           "hampel_kernel_day_s": kernel_ns * 1e-9 * a.rows * a.channels, "flagged": flagged,
           "load_avg": os.getloadavg()}
    print(f"--clean hampel: {clean:.2f} s vs {plain:.2f} s plain (medians of {len(times['plain'])}): "
          f"+{clean - plain:.2f} s, {rec['ratio']:.2f}x; the kernel alone {kernel_ns:.0f} ns/channel "
          f"(~{rec['hampel_kernel_day_s']:.1f} s of the day)", flush=True)
    return rec


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=9000, help="chunks in the day (default 9000)")
    ap.add_argument("--channels", type=int, default=30000)
    ap.add_argument("--window", type=int, default=1000)
    ap.add_argument("--isolate", action="store_true", help="also measure --isolate")
    ap.add_argument("--clean", action="store_true", help="also measure the added cost of --clean hampel")
    ap.add_argument("--clean-only", action="store_true", help="only the --clean comparison (no memory runs)")
    ap.add_argument("--repeats", type=int, default=2, help="--clean: plain/clean pairs (default 2)")
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
        variants = [] if a.clean_only else [("default", [])] + ([("isolate", ["--isolate"])] if a.isolate else [])
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
        clean = measure_clean(day, a, files) if (a.clean or a.clean_only) else None
        info = mwk.runtime_info()
        record = {
            "benchmark": "mwk reduce", "rows": a.rows, "channels": a.channels, "window": a.window,
            "dtype": "float32", "generate_s": gen_s, "runs": runs, "memory_check": verdicts,
            "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                        "target": info.get("target"), "mwk": info.get("version"),
                        "load_avg_at_end": os.getloadavg()},
            "versions": info.get("versions"),
        }
        if clean is not None:
            record["clean"] = clean
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
