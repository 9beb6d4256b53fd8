#!/usr/bin/env python3
"""The seed's table, today: "How I Got a 327x Speedup Of Some Python Code".

A valid moving average of arange(30000), window 1000 (29,001 outputs), by
 - the post's own methods, ported to Python 3 from their descriptions:
   avg0 (pure Python), avg1 (NumPy slice sums), avg2 (deque), and under
   today's numba avg0_numba, avg1_numba, avg2_numba2 (ring buffer);
 - the peers: scipy.signal.fftconvolve (the post's update), the NumPy cumsum
   trick, scipy.ndimage.uniform_filter1d, bottleneck.move_mean, pandas
   rolling().mean(), Polars rolling_mean;
 - mwk: auto and each algorithm forced, in this process, then auto and
   prefix under each SIMD target this CPU supports (one subprocess per
   target, since MWK_TARGET is read once per process);
 - a copy floor: np.copyto of the 29,001 output-sized values.

Every result is checked against the exact means (i + (w-1)/2 for arange)
before it is timed; a wrong one is reported and not timed (exit status 1).
Prints seconds, speedup over avg0 and speed relative to the fastest peer, all
measured in this run, and writes seed_table.md / seed_table.png / seed_table.json
under bench/out/.

    .venv/bin/python bench/seed_table.py            # ~1-2 minutes
    .venv/bin/python bench/seed_table.py --quick    # seconds: n=3000, w=100
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import deque
from pathlib import Path
from typing import Callable, Dict, List, Optional

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402


# --------------------------------------------------------------------------- the post's methods
def avg0(arr, l):
    """The post's pure-Python version, faithfully: it sums the loop index j, not
    arr[j], which is right only because the input is arange. (Python 3's true
    division; under the post's Python 2, sum/l of ints floor-divided.)"""
    N = len(arr)
    result = []
    for i in range(N - l + 1):
        s = 0
        for j in range(i, i + l):
            s += j
        result.append(s / l)
    return result


def avg1(arr, l):
    """Preallocated NumPy output; each window summed with a slice .sum()."""
    N = len(arr)
    result = np.zeros(N - l + 1)
    for i in range(N - l + 1):
        result[i] = arr[i:i + l].sum() / l
    return result


def avg2(arr, l):
    """A collections.deque of the last l values and a running sum."""
    result = []
    q = deque()
    s = 0
    for x in arr:
        q.append(x)
        s += x
        if len(q) > l:
            s -= q.popleft()
        if len(q) == l:
            result.append(s / l)
    return result


def avg2_numba2_py(arr, l):
    """The post's avg2_numba2: a fixed ring buffer of length l + 1 with left and
    right indices and a running sum (compiled with numba below)."""
    N = len(arr)
    result = np.empty(N - l + 1)
    buf = np.empty(l + 1)
    left = 0
    right = 0
    count = 0
    s = 0.0
    k = 0
    for i in range(N):
        x = arr[i]
        buf[right] = x
        right = (right + 1) % (l + 1)
        s += x
        count += 1
        if count > l:
            s -= buf[left]
            left = (left + 1) % (l + 1)
            count -= 1
        if count == l:
            result[k] = s / l
            k += 1
    return result


def numba_versions() -> Dict[str, Callable]:
    """avg0_numba, avg1_numba, avg2_numba2 compiled with today's numba (nopython
    mode; the post's avg2_numba, a deque under @jit, has no nopython form:
    numba does not support collections.deque and removed object-mode fallback)."""
    import numba

    jit = numba.njit(cache=True)
    return {
        "avg0_numba": jit(avg0),
        "avg1_numba": jit(avg1),
        "avg2_numba2": jit(avg2_numba2_py),
    }


# --------------------------------------------------------------------------- entries
class Entry:
    def __init__(self, name: str, group: str, fn: Callable[[], object], get: Callable[[object], np.ndarray],
                 note: str = "", slow: bool = False, tol: float = 1e-12, target: Optional[str] = None):
        self.name, self.group, self.fn, self.get, self.note = name, group, fn, get, note
        self.slow, self.tol, self.target = slow, tol, target
        self.timing: Optional[C.Timing] = None
        self.err: Optional[float] = None
        self.failed: Optional[str] = None


def build_entries(a: np.ndarray, w: int, include_python: bool) -> List[Entry]:
    n = len(a)
    m = n - w + 1
    ident = np.asarray
    E: List[Entry] = []
    af = a.astype(np.float64)

    if include_python:
        E.append(Entry("avg0 (pure Python, sums the index j)", "the post", lambda: avg0(a, w), ident,
                       note="faithful port: right only because the input is arange", slow=True))
        E.append(Entry("avg1 (NumPy slice .sum())", "the post", lambda: avg1(a, w), ident))
        E.append(Entry("avg2 (deque + running sum)", "the post", lambda: avg2(a, w), ident))
    try:
        nb = numba_versions()
        E.append(Entry("avg0_numba", "the post (numba)", lambda: nb["avg0_numba"](a, w), ident,
                       note="numba compiles the index sum; the list result is converted back"))
        E.append(Entry("avg1_numba", "the post (numba)", lambda: nb["avg1_numba"](a, w), ident))
        E.append(Entry("avg2_numba2 (ring buffer, the post's 327x)", "the post (numba)",
                       lambda: nb["avg2_numba2"](a, w), ident))
    except ImportError as e:
        print(f"numba missing, skipping the numba versions: {e}")

    try:
        import scipy.ndimage
        import scipy.signal

        kernel = np.ones(w) / w
        E.append(Entry("scipy.signal.fftconvolve (the post's update)", "peers",
                       lambda: scipy.signal.fftconvolve(a, kernel, "valid"), ident, tol=1e-9,
                       note="FFT: error relative to the row's largest value"))
        h = w // 2
        # ndimage centres an even window at [i - w//2, i + (w-1)//2]: valid output k is at k + w//2.
        E.append(Entry("scipy.ndimage.uniform_filter1d", "peers",
                       lambda: scipy.ndimage.uniform_filter1d(a, w, output=np.float64),
                       lambda r: np.asarray(r)[h:h + m], note="computes n outputs, sliced"))
    except ImportError as e:
        print(f"scipy missing: {e}")

    def cumsum_trick():
        c = np.cumsum(a, dtype=np.float64)
        c = np.concatenate(([0.0], c))
        return (c[w:] - c[:-w]) / w

    E.append(Entry("numpy cumsum trick", "peers", cumsum_trick, ident,
                   note="exact here (integers); drifts on real data"))

    try:
        import bottleneck as bn

        E.append(Entry("bottleneck.move_mean", "peers", lambda: bn.move_mean(a, w),
                       lambda r: r[w - 1:], note="trailing: n outputs, sliced"))
    except ImportError as e:
        print(f"bottleneck missing: {e}")
    try:
        import pandas as pd

        ps = pd.Series(a)
        E.append(Entry("pandas Series.rolling(w).mean()", "peers", lambda: ps.rolling(w).mean(),
                       lambda r: r.to_numpy()[w - 1:], note="Series built outside the timing"))
    except ImportError as e:
        print(f"pandas missing: {e}")
    try:
        import polars as pl

        s = pl.Series("a", a)
        E.append(Entry("Polars Series.rolling_mean(w)", "peers", lambda: s.rolling_mean(w),
                       lambda r: r.to_numpy()[w - 1:], note="Series built outside the timing"))
    except ImportError as e:
        print(f"polars missing: {e}")

    import mwk

    for algo in ("auto", "naive", "ring", "prefix", "fft"):
        if not mwk.runtime_info()["algorithms"].get(algo):
            continue
        E.append(Entry(f"mwk.move_mean algorithm={algo}", "mwk",
                       (lambda algo=algo: mwk.move_mean(a, w, mode="valid", algorithm=algo)), ident,
                       tol=1e-9 if algo == "fft" else 1e-12,
                       target=mwk.runtime_info()["target"]))
    out = np.empty(m)
    E.append(Entry("floor: np.copyto of the output-sized data", "floor",
                   lambda: np.copyto(out, af[:m]) or out, lambda r: r, note="not a moving mean"))
    return E


def exact_reference(n: int, w: int) -> np.ndarray:
    # mean of i, i+1, ..., i+w-1 = i + (w-1)/2 exactly (a multiple of 0.5).
    return np.arange(n - w + 1, dtype=np.float64) + (w - 1) / 2


def check(e: Entry, ref: np.ndarray) -> None:
    try:
        r = np.asarray(e.get(e.fn()), dtype=np.float64)
    except Exception as ex:  # noqa: BLE001
        e.failed = f"raised {type(ex).__name__}: {ex}"
        return
    if e.group == "floor":
        return
    if r.shape != ref.shape:
        e.failed = f"shape {r.shape}, expected {ref.shape}"
        return
    err = float(np.max(np.abs(r - ref) / np.abs(ref)))
    e.err = err
    if not err <= e.tol:
        e.failed = f"max relative error {err:.3g} > {e.tol:g}"


# --------------------------------------------------------------------------- per-target worker
def worker(args) -> None:
    """Runs in a subprocess with MWK_TARGET set: times mwk auto and prefix."""
    import mwk

    info = mwk.runtime_info()
    a = make_input(args.n, args.dtype)
    ref = exact_reference(args.n, args.window)
    res = {"target": info["target"], "target_status": info["target_status"], "entries": []}
    for algo in ("auto", "prefix"):
        e = Entry(algo, "mwk", lambda algo=algo: mwk.move_mean(a, args.window, mode="valid", algorithm=algo),
                  np.asarray)
        check(e, ref)
        if not e.failed:
            e.timing = C.time_call(e.fn, args.budget)
        res["entries"].append({"algorithm": algo, "err": e.err, "failed": e.failed,
                               "timing": e.timing.as_dict() if e.timing else None})
    print("RESULT " + json.dumps(res))


def per_target(args) -> List[Entry]:
    import mwk

    entries = []
    for t in mwk.runtime_info()["supported_targets"]:
        env = dict(os.environ, MWK_TARGET=t)
        cmd = [sys.executable, __file__, "--worker", "--n", str(args.n), "--window", str(args.window),
               "--dtype", args.dtype, "--budget", str(args.budget)]
        p = subprocess.run(cmd, env=env, capture_output=True, text=True)
        line = [ln for ln in p.stdout.splitlines() if ln.startswith("RESULT ")]
        if p.returncode != 0 or not line:
            e = Entry(f"mwk auto, MWK_TARGET={t} (subprocess)", "mwk per target", lambda: None, np.asarray)
            e.failed = f"worker exited {p.returncode}: {p.stderr.strip()[-300:]}"
            entries.append(e)
            continue
        res = json.loads(line[0][len("RESULT "):])
        for r in res["entries"]:
            e = Entry(f"mwk {r['algorithm']}, MWK_TARGET={t} (subprocess)", "mwk per target",
                      lambda: None, np.asarray, target=res["target"])
            e.err, e.failed = r["err"], r["failed"]
            if res["target"] != t:
                e.failed = f"asked for {t}, ran {res['target']} ({res['target_status']})"
            if r["timing"]:
                e.timing = C.Timing(**r["timing"])
            entries.append(e)
    return entries


def make_input(n: int, dtype: str) -> np.ndarray:
    return np.arange(n, dtype=dtype)


# --------------------------------------------------------------------------- main
def main(argv=None) -> int:
    p = C.base_parser(__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=None, help="input length (default 30000; --quick 3000)")
    p.add_argument("--window", type=int, default=None, help="window (default 1000; --quick 100)")
    p.add_argument("--dtype", default="float64", choices=("float64", "int32", "int64"),
                   help="dtype of arange (the post used int32; default float64)")
    p.add_argument("--slow-calls", type=int, default=2,
                   help="timed calls of the slow pure-Python avg0 (default 2)")
    p.add_argument("--no-targets", action="store_true", help="skip the per-target subprocesses")
    p.add_argument("--worker", action="store_true", help=argparse_hidden())
    args = p.parse_args(argv)
    if args.n is None:
        args.n = 3000 if args.quick else 30000
    if args.window is None:
        args.window = 100 if args.quick else 1000
    if args.budget is None:
        args.budget = 0.05 if args.quick else 1.0
    if args.worker:
        worker(args)
        return 0

    n, w = args.n, args.window
    a = make_input(n, args.dtype)
    ref = exact_reference(n, w)
    env = C.environment()
    print(f"seed table: valid moving mean of arange({n}, dtype={args.dtype}), window {w}; "
          f"mwk target {env['mwk_target']}; budget {args.budget} s per entry")

    entries = build_entries(a, w, include_python=True)
    failed = False
    for e in entries:
        check(e, ref)
        if e.failed:
            failed = True
            print(f"  FAILED CHECK {e.name}: {e.failed}")
            continue
        e.timing = C.time_call(e.fn, args.budget, max_calls=args.slow_calls if e.slow else None, warm=not e.slow)
        print(f"  {e.name:<52} {C.fmt_s(e.timing.best):>11} s  (median {C.fmt_s(e.timing.median)}, "
              f"{e.timing.calls} calls)  err {C.fmt_err(e.err)}")
    if not args.no_targets:
        for e in per_target(args):
            entries.append(e)
            if e.failed:
                failed = True
                print(f"  FAILED {e.name}: {e.failed}")
            else:
                print(f"  {e.name:<52} {C.fmt_s(e.timing.best):>11} s  (median {C.fmt_s(e.timing.median)})")

    timed = [e for e in entries if e.timing]
    t_avg0 = next((e.timing.best for e in timed if e.name.startswith("avg0 (")), None)
    peers = [e for e in timed if e.group in ("peers", "the post", "the post (numba)")]
    libpeers = [e for e in timed if e.group == "peers"]
    fastest = min(peers, key=lambda e: e.timing.best) if peers else None
    fastest_lib = min(libpeers, key=lambda e: e.timing.best) if libpeers else None
    bn = next((e for e in timed if e.name == "bottleneck.move_mean"), None)
    floor = next((e for e in timed if e.group == "floor"), None)
    auto = next((e for e in timed if e.name == "mwk.move_mean algorithm=auto"), None)

    rows = []
    for e in entries:
        if e.failed:
            rows.append([e.name, e.group, "FAILED", "-", "-", "-", "-", e.failed])
            continue
        t = e.timing
        sampled = f" ({t.calls} call{'s' if t.calls > 1 else ''}, sampled)" if e.slow else ""
        rows.append([
            e.name, e.group, C.fmt_s(t.best) + sampled, C.fmt_s(t.median),
            C.fmt_ratio(t_avg0 / t.best) if t_avg0 else "-",
            C.fmt_ratio(fastest.timing.best / t.best) if fastest else "-",
            C.fmt_err(e.err), e.note,
        ])
    headers = ["method", "group", "seconds (best)", "median", "speedup vs avg0",
               "speed vs fastest peer", "max rel err", "note"]
    md = [f"# The seed's table, today\n\nValid moving mean of `arange({n})` ({args.dtype}), window {w}: "
          f"{n - w + 1:,} outputs, one thread, in cache.\n\n", C.environment_md(env), "\n",
          C.md_table(headers, rows, "llrrrrrl"), "\n"]
    notes = [
        "All figures from this one run. *seconds (best)*: least disturbed per-call time over repeated "
        f"batches (~{args.budget} s per entry); *median* shows the noise.",
        f"*speed vs fastest peer*: fastest peer's time / this time (> 1 is faster). Peers are every "
        f"non-mwk method above (the post's and the libraries'); the fastest was "
        f"**{fastest.name if fastest else '-'}**.",
        f"avg0 is timed on {args.slow_calls} call(s) only (sampled); its check call is not timed.",
        "avg0 sums the loop index, not the values, as in the post: right only because the input is arange. "
        "The post's avg2_numba (a deque under @jit) has no nopython form in today's numba and is left out.",
        "Every entry was checked against the exact means before it was timed (max rel err column).",
        "Per-target rows run in one subprocess per target (MWK_TARGET is read once per process; the Python "
        "API has no per-call target).",
    ]
    md.append("\n".join(f"- {x}" for x in notes) + "\n")
    summary = []
    if auto and bn:
        r = bn.timing.best / auto.timing.best
        summary.append(f"mwk auto vs bottleneck.move_mean through Python: **{r:.2f}x** "
                       f"(goal >= 3x: {'met' if r >= 3 else f'MISSED by {3 / r:.2f}x'})")
    if auto and fastest_lib:
        summary.append(f"mwk auto vs the fastest library peer ({fastest_lib.name}): "
                       f"{fastest_lib.timing.best / auto.timing.best:.2f}x")
    if auto and floor:
        summary.append(f"mwk auto / copy floor (np.copyto of the output, through Python): "
                       f"{auto.timing.best / floor.timing.best:.2f}x")
    if auto and t_avg0:
        summary.append(f"mwk auto vs avg0: {t_avg0 / auto.timing.best:,.0f}x")
    ring = next((e for e in timed if e.name.startswith("avg2_numba2")), None)
    if ring and t_avg0:
        summary.append(f"avg2_numba2 vs avg0 (the post's 327x): {t_avg0 / ring.timing.best:,.0f}x")
    od = C.report(args, "seed_table", md, summary, {
        "env": env, "n": n, "window": w, "dtype": args.dtype,
        "entries": [{"name": e.name, "group": e.group, "err": e.err, "failed": e.failed,
                     "timing": e.timing.as_dict() if e.timing else None} for e in entries]})
    if not args.no_plot and timed:
        C.barh_log(od / "seed_table.png", [e.name for e in timed], [e.timing.best for e in timed],
                   [e.group for e in timed],
                   f"valid moving mean of arange({n}), window {w} ({env['cpu'][:40]}, {env['mwk_target']})")
    return 1 if failed else 0


def argparse_hidden():
    import argparse

    return argparse.SUPPRESS


if __name__ == "__main__":
    sys.exit(main())
