"""libvmaf's ``float_motion``: mean absolute difference of blurred consecutive frames, float32, in JAX.

Pure functions:

* :func:`float_motion_blur` — the 5-tap (or 3-tap, or identity) Gaussian blur with reflect-101
  borders (``convolution_f32_c_s``), bit-faithful; ``mirror="symmetric_end"`` repeats the edge
  sample at the bottom and right as libvmaf v3.0.0 does (:mod:`vmafref.features.float_motion_v30`).
* :func:`float_motion_sad` — ``vmaf_image_sad_c``: row sums of ``|a - b|`` in float, divided by
  ``w * h`` in float.
* :func:`float_motion_differentiable` — the per-pair score ``sad(blur(prev), blur(cur))`` with
  derivatives.

:class:`FloatMotionExtractor` is the streaming extractor registered as ``float_motion``; it
keeps two blurred frames and writes ``motion2`` one frame late, like libvmaf.
See specs/float_motion.md.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from vmafref.feature_names import feature_key
from vmafref.features._float_common import (
    Arith,
    FrameSizeError,
    check_bitdepth,
    reflect101_filter,
    sequential_total,
    to_float_luma,
)
from vmafref.features.extractor import FeatureExtractor, FrameValues, OptionSpec
from vmafref.features._compiled import jit as stage_jit

__all__ = [
    "FloatMotionExtractor",
    "absolute_difference",
    "float_motion_blur",
    "float_motion_differentiable",
    "float_motion_sad",
    "motion_filter",
]

_FILTER_5 = (0.054488685, 0.244201342, 0.402619947, 0.244201342, 0.054488685)
_FILTER_3 = (0.166378498, 0.667243004, 0.166378498)
_FILTER_5_NO_OP = (0.0, 0.0, 1.0, 0.0, 0.0)


def motion_filter(filter_size: int = 5) -> tuple[float, ...]:
    """The taps ``float_motion.c:301-345`` picks: size 1 -> identity, 3 -> 3-tap, else 5-tap."""
    if filter_size == 1:
        return _FILTER_5_NO_OP
    if filter_size == 3:
        return _FILTER_3
    return _FILTER_5


def float_motion_blur(frame, *, filter_size: int = 5, faithful: bool = True, mirror: str = "reflect101"):
    """Blur a float luma plane (vertical pass then horizontal). (..., H, W) -> same.

    ``mirror`` is the border rule (:data:`~vmafref.features._float_common.MIRRORS`): reflect-101
    (f85a8536) or ``"symmetric_end"`` (libvmaf v3.0.0).
    """
    frame = jnp.asarray(frame)
    if not jnp.issubdtype(frame.dtype, jnp.floating):
        frame = frame.astype(jnp.float32)
    if mirror == "reflect101":
        return reflect101_filter(frame, motion_filter(filter_size), Arith(frame, faithful))
    return reflect101_filter(frame, motion_filter(filter_size), Arith(frame, faithful), mirror=mirror)


def absolute_difference(blurred_a, blurred_b):
    """``|a - b|`` per pixel, the map whose mean is the motion score (``motion.c:48-97``)."""
    return jnp.abs(blurred_a - blurred_b)


def float_motion_sad(blurred_a, blurred_b, *, faithful: bool = True):
    """``vmaf_image_sad_c`` (``motion.c:48-97``): ``(sum_rows sum_cols |a - b|) / (w * h)`` in float."""
    height, width = blurred_a.shape[-2], blurred_a.shape[-1]
    total = sequential_total(absolute_difference(blurred_a, blurred_b), faithful)
    # Guarded so that XLA cannot turn the division by a constant into a multiplication.
    count = Arith(blurred_a, faithful).round(jnp.asarray(np.float32(width * height), total.dtype))
    return total / count


def float_motion_differentiable(prev, cur, *, filter_size: int = 5):
    """Per-pair motion ``mean |blur(prev) - blur(cur)|`` with derivatives (input's float dtype).

    This is libvmaf's per-frame ``motion`` value; ``motion2`` is the minimum of two consecutive
    ones. Derivative rules: specs/differentiable.md §4.
    """
    blur_prev = float_motion_blur(prev, filter_size=filter_size, faithful=False)
    blur_cur = float_motion_blur(cur, filter_size=filter_size, faithful=False)
    return float_motion_sad(blur_prev, blur_cur, faithful=False)


_blur_jit = stage_jit(float_motion_blur, static_argnames=("filter_size", "faithful", "mirror"))
_sad_jit = stage_jit(float_motion_sad, static_argnames=("faithful",))


def _blend(score: float, factor: float, offset: float) -> float:
    """``motion_blend`` (``motion_blend_tools.h:28-31``)."""
    return score * factor + (1 - factor) * min(offset, score)


class FloatMotionExtractor(FeatureExtractor):
    """Streaming ``float_motion`` (``float_motion.c``), temporal. See specs/float_motion.md §3."""

    name = "float_motion"
    device_planes = True
    options = {
        "debug": OptionSpec("debug", True, bool),
        "motion_force_zero": OptionSpec("motion_force_zero", False, bool, alias="force_0", feature_param=True),
        "motion_fps_weight": OptionSpec("motion_fps_weight", 1.0, float, alias="mfw", feature_param=True,
                                        minimum=0.0, maximum=5.0),
        "motion_blend_factor": OptionSpec("motion_blend_factor", 1.0, float, alias="mbf", feature_param=True,
                                          minimum=0.0, maximum=1.0),
        "motion_blend_offset": OptionSpec("motion_blend_offset", 40.0, float, alias="mbo", feature_param=True,
                                          minimum=0.0, maximum=1000.0),
        "motion_add_scale1": OptionSpec("motion_add_scale1", False, bool, alias="mdc", feature_param=True),
        "motion_filter_size": OptionSpec("motion_filter_size", 5, int, alias="mfs", feature_param=True,
                                         minimum=0, maximum=9),
        "motion_add_uv": OptionSpec("motion_add_uv", False, bool, alias="mau", feature_param=True),
        "motion_max_val": OptionSpec("motion_max_val", 10000.0, float, alias="mmxv", feature_param=True,
                                     minimum=0.0, maximum=10000.0),
    }
    #: Options libvmaf declares that this implementation accepts only at their defaults.
    unsupported_options = ("motion_add_scale1", "motion_add_uv")

    def __init__(self, *, width: int, height: int, bitdepth: int, **options: Any):
        super().__init__(width=width, height=height, bitdepth=bitdepth, **options)
        check_bitdepth(self.bitdepth)
        for name in self.unsupported_options:
            if self.values[name] != self.options[name].default:
                raise NotImplementedError(f"float_motion option {name}={self.values[name]!r} is not implemented "
                                          "(only its default is); see specs/float_motion.md §3")
        if self.width < 3 or self.height < 3:
            raise FrameSizeError(f"float_motion needs frames of at least 3x3, got {self.width}x{self.height}")
        self._blurred: list = []  # the last two blurred frames, oldest first
        self._index = -1
        self._score = 0.0

    def _key(self, name: str) -> str:
        return feature_key(name, self.feature_params)

    def _capped(self, score: float) -> float:
        return min(score * self.values["motion_fps_weight"], self.values["motion_max_val"])

    def _blended(self, score: float) -> float:
        v = self.values
        return min(_blend(score * v["motion_fps_weight"], v["motion_blend_factor"], v["motion_blend_offset"]),
                   v["motion_max_val"])

    def extract(self, index: int, ref: np.ndarray, dis: np.ndarray) -> FrameValues:
        v = self.values
        if v["motion_force_zero"]:
            out = {self._key("VMAF_feature_motion2_score"): 0.0, self._key("VMAF_feature_motion3_score"): 0.0}
            if v["debug"]:
                out[self._key("VMAF_feature_motion_score")] = 0.0
            return {index: out}
        self._index = index
        blurred = _blur_jit(to_float_luma(ref, self.bitdepth), filter_size=int(v["motion_filter_size"]),
                            faithful=True)
        history = self._blurred
        self._blurred = (history + [blurred])[-3:]
        if index == 0:
            out = {self._key("VMAF_feature_motion2_score"): 0.0}
            if v["debug"]:
                out[self._key("VMAF_feature_motion_score")] = 0.0
            self._blurred = [blurred]
            return {index: out}
        score = float(np.float32(_sad_jit(history[-1], blurred, faithful=True)))
        result: FrameValues = {}
        if v["debug"]:
            result[index] = {self._key("VMAF_feature_motion_score"): self._capped(score)}
        previous = self._score
        self._score = score
        self._blurred = [history[-1], blurred]
        if index == 1:
            result.setdefault(0, {})[self._key("VMAF_feature_motion3_score")] = self._blended(score)
            return result
        score2 = min(previous, score)
        result.setdefault(index - 1, {})
        result[index - 1][self._key("VMAF_feature_motion2_score")] = self._capped(score2)
        result[index - 1][self._key("VMAF_feature_motion3_score")] = self._blended(score2)
        return result

    def flush(self) -> FrameValues:
        if self.values["motion_force_zero"] or self._index < 0:
            return {}
        if self._index > 0:
            return {self._index: {self._key("VMAF_feature_motion2_score"): self._capped(self._score),
                                  self._key("VMAF_feature_motion3_score"): self._blended(self._score)}}
        return {0: {self._key("VMAF_feature_motion3_score"): 0.0}}
