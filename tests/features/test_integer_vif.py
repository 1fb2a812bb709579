"""Integer VIF against libvmaf f85a8536, with zero tolerance. See specs/integer_vif.md §8."""

from __future__ import annotations

import ctypes
import ctypes.util

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from vmafref.features import get_extractor
from vmafref.features.integer_vif import (
    LOG2_TABLE,
    IntegerVifExtractor,
    VifInputError,
    vif_features,
    vif_num_den,
    vif_scale_scores,
)

from golden_runs import case, cases_with_runs, clip_frames, expected_run, golden_run, to_array

#: The golden cases with an integer VIF run (``vif_motion_*``, tools/make_golden.py):
#: case id -> the run (``vif`` or one with options).
EXPECTED = cases_with_runs("vif_motion_", "vif")

#: One case per code path, run by default; the rest of the sweep is marked slow
#: (each new plane size costs an XLA compilation of several seconds).
FAST_CASES = {f"vif_motion_{name}" for name in (
    "natural_8bit_64x48", "natural_10bit_57x41", "natural_12bit_48x37", "natural_16bit_40x33",
    "min_8bit_16x16", "sharpened_8bit_64x48_egl1", "skip_scale0_8bit_48x32")}

#: libvmaf's order of the debug keys (its output, before option suffixes).
DEBUG_KEY_ORDER = ["integer_vif_scale0", "integer_vif_scale1", "integer_vif_scale2", "integer_vif_scale3",
                   "integer_vif", "integer_vif_num", "integer_vif_den", "integer_vif_num_scale0",
                   "integer_vif_den_scale0", "integer_vif_num_scale1", "integer_vif_den_scale1",
                   "integer_vif_num_scale2", "integer_vif_den_scale2", "integer_vif_num_scale3",
                   "integer_vif_den_scale3"]
_SUFFIX = {"vif": "", "vif_egl_1": "_egl_1", "vif_egl_1_5": "_egl_1.5", "vif_skip_scale0": "_ssclz"}


def _options(case_id: str) -> dict[str, str]:
    """The run's VIF options (debug aside)."""
    (feature,) = golden_run(case_id, EXPECTED[case_id])["features"]
    return {key: value for key, value in feature["options"].items() if key != "debug"}


def _luma(case_id: str) -> tuple[np.ndarray, np.ndarray]:
    reference, distorted = clip_frames(case_id)
    return to_array(reference), to_array(distorted)


@pytest.mark.parametrize("case_id", [
    pytest.param(case_id, marks=() if case_id in FAST_CASES else pytest.mark.slow) for case_id in EXPECTED])
def test_extractor_matches_libvmaf_exactly(case_id):
    entry = case(case_id)
    ref, dis = _luma(case_id)
    extractor = IntegerVifExtractor(width=entry["width"], height=entry["height"], bitdepth=entry["bitdepth"],
                                    debug=True, **_options(case_id))
    suffix = _SUFFIX[EXPECTED[case_id]]
    for index, expected in enumerate(expected_run(case_id, EXPECTED[case_id])["frames"]):
        got = extractor.extract(index, ref[index], dis[index])[index]
        assert list(got) == [key + suffix for key in DEBUG_KEY_ORDER], "key names or order differ from libvmaf"
        assert set(got) == set(expected)
        mismatches = {key: (got[key], value) for key, value in expected.items() if got[key] != value}
        assert not mismatches, f"frame {index}: {mismatches}"


#: Module settings that send the golden cases' small planes down the paths large frames take:
#: scale 0 in strips (from 1080p on; several strips, the last overlapping), and scales 1-3 as a
#: chain of stages (planes above 80,000 samples; the golden cases run them as one program).
_LARGE_FRAME_PATHS = {
    "scale0_strips": {"_STRIPS_MIN_SAMPLES": 0, "_STRIP_SAMPLES": 7 * 64},
    "separate_stages": {"_SMALL_SCALES_MAX_SAMPLES": -1},
}


