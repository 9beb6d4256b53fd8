#!/usr/bin/env python3
"""The statistics of issue 9 against their peers: the speed goals, and ns per element against the window.

Everything runs on one thread (POLARS_MAX_THREADS, NUMBA_NUM_THREADS, OMP_NUM_THREADS and
MWK_NUM_THREADS are set to 1 before anything is imported, and mwk is called with threads=1),
float64. Two parts, both measured in this one run:

 - Goals, n = 1,000,000 N(0,1) values, window 1000, trailing: move_var / move_std at least 3x
   the fastest peer, move_min / move_max at least 5x, move_argmin / move_argmax at least 3x;
   move_sum within 1.2x of np.copyto of the same data; the seed case (move_mean of
   arange(30000), window 1000, mode="valid") at least 2.5x the fastest peer. The peers are
   bottleneck, numbagg, pandas, Polars and scipy.ndimage, wherever they have the statistic
   (scipy's filters are centred: same work, other alignment). Entries are timed in interleaved
   rounds (best of each entry over the rounds), so a burst of load on a shared machine hits
   every entry alike. Each result is checked against mwk's before it is timed (peers within
   1e-6 of the data's scale, exact for the extrema; a difference is reported, not hidden).
 - Charts, per statistic: ns per element against the window (10 .. 100,000, log axes), one line
   per mwk algorithm of the registry (auto included) and per peer. naive is O(n*w): where
   n*w exceeds --naive-cap it is timed on a prefix holding a fixed number of full windows
   (mode="valid") and reported per output (hollow markers); an entry whose one call takes
   more than --slow-call seconds is timed once (sampled), and its larger windows are skipped
   once the predicted call time passes 4x that (capped). Charts say so.

Outputs stats_bench.md / .json / .png (all statistics) to --out, and stats_<stat>.png to
--charts (default: --out).

    .venv/bin/python bench/stats_bench.py                          # ~5-8 minutes on 2 cores
    .venv/bin/python bench/stats_bench.py --charts bench/results   # the charts kept in git
    .venv/bin/python bench/stats_bench.py --quick                  # seconds (the smoke test)
"""
from __future__ import annotations

import os

