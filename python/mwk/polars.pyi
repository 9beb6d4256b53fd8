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

@pl.api.register_expr_namespace("mwk")
class MwkExprNamespace:
    def __init__(self, expr: pl.Expr) -> None: ...
    def rolling_mean(
        self,
        window_size: int,
        weights: Optional[List[float]] = None,
        *,
        min_samples: Optional[int] = None,
        center: bool = False,
        over: Any = None,
    ) -> pl.Expr: ...
    def moving_mean(
        self,
        window: int,
        *,
        mode: _Mode = "valid",
        min_samples: Optional[int] = None,
        nan_policy: _NanPolicy = "skip",
        threads: Optional[int] = None,
        algorithm: Literal["auto", "naive", "ring", "prefix", "fft"] = "auto",
    ) -> pl.Expr: ...
    def rolling_sum(
        self,
        window_size: int,
        weights: Optional[List[float]] = None,
        *,
        min_samples: Optional[int] = None,
        center: bool = False,
        over: Any = None,
    ) -> pl.Expr: ...
    def moving_sum(
        self,
        window: int,
        *,
        mode: _Mode = "valid",
        min_samples: Optional[int] = None,
        nan_policy: _NanPolicy = "skip",
        threads: Optional[int] = None,
        algorithm: Literal["auto", "naive", "ring", "prefix", "fft"] = "auto",
    ) -> pl.Expr: ...
    def rolling_var(
        self,
        window_size: int,
        *,
        min_samples: Optional[int] = None,
        center: bool = False,
        ddof: int = 1,
        over: Any = None,
    ) -> pl.Expr: ...
    def moving_var(
        self,
        window: int,
        *,
        mode: _Mode = "valid",
        min_samples: Optional[int] = None,
        nan_policy: _NanPolicy = "skip",
        threads: Optional[int] = None,
        algorithm: Literal["auto", "naive", "welford", "prefix"] = "auto",
        ddof: int = 0,
    ) -> pl.Expr: ...
    def rolling_std(
        self,
        window_size: int,
        *,
        min_samples: Optional[int] = None,
        center: bool = False,
        ddof: int = 1,
        over: Any = None,
    ) -> pl.Expr: ...
    def moving_std(
        self,
        window: int,
        *,
        mode: _Mode = "valid",
        min_samples: Optional[int] = None,
        nan_policy: _NanPolicy = "skip",
        threads: Optional[int] = None,
        algorithm: Literal["auto", "naive", "welford", "prefix"] = "auto",
        ddof: int = 0,
    ) -> pl.Expr: ...
    def rolling_min(
        self,
        window_size: int,
        *,
        min_samples: Optional[int] = None,
        center: bool = False,
        over: Any = None,
    ) -> pl.Expr: ...
    def moving_min(
        self,
        window: int,
        *,
        mode: _Mode = "valid",
        min_samples: Optional[int] = None,
        nan_policy: _NanPolicy = "skip",
        threads: Optional[int] = None,
        algorithm: Literal["auto", "naive", "deque", "prefix"] = "auto",
    ) -> pl.Expr: ...
    def rolling_max(
        self,
        window_size: int,
        *,
        min_samples: Optional[int] = None,
        center: bool = False,
        over: Any = None,
    ) -> pl.Expr: ...
    def moving_max(
        self,
        window: int,
        *,
        mode: _Mode = "valid",
        min_samples: Optional[int] = None,
        nan_policy: _NanPolicy = "skip",
        threads: Optional[int] = None,
        algorithm: Literal["auto", "naive", "deque", "prefix"] = "auto",
    ) -> pl.Expr: ...
    def rolling_argmin(
        self,
        window_size: int,
        *,
        min_samples: Optional[int] = None,
        center: bool = False,
        over: Any = None,
    ) -> pl.Expr: ...
    def moving_argmin(
        self,
        window: int,
        *,
        mode: _Mode = "valid",
        min_samples: Optional[int] = None,
        nan_policy: _NanPolicy = "skip",
        threads: Optional[int] = None,
        algorithm: Literal["auto", "naive", "deque", "prefix"] = "auto",
    ) -> pl.Expr: ...
    def rolling_argmax(
        self,
        window_size: int,
        *,
        min_samples: Optional[int] = None,
        center: bool = False,
        over: Any = None,
    ) -> pl.Expr: ...
    def moving_argmax(
        self,
        window: int,
        *,
        mode: _Mode = "valid",
        min_samples: Optional[int] = None,
        nan_policy: _NanPolicy = "skip",
        threads: Optional[int] = None,
        algorithm: Literal["auto", "naive", "deque", "prefix"] = "auto",
    ) -> pl.Expr: ...
    def rolling_median(
        self,
        window_size: int,
        weights: Optional[List[float]] = None,
        *,
        min_samples: Optional[int] = None,
        center: bool = False,
        over: Any = None,
    ) -> pl.Expr: ...
    def moving_median(
        self,
        window: int,
        *,
        mode: _Mode = "valid",
        min_samples: Optional[int] = None,
        nan_policy: _NanPolicy = "skip",
        threads: Optional[int] = None,
        algorithm: Literal["auto", "naive", "heap", "skiplist", "sortblock", "network"] = "auto",
    ) -> pl.Expr: ...
    def rolling_quantile(
        self,
        quantile: float,
        interpolation: _Interpolation = "nearest",
        window_size: int = 2,
        weights: Optional[List[float]] = None,
        *,
        min_samples: Optional[int] = None,
        center: bool = False,
        over: Any = None,
    ) -> pl.Expr: ...
    def moving_quantile(
        self,
        window: int,
        quantile: float,
        interpolation: _Interpolation = "linear",
        *,
        mode: _Mode = "valid",
        min_samples: Optional[int] = None,
        nan_policy: _NanPolicy = "skip",
        threads: Optional[int] = None,
        algorithm: Literal["auto", "naive", "heap", "skiplist", "sortblock", "network"] = "auto",
    ) -> pl.Expr: ...
    def rolling_rank(
        self,
        window_size: int,
        method: _RankMethod = "average",
        *,
        seed: Optional[int] = None,
        min_samples: Optional[int] = None,
        center: bool = False,
    ) -> pl.Expr: ...
    def moving_rank(
        self,
        window: int,
        *,
        mode: _Mode = "valid",
        min_samples: Optional[int] = None,
        nan_policy: _NanPolicy = "skip",
        threads: Optional[int] = None,
        algorithm: Literal["auto", "naive", "fenwick"] = "auto",
    ) -> pl.Expr: ...
    def rolling_weighted_sum(
        self,
        window_size: int,
        weights: Optional[List[float]] = None,
        *,
        min_samples: Optional[int] = None,
        center: bool = False,
        min_weight: float = 0.0,
        over: Any = None,
    ) -> pl.Expr: ...
    def moving_weighted_sum(
        self,
        window: int,
        weights: Optional[List[float]] = None,
        *,
        min_weight: float = 0.0,
        mode: _Mode = "valid",
        min_samples: Optional[int] = None,
        nan_policy: _NanPolicy = "skip",
        threads: Optional[int] = None,
        algorithm: Literal["auto", "naive", "direct", "fft"] = "auto",
    ) -> pl.Expr: ...
    def rolling_weighted_mean(
        self,
        window_size: int,
        weights: Optional[List[float]] = None,
        *,
        min_samples: Optional[int] = None,
        center: bool = False,
        min_weight: float = 0.0,
        over: Any = None,
    ) -> pl.Expr: ...
    def moving_weighted_mean(
        self,
        window: int,
        weights: Optional[List[float]] = None,
        *,
        min_weight: float = 0.0,
        mode: _Mode = "valid",
        min_samples: Optional[int] = None,
        nan_policy: _NanPolicy = "skip",
        threads: Optional[int] = None,
        algorithm: Literal["auto", "naive", "direct", "fft"] = "auto",
    ) -> pl.Expr: ...
    def ewm_mean(
        self,
        com: Optional[float] = None,
        span: Optional[float] = None,
        half_life: Any = None,
        alpha: Optional[float] = None,
        *,
        adjust: bool = True,
        min_samples: Optional[int] = 1,
        ignore_nulls: bool = False,
        algorithm: Any = "auto",
    ) -> pl.Expr: ...
    def ewm_mean_by(
        self,
        by: Any,
        *,
        half_life: Any,
        adjust: bool = False,
        min_samples: Optional[int] = 1,
        ignore_nulls: bool = True,
        algorithm: Any = "auto",
    ) -> pl.Expr: ...
    def ewm_std(
        self,
        com: Optional[float] = None,
        span: Optional[float] = None,
        half_life: Any = None,
        alpha: Optional[float] = None,
        *,
        adjust: bool = True,
        bias: bool = False,
        min_samples: Optional[int] = 1,
        ignore_nulls: bool = False,
        algorithm: Any = "auto",
    ) -> pl.Expr: ...
    def ewm_sum(
        self,
        com: Optional[float] = None,
        span: Optional[float] = None,
        half_life: Any = None,
        alpha: Optional[float] = None,
        *,
        adjust: bool = True,
        min_samples: Optional[int] = 1,
        ignore_nulls: bool = False,
        algorithm: Any = "auto",
    ) -> pl.Expr: ...
    def ewm_var(
        self,
        com: Optional[float] = None,
        span: Optional[float] = None,
        half_life: Any = None,
        alpha: Optional[float] = None,
        *,
        adjust: bool = True,
        bias: bool = False,
        min_samples: Optional[int] = 1,
        ignore_nulls: bool = False,
        algorithm: Any = "auto",
    ) -> pl.Expr: ...
    def hampel(
        self,
        window: int,
        n_sigmas: float = 3.0,
        *,
        replace: _Replace = "median",
        min_samples: Optional[int] = None,
        threads: Optional[int] = None,
        algorithm: Literal["auto", "naive", "heap", "skiplist", "sortblock", "network"] = "auto",
    ) -> pl.Expr: ...
    def rolling_max_by(
        self,
        by: Any,
        window_size: Any,
        *,
        min_samples: Optional[int] = 1,
        closed: Literal["right", "left", "both", "none"] = "right",
    ) -> pl.Expr: ...
    def rolling_mean_by(
        self,
        by: Any,
        window_size: Any,
        *,
        min_samples: Optional[int] = 1,
        closed: Literal["right", "left", "both", "none"] = "right",
    ) -> pl.Expr: ...
    def rolling_median_by(
        self,
        by: Any,
        window_size: Any,
        *,
        min_samples: Optional[int] = 1,
        closed: Literal["right", "left", "both", "none"] = "right",
    ) -> pl.Expr: ...
    def rolling_min_by(
        self,
        by: Any,
        window_size: Any,
        *,
        min_samples: Optional[int] = 1,
        closed: Literal["right", "left", "both", "none"] = "right",
    ) -> pl.Expr: ...
    def rolling_quantile_by(
        self,
        by: Any,
        window_size: Any,
        *,
        quantile: float,
        interpolation: _Interpolation = "nearest",
        min_samples: Optional[int] = 1,
        closed: Literal["right", "left", "both", "none"] = "right",
    ) -> pl.Expr: ...
    def rolling_rank_by(
        self,
        by: Any,
        window_size: Any,
        method: _RankMethod = "average",
        *,
        seed: Optional[int] = None,
        min_samples: Optional[int] = 1,
        closed: Literal["right", "left", "both", "none"] = "right",
    ) -> pl.Expr: ...
    def rolling_std_by(
        self,
        by: Any,
        window_size: Any,
        *,
        min_samples: Optional[int] = 1,
        closed: Literal["right", "left", "both", "none"] = "right",
        ddof: int = 1,
    ) -> pl.Expr: ...
    def rolling_sum_by(
        self,
        by: Any,
        window_size: Any,
        *,
        min_samples: Optional[int] = 0,
        closed: Literal["right", "left", "both", "none"] = "right",
    ) -> pl.Expr: ...
    def rolling_var_by(
        self,
        by: Any,
        window_size: Any,
        *,
        min_samples: Optional[int] = 1,
        closed: Literal["right", "left", "both", "none"] = "right",
        ddof: int = 1,
    ) -> pl.Expr: ...

