from typing import Any, Literal, Optional, TypeVar

import numpy as np
import numpy.typing as npt

__version__: str
VERSION_MAJOR: int
VERSION_MINOR: int
VERSION_PATCH: int

_Out = TypeVar("_Out", bound=np.ndarray)

def move_mean(
    a: npt.ArrayLike,
    window: int,
    min_count: Optional[int] = None,
    axis: int = -1,
    *,
    mode: Literal["trailing", "valid", "centered"] = "trailing",
    algorithm: Literal["auto", "naive", "ring", "prefix", "fft"] = "auto",
    nan_policy: Literal["skip", "propagate"] = "skip",
    out: Optional[np.ndarray] = None,
    threads: Optional[int] = None,
) -> np.ndarray: ...
def runtime_info() -> dict[str, Any]: ...
