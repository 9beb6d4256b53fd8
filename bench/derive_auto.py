#!/usr/bin/env python3
"""Derive every statistic's MWK_ALGO_AUTO crossover table from mwk_grid's CSV.

For each statistic in the CSV, each SIMD target measured and each window, the
algorithms auto may pick (the CSV's `auto` column: the descriptor is not
flagged MWK_AF_NO_AUTO, so never fft) are ranked by the geometric mean of
their ns/element over the cells (dtype, n >= window) measured at that target.
An algorithm that lacks a cell another one has (naive is not timed where
n * w is large) is left out at that window. The previous window's winner is
kept while it is within --margin (default 5%) of the fastest, so noise does
not split the table; runs of windows with the same winner become one rule.
The "*" rules (targets not measured here) rank the algorithms over all the
measured targets together. Rules of the existing table for targets not
measured in this CSV (e.g. avx512 measured on another machine) are carried
over, and the header says so.

    build/bench/mwk_grid --csv bench/out/grid.csv
    python3 bench/derive_auto.py bench/out/grid.csv            # writes kernels/<stat>/auto_table.h
    python3 bench/derive_auto.py bench/out/grid.csv --stdout   # prints them instead
    cmake --build build

Pure standard library: runs anywhere the benchmark ran.
"""
from __future__ import annotations

import argparse
import csv
import math
import re
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RULE_RE = re.compile(r'\{\s*"([^"]+)"\s*,\s*([0-9A-Z_]+)\s*,\s*(MWK_ALGO_[A-Z]+)\s*\}')
MEASURED_RE = re.compile(r"^\s*\*\s*Measured:\s*(.*)$")
CARRIED_RE = re.compile(r"Carried over from the previous table[^\n]*\n\s*\*\s*\(measured: (.*?)\)\.\n", re.S)


def enum(algo: str) -> str:
    return "MWK_ALGO_" + algo.upper()


def gmean(xs):
    return math.exp(sum(math.log(max(x, 1e-6)) for x in xs) / len(xs))


def read_csv(path: str):
    header = ""
    with open(path) as f:
        lines = f.readlines()
    while lines and lines[0].startswith("#"):
        header = (header + " " + lines[0][1:].strip()).strip()
        lines = lines[1:]
    rows = []
    for r in csv.DictReader(lines):
        if r["check"] != "ok":
            sys.exit(f"refusing to derive from a result that failed its check: {r}")
        if "stat" not in r or "auto" not in r:
            sys.exit(f"{path}: no stat/auto column (a CSV from the old, mean-only mwk_grid?)")
        rows.append(r)
    if not rows:
        sys.exit("no rows in " + path)
    return header, rows


def winners_by_window(cells_by_window, margin: float):
    """cells_by_window: {w: {algo: {cell: ns}}} -> [(w, algo)] with hysteresis."""
    out = []
    prev = None
    for w in sorted(cells_by_window):
        by_algo = cells_by_window[w]
        if not by_algo:
            continue
        every = set().union(*(set(c) for c in by_algo.values()))
        full = {a: c for a, c in by_algo.items() if set(c) == every}
        if not full:  # nobody has every cell: rank on what they share
            common = set.intersection(*(set(c) for c in by_algo.values()))
            if not common:
                continue
            full = {a: {k: v for k, v in c.items() if k in common} for a, c in by_algo.items()}
        score = {a: gmean(list(c.values())) for a, c in full.items()}
        best = min(score, key=score.get)
        if prev in score and score[prev] <= score[best] * (1.0 + margin):
            best = prev
        out.append([w, best, score])
        prev = best
    # An island (one window whose winner differs from the same winner on both
    # sides) is noise unless it wins by more than 3 * margin: absorb it.
    for i in range(1, len(out) - 1):
        left, right = out[i - 1][1], out[i + 1][1]
        s = out[i][2]
        if left == right != out[i][1] and left in s and s[left] <= s[out[i][1]] * (1.0 + 3 * margin):
            out[i][1] = left
    return [(w, a) for w, a, _ in out]


def merge(winners):
    merged = []
    for w, a in winners:
        if merged and merged[-1][1] == a:
            merged[-1] = (w, a)
        else:
            merged.append((w, a))
    return [(str(w) if i < len(merged) - 1 else "SIZE_MAX", a) for i, (w, a) in enumerate(merged)]


def existing_rules(path: Path):
    """(rules, measured-line) of an existing table, or ([], None)."""
    if not path.exists():
        return [], None
    text = path.read_text()
    measured = None
    for line in text.splitlines():
        m = MEASURED_RE.match(line)
        if m:
            measured = m.group(1).strip()
            break
    # Rules this table itself carried over keep their own provenance.
    m = CARRIED_RE.search(text)
    if m:
        measured = " ".join(m.group(1).replace("*", " ").split())
    return [(t, w, a) for t, w, a in RULE_RE.findall(text)], measured


