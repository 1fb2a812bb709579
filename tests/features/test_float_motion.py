"""float_motion against libvmaf's float motion (see specs/float_motion.md)."""

from __future__ import annotations

import pathlib
import sys

import jax
import numpy as np
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent / "data" / "float_golden"))
from golden import CASES, EXPECTED, assert_close, make_clip, run_extractor  # noqa: E402

from vmafref.features._float_common import UnsupportedBitdepthError, to_float_luma  # noqa: E402
from vmafref.features.float_motion import FloatMotionExtractor, float_motion_blur, float_motion_sad  # noqa: E402

MOTION_KEYS = ["motion", "motion2", "motion3"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_libvmaf(name):
    case = CASES[name]
    refs, diss = make_clip(**case)
    height, width = refs[0].shape
    got = run_extractor(FloatMotionExtractor(width=width, height=height, bitdepth=case["bitdepth"]), refs, diss)
    for frame, want in zip(got, EXPECTED[f"{name}/default"]):
        assert sorted(frame) == sorted(MOTION_KEYS)
        assert_close(frame, want, MOTION_KEYS)


def test_motion2_is_written_one_frame_late():
    refs, diss = make_clip(**CASES["small_8bit"])
    extractor = FloatMotionExtractor(width=64, height=48, bitdepth=8)
    first = extractor.extract(0, refs[0], diss[0])
    assert set(first[0]) == {"motion2", "motion"}
    second = extractor.extract(1, refs[1], diss[1])
    assert set(second[1]) == {"motion"} and set(second[0]) == {"motion3"}
    third = extractor.extract(2, refs[2], diss[2])
    assert set(third[1]) == {"motion2", "motion3"}
    assert set(extractor.flush()[2]) == {"motion2", "motion3"}


def test_debug_false_and_force_zero():
    refs, diss = make_clip(**CASES["small_8bit"])
    got = run_extractor(FloatMotionExtractor(width=64, height=48, bitdepth=8, debug=False), refs, diss)
    assert all("motion" not in frame for frame in got)
    got = run_extractor(FloatMotionExtractor(width=64, height=48, bitdepth=8, motion_force_zero=True), refs, diss)
    assert all(set(v.values()) == {0.0} for v in got)
    assert all(k.endswith("_force_0") for v in got for k in v)


def test_eager_jit_vmap_agree():
    refs, _ = make_clip(seed=9, width=40, height=32, frames=2, bitdepth=8)
    frames = np.stack([to_float_luma(r, 8) for r in refs])
    eager = [float_motion_blur(f) for f in frames]
    batched = jax.jit(jax.vmap(float_motion_blur))(frames)
    for i in range(2):
        np.testing.assert_array_equal(np.asarray(eager[i]), np.asarray(batched[i]))
    np.testing.assert_array_equal(np.asarray(float_motion_sad(eager[0], eager[1])),
                                  np.asarray(jax.jit(float_motion_sad)(eager[0], eager[1])))


def test_bad_input_raises():
    with pytest.raises(UnsupportedBitdepthError):
        FloatMotionExtractor(width=64, height=48, bitdepth=11)
    with pytest.raises(NotImplementedError):
        FloatMotionExtractor(width=64, height=48, bitdepth=8, motion_add_uv=True)
