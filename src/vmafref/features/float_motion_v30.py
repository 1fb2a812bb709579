"""libvmaf v3.0.0's ``float_motion``: the ``v3.0`` libvmaf convention.

libvmaf v3.0.0 (tag v3.0.0, commit 17a67b23, ``libvmaf/src/feature/float_motion.c``) computes
the float motion as f85a8536 does (:mod:`vmafref.features.float_motion`) but for two things
(specs/float_motion.md §6):

1. the blur's mirror at the bottom and right borders repeats the edge sample: a tap past the end
   reads ``n - (i - n + 1)`` = 2n − i − 1 (``common/convolution_internal.h:41,46`` at v3.0.0),
   where f85a8536 reads 2n − i − 2 (commit 41d42c9e); the top and left borders read −i in both;
2. its interface: the options ``debug`` (default true) and ``motion_force_zero`` only, and the
   keys ``VMAF_feature_motion_score`` and ``VMAF_feature_motion2_score`` only (no
   ``motion3``, added with the option ports of commit b949cebf).

The filter (``FILTER_5_s``, ``motion_tools.h:24-29``), the float SAD and its normalisation
(``motion.c:44-59``) and motion2 = min(sad[i], sad[i+1]) (0 at frame 0, sad[last] at the last
frame, ``float_motion.c:184-192`` and ``flush``, ``:103-116``) are f85a8536's with default options.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from vmafref.feature_names import feature_key
from vmafref.features._float_common import FrameSizeError, check_bitdepth, to_float_luma
from vmafref.features.extractor import FeatureExtractor, FrameValues, OptionSpec, refuse_options_missing_from
from vmafref.features.float_motion import _blur_jit, _sad_jit

__all__ = ["FloatMotionV30Extractor", "LIBVMAF_VERSION", "MIRROR"]

#: The libvmaf release whose float motion this module reproduces.
LIBVMAF_VERSION = "3.0.0"
#: Its border rule (:data:`vmafref.features._float_common.MIRRORS`).
MIRROR = "symmetric_end"


class FloatMotionV30Extractor(FeatureExtractor):
    """libvmaf v3.0.0's ``float_motion`` (selected by the ``v3.0`` libvmaf convention,
    :mod:`vmafref.conventions`), temporal. Keeps the previous frame's blurred plane only."""

    name = "float_motion"
    options = {
        "debug": OptionSpec("debug", True, bool, reference="v3.0.0 float_motion.c:46-52"),
        "motion_force_zero": OptionSpec("motion_force_zero", False, bool, alias="force_0", feature_param=True,
                                        reference="v3.0.0 float_motion.c:53-61"),
    }

    def __init__(self, *, width: int, height: int, bitdepth: int, **options: Any):
        refuse_options_missing_from("float_motion", options, sorted(self.options), LIBVMAF_VERSION, "v3.0")
        super().__init__(width=width, height=height, bitdepth=bitdepth, **options)
        check_bitdepth(self.bitdepth)
        if self.width < 3 or self.height < 3:
            raise FrameSizeError(f"float_motion needs frames of at least 3x3, got {self.width}x{self.height}")
        self._previous = None  # the previous frame's blurred plane
        self._index = -1
        self._score = 0.0

    def _key(self, name: str) -> str:
        return feature_key(name, self.feature_params)

    def extract(self, index: int, ref: np.ndarray, dis: np.ndarray) -> FrameValues:
        debug = self.values["debug"]
        if self.values["motion_force_zero"]:  # float_motion.c:130-142; no flush
            out = {self._key("VMAF_feature_motion2_score"): 0.0}
            if debug:
                out[self._key("VMAF_feature_motion_score")] = 0.0
            return {index: out}
        if index != self._index + 1:
            raise ValueError(f"float_motion expects frames in order; got frame {index} after {self._index}")
        self._index = index
        blurred = _blur_jit(to_float_luma(ref, self.bitdepth), filter_size=5, faithful=True, mirror=MIRROR)
        previous, self._previous = self._previous, blurred
        if index == 0:
            out = {self._key("VMAF_feature_motion2_score"): 0.0}
            if debug:
                out[self._key("VMAF_feature_motion_score")] = 0.0
            return {index: out}
        score = float(np.float32(_sad_jit(previous, blurred, faithful=True)))
        result: FrameValues = {index: {self._key("VMAF_feature_motion_score"): score}} if debug else {}
        earlier, self._score = self._score, score
        if index > 1:
            result[index - 1] = {self._key("VMAF_feature_motion2_score"): min(earlier, score)}
        return result

    def flush(self) -> FrameValues:
        if self.values["motion_force_zero"] or self._index <= 0:
            return {}
        return {self._index: {self._key("VMAF_feature_motion2_score"): self._score}}
