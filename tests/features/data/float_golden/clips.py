"""Seeded synthetic test clips for the float-feature golden data (no video files are stored).

A smooth random texture (Gaussian-blurred noise) that moves by (1, 2) pixels per frame, and a
distorted copy with added noise; plus flat, near-black and identical-pair cases.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter

CASES = {
    "small_8bit": dict(seed=1, width=64, height=48, frames=3, bitdepth=8, variants=["default", "egl1"]),
    "odd_8bit": dict(seed=2, width=99, height=67, frames=3, bitdepth=8),
    "odd_10bit": dict(seed=3, width=75, height=53, frames=3, bitdepth=10),
    "identical_8bit": dict(seed=4, width=64, height=48, frames=2, bitdepth=8, kind="identical"),
    "flat_8bit": dict(seed=5, width=64, height=48, frames=2, bitdepth=8, kind="flat"),
    "dark_8bit": dict(seed=6, width=64, height=48, frames=2, bitdepth=8, kind="dark"),
}


def make_clip(*, seed: int, width: int, height: int, frames: int, bitdepth: int, kind: str = "texture",
              variants=None):
    """Return (reference frames, distorted frames), lists of 2-D uint8/uint16 luma planes."""
    rng = np.random.default_rng(seed)
    peak = (1 << bitdepth) - 1
    dtype = np.uint8 if bitdepth == 8 else np.uint16
    base = gaussian_filter(rng.normal(0.5, 0.2, (height, width)), 2.0) + rng.normal(0, 0.05, (height, width))
    refs, diss = [], []
    for index in range(frames):
        if kind == "flat":
            ref = np.full((height, width), 0.5)
            dis = ref + (index + 1) * 0.01
        elif kind == "dark":
            ref = 0.02 * np.roll(base, (index, 2 * index), (0, 1))
            dis = ref + rng.normal(0, 0.004, (height, width))
        else:
            ref = np.roll(base, (index, 2 * index), (0, 1))
            dis = ref if kind == "identical" else ref + rng.normal(0, 0.03, (height, width))
        refs.append(np.clip(np.round(ref * peak), 0, peak).astype(dtype))
        diss.append(np.clip(np.round(dis * peak), 0, peak).astype(dtype))
    return refs, diss
