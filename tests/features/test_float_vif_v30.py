"""libvmaf v3.0.0's float VIF (the ``v3.0`` libvmaf convention): its kernels, its float
``sigma_nsq`` statistic against a NumPy transcription of v3.0.0's ``vif_statistic_s``, and the
extractor's options and keys (libvmaf v3.0.0's own values: tests/features/test_v30_goldens.py)."""

from __future__ import annotations

import numpy as np
import pytest

from vmafref.features._float_common import to_float_luma
from vmafref.features.float_vif import (
    _LOG2_POLY,
    V30_FILTERS,
    VIF_CONVENTIONS,
    FloatVifExtractor,
    _statistic_maps,
    float_vif_accumulators,
    float_vif_scores_from_accumulators,
    vif_filters,
)
from vmafref.features.float_vif_v30 import FloatVifV30Extractor

VIF_KEYS = ("vif_scale0", "vif_scale1", "vif_scale2", "vif_scale3", "vif", "vif_num", "vif_den",
            *[f"vif_{part}_scale{k}" for k in range(4) for part in ("num", "den")])


def test_v30_kernels_are_the_precomputed_table():
    computed = vif_filters()
    assert [len(taps) for taps in V30_FILTERS] == [17, 9, 5, 3]
    units = []
    for table, run_time in zip(V30_FILTERS, computed):
        assert table.dtype == np.float32
        np.testing.assert_array_equal(table, table[::-1])
        assert abs(float(np.sum(table, dtype=np.float64)) - 1.0) < 1e-6
        units.append(np.abs(table.view(np.int32).astype(np.int64) - run_time.view(np.int32)).max())
    # Commit bf9ad333 computes the kernels at run time: a few units in the last place apart.
    assert 0 < max(units) <= 16
    assert VIF_CONVENTIONS["v3.0"].mirror == "symmetric_end" and VIF_CONVENTIONS["v3.0"].nsq_in_float
    assert VIF_CONVENTIONS["f85a8536"].mirror == "reflect101" and not VIF_CONVENTIONS["f85a8536"].nsq_in_float


def _f32(x):
    return np.asarray(x, np.float32)


def _c_log2f(x: np.ndarray) -> np.ndarray:
    """``log2f_approx`` (``vif_tools.c:50-79`` at v3.0.0) for positive float32 ``x``."""
    bits = x.view(np.uint32)
    exponent = ((bits & np.uint32(0x7F800000)) >> np.uint32(23)).astype(np.int32)
    remain = ((bits & np.uint32(0x007FFFFF)) | np.uint32(0x3F800000)).view(np.float32)
    t = _f32(remain - np.float32(1.0))
    var = np.zeros_like(x)
    for coefficient in _LOG2_POLY:
        var = _f32(_f32(var * t) + coefficient)
    return _f32((exponent - 127).astype(np.float32) + var)


def _c_statistic_v30(mu1, mu2, xx, yy, xy, gain_limit=100.0):
    """v3.0.0's ``vif_statistic_s`` per pixel (``vif_tools.c:274-389``): float32, one rounding an operation."""
    nsq, eps = np.float32(2.0), np.float32(1e-10)
    sigma_max_inv = np.float32(4.0 / (255.0 * 255.0))
    sigma1 = np.maximum(_f32(xx - _f32(mu1 * mu1)), np.float32(0))
    sigma2 = np.maximum(_f32(yy - _f32(mu2 * mu2)), np.float32(0))
    sigma12 = _f32(xy - _f32(mu1 * mu2))
    g = _f32(sigma12 / _f32(sigma1 + eps))
    sv = _f32(sigma2 - _f32(g * sigma12))
    low1 = sigma1 < eps
    g, sv, sigma1 = np.where(low1, 0, g), np.where(low1, sigma2, sv), np.where(low1, 0, sigma1)
    low2 = sigma2 < eps
    g, sv = np.where(low2, 0, g), np.where(low2, 0, sv)
    negative = g < 0
    sv, g = np.where(negative, sigma2, sv), np.where(negative, 0, g)
    sv = np.maximum(sv, eps)
    g = np.minimum(g, np.float32(gain_limit))
    num = _c_log2f(_f32(np.float32(1) + _f32(_f32(_f32(g * g) * sigma1) / _f32(sv + nsq))))
    den = _c_log2f(_f32(np.float32(1) + _f32(sigma1 / nsq)))
    num = np.where(sigma12 < 0, np.float32(0), num)
    low = sigma1 < nsq
    num = np.where(low, _f32(np.float32(1) - _f32(sigma2 * sigma_max_inv)), num)
    den = np.where(low, np.float32(1), den)
    return _f32(num), _f32(den)


