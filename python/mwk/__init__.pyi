# Typed stubs for mwk: the move_* functions are generated at import from the
# C registry (mwk.statistics()), so type checkers read them here.
# python/tests/test_stubs.py checks that this file names exactly the
# registry's statistics, with their parameters and algorithms.
from typing import Any, Dict, List, Literal, Optional, Sequence, Tuple, Union, overload

import numpy as np
import numpy.typing as npt

from ._mwk import __version__ as __version__
from ._mwk import _Statistic
from ._mwk import move as move

_Mode = Literal["trailing", "valid", "centered"]
_NanPolicy = Literal["skip", "propagate"]
_Interpolation = Literal["linear", "lower", "higher", "nearest", "midpoint"]

def move_mean(
    a: npt.ArrayLike,
    window: int,
    min_count: Optional[int] = None,
    axis: int = -1,
    *,
    mode: _Mode = "trailing",
    algorithm: Literal["auto", "naive", "ring", "prefix", "fft"] = "auto",
    nan_policy: _NanPolicy = "skip",
    out: Optional[np.ndarray] = None,
    threads: Optional[int] = None,
    target: Optional[str] = None,
    group_offsets: Optional[npt.ArrayLike] = None,
) -> np.ndarray: ...
def move_sum(
    a: npt.ArrayLike,
    window: int,
    min_count: Optional[int] = None,
    axis: int = -1,
    *,
    mode: _Mode = "trailing",
    algorithm: Literal["auto", "naive", "ring", "prefix", "fft"] = "auto",
    nan_policy: _NanPolicy = "skip",
    out: Optional[np.ndarray] = None,
    threads: Optional[int] = None,
    target: Optional[str] = None,
    group_offsets: Optional[npt.ArrayLike] = None,
) -> np.ndarray: ...
def move_var(
    a: npt.ArrayLike,
    window: int,
    min_count: Optional[int] = None,
    axis: int = -1,
    ddof: int = 0,
    *,
    mode: _Mode = "trailing",
    algorithm: Literal["auto", "naive", "welford", "prefix"] = "auto",
    nan_policy: _NanPolicy = "skip",
    out: Optional[np.ndarray] = None,
    threads: Optional[int] = None,
    target: Optional[str] = None,
    group_offsets: Optional[npt.ArrayLike] = None,
) -> np.ndarray: ...
def move_std(
    a: npt.ArrayLike,
    window: int,
    min_count: Optional[int] = None,
    axis: int = -1,
    ddof: int = 0,
    *,
    mode: _Mode = "trailing",
    algorithm: Literal["auto", "naive", "welford", "prefix"] = "auto",
    nan_policy: _NanPolicy = "skip",
    out: Optional[np.ndarray] = None,
    threads: Optional[int] = None,
    target: Optional[str] = None,
    group_offsets: Optional[npt.ArrayLike] = None,
) -> np.ndarray: ...
def move_min(
    a: npt.ArrayLike,
    window: int,
    min_count: Optional[int] = None,
    axis: int = -1,
    *,
    mode: _Mode = "trailing",
    algorithm: Literal["auto", "naive", "deque", "prefix"] = "auto",
    nan_policy: _NanPolicy = "skip",
    out: Optional[np.ndarray] = None,
    threads: Optional[int] = None,
    target: Optional[str] = None,
    group_offsets: Optional[npt.ArrayLike] = None,
) -> np.ndarray: ...
def move_max(
    a: npt.ArrayLike,
    window: int,
    min_count: Optional[int] = None,
    axis: int = -1,
    *,
    mode: _Mode = "trailing",
    algorithm: Literal["auto", "naive", "deque", "prefix"] = "auto",
    nan_policy: _NanPolicy = "skip",
    out: Optional[np.ndarray] = None,
    threads: Optional[int] = None,
    target: Optional[str] = None,
    group_offsets: Optional[npt.ArrayLike] = None,
) -> np.ndarray: ...
def move_argmin(
    a: npt.ArrayLike,
    window: int,
    min_count: Optional[int] = None,
    axis: int = -1,
    *,
    mode: _Mode = "trailing",
    algorithm: Literal["auto", "naive", "deque", "prefix"] = "auto",
    nan_policy: _NanPolicy = "skip",
    out: Optional[np.ndarray] = None,
    threads: Optional[int] = None,
    target: Optional[str] = None,
    group_offsets: Optional[npt.ArrayLike] = None,
) -> np.ndarray: ...
def move_argmax(
    a: npt.ArrayLike,
    window: int,
    min_count: Optional[int] = None,
    axis: int = -1,
    *,
    mode: _Mode = "trailing",
    algorithm: Literal["auto", "naive", "deque", "prefix"] = "auto",
    nan_policy: _NanPolicy = "skip",
    out: Optional[np.ndarray] = None,
    threads: Optional[int] = None,
    target: Optional[str] = None,
    group_offsets: Optional[npt.ArrayLike] = None,
) -> np.ndarray: ...
def move_median(
    a: npt.ArrayLike,
    window: int,
    min_count: Optional[int] = None,
    axis: int = -1,
    *,
    mode: _Mode = "trailing",
    algorithm: Literal["auto", "naive", "heap", "skiplist", "sortblock", "network"] = "auto",
    nan_policy: _NanPolicy = "skip",
    out: Optional[np.ndarray] = None,
    threads: Optional[int] = None,
    target: Optional[str] = None,
    group_offsets: Optional[npt.ArrayLike] = None,
) -> np.ndarray: ...
def move_quantile(
    a: npt.ArrayLike,
    window: int,
    q: Union[float, Sequence[float], npt.ArrayLike],
    min_count: Optional[int] = None,
    axis: int = -1,
    interpolation: _Interpolation = "linear",
    *,
    mode: _Mode = "trailing",
    algorithm: Literal["auto", "naive", "heap", "skiplist", "sortblock", "network"] = "auto",
    nan_policy: _NanPolicy = "skip",
    out: Optional[np.ndarray] = None,
    threads: Optional[int] = None,
    target: Optional[str] = None,
    group_offsets: Optional[npt.ArrayLike] = None,
) -> np.ndarray: ...
def move_rank(
    a: npt.ArrayLike,
    window: int,
    min_count: Optional[int] = None,
    axis: int = -1,
    *,
    mode: _Mode = "trailing",
    algorithm: Literal["auto", "naive", "skiplist", "fenwick"] = "auto",
    nan_policy: _NanPolicy = "skip",
    out: Optional[np.ndarray] = None,
    threads: Optional[int] = None,
    target: Optional[str] = None,
    group_offsets: Optional[npt.ArrayLike] = None,
) -> np.ndarray: ...
def move_weighted_sum(
    a: npt.ArrayLike,
    window: Union[int, Sequence[float], npt.ArrayLike],
    min_count: Optional[int] = None,
    axis: int = -1,
    weights: Union[None, Sequence[float], npt.ArrayLike] = None,
    min_weight: float = 0.0,
    window_type: Union[None, str, Tuple[Any, ...]] = None,
    *,
    mode: _Mode = "trailing",
    algorithm: Literal["auto", "naive", "direct", "fft"] = "auto",
    nan_policy: _NanPolicy = "skip",
    out: Optional[np.ndarray] = None,
    threads: Optional[int] = None,
    target: Optional[str] = None,
    group_offsets: Optional[npt.ArrayLike] = None,
) -> np.ndarray: ...
def move_weighted_mean(
    a: npt.ArrayLike,
    window: Union[int, Sequence[float], npt.ArrayLike],
    min_count: Optional[int] = None,
    axis: int = -1,
    weights: Union[None, Sequence[float], npt.ArrayLike] = None,
    min_weight: float = 0.0,
    window_type: Union[None, str, Tuple[Any, ...]] = None,
    *,
    mode: _Mode = "trailing",
    algorithm: Literal["auto", "naive", "direct", "fft"] = "auto",
    nan_policy: _NanPolicy = "skip",
    out: Optional[np.ndarray] = None,
    threads: Optional[int] = None,
    target: Optional[str] = None,
    group_offsets: Optional[npt.ArrayLike] = None,
) -> np.ndarray: ...
def window_taps(name: str, window: int, param: Optional[float] = None) -> np.ndarray: ...
@overload
def hampel(
    a: npt.ArrayLike,
    window: int,
    n_sigmas: float = 3.0,
    *,
    axis: int = -1,
    replace: Literal["median", "nan"] = "median",
    return_mask: Literal[False] = False,
    min_count: Optional[int] = None,
    threads: Optional[int] = None,
    algorithm: str = "auto",
    target: Optional[str] = None,
) -> np.ndarray: ...
@overload
def hampel(
    a: npt.ArrayLike,
    window: int,
    n_sigmas: float = 3.0,
    *,
    axis: int = -1,
    replace: Literal["median", "nan"] = "median",
    return_mask: Literal[True],
    min_count: Optional[int] = None,
    threads: Optional[int] = None,
    algorithm: str = "auto",
    target: Optional[str] = None,
) -> Tuple[np.ndarray, np.ndarray]: ...
def ewm_mean(
    a: npt.ArrayLike,
    com: Optional[float] = None,
    span: Optional[float] = None,
    halflife: Any = None,
    alpha: Optional[float] = None,
    min_periods: int = 0,
    adjust: bool = True,
    ignore_na: bool = False,
    axis: int = -1,
    *,
    out: Optional[np.ndarray] = None,
    times: Optional[npt.ArrayLike] = None,
    algorithm: Literal["auto", "naive", "scan"] = "auto",
    threads: Optional[int] = None,
    target: Optional[str] = None,
) -> np.ndarray: ...
def ewm_sum(
    a: npt.ArrayLike,
    com: Optional[float] = None,
    span: Optional[float] = None,
    halflife: Any = None,
    alpha: Optional[float] = None,
    min_periods: int = 0,
    adjust: bool = True,
    ignore_na: bool = False,
    axis: int = -1,
    *,
    out: Optional[np.ndarray] = None,
    times: Optional[npt.ArrayLike] = None,
    algorithm: Literal["auto", "naive", "scan"] = "auto",
    threads: Optional[int] = None,
    target: Optional[str] = None,
) -> np.ndarray: ...
def ewm_var(
    a: npt.ArrayLike,
    com: Optional[float] = None,
    span: Optional[float] = None,
    halflife: Any = None,
    alpha: Optional[float] = None,
    min_periods: int = 0,
    adjust: bool = True,
    ignore_na: bool = False,
    axis: int = -1,
    *,
    bias: bool = False,
    out: Optional[np.ndarray] = None,
    times: Optional[npt.ArrayLike] = None,
    algorithm: Literal["auto", "naive", "scan"] = "auto",
    threads: Optional[int] = None,
    target: Optional[str] = None,
) -> np.ndarray: ...
def ewm_std(
    a: npt.ArrayLike,
    com: Optional[float] = None,
    span: Optional[float] = None,
    halflife: Any = None,
    alpha: Optional[float] = None,
    min_periods: int = 0,
    adjust: bool = True,
    ignore_na: bool = False,
    axis: int = -1,
    *,
    bias: bool = False,
    out: Optional[np.ndarray] = None,
    times: Optional[npt.ArrayLike] = None,
    algorithm: Literal["auto", "naive", "scan"] = "auto",
    threads: Optional[int] = None,
    target: Optional[str] = None,
) -> np.ndarray: ...
def move_fir_bank(
    a: npt.ArrayLike,
    taps: npt.ArrayLike,
    *,
    mode: Literal["trailing", "valid", "centered"] = "trailing",
    min_count: Optional[int] = None,
    min_weight: float = 0.0,
    axis: int = -1,
    out: Optional[np.ndarray] = None,
    algorithm: Literal["auto", "naive", "direct", "fft", "gemm"] = "auto",
    nan_policy: Literal["skip", "propagate"] = "skip",
    threads: Optional[int] = None,
    target: Optional[str] = None,
) -> np.ndarray: ...
def statistics() -> List[_Statistic]: ...
def runtime_info() -> Dict[str, Any]: ...

