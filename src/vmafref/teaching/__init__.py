"""The teaching API: each feature's intermediate maps and sums, by name.

One module per feature, each returning the planes and sums behind a libvmaf feature with the
production code paths, so that its final values are the production extractor's bit for bit:

* :mod:`vmafref.teaching.float_vif` — :func:`float_vif_maps`, :func:`float_vif_scores`
  (pyramid planes, local means, variances, covariance, gain ``g``, noise ``sv^2``, num/den);
* :mod:`vmafref.teaching.float_adm` — :func:`float_adm_maps`, :func:`float_adm_scores`
  (db2 bands, restored/additive decoupling, CSF weighting, masking, pooled num/den);
* :mod:`vmafref.teaching.float_motion` — :func:`float_motion_maps`, :func:`float_motion_clip`
  (blurred frames, difference, SAD, ``motion2``);
* :mod:`vmafref.teaching.integer_motion` — :func:`integer_motion_maps` (fixed-point blurred
  difference and SAD).

:func:`example_clips` loads the bundled example pair (libvmaf's src01 160x90 test clips) as
luma arrays. The notebooks in ``notebooks/`` are built on this API (docs/notebooks.md).
"""

from __future__ import annotations

import importlib.resources
import lzma

import numpy as np

from vmafref.teaching.float_adm import float_adm_maps, float_adm_scores
from vmafref.teaching.float_motion import float_motion_clip, float_motion_maps
from vmafref.teaching.float_vif import float_vif_maps, float_vif_scores
from vmafref.teaching.integer_motion import integer_motion_maps

__all__ = [
    "EXAMPLE_HEIGHT",
    "EXAMPLE_WIDTH",
    "example_clips",
    "float_adm_maps",
    "float_adm_scores",
    "float_motion_clip",
    "float_motion_maps",
    "float_vif_maps",
    "float_vif_scores",
    "integer_motion_maps",
]

#: Geometry of the bundled example: 8-bit 4:2:0, 48 frames (``vmafref score --example``).
EXAMPLE_WIDTH, EXAMPLE_HEIGHT = 160, 90
_EXAMPLE_FILES = ("src01_hrc00_160x90_ref.yuv.xz", "src01_hrc01_160x90_dis.yuv.xz")


def example_clips(frame_count: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The bundled example's reference and distorted luma, two ``uint8`` arrays (N, 90, 160).

    The clips ``vmafref score --example`` scores (package data, xz-compressed 4:2:0 YUV);
    ``frame_count`` keeps the first frames only.
    """
    frame_bytes = EXAMPLE_WIDTH * EXAMPLE_HEIGHT * 3 // 2
    clips = []
    for name in _EXAMPLE_FILES:
        resource = importlib.resources.files("vmafref") / "data" / "example" / name
        with resource.open("rb") as compressed, lzma.open(compressed) as source:
            raw = np.frombuffer(source.read(), np.uint8)
        frames = raw.reshape(-1, frame_bytes)[:, :EXAMPLE_WIDTH * EXAMPLE_HEIGHT]
        frames = frames.reshape(-1, EXAMPLE_HEIGHT, EXAMPLE_WIDTH)
        clips.append(np.array(frames[:frame_count] if frame_count is not None else frames))
    return clips[0], clips[1]
