"""Fixed-point motion, stage by stage: the blurred frame difference and its SAD.

libvmaf's integer motion (v3.2.0's pipeline) blurs the *difference* of consecutive reference
frames with a Q16 5-tap Gaussian (``(3571, 16004, 26386, 16004, 3571) / 65536``), rounding after
each pass, and sums its absolute values: ``motion = SAD / 256 / (w h)`` for 8-bit input.
Blurring is linear, so up to rounding this is the float path's mean ``|blur(a) - blur(b)|``.
:func:`integer_motion_maps` returns the blurred difference and the SAD with the production
functions of :mod:`vmafref.features.integer_motion`. See specs/integer_motion.md §3
("Teaching API").
"""

from __future__ import annotations

import jax.numpy as jnp

from vmafref._x64 import x64
from vmafref.features.integer_motion import MotionParams, _blurred_difference, _check_frames, _sad_score_host, motion_sad

__all__ = ["integer_motion_maps"]


def integer_motion_maps(prev, cur, *, bitdepth: int = 8) -> dict:
    """``{"blurred_difference", "sad", "score"}`` of one pair of integer reference frames.

    ``prev``, ``cur``: (H, W) ``uint8`` (8-bit) or ``uint16`` planes. ``blurred_difference`` is
    the int32 ``blur(prev - cur)`` after both rounded passes (specs/integer_motion.md §3),
    ``sad`` the int64 sum of its absolute values — the production
    :func:`~vmafref.features.integer_motion.motion_sad` — and ``score`` the double
    ``sad / 256 / (w h)`` the extractor writes as ``integer_motion`` (default options).
    """
    _check_frames(prev, bitdepth, 2)
    height, width = prev.shape[-2:]
    with x64():
        blurred = _blurred_difference(jnp.asarray(prev), jnp.asarray(cur), int(bitdepth))
    sad = motion_sad(prev, cur, bitdepth=bitdepth)
    return {"blurred_difference": blurred, "sad": sad,
            "score": _sad_score_host(int(sad), width, height, MotionParams())}