@pytest.mark.parametrize("path", sorted(_LARGE_FRAME_PATHS))
@pytest.mark.parametrize("case_id", ["vif_motion_natural_8bit_64x48", "vif_motion_natural_10bit_57x41"])
def test_large_frame_paths_match_libvmaf_exactly(case_id, path, monkeypatch):
    """Scale 0 in strips and scales 1-3 as separate stages (specs/integer_vif.md §9), forced on
    the golden cases, give libvmaf's values."""
    from vmafref.features import integer_vif

    for name, value in _LARGE_FRAME_PATHS[path].items():
        monkeypatch.setattr(integer_vif, name, value)
    entry = case(case_id)
    ref, dis = _luma(case_id)
    extractor = IntegerVifExtractor(width=entry["width"], height=entry["height"], bitdepth=entry["bitdepth"],
                                    debug=True)
    for index, expected in enumerate(expected_run(case_id, EXPECTED[case_id])["frames"]):
        got = extractor.extract(index, ref[index], dis[index])[index]
        assert {key: got[key] for key in expected} == expected, f"frame {index}"


@settings(max_examples=3, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), height=st.integers(16, 60), width=st.integers(16, 60),
       bitdepth=st.sampled_from([8, 10, 16]), first=st.sampled_from([1, 2, 3]), batch=st.sampled_from([(), (2,)]))
@example(seed=0, height=41, width=57, bitdepth=10, first=1, batch=(2,))
def test_small_scales_program_equals_the_stages(seed, height, width, bitdepth, first, batch):
    """The one-program scales (:func:`_small_scales`) give the chain of stages' num and den bit
    for bit, from any scale, batched or not."""
    from vmafref._x64 import x64
    from vmafref.features import integer_vif

    rng = np.random.default_rng(seed)
    dtype = np.uint8 if bitdepth == 8 else np.uint16
    ref, dis = (rng.integers(0, 1 << bitdepth, batch + (height, width)).astype(dtype) for _ in range(2))
    radii = [len(taps) // 2 for taps in integer_vif.VIF_FILTERS]
    with x64():
        ref_p, dis_p = integer_vif._pad_planes_fns[1](ref, dis, radius=radii[0])
        for scale in range(1, first):
            ref_v, dis_v = integer_vif._subsample_vertical_fns[1](ref_p, dis_p, scale=scale - 1, bitdepth=bitdepth,
                                                                  pad=radii[scale - 1])
            ref_p, dis_p = integer_vif._subsample_horizontal_fns[1](ref_v, dis_v, scale=scale - 1,
                                                                    pad=radii[scale - 1], next_pad=radii[scale])
        nums, dens = integer_vif._small_scales_fns[1](ref_p, dis_p, first=first, bitdepth=bitdepth, gain_limit=100.0)
        saved, integer_vif._SMALL_SCALES_MAX_SAMPLES = integer_vif._SMALL_SCALES_MAX_SAMPLES, -1
        try:
            staged = integer_vif._vif_num_den(ref, dis, 100.0, bitdepth=bitdepth, skip_scale0=False)
        finally:
            integer_vif._SMALL_SCALES_MAX_SAMPLES = saved
    assert len(nums) == len(dens) == 4 - first
    for offset, (num, den) in enumerate(zip(nums, dens)):
        np.testing.assert_array_equal(np.asarray(num), np.asarray(staged[0])[..., first + offset])
        np.testing.assert_array_equal(np.asarray(den), np.asarray(staged[1])[..., first + offset])


# Each example compiles for its own shapes (about 1.5 s, 4 s on a 2-core AVX2 machine): four in
# the default suite, besides the explicit example.
@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), height=st.integers(1, 23), width=st.integers(1, 19),
       rows=st.integers(1, 23), bitdepth=st.sampled_from([8, 10, 16]), scale=st.sampled_from([0, 1]),
       batch=st.sampled_from([(), (2,)]))