def _moments(seed: int = 1, shape=(64, 80)):
    rng = np.random.default_rng(seed)
    mu1 = _f32(rng.uniform(-128, 128, shape))
    mu2 = _f32(mu1 + rng.normal(0, 8, shape))
    var1 = _f32(10 ** rng.uniform(-12, 4, shape))
    var2 = _f32(10 ** rng.uniform(-12, 4, shape))
    rho = _f32(rng.uniform(-1, 1, shape))
    xx = _f32(_f32(mu1 * mu1) + var1)
    yy = _f32(_f32(mu2 * mu2) + var2)
    xy = _f32(_f32(mu1 * mu2) + _f32(rho * _f32(np.sqrt(var1 * var2))))
    return mu1, mu2, xx, yy, xy


@pytest.mark.parametrize("seed", [1, 2])
def test_statistic_with_a_float_sigma_nsq_is_v30s(seed):
    moments = _moments(seed)
    num, den = _statistic_maps(*moments, faithful=True, gain_limit=100.0, sigma_nsq=2.0, nsq_in_float=True)
    want_num, want_den = _c_statistic_v30(*moments)
    np.testing.assert_array_equal(np.asarray(num).view(np.uint32), want_num.view(np.uint32))
    np.testing.assert_array_equal(np.asarray(den).view(np.uint32), want_den.view(np.uint32))
    # f85a8536's double sigma_nsq rounds some of the logarithms' arguments differently.
    double_num, double_den = _statistic_maps(*moments, faithful=True, gain_limit=100.0, sigma_nsq=2.0)
    assert not (np.array_equal(np.asarray(double_num), want_num) and np.array_equal(np.asarray(double_den), want_den))


def test_scale_scores_have_no_floor_in_v30():
    num = np.array([10.0, -3.0, 5.0, 2.0], np.float32)
    den = np.array([20.0, 6.0, 10.0, 4.0], np.float32)
    floored = float_vif_scores_from_accumulators(num, den)
    raw = float_vif_scores_from_accumulators(num, den, scale_min_vals=None)
    assert floored["VMAF_feature_vif_scale1_score"] == 0.0
    assert raw["VMAF_feature_vif_scale1_score"] == -0.5
    assert {k: v for k, v in raw.items() if "scale1" not in k} == {k: v for k, v in floored.items() if "scale1" not in k}


def test_extractor_options_and_keys():
    frames = np.random.default_rng(4).integers(0, 256, (2, 33, 33)).astype(np.uint8)  # the 33x33 golden geometry
    extractor = FloatVifV30Extractor(width=33, height=33, bitdepth=8, debug=True)
    (row,) = extractor.extract(0, frames[0], frames[1]).values()
    assert set(row) == set(VIF_KEYS)
    num, den = float_vif_accumulators(to_float_luma(frames[0], 8), to_float_luma(frames[1], 8), convention="v3.0")
    assert row["vif_num_scale2"] == float(num[2]) and row["vif_den_scale3"] == float(den[3])
    default = FloatVifExtractor(width=33, height=33, bitdepth=8, debug=True).extract(0, frames[0], frames[1])[0]
    assert row["vif_scale0"] != default["vif_scale0"]
    (egl,) = FloatVifV30Extractor(width=33, height=33, bitdepth=8, vif_enhn_gain_limit=1.0).extract(
        0, frames[0], frames[1]).values()
    assert set(egl) == {f"vif_scale{k}_egl_1" for k in range(4)}
    for option in ("vif_sigma_nsq", "vif_skip_scale0", "vif_prescale", "vif_prescale_method", "vif_scale1_min_val"):
        with pytest.raises(ValueError, match="do not exist in libvmaf v3.0.0"):
            FloatVifV30Extractor(width=33, height=33, bitdepth=8, **{option: 1})
    with pytest.raises(NotImplementedError, match="vif_kernelscale"):
        FloatVifV30Extractor(width=33, height=33, bitdepth=8, vif_kernelscale=2.0)
    with pytest.raises(ValueError, match="always 2"):
        float_vif_accumulators(to_float_luma(frames[0], 8), to_float_luma(frames[1], 8), sigma_nsq=1.5,
                               convention="v3.0")
    with pytest.raises(ValueError, match="unknown float VIF convention"):
        float_vif_accumulators(to_float_luma(frames[0], 8), to_float_luma(frames[1], 8), convention="v2.3")

