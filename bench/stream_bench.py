"""Streams (issue 12): pushing an array in 1,000 chunks through mwk.Stream
against one move_<stat> call over the whole array (float64, n = 10,000,000,
window 1000, trailing, algorithm auto; mean, std and max). Goal: the pushes
cost at most 1.1x the one call. Not a timed test: run it by hand and record
the output in BENCHMARKS.md ("Streams") with the machine and the date.

    .venv/bin/python bench/stream_bench.py [--n 10000000] [--window 1000] [--chunks 1000] [--repeat 7]

Each round times the one call and the pushes (with finish) back to back, so
that a loaded machine slows both alike; the ratio is best against best over
--repeat rounds, all measured in this one run. Both run on --threads threads
(default 1). Before timing, the concatenated pushes are checked bit for bit
against the one call. The stream's outputs are the arrays the pushes return
(not concatenated: a consumer of chunks writes them out as they come). The
one call is timed twice: as users call it (it allocates its n-value output,
page faults included) and into a preallocated ``out=``; the goal is judged
against the faster of the two.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import mwk


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--window", type=int, default=1000)
    ap.add_argument("--chunks", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--stats", default="mean,std,max")
    ap.add_argument("--quick", action="store_true", help="n = 1,000,000, 3 rounds")
    args = ap.parse_args()
    if args.quick:
        args.n, args.repeat = 1_000_000, 3
    n, w, k, t = args.n, args.window, args.chunks, args.threads
    x = np.random.default_rng(0).standard_normal(n)
    bounds = np.linspace(0, n, k + 1).astype(np.int64)
    chunks = [x[bounds[i]:bounds[i + 1]] for i in range(k)]
    info = mwk.runtime_info()
    print(f"mwk {info['version']}, target {info['target']}, n = {n:,} float64, window {w}, {k} chunks of "
          f"~{n // k:,}, trailing, threads {t}, best of {args.repeat} rounds")
    print()
    print(f"| statistic | algorithm (stream) | one call (s) | one call, out= (s) | {k:,} pushes + finish (s) "
          "| ratio | ratio vs out= | goal <= 1.1x |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for stat in args.stats.split(","):
        fn = getattr(mwk, "move_" + stat)

        y = np.empty_like(x)

        def one():
            return fn(x, w, threads=t)

        def one_out():
            return fn(x, w, threads=t, out=y)

        def pushes():
            s = mwk.Stream(stat, w, threads=t)
            outs = [s.push(c) for c in chunks]
            outs.append(s.finish())
            return s, outs

        s, outs = pushes()
        want = one()
        got = np.concatenate(outs)
        assert np.array_equal(got.view(np.int64), want.view(np.int64)), f"{stat}: stream differs from one call"
        algo = s.algorithm
        del outs, got, want
        best_one = best_out = best_push = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            r = one()
            t1 = time.perf_counter()
            del r
            t2 = time.perf_counter()
            one_out()
            t3 = time.perf_counter()
            r2 = pushes()
            t4 = time.perf_counter()
            del r2
            best_one = min(best_one, t1 - t0)
            best_out = min(best_out, t3 - t2)
            best_push = min(best_push, t4 - t3)
        ratio, ratio_out = best_push / best_one, best_push / best_out
        print(f"| {stat} | {algo} | {best_one:.4f} | {best_out:.4f} | {best_push:.4f} | {ratio:.3f}x | "
              f"{ratio_out:.3f}x | {'met' if max(ratio, ratio_out) <= 1.1 else 'MISSED'} |")


if __name__ == "__main__":
    main()
