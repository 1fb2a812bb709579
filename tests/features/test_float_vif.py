"""float_vif against libvmaf's float VIF (see specs/float_vif.md)."""

from __future__ import annotations

import pathlib
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent / "data" / "float_golden"))
from golden import CASES, EXPECTED, assert_close, make_clip, run_extractor  # noqa: E402

from vmafref.features._float_common import FrameSizeError, UnsupportedBitdepthError, to_float_luma  # noqa: E402
from vmafref.features.float_vif import (  # noqa: E402
    FloatVifExtractor,
    float_vif_accumulators,
    log2f_approx,
    vif_filters,
)

VIF_KEYS = [f"vif_scale{k}" for k in range(4)]
VIF_DEBUG_KEYS = ["vif", "vif_num", "vif_den"] + [f"vif_{p}_scale{k}" for k in range(4) for p in ("num", "den")]


FAST = ["small_8bit", "identical_8bit", "flat_8bit", "dark_8bit"]


def _check(name):
    case = CASES[name]
    refs, diss = make_clip(**case)
    height, width = refs[0].shape
    extractor = FloatVifExtractor(width=width, height=height, bitdepth=case["bitdepth"], debug=True)
    got = run_extractor(extractor, refs, diss)
    for frame, want in zip(got, EXPECTED[f"{name}/default"]):
        assert_close(frame, want, VIF_KEYS + VIF_DEBUG_KEYS)


@pytest.mark.parametrize("name", FAST)
def test_matches_libvmaf(name):
    _check(name)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(set(CASES) - set(FAST)))
def test_matches_libvmaf_odd_sizes(name):
    _check(name)


def test_egl1_keys_and_values():
    case = CASES["small_8bit"]
    refs, diss = make_clip(**case)
    extractor = FloatVifExtractor(width=64, height=48, bitdepth=8, vif_enhn_gain_limit=1.0)
    got = run_extractor(extractor, refs, diss)
    for frame, want in zip(got, EXPECTED["small_8bit/egl1"]):
        keys = [k for k in want if k.startswith("vif")]
        assert sorted(frame) == sorted(keys)
        assert all(k.endswith("_egl_1") for k in keys)
        assert_close(frame, want, keys)


def _frames():
    refs, diss = make_clip(seed=9, width=64, height=48, frames=2, bitdepth=8)
    return np.stack([to_float_luma(r, 8) for r in refs]), np.stack([to_float_luma(d, 8) for d in diss])


def test_vmap_agrees_with_single_frames():
    ref, dis = _frames()
    single = [float_vif_accumulators(ref[i], dis[i]) for i in range(2)]
    batched = jax.vmap(float_vif_accumulators)(ref, dis)
    for i in range(2):
        for part in range(2):
            np.testing.assert_array_equal(np.asarray(single[i][part]), np.asarray(batched[part][i]))


@pytest.mark.slow
def test_one_jitted_program_agrees():
    # Traced under an outer jit the stages inline into one program (slow to compile, same bits).
    ref, dis = _frames()
    jitted = jax.jit(float_vif_accumulators)(ref[0], dis[0])
    staged = float_vif_accumulators(ref[0], dis[0])
    for part in range(2):
        np.testing.assert_array_equal(np.asarray(jitted[part]), np.asarray(staged[part]))


def test_filters_are_normalised_gaussians():
    sizes = [len(f) for f in vif_filters()]
    assert sizes == [17, 9, 5, 3]
    for taps in vif_filters():
        assert taps.dtype == np.float32
        assert abs(float(np.sum(taps, dtype=np.float64)) - 1.0) < 1e-6
        np.testing.assert_array_equal(taps, taps[::-1])


def test_log2_polynomial_is_close_to_log2():
    from vmafref.features._float_common import Arith

    x = jnp.asarray(np.geomspace(1.0, 1e6, 1000, dtype=np.float32))
    approx = np.asarray(log2f_approx(x, Arith(x)))
    assert np.max(np.abs(approx - np.log2(np.asarray(x, np.float64)))) < 1e-4


def test_bad_input_raises():
    with pytest.raises(UnsupportedBitdepthError):
        FloatVifExtractor(width=64, height=48, bitdepth=9)
    with pytest.raises(FrameSizeError):
        FloatVifExtractor(width=15, height=48, bitdepth=8)
    with pytest.raises(NotImplementedError):
        FloatVifExtractor(width=64, height=48, bitdepth=8, vif_kernelscale=0.5)
    with pytest.raises(ValueError):
        FloatVifExtractor(width=64, height=48, bitdepth=8, vif_enhn_gain_limit=0.5)
    with pytest.raises(ValueError):
        FloatVifExtractor(width=64, height=48, bitdepth=8, no_such_option=1)
