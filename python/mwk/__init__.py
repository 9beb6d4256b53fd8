"""mwk: moving-window kernels.

Fast moving means with a per-window accuracy contract, for NumPy arrays
(:func:`move_mean`, a drop-in for ``bottleneck.move_mean``) and, after
``import mwk.polars``, for Polars expressions and series (the ``.mwk``
namespace).
"""
from __future__ import annotations

from typing import Any, Dict

from ._mwk import __version__, move_mean
from ._mwk import runtime_info as _runtime_info

__all__ = ["__version__", "move_mean", "runtime_info"]


def runtime_info() -> Dict[str, Any]:
    """What this process runs on.

    Returns
    -------
    dict
        ``version``; ``target`` (the SIMD target in use, or None when
        ``MWK_TARGET`` names an unsupported one); ``target_status`` (``"ok"``
        or the reason calls will fail); ``target_request`` (``MWK_TARGET`` or
        None); ``supported_targets`` and ``compiled_targets`` (lists, best
        first); ``backends`` (e.g. ``["highway", "fftw", "openmp"]``);
        ``algorithms`` (name -> available in this build); ``max_threads``;
        ``versions`` (mwk, highway, fftw, python_build, python, numpy).
    """
    import platform

    import numpy

    info = _runtime_info()
    info["versions"]["python"] = platform.python_version()
    info["versions"]["numpy"] = numpy.__version__
    return info
