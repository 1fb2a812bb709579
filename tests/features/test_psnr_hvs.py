"""psnr_hvs (psnr_hvs_y/cb/cr, psnr_hvs) against libvmaf (see specs/psnr_hvs.md)."""

from __future__ import annotations


import numpy as np
import pytest

from golden_runs import case, expected_run, run_extractor, worst_difference

from vmafref.features import get_extractor
from vmafref.features.psnr_hvs import PsnrHvsExtractor, PsnrHvsInputError, fdct8x8, plane_score, score_db

KEYS = ("psnr_hvs_y", "psnr_hvs_cb", "psnr_hvs_cr", "psnr_hvs")


def _extractor(case_id: str) -> PsnrHvsExtractor:
    entry = case(case_id)
    return PsnrHvsExtractor(width=entry["width"], height=entry["height"], bitdepth=entry["bitdepth"],
                            pixel_format=entry["pixel_format"])


@pytest.mark.parametrize("case_id", ["odd_33x27_444_8bit",
                                     pytest.param("texture_96x72_420_12bit", marks=pytest.mark.slow)])
def test_matches_libvmaf_bit_for_bit(case_id):
    got = run_extractor(_extractor(case_id), case_id, planes=True)
    assert got == expected_run(case_id, "psnr_hvs")["frames"]


@pytest.mark.slow
@pytest.mark.parametrize("case_id", ["texture_80x64_422_8bit", "y4m_texture_90x60_422_10bit", "min_size_33x33_444_8bit"])
def test_within_float_strict(case_id):
    expected = expected_run(case_id, "psnr_hvs")["frames"]
    got = run_extractor(_extractor(case_id), case_id, planes=True)
    assert list(got[0]) == list(KEYS)
    _, worst_rel = worst_difference(expected, got, KEYS)
    assert worst_rel <= 1e-7  # measured: 3.6e-8 at most (one float ulp of ret); specs/psnr_hvs.md §5


def test_registered_under_libvmafs_name():
    assert get_extractor("psnr_hvs") is PsnrHvsExtractor and PsnrHvsExtractor.planes == "yuv"


def test_dct_of_a_constant_block_is_dc_only():
    coefficients = np.asarray(fdct8x8(np.full((8, 8), 100, np.int32)))
    assert coefficients[0, 0] == 800 and not coefficients.reshape(-1)[1:].any()


def test_score_edges_follow_c():
    assert score_db(0.0) == float("inf")
    assert np.isnan(score_db(plane_score(np.zeros(0, np.float32), 8)))  # no block: 0/0


@pytest.mark.parametrize(("bitdepth", "pixel_format", "message"), [(16, "420", "bitdepth"), (8, "400", "4:0:0")])
def test_libvmafs_refusals_are_clear_errors(bitdepth, pixel_format, message):
    with pytest.raises(PsnrHvsInputError, match=message):
        PsnrHvsExtractor(width=64, height=48, bitdepth=bitdepth, pixel_format=pixel_format)
