"""float_vif against libvmaf's float VIF (see specs/float_vif.md)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from golden_runs import (
    FLOAT_FEATURE_CASES_64X48, FLOAT_FEATURE_CASES_ODD, assert_float_features_close, clip_frames, expected_run,
    extractor_for, run_extractor, to_array,
)

from vmafref.features._float_common import FrameSizeError, UnsupportedBitdepthError, to_float_luma
from vmafref.features.float_vif import (
    FloatVifExtractor,
    float_vif_accumulators,
    log2f_approx,
    vif_filters,
)

VIF_KEYS = [f"vif_scale{k}" for k in range(4)]
VIF_DEBUG_KEYS = ["vif", "vif_num", "vif_den"] + [f"vif_{p}_scale{k}" for k in range(4) for p in ("num", "den")]


FAST, ODD = FLOAT_FEATURE_CASES_64X48, FLOAT_FEATURE_CASES_ODD
SMALL = FAST[0]


def _extractor(case_id, **options):
    return extractor_for(FloatVifExtractor, case_id, **options)


def _check(case_id):
    got = run_extractor(_extractor(case_id, debug=True), case_id)
    assert_float_features_close(got, expected_run(case_id, "float_features")["frames"], VIF_KEYS + VIF_DEBUG_KEYS)


@pytest.mark.parametrize("case_id", FAST)
def test_matches_libvmaf(case_id):
    _check(case_id)


@pytest.mark.slow
@pytest.mark.parametrize("case_id", ODD)
def test_matches_libvmaf_odd_sizes(case_id):
    _check(case_id)


def test_egl1_keys_and_values():
    got = run_extractor(_extractor(SMALL, vif_enhn_gain_limit=1.0), SMALL)
    expected = expected_run(SMALL, "float_features_egl1")["frames"]
    keys = [k for k in expected[0] if k.startswith("vif")]
    assert all(k.endswith("_egl_1") for k in keys)
    for frame in got:
        assert sorted(frame) == sorted(keys)
    assert_float_features_close(got, expected, keys)


def _frames():
    reference, distorted = clip_frames(SMALL)
    return (np.stack([to_float_luma(r, 8) for r in to_array(reference)[:2]]),
            np.stack([to_float_luma(d, 8) for d in to_array(distorted)[:2]]))


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


# Each example compiles the stages and the one-program scales for its own shapes (a few seconds):
# one drawn example in the default suite, besides the explicit one.
@settings(max_examples=1, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), height=st.integers(16, 61), width=st.integers(16, 61),
       first=st.sampled_from([1, 2, 3]), convention=st.sampled_from(["f85a8536", "v3.0"]),
       batch=st.sampled_from([(), (2,)]))
@example(seed=0, height=37, width=53, first=1, convention="v3.0", batch=(2,))
def test_small_scales_program_equals_the_stages(seed, height, width, first, convention, batch):
    """The one-program scales (``_small_scales``) give the stages' float32 num and den to the
    bit, from any scale, in both conventions, batched or not."""
    from vmafref.features import float_vif

    rng = np.random.default_rng(seed)
    ref, dis = (jnp.asarray(rng.integers(0, 256, batch + (height, width)).astype(np.float32) - 128)
                for _ in range(2))
    saved, float_vif._SMALL_SCALES_MAX_SAMPLES = float_vif._SMALL_SCALES_MAX_SAMPLES, -1
    try:
        staged = float_vif.float_vif_accumulators(ref, dis, convention=convention)
    finally:
        float_vif._SMALL_SCALES_MAX_SAMPLES = saved
    stages = float_vif._vif_scale_stages(ref, dis, faithful=True, gain_limit=100.0, sigma_nsq=2.0,
                                         convention=convention)
    for _ in range(first):
        ref_s, dis_s, *_ = next(stages)
    nums, dens = float_vif._small_scales_jit(ref_s, dis_s, first=first, faithful=True, gain_limit=100.0,
                                             sigma_nsq=2.0, convention=convention)
    assert len(nums) == len(dens) == 4 - first
    for offset, (num, den) in enumerate(zip(nums, dens)):
        np.testing.assert_array_equal(np.asarray(num), np.asarray(staged[0])[..., first + offset])
        np.testing.assert_array_equal(np.asarray(den), np.asarray(staged[1])[..., first + offset])


def test_production_sums_take_the_one_program_scales_on_small_planes():
    """On a CPU a 64x48 frame's scales 1-3 come from ``_small_scales`` (one compiled call), and
    its sums are the stages' own."""
    from vmafref.features import float_vif

    ref, dis = _frames()
    calls = []
    real = float_vif._small_scales_jit

    def spy(*args, **kwargs):
        calls.append(kwargs["first"])
        return real(*args, **kwargs)

    float_vif._small_scales_jit = spy
    try:
        fused = float_vif_accumulators(ref[0], dis[0])
    finally:
        float_vif._small_scales_jit = real
    saved, float_vif._SMALL_SCALES_MAX_SAMPLES = float_vif._SMALL_SCALES_MAX_SAMPLES, -1
    try:
        staged = float_vif_accumulators(ref[0], dis[0])
    finally:
        float_vif._SMALL_SCALES_MAX_SAMPLES = saved
    assert calls == ([1] if jax.default_backend() == "cpu" else [])
    for part in range(2):
        np.testing.assert_array_equal(np.asarray(fused[part]), np.asarray(staged[part]))


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
