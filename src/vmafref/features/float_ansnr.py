"""libvmaf's ``float_ansnr`` (``float_ansnr``, ``float_anpsnr``), float32, in JAX.

The luma planes are converted to float and centred (``picture_copy`` with offset -128), the
reference is smoothed by a 3x3 filter and the distorted plane by a 5x5 one (``ansnr_filter2d_s``,
non-separable, float accumulation, borders mirrored ``-i`` above and ``2n - i - 1`` below), and
the float sums of the filtered reference's squares (signal) and of the squared differences
(noise) give ``float_ansnr = 10 log10(signal / noise)`` and ``float_anpsnr = MIN(10 log10(peak^2 w h
/ MAX(noise, 1e-10)), psnr_max)``, as ``float_ansnr.c``, ``ansnr.c`` and ``ansnr_tools.c`` at
commit f85a8536 do.

Pure functions: :func:`ansnr_filter` (the two filters, bit-faithful), :func:`ansnr_sums`
(signal and noise in C's float order, jit-able), :func:`ansnr_from_sums` (the host formulas).
:class:`FloatAnsnrExtractor` is the streaming extractor registered as ``float_ansnr``.
See specs/float_ansnr.md.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from vmafref.features._float_common import Arith, FrameSizeError, check_bitdepth, sequential_total
from vmafref.features._float_simple import PSNR_CONSTANTS, c_log10, c_max, c_min, picture_copy
from vmafref.features.extractor import FeatureExtractor, FrameValues
from vmafref.features._compiled import jit as stage_jit

__all__ = [
    "ANSNR_DIS_FILTER",
    "ANSNR_MIN_SIZE",
    "ANSNR_REF_FILTER",
    "FloatAnsnrExtractor",
    "ansnr_filter",
    "ansnr_from_sums",
    "ansnr_sums",
    "float_ansnr",
]

#: ``ansnr_filter2d_ref_s`` (``ansnr_tools.c:40-44``), float32 of each double quotient.
ANSNR_REF_FILTER: tuple[tuple[float, ...], ...] = tuple(
    tuple(float(np.float32(v / 16.0)) for v in row) for row in ((1, 2, 1), (2, 4, 2), (1, 2, 1)))

#: ``ansnr_filter2d_dis_s`` (``ansnr_tools.c:46-52``), float32 of each ``k / 571.0``.
ANSNR_DIS_FILTER: tuple[tuple[float, ...], ...] = tuple(
    tuple(float(np.float32(v / 571.0)) for v in row)
    for row in ((2, 7, 12, 7, 2), (7, 31, 52, 31, 7), (12, 52, 127, 52, 12), (7, 31, 52, 31, 7), (2, 7, 12, 7, 2)))

#: The 5x5 filter's mirror reads row/column 2 for index -2: planes need at least 3x3.
ANSNR_MIN_SIZE = 3

#: ``eps`` of ``compute_ansnr`` (``ansnr.c:109``).
NOISE_FLOOR = 1e-10


def _mirror(x, radius: int, axis: int):
    """The border of ``ansnr_filter2d_s`` (``ansnr_tools.c:174-177``): ``-i`` before the
    start (reflect-101), ``2n - i - 1`` past the end (edge repeated)."""
    pad = [(0, 0)] * x.ndim
    pad[axis] = (radius, 0)
    x = jnp.pad(x, pad, mode="reflect")
    pad[axis] = (0, radius)
    return jnp.pad(x, pad, mode="symmetric")


def _filter(image, taps: tuple, faithful: bool = True):
    """``ansnr_filter2d_s``: for each row ``fi`` of the kernel a float ``accum_inner`` over its
    columns, added in order to ``accum`` (``ansnr_tools.c:157-188``). ``(..., H, W)``."""
    arith = Arith(image, faithful)
    radius = len(taps) // 2
    height, width = image.shape[-2], image.shape[-1]
    padded = lax_barrier(_mirror(_mirror(image, radius, image.ndim - 2), radius, image.ndim - 1))
    accum = None
    for fi, row in enumerate(taps):
        inner = None
        for fj, tap in enumerate(row):
            window = padded[..., fi:fi + height, fj:fj + width]
            term = arith.mul(jnp.float32(tap), window)
            inner = term if inner is None else inner + term
        accum = inner if accum is None else accum + inner
    return accum


def lax_barrier(x):
    """Store ``x`` once (the padded plane) instead of recomputing it inside each tap."""
    return jax.lax.optimization_barrier(x)


_filter_jit = stage_jit(_filter, static_argnames=("taps", "faithful"))


def ansnr_filter(ref, dis, *, faithful: bool = True, jit: bool = True):
    """The filtered reference (3x3) and distorted (5x5) float32 planes. See specs/float_ansnr.md §2."""
    ref, dis = jnp.asarray(ref, jnp.float32), jnp.asarray(dis, jnp.float32)
    for plane in (ref, dis):
        if plane.shape[-2] < ANSNR_MIN_SIZE or plane.shape[-1] < ANSNR_MIN_SIZE:
            raise FrameSizeError(f"float_ansnr needs planes of at least {ANSNR_MIN_SIZE}x{ANSNR_MIN_SIZE}, "
                                 f"got {plane.shape[-1]}x{plane.shape[-2]}")
    fn = _filter_jit if jit else _filter
    return fn(ref, taps=ANSNR_REF_FILTER, faithful=faithful), fn(dis, taps=ANSNR_DIS_FILTER, faithful=faithful)


def _maps(ref_filtered, dis_filtered, faithful: bool):
    arith = Arith(ref_filtered, faithful)
    diff = ref_filtered - dis_filtered
    return arith.mul(ref_filtered, ref_filtered), arith.mul(diff, diff)


_maps_jit = stage_jit(_maps, static_argnames=("faithful",))


def ansnr_sums(ref_filtered, dis_filtered, *, faithful: bool = True) -> tuple[jax.Array, jax.Array]:
    """``ansnr_mse_s`` (``ansnr_tools.c:57-88``): float32 signal ``sum r^2`` and noise
    ``sum (r - d)^2``, each row left to right into a float, the rows added in order."""
    signal, noise = _maps_jit(ref_filtered, dis_filtered, faithful=faithful)
    return sequential_total(signal, faithful), sequential_total(noise, faithful)


def ansnr_from_sums(signal: float, noise: float, width: int, height: int, bitdepth: int) -> tuple[float, float]:
    """``(float_ansnr, float_anpsnr)`` from the float sums (``ansnr.c:106-110``), on the host.

    ``noise == 0 ? psnr_max : 10 * log10(signal / noise)`` with the quotient in **float**;
    ``MIN(10 * log10(peak * peak * w * h / MAX(noise, 1e-10)), psnr_max)`` in double.
    """
    peak, cap = PSNR_CONSTANTS[bitdepth]
    signal32, noise32 = np.float32(signal), np.float32(noise)
    if noise32 == 0:
        score = cap
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            score = 10.0 * c_log10(float(signal32 / noise32))
    score_psnr = c_min(10.0 * c_log10(peak * peak * width * height / c_max(float(noise32), NOISE_FLOOR)), cap)
    return score, score_psnr


def float_ansnr(ref, dis, *, bitdepth: int, faithful: bool = True, jit: bool = True) -> tuple[float, float]:
    """``(float_ansnr, float_anpsnr)`` of one pair of integer luma planes ``(H, W)``.

    See specs/float_ansnr.md §2.
    """
    check_bitdepth(bitdepth)
    height, width = np.shape(ref)[-2:]
    ref_filtered, dis_filtered = ansnr_filter(picture_copy(ref, bitdepth, -128), picture_copy(dis, bitdepth, -128),
                                              faithful=faithful, jit=jit)
    signal, noise = ansnr_sums(ref_filtered, dis_filtered, faithful=faithful)
    return ansnr_from_sums(float(signal), float(noise), width, height, bitdepth)


class FloatAnsnrExtractor(FeatureExtractor):
    """Streaming ``float_ansnr`` (``float_ansnr.c``): two values per frame. See specs/float_ansnr.md §3."""

    name = "float_ansnr"
    frame_independent = True
    options = {}

    def __init__(self, *, width: int, height: int, bitdepth: int, **options: Any):
        super().__init__(width=width, height=height, bitdepth=bitdepth, **options)
        check_bitdepth(self.bitdepth)
        if self.width < ANSNR_MIN_SIZE or self.height < ANSNR_MIN_SIZE:
            raise FrameSizeError(f"float_ansnr needs frames of at least {ANSNR_MIN_SIZE}x{ANSNR_MIN_SIZE}, "
                                 f"got {self.width}x{self.height}")

    def extract(self, index: int, ref: np.ndarray, dis: np.ndarray) -> FrameValues:
        score, score_psnr = float_ansnr(ref, dis, bitdepth=self.bitdepth)
        return {index: {"float_ansnr": score, "float_anpsnr": score_psnr}}
