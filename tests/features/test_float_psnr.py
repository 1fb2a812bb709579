"""float_psnr against libvmaf (see specs/float_psnr.md): identical doubles on the golden cases."""

from __future__ import annotations


import jax
import numpy as np
import pytest

from golden_runs import clip_frames, expected_run, extractor_for, run_extractor, to_array, worst_difference

from vmafref.features import get_extractor
from vmafref.features._float_common import UnsupportedBitdepthError
from vmafref.features._float_simple import picture_copy
from vmafref.features.float_psnr import FloatPsnrExtractor, float_psnr, float_psnr_noise

CASES = ["flat_64x48_420_8bit", "odd_33x27_444_8bit", "odd_161x91_420_8bit", "texture_96x72_420_10bit",
         "texture_96x72_420_12bit", "texture_96x72_420_16bit", "y4m_texture_90x60_422_10bit", "x264_160x90_420_8bit_y4m"]


@pytest.mark.parametrize("case_id", CASES)
def test_matches_libvmaf(case_id):
    extractor = extractor_for(FloatPsnrExtractor, case_id)
    expected = expected_run(case_id, "float_simple")["frames"]
    got = run_extractor(extractor, case_id)
    assert [list(frame) for frame in got] == [["float_psnr"]] * len(expected)
    assert worst_difference(expected, got, ["float_psnr"]) == (0.0, 0.0)


@pytest.mark.parametrize("jit", [True, False], ids=["jit", "eager"])
def test_jitted_eager_and_vmapped_agree(jit):
    reference, distorted = clip_frames("texture_96x72_420_16bit")
    want = [frame["float_psnr"] for frame in expected_run("texture_96x72_420_16bit", "float_simple")["frames"]]
    got = [float_psnr(r[0], d[0], bitdepth=16, jit=jit) for r, d in zip(reference, distorted)]
    assert got == want
    ref = picture_copy(to_array(reference), 16)
    dis = picture_copy(to_array(distorted), 16)
    batched = np.asarray(float_psnr_noise(ref, dis, jit=jit))
    singles = [float(float_psnr_noise(r, d, jit=jit)) for r, d in zip(ref, dis)]
    mapped = np.asarray(jax.vmap(lambda a, b: float_psnr_noise(a, b, jit=jit))(ref, dis))
    assert batched.tolist() == singles == mapped.tolist()


def test_identical_frames_reach_the_cap_of_each_bit_depth():
    for bitdepth, cap in ((8, 60.0), (10, 72.0), (12, 84.0), (16, 108.0)):
        plane = np.full((8, 8), 3, np.uint8 if bitdepth == 8 else np.uint16)
        assert float_psnr(plane, plane, bitdepth=bitdepth) == cap


def test_registry_and_refusals():
    assert get_extractor("float_psnr") is FloatPsnrExtractor
    with pytest.raises(UnsupportedBitdepthError):
        FloatPsnrExtractor(width=8, height=8, bitdepth=9)
    with pytest.raises(ValueError, match="unknown option"):
        FloatPsnrExtractor(width=8, height=8, bitdepth=8, enable_chroma=True)
