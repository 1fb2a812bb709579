"""float_ansnr against libvmaf (see specs/float_ansnr.md): identical doubles on the golden cases."""

from __future__ import annotations


import numpy as np
import pytest

from golden_runs import clip_frames, expected_run, extractor_for, run_extractor, worst_difference

from vmafref.features import get_extractor
from vmafref.features._float_common import FrameSizeError
from vmafref.features._float_simple import picture_copy
from vmafref.features.float_ansnr import (
    ANSNR_DIS_FILTER,
    ANSNR_REF_FILTER,
    FloatAnsnrExtractor,
    ansnr_filter,
    float_ansnr,
)

KEYS = ["float_ansnr", "float_anpsnr"]
CASES = ["flat_64x48_420_8bit", "identical_176x144_420_8bit", "odd_33x27_444_8bit", "odd_161x91_420_8bit",
         "texture_96x72_420_12bit", "texture_96x72_420_16bit", "y4m_texture_90x60_422_10bit", "vp9_157x89_444_8bit"]


@pytest.mark.parametrize("case_id", CASES)
def test_matches_libvmaf(case_id):
    extractor = extractor_for(FloatAnsnrExtractor, case_id)
    expected = expected_run(case_id, "float_simple")["frames"]
    got = run_extractor(extractor, case_id)
    assert [list(frame) for frame in got] == [KEYS] * len(expected)
    assert worst_difference(expected, got, KEYS) == (0.0, 0.0)


def _c_filter(image: np.ndarray, taps) -> np.ndarray:
    """``ansnr_filter2d_s`` transcribed loop for loop in numpy float32 (small planes only)."""
    kernel = np.asarray(taps, np.float32)
    size = len(taps)
    height, width = image.shape
    out = np.zeros_like(image)
    for i in range(height):
        for j in range(width):
            accum = np.float32(0)
            for fi in range(size):
                inner = np.float32(0)
                for fj in range(size):
                    ii, jj = i - size // 2 + fi, j - size // 2 + fj
                    ii = -ii if ii < 0 else (2 * height - ii - 1 if ii >= height else ii)
                    jj = -jj if jj < 0 else (2 * width - jj - 1 if jj >= width else jj)
                    inner = np.float32(inner + np.float32(kernel[fi, fj] * image[ii, jj]))
                accum = np.float32(accum + inner)
            out[i, j] = accum
    return out


@pytest.mark.parametrize("jit", [True, False], ids=["jit", "eager"])
def test_filters_follow_the_c_loops_and_borders(jit):
    rng = np.random.default_rng(5)
    plane = picture_copy(rng.integers(0, 1024, size=(7, 9)).astype(np.uint16), 10, -128)
    ref_filtered, dis_filtered = ansnr_filter(plane, plane, jit=jit)
    np.testing.assert_array_equal(np.asarray(ref_filtered), _c_filter(plane, ANSNR_REF_FILTER))
    np.testing.assert_array_equal(np.asarray(dis_filtered), _c_filter(plane, ANSNR_DIS_FILTER))


@pytest.mark.parametrize("jit", [True, False], ids=["jit", "eager"])
def test_jitted_and_eager_match_libvmaf(jit):
    reference, distorted = clip_frames("texture_96x72_420_16bit")
    expected = expected_run("texture_96x72_420_16bit", "float_simple")["frames"]
    got = [float_ansnr(r[0], d[0], bitdepth=16, jit=jit) for r, d in zip(reference, distorted)]
    assert got == [(frame["float_ansnr"], frame["float_anpsnr"]) for frame in expected]


def test_equal_filtered_planes_give_the_cap():
    """noise == 0 (flat mid-grey frames, both filters give 0): float_ansnr is psnr_max and
    float_anpsnr is capped (ansnr.c:106-110)."""
    for bitdepth, cap in ((8, 60.0), (12, 84.0)):
        plane = np.full((6, 7), 128 << (bitdepth - 8), np.uint8 if bitdepth == 8 else np.uint16)
        assert float_ansnr(plane, plane, bitdepth=bitdepth) == (cap, cap)


def test_registry_and_refusals():
    assert get_extractor("float_ansnr") is FloatAnsnrExtractor
    with pytest.raises(FrameSizeError):
        FloatAnsnrExtractor(width=2, height=8, bitdepth=8)
    FloatAnsnrExtractor(width=3, height=3, bitdepth=8)
