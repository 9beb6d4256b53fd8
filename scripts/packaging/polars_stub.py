"""Writes (or, with --check, verifies) python/mwk/polars.pyi, the type stub of
mwk.polars: the .mwk namespace's rolling_<stat>/moving_<stat> methods are
generated at import from the C registry, so type checkers learn them from
this stub. Run with an interpreter where mwk (built from this tree) and
Polars are installed:

    python scripts/packaging/polars_stub.py           # rewrite the stub
    python scripts/packaging/polars_stub.py --check   # fail if it is stale
"""
from __future__ import annotations

import inspect
import sys
from pathlib import Path

import mwk.polars as mp

STUB = Path(__file__).resolve().parents[2] / "python" / "mwk" / "polars.pyi"

HEAD = '''\
# Type stub of mwk.polars, generated from the statistics registry by
# scripts/packaging/polars_stub.py (scripts/packaging.sh, stage examples,
# checks that it matches the runtime). The rolling_<stat>/moving_<stat>
# methods are created at import, so type checkers learn them here; every
# method's parameters are read from its runtime signature.
#
# `pl.col("x").mwk` and `series.mwk` themselves are attributes Polars adds at
# run time; Polars declares no such attribute to type checkers. For mypy, the
# plugin mwk.mypy_plugin declares them (add `plugins = ["mwk.mypy_plugin"]`
# to the mypy configuration).
from pathlib import Path
from typing import Any, Dict, List, Literal, Optional

import polars as pl

__all__ = ["MwkExprNamespace", "MwkSeriesNamespace", "PLUGIN_PATH", "statistics"]

PLUGIN_PATH: Path

_Mode = Literal["trailing", "valid", "centered"]
_NanPolicy = Literal["skip", "propagate"]
_Interpolation = Literal["nearest", "higher", "lower", "midpoint", "linear"]
_RankMethod = Literal["average", "min", "max", "dense", "random"]
_Replace = Literal["median", "nan"]

def statistics() -> List[Dict[str, Any]]: ...
'''


# Annotations of the methods' parameters, by name (the runtime functions
# are generated, so their annotations are not the stub's). "algorithm" is a
# Literal of the statistic's algorithms; a name not listed here is Any.
TYPES = {
    "window_size": "int",
    "window": "int",
    "min_samples": "Optional[int]",
    "center": "bool",
    "ddof": "int",
    "mode": "_Mode",
    "nan_policy": "_NanPolicy",
    "threads": "Optional[int]",
    "quantile": "float",
    "interpolation": "_Interpolation",
    "weights": "Optional[List[float]]",
    "min_weight": "float",
    "method": "_RankMethod",
    "seed": "Optional[int]",
    "n_sigmas": "float",
    "replace": "_Replace",
    # ewm_* (issue 11)
    "com": "Optional[float]",
    "span": "Optional[float]",
    "half_life": "Any",
    "alpha": "Optional[float]",
    "adjust": "bool",
    "bias": "bool",
    "ignore_nulls": "bool",
    "by": "Any",
    # rolling_<stat>_by (issue 12, mwk/_polars_by.py); their window_size is a
    # duration string, a timedelta or an int: Any (see method_lines)
    "closed": 'Literal["right", "left", "both", "none"]',
    # rolling_<stat>(..., over=keys) (issue 12, mwk/_polars_grouped.py): a
    # column name, an expression, a Series or a sequence of them
    "over": "Any",
}


def _stat_of(name: str) -> str | None:
    """The registry statistic a method belongs to (hampel: median's algorithms)."""
    if name == "hampel":
        return "median"
    for kind in ("rolling_", "moving_"):
        if name.startswith(kind):
            return name[len(kind):]
    return None


def _methods(cls) -> list[str]:
    """The public methods, in a stable order: per statistic rolling then
    moving (registry order), then the others alphabetically."""
    names = [n for n in vars(cls) if not n.startswith("_") and callable(getattr(cls, n))]
    order = []
    for s in mp.statistics():
        for kind in ("rolling", "moving"):
            if f"{kind}_{s['name']}" in names:
                order.append(f"{kind}_{s['name']}")
    return order + sorted(n for n in names if n not in order)


def method_lines(cls_name: str, ret: str) -> list[str]:
    cls = getattr(mp, cls_name)
    algos = {s["name"]: ", ".join(f'"{a}"' for a in ("auto", *s["algorithms"])) for s in mp.statistics()}
    deco = "register_expr_namespace" if ret == "pl.Expr" else "register_series_namespace"
    out = [f'@pl.api.{deco}("mwk")', f"class {cls_name}:", f"    def __init__(self, {'expr: pl.Expr' if ret == 'pl.Expr' else 'series: pl.Series'}) -> None: ..."]
    for name in _methods(cls):
        sig = inspect.signature(getattr(cls, name))
        stat = _stat_of(name)
        params, star = [], False
        for p in list(sig.parameters.values())[1:]:
            if p.kind is p.KEYWORD_ONLY and not star:
                params.append("*")
                star = True
            ann = TYPES.get(p.name, "Any")
            if name.endswith("_by") and p.name == "window_size":
                ann = "Any"
            if p.name == "algorithm" and stat in algos:
                ann = f"Literal[{algos[stat]}]"
            default = "" if p.default is p.empty else f" = {p.default!r}".replace("'", '"')
            params.append(f"{p.name}: {ann}{default}")
        one = f"    def {name}(self, {', '.join(params)}) -> {ret}: ..."
        if len(one) <= 110:
            out.append(one)
        else:
            out.append(f"    def {name}(")
            out.append("        self,")
            out += [f"        {p}," for p in params]
            out.append(f"    ) -> {ret}: ...")
    return out


def render() -> str:
    lines = HEAD.splitlines()
    lines += [""] + method_lines("MwkExprNamespace", "pl.Expr")
    lines += [""] + method_lines("MwkSeriesNamespace", "pl.Series")
    return "\n".join(lines) + "\n"


def runtime_matches_stub() -> list[str]:
    """Every statistic has its methods on both namespaces, the two namespaces
    have the same methods, and every parameter has a known annotation."""
    problems = []
    expr, series = set(_methods(mp.MwkExprNamespace)), set(_methods(mp.MwkSeriesNamespace))
    if expr != series:
        problems.append(f"Expr and Series namespaces differ: {sorted(expr ^ series)}")
    for s in mp.statistics():
        for kind in ("rolling", "moving"):
            if f"{kind}_{s['name']}" not in expr:
                problems.append(f"{kind}_{s['name']} missing at run time")
    for name in sorted(expr):
        for p in list(inspect.signature(getattr(mp.MwkExprNamespace, name)).parameters)[1:]:
            if p not in TYPES and p != "algorithm":
                problems.append(f"{name}: parameter {p!r} has no annotation in TYPES")
    return problems


def main() -> int:
    text = render()
    problems = runtime_matches_stub()
    if problems:
        print("the runtime methods differ from what the stub generator expects:", *problems, sep="\n  ")
        return 1
    if "--check" in sys.argv:
        if not STUB.exists() or STUB.read_text() != text:
            print(f"{STUB} is stale: run python scripts/packaging/polars_stub.py")
            return 1
        n = len(_methods(mp.MwkExprNamespace))
        print(f"python/mwk/polars.pyi matches the runtime ({n} methods x Expr/Series)")
        return 0
    STUB.write_text(text)
    print(f"wrote {STUB}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
