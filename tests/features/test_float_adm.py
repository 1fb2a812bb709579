"""float_adm against libvmaf's float ADM (see specs/float_adm.md)."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from golden_runs import (
    FLOAT_FEATURE_CASES_64X48, FLOAT_FEATURE_CASES_ODD, assert_float_features_close, case, clip_frames,
    expected_run, extractor_for, run_extractor, to_array,
)

from vmafref.features._float_common import FrameSizeError, to_float_luma
from vmafref.features.float_adm import FloatAdmExtractor, adm_csf_factors, float_adm_accumulators

ADM_KEYS = ["adm2", "aim", "adm3"] + [f"adm_scale{k}" for k in range(4)]
ADM_DEBUG_KEYS = ["adm", "adm_num", "adm_den"] + [f"adm_{p}_scale{k}" for k in range(4) for p in ("num", "den")]
FAST, ODD = FLOAT_FEATURE_CASES_64X48, FLOAT_FEATURE_CASES_ODD
SMALL = FAST[0]


def _extractor(case_id, **options):
    return extractor_for(FloatAdmExtractor, case_id, rcpss=case(case_id)["libvmaf"]["rcpss"], **options)


def _check(case_id):
    got = run_extractor(_extractor(case_id, debug=True), case_id)
    expected = expected_run(case_id, "float_features")["frames"]
    for frame in got:
        assert sorted(frame) == sorted(ADM_KEYS + ADM_DEBUG_KEYS)
    assert_float_features_close(got, expected, ADM_KEYS + ADM_DEBUG_KEYS)


@pytest.mark.parametrize("case_id", FAST)
def test_matches_libvmaf(case_id):
    _check(case_id)


@pytest.mark.slow
@pytest.mark.parametrize("case_id", ODD)
def test_matches_libvmaf_odd_sizes(case_id):
    _check(case_id)


def test_egl1_keys_and_values():
    got = run_extractor(_extractor(SMALL, adm_enhn_gain_limit=1.0), SMALL)
    expected = expected_run(SMALL, "float_features_egl1")["frames"]
    keys = [k for k in expected[0] if k.startswith("adm") or k.startswith("aim")]
    assert all(k.endswith("_egl_1") for k in keys)
    for frame in got:
        assert sorted(frame) == sorted(keys)
    assert_float_features_close(got, expected, keys)



def test_egl1_debug_key_adm_keeps_its_bare_name():
    """libvmaf writes the debug ``adm`` unsuffixed: it is missing from float_adm.c's
    provided_features (specs/float_adm.md §8); every other key carries ``_egl_1``."""
    got = run_extractor(_extractor(SMALL, adm_enhn_gain_limit=1.0, debug=True), SMALL)
    expected = expected_run(SMALL, "float_features_egl1")["frames"]
    for frame in got:
        assert sorted(frame) == sorted(["adm"] + [f"{k}_egl_1" for k in ADM_KEYS + ADM_DEBUG_KEYS if k != "adm"])
        assert frame["adm"] == frame["adm2_egl_1"]  # float_adm.c writes the same score twice
    assert_float_features_close(got, expected, [k for k in expected[0] if k.startswith("adm") or k.startswith("aim")])


def _frames():
    reference, distorted = clip_frames(SMALL)
    return (np.stack([to_float_luma(r, 8) for r in to_array(reference)[:2]]),
            np.stack([to_float_luma(d, 8) for d in to_array(distorted)[:2]]))


def test_vmap_agrees_with_single_frames():
    ref, dis = _frames()
    single = [np.asarray(float_adm_accumulators(ref[i], dis[i])) for i in range(2)]
    batched = np.asarray(jax.vmap(float_adm_accumulators)(ref, dis))
    for i in range(2):
        np.testing.assert_array_equal(single[i], batched[i])


@pytest.mark.slow
def test_one_jitted_program_agrees():
    # Traced under an outer jit the stages inline into one program (slow to compile, same bits).
    ref, dis = _frames()
    jitted = np.asarray(jax.jit(float_adm_accumulators)(ref[0], dis[0]))
    np.testing.assert_array_equal(jitted, np.asarray(float_adm_accumulators(ref[0], dis[0])))


def test_csf_factors_match_the_documented_values():
    # libvmaf notes: rfactor h,v / d at lambda 0..3 for the default viewing setup.
    documented = [(0.017382, 0.005891), (0.031985, 0.014299), (0.043373, 0.024397), (0.045673, 0.031313)]
    for scale, (hv, d) in enumerate(documented):
        f1, f2 = adm_csf_factors(scale)
        assert abs(f1 - hv) < 1e-6 and abs(f2 - d) < 1e-6


@pytest.mark.parametrize("width, height", [(16, 16), (16, 40), (40, 16)])
def test_sixteen_samples_are_refused_where_the_scale3_band_is_one_sample(width, height):
    # libvmaf reads outside its scale-3 bands there (specs/float_adm.md §1); 17 is computed.
    with pytest.raises(FrameSizeError, match="at least 17x17"):
        FloatAdmExtractor(width=width, height=height, bitdepth=8)
    plane = np.zeros((height, width), np.float32)
    with pytest.raises(FrameSizeError):
        float_adm_accumulators(plane, plane)


def test_seventeen_samples_are_computed():
    plane = np.zeros((17, 17), np.float32)
    assert np.asarray(float_adm_accumulators(plane, plane)).shape == (4, 9)


def test_bad_input_raises():
    with pytest.raises(FrameSizeError):
        FloatAdmExtractor(width=64, height=8, bitdepth=8)
    with pytest.raises(NotImplementedError):
        FloatAdmExtractor(width=64, height=48, bitdepth=8, adm_csf_mode=2)
    with pytest.raises(ValueError):
        FloatAdmExtractor(width=64, height=48, bitdepth=8, egl=1.0)