@example(seed=0, height=23, width=9, rows=7, bitdepth=10, scale=0, batch=(2,))  # 7 does not divide 23
def test_strips_equal_the_whole_plane_passes(seed, height, width, rows, bitdepth, scale, batch):
    """Strip by strip, for any strip height (dividing the plane's or not, batched or not), the
    filtered moments are the whole-plane passes' integers."""
    import jax

    from vmafref._x64 import x64
    from vmafref.features import integer_vif

    rows = min(rows, height)
    radius = len(integer_vif.VIF_FILTERS[scale]) // 2
    rng = np.random.default_rng(seed)
    dtype = np.uint8 if bitdepth == 8 and scale == 0 else np.uint16
    top = (1 << bitdepth) - 1 if scale == 0 else 65535
    shape = batch + (height + 2 * radius, width + 2 * radius)
    ref_p, dis_p = (rng.integers(0, top + 1, shape).astype(dtype) for _ in range(2))
    with x64():
        strips = integer_vif._filtered_moments_fns[1](ref_p, dis_p, scale=scale, bitdepth=bitdepth, rows=rows)
        vertical = jax.jit(integer_vif._vertical_moments, static_argnames=("scale", "bitdepth"))(
            ref_p, dis_p, scale=scale, bitdepth=bitdepth)
        whole = [integer_vif._horizontal_pass(x_v, scale=scale, wide=index >= 2) for index, x_v in enumerate(vertical)]
    for index, (got, expected) in enumerate(zip(strips, whole)):
        assert got.dtype == expected.dtype == np.uint32
        np.testing.assert_array_equal(np.asarray(got), np.asarray(expected), err_msg=f"moment {index}")


def test_non_debug_keys_and_egl_suffix():
    ref, dis = _luma("vif_motion_sharpened_8bit_64x48_egl1")
    plain = IntegerVifExtractor(width=ref.shape[2], height=ref.shape[1], bitdepth=8, vif_enhn_gain_limit=1.0)
    keys = list(plain.extract(0, ref[0], dis[0])[0])
    assert keys == [f"integer_vif_scale{s}_egl_1" for s in range(4)]


def test_batched_frames_equal_single_frames():
    ref, dis = _luma("vif_motion_natural_8bit_64x48")
    num_b, den_b = vif_num_den(ref, dis, bitdepth=8)
    for index in range(ref.shape[0]):
        num, den = vif_num_den(ref[index], dis[index], bitdepth=8)
        np.testing.assert_array_equal(np.asarray(num_b[index]), np.asarray(num))
        np.testing.assert_array_equal(np.asarray(den_b[index]), np.asarray(den))


@pytest.mark.slow
def test_eager_equals_jit():
    ref, dis = _luma("vif_motion_min_8bit_16x16")
    jitted = vif_num_den(ref[1], dis[1], bitdepth=8)
    eager = vif_num_den(ref[1], dis[1], bitdepth=8, jit=False)
    for a, b in zip(jitted, eager):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), bitdepth=st.sampled_from([8, 10]))
def test_identical_pair_scores_at_most_one_and_within_bound(seed, bitdepth):
    # libvmaf itself does not give exactly 1 for an identical pair: g*g*sigma1 truncates
    # to sigma1 - 1 and sigma1 < 2 pixels add 1 - sigma2/(16384*65025) to num. Per pixel the
    # deficit is at most 1/2048 of den (specs/integer_vif.md §8), so 1 - 5e-4 <= score <= 1.
    rng = np.random.default_rng(seed)
    dtype = np.uint8 if bitdepth == 8 else np.uint16
    plane = rng.integers(0, 1 << bitdepth, size=(20, 24)).astype(dtype)
    num, den = vif_num_den(plane, plane, bitdepth=bitdepth)
    scores = vif_scale_scores(num, den)
    assert np.all(np.asarray(den) > 0)
    assert np.all(scores <= 1.0) and np.all(scores >= 1.0 - 5e-4), scores


