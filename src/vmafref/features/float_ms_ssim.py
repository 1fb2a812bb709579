"""libvmaf's ``float_ms_ssim`` (MS-SSIM, Wang, Simoncelli and Bovik 2003), in JAX.

Five scales: the 8-bit-scale luma (``picture_copy``) and four decimations by 2 with the 9x9
9/7 biorthogonal low-pass (``ms_ssim.c:33-53``); at each scale libvmaf's default SSIM
(:mod:`vmafref.features._iqa`) gives the float means l, c, s, and
``msssim = prod_i l_i^alpha_i * c_i^beta_i * s_i^gamma_i`` in double with Wang's exponents
(``ms_ssim.c:55-58``), as ``float_ms_ssim.c`` and ``ms_ssim.c`` at commit f85a8536 do.
Frames must be at least 176x176 (11 samples at the fifth scale); libvmaf refuses smaller
ones ("scale below 1x1"), vmafref raises :class:`~vmafref.features._float_common.FrameSizeError`.

Pure functions: :func:`ms_ssim_pyramid` (the decimated planes) and :func:`float_ms_ssim`.
:class:`FloatMsSsimExtractor` is the streaming extractor registered as ``float_ms_ssim``.
See specs/float_ms_ssim.md.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from vmafref.features._float_common import FrameSizeError, check_bitdepth
from vmafref.features._float_simple import picture_copy
from vmafref.features._iqa import GAUSSIAN_WINDOW, LPF_9_7, decimate, ssim_means
from vmafref.features.extractor import FeatureExtractor, FrameValues, OptionSpec
from vmafref.features.float_ssim import convert_to_db, max_db

__all__ = ["ALPHAS", "BETAS", "GAMMAS", "MS_SSIM_MIN_SIZE", "SCALES", "FloatMsSsimExtractor", "check_ms_ssim_size",
           "float_ms_ssim", "ms_ssim_pyramid"]

#: ``SCALES`` (``iqa/ssim_tools.h:44``).
SCALES = 5
#: ``g_alphas``, ``g_betas``, ``g_gammas`` (``ms_ssim.c:56-58``), float32.
ALPHAS = tuple(float(np.float32(v)) for v in (0.0, 0.0, 0.0, 0.0, 0.1333))
BETAS = tuple(float(np.float32(v)) for v in (0.0448, 0.2856, 0.3001, 0.2363, 0.1333))
GAMMAS = BETAS
#: The smallest width and height ``compute_ms_ssim`` accepts: ``(n >> 4) >= 11``.
MS_SSIM_MIN_SIZE = len(GAUSSIAN_WINDOW) << (SCALES - 1)


def check_ms_ssim_size(width: int, height: int) -> None:
    """``compute_ms_ssim``'s check (``ms_ssim.c:163-174``): at each of the five scales, with
    the sizes halved (rounded down), both sides must be at least 11."""
    w, h = width, height
    for _ in range(SCALES):
        if w < len(GAUSSIAN_WINDOW) or h < len(GAUSSIAN_WINDOW):
            raise FrameSizeError(f"float_ms_ssim needs frames of at least {MS_SSIM_MIN_SIZE}x{MS_SSIM_MIN_SIZE} "
                                 f"(11 samples at its fifth scale), got {width}x{height}; libvmaf refuses them "
                                 "too ('scale below 1x1')")
        w //= 2
        h //= 2


def ms_ssim_pyramid(plane) -> list:
    """The five scales of a float32 plane (``ms_ssim.c:228-249``): each the previous one
    decimated by 2 with the 9x9 low-pass, sizes ``n / 2 + (n & 1)``."""
    scales = [plane]
    for _ in range(1, SCALES):
        scales.append(decimate(scales[-1], LPF_9_7, 2))
    return scales


def float_ms_ssim(ref, dis, *, bitdepth: int, jit: bool = True) -> tuple[float, list, list, list]:
    """``(msssim, l[5], c[5], s[5])`` of one pair of integer luma planes (``compute_ms_ssim``).

    ``msssim *= pow(l, alpha) * pow(c, beta) * pow(s, gamma)`` per scale, in double with the
    C library's ``pow``. See specs/float_ms_ssim.md §2.
    """
    check_bitdepth(bitdepth)
    height, width = np.shape(ref)[-2:]
    check_ms_ssim_size(width, height)
    refs = ms_ssim_pyramid(picture_copy(ref, bitdepth))
    diss = ms_ssim_pyramid(picture_copy(dis, bitdepth))
    msssim = 1.0
    lums, cons, structs = [], [], []
    for i in range(SCALES):
        _, lum, con, struct = ssim_means(refs[i], diss[i], jit=jit)
        msssim = msssim * (c_pow(lum, ALPHAS[i]) * c_pow(con, BETAS[i]) * c_pow(struct, GAMMAS[i]))
        lums.append(lum)
        cons.append(con)
        structs.append(struct)
    return float(msssim), lums, cons, structs


def c_pow(base: float, exponent: float) -> float:
    """The C library's ``pow`` (CPython's ``math.pow`` calls it), with C's NaN for a negative
    base and a non-integer exponent where ``math.pow`` raises."""
    try:
        return math.pow(base, exponent)
    except ValueError:
        return math.nan
    except OverflowError:
        return math.inf


class FloatMsSsimExtractor(FeatureExtractor):
    """Streaming ``float_ms_ssim`` (``float_ms_ssim.c``): one value per frame (16 with ``enable_lcs``).

    See specs/float_ms_ssim.md §4.
    """

    name = "float_ms_ssim"
    frame_independent = True
    options = {
        "enable_lcs": OptionSpec("enable_lcs", False, bool, reference="float_ms_ssim.c:41-47"),
        "enable_db": OptionSpec("enable_db", False, bool, reference="float_ms_ssim.c:48-54"),
        "clip_db": OptionSpec("clip_db", False, bool, reference="float_ms_ssim.c:55-61"),
    }

    def __init__(self, *, width: int, height: int, bitdepth: int, **options: Any):
        super().__init__(width=width, height=height, bitdepth=bitdepth, **options)
        check_bitdepth(self.bitdepth)
        check_ms_ssim_size(self.width, self.height)
        self.max_db = max_db(self.bitdepth, self.width, self.height, self.values["clip_db"])

    def extract(self, index: int, ref: np.ndarray, dis: np.ndarray) -> FrameValues:
        score, lums, cons, structs = float_ms_ssim(ref, dis, bitdepth=self.bitdepth)
        if self.values["enable_db"]:
            score = convert_to_db(score, self.max_db)
        out = {"float_ms_ssim": score}
        if self.values["enable_lcs"]:
            for name, values in (("l", lums), ("c", cons), ("s", structs)):
                out.update({f"float_ms_ssim_{name}_scale{i}": v for i, v in enumerate(values)})
        return {index: out}