# Streams (issue 12): mwk/_stream.py.
class Stream:
    def __init__(
        self,
        stat: Union[str, int],
        window: Union[int, npt.ArrayLike],
        min_count: Optional[int] = None,
        *,
        axis: int = -1,
        mode: _Mode = "trailing",
        algorithm: str = "auto",
        nan_policy: _NanPolicy = "skip",
        long_window: Literal["error", "clip"] = "error",
        dtype: Optional[npt.DTypeLike] = None,
        rows: Optional[int] = None,
        threads: Optional[int] = None,
        target: Optional[str] = None,
        **params: Any,
    ) -> None: ...
    def push(self, x: npt.ArrayLike) -> np.ndarray: ...
    def finish(self) -> np.ndarray: ...
    def to_bytes(self) -> bytes: ...
    @classmethod
    def from_bytes(cls, b: Any, *, threads: Optional[int] = None) -> "Stream": ...
    def info(self) -> Dict[str, Any]: ...
    @property
    def stat(self) -> str: ...
    @property
    def window(self) -> int: ...
    @property
    def n_in(self) -> int: ...
    @property
    def n_emitted(self) -> int: ...
    @property
    def algorithm(self) -> Optional[str]: ...
    @property
    def target(self) -> Optional[str]: ...
    @property
    def dtype(self) -> Optional[np.dtype]: ...
    @property
    def rows(self) -> Optional[int]: ...
    @property
    def finished(self) -> bool: ...

