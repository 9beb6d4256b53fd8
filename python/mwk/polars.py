"""Polars integration: ``import mwk.polars`` registers the ``mwk`` namespace.

The namespace exists on :class:`polars.Expr` and :class:`polars.Series`::

    import polars as pl
    import mwk.polars  # noqa: F401  (registers .mwk)

    df.with_columns(pl.col("x").mwk.rolling_mean(100, center=True))
    df.with_columns(pl.col("spectrum").mwk.moving_mean(9, mode="centered"))

Both methods are a native Polars expression plugin written in C, exported by
the extension module ``mwk._mwk`` itself (plugin interface 0.1, verified with
Polars 2.1.0). Errors raised inside the plugin reach the user as
``polars.exceptions.ComputeError`` carrying mwk's message; arguments are
checked here first, so bad arguments raise ``TypeError`` / ``ValueError`` as
soon as the expression is built.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import polars as pl
from polars.plugins import register_plugin_function

from . import _mwk

__all__ = ["MwkExprNamespace", "MwkSeriesNamespace", "PLUGIN_PATH"]

#: The shared library that exports the ``_polars_plugin_*`` symbols.
PLUGIN_PATH = Path(_mwk.__file__).resolve()

_MODES = ("trailing", "valid", "centered")
_POLICIES = ("skip", "propagate")


_ALGORITHMS = ("auto", "naive", "ring", "prefix", "fft")


def _check_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    return int(value.__index__())  # type: ignore[attr-defined]


def _rolling_kwargs(window_size: int, min_samples: Optional[int], center: bool) -> dict:
    w = _check_int(window_size, "window_size")
    if w < 1:
        raise ValueError(f"window_size must be >= 1, got {w}")
    m = None
    if min_samples is not None:
        m = _check_int(min_samples, "min_samples")
        if not 0 <= m <= w:
            raise ValueError(f"min_samples must be None or between 0 and window_size (={w}), got {m}")
    if not isinstance(center, bool):
        raise TypeError(f"center must be a bool, got {type(center).__name__}")
    if w >= 2**63 or (m is not None and m >= 2**63):
        raise ValueError("window_size is out of range")
    return {"window_size": w, "min_samples": m, "center": center}


def _moving_kwargs(
    window: int,
    mode: str,
    min_samples: Optional[int],
    nan_policy: str,
    threads: Optional[int],
    algorithm: str = "auto",
) -> dict:
    w = _check_int(window, "window")
    if w < 1:
        raise ValueError(f"window must be >= 1, got {w}")
    if w >= 2**63:
        raise ValueError("window is out of range")
    m = None
    if min_samples is not None:
        m = _check_int(min_samples, "min_samples")
        if not 1 <= m <= w:
            raise ValueError(f"min_samples must be None or between 1 and window (={w}), got {m}")
    if not isinstance(mode, str):
        raise TypeError(f"mode must be a str, got {type(mode).__name__}")
    if mode not in _MODES:
        raise ValueError(f"mode must be one of 'trailing', 'valid', 'centered'; got {mode!r}")
    if not isinstance(nan_policy, str):
        raise TypeError(f"nan_policy must be a str, got {type(nan_policy).__name__}")
    if nan_policy not in _POLICIES:
        raise ValueError(f"nan_policy must be one of 'skip', 'propagate'; got {nan_policy!r}")
    t = None
    if threads is not None:
        t = _check_int(threads, "threads")
        if not 1 <= t <= 2**20:
            raise ValueError(f"threads must be None or a positive integer, got {t}")
    if not isinstance(algorithm, str):
        raise TypeError(f"algorithm must be a str, got {type(algorithm).__name__}")
    if algorithm not in _ALGORITHMS:
        raise ValueError(
            f"algorithm must be one of 'auto', 'naive', 'ring', 'prefix', 'fft'; got {algorithm!r}"
        )
    return {
        "window": w,
        "mode": mode,
        "min_samples": m,
        "nan_policy": nan_policy,
        "threads": t,
        "algorithm": algorithm,
    }


def _rolling_expr(expr: pl.Expr, kwargs: dict) -> pl.Expr:
    return register_plugin_function(
        plugin_path=PLUGIN_PATH,
        function_name="rolling_mean",
        args=expr,
        kwargs=kwargs,
        is_elementwise=False,
        use_abs_path=True,
    )


def _moving_expr(expr: pl.Expr, kwargs: dict) -> pl.Expr:
    return register_plugin_function(
        plugin_path=PLUGIN_PATH,
        function_name="moving_mean",
        args=expr,
        kwargs=kwargs,
        is_elementwise=True,
        use_abs_path=True,
    )


@pl.api.register_expr_namespace("mwk")
class MwkExprNamespace:
    """mwk's moving-window methods on a Polars expression (``expr.mwk``)."""

    def __init__(self, expr: pl.Expr) -> None:
        self._expr = expr

    def rolling_mean(
        self, window_size: int, *, min_samples: Optional[int] = None, center: bool = False
    ) -> pl.Expr:
        """Rolling mean along the rows, with the semantics of ``Expr.rolling_mean``.

        Parameters
        ----------
        window_size : int
            Number of rows in the window (>= 1). It may exceed the column's
            length: the windows are then clipped to the data.
        min_samples : int or None, optional
            Minimum number of non-null values in a window for a result,
            ``0 <= min_samples <= window_size`` (0 behaves as 1). None
            (default) means ``window_size``.
        center : bool, optional
            Centre the window on the row: row i covers
            ``[i - window_size//2, i + (window_size-1)//2]`` (Polars'
            windows). Default False: row i covers the ``window_size`` rows
            ending at i.

        Returns
        -------
        polars.Expr
            Float64 (Float32 for Float32 input). Works on float, integer and
            boolean columns.

        Notes
        -----
        As in Polars: nulls are missing values (skipped, not counted by
        ``min_samples``); a window with fewer than ``min_samples`` non-null
        values gives null; NaN is a value, and a window holding one gives NaN;
        ``+inf``/``-inf`` give ``+inf``/``-inf`` (NaN when both are in the
        window), and results are exact again once they leave the window. The
        whole column is one window sequence (across chunks). Unlike Polars,
        ``window_size < 1`` raises ``ValueError`` (Polars returns all-null).
        """
        return _rolling_expr(self._expr, _rolling_kwargs(window_size, min_samples, center))

    def moving_mean(
        self,
        window: int,
        *,
        mode: str = "valid",
        min_samples: Optional[int] = None,
        nan_policy: str = "skip",
        threads: Optional[int] = None,
        algorithm: str = "auto",
    ) -> pl.Expr:
        """Moving mean inside each row of an Array or List column.

        One moving mean per row (e.g. one spectrum per row), with the results
        of ``mwk.move_mean(row, window, min_samples, mode=mode,
        nan_policy=nan_policy)``. Elementwise: the streaming engine runs it
        per batch, in parallel.

        Parameters
        ----------
        window : int
            Window length (>= 1).
        mode : {'valid', 'trailing', 'centered'}, optional
            Alignment (see :func:`mwk.move_mean`). Default ``'valid'``: each
            row of length n gives n - window + 1 values.
        min_samples : int or None, optional
            Minimum number of non-NaN values for a result (else NaN),
            ``1 <= min_samples <= window``; None means ``window``.
        nan_policy : {'skip', 'propagate'}, optional
            As in :func:`mwk.move_mean`. Null elements inside a row are
            treated as NaN.
        threads : int or None, optional
            Threads for one call; None picks 1 for small batches and the
            library default otherwise.
        algorithm : {'auto', 'naive', 'ring', 'prefix', 'fft'}, optional
            As in :func:`mwk.move_mean`.

        Returns
        -------
        polars.Expr
            ``Array(Float64, m)`` for ``Array(_, n)`` input (``m = n`` or
            ``n - window + 1`` in 'valid' mode), ``List(Float64)`` for List
            input; Float32 inner type for Float32 input. A null row gives a
            null row.

        Notes
        -----
        Windows with too few values give NaN, not null (the NumPy path's
        semantics). For an Array column, ``window`` longer than the width in
        'valid' mode is an error; List rows shorter than ``window`` give an
        empty list in 'valid' mode. In 'trailing' and 'centered' modes a
        window longer than the row is clipped to it.
        """
        return _moving_expr(
            self._expr, _moving_kwargs(window, mode, min_samples, nan_policy, threads, algorithm)
        )


@pl.api.register_series_namespace("mwk")
class MwkSeriesNamespace:
    """mwk's moving-window methods on a Polars series (``series.mwk``)."""

    def __init__(self, series: pl.Series) -> None:
        self._s = series

    def _run(self, expr: pl.Expr) -> pl.Series:
        name = self._s.name
        return self._s.to_frame(name).select(expr).to_series()

    def rolling_mean(
        self, window_size: int, *, min_samples: Optional[int] = None, center: bool = False
    ) -> pl.Series:
        """Rolling mean along the series; see :meth:`MwkExprNamespace.rolling_mean`."""
        kw = _rolling_kwargs(window_size, min_samples, center)
        return self._run(_rolling_expr(pl.col(self._s.name), kw))

    def moving_mean(
        self,
        window: int,
        *,
        mode: str = "valid",
        min_samples: Optional[int] = None,
        nan_policy: str = "skip",
        threads: Optional[int] = None,
        algorithm: str = "auto",
    ) -> pl.Series:
        """Moving mean inside each row; see :meth:`MwkExprNamespace.moving_mean`."""
        kw = _moving_kwargs(window, mode, min_samples, nan_policy, threads, algorithm)
        return self._run(_moving_expr(pl.col(self._s.name), kw))
