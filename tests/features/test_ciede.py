"""ciede (ciede2000) against libvmaf, bit for bit (see specs/ciede.md)."""

from __future__ import annotations

import math

import jax
import numpy as np
import pytest

from golden_runs import case, expected_run, extractor_for, run_extractor

from vmafref.features import get_extractor
from vmafref.features.ciede import (
    CiedeExtractor,
    CiedeInputError,
    ciede2000_map,
    ciede_score,
    upsample_chroma,
)

#: 8/10/12/16-bit, 4:2:0, 4:2:2 (libvmaf's out-of-row reads), 4:4:4 (odd sizes), Y4M, flat and
#: identical frames (+inf), real and codec content.
CASES = ["identical_176x144_420_8bit", "flat_64x48_420_8bit", "near_black_96x64_420_8bit", "odd_33x27_444_8bit",
         "texture_96x72_420_10bit", "texture_96x72_420_16bit", "texture_80x64_422_8bit",
         "y4m_texture_90x60_422_10bit", "x264_160x90_420_8bit_y4m", "vp9_157x89_444_8bit"]


def _extractor(case_id: str) -> CiedeExtractor:
    return extractor_for(CiedeExtractor, case_id, pixel_format=case(case_id)["pixel_format"])


@pytest.mark.parametrize("case_id", CASES)
def test_matches_libvmaf_bit_for_bit(case_id):
    expected = expected_run(case_id, "ciede")["frames"]
    got = run_extractor(_extractor(case_id), case_id, planes=True)
    assert got == expected  # every double identical, +inf included


def test_registered_under_libvmafs_name():
    assert get_extractor("ciede") is CiedeExtractor
    assert CiedeExtractor.planes == "yuv"


def test_422_reads_past_each_chroma_row_as_libvmaf():
    """For 4:2:2, libvmaf takes output row i from input row i // 2 and column j from column j of
    a 32-aligned, zero-padded buffer: past the row's end come zeros, then the next row."""
    plane = np.arange(1, 4 * 40 + 1, dtype=np.uint16).reshape(4, 40)  # stride 64
    out = np.asarray(upsample_chroma(plane, width=80, height=4, pixel_format="422"))
    assert out.shape == (4, 80)
    np.testing.assert_array_equal(out[0], out[1])
    np.testing.assert_array_equal(out[2, :40], plane[1])
    assert not out[2, 40:64].any()
    np.testing.assert_array_equal(out[2, 64:], plane[2, :16])
    out420 = np.asarray(upsample_chroma(plane[:2, :20], width=40, height=4, pixel_format="420"))
    np.testing.assert_array_equal(out420, np.repeat(np.repeat(plane[:2, :20], 2, 0), 2, 1))


@pytest.mark.parametrize("jit", [True, False], ids=["jit", "eager"])
def test_jitted_eager_and_vmapped_agree(jit):
    rng = np.random.default_rng(3)
    ref = rng.integers(0, 1024, size=(2, 3, 12, 16)).astype(np.uint16)
    dis = np.clip(ref.astype(int) + rng.integers(-40, 40, size=ref.shape), 0, 1023).astype(np.uint16)

    def run(r, d):
        return ciede2000_map(tuple(r), tuple(d), bitdepth=10)

    if jit:
        batched = np.asarray(run(np.moveaxis(ref, 1, 0), np.moveaxis(dis, 1, 0)))
    else:
        with jax.disable_jit():
            batched = np.asarray(run(np.moveaxis(ref, 1, 0), np.moveaxis(dis, 1, 0)))
    singles = [np.asarray(run(r, d)) for r, d in zip(ref, dis)]
    np.testing.assert_array_equal(batched, np.stack(singles))
    assert batched.dtype == np.float32 and (batched > 0).all()


def test_score_is_45_minus_20_log10_of_the_mean():
    assert ciede_score(np.full((2, 3), 1.0, np.float32), 3, 2) == 45.0
    assert ciede_score(np.zeros((2, 3), np.float32), 3, 2) == math.inf
    assert ciede_score(np.float32([[0.1, 0.2]]), 2, 1) == 45.0 - 20.0 * math.log10(
        (float(np.float32(0.1)) + float(np.float32(0.2))) / 2)


@pytest.mark.parametrize(("geometry", "message"), [
    ((64, 48, "400", 8), "4:0:0"),
    ((64, 48, "420", 9), "bit depths"),
    ((64, 48, "444", 14), "bit depths"),
    ((161, 91, "420", 8), "past its chroma planes"),
    ((129, 48, "420", 8), "past its chroma planes"),
])
def test_libvmafs_refusals_are_clear_errors(geometry, message):
    width, height, pixel_format, bitdepth = geometry
    with pytest.raises(CiedeInputError, match=message):
        CiedeExtractor(width=width, height=height, bitdepth=bitdepth, pixel_format=pixel_format)


def test_odd_width_420_with_padding_is_accepted():
    CiedeExtractor(width=161, height=90, bitdepth=8, pixel_format="420")  # 80 columns: padded to 96


def test_luma_only_pictures_are_refused():
    extractor = CiedeExtractor(width=16, height=8, bitdepth=8, pixel_format="444")
    luma = np.zeros((8, 16), np.uint8)
    with pytest.raises(CiedeInputError, match="three planes"):
        extractor.extract(0, luma, luma)
