"""psnr (integer psnr_y/psnr_cb/psnr_cr) against libvmaf, bit for bit (see specs/psnr.md)."""

from __future__ import annotations

import math

import jax
import numpy as np
import pytest

from golden_runs import case, clip_frames, expected_run, run_extractor, to_array

from vmafref.features import get_extractor
from vmafref.features.psnr import (
    PsnrExtractor,
    PsnrInputError,
    apsnr_from_sse,
    plane_sse,
    psnr_from_sse,
    psnr_max,
    psnr_peak,
)

#: (case, run, options): 8/10/12/16-bit, 4:2:0 (odd, rounded-up chroma), 4:2:2, 4:4:4, Y4M,
#: real and codec content, the AOM CTC options.
CASES = [
    ("flat_64x48_420_8bit", "psnr", {"enable_mse": True}),
    ("odd_161x91_420_8bit", "psnr", {"enable_mse": True}),
    ("odd_161x91_420_8bit", "psnr_ctc", {"enable_mse": True, "reduced_hbd_peak": True, "min_sse": 0.5}),
    ("texture_96x72_420_10bit", "psnr_ctc", {"enable_mse": True, "reduced_hbd_peak": True, "min_sse": 0.5}),
    ("texture_96x72_420_12bit", "psnr", {"enable_mse": True}),
    ("texture_96x72_420_16bit", "psnr", {"enable_mse": True}),
    ("texture_96x72_420_16bit", "psnr_ctc", {"enable_mse": True, "reduced_hbd_peak": True, "min_sse": 0.5}),
    ("texture_80x64_422_8bit", "psnr_ctc", {"enable_mse": True, "reduced_hbd_peak": True, "min_sse": 0.5}),
    ("texture_80x64_444_8bit", "psnr", {"enable_mse": True}),
    ("y4m_texture_90x60_422_10bit", "psnr", {"enable_mse": True}),
    ("src01_q160x90_420_8bit", "psnr", {"enable_mse": True}),
    ("vp9_157x89_444_8bit", "psnr", {"enable_mse": True}),
]


def _extractor(case_id: str, **options) -> PsnrExtractor:
    entry = case(case_id)
    return PsnrExtractor(width=entry["width"], height=entry["height"], bitdepth=entry["bitdepth"],
                         pixel_format=entry["pixel_format"], **options)


@pytest.mark.parametrize(("case_id", "run_id", "options"), CASES, ids=[f"{c}-{r}" for c, r, _ in CASES])
def test_matches_libvmaf_bit_for_bit(case_id, run_id, options):
    expected = expected_run(case_id, run_id)["frames"]
    got = run_extractor(_extractor(case_id, **options), case_id, planes=True)
    assert len(got) == len(expected)
    for want, have in zip(expected, got):
        assert list(have) == ["psnr_y", "mse_y", "psnr_cb", "mse_cb", "psnr_cr", "mse_cr"]
        assert have == want  # every double identical


def test_chroma_disabled_and_mse_off_give_luma_only():
    expected = expected_run("odd_161x91_420_8bit", "psnr")["frames"]
    got = run_extractor(_extractor("odd_161x91_420_8bit", enable_chroma=False), "odd_161x91_420_8bit", planes=True)
    assert [frame for frame in got] == [{"psnr_y": frame["psnr_y"]} for frame in expected]


def test_luma_only_pictures_are_4_0_0():
    """A picture given as luma alone is 4:0:0, for which libvmaf disables chroma."""
    reference, distorted = clip_frames("texture_80x64_444_8bit")
    extractor = _extractor("texture_80x64_444_8bit")
    values = extractor.extract(0, reference[0][0], distorted[0][0])[0]
    assert list(values) == ["psnr_y"]
    assert values["psnr_y"] == expected_run("texture_80x64_444_8bit", "psnr")["frames"][0]["psnr_y"]


@pytest.mark.parametrize("jit", [True, False], ids=["jit", "eager"])
def test_plane_sse_jitted_eager_and_vmapped_agree(jit):
    reference, distorted = clip_frames("texture_96x72_420_16bit")
    ref, dis = to_array(reference), to_array(distorted)
    batched = np.asarray(plane_sse(ref, dis, bitdepth=16, jit=jit))
    assert batched.dtype == np.uint64 and batched.shape == (len(ref),)
    singles = [int(plane_sse(r, d, bitdepth=16, jit=jit)) for r, d in zip(ref, dis)]
    exact = [int(((r.astype(np.int64) - d.astype(np.int64)) ** 2).sum()) for r, d in zip(ref, dis)]
    assert batched.tolist() == singles == exact
    mapped = jax.vmap(lambda a, b: plane_sse(a, b, bitdepth=16, jit=jit))(ref, dis)
    assert np.asarray(mapped).tolist() == exact


