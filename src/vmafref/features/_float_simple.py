"""Helpers shared by libvmaf's simple float features (float_psnr, float_moment, float_ansnr).

* :func:`picture_copy` — ``picture_copy.c:23-67`` with an offset: ``p + offset`` for 8-bit,
  ``p / s + offset`` (s = 4, 16, 256) for 10, 12 and 16 bits, in float32 (exact).
* :data:`PSNR_CONSTANTS` — the peak and cap each extractor's ``init`` picks per bit depth.
* :func:`c_log10`, :func:`c_min`, :func:`c_max` — the C library's ``log10`` (CPython's
  ``math.log10``) with C's results at 0 and below, and the ``MIN``/``MAX`` macros.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from vmafref.features._float_common import check_bitdepth

__all__ = ["PSNR_CONSTANTS", "c_log10", "c_max", "c_min", "picture_copy"]

_SCALERS = {10: 4.0, 12: 16.0, 16: 256.0}

#: bit depth -> (peak, psnr_max) of ``float_psnr.c:49-63`` and ``float_ansnr.c:49-63``
#: (the same table as ``psnr_tools.c:26-57``).
PSNR_CONSTANTS: dict[int, tuple[float, float]] = {
    8: (255.0, 60.0),
    10: (255.75, 72.0),
    12: (255.9375, 84.0),
    16: (255.99609375, 108.0),
}


def picture_copy(plane, bitdepth: int, offset: int = 0):
    """libvmaf's ``picture_copy(dst, stride, pic, offset, bpc, 0)`` on a luma plane, float32.

    ``(float) p + offset`` (8-bit) or ``(float) p / scaler + offset``; exact in float32.
    Works on numpy and JAX arrays.
    """
    check_bitdepth(bitdepth)
    xp = jnp if isinstance(plane, jax.Array) else np
    values = xp.asarray(plane).astype(xp.float32)
    if bitdepth != 8:
        values = values / xp.float32(_SCALERS[bitdepth])
    if offset:
        values = values + xp.float32(offset)
    return values


def c_log10(x: float) -> float:
    """C's ``log10`` on a double: ``-inf`` at 0, NaN below 0, ``inf`` at ``inf``."""
    if math.isnan(x):
        return x
    if x > 0.0:
        return x if math.isinf(x) else math.log10(x)
    return -math.inf if x == 0.0 else math.nan


def c_min(a: float, b: float) -> float:
    """The ``MIN(x, y)`` macro: ``x < y ? x : y``."""
    return a if a < b else b


def c_max(a: float, b: float) -> float:
    """The ``MAX(x, y)`` macro: ``x > y ? x : y``."""
    return a if a > b else b
