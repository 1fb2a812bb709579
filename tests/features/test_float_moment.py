"""float_moment against libvmaf (see specs/float_moment.md): identical doubles on the golden cases."""

from __future__ import annotations


import jax
import numpy as np
import pytest

from golden_runs import clip_frames, expected_run, extractor_for, run_extractor, to_array, worst_difference

from vmafref.features import get_extractor
from vmafref.features._float_common import UnsupportedBitdepthError
from vmafref.features._float_simple import picture_copy
from vmafref.features.float_moment import FloatMomentExtractor, float_moments, moment_sums

KEYS = ["float_moment_ref1st", "float_moment_dis1st", "float_moment_ref2nd", "float_moment_dis2nd"]
CASES = ["flat_64x48_420_8bit", "near_black_96x64_420_8bit", "odd_161x91_420_8bit", "texture_96x72_420_10bit",
         "texture_96x72_420_12bit", "texture_96x72_420_16bit", "texture_80x64_444_8bit", "sparks_480x270_420_10bit"]


@pytest.mark.parametrize("case_id", CASES)
def test_matches_libvmaf(case_id):
    extractor = extractor_for(FloatMomentExtractor, case_id)
    expected = expected_run(case_id, "float_simple")["frames"]
    got = run_extractor(extractor, case_id)
    assert [list(frame) for frame in got] == [KEYS] * len(expected)
    assert worst_difference(expected, got, KEYS) == (0.0, 0.0)


@pytest.mark.parametrize("jit", [True, False], ids=["jit", "eager"])
def test_jitted_eager_vmapped_and_numpy_agree(jit):
    reference, distorted = clip_frames("texture_96x72_420_16bit")
    expected = expected_run("texture_96x72_420_16bit", "float_simple")["frames"]
    got = [float_moments(r[0], d[0], bitdepth=16, jit=jit) for r, d in zip(reference, distorted)]
    assert got == [{key: frame[key] for key in KEYS} for frame in expected]
    planes = picture_copy(to_array(reference), 16)
    first, second = moment_sums(planes, jit=jit)
    mapped = jax.vmap(lambda p: moment_sums(p, jit=jit))(planes)
    assert np.asarray(first).tolist() == np.asarray(mapped[0]).tolist()
    assert np.asarray(second).tolist() == np.asarray(mapped[1]).tolist()
    # The sums are exact: numpy's float64 sums of the same float32 values agree.
    assert np.asarray(first).tolist() == planes.astype(np.float64).sum(axis=(1, 2)).tolist()
    assert np.asarray(second).tolist() == (planes * planes).astype(np.float64).sum(axis=(1, 2)).tolist()


def test_registry_and_refusals():
    assert get_extractor("float_moment") is FloatMomentExtractor
    with pytest.raises(UnsupportedBitdepthError):
        FloatMomentExtractor(width=8, height=8, bitdepth=11)
