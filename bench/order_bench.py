#!/usr/bin/env python3
"""Order statistics (issue 10) against their peers: the speed goals, measured in one run.

One thread (POLARS_MAX_THREADS, OMP_NUM_THREADS, MWK_NUM_THREADS = 1 before anything is imported,
mwk called with threads=1), float64, n = 1,000,000 N(0,1) values (--n to change), trailing
windows. The rows and goals:

 - move_median at w = 10, 1,000, 100,000: at least 2x the fastest of scipy.ndimage.median_filter
   (centred: same work), bottleneck.move_median, Polars rolling_median, pandas rolling().median();
 - move_quantile(0.9, linear) at w = 1,000 (and 10, 100,000): at least 2x the fastest peer that
   interpolates (Polars rolling_quantile(interpolation='linear'), pandas rolling().quantile), and
   no slower than scipy.ndimage.percentile_filter (which does not interpolate);
 - move_rank at w = 1,000: at least 10x pandas rolling().rank() (bottleneck's move_rank is
   O(n*w), shown for scale).

Entries are timed in interleaved rounds (wall clock, best of each entry over the rounds), so a
burst of load on a shared machine hits every entry alike; Polars runs on its own pool thread, so
CPU time of the calling thread would not count its work. A peer whose single call exceeds
--slow-call seconds is timed once. Before timing, every peer's result is compared with mwk's on
the full windows (max |difference|, reported; scipy is centred, so shifted; scipy's
percentile_filter and an even-window scipy median select one value, so they differ by design).

    .venv/bin/python bench/order_bench.py                 # a few minutes on 2 loaded cores
    .venv/bin/python bench/order_bench.py --n 200000      # smaller rows on a slow machine
    .venv/bin/python bench/order_bench.py --quick         # seconds (smoke test)

Writes order_bench.md and order_bench.json to --out (default bench/out).
"""
from __future__ import annotations

import os

