"""Tests for vmafref.features.integer_adm against libvmaf's fixed-point ADM (bit for bit).

Expected values are the golden cases ``adm_*`` (``golden/``, written by ``tools/make_golden.py``
from libvmaf f85a8536's C kernels; docs/golden.md). See specs/integer_adm.md §10.
"""

from __future__ import annotations


import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from vmafref._x64 import x64
from vmafref.features import get_extractor
from vmafref.features.integer_adm import (
    ADM_MIN_SIZE,
    AdmConfig,
    AdmInputError,
    IntegerAdmExtractor,
    adm_accumulators,
    adm_scores,
    integer_adm,
)

from golden_runs import case, cases_with_runs, clip_frames, expected_run, golden_run
from golden_clips import adm_luma_pair  # noqa: E402  (the frames' generator, tools/golden_clips.py)

#: The golden integer ADM cases: case id -> the run (``adm`` or one with options).
EXPECTED = cases_with_runs("adm_", "adm")

#: A quick representative subset; the rest is marked slow (each geometry / option set compiles).
FAST_CASES = {f"adm_{name}" for name in ("noise_8bit_161x91", "sharpen_10bit_161x91", "identical_8bit_161x91",
                                         "black_8bit_161x91", "min_8bit_33x33", "egl1_8bit_161x91")}


def _case_params():
    for case_id in sorted(EXPECTED):
        marks = () if case_id in FAST_CASES else (pytest.mark.slow,)
        yield pytest.param(case_id, id=case_id, marks=marks)


def test_every_case_is_one_frame_of_one_run():
    assert len(EXPECTED) == 24
    for case_id, run_id in EXPECTED.items():
        assert case(case_id)["frame_count"] == 1 and [run["id"] for run in case(case_id)["runs"]] == [run_id]


@pytest.mark.parametrize("case_id", list(_case_params()))
def test_matches_libvmaf_exactly(case_id):
    entry = case(case_id)
    (feature,) = golden_run(case_id, EXPECTED[case_id])["features"]
    options = {key: value for key, value in feature["options"].items() if key != "debug"}
    (reference,), (distorted,) = clip_frames(case_id)
    extractor = IntegerAdmExtractor(width=entry["width"], height=entry["height"], bitdepth=entry["bitdepth"],
                                    debug=True, **options)
    got = extractor.extract(0, reference[0], distorted[0])[0]
    (expected,) = expected_run(case_id, EXPECTED[case_id])["frames"]
    assert set(got) == set(expected)
    mismatched = {k: (got[k], v) for k, v in expected.items() if got[k] != v}
    assert not mismatched


@pytest.mark.parametrize("case_id", ["adm_noise_8bit_161x91", "adm_sharpen_10bit_161x91", "adm_egl1_8bit_161x91"])
def test_scales_as_separate_stages_match_libvmaf_exactly(case_id, monkeypatch):
    """The golden cases' small bands run scales 1-3 as one program; forced down the chain of
    stages that larger frames take (specs/integer_adm.md §8), they give libvmaf's values too."""
    from vmafref.features import integer_adm

    monkeypatch.setattr(integer_adm, "_SMALL_SCALES_MAX_SAMPLES", -1)
    test_matches_libvmaf_exactly(case_id)


@settings(max_examples=2, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), height=st.integers(ADM_MIN_SIZE, 70), width=st.integers(ADM_MIN_SIZE, 70),
       bitdepth=st.sampled_from([8, 10, 16]), first=st.sampled_from([1, 2, 3]), batch=st.sampled_from([(), (2,)]),
       config=st.sampled_from([AdmConfig(), AdmConfig(skip_aim=True, enhn_gain_limit=1.0),
                               AdmConfig(csf_mode=2, skip_scale0=True)]))
@example(seed=0, height=41, width=57, bitdepth=10, first=1, batch=(2,), config=AdmConfig())
def test_small_scales_program_equals_the_stages(seed, height, width, bitdepth, first, batch, config):
    """Scales ``first``..3 as one program (:func:`_small_scales`) give the chain of stages'
    integers, batched or not, with any options."""
    from vmafref.features import integer_adm

    rng = np.random.default_rng(seed)
    dtype = np.uint8 if bitdepth == 8 else np.uint16
    ref, dis = (rng.integers(0, 1 << bitdepth, batch + (height, width)).astype(dtype) for _ in range(2))
    w, h = integer_adm._band_sizes(width, height)[first]
    saved = integer_adm._SMALL_SCALES_MAX_SAMPLES
    try:
        integer_adm._SMALL_SCALES_MAX_SAMPLES = -1
        staged = adm_accumulators(ref, dis, bitdepth, config)
        integer_adm._SMALL_SCALES_MAX_SAMPLES = w * h  # scale `first` is the program's first
        fused = adm_accumulators(ref, dis, bitdepth, config)
    finally:
        integer_adm._SMALL_SCALES_MAX_SAMPLES = saved
    statics = [key[0] for key in integer_adm._small_scales._executables]  # (first, sizes, config)
    assert (first, tuple(integer_adm._band_sizes(width, height)), config) in statics
    _assert_tree_equal(fused, staged)


