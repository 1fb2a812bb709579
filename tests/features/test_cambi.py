"""cambi (banding) against libvmaf, bit for bit (see specs/cambi.md)."""

from __future__ import annotations

import pathlib
import sys

import jax.numpy as jnp
import numpy as np
import pytest

from golden_runs import clip_frames, expected_run, extractor_for, run_extractor

from vmafref.features import get_extractor
from vmafref.features.cambi import (
    RECIPROCAL_LUT,
    CambiExtractor,
    _quick_select,
    adjust_window_size,
    c_values,
    cambi_constants,
    mask_index,
    mode_filter,
    preprocess,
    spatial_mask,
    spatial_pooling,
    tvi_for_diff,
    vlt_luma,
)

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "tools"))
from golden_cases import RUNS  # noqa: E402

#: Every cambi run of the golden cases (8 and 10 bit, 12 and 16 bit src01, real, codec and
#: synthetic banding content); the first runs by default, the others are slow (a JIT
#: compilation per geometry and option set).
GOLDEN_RUNS = [
    ("banding_256x144_420_10bit", "cambi_v1"),
    ("banding_256x144_420_8bit", "cambi"),
    ("banding_256x144_420_8bit", "cambi_full_ref"),
    ("banding_256x144_420_8bit", "cambi_source_size"),
    ("banding_256x144_420_8bit", "cambi_options"),
    ("banding_256x144_420_10bit", "cambi"),
    ("banding_256x144_420_10bit", "cambi_full_ref"),
    ("x264_blue_sky_640x360_420_8bit", "cambi"),
    ("x264_blue_sky_640x360_420_8bit", "cambi_full_ref"),
    ("x264_blue_sky_640x360_420_8bit", "cambi_source_size"),
    ("x264_blue_sky_640x360_420_8bit", "cambi_v1"),
    ("dark_scene_1920x1080_420_8bit", "cambi"),
    ("dark_scene_1920x1080_420_8bit", "cambi_full_ref"),
    ("dark_scene_1920x1080_420_8bit", "cambi_v1"),
    ("sparks_480x270_420_10bit", "cambi"),
    ("sparks_480x270_420_10bit", "cambi_full_ref"),
    ("sparks_480x270_420_10bit", "cambi_source_size"),
    ("sparks_480x270_420_10bit", "cambi_v1"),
    ("sparks_480x270_420_10bit", "cambi_options"),
    ("x265_240x136_420_10bit", "cambi"),
    ("x265_240x136_420_10bit", "cambi_options"),
    ("src01_576x324_420_10bit", "cambi"),
    ("src01_576x324_420_12bit", "cambi_full_ref"),
    ("src01_576x324_420_16bit", "cambi_source_size"),
]


def _options(run_id: str) -> dict:
    (feature,) = RUNS[run_id]["features"]
    return dict(feature.get("options", {}))


@pytest.mark.parametrize(("case_id", "run_id"), [
    pytest.param(c, r, id=f"{c}-{r}", marks=[] if i == 0 else [pytest.mark.slow])
    for i, (c, r) in enumerate(GOLDEN_RUNS)])
def test_matches_libvmaf_bit_for_bit(case_id, run_id):
    extractor = extractor_for(get_extractor("cambi"), case_id, **_options(run_id))
    expected = expected_run(case_id, run_id)["frames"]
    got = run_extractor(extractor, case_id)
    assert got == expected  # every double identical


def test_pure_functions_jitted_and_not_agree():
    reference, distorted = clip_frames("banding_256x144_420_8bit")
    image = preprocess(distorted[0][0][:40, :220], bitdepth=8, width=220, height=40)
    mask = spatial_mask(image)
    filtered = mode_filter(image)
    c = cambi_constants(220, 40, 8)
    kwargs = dict(window_size=5, num_diffs=c.num_diffs, tvi=c.tvi, vlt_luma=c.vlt_luma, band_base=c.band_base,
                  band_size=c.band_size)
    import jax

    eager = c_values(filtered, mask, **kwargs)
    jitted = jax.jit(lambda a, b: c_values(a, b, **kwargs))(filtered, mask)
    assert np.array_equal(np.asarray(eager), np.asarray(jitted))
    assert np.asarray(eager).dtype == np.float32 and np.asarray(eager).max() > 0


