"""The teaching API's final values are the production extractors' bit for bit (specs/*: "Teaching API")."""

from __future__ import annotations

import lzma

import jax
import numpy as np
import pytest

from vmafref.feature_names import feature_key
from vmafref.features._float_common import to_float_luma
from vmafref.features.float_adm import FloatAdmExtractor, float_adm_accumulators
from vmafref.features.float_motion import FloatMotionExtractor
from vmafref.features.float_vif import FloatVifExtractor, float_vif_accumulators
from vmafref.features.integer_motion import IntegerMotionExtractor, motion_sad
from vmafref.teaching import (
    EXAMPLE_HEIGHT,
    EXAMPLE_WIDTH,
    example_clips,
    float_adm_maps,
    float_adm_scores,
    float_motion_clip,
    float_motion_maps,
    float_vif_maps,
    float_vif_scores,
    integer_motion_maps,
)
from vmafref.teaching.float_vif import _terms_jit

# Small frames keep the one-program compile of the jitted variants short.
HEIGHT, WIDTH = 36, 44


def _pair(seed=0, frames=1):
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (frames, HEIGHT, WIDTH)).astype(np.float64)
    # Smooth content plus noise, so that every branch of the statistics is taken somewhere.
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    smooth = 128 + 60 * np.sin(xx / 5.0) * np.cos(yy / 7.0)
    ref = np.clip(0.5 * base + 0.5 * smooth, 0, 255).astype(np.uint8)
    dis = np.clip(ref + rng.normal(0, 6, ref.shape), 0, 255).astype(np.uint8)
    return ref, dis


def _production(extractor_class, ref, dis, **options):
    extractor = extractor_class(width=ref.shape[-1], height=ref.shape[-2], bitdepth=8, **options)
    values = {}
    for index in range(ref.shape[0]):
        for frame, row in extractor.extract(index, ref[index], dis[index]).items():
            values.setdefault(frame, {}).update(row)
    for frame, row in extractor.flush().items():
        values.setdefault(frame, {}).update(row)
    return values


def _same_bits(a, b):
    np.testing.assert_array_equal(np.asarray(a).view(np.uint32), np.asarray(b).view(np.uint32))


@pytest.mark.parametrize("jitted", [False, True], ids=["eager", "jit"])
def test_float_vif_maps_end_in_the_production_scores(jitted):
    ref, dis = _pair(1)
    r, d = to_float_luma(ref[0], 8), to_float_luma(dis[0], 8)
    maps = (jax.jit(float_vif_maps) if jitted else float_vif_maps)(r, d)
    num, den = float_vif_accumulators(r, d)
    _same_bits(maps["num"], num)
    _same_bits(maps["den"], den)
    scores = float_vif_scores(maps)
    production = _production(FloatVifExtractor, ref, dis, debug=True)[0]
    assert {feature_key(name): value for name, value in scores.items()} == production


