"""Tiny synthetic clips for the command-line tests.

One geometry (64x48 4:2:0 8-bit) keeps the number of JAX compilations, which dominate the run
time, to one per feature set.
"""

from __future__ import annotations

import numpy as np
import pytest

WIDTH, HEIGHT = 64, 48


def write_pair(directory, frames=3, seed=5, shift=3, dis_frames=None):
    """A reference clip and a distorted copy (luma + ``shift``), raw 4:2:0 8-bit."""
    rng = np.random.default_rng(seed)
    luma = rng.integers(16, 236, size=(max(frames, dis_frames or 0), HEIGHT, WIDTH), dtype=np.uint8)
    chroma = np.full((luma.shape[0], 2 * (HEIGHT // 2) * (WIDTH // 2)), 128, np.uint8)
    distorted = np.clip(luma.astype(int) + shift, 0, 255).astype(np.uint8)
    ref, dis = directory / "ref.yuv", directory / "dis.yuv"
    for path, planes, count in ((ref, luma, frames), (dis, distorted, dis_frames or frames)):
        path.write_bytes(b"".join(y.tobytes() + c.tobytes() for y, c in zip(planes[:count], chroma)))
    return ref, dis


def geometry_flags():
    return ["-w", str(WIDTH), "-h", str(HEIGHT), "-p", "420", "-b", "8"]


@pytest.fixture
def tiny_pair(tmp_path):
    """``(ref, dis, common_flags)`` for a 3-frame 64x48 pair in ``tmp_path``."""
    ref, dis = write_pair(tmp_path)
    return ref, dis, ["score", "-r", str(ref), "-d", str(dis), *geometry_flags()]