def derive(stat, rows, header, margin, table_path: Path):
    allowed = sorted({r["algorithm"] for r in rows if r["auto"] == "yes"})
    banned = sorted({r["algorithm"] for r in rows if r["auto"] != "yes"})
    targets = []
    # per target: {w: {algo: {cell: ns}}}; pooled over targets for "*"
    per_t = defaultdict(lambda: defaultdict(lambda: defaultdict(dict)))
    pooled = defaultdict(lambda: defaultdict(dict))
    for r in rows:
        a, t, w, n = r["algorithm"], r["target"], int(r["window"]), int(r["n"])
        if t not in targets:
            targets.append(t)
        if a not in allowed or n < w:
            continue
        v = float(r["ns_per_elem"])
        if v != v:
            continue
        per_t[t][w][a][(r["dtype"], n)] = v
        pooled[w][a][(t, r["dtype"], n)] = v
    rules = []
    for t in targets:
        for w, a in merge(winners_by_window(per_t[t], margin)):
            rules.append((t, w, enum(a)))
    old_rules, old_measured = existing_rules(table_path)
    carried = [(t, w, a) for t, w, a in old_rules
               if t != "*" and t not in targets and a in {enum(x) for x in allowed}]
    rules += carried
    star = merge(winners_by_window(pooled, margin))
    rules += [("*", w, enum(a)) for w, a in star]

    ns = sorted({int(r["n"]) for r in rows})
    ws = sorted({int(r["window"]) for r in rows})
    dts = sorted({r["dtype"] for r in rows})
    up = stat.upper()
    out = [
        f"/* Crossover table for MWK_ALGO_AUTO ({stat}): data, not code. GENERATED by",
        " * bench/derive_auto.py from mwk_grid's CSV; do not edit by hand.",
        " *",
        " * Rules are tried in order; the first whose target matches (\"*\" = any)",
        " * and whose window limit holds wins. Only algorithms that honour the",
        " * accuracy contract may appear here: never one flagged MWK_AF_NO_AUTO"
        + (f" ({', '.join(banned)})." if banned else "."),
        " *",
        f" * Measured: {header}",
        f" *   grid: n = {', '.join(str(n) for n in ns)}; {len(ws)} windows {ws[0]}..{ws[-1]};"
        f" {', '.join(dts)}; targets {', '.join(targets)}",
        f" *   ranked: geometric mean of ns/element over the cells (dtype, n >= w) of each target;",
        f" *   a winner is kept while within {margin:.0%} of the fastest. \"*\" ranks over every",
        " *   measured target together.",
    ]
    if carried:
        ct = ", ".join(dict.fromkeys(t for t, _, _ in carried))
        out.append(f" * Carried over from the previous table (targets not measured here): {ct}")
        out.append(f" *   (measured: {old_measured or 'unknown'}).")
    out += [
        " * Regenerate on another machine:",
        " *     build/bench/mwk_grid --csv bench/out/grid.csv",
        " *     python3 bench/derive_auto.py bench/out/grid.csv",
        " * and rebuild. */",
        f"#ifndef MWK_{up}_AUTO_TABLE_H",
        f"#define MWK_{up}_AUTO_TABLE_H",
        '#include "engine.h"',
        "",
        f"static const mwk_auto_rule {up}_AUTO_RULES[] = {{",
    ]
    out += [f'    {{"{t}", {w}, {a}}},' for t, w, a in rules]
    out += ["};", "", "#endif", ""]
    return "\n".join(out), rules


def summary(stat, rows, default_target, windows=(10, 1000, 100000)):
    """One line per algorithm: ns/element at the largest n, default target."""
    nmax = max(int(r["n"]) for r in rows)
    got = defaultdict(dict)
    for r in rows:
        if int(r["n"]) == nmax and r["target"] == default_target and r["dtype"] == "float64":
            got[r["algorithm"]][int(r["window"])] = float(r["ns_per_elem"])
    lines = []
    for a, d in got.items():
        parts = []
        for w in windows:
            near = min(d, key=lambda k: abs(math.log(k) - math.log(w))) if d else None
            if near is not None and 0.3 <= near / w <= 3:
                parts.append(f"w={near}: {d[near]:.2f}")
        lines.append(f"  {stat:<7}{a:<8} " + ", ".join(parts))
    return lines


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("csv")
    p.add_argument("--kernels", default=str(REPO / "kernels"), help="folder holding <stat>/auto_table.h")
    p.add_argument("--stdout", action="store_true", help="print the tables instead of writing them")
    p.add_argument("--margin", type=float, default=0.05, help="keep the previous winner within this fraction")
    p.add_argument("--stats", default=None, help="comma-separated subset (default: every statistic in the CSV)")
    args = p.parse_args(argv)
    header, rows = read_csv(args.csv)
    m = re.search(r"default target (\S+?),", header)
    default_target = m.group(1) if m else rows[0]["target"]
    stats = list(dict.fromkeys(r["stat"] for r in rows))
    if args.stats:
        stats = [s for s in stats if s in args.stats.split(",")]
    summ = []
    for stat in stats:
        srows = [r for r in rows if r["stat"] == stat]
        path = Path(args.kernels) / stat / "auto_table.h"
        text, rules = derive(stat, srows, header, args.margin, path)
        if args.stdout:
            print(text)
        else:
            if not path.parent.is_dir():
                sys.exit(f"{path.parent}: no such statistic folder")
            path.write_text(text)
            print(f"wrote {path} ({len(rules)} rules)", file=sys.stderr)
        summ += summary(stat, srows, default_target)
    print(f"ns per element, float64, largest n, target {default_target}:", file=sys.stderr)
    print("\n".join(summ), file=sys.stderr)


if __name__ == "__main__":
    main()
