"""libvmaf's ``float_moment``: first and second moments of the reference and distorted luma.

The planes are converted to float as ``picture_copy`` does (8-bit scale), and the mean of the
samples and of their float squares is taken in double, as ``float_moment.c`` and ``moment.c``
at commit f85a8536 do: keys ``float_moment_ref1st``, ``float_moment_dis1st``,
``float_moment_ref2nd``, ``float_moment_dis2nd``.

Pure functions: :func:`moment_sums` (the two double sums, jit-able, vmap-able, exact) and
:func:`float_moments` (both planes' four values). :class:`FloatMomentExtractor` is the
streaming extractor registered as ``float_moment``. See specs/float_moment.md.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from vmafref._x64 import x64
from vmafref.features._float_common import check_bitdepth
from vmafref.features._float_simple import picture_copy
from vmafref.features.extractor import FeatureExtractor, FrameValues
from vmafref.features._compiled import jit as stage_jit

__all__ = ["FloatMomentExtractor", "float_moments", "moment_sums"]


def _sums(plane):
    """``sum p`` and ``sum (float)(p * p)`` in double (``moment.c:31-73``); both exact."""
    first = jnp.sum(plane.astype(jnp.float64), axis=(-2, -1))
    second = jnp.sum((plane * plane).astype(jnp.float64), axis=(-2, -1))
    return first, second


_sums_jit = stage_jit(_sums)


def moment_sums(plane, *, jit: bool = True) -> tuple[jax.Array, jax.Array]:
    """``(sum p, sum p*p)`` of a float32 ``picture_copy`` plane ``(..., H, W)``, float64 ``(...)``.

    Each sample is a multiple of 2**-8 below 256 and each float square a multiple of 2**-16
    below 2**16, so both double sums are exact for any frame below 2**20 samples: any
    summation order gives C's value. See specs/float_moment.md §2.
    """
    with x64():
        plane = jnp.asarray(plane, jnp.float32)
        return (_sums_jit if jit else _sums)(plane)


def float_moments(ref, dis, *, bitdepth: int, jit: bool = True) -> dict[str, float]:
    """The four ``float_moment`` values of a pair of integer luma planes ``(H, W)``.

    ``cum /= (w * h)`` in double (``moment.c:46``, ``:68``). See specs/float_moment.md §2.
    """
    check_bitdepth(bitdepth)
    height, width = np.shape(ref)[-2:]
    count = float(width * height)
    ref_first, ref_second = moment_sums(picture_copy(ref, bitdepth), jit=jit)
    dis_first, dis_second = moment_sums(picture_copy(dis, bitdepth), jit=jit)
    return {"float_moment_ref1st": float(ref_first) / count, "float_moment_dis1st": float(dis_first) / count,
            "float_moment_ref2nd": float(ref_second) / count, "float_moment_dis2nd": float(dis_second) / count}


class FloatMomentExtractor(FeatureExtractor):
    """Streaming ``float_moment`` (``float_moment.c``): four values per frame. See specs/float_moment.md §3."""

    name = "float_moment"
    frame_independent = True
    options = {}

    def __init__(self, *, width: int, height: int, bitdepth: int, **options: Any):
        super().__init__(width=width, height=height, bitdepth=bitdepth, **options)
        check_bitdepth(self.bitdepth)

    def extract(self, index: int, ref: np.ndarray, dis: np.ndarray) -> FrameValues:
        return {index: float_moments(ref, dis, bitdepth=self.bitdepth)}