def test_default_keys_without_debug():
    ref, dis = adm_luma_pair("noise", 48, 40, 8, 0)
    got = IntegerAdmExtractor(width=48, height=40, bitdepth=8).extract(3, ref, dis)
    assert list(got) == [3]
    assert set(got[3]) == {"integer_adm2", "integer_aim", "integer_adm3", "integer_adm_scale0",
                           "integer_adm_scale1", "integer_adm_scale2", "integer_adm_scale3"}


def test_feature_param_suffix():
    ref, dis = adm_luma_pair("noise", 48, 40, 8, 0)
    got = IntegerAdmExtractor(width=48, height=40, bitdepth=8, adm_enhn_gain_limit="1").extract(0, ref, dis)[0]
    assert "integer_adm2_egl_1" in got and "integer_adm_scale3_egl_1" in got
    got = IntegerAdmExtractor(width=48, height=40, bitdepth=8, adm_skip_aim=True).extract(0, ref, dis)[0]
    assert "integer_adm2" in got and got["integer_aim"] == 0.0  # not a feature parameter


def test_registered_under_libvmaf_name():
    assert get_extractor("adm") is IntegerAdmExtractor
    assert IntegerAdmExtractor.name == "adm"


def _pairs(n, width=48, height=40, bitdepth=8):
    pairs = [adm_luma_pair("sharpen", width, height, bitdepth, seed) for seed in range(n)]
    return np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs])


def _assert_tree_equal(a, b):
    for key in ("num", "aim", "den"):
        assert a[key].dtype == b[key].dtype
        np.testing.assert_array_equal(np.asarray(a[key]), np.asarray(b[key]))


def test_batched_and_vmapped_equal_per_frame():
    refs, diss = _pairs(3)
    single = [adm_accumulators(refs[i], diss[i], 8) for i in range(3)]
    stacked = {k: jnp.stack([s[k] for s in single]) for k in single[0]}
    _assert_tree_equal(adm_accumulators(refs, diss, 8), stacked)
    with x64():
        vmapped = jax.vmap(lambda r, d: adm_accumulators(r, d, 8))(refs, diss)
    _assert_tree_equal(vmapped, stacked)


@pytest.mark.slow
def test_jit_of_whole_pipeline_equals_eager():
    refs, diss = _pairs(1, width=40, height=36, bitdepth=10)
    eager = adm_accumulators(refs[0], diss[0], 10, AdmConfig(enhn_gain_limit=1.0))
    with x64():
        jitted = jax.jit(lambda r, d: adm_accumulators(r, d, 10, AdmConfig(enhn_gain_limit=1.0)))(refs[0], diss[0])
    _assert_tree_equal(jitted, eager)


def test_integer_adm_equals_extractor():
    ref, dis = adm_luma_pair("blur", 48, 40, 8, 4)
    values = integer_adm(ref, dis, 8)
    got = IntegerAdmExtractor(width=48, height=40, bitdepth=8, debug=True).extract(0, ref, dis)[0]
    assert values["adm2"] == got["integer_adm2"] and values["num_scale2"] == got["integer_adm_num_scale2"]
    acc = adm_accumulators(ref, dis, 8)
    assert adm_scores(acc, 48, 40) == values


def test_identical_pair_scores_one_per_scale():
    ref, _ = adm_luma_pair("noise", 48, 40, 8, 1)
    values = integer_adm(ref, ref, 8)
    # Restored == reference bands, so only the hard-coded scale-0 factor differs from den.
    for k in (1, 2, 3):
        assert values[f"scale{k}"] == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("width,height", [(ADM_MIN_SIZE - 1, 40), (40, ADM_MIN_SIZE - 1), (27, 33)])
def test_too_small_frames_raise(width, height):
    ref = np.zeros((height, width), np.uint8)
    with pytest.raises(AdmInputError, match="33"):
        adm_accumulators(ref, ref, 8)
    with pytest.raises(AdmInputError):
        IntegerAdmExtractor(width=width, height=height, bitdepth=8)


def test_bad_inputs_raise():
    ref = np.zeros((40, 48), np.uint8)
    with pytest.raises(AdmInputError, match="shape"):
        adm_accumulators(ref, np.zeros((40, 50), np.uint8), 8)
    with pytest.raises(AdmInputError, match="bitdepth"):
        adm_accumulators(ref, ref, 7)
    with pytest.raises(AdmInputError, match="integer"):
        adm_accumulators(ref.astype(np.float32), ref.astype(np.float32), 8)
    extractor = IntegerAdmExtractor(width=48, height=40, bitdepth=8)
    with pytest.raises(AdmInputError, match="shape"):
        extractor.extract(0, ref[:, :40], ref[:, :40])


