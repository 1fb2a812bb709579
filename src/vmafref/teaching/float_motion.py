"""Float motion, stage by stage: blurred reference frames, their difference, the SAD.

VMAF's temporal feature (Z. Li, A. Aaron, I. Katsavounidis, A. Moorthy and M. Manohara, "Toward
a practical perceptual video quality metric", Netflix Technology Blog, 2016) is the mean
absolute difference of consecutive *reference* frames after a 5-tap Gaussian blur:

    m[i] = mean |blur(ref[i-1]) - blur(ref[i])|,   motion2[i] = min(m[i], m[i+1]),

with ``m[0] = 0`` and the last frame's ``motion2`` its own ``m``. :func:`float_motion_maps`
returns the blurred frames, the difference map and the score of one pair with the production
functions of :mod:`vmafref.features.float_motion`; :func:`float_motion_clip` gives a clip's
per-frame ``motion`` and ``motion2`` as libvmaf's streaming extractor writes them.
See specs/float_motion.md ("Teaching API").
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from vmafref.features.float_motion import absolute_difference, float_motion_blur, float_motion_sad

__all__ = ["float_motion_clip", "float_motion_maps"]


def float_motion_maps(prev, cur, *, filter_size: int = 5) -> dict:
    """``{"blurred_prev", "blurred_cur", "difference", "sad"}`` of one pair of reference frames.

    ``prev``, ``cur``: float32 luma (``p - 128`` for 8-bit), (H, W). ``blurred_*`` are
    :func:`~vmafref.features.float_motion.float_motion_blur` (specs/float_motion.md §1),
    ``difference`` is ``|blurred_prev - blurred_cur|`` and ``sad`` its float32 mean in libvmaf's
    summing order (§2): the production per-pair score bit for bit, jitted or not.
    """
    prev = jnp.asarray(prev, jnp.float32)
    cur = jnp.asarray(cur, jnp.float32)
    blurred_prev = float_motion_blur(prev, filter_size=filter_size)
    blurred_cur = float_motion_blur(cur, filter_size=filter_size)
    return {"blurred_prev": blurred_prev, "blurred_cur": blurred_cur,
            "difference": absolute_difference(blurred_prev, blurred_cur),
            "sad": float_motion_sad(blurred_prev, blurred_cur)}


def float_motion_clip(frames, *, filter_size: int = 5) -> dict[str, list[float]]:
    """Per-frame ``motion`` (the pair scores ``m``) and ``motion2`` of a clip of float luma frames.

    ``frames``: (N, H, W) float32 reference luma. Frame 0 has ``motion = motion2 = 0``; frame
    ``i`` in 1..N-2 has ``motion2 = min(m[i], m[i+1])``; the last has ``motion2 = m[last]``
    (specs/float_motion.md §3, default options). Values are doubles of the float32 scores, as
    the extractor writes them.
    """
    frames = jnp.asarray(frames, jnp.float32)
    blurred = [float_motion_blur(frame, filter_size=filter_size) for frame in frames]
    m = [0.0] + [float(np.float32(float_motion_sad(a, b))) for a, b in zip(blurred[:-1], blurred[1:])]
    motion2 = [0.0] + [min(m[i], m[i + 1]) for i in range(1, len(m) - 1)]
    if len(m) > 1:
        motion2.append(m[-1])
    return {"motion": m, "motion2": motion2}
