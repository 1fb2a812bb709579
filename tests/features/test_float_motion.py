"""float_motion against libvmaf's float motion (see specs/float_motion.md)."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from golden_runs import (
    FLOAT_FEATURE_CASES_64X48, FLOAT_FEATURE_CASES_ODD, assert_float_features_close, clip_frames, expected_run,
    extractor_for, run_extractor, to_array,
)

from vmafref.features._float_common import UnsupportedBitdepthError, to_float_luma
from vmafref.features.float_motion import FloatMotionExtractor, float_motion_blur, float_motion_sad

MOTION_KEYS = ["motion", "motion2", "motion3"]
CASES = FLOAT_FEATURE_CASES_64X48 + FLOAT_FEATURE_CASES_ODD
SMALL = CASES[0]


def _luma(case_id):
    reference, distorted = clip_frames(case_id)
    return to_array(reference), to_array(distorted)


@pytest.mark.parametrize("case_id", CASES)
def test_matches_libvmaf(case_id):
    got = run_extractor(extractor_for(FloatMotionExtractor, case_id), case_id)
    for frame in got:
        assert sorted(frame) == sorted(MOTION_KEYS)
    assert_float_features_close(got, expected_run(case_id, "float_features")["frames"], MOTION_KEYS)


def test_motion2_is_written_one_frame_late():
    refs, diss = _luma(SMALL)
    extractor = FloatMotionExtractor(width=64, height=48, bitdepth=8)
    first = extractor.extract(0, refs[0], diss[0])
    assert set(first[0]) == {"motion2", "motion"}
    second = extractor.extract(1, refs[1], diss[1])
    assert set(second[1]) == {"motion"} and set(second[0]) == {"motion3"}
    third = extractor.extract(2, refs[2], diss[2])
    assert set(third[1]) == {"motion2", "motion3"}
    assert set(extractor.flush()[2]) == {"motion2", "motion3"}


def test_debug_false_and_force_zero():
    got = run_extractor(FloatMotionExtractor(width=64, height=48, bitdepth=8, debug=False), SMALL)
    assert all("motion" not in frame for frame in got)
    got = run_extractor(FloatMotionExtractor(width=64, height=48, bitdepth=8, motion_force_zero=True), SMALL)
    assert all(set(v.values()) == {0.0} for v in got)
    assert all(k.endswith("_force_0") for v in got for k in v)


def test_eager_jit_vmap_agree():
    refs, _ = _luma(SMALL)
    frames = np.stack([to_float_luma(r, 8) for r in refs[:2]])
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
