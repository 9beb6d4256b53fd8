"""Named windows for move_weighted_sum / move_weighted_mean: the taps of
pandas' ``rolling(win_type=...)``, from the C library (``mwk_window_taps``),
equal to ``scipy.signal.windows.<name>(window, sym=True)``."""
from typing import Any, Optional

from . import _mwk

NAMES = ("boxcar", "triang", "hann", "hamming", "blackman", "bartlett", "blackmanharris", "nuttall",
         "barthann", "bohman", "parzen", "cosine", "gaussian", "exponential")


def window_taps(name: str, window: int, param: Optional[float] = None) -> Any:
    """Taps of a named window, as ``scipy.signal.windows.<name>(window, sym=True)``.

    For ``mwk.move_weighted_mean(a, mwk.window_taps("hann", 9))``: pandas'
    ``rolling(9, win_type="hann").mean()``. ``param`` is gaussian's ``std`` or
    exponential's ``tau`` (> 0, required for those two, ignored by the others).
    Names: boxcar, triang, hann, hamming, blackman, bartlett, blackmanharris,
    nuttall, barthann, bohman, parzen, cosine, gaussian, exponential.
    Returns a float64 array of ``window`` values; ValueError for an unknown
    name or a parameter out of range.
    """
    return _mwk.window_taps(name, window, 0.0 if param is None else float(param))