@pl.api.register_series_namespace("mwk")
class MwkSeriesNamespace:
    def __init__(self, series: pl.Series) -> None: ...
    def rolling_mean(
        self,
        window_size: int,
        weights: Optional[List[float]] = None,
        *,
        min_samples: Optional[int] = None,
        center: bool = False,
        over: Any = None,
    ) -> pl.Series: ...
    def moving_mean(
        self,
        window: int,
        *,
        mode: _Mode = "valid",
        min_samples: Optional[int] = None,
        nan_policy: _NanPolicy = "skip",
        threads: Optional[int] = None,
        algorithm: Literal["auto", "naive", "ring", "prefix", "fft"] = "auto",
    ) -> pl.Series: ...
    def rolling_sum(
        self,
        window_size: int,
        weights: Optional[List[float]] = None,
        *,
        min_samples: Optional[int] = None,
        center: bool = False,
        over: Any = None,
    ) -> pl.Series: ...
    def moving_sum(
        self,
        window: int,
        *,
        mode: _Mode = "valid",
        min_samples: Optional[int] = None,
        nan_policy: _NanPolicy = "skip",
        threads: Optional[int] = None,
        algorithm: Literal["auto", "naive", "ring", "prefix", "fft"] = "auto",
    ) -> pl.Series: ...
    def rolling_var(
        self,
        window_size: int,
        *,
        min_samples: Optional[int] = None,
        center: bool = False,
        ddof: int = 1,
        over: Any = None,
    ) -> pl.Series: ...
    def moving_var(
        self,
        window: int,
        *,
        mode: _Mode = "valid",
        min_samples: Optional[int] = None,
        nan_policy: _NanPolicy = "skip",
        threads: Optional[int] = None,
        algorithm: Literal["auto", "naive", "welford", "prefix"] = "auto",
        ddof: int = 0,
    ) -> pl.Series: ...
    def rolling_std(
        self,
        window_size: int,
        *,
        min_samples: Optional[int] = None,
        center: bool = False,
        ddof: int = 1,
        over: Any = None,
    ) -> pl.Series: ...
    def moving_std(
        self,
        window: int,
        *,
        mode: _Mode = "valid",
        min_samples: Optional[int] = None,
        nan_policy: _NanPolicy = "skip",
        threads: Optional[int] = None,
        algorithm: Literal["auto", "naive", "welford", "prefix"] = "auto",
        ddof: int = 0,
    ) -> pl.Series: ...
    def rolling_min(
        self,
        window_size: int,
        *,
        min_samples: Optional[int] = None,
        center: bool = False,
        over: Any = None,
    ) -> pl.Series: ...
    def moving_min(
        self,
        window: int,
        *,
        mode: _Mode = "valid",
        min_samples: Optional[int] = None,
        nan_policy: _NanPolicy = "skip",
        threads: Optional[int] = None,
        algorithm: Literal["auto", "naive", "deque", "prefix"] = "auto",
    ) -> pl.Series: ...
    def rolling_max(
        self,
        window_size: int,
        *,
        min_samples: Optional[int] = None,
        center: bool = False,
        over: Any = None,
    ) -> pl.Series: ...
    def moving_max(
        self,
        window: int,
        *,
        mode: _Mode = "valid",
        min_samples: Optional[int] = None,
        nan_policy: _NanPolicy = "skip",
        threads: Optional[int] = None,
        algorithm: Literal["auto", "naive", "deque", "prefix"] = "auto",
    ) -> pl.Series: ...
    def rolling_argmin(
        self,
        window_size: int,
        *,
        min_samples: Optional[int] = None,
        center: bool = False,
        over: Any = None,
    ) -> pl.Series: ...
    def moving_argmin(
        self,
        window: int,
        *,
        mode: _Mode = "valid",
        min_samples: Optional[int] = None,
        nan_policy: _NanPolicy = "skip",
        threads: Optional[int] = None,
        algorithm: Literal["auto", "naive", "deque", "prefix"] = "auto",
    ) -> pl.Series: ...
    def rolling_argmax(
        self,
        window_size: int,
        *,
        min_samples: Optional[int] = None,
        center: bool = False,
        over: Any = None,
    ) -> pl.Series: ...
    def moving_argmax(
        self,
        window: int,
        *,
        mode: _Mode = "valid",
        min_samples: Optional[int] = None,
        nan_policy: _NanPolicy = "skip",
        threads: Optional[int] = None,
        algorithm: Literal["auto", "naive", "deque", "prefix"] = "auto",
    ) -> pl.Series: ...
    def rolling_median(
        self,
        window_size: int,
        weights: Optional[List[float]] = None,
        *,
        min_samples: Optional[int] = None,
        center: bool = False,
        over: Any = None,
    ) -> pl.Series: ...
    def moving_median(
        self,
        window: int,
        *,
        mode: _Mode = "valid",
        min_samples: Optional[int] = None,
        nan_policy: _NanPolicy = "skip",
        threads: Optional[int] = None,
        algorithm: Literal["auto", "naive", "heap", "skiplist", "sortblock", "network"] = "auto",
    ) -> pl.Series: ...
    def rolling_quantile(
        self,
        quantile: float,
        interpolation: _Interpolation = "nearest",
        window_size: int = 2,
        weights: Optional[List[float]] = None,
        *,
        min_samples: Optional[int] = None,
        center: bool = False,
        over: Any = None,
    ) -> pl.Series: ...
    def moving_quantile(
        self,
        window: int,
        quantile: float,
        interpolation: _Interpolation = "linear",
        *,
        mode: _Mode = "valid",
        min_samples: Optional[int] = None,
        nan_policy: _NanPolicy = "skip",
        threads: Optional[int] = None,
        algorithm: Literal["auto", "naive", "heap", "skiplist", "sortblock", "network"] = "auto",
    ) -> pl.Series: ...
    def rolling_rank(
        self,
        window_size: int,
        method: _RankMethod = "average",
        *,
        seed: Optional[int] = None,
        min_samples: Optional[int] = None,
        center: bool = False,
    ) -> pl.Series: ...
    def moving_rank(
        self,
        window: int,
        *,
        mode: _Mode = "valid",
        min_samples: Optional[int] = None,
        nan_policy: _NanPolicy = "skip",
        threads: Optional[int] = None,
        algorithm: Literal["auto", "naive", "fenwick"] = "auto",
    ) -> pl.Series: ...
    def rolling_weighted_sum(
        self,
        window_size: int,
        weights: Optional[List[float]] = None,
        *,
        min_samples: Optional[int] = None,
        center: bool = False,
        min_weight: float = 0.0,
        over: Any = None,
    ) -> pl.Series: ...
    def moving_weighted_sum(
        self,
        window: int,
        weights: Optional[List[float]] = None,
        *,
        min_weight: float = 0.0,
        mode: _Mode = "valid",
        min_samples: Optional[int] = None,
        nan_policy: _NanPolicy = "skip",
        threads: Optional[int] = None,
        algorithm: Literal["auto", "naive", "direct", "fft"] = "auto",
    ) -> pl.Series: ...
    def rolling_weighted_mean(
        self,
        window_size: int,
        weights: Optional[List[float]] = None,
        *,
        min_samples: Optional[int] = None,
        center: bool = False,
        min_weight: float = 0.0,
        over: Any = None,
    ) -> pl.Series: ...
    def moving_weighted_mean(
        self,
        window: int,
        weights: Optional[List[float]] = None,
        *,
        min_weight: float = 0.0,
        mode: _Mode = "valid",
        min_samples: Optional[int] = None,
        nan_policy: _NanPolicy = "skip",
        threads: Optional[int] = None,
        algorithm: Literal["auto", "naive", "direct", "fft"] = "auto",
    ) -> pl.Series: ...
    def ewm_mean(
        self,
        com: Optional[float] = None,
        span: Optional[float] = None,
        half_life: Any = None,
        alpha: Optional[float] = None,
        *,
        adjust: bool = True,
        min_samples: Optional[int] = 1,
        ignore_nulls: bool = False,
        algorithm: Any = "auto",
    ) -> pl.Series: ...
    def ewm_mean_by(
        self,
        by: Any,
        *,
        half_life: Any,
        adjust: bool = False,
        min_samples: Optional[int] = 1,
        ignore_nulls: bool = True,
        algorithm: Any = "auto",
    ) -> pl.Series: ...
    def ewm_std(
        self,
        com: Optional[float] = None,
        span: Optional[float] = None,
        half_life: Any = None,
        alpha: Optional[float] = None,
        *,
        adjust: bool = True,
        bias: bool = False,
        min_samples: Optional[int] = 1,
        ignore_nulls: bool = False,
        algorithm: Any = "auto",
    ) -> pl.Series: ...
    def ewm_sum(
        self,
        com: Optional[float] = None,
        span: Optional[float] = None,
        half_life: Any = None,
        alpha: Optional[float] = None,
        *,
        adjust: bool = True,
        min_samples: Optional[int] = 1,
        ignore_nulls: bool = False,
        algorithm: Any = "auto",
    ) -> pl.Series: ...
    def ewm_var(
        self,
        com: Optional[float] = None,
        span: Optional[float] = None,
        half_life: Any = None,
        alpha: Optional[float] = None,
        *,
        adjust: bool = True,
        bias: bool = False,
        min_samples: Optional[int] = 1,
        ignore_nulls: bool = False,
        algorithm: Any = "auto",
    ) -> pl.Series: ...
    def hampel(
        self,
        window: int,
        n_sigmas: float = 3.0,
        *,
        replace: _Replace = "median",
        min_samples: Optional[int] = None,
        threads: Optional[int] = None,
        algorithm: Literal["auto", "naive", "heap", "skiplist", "sortblock", "network"] = "auto",
    ) -> pl.Series: ...
    def rolling_max_by(
        self,
        by: Any,
        window_size: Any,
        *,
        min_samples: Optional[int] = 1,
        closed: Literal["right", "left", "both", "none"] = "right",
    ) -> pl.Series: ...
    def rolling_mean_by(
        self,
        by: Any,
        window_size: Any,
        *,
        min_samples: Optional[int] = 1,
        closed: Literal["right", "left", "both", "none"] = "right",
    ) -> pl.Series: ...
    def rolling_median_by(
        self,
        by: Any,
        window_size: Any,
        *,
        min_samples: Optional[int] = 1,
        closed: Literal["right", "left", "both", "none"] = "right",
    ) -> pl.Series: ...
    def rolling_min_by(
        self,
        by: Any,
        window_size: Any,
        *,
        min_samples: Optional[int] = 1,
        closed: Literal["right", "left", "both", "none"] = "right",
    ) -> pl.Series: ...
    def rolling_quantile_by(
        self,
        by: Any,
        window_size: Any,
        *,
        quantile: float,
        interpolation: _Interpolation = "nearest",
        min_samples: Optional[int] = 1,
        closed: Literal["right", "left", "both", "none"] = "right",
    ) -> pl.Series: ...
    def rolling_rank_by(
        self,
        by: Any,
        window_size: Any,
        method: _RankMethod = "average",
        *,
        seed: Optional[int] = None,
        min_samples: Optional[int] = 1,
        closed: Literal["right", "left", "both", "none"] = "right",
    ) -> pl.Series: ...
    def rolling_std_by(
        self,
        by: Any,
        window_size: Any,
        *,
        min_samples: Optional[int] = 1,
        closed: Literal["right", "left", "both", "none"] = "right",
        ddof: int = 1,
    ) -> pl.Series: ...
    def rolling_sum_by(
        self,
        by: Any,
        window_size: Any,
        *,
        min_samples: Optional[int] = 0,
        closed: Literal["right", "left", "both", "none"] = "right",
    ) -> pl.Series: ...
    def rolling_var_by(
        self,
        by: Any,
        window_size: Any,
        *,
        min_samples: Optional[int] = 1,
        closed: Literal["right", "left", "both", "none"] = "right",
        ddof: int = 1,
    ) -> pl.Series: ...
