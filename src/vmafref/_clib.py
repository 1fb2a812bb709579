"""Functions of the platform's C libraries through ctypes, or ``None`` where there are none.

libvmaf's results depend on its C library in two places vmafref reproduces by calling the same
functions: ``powf`` in the ADM pooling (specs/integer_adm.md §6, specs/float_adm.md §6), and
``mallopt`` for the allocator settings of specs/score.md §8.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Sequence

__all__ = ["c_function"]


def c_function(library: str, name: str, restype, argtypes: Sequence):
    """``name`` from the C library ``library`` ("m", "c"), typed; ``None`` if it cannot be loaded."""
    path = ctypes.util.find_library(library)
    if path is None:
        return None
    try:
        function = getattr(ctypes.CDLL(path), name)
    except (OSError, AttributeError):
        return None
    function.restype = restype
    function.argtypes = list(argtypes)
    return function