def test_float_vif_intermediates_are_the_ones_the_sums_read():
    ref, dis = _pair(2)
    maps = float_vif_maps(to_float_luma(ref[0], 8), to_float_luma(dis[0], 8))
    shapes = [(HEIGHT, WIDTH), (HEIGHT // 2, WIDTH // 2), (HEIGHT // 4, WIDTH // 4), (HEIGHT // 8, WIDTH // 8)]
    for entry, shape in zip(maps["scales"], shapes):
        for name in ("ref", "dis", "mu1", "mu2", "xx", "yy", "xy", "sigma1_sq", "sigma2_sq", "sigma12", "g", "sv_sq",
                     "num_map", "den_map"):
            assert entry[name].shape == shape, name
        # The displayed g, sv^2 and variances are the statistic's own: recomputing num/den
        # from the moments gives the maps the sums were taken of.
        terms = _terms_jit(entry["mu1"], entry["mu2"], entry["xx"], entry["yy"], entry["xy"], faithful=True,
                           gain_limit=100.0, sigma_nsq=2.0)
        _same_bits(terms["num"], entry["num_map"])
        _same_bits(terms["den"], entry["den_map"])
        assert np.all(np.asarray(entry["sigma1_sq"]) >= 0) and np.all(np.asarray(entry["g"]) >= 0)
        assert np.all(np.asarray(entry["sv_sq"]) >= np.float32(1e-10))


@pytest.mark.parametrize("jitted", [False, True], ids=["eager", "jit"])
def test_float_adm_maps_end_in_the_production_scores(jitted):
    ref, dis = _pair(3)
    r, d = to_float_luma(ref[0], 8), to_float_luma(dis[0], 8)
    maps = (jax.jit(float_adm_maps) if jitted else float_adm_maps)(r, d)
    _same_bits(maps["cube_sums"], float_adm_accumulators(r, d))
    result = float_adm_scores(maps, width=WIDTH, height=HEIGHT)
    production = _production(FloatAdmExtractor, ref, dis, debug=True)[0]
    assert {feature_key(name): value for name, value in result["scores"].items()} == production
    for k in range(4):
        assert float(result["num"][k]) == production[f"adm_num_scale{k}"]
        assert float(result["den"][k]) == production[f"adm_den_scale{k}"]


def test_float_adm_intermediates_are_consistent():
    ref, dis = _pair(4)
    maps = float_adm_maps(to_float_luma(ref[0], 8), to_float_luma(dis[0], 8))
    height, width = HEIGHT, WIDTH
    for entry in maps["scales"]:
        height, width = (height + 1) // 2, (width + 1) // 2
        for band in ("a", "v", "h", "d"):
            assert entry["ref_bands"][band].shape == (height, width)
        top, bottom, left, right = entry["region"]
        for band in "hvd":
            # Decoupling splits the distorted detail into restored + additive (additive = t - r,
            # rounded once in float32).
            restored = np.asarray(entry["restored"][band], np.float64)
            additive = np.asarray(entry["additive"][band], np.float64)
            target = np.asarray(entry["dis_bands"][band], np.float64)
            np.testing.assert_allclose(restored + additive, target, rtol=0, atol=1e-6 * np.abs(target).max())
            for name in ("csf_ref", "masked_restored", "masked_additive"):
                term = np.asarray(entry[name][band])
                assert term.shape == (bottom - top, right - left) and np.all(term >= 0)
        cubes = np.stack([np.asarray(entry[group][band]) ** 3 for group in ("csf_ref", "masked_restored",
                                                                          "masked_additive") for band in "hvd"])
        np.testing.assert_allclose(cubes.sum(axis=(1, 2)), np.asarray(entry["cube_sums"]), rtol=1e-4)


@pytest.mark.parametrize("jitted", [False, True], ids=["eager", "jit"])
def test_float_motion_maps_and_clip_match_the_extractor(jitted):
    ref, dis = _pair(5, frames=4)
    frames = to_float_luma(ref, 8)
    maps = (jax.jit(float_motion_maps) if jitted else float_motion_maps)(frames[0], frames[1])
    clip = float_motion_clip(frames)
    production = _production(FloatMotionExtractor, ref, dis)
    assert float(np.float32(maps["sad"])) == clip["motion"][1]
    assert clip["motion"] == [production[i]["motion"] for i in range(4)]
    assert clip["motion2"] == [production[i]["motion2"] for i in range(4)]
    np.testing.assert_array_equal(np.asarray(maps["difference"]),
                                  np.abs(np.asarray(maps["blurred_prev"]) - np.asarray(maps["blurred_cur"])))


def test_integer_motion_maps_match_the_extractor():
    ref, dis = _pair(6, frames=2)
    maps = integer_motion_maps(ref[0], ref[1])
    assert int(maps["sad"]) == int(motion_sad(ref[0], ref[1], bitdepth=8))
    assert int(np.abs(np.asarray(maps["blurred_difference"], np.int64)).sum()) == int(maps["sad"])
    production = _production(IntegerMotionExtractor, ref, dis)
    assert maps["score"] == production[1][feature_key("VMAF_integer_feature_motion_sad_score")]


def test_example_clips_are_the_bundled_pair(tmp_path):
    from vmafref.io import open_pair

    ref, dis = example_clips(frame_count=3)
    assert ref.shape == dis.shape == (3, EXAMPLE_HEIGHT, EXAMPLE_WIDTH) and ref.dtype == np.uint8
    import importlib.resources

    paths = []
    for name, tag in (("src01_hrc00_160x90_ref.yuv.xz", "ref"), ("src01_hrc01_160x90_dis.yuv.xz", "dis")):
        resource = importlib.resources.files("vmafref") / "data" / "example" / name
        target = tmp_path / f"{tag}.yuv"
        with resource.open("rb") as handle:
            target.write_bytes(lzma.decompress(handle.read()))
        paths.append(str(target))
    with open_pair(paths[0], paths[1], width=160, height=90, pixel_format="420", bitdepth=8, frame_cnt=3) as pair:
        for index, ref_frame, dis_frame in pair:
            np.testing.assert_array_equal(ref_frame.y, ref[index])
            np.testing.assert_array_equal(dis_frame.y, dis[index])
