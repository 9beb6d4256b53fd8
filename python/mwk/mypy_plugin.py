"""mypy plugin: declares the namespaces that ``polars.api.register_*_namespace``
adds at run time, so that ``pl.col("x").mwk.rolling_mean(10)`` and
``series.mwk.rolling_mean(10)`` type-check. Enable it in the mypy
configuration::

    [tool.mypy]
    plugins = ["mwk.mypy_plugin"]

Polars adds ``.mwk`` to ``polars.Expr`` and ``polars.Series`` when
``mwk.polars`` is imported; Polars' own types do not know it. The plugin
reads each class decorated with ``@pl.api.register_expr_namespace(NAME)``
(and the series, frame and lazy-frame variants) in the code and stubs mypy
analyses -- mwk's are in ``mwk/polars.pyi`` -- and gives Polars' class an
attribute NAME of that class's type. It works for any package's namespaces.

pyright has no plugins: there ``.mwk`` stays unknown to the checker.
"""
from __future__ import annotations

from typing import Callable, List, Optional, Tuple

from mypy.nodes import MDEF, CallExpr, MypyFile, StrExpr, SymbolTableNode, Var
from mypy.plugin import ClassDefContext, Plugin, ReportConfigContext
from mypy.types import Instance

_TARGETS = {
    "polars.api.register_expr_namespace": "polars.expr.expr.Expr",
    "polars.api.register_series_namespace": "polars.series.series.Series",
    "polars.api.register_dataframe_namespace": "polars.dataframe.frame.DataFrame",
    "polars.api.register_lazyframe_namespace": "polars.lazyframe.frame.LazyFrame",
}


def _add_namespace(ctx: ClassDefContext) -> bool:
    call = ctx.reason
    if not (isinstance(call, CallExpr) and call.args and isinstance(call.args[0], StrExpr)):
        return True  # not the decorator factory form: nothing to declare
    callee = getattr(call.callee, "fullname", None)
    target = _TARGETS.get(callee or "")
    if target is None:
        return True
    node = ctx.api.lookup_fully_qualified_or_none(target)
    if node is None:
        return False  # Polars' class not analysed yet: mypy calls again later
    info = node.node
    name = call.args[0].value
    from mypy.nodes import TypeInfo

    if not isinstance(info, TypeInfo):
        return True
    var = Var(name, Instance(ctx.cls.info, []))
    var.info = info
    var._fullname = f"{info.fullname}.{name}"
    var.is_property = True
    info.names[name] = SymbolTableNode(MDEF, var, plugin_generated=True)
    return True


class PolarsNamespacePlugin(Plugin):
    def get_class_decorator_hook_2(self, fullname: str) -> Optional[Callable[[ClassDefContext], bool]]:
        return _add_namespace if fullname in _TARGETS else None

    def get_additional_deps(self, file: MypyFile) -> List[Tuple[int, str, int]]:
        # Polars' classes must be analysed before the module that extends them.
        if file.fullname == "mwk.polars":
            return [(10, m.rsplit(".", 1)[0], -1) for m in _TARGETS.values()]
        return []

    def report_config_data(self, ctx: ReportConfigContext) -> object:
        # The attributes live in Polars' modules but come from another
        # module's decorators, which mypy's cache cannot track: re-analyse
        # the Polars modules the plugin extends (and mwk.polars) every run.
        if ctx.id in {m.rsplit(".", 1)[0] for m in _TARGETS.values()} | {"mwk.polars"}:
            import os
            import time

            return f"{os.getpid()}-{time.time_ns()}"
        return None


def plugin(version: str) -> type[Plugin]:
    return PolarsNamespacePlugin