for _k in ("POLARS_MAX_THREADS", "NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "MWK_NUM_THREADS",
           "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_k] = "1"

import importlib  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Callable, Dict, List, Optional, Tuple  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

PEERS = ("bottleneck", "numbagg", "pandas", "polars", "scipy.ndimage")
EXTREMA = ("min", "max", "argmin", "argmax")


def _try(name):
    try:
        return importlib.import_module(name)
    except Exception:  # noqa: BLE001 - a missing peer is reported, not fatal
        return None


class Peer:
    """A peer's implementation of one statistic: fn(x, w) -> array-like,
    the alignment of its output, and the ddof it computes (var/std)."""

    def __init__(self, name: str, fn: Callable, align: str = "trailing", ddof: int = 0):
        self.name, self.fn, self.align, self.ddof = name, fn, align, ddof


def peers_for(stat: str, mods: Dict[str, object]) -> List[Peer]:
    out: List[Peer] = []
    bn, nb, pd, pl, nd = (mods.get(k) for k in PEERS)
    if bn is not None and hasattr(bn, f"move_{stat}"):
        f = getattr(bn, f"move_{stat}")
        out.append(Peer("bottleneck", lambda x, w, f=f: f(x, w)))
    if nb is not None and hasattr(nb, f"move_{stat}"):
        f = getattr(nb, f"move_{stat}")
        # numbagg's move_var/move_std divide by count - 1 and take no ddof
        out.append(Peer("numbagg", lambda x, w, f=f: f(x, window=w), ddof=1 if stat in ("var", "std") else 0))
    if pd is not None and stat in ("mean", "sum", "var", "std", "min", "max"):
        if stat in ("var", "std"):
            fn = lambda x, w, s=stat: getattr(pd.Series(x, copy=False).rolling(w), s)(ddof=0)  # noqa: E731
        else:
            fn = lambda x, w, s=stat: getattr(pd.Series(x, copy=False).rolling(w), s)()  # noqa: E731
        out.append(Peer("pandas", fn))
    if pl is not None and stat in ("mean", "sum", "var", "std", "min", "max"):
        if stat in ("var", "std"):
            fn = lambda x, w, s=stat: getattr(pl.Series(x), f"rolling_{s}")(w, ddof=0)  # noqa: E731
        else:
            fn = lambda x, w, s=stat: getattr(pl.Series(x), f"rolling_{s}")(w)  # noqa: E731
        out.append(Peer("polars", fn))
    if nd is not None and stat in ("mean", "min", "max"):
        f = {"mean": nd.uniform_filter1d, "min": nd.minimum_filter1d, "max": nd.maximum_filter1d}[stat]
        out.append(Peer("scipy.ndimage", lambda x, w, f=f: f(x, w), align="centered"))
    return out


def to_np(r) -> np.ndarray:
    if hasattr(r, "to_numpy"):
        r = r.to_numpy()
    return np.asarray(r, dtype=np.float64)


def trailing_view(y: np.ndarray, n: int, w: int, align: str) -> np.ndarray:
    """The outputs of the n-w+1 full windows, in trailing order."""
    if align == "trailing":
        return y[w - 1:]
    if align == "valid":
        return y
    s = w - 1 - (w - 1) // 2  # centred (ndimage): output i covers [i - w//2, i + (w-1)//2]
    return y[s:s + n - w + 1]


def compare(got: np.ndarray, want: np.ndarray, exact: bool) -> Optional[str]:
    """None when got agrees with want (same NaNs; exact, or within 1e-6 of want's scale)."""
    if got.shape != want.shape:
        return f"shapes {got.shape} vs {want.shape}"
    ng, nw = np.isnan(got), np.isnan(want)
    if not np.array_equal(ng, nw):
        return f"NaN positions differ in {int(np.count_nonzero(ng != nw))} outputs"
    d = np.abs(got[~ng] - want[~nw])
    dmax = float(d.max(initial=0.0))
    if exact:
        return None if dmax == 0.0 else f"not exact: max difference {dmax:.3g}"
    scale = float(np.abs(want[~nw]).max(initial=0.0)) or 1.0
    return None if dmax <= 1e-6 * scale else f"max difference {dmax:.3g} ({dmax / scale:.1e} of scale)"


# --------------------------------------------------------------------------- goals
class Entry:
    def __init__(self, name: str, group: str, fn: Callable[[], object], note: str = ""):
        self.name, self.group, self.fn, self.note = name, group, fn, note
        self.best: Optional[float] = None
        self.median: Optional[float] = None
        self.failed: Optional[str] = None

    def time(self, budget: float) -> None:
        t = C.time_call(self.fn, budget)
        if self.best is None or t.best < self.best:
            self.best = t.best
        self.median = t.median if self.median is None else min(self.median, t.median)


def goal_entries(stat: str, x: np.ndarray, w: int, mods, algos: List[str], mode: str = "trailing",
                 goal_peers: bool = True) -> List[Entry]:
    import mwk

    f = getattr(mwk, f"move_{stat}")
    n = x.shape[0]
    exact = stat in EXTREMA
    ref = f(x, w, mode=mode, threads=1)
    ref_t = trailing_view(ref, n, w, mode)
    E: List[Entry] = []
    for a in ["auto"] + [a for a in algos if a not in ("auto", "naive")]:
        e = Entry(f"mwk.move_{stat}(algorithm={a!r})" if a != "auto" else f"mwk.move_{stat} (auto)", "mwk",
                  lambda a=a: f(x, w, mode=mode, algorithm=a, threads=1))
        e.failed = compare(trailing_view(to_np(e.fn()), n, w, mode), ref_t, exact) if a != "auto" else None
        E.append(e)
    if goal_peers:
        for p in peers_for(stat, mods):
            want = ref_t if p.ddof == 0 else trailing_view(f(x, w, ddof=p.ddof, mode=mode, threads=1), n, w, mode)
            fn = (lambda p=p: p.fn(x, w))
            note = "centred windows" if p.align == "centered" else ""
            if p.ddof:
                note = f"ddof={p.ddof} (its only choice)"
            e = Entry(p.name, "peer", fn, note)
            try:
                got = trailing_view(to_np(fn()), n, w, p.align)
                diff = compare(got, want, exact)
                if diff:
                    e.note = (e.note + "; " if e.note else "") + "DIFFERS: " + diff
            except Exception as ex:  # noqa: BLE001 - a peer that fails is reported
                e.failed = f"{type(ex).__name__}: {ex}"
            E.append(e)
    return E


def run_goals(args, mods, stat_algos) -> Tuple[List[dict], List[str]]:
    import mwk

    rng = np.random.default_rng(9)
    n, w = args.n, args.window
    x = rng.standard_normal(n)
    copy_out = np.empty_like(x)
    sections = []
    for stat, goal, kind in (("var", 3.0, "peer"), ("std", 3.0, "peer"), ("min", 5.0, "peer"),
                             ("max", 5.0, "peer"), ("argmin", 3.0, "peer"), ("argmax", 3.0, "peer"),
                             ("sum", 1.2, "copy"), ("mean", 2.5, "seed")):
        if stat not in stat_algos:
            continue
        if kind == "seed":
            a = np.arange(args.seed_n, dtype=np.float64)
            sw = args.seed_window
            E = goal_entries(stat, a, sw, mods, stat_algos[stat], mode="valid")
            # the contract: every valid window against an exact sum (arange: exact in double)
            got = mwk.move_mean(a, sw, mode="valid", threads=1)
            csum = np.concatenate([[0.0], np.cumsum(a)])  # exact: integers below 2^53
            exact_means = (csum[sw:] - csum[:-sw]) / sw
            err = float(np.max(np.abs(got - exact_means) / np.maximum(exact_means, 1.0)))
            title = f"seed: move_mean(arange({args.seed_n:,}), {sw}, mode=\"valid\")"
            extra = f"max relative error against the exact means: {err:.1e} (contract: (w+2) 2^-53 = " \
                    f"{(sw + 2) * 2.0 ** -53:.1e})"
        else:
            E = goal_entries(stat, x, w, mods, stat_algos[stat])
            title = f"move_{stat}, n = {n:,}, window {w}"
            extra = ""
            if kind == "copy":
                E.append(Entry("floor: np.copyto of the same data", "floor", lambda: np.copyto(copy_out, x)))
        sections.append(dict(stat=stat, goal=goal, kind=kind, title=title, entries=E, extra=extra))
    # interleaved rounds: every entry once per round, best over the rounds
    for r in range(args.rounds):
        for s in sections:
            for e in s["entries"]:
                if e.failed is None:
                    e.time(args.budget)
        print(f"  goals: round {r + 1}/{args.rounds} done")
    results, summary = [], []
    for s in sections:
        E = s["entries"]
        auto = E[0]
        peers = [e for e in E if e.group == "peer" and e.best]
        fastest = min(peers, key=lambda e: e.best) if peers else None
        bn = next((e for e in peers if e.name == "bottleneck"), None)
        floor = next((e for e in E if e.group == "floor"), None)
        row = dict(stat=s["stat"], title=s["title"], goal=s["goal"], kind=s["kind"], auto=auto.best,
                   fastest=fastest.name if fastest else None, fastest_s=fastest.best if fastest else None,
                   bottleneck=bn.best if bn else None,
                   entries=[dict(name=e.name, group=e.group, best=e.best, median=e.median, note=e.note,
                                 failed=e.failed) for e in E])
        if s["kind"] == "copy":
            ratio = auto.best / floor.best if (floor and auto.best) else None
            row.update(ratio=ratio, met=ratio is not None and ratio <= s["goal"],
                       text=f"move_sum within {s['goal']}x of np.copyto")
            if ratio is not None:
                summary.append(f"{row['text']}: {ratio:.2f}x copyto -> "
                               f"**{'met' if row['met'] else 'MISSED'}**")
        else:
            ratio = fastest.best / auto.best if (fastest and auto.best) else None
            row.update(ratio=ratio, met=ratio is not None and ratio >= s["goal"],
                       ratio_bn=(bn.best / auto.best) if (bn and auto.best) else None,
                       text=(f"seed case at least {s['goal']}x the fastest peer" if s["kind"] == "seed"
                             else f"move_{s['stat']} at least {s['goal']:g}x the fastest peer"))
            if ratio is not None:
                summary.append(f"{row['text']}: {ratio:.2f}x ({fastest.name}; "
                               f"{row['ratio_bn']:.2f}x bottleneck) -> **{'met' if row['met'] else 'MISSED'}**")
        results.append(row)
        s["row"] = row
    return sections, summary


# --------------------------------------------------------------------------- charts
def run_charts(args, mods, stat_algos) -> Dict[str, dict]:
    import mwk

    rng = np.random.default_rng(11)
    n = args.chart_n
    x = rng.standard_normal(n)
    windows = [w for w in args.windows if w <= n]
    charts: Dict[str, dict] = {}
    for stat in args.stats:
        if stat not in stat_algos:
            continue
        f = getattr(mwk, f"move_{stat}")
        lines: Dict[str, dict] = {}

        def add(label, kind, make, sampled_by_naive=False):
            lines[label] = dict(kind=kind, ns={}, sampled=set(), capped=[], make=make,
                                naive=sampled_by_naive, last=None)

        for a in stat_algos[stat]:
            add(a, "mwk", (lambda w, a=a: (lambda: f(x, w, algorithm=a, threads=1))), sampled_by_naive=a == "naive")
        for p in peers_for(stat, mods):
            add(p.name, "peer", (lambda w, p=p: (lambda: p.fn(x, w))))
        t0 = time.perf_counter()
        for w in windows:
            for label, L in lines.items():
                if L["last"] is not None:
                    lw, lt = L["last"]
                    if lt * w / lw > 4 * args.slow_call and not L["naive"]:
                        L["capped"].append(w)
                        continue
                if L["naive"] and n * w > args.naive_cap:
                    k = max(64, int(args.naive_cap // w))
                    xs = x[: w - 1 + k]
                    fn = (lambda xs=xs, w=w: f(xs, w, algorithm="naive", mode="valid", threads=1))
                    tm = C.time_call(fn, args.chart_budget, max_calls=2, warm=False)
                    L["ns"][w] = tm.best / k * 1e9
                    L["sampled"].add(w)
                    continue
                fn = L["make"](w)
                try:
                    t1 = time.perf_counter()
                    fn()
                    one = time.perf_counter() - t1
                except Exception as ex:  # noqa: BLE001 - a peer that fails at a window is left out
                    print(f"  {stat} {label} w={w}: {type(ex).__name__}: {ex}")
                    continue
                if one > args.slow_call:
                    L["ns"][w] = one / n * 1e9
                    L["sampled"].add(w)
                else:
                    tm = C.time_call(fn, args.chart_budget, warm=False)
                    L["ns"][w] = tm.best / n * 1e9
                    one = tm.best
                L["last"] = (w, one)
            print(f"  chart {stat}: w={w} done ({time.perf_counter() - t0:.0f} s)")
        charts[stat] = {k: dict(kind=v["kind"], ns=v["ns"], sampled=sorted(v["sampled"]), capped=v["capped"],
                                naive=v["naive"]) for k, v in lines.items()}
    return charts


STYLE = {"auto": ("k", "-", 2.6)}
MWK_COLOURS = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3"]
PEER_COLOURS = {"bottleneck": "#937860", "numbagg": "#da8bc3", "pandas": "#8c8c8c", "polars": "#ccb974",
                "scipy.ndimage": "#64b5cd"}


def draw(ax, stat: str, lines: Dict[str, dict], n: int, naive_cap: float, small: bool = False) -> List[str]:
    notes = []
    ci = 0
    for label, L in lines.items():
        ws = sorted(L["ns"])
        if not ws:
            continue
        ys = [L["ns"][w] for w in ws]
        if L["kind"] == "mwk":
            if label in STYLE:
                col, ls, lw = STYLE[label]
            else:
                col, ls, lw = MWK_COLOURS[ci % len(MWK_COLOURS)], "-", 1.6
                ci += 1
            name = f"mwk {label}"
            marker = "o"
        else:
            col, ls, lw = PEER_COLOURS.get(label, "#999999"), "--", 1.3
            name = label
            marker = "s"
        ax.plot(ws, ys, ls=ls, lw=lw, color=col, label=name, marker=marker, ms=3 if small else 4)
        samp = [w for w in ws if w in L["sampled"]]
        if samp:
            ax.plot(samp, [L["ns"][w] for w in samp], ls="none", marker=marker, ms=7 if not small else 5,
                    mfc="white", mec=col)
            if L["naive"]:
                notes.append(f"{name}: w >= {min(samp):,} timed on a prefix with n*w <= {naive_cap:.0e} "
                             f"(valid mode, per output; hollow)")
            else:
                notes.append(f"{name}: one call at w >= {min(samp):,} (sampled; hollow)")
        if L["capped"]:
            notes.append(f"{name}: not timed at w >= {min(L['capped']):,} (slow; capped)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.grid(True, which="both", alpha=0.25)
    ax.set_title(f"move_{stat}" if small else
                 f"move_{stat}: ns per element vs window (n = {n:,} float64, 1 thread)", fontsize=9 if small else 10)
    if not small:
        ax.set_xlabel("window")
        ax.set_ylabel("ns per element (log)")
    return notes


def plot(charts: Dict[str, dict], n: int, naive_cap: float, env: dict, charts_dir: Path, od: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sub = f"{env['cpu'][:40]}, target {env['mwk_target']}, load {env['loadavg_start'][0]:.1f}, {env['date']}"
    for stat, lines in charts.items():
        fig, ax = plt.subplots(figsize=(8, 5.2))
        notes = draw(ax, stat, lines, n, naive_cap)
        ax.legend(fontsize=7, loc="upper left", ncol=2)
        txt = "\n".join([sub] + notes)
        fig.text(0.01, 0.01, txt, fontsize=6.5, va="bottom")
        fig.tight_layout(rect=(0, 0.03 + 0.022 * len(notes), 1, 1))
        p = charts_dir / f"stats_{stat}.png"
        fig.savefig(p, dpi=110)
        plt.close(fig)
        print(f"wrote {p}")
    k = len(charts)
    cols = 4 if k > 4 else max(k, 1)
    rows = (k + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3.2 * rows), squeeze=False)
    for ax, (stat, lines) in zip(axes.flat, charts.items()):
        draw(ax, stat, lines, n, naive_cap, small=True)
        ax.legend(fontsize=5.5, loc="upper left")
    for ax in list(axes.flat)[k:]:
        ax.axis("off")
    fig.suptitle(f"ns per element vs window, n = {n:,} float64, 1 thread ({sub}); hollow: sampled", fontsize=9)
    fig.tight_layout()
    p = od / "stats_bench.png"
    fig.savefig(p, dpi=100)
    plt.close(fig)
    print(f"wrote {p}")


# --------------------------------------------------------------------------- main
def main(argv=None) -> int:
    p = C.base_parser(__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=None, help="goal length (default 1,000,000; --quick 20,000)")
    p.add_argument("--window", type=int, default=None, help="goal window (default 1000; --quick 100)")
    p.add_argument("--seed-n", type=int, default=30000)
    p.add_argument("--seed-window", type=int, default=1000)
    p.add_argument("--rounds", type=int, default=None, help="interleaved timing rounds for the goals (default 3)")
    p.add_argument("--chart-n", type=int, default=None, help="length for the charts (default --n)")
    p.add_argument("--windows", default=None, help="chart windows (default 10,30,...,100000; --quick 10,1000)")
    p.add_argument("--chart-budget", type=float, default=None, help="seconds per chart point (default 0.15)")
    p.add_argument("--naive-cap", type=float, default=None, help="time naive on a prefix where n*w exceeds this")
    p.add_argument("--slow-call", type=float, default=1.0, help="a call slower than this is timed once")
    p.add_argument("--stats", default=None, help="chart only these statistics (default: the registry)")
    p.add_argument("--no-charts", action="store_true", help="goals only")
    p.add_argument("--charts", default=None, help="folder for stats_<stat>.png (default --out)")
    args = p.parse_args(argv)
    q = args.quick
    args.n = args.n or (20_000 if q else 1_000_000)
    args.window = args.window or (100 if q else 1000)
    args.rounds = args.rounds or (1 if q else 3)
    args.budget = args.budget if args.budget is not None else (0.005 if q else 0.3)
    args.chart_n = args.chart_n or args.n
    args.chart_budget = args.chart_budget if args.chart_budget is not None else (0.003 if q else 0.15)
    args.naive_cap = args.naive_cap or (2e6 if q else 1e7)
    args.windows = [int(float(v)) for v in (args.windows or ("10,1000" if q else
                                                             "10,30,100,300,1000,3000,10000,30000,100000")).split(",")]

    import mwk

    stat_algos = {s["name"]: [a for a, ok in s["algorithms"].items() if ok] for s in mwk.statistics()}
    # By default every statistic that takes only the window: quantile (a
    # required q) has bench/order_bench.py, the weighted ones (taps)
    # bench/weighted_bench.py.
    plain = [s["name"] for s in mwk.statistics() if not s.get("positional") and "weights" not in s["params"]]
    args.stats = args.stats.split(",") if args.stats else plain
    mods = {k: _try(k) for k in PEERS}
    env = C.environment()
    env["versions"]["numbagg"] = getattr(mods["numbagg"], "__version__", "missing")
    missing = [k for k, v in mods.items() if v is None]
    print(f"stats bench: goals n = {args.n:,}, w = {args.window}; charts n = {args.chart_n:,}, windows "
          f"{args.windows}; mwk target {env['mwk_target']}; load {env['loadavg_start'][0]:.2f}"
          + (f"; missing peers: {', '.join(missing)}" if missing else ""))
    t_start = time.perf_counter()
    sections, summary = run_goals(args, mods, stat_algos)
    t_goals = time.perf_counter() - t_start

    md = ["# Moving statistics against their peers (issue 9)\n\n", C.environment_md(env),
          f"- one thread (POLARS_MAX_THREADS=NUMBA_NUM_THREADS=OMP_NUM_THREADS=MWK_NUM_THREADS=1, "
          f"`threads=1`), float64; goals: best of {args.rounds} interleaved rounds"
          + (f"; missing peers: {', '.join(missing)}" if missing else "") + "\n\n"]
    md.append("## Goals\n\n")
    grows = []
    for s in sections:
        r = s["row"]
        if r["kind"] == "copy":
            grows.append([r["text"], C.fmt_s(r["auto"]), "np.copyto " + C.fmt_s(
                next(e["best"] for e in r["entries"] if e["group"] == "floor")),
                f"{r['ratio']:.2f}x copy" if r["ratio"] else "-", "-",
                "met" if r["met"] else "**MISSED**"])
        else:
            grows.append([r["text"], C.fmt_s(r["auto"]), f"{r['fastest']} {C.fmt_s(r['fastest_s'])}",
                          f"{r['ratio']:.2f}x" if r["ratio"] else "-",
                          f"{r['ratio_bn']:.2f}x" if r.get("ratio_bn") else "-",
                          "met" if r["met"] else "**MISSED**"])
    md.append(C.md_table(["goal", "mwk auto (s)", "fastest peer (s)", "ratio", "vs bottleneck", "status"], grows,
                         "lrrrrl"))
    for s in sections:
        r = s["row"]
        md.append(f"\n### {s['title']}\n\n")
        rows = []
        for e in s["entries"]:
            if e.failed:
                rows.append([e.name, "FAILED", "-", "-", "-", e.failed])
                continue
            nel = (args.seed_n - args.seed_window + 1) if s["kind"] == "seed" else args.n
            rows.append([e.name, C.fmt_s(e.best), C.fmt_s(e.median), f"{e.best / nel * 1e9:.2f}",
                         C.fmt_ratio(e.best / r["auto"]) if r["auto"] else "-", e.note])
        md.append(C.md_table(["method", "seconds (best)", "median", "ns/elem", "x mwk auto", "note"], rows,
                             "lrrrrl"))
        if s["extra"]:
            md.append(f"\n{s['extra']}\n")

    charts = {}
    if not args.no_charts:
        charts = run_charts(args, mods, stat_algos)
        md.append(f"\n## ns per element against the window (n = {args.chart_n:,}, float64, trailing, 1 thread)\n")
        for stat, lines in charts.items():
            md.append(f"\n### move_{stat}\n\n")
            rows = []
            for label, L in lines.items():
                cells = []
                for w in args.windows:
                    if w in L["ns"]:
                        cells.append(f"{L['ns'][w]:.3g}" + ("*" if w in L["sampled"] else ""))
                    else:
                        cells.append("-")
                rows.append([("mwk " if L["kind"] == "mwk" else "") + label] + cells)
            md.append(C.md_table(["method"] + [f"w={w:,}" for w in args.windows], rows))
        md.append(f"\n\\* sampled: naive on a prefix with n*w <= {args.naive_cap:.0e} (valid mode, per output), "
                  f"or one call when a call takes over {args.slow_call:g} s; - not timed (capped or not available).\n")
    md.append(f"\nRun time: goals {t_goals:.0f} s, total {time.perf_counter() - t_start:.0f} s.\n")
    payload = dict(env=env, args={k: v for k, v in vars(args).items()},
                   goals=[s["row"] for s in sections], charts=charts)
    od = C.report(args, "stats_bench", md, summary, payload)
    if not args.no_plot and charts:
        cd = Path(args.charts) if args.charts else od
        cd.mkdir(parents=True, exist_ok=True)
        plot(charts, args.chart_n, args.naive_cap, env, cd, od)
    failed = [e.name for s in sections for e in s["entries"] if e.failed and e.group == "mwk"]
    if failed:
        print("mwk entries disagreed with auto: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