@settings(max_examples=6, deadline=None)
@given(level=st.integers(0, 255), offset=st.integers(-20, 20))
def test_flat_frames_score_exactly_one(level, offset):
    ref = np.full((20, 24), level, np.uint8)
    dis = np.full((20, 24), np.clip(level + offset, 0, 255), np.uint8)
    num, den = vif_num_den(ref, dis, bitdepth=8)
    assert np.all(vif_scale_scores(num, den) == 1.0)


def test_log2_table_matches_c_library_log2f():
    libm_path = ctypes.util.find_library("m")
    if libm_path is None:
        pytest.skip("no C math library to compare with")
    libm = ctypes.CDLL(libm_path)
    libm.log2f.restype = ctypes.c_float
    libm.log2f.argtypes = [ctypes.c_float]
    index = np.arange(32767, 65536)
    c_table = np.array([np.floor(float(np.float32(libm.log2f(float(i)))) * 2048.0 + 0.5) for i in index])
    np.testing.assert_array_equal(LOG2_TABLE[index].astype(np.float64), c_table)
    assert LOG2_TABLE[:32767].max() == 0 and LOG2_TABLE[65536] == 0


def test_debug_values_with_skip_scale0():
    values = vif_features(np.array([5.0, 3.0, 2.0, 1.0], np.float32), np.array([7.0, 4.0, 2.0, 1.0], np.float32),
                          skip_scale0=True, debug=True)
    assert values["VMAF_integer_feature_vif_scale0_score"] == 0.0
    assert values["integer_vif_num"] == 6.0 and values["integer_vif_den"] == 7.0
    assert values["integer_vif_num_scale0"] == 0.0 and values["integer_vif_den_scale0"] == -1.0


def test_registered_under_libvmaf_name():
    assert get_extractor("vif") is IntegerVifExtractor


@pytest.mark.parametrize("shape", [(15, 32), (32, 15), (8, 8)])
def test_too_small_planes_raise(shape):
    plane = np.zeros(shape, np.uint8)
    with pytest.raises(VifInputError, match="at least 16x16"):
        vif_num_den(plane, plane, bitdepth=8)
    with pytest.raises(VifInputError):
        IntegerVifExtractor(width=shape[1], height=shape[0], bitdepth=8)


def test_bad_inputs_raise_clear_errors():
    plane8 = np.zeros((16, 16), np.uint8)
    plane16 = np.zeros((16, 16), np.uint16)
    with pytest.raises(VifInputError, match="dtype"):
        vif_num_den(plane16, plane16, bitdepth=8)
    with pytest.raises(VifInputError, match="dtype"):
        vif_num_den(plane8, plane8, bitdepth=10)
    with pytest.raises(VifInputError, match="bitdepth"):
        vif_num_den(plane16, plane16, bitdepth=17)
    with pytest.raises(VifInputError, match="shape"):
        vif_num_den(plane8, np.zeros((16, 17), np.uint8), bitdepth=8)
    with pytest.raises(ValueError, match="unknown option"):
        IntegerVifExtractor(width=16, height=16, bitdepth=8, egl=1.0)
    with pytest.raises(ValueError, match=">= 1.0"):
        IntegerVifExtractor(width=16, height=16, bitdepth=8, vif_enhn_gain_limit=0.5)