def test_full_scale_planes_reach_the_integer_limits():
    """16-bit black against white: every square is 65535**2, just below 2**32."""
    ref = np.zeros((4, 300), np.uint16)
    dis = np.full((4, 300), 65535, np.uint16)
    assert int(plane_sse(ref, dis, bitdepth=16)) == 4 * 300 * 65535 ** 2
    ref8 = np.zeros((3, 5000), np.uint8)
    dis8 = np.full((3, 5000), 255, np.uint8)
    assert int(plane_sse(ref8, dis8, bitdepth=8)) == 3 * 5000 * 255 ** 2


def test_identical_frames_hit_the_cap():
    assert psnr_from_sse(0, 100, 255, 60.0) == (60.0, 0.0)
    assert psnr_max(10, 0, 64, 48, "420") == 72.0
    assert psnr_max(16, 0, 64, 48, "420") == 108.0
    # min_sse caps use chroma sizes rounded down (w / 2, h / 2), integer_psnr.c:97-101.
    assert psnr_max(8, 1, 161, 91, "420", min_sse=0.5) == math.ceil(10 * math.log10(255 * 255 / (0.5 / (80 * 45))))
    assert psnr_peak(10, True) == 1020 and psnr_peak(10) == 1023


def test_apsnr_follows_the_flush_formula():
    """The aggregate PSNR of the summed SSEs; a plane never read gives -inf as in C."""
    peak, samples, sse = 1023, 3 * 96 * 72, 123457
    want = 10 * (math.log10(peak * peak) + math.log10(samples) - math.log10(sse))
    assert apsnr_from_sse(sse, samples, peak) == want
    assert apsnr_from_sse(0, samples, peak) == math.ceil(10 * math.log10(peak * peak * samples * 2))
    assert apsnr_from_sse(0, 0, peak) == -math.inf
    extractor = _extractor("texture_96x72_420_10bit", enable_apsnr=True, enable_chroma=False)
    run_extractor(extractor, "texture_96x72_420_10bit", planes=True)
    aggregate = extractor.aggregate()
    assert list(aggregate) == ["apsnr_y", "apsnr_cb", "apsnr_cr"]
    assert aggregate["apsnr_cb"] == aggregate["apsnr_cr"] == -math.inf
    assert math.isfinite(aggregate["apsnr_y"])


def test_registry_options_and_refusals():
    assert get_extractor("psnr") is PsnrExtractor
    with pytest.raises(ValueError, match="unknown option"):
        PsnrExtractor(width=8, height=8, bitdepth=8, enable_psnr_hvs=True)
    with pytest.raises(ValueError, match="min_sse"):
        PsnrExtractor(width=8, height=8, bitdepth=8, min_sse=-1.0)
    with pytest.raises(PsnrInputError):
        PsnrExtractor(width=8, height=8, bitdepth=9)
    with pytest.raises(PsnrInputError):
        plane_sse(np.zeros((4, 4), np.uint16), np.zeros((4, 4), np.uint16), bitdepth=8)


def test_the_command_scores_psnr_with_options(tmp_path):
    """``vmafref score -n --feature psnr=...`` through the scoring API, chroma included."""
    from vmafref.scoring import FeatureRequest, score

    reference, distorted = clip_frames("texture_80x64_422_8bit")
    entry = case("texture_80x64_422_8bit")
    paths = []
    for name, frames in (("ref.yuv", reference), ("dis.yuv", distorted)):
        path = tmp_path / name
        path.write_bytes(b"".join(plane.tobytes() for frame in frames for plane in frame))
        paths.append(str(path))
    result = score(*paths, width=entry["width"], height=entry["height"], pixel_format="422", bitdepth=8, models=[],
                   features=[FeatureRequest("psnr", {"enable_mse": "true", "reduced_hbd_peak": "true",
                                                     "min_sse": "0.5", "enable_apsnr": "true"})])
    assert result.frames == expected_run("texture_80x64_422_8bit", "psnr_ctc")["frames"]
    assert set(result.aggregate) == {"apsnr_y", "apsnr_cb", "apsnr_cr"}
