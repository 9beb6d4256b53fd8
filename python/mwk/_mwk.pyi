# Typed stubs for the compiled core, mwk._mwk (python/src/module.c and
# move_py.c). The Polars plugin's exported C symbols are not Python objects.
from typing import Any, Dict, List, Literal, Optional, Sequence, Tuple, TypedDict, Union

import numpy as np
import numpy.typing as npt

__version__: str
VERSION_MAJOR: int
VERSION_MINOR: int
VERSION_PATCH: int

_Mode = Literal["trailing", "valid", "centered"]
_NanPolicy = Literal["skip", "propagate"]
_Algorithm = Literal[
    "auto", "naive", "ring", "prefix", "fft", "deque", "welford", "heap", "skiplist", "sortblock", "fenwick", "network", "direct",
    "gemm"
]
_Interpolation = Literal["linear", "lower", "higher", "nearest", "midpoint"]

class _Statistic(TypedDict):
    name: str
    id: int
    params: Dict[str, Union[int, float, str]]
    positional: List[str]
    algorithms: Dict[str, bool]
    keeps_float32: bool
    contract: str

class _Defaults(TypedDict):
    mode: _Mode
    algorithm: _Algorithm
    nan_policy: _NanPolicy

class _Options(TypedDict):
    mode: List[str]
    nan_policy: List[str]
    algorithm: List[str]
    dtypes: List[str]
    defaults: _Defaults

def move(
    stat: Union[str, int],
    a: npt.ArrayLike,
    window: Union[int, Sequence[float], npt.ArrayLike],
    min_count: Optional[int] = None,
    axis: int = -1,
    *,
    mode: Optional[_Mode] = "trailing",
    algorithm: Optional[_Algorithm] = "auto",
    nan_policy: Optional[_NanPolicy] = "skip",
    out: Optional[np.ndarray] = None,
    threads: Optional[int] = None,
    target: Optional[str] = None,
    group_offsets: Optional[npt.ArrayLike] = None,
    ddof: Optional[int] = None,
    q: Union[None, float, Sequence[float], npt.ArrayLike] = None,
    interpolation: Optional[_Interpolation] = None,
    weights: Union[None, Sequence[float], npt.ArrayLike] = None,
    min_weight: Optional[float] = None,
) -> np.ndarray: ...
def window_taps(name: str, window: int, param: float = 0.0) -> np.ndarray: ...
def hampel(
    a: npt.ArrayLike,
    window: int,
    n_sigmas: float = 3.0,
    *,
    axis: int = -1,
    replace: Literal["median", "nan"] = "median",
    return_mask: bool = False,
    min_count: Optional[int] = None,
    threads: Optional[int] = None,
    algorithm: str = "auto",
    target: Optional[str] = None,
) -> Union[np.ndarray, Tuple[np.ndarray, np.ndarray]]: ...
def ewm(
    stat: int,
    a: np.ndarray,
    out: np.ndarray,
    decay: int,
    value: float,
    adjust: bool,
    ignore_na: bool,
    min_periods: int,
    bias: bool,
    times: Optional[np.ndarray],
    algorithm: int,
    threads: int,
    target: Optional[str],
) -> np.ndarray: ...
def fir_bank(
    a: np.ndarray,
    taps: np.ndarray,
    out: np.ndarray,
    align: int,
    min_count: int,
    min_weight: float,
    nan_policy: int,
    algorithm: int,
    threads: int,
    target: Optional[str],
) -> np.ndarray: ...
# by_py.c: key-based windows (mwk/_by.py resolves the arguments).
def move_by(
    stat: int,
    a: np.ndarray,
    by: np.ndarray,
    out: np.ndarray,
    window: int,
    closed: int,
    min_count: int,
    check_sorted: bool,
    nan_policy: int,
    algorithm: int,
    threads: int,
    target: Optional[str],
    ddof: int,
    q: float,
    quantiles: Optional[np.ndarray],
    interpolation: int,
) -> np.ndarray: ...
def move_by_choose(stat: int) -> str: ...
def statistics() -> List[_Statistic]: ...
def options() -> _Options: ...
def runtime_info() -> Dict[str, Any]: ...

# stream_py.c: the C half of mwk.Stream (mwk/_stream.py), arguments resolved there.
class _Stream:
    def __new__(
        cls,
        stat: int,
        window: int,
        rows: int,
        dtype_probe: np.ndarray,
        align: int,
        algorithm: str,
        nan_policy: int,
        min_count: int,
        long_window: int,
        threads: int,
        target: Optional[str],
        ddof: int,
        quantile: float,
        quantiles: Optional[np.ndarray],
        interpolation: int,
        weights: Optional[np.ndarray],
        min_weight: float,
        oned: bool,
        axis0: bool,
        qseq: bool,
    ) -> "_Stream": ...
    def push(self, x: np.ndarray) -> np.ndarray: ...
    def finish(self) -> np.ndarray: ...
    def to_bytes(self) -> bytes: ...
    def info(self) -> Dict[str, Any]: ...
    @classmethod
    def _restore(cls, blob: Any, threads: int, oned: bool, axis0: bool, qseq: bool) -> "_Stream": ...