for _k in ("POLARS_MAX_THREADS", "NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "MWK_NUM_THREADS",
           "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_k] = "1"

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

import mwk  # noqa: E402


def _opt(name):
    try:
        return __import__(name, fromlist=["_"])
    except Exception:  # noqa: BLE001 - a missing peer is reported, not fatal
        return None


bn = _opt("bottleneck")
pl = _opt("polars")
pd = _opt("pandas")
ndi = _opt("scipy.ndimage")


# scipy's 1-D median/percentile filters select per window (O(n*w) here): at w = 100,000 one call
# takes many minutes, so they are left out there (they are never the fastest peer at large w).
SCIPY_MAX_W = 10_000


def entries(x: np.ndarray, stat: str, w: int, q: float, algos=("sortblock", "network")):
    """(name, kind, fn) for mwk's auto, its forceable algorithms, and the peers. kind: 'mwk',
    'peer' (counts for the goal), 'scale' (shown only), 'select' (no interpolation)."""
    out = []
    if stat == "median":
        out.append(("mwk auto", "mwk", lambda: mwk.move_median(x, w, threads=1)))
        for a in algos:
            if a == "network" and w > 32:
                continue
            out.append((f"mwk {a}", "algo", lambda a=a: mwk.move_median(x, w, algorithm=a, threads=1)))
        if ndi is not None and w <= SCIPY_MAX_W:
            out.append(("scipy median_filter", "peer", lambda: ndi.median_filter(x, size=w, mode="nearest")))
        if bn is not None:
            out.append(("bottleneck move_median", "peer", lambda: bn.move_median(x, w)))
        if pl is not None:
            s = pl.Series(x)
            out.append(("polars rolling_median", "peer", lambda: s.rolling_median(w)))
        if pd is not None:
            ps = pd.Series(x)
            out.append(("pandas rolling.median", "peer", lambda: ps.rolling(w).median()))
    elif stat == "quantile":
        out.append(("mwk auto", "mwk", lambda: mwk.move_quantile(x, w, q, threads=1)))
        for a in algos:
            if a == "network" and w > 32:
                continue
            out.append((f"mwk {a}", "algo", lambda a=a: mwk.move_quantile(x, w, q, algorithm=a, threads=1)))
        if pl is not None:
            s = pl.Series(x)
            out.append(("polars rolling_quantile", "peer",
                        lambda: s.rolling_quantile(q, interpolation="linear", window_size=w)))
        if pd is not None:
            ps = pd.Series(x)
            out.append(("pandas rolling.quantile", "peer", lambda: ps.rolling(w).quantile(q)))
        if ndi is not None and w <= SCIPY_MAX_W:
            out.append(("scipy percentile_filter", "select",
                        lambda: ndi.percentile_filter(x, 100 * q, size=w, mode="nearest")))
    else:  # rank
        out.append(("mwk auto", "mwk", lambda: mwk.move_rank(x, w, threads=1)))
        out.append(("mwk fenwick", "algo", lambda: mwk.move_rank(x, w, algorithm="fenwick", threads=1)))
        if pd is not None:
            ps = pd.Series(x)
            out.append(("pandas rolling.rank", "peer", lambda: ps.rolling(w).rank()))
        if bn is not None:
            out.append(("bottleneck move_rank", "scale", lambda: bn.move_rank(x, w)))
    return out


def as_trailing(name: str, r, w: int, n: int) -> np.ndarray:
    a = np.asarray(r.to_numpy() if hasattr(r, "to_numpy") else r, dtype=np.float64)
    if name.startswith("scipy"):  # centred at w//2: output k is the window ending at k + (w-1)//2... shift
        t = np.full(n, np.nan)
        c = w // 2
        t[w - 1:] = a[w - 1 - (w - 1 - c):n - (w - 1 - c)] if w > 1 else a
        return t
    return a


def check(ref: np.ndarray, got: np.ndarray, w: int) -> float:
    a, b = ref[w - 1:], got[w - 1:]
    d = np.abs(a - b)
    d[np.isnan(a) & np.isnan(b)] = 0.0
    return float(np.nanmax(d)) if d.size else 0.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--slow-call", type=float, default=3.0)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-auto", action="store_true",
                    help="leave out mwk's auto (e.g. before the auto tables are generated)")
    ap.add_argument("--algos", default="sortblock,network",
                    help="mwk algorithms timed beside auto (comma-separated; heap, skiplist too)")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    n = 20_000 if args.quick else args.n
    rng = np.random.default_rng(10)
    x = rng.standard_normal(n)
    rows = [("median", 10), ("median", 1000), ("median", 100_000),
            ("quantile", 10), ("quantile", 1000), ("quantile", 100_000), ("rank", 1000)]
    if args.quick:
        rows = [(s, min(w, 1000)) for s, w in rows]
    env = C.environment()
    md = [f"# Order statistics: mwk against its peers\n", C.environment_md(env),
          f"n = {n:,} N(0,1) float64, one thread, trailing windows; best of {args.rounds} "
          "interleaved rounds (wall clock); ns per element.\n"]
    payload = {"env": env, "n": n, "rows": []}
    summary = []
    for stat, w in rows:
        q = 0.9
        ents = entries(x, stat, w, q, tuple(a for a in args.algos.split(",") if a))
        if args.no_auto and stat != "rank":
            ents = [e for e in ents if e[0] != "mwk auto"]
        ref = None
        diffs, best, sampled = {}, {}, set()
        for name, kind, fn in ents:  # warm-up, correctness, and which entries are slow
            t0 = time.perf_counter()
            try:
                r = fn()
            except Exception as e:  # noqa: BLE001 - an algorithm the build lacks is reported
                diffs[name] = f"error: {type(e).__name__}: {e}"[:80]
                continue
            dt = time.perf_counter() - t0
            best[name] = dt
            if dt > args.slow_call:
                sampled.add(name)
            a = as_trailing(name, r, w, n)
            if ref is None:
                ref = a
            else:
                diffs[name] = check(ref, a, w)
        for _ in range(args.rounds - 1):
            for name, kind, fn in ents:
                if name in sampled or name not in best:
                    continue
                t0 = time.perf_counter()
                fn()
                best[name] = min(best[name], time.perf_counter() - t0)
        ns = {k: v * 1e9 / n for k, v in best.items()}
        mwk_ns = {k: v for k, v in ns.items() if k.startswith("mwk ")}
        mine_name = min(mwk_ns, key=mwk_ns.get) if mwk_ns else None  # auto, or the best algorithm
        mine = mwk_ns.get(mine_name)
        peers = {k: v for k, v in ns.items() if any(e[0] == k and e[1] == "peer" for e in ents)}
        fastest = min(peers, key=peers.get) if peers else None
        ratio = peers[fastest] / mine if fastest and mine else None
        goal = {"median": 2.0, "quantile": 2.0, "rank": 10.0}[stat]
        label = f"move_{stat}" + (f"({q}, linear)" if stat == "quantile" else "") + f" w={w:,}"
        line = (f"{label}: {mine_name} {mine:.1f} ns/elem, fastest peer {fastest} {peers.get(fastest, float('nan')):.1f}"
                f" -> {ratio:.2f}x (goal {goal:g}x: {'met' if ratio and ratio >= goal else 'missed'})")
        sel = [k for k in ns if any(e[0] == k and e[1] == "select" for e in ents)]
        for k in sel:
            line += f"; vs {k} {ns[k]:.1f}: {ns[k] / mine:.2f}x (goal >= 1: {'met' if ns[k] >= mine else 'missed'})"
        print(line, flush=True)
        summary.append(line)
        tab = []
        for name, kind, _ in ents:
            v = ns.get(name)
            d = diffs.get(name, "ref" if name == ents[0][0] else "-")
            tab.append([name, kind, "-" if v is None else f"{v:,.1f}" + (" (1 call)" if name in sampled else ""),
                        "-" if v is None or mine is None else f"{v / mine:.2f}",
                        d if isinstance(d, str) else f"{d:.1e}"])
        md.append(f"\n## {label}\n")
        md.append(C.md_table(["entry", "kind", "ns/elem", f"x {mine_name}", "max |diff| vs first"], tab))
        payload["rows"].append({"stat": stat, "window": w, "ns": ns, "diff": diffs,
                                "fastest_peer": fastest, "ratio": ratio, "sampled": sorted(sampled)})
    md.insert(3, "\n## Goals\n\n" + "\n".join(f"- {s}" for s in summary) + "\n")
    out = C.out_dir(args.out)
    C.write(out / "order_bench.md", "\n".join(md))
    C.dump_json(out / "order_bench.json", payload)
    print(f"wrote {out / 'order_bench.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