def _c_statistic(mu1, mu2, xx, yy, xy, gain_limit):
    """The per-pixel statistic and sums of ``vif_statistic_8/16`` (integer_vif.c:296-353),
    transcribed pixel rule by pixel rule in NumPy integers and doubles (x86 conversions:
    a double beyond int32 becomes INT_MIN)."""
    mu1, mu2, xx, yy, xy = (a.astype(np.uint64) for a in (mu1, mu2, xx, yy, xy))

    def q32(a, b):
        return ((a * b + np.uint64(1 << 31)) >> np.uint64(32)) & np.uint64(0xFFFFFFFF)

    def as_int32(u):
        return (u & np.uint64(0xFFFFFFFF)).astype(np.uint32).view(np.int32).astype(np.int64)

    sigma1 = as_int32(xx - q32(mu1, mu1))
    sigma2 = np.maximum(as_int32(yy - q32(mu2, mu2)), 0)
    sigma12 = as_int32(xy - q32(mu1, mu2))

    def log2_lookup(values):  # log2_32 / log2_64 (integer_vif.h:144-159) through Python's bit_length
        flat = [int(v) for v in np.asarray(values).ravel()]
        k = np.array([v.bit_length() - 16 for v in flat], dtype=np.int64)
        entries = LOG2_TABLE[np.array([v >> int(s) for v, s in zip(flat, k)])].astype(np.int64)
        return (entries + 2048 * k).reshape(np.shape(values))

    log_branch = sigma1 >= 131072
    den_log = np.where(log_branch, log2_lookup(np.where(log_branch, sigma1 + 131072, 131072)) - 2048 * 17, 0)
    g = sigma12 / (sigma1 + 65536 * 1.0e-10)
    sv = np.trunc(sigma2 - g * sigma12)
    sv = np.where((sv >= -2.0**31) & (sv < 2.0**31), sv, -2.0**31).astype(np.int64)
    sv = np.maximum(sv, 0)
    g = np.minimum(g, gain_limit)
    numer1 = sv + 131072
    numer1_tmp = np.trunc(g * g * sigma1).astype(np.int64) + numer1
    num_branch = log_branch & (sigma12 > 0) & (sigma2 > 0)
    num_log = np.where(num_branch, log2_lookup(np.where(num_branch, numer1_tmp, 131072))
                       - log2_lookup(np.where(num_branch, numer1, 131072)), 0)
    accum_num_log, accum_den_log = int(num_log.sum()), int(den_log.sum())
    accum_num_non_log = int(np.where(log_branch, 0, sigma2).sum())
    accum_den_non_log = int((~log_branch).sum())
    num = accum_num_log / 2048.0 + (accum_den_non_log - (accum_num_non_log / 16384.0) / 65025.0)
    den = accum_den_log / 2048.0 + accum_den_non_log
    return np.float32(num), np.float32(den)


@pytest.mark.parametrize("jit", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_statistic_matches_c_rules_on_arbitrary_moments(seed, jit):
    # Uniform 32-bit moments reach every branch and edge of the statistic: sigma values of
    # both signs up to 2**31, gains far beyond the limit, sv_sq beyond int32 (specs/integer_vif.md §5).
    from vmafref._x64 import x64
    from vmafref.features import integer_vif

    rng = np.random.default_rng(seed)
    moments = [rng.integers(0, 1 << 32, size=(7, 300), dtype=np.uint64).astype(np.uint32) for _ in range(5)]
    if seed == 2:  # realistic magnitudes: mu up to 2**24, squares near mu**2 / 2**32
        mu = rng.integers(0, 1 << 24, size=(2, 7, 300), dtype=np.uint64)
        moments[0], moments[1] = mu.astype(np.uint32)
        for index, (a, b) in zip((2, 3, 4), ((0, 0), (1, 1), (0, 1))):
            base = (mu[a] * mu[b]) >> np.uint64(32)
            moments[index] = (base + rng.integers(0, 1 << 20, size=base.shape, dtype=np.uint64)).astype(np.uint32)
    for gain_limit in (100.0, 1.0):
        expected = _c_statistic(*moments, gain_limit)
        stage = integer_vif._scale_num_den_fns[1 if jit else 0]
        with x64():
            got = stage(*moments, gain_limit=gain_limit)
        assert (np.float32(got[0]), np.float32(got[1])) == expected