def test_init_tables():
    # Window: 65 at 4K, 33 at 1080p, halved and made odd with the speed-up (cambi.c:411-423).
    assert adjust_window_size(65, 3840, 2160, False) == 65
    assert adjust_window_size(65, 1920, 1080, False) == 33
    assert adjust_window_size(65, 1920, 1080, True) == 17
    assert adjust_window_size(65, 480, 270, False) == 9
    # Mask threshold (cambi.c:930-934): 24 at 4K, 7 below 64 samples a side.
    assert mask_index(3840, 2160) == 24 and mask_index(1920, 1080) == 21 and mask_index(100, 60) == 7
    # TVI of steps 1..4 at the default threshold, BT.1886 (10-bit levels).
    assert [tvi_for_diff(d, 0.019) for d in (1, 2, 3, 4)] == [178, 305, 432, 559]
    assert vlt_luma(0.0) == 0 and vlt_luma(0.06) > 64
    # The reciprocal table holds 9-digit literals, not always 1.0f / i (cambi.h).
    assert RECIPROCAL_LUT[82] == np.float32(0.012195122) and RECIPROCAL_LUT[82] != np.float32(1) / np.float32(82)
    assert RECIPROCAL_LUT[0] == 0 and RECIPROCAL_LUT[4] == np.float32(0.25)


def _c_quick_select(arr: list, k: int) -> None:
    """cambi.c:1188-1216 transcribed line by line."""
    n = len(arr)
    if n == k:
        return
    left, right = 0, n - 1
    while left < right:
        pivot = arr[k]
        i, j = left, right
        while True:
            while arr[i] > pivot:
                i += 1
            while arr[j] < pivot:
                j -= 1
            if i <= j:
                arr[i], arr[j] = arr[j], arr[i]
                i += 1
                j -= 1
            if not i <= j:
                break
        if j < k:
            left = i
        if k < i:
            right = j


@pytest.mark.parametrize("seed", range(12))
def test_quick_select_follows_libvmafs_swaps(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    levels = int(rng.integers(1, 12))
    values = (rng.integers(0, levels, n) * rng.random()).astype(np.float32)
    values[rng.random(n) < 0.4] = 0  # many zeros, as the unmasked pixels
    k = min(max(int(rng.random() * n), 1), n)
    want = [np.float32(v) for v in values]
    _c_quick_select(want, k)
    got = values.copy()
    _quick_select(got, k)
    assert np.array_equal(got, np.asarray(want, dtype=np.float32))  # the same permutation, not only the same set
    total = 0.0
    for v in want[:k]:
        total += float(v)
    assert spatial_pooling(values, k / n + 1e-12) == total / k


def test_keys_and_options():
    entry = dict(width=256, height=144, bitdepth=8)
    assert CambiExtractor(**entry).key == "cambi"
    ex = CambiExtractor(**entry, cambi_max_val="17", cambi_high_res_speedup=1080, cambi_vis_lum_threshold=0.06)
    assert ex.key == "cambi_hrs_1080_cmxv_17_vlt_0.06" and not ex.constants.high_res_speedup
    ex = CambiExtractor(**entry, topk=0.3, eotf="pq", full_ref=True)
    assert ex.key == "cambi_eotf_pq_topk_0.3" and ex.constants.topk == 0.3
    assert CambiExtractor(**entry, cambi_topk=0.2).constants.topk == 0.2


@pytest.mark.parametrize(("geometry", "options", "message"), [
    ((200, 200, 8), {}, "at least 216"),
    ((256, 144, 8), {"heatmaps_path": "heatmaps"}, "heatmaps_path"),
    ((256, 144, 8), {"eotf": "hlg"}, "unknown EOTF"),
    ((256, 144, 10), {"full_ref": True, "src_width": 400, "src_height": 225}, "wrong stride"),
    ((256, 144, 8), {"window_size": 10}, ">= 15"),
])
def test_refusals(geometry, options, message):
    w, h, b = geometry
    with pytest.raises(ValueError, match=message):
        CambiExtractor(width=w, height=h, bitdepth=b, **options)


def test_source_smaller_than_input_is_accepted_at_10_bit():
    ex = CambiExtractor(width=480, height=270, bitdepth=10, full_ref=True, src_width=400, src_height=225)
    assert (ex.constants.src_width, ex.constants.src_height) == (400, 225)


def test_preprocessing_depths():
    x = np.array([[1023, 4, 5], [6, 7, 8]], dtype=np.uint16)
    assert np.array_equal(np.asarray(preprocess(x, bitdepth=10, width=3, height=2)), x)
    assert np.array_equal(np.asarray(preprocess(x << 6, bitdepth=16, width=3, height=2)), x)
    y = np.array([[1, 2], [3, 5]], dtype=np.uint8)
    # 8-bit: << 2 then the anti-dithering 2x2 mean (cambi.c:774-798).
    assert np.asarray(preprocess(y, bitdepth=8, width=2, height=2)).tolist() == [[(4 + 8 + 12 + 20) >> 2, (8 + 20) >> 1],
                                                                              [(12 + 20) >> 1, 20]]
    assert jnp.asarray(preprocess(y, bitdepth=8, width=2, height=2, enc_bitdepth=10)).tolist() == [[4, 8], [12, 20]]