@pytest.mark.parametrize("options,match", [
    ({"adm_csf_mode": 1}, "adm_csf_mode"),
    ({"adm_csf_mode": 4}, "adm_csf_mode"),
    ({"adm_norm_view_dist": 1.0}, "3 \\* 1080"),
    ({"adm_ref_display_height": 720}, "3 \\* 1080"),
    ({"adm_noise_weight": 0.0}, "adm_noise_weight"),
    ({"adm_enhn_gain_limit": 0.5}, "adm_enhn_gain_limit"),
    ({"adm_p_norm": 3.0}, "unknown option"),
])
def test_unsupported_or_invalid_options_raise(options, match):
    with pytest.raises(ValueError, match=match):
        IntegerAdmExtractor(width=48, height=40, bitdepth=8, **options)


def test_simd_tail_rule_predicts_every_recorded_simd_disagreement():
    """libvmaf's SIMD ADM disagreements recorded with each golden case (cpumask 0: AVX-512,
    16: AVX2) start exactly at the scale :func:`simd_tail_scale` names (specs/integer_adm.md §9)."""
    import json
    import re

    from golden_runs import GOLDEN

    from vmafref.features.integer_adm import simd_tail_scale

    checked = affected = 0
    for entry in json.loads((GOLDEN / "manifest.json").read_text())["cases"]:
        recorded = entry["libvmaf"].get("simd_disagreements")
        has_adm = any(run["model_family"] in ("vmaf",) or any(f["name"] == "adm" for f in run["features"])
                      for run in entry["runs"])
        if recorded is None or not has_adm:
            continue
        for mask, kernel in (("0", "avx512"), ("16", "avx2")):
            adm_keys = " ".join(key for key in recorded[mask] if "adm" in key.split("/")[1])
            scales = [int(s) for s in re.findall(r"_scale(\d)", adm_keys) if int(s) >= 1]
            first = min(scales, default=None)
            assert first == simd_tail_scale(entry["width"], kernel), (entry["id"], kernel, first)
            checked += 1
            affected += first is not None
    assert checked >= 80 and 20 <= affected < checked


@pytest.mark.parametrize(("width", "avx2", "avx512"), [
    (1920, None, None), (1280, None, None), (3840, None, None), (160, None, None),
    (33, 1, 1), (80, 3, None), (101, 2, None), (161, 2, 2), (70, 2, 2), (49, 1, None)])
def test_simd_tail_scale_at_common_and_affected_widths(width, avx2, avx512):
    from vmafref.features.integer_adm import simd_tail_scale

    assert simd_tail_scale(width, "avx2") == avx2 and simd_tail_scale(width, "avx512") == avx512


def _angle_flag_c(oh, ov, th, tv):
    """The C angle test (``integer_adm.c:861-871``): int64 dot product and norms, each
    converted to float, then compared in double."""
    oh, ov, th, tv = (np.asarray(x, np.int64) for x in (oh, ov, th, tv))

    def as_double(v):
        return v.astype(np.float32).astype(np.float64) / 4096.0

    ot = as_double(oh * th + ov * tv)
    cos_sq = np.float64(np.float32(np.cos(np.pi / 180.0) * np.cos(np.pi / 180.0)))
    return (ot >= 0.0) & (ot * ot >= (cos_sq * as_double(oh * oh + ov * ov)) * as_double(th * th + tv * tv))


@pytest.mark.parametrize("jitted", [False, True], ids=["eager", "jit"])
def test_scale0_angle_test_in_float64_equals_c_int64(jitted):
    """The int16-band angle test (int32 products summed in float64) decides as C's int64 one,
    on the int16 extremes and on pairs within a fraction of a degree of the 1-degree limit."""
    from vmafref.features.integer_adm import _angle_flag

    rng = np.random.default_rng(7)
    n = 200_000
    extremes = np.array([-32768, -32767, -1, 0, 1, 32766, 32767], np.int16)
    oh = np.concatenate([rng.choice(extremes, n // 4), rng.integers(-32768, 32768, n - n // 4)]).astype(np.int16)
    ov = np.concatenate([rng.choice(extremes, n // 4), rng.integers(-32768, 32768, n - n // 4)]).astype(np.int16)
    # t: o turned by an angle near 1 degree and rescaled, so that both sides of the limit occur.
    angle = np.deg2rad(rng.uniform(0.9, 1.1, n)) * rng.choice([-1.0, 1.0], n)
    scale = rng.uniform(0.2, 1.0, n)
    th = np.clip(np.rint(scale * (oh * np.cos(angle) - ov * np.sin(angle))), -32768, 32767).astype(np.int16)
    tv = np.clip(np.rint(scale * (oh * np.sin(angle) + ov * np.cos(angle))), -32768, 32767).astype(np.int16)
    th[: n // 8] = rng.choice(extremes, n // 8)  # and the extremes against the extremes
    expected = _angle_flag_c(oh, ov, th, tv)
    assert 0.2 < expected.mean() < 0.8  # both outcomes well represented

    def flag(*planes):
        return _angle_flag(*planes, int16_bands=True)

    with x64():
        fn = jax.jit(flag) if jitted else flag
        got = np.asarray(fn(*(jnp.asarray(x) for x in (oh, ov, th, tv))))
    np.testing.assert_array_equal(got, expected)