# Key-based (time) windows (mwk/_by.py): move_<stat>_by for every statistic
# but the weighted ones; python/tests/test_stubs.py checks them too.
_Closed = Literal["right", "left", "both", "none"]
_ByWindow = Union[int, np.integer, np.timedelta64, str]

def move_mean_by(
    values: npt.ArrayLike,
    by: npt.ArrayLike,
    window: _ByWindow,
    closed: _Closed = "right",
    min_count: int = 1,
    *,
    check_sorted: bool = True,
    algorithm: Literal["auto", "naive", "prefix"] = "auto",
    nan_policy: _NanPolicy = "skip",
    target: Optional[str] = None,
    threads: Optional[int] = None,
) -> np.ndarray: ...
def move_sum_by(
    values: npt.ArrayLike,
    by: npt.ArrayLike,
    window: _ByWindow,
    closed: _Closed = "right",
    min_count: int = 1,
    *,
    check_sorted: bool = True,
    algorithm: Literal["auto", "naive", "prefix"] = "auto",
    nan_policy: _NanPolicy = "skip",
    target: Optional[str] = None,
    threads: Optional[int] = None,
) -> np.ndarray: ...
def move_var_by(
    values: npt.ArrayLike,
    by: npt.ArrayLike,
    window: _ByWindow,
    closed: _Closed = "right",
    min_count: int = 1,
    *,
    ddof: int = 0,
    check_sorted: bool = True,
    algorithm: Literal["auto", "naive", "prefix"] = "auto",
    nan_policy: _NanPolicy = "skip",
    target: Optional[str] = None,
    threads: Optional[int] = None,
) -> np.ndarray: ...
def move_std_by(
    values: npt.ArrayLike,
    by: npt.ArrayLike,
    window: _ByWindow,
    closed: _Closed = "right",
    min_count: int = 1,
    *,
    ddof: int = 0,
    check_sorted: bool = True,
    algorithm: Literal["auto", "naive", "prefix"] = "auto",
    nan_policy: _NanPolicy = "skip",
    target: Optional[str] = None,
    threads: Optional[int] = None,
) -> np.ndarray: ...
def move_min_by(
    values: npt.ArrayLike,
    by: npt.ArrayLike,
    window: _ByWindow,
    closed: _Closed = "right",
    min_count: int = 1,
    *,
    check_sorted: bool = True,
    algorithm: Literal["auto", "naive", "prefix", "deque"] = "auto",
    nan_policy: _NanPolicy = "skip",
    target: Optional[str] = None,
    threads: Optional[int] = None,
) -> np.ndarray: ...
def move_max_by(
    values: npt.ArrayLike,
    by: npt.ArrayLike,
    window: _ByWindow,
    closed: _Closed = "right",
    min_count: int = 1,
    *,
    check_sorted: bool = True,
    algorithm: Literal["auto", "naive", "prefix", "deque"] = "auto",
    nan_policy: _NanPolicy = "skip",
    target: Optional[str] = None,
    threads: Optional[int] = None,
) -> np.ndarray: ...
def move_argmin_by(
    values: npt.ArrayLike,
    by: npt.ArrayLike,
    window: _ByWindow,
    closed: _Closed = "right",
    min_count: int = 1,
    *,
    check_sorted: bool = True,
    algorithm: Literal["auto", "naive", "deque"] = "auto",
    nan_policy: _NanPolicy = "skip",
    target: Optional[str] = None,
    threads: Optional[int] = None,
) -> np.ndarray: ...
def move_argmax_by(
    values: npt.ArrayLike,
    by: npt.ArrayLike,
    window: _ByWindow,
    closed: _Closed = "right",
    min_count: int = 1,
    *,
    check_sorted: bool = True,
    algorithm: Literal["auto", "naive", "deque"] = "auto",
    nan_policy: _NanPolicy = "skip",
    target: Optional[str] = None,
    threads: Optional[int] = None,
) -> np.ndarray: ...
def move_median_by(
    values: npt.ArrayLike,
    by: npt.ArrayLike,
    window: _ByWindow,
    closed: _Closed = "right",
    min_count: int = 1,
    *,
    check_sorted: bool = True,
    algorithm: Literal["auto", "naive", "skiplist"] = "auto",
    nan_policy: _NanPolicy = "skip",
    target: Optional[str] = None,
    threads: Optional[int] = None,
) -> np.ndarray: ...
def move_quantile_by(
    values: npt.ArrayLike,
    by: npt.ArrayLike,
    window: _ByWindow,
    q: Union[float, Sequence[float], npt.ArrayLike],
    closed: _Closed = "right",
    min_count: int = 1,
    *,
    interpolation: _Interpolation = "linear",
    check_sorted: bool = True,
    algorithm: Literal["auto", "naive", "skiplist"] = "auto",
    nan_policy: _NanPolicy = "skip",
    target: Optional[str] = None,
    threads: Optional[int] = None,
) -> np.ndarray: ...
def move_rank_by(
    values: npt.ArrayLike,
    by: npt.ArrayLike,
    window: _ByWindow,
    closed: _Closed = "right",
    min_count: int = 1,
    *,
    check_sorted: bool = True,
    algorithm: Literal["auto", "naive", "skiplist"] = "auto",
    nan_policy: _NanPolicy = "skip",
    target: Optional[str] = None,
    threads: Optional[int] = None,
) -> np.ndarray: ...

__all__: List[str]
