"""Shared helpers for mwk's Python benchmarks (bench/*.py).

Timing: best (and median) seconds per call over repeated batches of calls,
after one untimed call; all figures a script prints come from that one run.
Output: Markdown and PNG files under bench/out/ (git-ignored) or --out.
"""
from __future__ import annotations

import argparse
import datetime
import gc
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "bench" / "out"

# Packages a benchmark may need; checked (not imported) by the smoke test too.
PEER_PACKAGES = ("numpy", "mwk", "bottleneck", "scipy", "pandas", "polars", "numba", "matplotlib")


# --------------------------------------------------------------------------- timing
class Timing:
    __slots__ = ("best", "median", "calls", "reps")

    def __init__(self, best: float, median: float, calls: int, reps: int):
        self.best, self.median, self.calls, self.reps = best, median, calls, reps

    def as_dict(self) -> dict:
        return {"best": self.best, "median": self.median, "calls": self.calls, "reps": self.reps}

    @property
    def sampled(self) -> bool:
        """True when fewer than 3 calls were timed (a slow entry)."""
        return self.calls < 3


def time_call(
    fn: Callable[[], object],
    budget_s: float = 1.0,
    max_calls: Optional[int] = None,
    min_batch_s: float = 0.005,
    warm: bool = True,
) -> Timing:
    """Seconds per call of fn(): best and median over repeated batches.

    A batch is k back-to-back calls, k doubled until a batch takes at least
    min_batch_s (so timer resolution and loop overhead do not matter).
    Batches repeat until budget_s is spent (at least 3 batches unless
    max_calls stops it first). max_calls caps the total number of timed
    calls, for slow entries (the output says they were sampled).
    """
    if warm:
        fn()
    gc_was = gc.isenabled()
    gc.disable()
    try:
        per_call: List[float] = []
        calls = 0
        k = 1
        spent = 0.0
        while True:
            if max_calls is not None:
                k = max(1, min(k, max_calls - calls))
            t0 = time.perf_counter()
            for _ in range(k):
                fn()
            dt = time.perf_counter() - t0
            calls += k
            spent += dt
            per_call.append(dt / k)
            if dt < min_batch_s and (max_calls is None or calls < max_calls):
                k *= 2
                if len(per_call) == 1 or dt < min_batch_s / 4:
                    # calibration batch: too short to be trusted alone
                    per_call.pop()
                    continue
            if max_calls is not None and calls >= max_calls:
                break
            if spent >= budget_s and len(per_call) >= 3:
                break
            if spent >= 4 * budget_s and per_call:
                break
        if not per_call:  # pragma: no cover - max_calls hit during calibration
            per_call.append(dt / k)
        return Timing(min(per_call), statistics.median(per_call), calls, len(per_call))
    finally:
        if gc_was:
            gc.enable()


# --------------------------------------------------------------------------- environment
def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") or line.startswith("Model"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def versions(names: Iterable[str] = PEER_PACKAGES) -> Dict[str, str]:
    out = {"python": platform.python_version()}
    for name in names:
        try:
            mod = importlib.import_module(name)
            out[name] = getattr(mod, "__version__", "?")
        except Exception:  # noqa: BLE001 - an absent peer is reported, not fatal
            out[name] = "missing"
    return out


def git_commit() -> str:
    try:
        r = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, timeout=10,
        )
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=10,
        )
        if r.returncode == 0:
            return r.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except Exception:  # noqa: BLE001
        pass
    return "unknown"


def environment() -> dict:
    import mwk

    info = mwk.runtime_info()
    try:
        load = os.getloadavg()
    except OSError:
        load = (float("nan"),) * 3
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "machine": platform.machine(),
        "mwk_target": info["target"],
        "mwk_supported_targets": info["supported_targets"],
        "mwk_backends": info["backends"],
        "mwk_max_threads": info["max_threads"],
        "highway": info["versions"].get("highway"),
        "fftw": info["versions"].get("fftw"),
        "versions": versions(),
        "commit": git_commit(),
        "loadavg_start": load,
        "command": " ".join([Path(sys.executable).name] + [os.path.relpath(sys.argv[0], REPO)] + sys.argv[1:]),
    }


