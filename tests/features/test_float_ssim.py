"""float_ssim against libvmaf (see specs/float_ssim.md): identical doubles on the golden cases."""

from __future__ import annotations

import math

import jax
import numpy as np
import pytest

from golden_runs import clip_frames, expected_run, extractor_for, run_extractor, to_array, worst_difference

from vmafref.features import get_extractor
from vmafref.features._float_common import FrameSizeError
from vmafref.features._float_simple import picture_copy
from vmafref.features._iqa import decimate, iqa_round, low_pass_kernel, ssim_sums
from vmafref.features.float_ssim import FloatSsimExtractor, float_ssim, max_db, ssim_scale

LCS = ["float_ssim", "float_ssim_l", "float_ssim_c", "float_ssim_s"]
CASES = [("flat_64x48_420_8bit", "float_ssim", {"enable_lcs": True}),
         ("identical_176x144_420_8bit", "float_ssim", {"enable_lcs": True}),
         ("odd_33x27_444_8bit", "float_ssim", {"enable_lcs": True}),
         ("texture_96x72_420_16bit", "float_ssim", {"enable_lcs": True}),
         ("y4m_texture_90x60_422_10bit", "float_ssim", {"enable_lcs": True}),
         ("odd_161x91_420_8bit", "float_ssim_db", {"scale": 2, "enable_db": True, "clip_db": True}),
         ("texture_96x72_420_10bit", "float_ssim_db", {"scale": 2, "enable_db": True, "clip_db": True})]


@pytest.mark.parametrize(("case_id", "run_id", "options"), CASES, ids=[f"{c}-{r}" for c, r, _ in CASES])
def test_matches_libvmaf(case_id, run_id, options):
    extractor = extractor_for(FloatSsimExtractor, case_id, **options)
    expected = expected_run(case_id, run_id)["frames"]
    got = run_extractor(extractor, case_id)
    keys = LCS if options.get("enable_lcs") else ["float_ssim"]
    assert [list(frame) for frame in got] == [keys] * len(expected)
    assert worst_difference(expected, got, keys) == (0.0, 0.0)


@pytest.mark.parametrize("jit", [True, False], ids=["jit", "eager"])
def test_jitted_eager_and_vmapped_agree(jit):
    reference, distorted = clip_frames("texture_96x72_420_16bit")
    expected = expected_run("texture_96x72_420_16bit", "float_ssim")["frames"]
    got = [float_ssim(r[0], d[0], bitdepth=16, jit=jit) for r, d in zip(reference, distorted)]
    assert got == [tuple(frame[key] for key in LCS) for frame in expected]
    ref, dis = picture_copy(to_array(reference), 16), picture_copy(to_array(distorted), 16)
    batched = np.asarray(ssim_sums(ref, dis, jit=jit))
    mapped = np.asarray(jax.vmap(lambda a, b: jax.numpy.stack(ssim_sums(a, b, jit=jit)))(ref, dis)).T
    np.testing.assert_array_equal(batched, mapped)


def test_scale_rule_rounding_and_db_cap():
    assert [ssim_scale(w, h) for w, h in ((576, 324), (1920, 1080), (3840, 2160), (160, 90))] == [1, 4, 8, 1]
    assert ssim_scale(1920, 1080, 1) == 1
    assert (iqa_round(1.5), iqa_round(2.4999), iqa_round(-1.5)) == (2, 2, -1)  # C truncates negatives
    assert max_db(8, 64, 48, False) == math.inf
    assert max_db(8, 64, 48, True) == math.ceil(10 * math.log10(255 * 255 / (0.5 / (64 * 48))))


def test_box_decimation_reads_symmetric_borders():
    """Scale 2: the mean of rows 2y-1..2y and columns 2x-1..2x, index -1 read as 0 (KBND_SYMMETRIC)."""
    plane = np.arange(5 * 7, dtype=np.float32).reshape(5, 7)
    got = np.asarray(decimate(plane, low_pass_kernel(2), 2))
    assert got.shape == (3, 4)  # 5 / 2 + 1, 7 / 2 + 1
    padded = np.pad(plane, 1, mode="symmetric")
    want = np.array([[np.float32(sum(np.float64(np.float32(padded[1 + 2 * y + v, 1 + 2 * x + u] * np.float32(0.25)))
                                     for v in (-1, 0) for u in (-1, 0))) for x in range(4)] for y in range(3)])
    np.testing.assert_array_equal(got, want)


def test_registry_and_refusals():
    assert get_extractor("float_ssim") is FloatSsimExtractor
    with pytest.raises(FrameSizeError):
        FloatSsimExtractor(width=10, height=40, bitdepth=8)
    with pytest.raises(ValueError, match="scale"):
        FloatSsimExtractor(width=64, height=64, bitdepth=8, scale=11)
