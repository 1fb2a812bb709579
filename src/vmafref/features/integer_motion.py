"""libvmaf's fixed-point motion (``integer_motion``, v3.2.0 "v2" pipeline), bit for bit, in JAX.

Per frame: the reference frame minus its predecessor (or the frame two back with the
five-frame window) is blurred by a 5-tap Q16 Gaussian with reflect-101 borders, and the
mean absolute value is the SAD score. ``motion2`` and ``motion3`` are computed from all
SAD scores at the end of the clip, as libvmaf's ``integer_motion.c`` /
``integer_motion.h`` / ``motion_blend_tools.h`` at commit f85a8536 do.
See specs/integer_motion.md.
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from vmafref._x64 import x64
from vmafref.feature_names import feature_key
from vmafref.features.extractor import FeatureExtractor, FrameValues, OptionSpec
from vmafref.features._compiled import device_array, jit as stage_jit

__all__ = [
    "MOTION_FILTER",
    "MOTION_MIN_SIZE",
    "DEFAULT_MOTION_MAX_VAL",
    "IntegerMotionExtractor",
    "MotionInputError",
    "MotionParams",
    "motion_sad",
    "motion_sad_scores",
    "motion_scores",
    "clip_motion",
    "batch_motion",
]

#: Q16 5-tap Gaussian, sum 65536 (``integer_motion.h:25``).
MOTION_FILTER: tuple[int, ...] = (3571, 16004, 26386, 16004, 3571)

#: Default cap of the motion score (``integer_motion.c:33``).
DEFAULT_MOTION_MAX_VAL = 10000.0

#: Reflect-101 of a 5-tap filter needs 3 samples per axis. See specs/integer_motion.md §2.
MOTION_MIN_SIZE = 3


class MotionInputError(ValueError):
    """The frames given to integer motion are unusable (shape, dtype, size, bit depth)."""


class MotionParams:
    """The motion options that shape the scores (``integer_motion.c:67-143``)."""

    def __init__(self, *, motion_force_zero: bool = False, motion_blend_factor: float = 1.0,
                 motion_blend_offset: float = 40.0, motion_fps_weight: float = 1.0,
                 motion_max_val: float = DEFAULT_MOTION_MAX_VAL, motion_five_frame_window: bool = False,
                 motion_moving_average: bool = False):
        self.force_zero = bool(motion_force_zero)
        self.blend_factor = float(motion_blend_factor)
        self.blend_offset = float(motion_blend_offset)
        self.fps_weight = float(motion_fps_weight)
        self.max_val = float(motion_max_val)
        self.five_frame_window = bool(motion_five_frame_window)
        self.moving_average = bool(motion_moving_average)
        for name, value, low, high in (("motion_blend_factor", self.blend_factor, 0.0, 1.0),
                                       ("motion_blend_offset", self.blend_offset, 0.0, 1000.0),
                                       ("motion_fps_weight", self.fps_weight, 0.0, 5.0),
                                       ("motion_max_val", self.max_val, 0.0, DEFAULT_MOTION_MAX_VAL)):
            if not low <= value <= high:
                raise MotionInputError(f"{name} must be in [{low}, {high}], got {value}")

    def astuple(self) -> tuple:
        """The options as a hashable value (a compiled program's cache key)."""
        return (self.force_zero, self.blend_factor, self.blend_offset, self.fps_weight, self.max_val,
                self.five_frame_window, self.moving_average)

    @property
    def min_index(self) -> int:
        """First frame with a SAD: 1, or 2 with the five-frame window."""
        return 2 if self.five_frame_window else 1


def _check_frames(frames: Any, bitdepth: int, min_ndim: int) -> None:
    if not 8 <= bitdepth <= 16:
        raise MotionInputError(f"bitdepth must be in 8..16, got {bitdepth}")
    if frames.ndim < min_ndim:
        raise MotionInputError(f"expected at least {min_ndim}-D frames, got shape {frames.shape}")
    height, width = frames.shape[-2:]
    if height < MOTION_MIN_SIZE or width < MOTION_MIN_SIZE:
        raise MotionInputError(
            f"integer motion needs frames of at least {MOTION_MIN_SIZE}x{MOTION_MIN_SIZE}, got {width}x{height}")
    expected = np.uint8 if bitdepth == 8 else np.uint16
    if frames.dtype != expected:
        raise MotionInputError(f"frames have dtype {frames.dtype}; {bitdepth}-bit input must be {np.dtype(expected).name}")


# --- the SAD pipeline ------------------------------------------------------------------------


def _reflect_pad(x: jax.Array, half: int, axis: int) -> jax.Array:
    """Reflect-101 (``mirror``, ``integer_motion.c:149-154``): -i -> i, n-1+i -> n-1-i."""
    pad = [(0, 0)] * x.ndim
    pad[axis] = (half, half)
    # Materialized: fused into the taps, the padding is evaluated per element with branches
    # (1080p SAD 4.7 ms -> 3.2 ms with it stored).
    return lax.optimization_barrier(jnp.pad(x, pad, mode="reflect"))


def _fir_int32(x: jax.Array, axis: int) -> tuple[jax.Array, jax.Array]:
    """Split 5-tap FIR of int32 ``x`` with ``|x| < 2**16``, exact in int32.

    ``x = 2*q + b`` (``q = x >> 1``, ``b = x & 1``); returns ``(A, B)`` with
    ``A = sum f*q`` and ``B = sum f*b``, so that the full sum is ``2*A + B``. Both fit in
    int32 (``|A| <= 65536 * 32768``), the full sum need not. See specs/integer_motion.md §3.
    """
    padded = _reflect_pad(x, 2, axis)
    length = x.shape[axis]
    taps = [lax.slice_in_dim(padded, k, k + length, 1, axis) for k in range(5)]
    halves = [lax.shift_right_arithmetic(t, jnp.int32(1)) for t in taps]
    odd = [t & 1 for t in taps]
    f = [jnp.int32(c) for c in MOTION_FILTER]
    a = f[2] * halves[2] + f[1] * (halves[1] + halves[3]) + f[0] * (halves[0] + halves[4])
    b = f[2] * odd[2] + f[1] * (odd[1] + odd[3]) + f[0] * (odd[0] + odd[4])
    return a, b


def _split_round_shift(a: jax.Array, b: jax.Array, shift: int) -> jax.Array:
    """``(2*a + b + 2**(shift-1)) >> shift`` (arithmetic), without forming ``2*a``.

    With ``a = hi * 2**(shift-1) + lo``: the result is ``hi + ((2*lo + b + 2**(shift-1)) >> shift)``.
    """
    hi = lax.shift_right_arithmetic(a, jnp.int32(shift - 1))
    lo = a & ((1 << (shift - 1)) - 1)
    carry = lax.shift_right_arithmetic(2 * lo + b + (1 << (shift - 1)), jnp.int32(shift))
    return hi + carry


def _materialize(x: jax.Array) -> jax.Array:
    """Identity that makes XLA compute ``x`` once into a buffer (see integer_vif._materialize).

    Without it XLA fuses the vertical pass into each of the horizontal pass's five taps.
    """
    return jnp.sum(jnp.stack([x, jnp.zeros_like(x)]), axis=0, dtype=x.dtype)


def _blurred_difference(prev: jax.Array, cur: jax.Array, bitdepth: int) -> jax.Array:
    """The blurred frame difference ``blur(prev - cur)``, int32, whose absolute sum is the SAD.

    Vertical pass: ``(sum f*diff + round) >> shift`` with shift 8 (8-bit) or ``bpc``;
    horizontal pass: ``(sum f*y + 2**15) >> 16``. See specs/integer_motion.md §3.
    """
    diff = prev.astype(jnp.int32) - cur.astype(jnp.int32)
    shift_y = 8 if bitdepth == 8 else bitdepth
    if bitdepth <= 15:
        # |sum f*diff| <= 65536 * (2**15 - 1) fits in int32.
        padded = _reflect_pad(diff, 2, -2)
        height = diff.shape[-2]
        taps = [lax.slice_in_dim(padded, k, k + height, 1, -2) for k in range(5)]
        f = [jnp.int32(c) for c in MOTION_FILTER]
        acc = f[2] * taps[2] + f[1] * (taps[1] + taps[3]) + f[0] * (taps[0] + taps[4])
        y = lax.shift_right_arithmetic(acc + (1 << (shift_y - 1)), jnp.int32(shift_y))
    else:
        y = _split_round_shift(*_fir_int32(diff, -2), shift_y)
    return _split_round_shift(*_fir_int32(_materialize(y), -1), 16)


def _sad_pair(prev: jax.Array, cur: jax.Array, bitdepth: int) -> jax.Array:
    """Sum of |blur(prev - cur)| of one frame pair, int64 (``motion_score_pipeline_8/16``).

    :func:`_blurred_difference`, then the absolute values summed per row and the rows added.
    See specs/integer_motion.md §3.
    """
    val = _blurred_difference(prev, cur, bitdepth)
    width = val.shape[-1]
    row_dtype = jnp.int32 if width <= 32767 else jnp.int64
    row_sad = jnp.sum(jnp.abs(val), axis=-1, dtype=row_dtype)
    return jnp.sum(row_sad.astype(jnp.int64), axis=-1)


@functools.partial(stage_jit, static_argnames=("bitdepth",))
def _sad_pair_jit(prev, cur, *, bitdepth):
    return _sad_pair(prev, cur, bitdepth)


def motion_sad(prev, cur, *, bitdepth: int, jit: bool = True) -> jax.Array:
    """Integer SAD of blurred ``prev - cur`` (``(..., H, W)`` planes), as libvmaf's pipeline.

    Returns int64 ``(...)``. See specs/integer_motion.md §3.
    """
    _check_frames(prev, bitdepth, 2)
    if prev.shape != cur.shape or prev.dtype != cur.dtype:
        raise MotionInputError(f"frames differ in shape or dtype: {prev.shape} {prev.dtype} vs {cur.shape} {cur.dtype}")
    with x64():
        fn = _sad_pair_jit if jit else _sad_pair
        return fn(device_array(prev), device_array(cur), bitdepth=int(bitdepth))


def _sad_score(sad: jax.Array, width: int, height: int, params: MotionParams) -> jax.Array:
    """``MIN(sad / 256. / (w * h) * fps_weight, max_val)`` in double (``integer_motion.c:333-334``).

    XLA turns a division by a constant or by a broadcast scalar into a multiplication by
    its rounded reciprocal; the divisor ``w * h`` is therefore made an array of the
    numerator's shape that the compiler cannot see through (:func:`_runtime`).
    """
    # sad >= 0, so bit 63 is 0 element by element; XLA cannot know that.
    zero = lax.shift_right_logical(sad.astype(jnp.uint64), jnp.asarray(63, jnp.uint64))
    score = sad.astype(jnp.float64) / 256.0 / _runtime(float(width * height), zero) * params.fps_weight
    return jnp.minimum(score, params.max_val)


# --- per-clip scores -------------------------------------------------------------------------


def _opaque_zero(values: jax.Array) -> jax.Array:
    """A uint64 zero the compiler cannot prove zero.

    ``values`` are non-negative SADs or scores, far below 2**63 as integers, so bit 63
    of the sum of their truncations is 0; no compiler pass can see that through the
    reduction. See specs/integer_motion.md §6.
    """
    total = jnp.sum(values.astype(jnp.uint64))
    return lax.shift_right_logical(total, jnp.asarray(63, jnp.uint64))


def _runtime(value: float, opaque_zero: jax.Array) -> jax.Array:
    """The double ``value`` as a value XLA cannot constant-fold (no reciprocal rewrites)."""
    bits = lax.bitcast_convert_type(jnp.asarray(value, jnp.float64), jnp.uint64) | opaque_zero
    return lax.bitcast_convert_type(bits, jnp.float64)


def _rounded(product: jax.Array, opaque_zero: jax.Array) -> jax.Array:
    """Keep XLA from fusing ``product`` into an FMA with a later add (see integer_vif._rounded)."""
    bits = lax.bitcast_convert_type(product, jnp.uint64) | opaque_zero
    return lax.bitcast_convert_type(bits, jnp.float64)


def _blend(score: jax.Array, params: MotionParams, opaque_zero: jax.Array) -> jax.Array:
    """``score*bf + (1 - bf)*MIN(offset, score)`` (``motion_blend_tools.h:28-31``), capped at max_val."""
    bf = _runtime(params.blend_factor, opaque_zero)
    offset = _runtime(params.blend_offset, opaque_zero)
    blended = (_rounded(score * bf, opaque_zero)
               + _rounded((1.0 - bf) * jnp.minimum(offset, score), opaque_zero))
    return jnp.minimum(blended, _runtime(params.max_val, opaque_zero))


def motion_scores(sad_scores: jax.Array, params: MotionParams) -> tuple[jax.Array, jax.Array]:
    """``motion2`` and ``motion3`` of a clip from its per-frame SAD scores (``flush``, ``:361-453``).

    ``sad_scores``: float64 ``(..., N)``, 0 before ``min_index``. motion2[i] is 0 for
    i < min_index; otherwise min(sad[i - stride + 1], sad[i + 1]) where both exist and the
    lower index is >= min_index, sad[i + 1] when only it qualifies, and sad[i] at the last
    frame. motion3 is the blended, capped motion2 (optionally averaged with the previous
    frame's), and frames before min_index get the blend of sad[min_index].
    See specs/integer_motion.md §4.
    """
    n = sad_scores.shape[-1]
    min_idx = params.min_index
    stride = 2 if params.five_frame_window else 1
    zero = _opaque_zero(sad_scores)
    index = jnp.arange(n)
    nxt = jnp.concatenate([sad_scores[..., 1:], sad_scores[..., -1:]], axis=-1)
    if stride == 1:
        low = sad_scores
    else:
        low = jnp.concatenate([sad_scores[..., :1], sad_scores[..., :-1]], axis=-1)
    lo_idx = index - (stride - 1)
    both = jnp.where(low < nxt, low, nxt)
    motion2 = jnp.where(lo_idx >= min_idx, both, nxt)
    motion2 = jnp.where(index + 1 < n, motion2, sad_scores)
    motion2 = jnp.where(index < min_idx, 0.0, motion2)

    if n > min_idx:
        stamp = _blend(sad_scores[..., min_idx], params, zero)
    else:
        stamp = jnp.zeros(sad_scores.shape[:-1], jnp.float64)
    processed = jnp.where(index < min_idx, stamp[..., None], _blend(motion2, params, zero))
    if params.moving_average:
        previous = jnp.concatenate([processed[..., :1], processed[..., :-1]], axis=-1)
        averaged = (processed + previous) / 2.0
        motion3 = jnp.where(index < min_idx, processed, averaged)
    else:
        motion3 = processed
    return motion2, motion3


def _sad_score_host(sad: int, width: int, height: int, params: MotionParams) -> float:
    """:func:`_sad_score` for one frame on the host: the same double operations in the same
    order (Python floats are IEEE doubles and fuse nothing), without a device round trip."""
    return min(float(sad) / 256.0 / float(width * height) * params.fps_weight, params.max_val)


def _motion_scores_host(sad_scores: np.ndarray, params: MotionParams) -> tuple[np.ndarray, np.ndarray]:
    """:func:`motion_scores` of one clip in numpy float64, operation for operation.

    The streaming extractor runs this once per clip at ``flush``: the JAX function, run
    eagerly, compiles each of its small operations anew for every clip length (about 0.6 s a
    clip), which dominated short clips. ``tests/features/test_integer_motion.py`` holds the two
    equal bit for bit. See specs/integer_motion.md §4 and §8.
    """
    sad = np.asarray(sad_scores, dtype=np.float64)
    n = sad.shape[-1]
    min_idx = params.min_index
    stride = 2 if params.five_frame_window else 1
    index = np.arange(n)
    nxt = np.concatenate([sad[1:], sad[-1:]])
    low = sad if stride == 1 else np.concatenate([sad[:1], sad[:-1]])
    both = np.where(low < nxt, low, nxt)
    motion2 = np.where(index - (stride - 1) >= min_idx, both, nxt)
    motion2 = np.where(index + 1 < n, motion2, sad)
    motion2 = np.where(index < min_idx, 0.0, motion2)

    def blend(score):
        bf = params.blend_factor
        blended = score * bf + (1.0 - bf) * np.minimum(params.blend_offset, score)
        return np.minimum(blended, params.max_val)

    stamp = blend(sad[min_idx]) if n > min_idx else 0.0
    processed = np.where(index < min_idx, stamp, blend(motion2))
    if params.moving_average:
        previous = np.concatenate([processed[:1], processed[:-1]])
        motion3 = np.where(index < min_idx, processed, (processed + previous) / 2.0)
    else:
        motion3 = processed
    return motion2, motion3


def _clip_motion(clip: jax.Array, bitdepth: int, params: MotionParams):
    n = clip.shape[-3]
    height, width = clip.shape[-2:]
    lag = 2 if params.five_frame_window else 1
    if params.force_zero or n <= lag:
        sad = jnp.zeros(clip.shape[:-2], jnp.int64)
    else:
        pairs = _sad_pair(clip[..., :-lag, :, :], clip[..., lag:, :, :], bitdepth)
        sad = jnp.concatenate([jnp.zeros(clip.shape[:-3] + (lag,), jnp.int64), pairs], axis=-1)
    scores = _sad_score(sad, width, height, params)
    if params.force_zero:
        scores = jnp.zeros_like(scores)
    else:
        scores = jnp.where(jnp.arange(n) < params.min_index, 0.0, scores)
    motion2, motion3 = motion_scores(scores, params)
    return scores, motion2, motion3


def clip_motion(clip, *, bitdepth: int, jit: bool = True, **options: Any) -> dict[str, jax.Array]:
    """Every motion value of a whole clip ``(N, H, W)`` of reference luma frames.

    Returns ``{"VMAF_integer_feature_motion_sad_score", "VMAF_integer_feature_motion2_score",
    "VMAF_integer_feature_motion3_score"}`` as float64 ``(N,)`` arrays (the first also
    stands for ``integer_motion`` under ``debug``). ``options`` are libvmaf's motion options
    (``motion_five_frame_window=True`` ...). See specs/integer_motion.md §4.
    """
    clip = _as_frames(clip)
    _check_frames(clip, bitdepth, 3)
    return _run_clip(clip, bitdepth, MotionParams(**options), jit)


def batch_motion(clips, *, bitdepth: int, jit: bool = True, **options: Any) -> dict[str, jax.Array]:
    """:func:`clip_motion` over a batch of clips ``(B, N, H, W)``; frames never mix across clips.

    Each clip's SADs only pair frames of that clip (``vmap`` over the clip axis), so a batch
    gives exactly the per-clip results. See specs/integer_motion.md §4.
    """
    clips = _as_frames(clips)
    _check_frames(clips, bitdepth, 4)
    return _run_clip(clips, bitdepth, MotionParams(**options), jit, batched=True)


def _as_frames(frames: Any):
    return frames if hasattr(frames, "dtype") and hasattr(frames, "shape") else np.asarray(frames)


_KEYS = ("VMAF_integer_feature_motion_sad_score", "VMAF_integer_feature_motion2_score",
         "VMAF_integer_feature_motion3_score")


#: One jitted whole-clip program per (bit depth, options, batched): a new jax.jit of a fresh
#: closure per call traced and compiled the clip again every time (about 0.2 s a call).
_CLIP_PROGRAMS: dict[tuple, Any] = {}


def _clip_program(bitdepth: int, params: MotionParams, batched: bool, jit: bool):
    key = (bitdepth, params.astuple(), batched, jit)
    program = _CLIP_PROGRAMS.get(key)
    if program is None:
        def one(c):
            return _clip_motion(c, bitdepth, params)

        program = jax.vmap(one) if batched else one
        _CLIP_PROGRAMS[key] = program = jax.jit(program) if jit else program
    return program


def _run_clip(clip, bitdepth: int, params: MotionParams, jit: bool, batched: bool = False):
    with x64():
        outs = _clip_program(bitdepth, params, batched, jit)(jnp.asarray(clip))
    return dict(zip(_KEYS, outs))


def motion_sad_scores(clip, *, bitdepth: int, jit: bool = True, **options: Any) -> jax.Array:
    """Per-frame ``VMAF_integer_feature_motion_sad_score`` of a clip ``(N, H, W)``."""
    return clip_motion(clip, bitdepth=bitdepth, jit=jit, **options)["VMAF_integer_feature_motion_sad_score"]


# --- streaming extractor ---------------------------------------------------------------------


class IntegerMotionExtractor(FeatureExtractor):
    """libvmaf's ``motion`` extractor (fixed point, v3.2.0). See specs/integer_motion.md §5.

    Keeps only the one or two previous reference frames; emits the SAD score (and
    ``integer_motion`` with ``debug``) per frame, and ``integer_motion2`` /
    ``integer_motion3`` for every frame from :meth:`flush`, as libvmaf does.
    """

    name = "motion"
    device_planes = True
    options = {
        "motion_force_zero": OptionSpec("motion_force_zero", False, bool, alias="force_0", feature_param=True,
                                        reference="integer_motion.c:68-75"),
        "motion_blend_factor": OptionSpec("motion_blend_factor", 1.0, float, alias="mbf", feature_param=True,
                                          minimum=0.0, maximum=1.0, reference="integer_motion.c:76-85"),
        "motion_blend_offset": OptionSpec("motion_blend_offset", 40.0, float, alias="mbo", feature_param=True,
                                          minimum=0.0, maximum=1000.0, reference="integer_motion.c:86-95"),
        "motion_fps_weight": OptionSpec("motion_fps_weight", 1.0, float, alias="mfw", feature_param=True,
                                        minimum=0.0, maximum=5.0, reference="integer_motion.c:96-105"),
        "motion_max_val": OptionSpec("motion_max_val", DEFAULT_MOTION_MAX_VAL, float, alias="mmxv",
                                     feature_param=True, minimum=0.0, maximum=DEFAULT_MOTION_MAX_VAL,
                                     reference="integer_motion.c:106-115"),
        "motion_five_frame_window": OptionSpec("motion_five_frame_window", False, bool, alias="mffw",
                                               feature_param=True, reference="integer_motion.c:116-123"),
        "motion_moving_average": OptionSpec("motion_moving_average", False, bool, alias="mma", feature_param=True,
                                            reference="integer_motion.c:124-131"),
        "debug": OptionSpec("debug", False, bool, reference="integer_motion.c:132-138"),
    }

    def __init__(self, *, width: int, height: int, bitdepth: int, **options: Any):
        super().__init__(width=width, height=height, bitdepth=bitdepth, **options)
        if self.width < MOTION_MIN_SIZE or self.height < MOTION_MIN_SIZE:
            raise MotionInputError(
                f"integer motion needs frames of at least {MOTION_MIN_SIZE}x{MOTION_MIN_SIZE}, "
                f"got {self.width}x{self.height}")
        if not 8 <= self.bitdepth <= 16:
            raise MotionInputError(f"bitdepth must be in 8..16, got {self.bitdepth}")
        self.params = MotionParams(**{k: v for k, v in self.values.items() if k != "debug"})
        self._previous: list[np.ndarray] = []  # at most the last `lag` reference frames
        self._sad_scores: list[float] = []
        self._keys = {name: feature_key(name, self.feature_params) for name in
                      ("VMAF_integer_feature_motion_sad_score", "VMAF_integer_feature_motion_score",
                       "VMAF_integer_feature_motion2_score", "VMAF_integer_feature_motion3_score")}

    def extract(self, index: int, ref: np.ndarray, dis: np.ndarray) -> FrameValues:
        if index != len(self._sad_scores):
            raise MotionInputError(f"motion expects frames in order; got frame {index} after {len(self._sad_scores)}")
        lag = 2 if self.params.five_frame_window else 1
        score = 0.0
        if not self.params.force_zero and index >= self.params.min_index:
            sad = motion_sad(self._previous[0], ref, bitdepth=self.bitdepth)
            score = _sad_score_host(int(sad), self.width, self.height, self.params)
        if not self.params.force_zero:
            # A JAX array cannot change; a NumPy one may be the caller's buffer, reused.
            self._previous.append(ref if isinstance(ref, jax.Array) else np.array(ref, copy=True))
            del self._previous[:-lag]
        self._sad_scores.append(score)
        values = {self._keys["VMAF_integer_feature_motion_sad_score"]: score}
        if self.values["debug"]:
            values[self._keys["VMAF_integer_feature_motion_score"]] = score
        return {index: values}

    def flush(self) -> FrameValues:
        if not self._sad_scores:
            return {}
        motion2, motion3 = _motion_scores_host(np.asarray(self._sad_scores, np.float64), self.params)
        key2 = self._keys["VMAF_integer_feature_motion2_score"]
        key3 = self._keys["VMAF_integer_feature_motion3_score"]
        return {i: {key2: float(motion2[i]), key3: float(motion3[i])} for i in range(len(self._sad_scores))}
