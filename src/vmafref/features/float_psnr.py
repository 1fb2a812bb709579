"""libvmaf's ``float_psnr`` (luma PSNR on the 8-bit scale, float input), in JAX.

The luma planes are converted to float as ``picture_copy`` does (10-16 bit input divided by
4, 16, 256, so every depth is on the 8-bit scale), the squared float differences are summed in
double, and ``MIN(10 * log10(peak^2 / MAX(noise / (w*h), 1e-10)), psnr_max)`` is taken with
the bit depth's peak (255, 255.75, 255.9375, 255.99609375) and cap (60, 72, 84, 108 dB), as
``float_psnr.c`` and ``psnr.c`` at commit f85a8536 do.

Pure functions: :func:`float_psnr_noise` (the double sum of squared differences, jit-able and
vmap-able; exact, so independent of summation order) and :func:`float_psnr_from_noise` (the
double formula on the host with the C library's ``log10``). :class:`FloatPsnrExtractor` is
the streaming extractor registered as ``float_psnr``. See specs/float_psnr.md.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from vmafref._x64 import x64
from vmafref.features._float_common import check_bitdepth
from vmafref.features._float_simple import PSNR_CONSTANTS, c_log10, c_max, c_min, picture_copy
from vmafref.features.extractor import FeatureExtractor, FrameValues
from vmafref.features._compiled import jit as stage_jit

__all__ = ["FloatPsnrExtractor", "float_psnr", "float_psnr_from_noise", "float_psnr_noise"]

#: ``eps`` of ``compute_psnr`` (``psnr.c:54``).
NOISE_FLOOR = 1e-10


def _noise(ref, dis):
    """``sum (float)(r - d) * (r - d)`` added in double (``psnr.c:42-51``), float64 ``(...)``.

    Each float square is a multiple of 2**-16 below 2**16 and a frame has far fewer than 2**20
    samples, so the double sum is exact: any order gives C's value. See specs/float_psnr.md §2.
    """
    diff = ref - dis
    return jnp.sum((diff * diff).astype(jnp.float64), axis=(-2, -1))


@stage_jit
def _noise_jit(ref, dis):
    return _noise(ref, dis)


def float_psnr_noise(ref, dis, *, jit: bool = True) -> jax.Array:
    """The double sum of squared differences of two float32 planes ``(..., H, W)`` -> ``(...)``.

    Inputs are ``picture_copy`` planes (:func:`vmafref.features._float_simple.picture_copy`).
    See specs/float_psnr.md §2.
    """
    with x64():
        ref, dis = jnp.asarray(ref, jnp.float32), jnp.asarray(dis, jnp.float32)
        return (_noise_jit if jit else _noise)(ref, dis)


def float_psnr_from_noise(noise: float, width: int, height: int, bitdepth: int) -> float:
    """``compute_psnr``'s last two lines (``psnr.c:52-55``) in host doubles.

    ``noise /= (w*h)``; ``MIN(10 * log10(peak * peak / MAX(noise, 1e-10)), psnr_max)``.
    """
    peak, cap = PSNR_CONSTANTS[bitdepth]
    mse = float(noise) / float(width * height)
    return c_min(10.0 * c_log10(peak * peak / c_max(mse, NOISE_FLOOR)), cap)


def float_psnr(ref, dis, *, bitdepth: int, jit: bool = True) -> float:
    """``float_psnr`` of one pair of integer luma planes ``(H, W)``. See specs/float_psnr.md §2."""
    check_bitdepth(bitdepth)
    height, width = np.shape(ref)[-2:]
    noise = float_psnr_noise(picture_copy(ref, bitdepth), picture_copy(dis, bitdepth), jit=jit)
    return float_psnr_from_noise(float(noise), width, height, bitdepth)


class FloatPsnrExtractor(FeatureExtractor):
    """Streaming ``float_psnr`` (``float_psnr.c``): one value per frame. See specs/float_psnr.md §3."""

    name = "float_psnr"
    frame_independent = True
    options = {}

    def __init__(self, *, width: int, height: int, bitdepth: int, **options: Any):
        super().__init__(width=width, height=height, bitdepth=bitdepth, **options)
        check_bitdepth(self.bitdepth)

    def extract(self, index: int, ref: np.ndarray, dis: np.ndarray) -> FrameValues:
        return {index: {"float_psnr": float_psnr(ref, dis, bitdepth=self.bitdepth)}}
