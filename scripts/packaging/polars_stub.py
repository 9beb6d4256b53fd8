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
# methods are created at import, so type checkers learn them here.
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

def statistics() -> List[Dict[str, Any]]: ...
'''


def method_lines(cls_name: str, ret: str) -> list[str]:
    deco = "register_expr_namespace" if ret == "pl.Expr" else "register_series_namespace"
    out = [f'@pl.api.{deco}("mwk")', f"class {cls_name}:", f"    def __init__(self, {'expr: pl.Expr' if ret == 'pl.Expr' else 'series: pl.Series'}) -> None: ..."]
    for s in mp.statistics():
        name, ddof = s["name"], s["ddof"]
        algos = ", ".join(f'"{a}"' for a in ("auto", *s["algorithms"]))
        out.append(f"    def rolling_{name}(")
        out.append("        self, window_size: int, *, min_samples: Optional[int] = None, center: bool = False"
                   + (", ddof: int = 1" if ddof else ""))
        out.append(f"    ) -> {ret}: ...")
        out.append(f"    def moving_{name}(")
        out.append("        self,")
        out.append("        window: int,")
        out.append("        *,")
        out.append('        mode: _Mode = "valid",')
        out.append("        min_samples: Optional[int] = None,")
        out.append('        nan_policy: _NanPolicy = "skip",')
        out.append("        threads: Optional[int] = None,")
        out.append(f'        algorithm: Literal[{algos}] = "auto",')
        if ddof:
            out.append("        ddof: int = 0,")
        out.append(f"    ) -> {ret}: ...")
    return out


def render() -> str:
    lines = HEAD.splitlines()
    lines += [""] + method_lines("MwkExprNamespace", "pl.Expr")
    lines += [""] + method_lines("MwkSeriesNamespace", "pl.Series")
    return "\n".join(lines) + "\n"


def runtime_matches_stub() -> list[str]:
    """Names and keyword parameters of the runtime methods vs. the stub's."""
    problems = []
    for cls in (mp.MwkExprNamespace, mp.MwkSeriesNamespace):
        for s in mp.statistics():
            for kind in ("rolling", "moving"):
                fn = getattr(cls, f"{kind}_{s['name']}", None)
                if fn is None:
                    problems.append(f"{cls.__name__}.{kind}_{s['name']} missing at run time")
                    continue
                params = list(inspect.signature(fn).parameters)
                want = (["self", "window_size", "min_samples", "center"] if kind == "rolling" else
                        ["self", "window", "mode", "min_samples", "nan_policy", "threads", "algorithm"])
                if s["ddof"]:
                    want.append("ddof")
                if params != want:
                    problems.append(f"{cls.__name__}.{kind}_{s['name']}{params} != stub {want}")
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
        n = len(mp.statistics())
        print(f"python/mwk/polars.pyi matches the runtime ({n} statistics x rolling/moving x Expr/Series)")
        return 0
    STUB.write_text(text)
    print(f"wrote {STUB}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
