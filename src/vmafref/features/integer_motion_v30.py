"""libvmaf v3.0.0's fixed-point motion, bit for bit, in JAX: the ``v3.0`` libvmaf convention.

libvmaf v3.0.0 (tag v3.0.0, commit 17a67b23, ``libvmaf/src/feature/integer_motion.c``,
``integer_motion.h``) computes motion differently from f85a8536 in three ways, each of which
moves the values (specs/integer_motion.md §11):

1. every reference frame is blurred on its own (vertical pass into uint16 with
   ``(Σ f·x + round) >> shift``, horizontal pass ``(Σ f·y + 2**15) >> 16``) and the SAD is
   taken between two blurred frames; f85a8536 blurs the frame *difference*
   (``motion_score_pipeline_8/16``, commit a4a1492d), which rounds differently;
2. the mirror at the bottom and right borders repeats the edge sample:
   ``height - (i_tap - height + 1)`` = 2n − i − 1 (``integer_motion.c:175`` and
   ``integer_motion.h:44,49`` at v3.0.0), where f85a8536 reflects without repeating it,
   2n − i − 2 (commit a44e5e61, "bugfix for edge mirroring"); the top and left borders
   reflect without repeating in both;
3. the score is normalised in float: ``(float) (sad / 256.) / (w * h)``
   (``integer_motion.c:340-344`` at v3.0.0), a float32 division; f85a8536 divides in double.

v3.0.0 has only the options ``debug`` (default **true**, so ``integer_motion`` is always
written) and ``motion_force_zero``, and writes ``integer_motion2`` and ``integer_motion``
only: no ``integer_motion3``, no ``VMAF_integer_feature_motion_sad_score``. motion2 is
``min(sad[i], sad[i+1])``, 0 at frame 0 and ``sad[last]`` at the last frame, as at f85a8536.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from vmafref._x64 import x64
from vmafref.feature_names import feature_key
from vmafref.features.extractor import FeatureExtractor, FrameValues, OptionSpec, refuse_options_missing_from
from vmafref.features.integer_motion import MOTION_FILTER, MOTION_MIN_SIZE, MotionInputError
from vmafref.features._compiled import jit as stage_jit

__all__ = ["IntegerMotionV30Extractor", "blur_v30", "sad_v30", "sad_score_v30", "clip_motion_v30"]

#: The libvmaf release whose motion this module reproduces.
LIBVMAF_VERSION = "3.0.0"


def _mirror_pad_v30(x: jax.Array, axis: int) -> jax.Array:
    """Two samples each side: -1 -> 1, -2 -> 2 at the start; n -> n-1, n+1 -> n-2 at the end
    (v3.0.0's ``edge_8`` / ``edge_16``: ``-i`` and ``2n - i - 1``)."""
    n = x.shape[axis]
    front = jnp.flip(lax.slice_in_dim(x, 1, 3, axis=axis), axis=axis)  # x[2], x[1]
    back = jnp.flip(lax.slice_in_dim(x, n - 2, n, axis=axis), axis=axis)  # x[n-1], x[n-2]
    return jnp.concatenate([front, x, back], axis=axis)


def _fir(x: jax.Array, axis: int) -> jax.Array:
    padded = _mirror_pad_v30(x, axis)
    length = x.shape[axis]
    taps = [lax.slice_in_dim(padded, k, k + length, axis=axis) for k in range(5)]
    return sum(jnp.int64(c) * t for c, t in zip(MOTION_FILTER, taps))


def blur_v30(frame: jax.Array, bitdepth: int) -> jax.Array:
    """v3.0.0's blurred frame (``y_convolution_8/16`` then ``x_convolution_16``), int64 ``(..., H, W)``.

    Vertical: ``(Σ f·x + 2**(s-1)) >> s`` with s = 8 for 8-bit input, else the bit depth;
    horizontal: ``(Σ f·y + 2**15) >> 16``. Every intermediate is non-negative and fits the
    C code's uint32 accumulators, so int64 holds it exactly.
    """
    shift = 8 if bitdepth == 8 else bitdepth
    x = frame.astype(jnp.int64)
    y = lax.shift_right_logical(_fir(x, -2) + (1 << (shift - 1)), jnp.int64(shift))
    return lax.shift_right_logical(_fir(y, -1) + (1 << 15), jnp.int64(16))


def _sad_of_blurred(a: jax.Array, b: jax.Array) -> jax.Array:
    """``sad_c``: Σ |a − b| per row, rows added (uint32 row sums in C, exact here)."""
    return jnp.sum(jnp.abs(a - b), axis=(-2, -1))


@stage_jit(static_argnames=("bitdepth",))
def _blur_jit(frame, *, bitdepth):
    return blur_v30(frame, bitdepth)


_sad_jit = stage_jit(_sad_of_blurred)


def _check(frame: Any, bitdepth: int) -> None:
    if not 8 <= bitdepth <= 16:
        raise MotionInputError(f"bitdepth must be in 8..16, got {bitdepth}")
    height, width = frame.shape[-2:]
    if height < MOTION_MIN_SIZE or width < MOTION_MIN_SIZE:
        raise MotionInputError(
            f"integer motion needs frames of at least {MOTION_MIN_SIZE}x{MOTION_MIN_SIZE}, got {width}x{height}")
    expected = np.uint8 if bitdepth == 8 else np.uint16
    if frame.dtype != expected:
        raise MotionInputError(f"frames have dtype {frame.dtype}; {bitdepth}-bit input must be {np.dtype(expected).name}")


def sad_v30(prev, cur, *, bitdepth: int) -> int:
    """v3.0.0's SAD of two reference frames: Σ |blur(prev) − blur(cur)|."""
    for frame in (prev, cur):
        _check(frame, bitdepth)
    with x64():
        return int(_sad_jit(_blur_jit(jnp.asarray(prev), bitdepth=bitdepth),
                            _blur_jit(jnp.asarray(cur), bitdepth=bitdepth)))


def sad_score_v30(sad: int, width: int, height: int) -> float:
    """``(float) (sad / 256.) / (w * h)``: the double ``sad / 256`` rounded to float, divided in
    float by ``w * h`` converted to float, the float result widened to double."""
    return float(np.float32(np.float32(float(sad) / 256.0) / np.float32(width * height)))


def clip_motion_v30(clip, *, bitdepth: int, motion_force_zero: bool = False) -> dict[str, np.ndarray]:
    """Every v3.0.0 motion value of a clip ``(N, H, W)`` of reference luma frames:
    ``VMAF_integer_feature_motion_score`` (per-frame SAD score, 0 at frame 0) and
    ``VMAF_integer_feature_motion2_score``, as float64 arrays."""
    clip = np.asarray(clip)
    if clip.ndim != 3:
        raise MotionInputError(f"expected (N, H, W) frames, got shape {clip.shape}")
    _check(clip, bitdepth)
    n, height, width = clip.shape
    scores = np.zeros(n, np.float64)
    if not motion_force_zero and n > 1:
        with x64():
            blurred = _blur_jit(jnp.asarray(clip), bitdepth=bitdepth)
            sads = np.asarray(_sad_jit(blurred[:-1], blurred[1:]))
        scores[1:] = [sad_score_v30(int(s), width, height) for s in sads]
    return {"VMAF_integer_feature_motion_score": scores,
            "VMAF_integer_feature_motion2_score": _motion2(scores, motion_force_zero)}


def _motion2(scores: np.ndarray, force_zero: bool) -> np.ndarray:
    """motion2 of v3.0.0's ``extract``/``flush``: 0 at frame 0; min(sad[i], sad[i+1]) for
    0 < i < n − 1 (``score2 < score ? score2 : score``); sad[n − 1] at the last frame."""
    n = len(scores)
    out = np.zeros(n, np.float64)
    if force_zero or n < 2:
        return out
    for i in range(1, n - 1):
        low, high = scores[i], scores[i + 1]
        out[i] = low if low < high else high
    out[n - 1] = scores[n - 1]
    return out


class IntegerMotionV30Extractor(FeatureExtractor):
    """libvmaf v3.0.0's ``motion`` extractor (selected by the ``v3.0`` libvmaf convention,
    :mod:`vmafref.conventions`). Keeps the previous frame's blurred plane only."""

    name = "motion"
    options = {
        "debug": OptionSpec("debug", True, bool, reference="v3.0.0 integer_motion.c:58-64"),
        "motion_force_zero": OptionSpec("motion_force_zero", False, bool, alias="force_0", feature_param=True,
                                        reference="v3.0.0 integer_motion.c:65-73"),
    }

    def __init__(self, *, width: int, height: int, bitdepth: int, **options: Any):
        refuse_options_missing_from("motion", options, sorted(self.options), LIBVMAF_VERSION, "v3.0")
        super().__init__(width=width, height=height, bitdepth=bitdepth, **options)
        if self.width < MOTION_MIN_SIZE or self.height < MOTION_MIN_SIZE:
            raise MotionInputError(f"integer motion needs frames of at least {MOTION_MIN_SIZE}x{MOTION_MIN_SIZE}, "
                                   f"got {self.width}x{self.height}")
        if not 8 <= self.bitdepth <= 16:
            raise MotionInputError(f"bitdepth must be in 8..16, got {self.bitdepth}")
        self.force_zero = self.values["motion_force_zero"]
        self._previous_blur = None
        self._scores: list[float] = []
        self._keys = {name: feature_key(name, self.feature_params) for name in
                      ("VMAF_integer_feature_motion_score", "VMAF_integer_feature_motion2_score")}

    def extract(self, index: int, ref: np.ndarray, dis: np.ndarray) -> FrameValues:
        if index != len(self._scores):
            raise MotionInputError(f"motion expects frames in order; got frame {index} after {len(self._scores)}")
        score = 0.0
        if not self.force_zero:
            _check(ref, self.bitdepth)
            with x64():
                blurred = _blur_jit(jnp.asarray(ref), bitdepth=self.bitdepth)
                if index > 0:
                    sad = int(_sad_jit(self._previous_blur, blurred))
                    score = sad_score_v30(sad, self.width, self.height)
            self._previous_blur = blurred
        self._scores.append(score)
        if self.values["debug"]:
            return {index: {self._keys["VMAF_integer_feature_motion_score"]: score}}
        return {}

    def flush(self) -> FrameValues:
        motion2 = _motion2(np.asarray(self._scores, np.float64), self.force_zero)
        key = self._keys["VMAF_integer_feature_motion2_score"]
        return {i: {key: float(value)} for i, value in enumerate(motion2)}
