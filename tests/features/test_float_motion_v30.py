"""libvmaf v3.0.0's float motion (the ``v3.0`` libvmaf convention): the blur's border rule
against a NumPy transcription of ``convolution_f32_c_s``, and the extractor's keys and options
(libvmaf v3.0.0's own values: tests/features/test_v30_goldens.py)."""

from __future__ import annotations

import numpy as np
import pytest

from vmafref.features._float_common import MIRRORS, reflect101_filter, Arith
from vmafref.features.float_motion import FloatMotionExtractor, float_motion_blur, motion_filter
from vmafref.features.float_motion_v30 import FloatMotionV30Extractor

def _c_blur(src: np.ndarray, taps, end: int) -> np.ndarray:
    """``convolution_y_c_s`` then ``convolution_x_c_s`` in float32, one rounding per operation;
    a tap past the end reads ``n - (i - n + end)`` (v3.0.0: end 1; f85a8536: end 2)."""
    taps = np.asarray(taps, np.float32)
    radius = len(taps) // 2

    def tap(i: int, n: int) -> int:
        return -i if i < 0 else (n - (i - n + end) if i >= n else i)

    def one_pass(x: np.ndarray) -> np.ndarray:  # along axis 0
        out = np.empty_like(x)
        n = x.shape[0]
        for i in range(n):
            acc = np.zeros(x.shape[1], np.float32)
            for k, f in enumerate(taps):
                acc = (acc + f * x[tap(i - radius + k, n)]).astype(np.float32)
            out[i] = acc
        return out

    return one_pass(one_pass(src.astype(np.float32)).T).T


@pytest.mark.parametrize("shape", [(7, 6), (12, 17), (3, 3)])
def test_blur_mirrors_as_each_libvmaf(shape):
    frame = np.random.default_rng(sum(shape)).uniform(-128, 127, shape).astype(np.float32)
    v30 = np.asarray(float_motion_blur(frame, mirror="symmetric_end"))
    default = np.asarray(float_motion_blur(frame))
    np.testing.assert_array_equal(v30.view(np.uint32), _c_blur(frame, motion_filter(5), 1).view(np.uint32))
    np.testing.assert_array_equal(default.view(np.uint32), _c_blur(frame, motion_filter(5), 2).view(np.uint32))
    # Only the last two rows and columns read past the end.
    np.testing.assert_array_equal(v30[:-2, :-2], default[:-2, :-2])
    assert not np.array_equal(v30[-2:], default[-2:])


def test_the_mirrors_are_named():
    assert MIRRORS == ("reflect101", "symmetric_end")
    frame = np.ones((5, 5), np.float32)
    with pytest.raises(ValueError, match="unknown border mirror"):
        reflect101_filter(frame, motion_filter(5), Arith(frame), mirror="edge")


def _frames(count: int, height: int = 20, width: int = 24, seed: int = 3) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (height, width)).astype(np.uint8) for _ in range(count)]


def _run(extractor, frames) -> list[dict]:
    values: dict[int, dict] = {}
    for index, frame in enumerate(frames):
        for i, row in extractor.extract(index, frame, frame).items():
            values.setdefault(i, {}).update(row)
    for i, row in extractor.flush().items():
        values.setdefault(i, {}).update(row)
    return [values[i] for i in sorted(values)]


def test_keys_and_motion2_are_v30s():
    frames = _frames(5)
    got = _run(FloatMotionV30Extractor(width=24, height=20, bitdepth=8), frames)
    assert all(set(row) == {"motion", "motion2"} for row in got)
    motion = [row["motion"] for row in got]
    assert motion[0] == 0.0 and all(m > 0 for m in motion[1:])
    assert [row["motion2"] for row in got] == [0.0, *[min(motion[i], motion[i + 1]) for i in range(1, 4)], motion[4]]
    quiet = _run(FloatMotionV30Extractor(width=24, height=20, bitdepth=8, debug=False), frames)
    assert [row["motion2"] for row in quiet] == [row["motion2"] for row in got]
    assert all(set(row) == {"motion2"} for row in quiet)


def test_the_border_is_what_differs_from_the_default():
    """Random frames: v3.0.0's motion differs from f85a8536's; flat frames (every mirror reads
    the same value): the two are the same doubles."""
    frames = _frames(3)
    v30 = _run(FloatMotionV30Extractor(width=24, height=20, bitdepth=8), frames)
    default = _run(FloatMotionExtractor(width=24, height=20, bitdepth=8), frames)
    assert all(a["motion"] != b["motion"] for a, b in zip(v30[1:], default[1:]))
    flat = [np.full((20, 24), 7 * i, np.uint8) for i in range(3)]
    v30 = _run(FloatMotionV30Extractor(width=24, height=20, bitdepth=8), flat)
    default = _run(FloatMotionExtractor(width=24, height=20, bitdepth=8), flat)
    assert [row["motion"] for row in v30] == [row["motion"] for row in default]


def test_force_zero_and_options_v30_does_not_have():
    got = _run(FloatMotionV30Extractor(width=24, height=20, bitdepth=8, motion_force_zero=True), _frames(3))
    assert got == [{"motion2_force_0": 0.0, "motion_force_0": 0.0}] * 3
    for option in ("motion_fps_weight", "motion_blend_factor", "motion_filter_size", "motion_max_val",
                   "motion_add_uv", "motion_add_scale1"):
        with pytest.raises(ValueError, match="do not exist in libvmaf v3.0.0"):
            FloatMotionV30Extractor(width=24, height=20, bitdepth=8, **{option: 1})
    with pytest.raises(ValueError, match="3x3"):
        FloatMotionV30Extractor(width=2, height=20, bitdepth=8)