def environment_md(env: dict) -> str:
    v = env["versions"]
    libs = ", ".join(f"{k} {val}" for k, val in v.items())
    try:
        load_end = os.getloadavg()
    except OSError:
        load_end = (float("nan"),) * 3
    return (
        f"- command: `{env['command']}` (commit {env['commit']}, {env['date']})\n"
        f"- CPU: {env['cpu']}, {env['cores']} logical cores ({env['machine']}); "
        f"load average {env['loadavg_start'][0]:.2f} at start, {load_end[0]:.2f} at end\n"
        f"- mwk target: **{env['mwk_target']}** (supported: {', '.join(env['mwk_supported_targets'])}); "
        f"backends {', '.join(env['mwk_backends'])}; Highway {env['highway']}; {env['fftw']}; "
        f"max threads {env['mwk_max_threads']}\n"
        f"- libraries: {libs}\n"
    )


# --------------------------------------------------------------------------- output
def md_table(headers: Sequence[str], rows: Sequence[Sequence[object]], align: Optional[str] = None) -> str:
    """A Markdown table; align is a string of 'l'/'r' per column (default: first l, rest r)."""
    align = align or ("l" + "r" * (len(headers) - 1))
    sep = ["---" if a == "l" else "---:" for a in align]
    lines = ["| " + " | ".join(map(str, headers)) + " |", "| " + " | ".join(sep) + " |"]
    for r in rows:
        lines.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(lines) + "\n"


def fmt_s(t: Optional[float]) -> str:
    if t is None:
        return "-"
    if t >= 1:
        return f"{t:.3f}"
    if t >= 1e-3:
        return f"{t:.5f}"
    return f"{t:.7f}"


def fmt_ratio(r: Optional[float]) -> str:
    if r is None or r != r:
        return "-"
    if r >= 1000:
        return f"{r:,.0f}"
    if r >= 100:
        return f"{r:.0f}"
    if r >= 10:
        return f"{r:.1f}"
    if r >= 0.01:
        return f"{r:.2f}"
    return f"{r:.1e}"


def fmt_err(e: Optional[float]) -> str:
    if e is None:
        return "-"
    if e != e:
        return "NaN"
    if e == 0:
        return "0"
    return f"{e:.1e}"


def out_dir(path: Optional[str]) -> Path:
    p = Path(path) if path else DEFAULT_OUT
    p.mkdir(parents=True, exist_ok=True)
    return p


def write(path: Path, text: str) -> None:
    path.write_text(text)
    print(f"wrote {os.path.relpath(path, Path.cwd()) if path.is_absolute() else path}")


def base_parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="tiny sizes and budgets (seconds; the smoke test)")
    p.add_argument("--out", default=None, help=f"output folder (default {DEFAULT_OUT.relative_to(REPO)})")
    p.add_argument("--budget", type=float, default=None, help="seconds of timing per entry")
    p.add_argument("--no-plot", action="store_true", help="skip the PNG (no matplotlib needed)")
    return p


def barh_log(path: Path, labels: List[str], values: List[float], groups: List[str], title: str,
             xlabel: str = "seconds per call (log scale)", marks: Optional[Dict[str, float]] = None) -> None:
    """A horizontal log-scale bar chart, one colour per group."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    palette = {}
    colours = ["#9e9e9e", "#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860"]
    for g in groups:
        palette.setdefault(g, colours[len(palette) % len(colours)])
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(labels) + 1.6))
    y = list(range(len(labels)))[::-1]
    ax.barh(y, values, color=[palette[g] for g in groups])
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=10)
    for yi, v in zip(y, values):
        ax.text(v * 1.08, yi, f"{v:.3g}", va="center", fontsize=7)
    for name, x in (marks or {}).items():
        ax.axvline(x, color="k", ls="--", lw=0.8)
        ax.text(x, len(labels) - 0.4, " " + name, fontsize=7, va="bottom")
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=c, label=g) for g, c in palette.items()], fontsize=7, loc="lower right")
    ax.set_xlim(min(values) / 2, max(values) * 6)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"wrote {path}")


def dump_json(path: Path, obj: object) -> None:
    path.write_text(json.dumps(obj, indent=1, default=str))


def report(args, name: str, md: List[str], summary: Sequence[str], payload: dict) -> Path:
    """The end of every benchmark: append the key ratios, print the Markdown,
    and write NAME.md and NAME.json to the output folder (returned, for the
    script's own chart)."""
    if summary:
        md.append("\n## Key ratios (this run)\n\n" + "\n".join(f"- {s}" for s in summary) + "\n")
    text = "".join(md)
    print()
    print(text)
    od = out_dir(args.out)
    write(od / f"{name}.md", text)
    dump_json(od / f"{name}.json", payload)
    return od
