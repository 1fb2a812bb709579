"""float_adm against libvmaf's float ADM (see specs/float_adm.md)."""

from __future__ import annotations

import pathlib
import sys

import jax
import numpy as np
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent / "data" / "float_golden"))
from golden import CASES, EXPECTED, assert_close, make_clip, run_extractor  # noqa: E402

from vmafref.features._float_common import FrameSizeError, to_float_luma  # noqa: E402
from vmafref.features.float_adm import FloatAdmExtractor, adm_csf_factors, float_adm_accumulators  # noqa: E402

ADM_KEYS = ["adm2", "aim", "adm3"] + [f"adm_scale{k}" for k in range(4)]
ADM_DEBUG_KEYS = ["adm", "adm_num", "adm_den"] + [f"adm_{p}_scale{k}" for k in range(4) for p in ("num", "den")]
FAST = ["small_8bit", "identical_8bit", "flat_8bit", "dark_8bit"]


def _check(name):
    case = CASES[name]
    refs, diss = make_clip(**case)
    height, width = refs[0].shape
    extractor = FloatAdmExtractor(width=width, height=height, bitdepth=case["bitdepth"], debug=True)
    got = run_extractor(extractor, refs, diss)
    for frame, want in zip(got, EXPECTED[f"{name}/default"]):
        assert list(frame) == [k for k in want if k.startswith("adm") or k == "aim"] or \
            sorted(frame) == sorted(ADM_KEYS + ADM_DEBUG_KEYS)
        assert_close(frame, want, ADM_KEYS + ADM_DEBUG_KEYS)


@pytest.mark.parametrize("name", FAST)
def test_matches_libvmaf(name):
    _check(name)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(set(CASES) - set(FAST)))
def test_matches_libvmaf_odd_sizes(name):
    _check(name)


def test_egl1_keys_and_values():
    refs, diss = make_clip(**CASES["small_8bit"])
    got = run_extractor(FloatAdmExtractor(width=64, height=48, bitdepth=8, adm_enhn_gain_limit=1.0), refs, diss)
    for frame, want in zip(got, EXPECTED["small_8bit/egl1"]):
        keys = [k for k in want if k.startswith("adm") or k.startswith("aim")]
        assert sorted(frame) == sorted(keys) and all(k.endswith("_egl_1") for k in keys)
        assert_close(frame, want, keys)



def test_egl1_debug_key_adm_keeps_its_bare_name():
    """libvmaf writes the debug ``adm`` unsuffixed: it is missing from float_adm.c's
    provided_features (specs/float_adm.md §8); every other key carries ``_egl_1``."""
    refs, diss = make_clip(**CASES["small_8bit"])
    extractor = FloatAdmExtractor(width=64, height=48, bitdepth=8, adm_enhn_gain_limit=1.0, debug=True)
    got = run_extractor(extractor, refs, diss)
    for frame, want in zip(got, EXPECTED["small_8bit/egl1"]):
        assert sorted(frame) == sorted(["adm"] + [f"{k}_egl_1" for k in ADM_KEYS + ADM_DEBUG_KEYS if k != "adm"])
        assert frame["adm"] == frame["adm2_egl_1"]  # float_adm.c writes the same score twice
        assert_close(frame, want, [k for k in want if k.startswith("adm") or k.startswith("aim")])


def _frames():
    refs, diss = make_clip(seed=9, width=64, height=48, frames=2, bitdepth=8)
    return np.stack([to_float_luma(r, 8) for r in refs]), np.stack([to_float_luma(d, 8) for d in diss])


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


def test_bad_input_raises():
    with pytest.raises(FrameSizeError):
        FloatAdmExtractor(width=64, height=8, bitdepth=8)
    with pytest.raises(NotImplementedError):
        FloatAdmExtractor(width=64, height=48, bitdepth=8, adm_csf_mode=2)
    with pytest.raises(ValueError):
        FloatAdmExtractor(width=64, height=48, bitdepth=8, egl=1.0)
