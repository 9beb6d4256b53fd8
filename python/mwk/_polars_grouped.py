"""``rolling_<stat>(..., over=keys)``: every group's windows in one plugin call.

``pl.col("x").mwk.rolling_mean(10, over="g")`` gives the values of
``pl.col("x").mwk.rolling_mean(10).over("g")`` (and of Polars' own
``pl.col("x").rolling_mean(10).over("g")``): the window restarts at every
group, each group in row order, the result in the rows' order.

Why: inside ``.over(keys)`` and ``group_by(keys).agg(...)`` Polars calls a
plugin that is not elementwise once per group (polars-expr
``ApplyExpr::apply_single_group_aware``), and no plugin flag hands a plugin
the whole column with the groups. The plugin entry ``rolling_over``
(python/src/polars_grouped.c) takes the keys as further inputs, groups the
rows in C and runs ``mwk_move_grouped`` once.
"""
from __future__ import annotations

from typing import Any, List

import polars as pl
from polars.plugins import register_plugin_function


def key_exprs(over: Any) -> List[pl.Expr]:
    """The group keys as expressions: a column name, an expression, a Series
    (its values, row by row), or a non-empty sequence of them. Each goes
    through ``to_physical()`` (categoricals, enums and temporal types become
    the integers Polars groups them by)."""
    items = [over] if isinstance(over, (str, pl.Expr, pl.Series)) else over
    try:
        items = list(items)
    except TypeError:
        raise TypeError(f"over must be a column name, an expression, a Series or a sequence of them, "
                        f"got {type(over).__name__}") from None
    if not items:
        raise ValueError("over must name at least one key")
    out = []
    for k in items:
        if isinstance(k, str):
            e = pl.col(k)
        elif isinstance(k, pl.Expr):
            e = k
        elif isinstance(k, pl.Series):
            e = pl.lit(k)
        else:
            raise TypeError(f"over keys must be column names, expressions or Series, got {type(k).__name__}")
        out.append(e.to_physical())
    return out


def rolling_over(expr: pl.Expr, kwargs: dict, over: Any) -> pl.Expr:
    """The rolling entry's kwargs (mwk.polars._rolling_kwargs and friends),
    computed per group of ``over``."""
    from .polars import _ABS_PATH, PLUGIN_PATH

    return register_plugin_function(
        plugin_path=PLUGIN_PATH,
        function_name="rolling_over",
        args=[expr, *key_exprs(over)],
        kwargs=kwargs,
        is_elementwise=False,
        **_ABS_PATH,
    )
