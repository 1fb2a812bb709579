"""libvmaf's ``float_ssim`` (SSIM with an 11x11 Gaussian window, Wang et al. 2004), in JAX.

The luma planes go to the 8-bit scale (``picture_copy``), are decimated by ``scale`` (default
``max(1, round(min(w, h) / 256))``) with a box filter, and SSIM is the mean over the region
where the 11-tap separable Gaussian window fits, with L = 255, K1 = 0.01, K2 = 0.03 and
libvmaf's split into luminance, contrast and structure terms (``ssim_tools.c``), as
``float_ssim.c`` and ``ssim.c`` at commit f85a8536 do. Options: ``enable_lcs`` (also
``float_ssim_l``, ``_c``, ``_s``), ``enable_db`` (``-10 log10(1 - ssim)``), ``clip_db``,
``scale``.

Pure functions: :func:`vmafref.features._iqa.ssim_sums` (jit-able, vmap-able) and
:func:`float_ssim` (one frame pair). :class:`FloatSsimExtractor` is the streaming extractor
registered as ``float_ssim``. See specs/float_ssim.md.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from vmafref.features._float_common import FrameSizeError, check_bitdepth
from vmafref.features._float_simple import c_log10, c_min, picture_copy
from vmafref.features._iqa import GAUSSIAN_WINDOW, decimate, iqa_round, low_pass_kernel, ssim_means
from vmafref.features.extractor import FeatureExtractor, FrameValues, OptionSpec

__all__ = ["FloatSsimExtractor", "convert_to_db", "float_ssim", "max_db", "ssim_scale"]


def ssim_scale(width: int, height: int, scale: int = 0) -> int:
    """The decimation factor (``ssim.c:81-85``): ``scale`` if > 0, else
    ``max(1, _round((float) min(w, h) / 256.0f))``."""
    if scale > 0:
        return int(scale)
    return max(1, iqa_round(float(np.float32(min(width, height)) / np.float32(256.0))))


def max_db(bitdepth: int, width: int, height: int, clip_db: bool) -> float:
    """``init``'s cap (``float_ssim.c:82-88``): ``ceil(10 log10(peak^2 / (0.5 / (w*h))))`` or ``inf``."""
    if not clip_db:
        return math.inf
    peak = (1 << bitdepth) - 1
    mse = 0.5 / float((width * height) & 0xFFFFFFFF)
    return float(math.ceil(10.0 * c_log10(float((peak * peak) & 0xFFFFFFFF) / mse)))


def convert_to_db(score: float, cap: float) -> float:
    """``MIN(-10. * log10(1 - score), max_db)`` (``float_ssim.c:106-109``)."""
    return c_min(-10.0 * c_log10(1.0 - score), cap)


def float_ssim(ref, dis, *, bitdepth: int, scale: int = 0, jit: bool = True) -> tuple[float, float, float, float]:
    """``(ssim, l, c, s)`` of one pair of integer luma planes ``(H, W)`` (``compute_ssim``,
    ``ssim.c:48-183``). See specs/float_ssim.md §2."""
    check_bitdepth(bitdepth)
    height, width = np.shape(ref)[-2:]
    factor = ssim_scale(width, height, scale)
    ref_f, dis_f = picture_copy(ref, bitdepth), picture_copy(dis, bitdepth)
    if factor > 1:
        kernel = low_pass_kernel(factor)
        ref_f, dis_f = decimate(ref_f, kernel, factor), decimate(dis_f, kernel, factor)
    window = len(GAUSSIAN_WINDOW)
    if ref_f.shape[-2] < window or ref_f.shape[-1] < window:
        raise FrameSizeError(f"float_ssim needs at least {window}x{window} samples after decimation by {factor}, "
                             f"got {ref_f.shape[-1]}x{ref_f.shape[-2]}")
    return ssim_means(ref_f, dis_f, jit=jit)


class FloatSsimExtractor(FeatureExtractor):
    """Streaming ``float_ssim`` (``float_ssim.c``): one value per frame (four with ``enable_lcs``).

    See specs/float_ssim.md §4.
    """

    name = "float_ssim"
    frame_independent = True
    options = {
        "enable_lcs": OptionSpec("enable_lcs", False, bool, reference="float_ssim.c:42-48"),
        "enable_db": OptionSpec("enable_db", False, bool, reference="float_ssim.c:49-55"),
        "clip_db": OptionSpec("clip_db", False, bool, reference="float_ssim.c:56-62"),
        "scale": OptionSpec("scale", 0, int, minimum=0, maximum=10, reference="float_ssim.c:63-71"),
    }

    def __init__(self, *, width: int, height: int, bitdepth: int, **options: Any):
        super().__init__(width=width, height=height, bitdepth=bitdepth, **options)
        check_bitdepth(self.bitdepth)
        self.factor = ssim_scale(self.width, self.height, self.values["scale"])
        window = len(GAUSSIAN_WINDOW)
        small = [n for n in (self.width, self.height) if (n // self.factor + (n & 1) if self.factor > 1 else n) < window]
        if small:
            raise FrameSizeError(f"float_ssim needs frames of at least {window}x{window} samples after decimation "
                                 f"by {self.factor}, got {self.width}x{self.height}")
        self.max_db = max_db(self.bitdepth, self.width, self.height, self.values["clip_db"])

    def extract(self, index: int, ref: np.ndarray, dis: np.ndarray) -> FrameValues:
        score, lum, con, struct = float_ssim(ref, dis, bitdepth=self.bitdepth, scale=self.factor)
        if self.values["enable_db"]:
            score = convert_to_db(score, self.max_db)
        out = {"float_ssim": score}
        if self.values["enable_lcs"]:
            out.update({"float_ssim_l": lum, "float_ssim_c": con, "float_ssim_s": struct})
        return {index: out}
