"""libvmaf's ``float_adm``: the additive detail measure on four db2 wavelet scales, float32, in JAX.

Pure functions:

* :func:`float_adm_accumulators` — per-scale float32 ``num``, ``den`` and AIM numerator, following
  ``compute_adm`` (``adm.c``, ``adm_tools.c``) operation by operation (jit-able, vmap-able).
* :func:`float_adm_scores_from_accumulators` — libvmaf's double-precision outputs from them.
* :func:`float_adm_differentiable` — ``adm2`` and the per-scale ratios with derivatives.

:class:`FloatAdmExtractor` is the streaming extractor registered as ``float_adm``.
See specs/float_adm.md.

Reference: S. Li, F. Zhang, L. Ma and K. N. Ngan, "Image quality assessment by separately evaluating
detail losses and additive impairments", IEEE Trans. Multimedia 13(5):935-949, 2011,
doi:10.1109/TMM.2011.2152382.
"""

from __future__ import annotations

import ctypes
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from vmafref._clib import c_function
from vmafref.feature_names import feature_key
from vmafref.features._float_common import (
    Arith,
    FrameSizeError,
    check_bitdepth,
    float32_pow,
    sequential_total,
    to_float_luma,
)
from vmafref.features._float_rcp_table import DEFAULT_RCPSS, check_rcpss
from vmafref.features.extractor import FeatureExtractor, FrameValues, OptionSpec
from vmafref.features._compiled import fenced, jit as stage_jit, opaque_one, stack

__all__ = [
    "FloatAdmExtractor",
    "adm_csf_factors",
    "float_adm_accumulators",
    "float_adm_differentiable",
    "float_adm_scores_from_accumulators",
    "rcpss_estimate",
]

_LO = np.array([0.482962913144690, 0.836516303737469, 0.224143868041857, -0.129409522550921], np.float32)
_HI = np.array([-0.129409522550921, -0.224143868041857, 0.836516303737469, -0.482962913144690], np.float32)
_BORDER_FACTOR = 0.1
_ONE_BY_30 = 0.0333333351  # a double constant in the C code (FLOAT_ONE_BY_30)
_ONE_BY_15 = 0.0666666701
_COS_1DEG_SQ = np.float32(math.cos(1.0 * math.pi / 180.0) * math.cos(1.0 * math.pi / 180.0))
_EPS = np.float32(1e-30)
#: Smallest width and height: at 16 the scale-3 bands are one sample wide, and the masking's
#: border rule (index -1 -> 1) reads outside them; libvmaf reads outside its buffer there (16x16
#: identical frames give it adm_scale3 = 4.11), so no value can be reproduced. specs/float_adm.md §1.
_MIN_SIZE = 17

# Watson et al. 1997 (adm_tools.h:308-330): Y-channel model and basis amplitudes A[lambda][theta].
_A, _K, _F0 = np.float32(0.495), np.float32(0.466), np.float32(0.401)
_G = np.array([1.501, 1.0, 0.534, 1.0], np.float32)
_AMPLITUDES = np.array([[0.62171, 0.67234, 0.72709, 0.67234],
                        [0.34537, 0.41317, 0.49428, 0.41317],
                        [0.18004, 0.22727, 0.28688, 0.22727],
                        [0.091401, 0.11792, 0.15214, 0.11792]], np.float32)


def _dwt_quant_step(scale: int, theta: int, view_dist: float, display_height: int) -> np.float32:
    """``dwt_quant_step`` (``adm_tools.h:336-347``) with its float/double mix."""
    r = np.float32(view_dist * display_height * math.pi / 180.0)
    temp = np.float32(math.log10(2.0 ** (scale + 1) * float(_F0) * float(_G[theta]) / float(r)))
    q = np.float32(2.0 * float(_A) * 10.0 ** (float(_K) * float(temp) * float(temp)) / float(_AMPLITUDES[scale][theta]))
    return q


def adm_csf_factors(scale: int, view_dist: float = 3.0, display_height: int = 1080) -> tuple[np.float32, np.float32]:
    """``(rfactor_hv, rfactor_d)`` = ``1.0f / Q`` for the h/v (theta 1) and d (theta 2) bands.

    See specs/float_adm.md §5.
    """
    factor1 = np.float32(np.float32(1.0) / _dwt_quant_step(scale, 1, view_dist, display_height))
    factor2 = np.float32(np.float32(1.0) / _dwt_quant_step(scale, 2, view_dist, display_height))
    return factor1, factor2


def _dwt_pad(x, axis: int):
    """``x`` padded so that tap k of output i is element ``2i + k``: -1 -> 1, n + j -> n - 1 - j."""
    n = x.shape[axis]
    out = (n + 1) // 2
    tail = 2 * out - (n - 1)  # 1 for even n, 2 for odd n
    head = lax.slice_in_dim(x, 1, 2, axis=axis)
    end = lax.rev(lax.slice_in_dim(x, n - tail, n, axis=axis), (axis,))
    return jnp.concatenate([head, x, end], axis=axis)


def _dwt_pass(x, axis: int, faithful: bool):
    """Low- and high-pass halves of one db2 pass along ``axis`` (-2 or -1), stacked on a new axis -3.

    ``dwt2_src_indices_filt_s``: tap k of output i reads ``2i - 1 + k``, index -1 -> 1 and
    index >= n -> 2n - idx - 1 (specs/float_adm.md §3), read here as strided slices.
    """
    arith = Arith(x, faithful)
    axis = x.ndim + axis
    out = (x.shape[axis] + 1) // 2
    padded = _dwt_pad(x, axis)
    halves = []
    for coeffs in (_LO, _HI):
        acc = None
        for k in range(4):
            window = lax.slice_in_dim(padded, k, k + 2 * (out - 1) + 1, stride=2, axis=axis)
            term = arith.mul(jnp.asarray(coeffs[k], x.dtype), window)
            acc = term if acc is None else acc + term
        halves.append(acc)
    return jnp.stack(halves, axis=-3)


_dwt_pass_jit = stage_jit(_dwt_pass, static_argnames=("axis", "faithful"))


def _dwt2(x, faithful: bool):
    """One db2 level (``adm_dwt2_s``, ``adm_tools.c:1069-1157``) of ``x`` (..., H, W).

    Returns (..., 2, 2, h, w): index [row filter, column filter] with 0 = low, 1 = high, so
    band a = [0, 0], v = [0, 1], h = [1, 0], d = [1, 1]. The two passes are compiled apart so
    that the vertical pass is stored, not recomputed per tap of the horizontal one.
    """
    rows = _dwt_pass_jit(x, axis=-2, faithful=faithful)
    return _dwt_pass_jit(rows, axis=-1, faithful=faithful)


def rcpss_estimate(x, rcpss: str = DEFAULT_RCPSS):
    """The SSE ``rcpss`` estimate of ``1/x`` (float32) that CPU family ``rcpss`` returns.

    The family's table gives the mantissa from the leading mantissa bits of ``x``; the exponent
    is the reflection of ``x``'s. Outside the normal range (zero, subnormals, ``|x| >= 2**126``,
    infinities, NaN) it returns ``1/x``: libvmaf's decoupling never divides by such values
    (its denominators are band values plus 1e-30). See specs/float_adm.md §4.
    """
    table = check_rcpss(rcpss)
    x = jnp.asarray(x, jnp.float32)
    bits = lax.bitcast_convert_type(x, jnp.uint32)
    sign = bits & jnp.uint32(0x80000000)
    exponent = (bits >> 23) & jnp.uint32(0xFF)
    index = (bits >> (23 - table.index_bits)) & jnp.uint32((1 << table.index_bits) - 1)
    mantissa = jnp.asarray(table.mantissas)[index]
    # 1/(1.m * 2^(e-127)) = (table in [0.5, 1)) * 2^(127-e): biased exponent 126 + 127 - e.
    out_exponent = jnp.uint32(253) - exponent
    estimate = lax.bitcast_convert_type(sign | (out_exponent << 23) | mantissa, jnp.float32)
    normal = (exponent >= 1) & (exponent <= 252)
    return jnp.where(normal, estimate, jnp.float32(1.0) / x)


def _rcp(x, arith: Arith, rcpss: str):
    """``rcp_s``: the ``rcpss`` estimate of CPU family ``rcpss`` plus one Newton step (``adm_tools.c:43-47``)."""
    estimate = rcpss_estimate(x, rcpss)
    correction = jnp.float32(1.0) - arith.mul(x, estimate)
    return estimate + arith.mul(estimate, correction)


def _divide(n, d, arith: Arith, rcpss: str):
    if not arith.faithful:
        return n / d
    return arith.mul(n, _rcp(d, arith, rcpss))


def _decouple(ref_bands, dis_bands, arith: Arith, gain_limit: float, rcpss: str = DEFAULT_RCPSS):
    """``adm_decouple_s`` (``adm_tools.c:105-237``): restored (r) and additive (a) h, v, d bands."""
    _, oh_, ov_, od_ = None, ref_bands[2], ref_bands[1], ref_bands[3]
    th, tv, td = dis_bands[2], dis_bands[1], dis_bands[3]
    oh, ov, od = oh_, ov_, od_
    eps = jnp.asarray(_EPS, oh.dtype)

    def gain(t, o):
        k = _divide(t, o + eps, arith, rcpss)
        k = jnp.clip(k, 0.0, 1.0) if not arith.faithful else jnp.where(k < 0, 0.0, jnp.where(k > 1, 1.0, k))
        return arith.mul(k, o)

    def angle_test(oh, ov, th, tv):
        ot_dp = arith.mul(oh, th) + arith.mul(ov, tv)
        o_mag_sq = arith.mul(oh, oh) + arith.mul(ov, ov)
        t_mag_sq = arith.mul(th, th) + arith.mul(tv, tv)
        cos_sq = jnp.asarray(_COS_1DEG_SQ, oh.dtype)
        return (ot_dp >= 0) & (arith.mul(ot_dp, ot_dp) >= arith.mul(arith.mul(cos_sq, o_mag_sq), t_mag_sq))

    limit = jnp.asarray(np.float32(gain_limit), oh.dtype)

    def restore(o, t, angle_flag):
        rst = gain(t, o)
        scaled = arith.mul(rst, limit)
        rst = jnp.where(angle_flag & (rst > 0), jnp.minimum(scaled, t), rst)
        scaled = arith.mul(rst, limit)
        return jnp.where(angle_flag & (rst < 0), jnp.maximum(scaled, t), rst)

    # The angle test and the restored bands are computed once each, into buffers of their own
    # (fenced): XLA otherwise recomputes the angle test in all six outputs and each restored
    # band, its division included, in two (specs/float_adm.md §9).
    trip = opaque_one(oh)
    angle_flag = fenced(angle_test, trip, oh, ov, th, tv)
    restored = fenced(lambda angle, *planes: tuple(restore(o, t, angle) for o, t in zip(planes[:3], planes[3:])),
                      trip, angle_flag, oh, ov, od, th, tv, td)
    rst_h, rst_v, rst_d = restored
    additive = (th - rst_h, tv - rst_v, td - rst_d)
    return restored, additive


def _region(n: int) -> tuple[int, int]:
    start = int(n * _BORDER_FACTOR - 0.5)
    return start, n - start


def _csf(bands, rfactors, arith: Arith):
    """``adm_csf_s``: ``csf = rfactor * band`` and ``flt = (float)(FLOAT_ONE_BY_30 * |csf|)`` (double product)."""
    csf = tuple(arith.mul(jnp.asarray(rf, b.dtype), b) for rf, b in zip(rfactors, bands))
    if arith.faithful:
        with jax.enable_x64(True):
            flt = tuple((jnp.abs(c).astype(jnp.float64) * _ONE_BY_30).astype(jnp.float32) for c in csf)
    else:
        flt = tuple(jnp.abs(c) * _ONE_BY_30 for c in csf)
    return csf, flt


def _cm_pad(x):
    """Pad the last two axes by one with the CM border rule: index -1 -> 1, index n -> n - 1."""
    for axis in (x.ndim - 2, x.ndim - 1):
        n = x.shape[axis]
        x = jnp.concatenate([lax.slice_in_dim(x, 1, 2, axis=axis), x, lax.slice_in_dim(x, n - 1, n, axis=axis)],
                            axis=axis)
    return x


def _threshold(csf, flt, arith: Arith, region):
    """Masking threshold of ``adm_cm_s`` (``ADM_CM_THRESH_S_*``, ``adm_tools.h:33-250``) over ``region``.

    Per orientation: the 3x3 sum of ``flt`` with the centre replaced by ``FLOAT_ONE_BY_15 * |csf|``
    (added in double), in row-major tap order; the three orientation sums added in order.
    ``region`` = (top, bottom, left, right) of the output; neighbours outside the plane follow
    :func:`_cm_pad`.
    """
    top, bottom, left, right = region
    total = None
    for c, f in zip(csf, flt):
        padded = _cm_pad(f)
        centre_csf = c[..., top:bottom, left:right]
        acc = None
        for dy in range(3):
            for dx in range(3):
                if dy == 1 and dx == 1:
                    if arith.faithful:
                        with jax.enable_x64(True):
                            centre = arith.round(jnp.abs(centre_csf).astype(jnp.float64) * _ONE_BY_15)
                            acc = (acc.astype(jnp.float64) + centre).astype(jnp.float32)
                    else:
                        acc = acc + jnp.abs(centre_csf) * _ONE_BY_15
                    continue
                value = padded[..., top + dy:bottom + dy, left + dx:right + dx]
                acc = value if acc is None else acc + value
        total = acc if total is None else total + acc
    return total


def _cube(x, arith: Arith):
    return arith.mul(arith.mul(x, x), x)


def _hvd(bands):
    """(h, v, d) bands of a (..., 2, 2, h, w) DWT output."""
    return bands[..., 1, 0, :, :], bands[..., 0, 1, :, :], bands[..., 1, 1, :, :]


def _decouple_stage(bands, faithful: bool, gain_limit: float, rcpss: str = DEFAULT_RCPSS):
    """Restored and additive (h, v, d) bands, stacked (..., 2, 3, h, w), from the (..., 2 images, 2, 2, h, w) DWT.

    Also returns the two approximation bands (..., 2, h, w), the next scale's input.
    """
    arith = Arith(bands, faithful)
    ref_bands = _hvd(bands[..., 0, :, :, :, :])
    dis_bands = _hvd(bands[..., 1, :, :, :, :])
    # _decouple takes libvmaf's (a, v, h, d) order.
    restored, additive = _decouple((None, ref_bands[1], ref_bands[0], ref_bands[2]),
                                   (None, dis_bands[1], dis_bands[0], dis_bands[2]), arith, gain_limit,
                                   rcpss)
    decoupled = jnp.stack([jnp.stack(restored, axis=-3), jnp.stack(additive, axis=-3)], axis=-4)
    return decoupled, bands[..., 0, 0, :, :]


def _csf_stage(decoupled, rfactors: tuple, faithful: bool):
    """``csf`` and ``flt`` of the masks, stacked (..., 2, 2, 3, h, w): [mask of num (the additive bands),
    mask of aim (the restored bands)] x [csf, flt] x (h, v, d)."""
    arith = Arith(decoupled, faithful)
    out = []
    for which in (1, 0):
        csf, flt = _csf(tuple(decoupled[..., which, i, :, :] for i in range(3)), rfactors, arith)
        out.append(jnp.stack([jnp.stack(csf, axis=-3), jnp.stack(flt, axis=-3)], axis=-4))
    return jnp.stack(out, axis=-5)


def _masked_terms(bands, decoupled, csf_flt, rfactors: tuple, region: tuple, faithful: bool):
    """The masking thresholds and the nine terms that are cubed, over the score region.

    Returns ``(thresholds, terms)``: ``thresholds`` = (threshold of the num terms, made from the
    additive bands; threshold of the aim terms, made from the restored bands), each (..., rh, rw);
    ``terms`` = den h, v, d (``|rfactor * ref band|``), num h, v, d (``max(|rfactor * restored| - thr, 0)``),
    aim h, v, d (``max(|rfactor * additive| - thr, 0)``). See specs/float_adm.md §6.
    :func:`_cube_stage` cubes the terms; the teaching API (:mod:`vmafref.teaching.float_adm`)
    shows them.
    """
    arith = Arith(bands, faithful)
    top, bottom, left, right = region
    crop = lambda x: x[..., top:bottom, left:right]  # noqa: E731
    ref_hvd = _hvd(bands[..., 0, :, :, :, :])
    terms = [jnp.abs(arith.mul(jnp.asarray(rf, band.dtype), crop(band))) for rf, band in zip(rfactors, ref_hvd)]
    thresholds = []
    for which in range(2):  # num: restored masked by additive; aim: additive masked by restored
        signal = decoupled[..., which, :, :, :]
        mask = csf_flt[..., which, :, :, :, :]
        thr = _threshold(tuple(mask[..., 0, i, :, :] for i in range(3)),
                         tuple(mask[..., 1, i, :, :] for i in range(3)), arith, region)
        thresholds.append(thr)
        for i, rf in enumerate(rfactors):
            x = jnp.abs(arith.mul(crop(signal[..., i, :, :]), jnp.asarray(rf, signal.dtype))) - thr
            terms.append(jnp.where(x < 0, jnp.zeros_like(x), x))
    return tuple(thresholds), terms


def _cube_stage(bands, decoupled, csf_flt, rfactors: tuple, region: tuple, faithful: bool):
    """The nine cubed terms over the score region (..., 9, rh, rw): den h,v,d; num h,v,d; aim h,v,d."""
    arith = Arith(bands, faithful)
    _, terms = _masked_terms(bands, decoupled, csf_flt, rfactors, region, faithful)
    return jnp.stack([_cube(t, arith) for t in terms], axis=-3)


# Compiled stage by stage: as one program XLA takes minutes to compile the four scales and
# recomputes fused producers (the DWT, the reciprocal) for every tap that reads them.
_decouple_stage_jit = stage_jit(_decouple_stage, static_argnames=("faithful", "gain_limit", "rcpss"))
_csf_stage_jit = stage_jit(_csf_stage, static_argnames=("rfactors", "faithful"))
_cube_stage_jit = stage_jit(_cube_stage, static_argnames=("rfactors", "region", "faithful"))


def _adm_scale_stages(ref, dis, *, faithful: bool, gain_limit: float, view_dist: float, display_height: int,
                      rcpss: str = DEFAULT_RCPSS):
    """Yield, scale by scale, the outputs of each compiled stage as a dict.

    ``bands`` (..., 2 images, 2, 2, h, w) from the DWT, ``decoupled`` (..., 2, 3, h, w) restored
    and additive h, v, d, ``csf_flt`` (..., 2, 2, 3, h, w) of the two masks, ``cubes``
    (..., 9, rh, rw), with the scale's ``rfactors`` and score ``region``. The production sums
    (:func:`_adm_scales`) and the teaching API read the same stages. ``rcpss``: the CPU family
    whose reciprocal estimates the decoupling divides with (specs/float_adm.md §4).
    """
    check_rcpss(rcpss)
    height, width = ref.shape[-2], ref.shape[-1]
    if height < _MIN_SIZE or width < _MIN_SIZE:
        raise FrameSizeError(f"float_adm needs frames of at least {_MIN_SIZE}x{_MIN_SIZE}, got {width}x{height}")
    pair = stack([ref, dis], axis=-3)
    for scale in range(4):
        bands = _dwt2(pair, faithful)  # (..., 2 images, 2, 2, h, w)
        h, w = bands.shape[-2], bands.shape[-1]
        factor1, factor2 = adm_csf_factors(scale, view_dist, display_height)
        rfactors = (float(factor1), float(factor1), float(factor2))
        region = (*_region(h), *_region(w))
        decoupled, pair = _decouple_stage_jit(bands, faithful=faithful, gain_limit=float(gain_limit), rcpss=rcpss)
        csf_flt = _csf_stage_jit(decoupled, rfactors=rfactors, faithful=faithful)
        cubes = _cube_stage_jit(bands, decoupled, csf_flt, rfactors=rfactors, region=region, faithful=faithful)
        yield {"bands": bands, "decoupled": decoupled, "csf_flt": csf_flt, "cubes": cubes, "rfactors": rfactors,
               "region": region}


def _adm_scales(ref, dis, *, faithful: bool, gain_limit: float, view_dist: float, display_height: int,
                rcpss: str = DEFAULT_RCPSS):
    # The ordered sum is compiled apart: fused into the scan, the cubes are computed far slower.
    sums = [sequential_total(stage["cubes"], faithful)
            for stage in _adm_scale_stages(ref, dis, faithful=faithful, gain_limit=gain_limit, view_dist=view_dist,
                                           display_height=display_height, rcpss=rcpss)]
    return stack(sums, axis=-2)


def float_adm_accumulators(ref, dis, *, enhn_gain_limit: float = 100.0, norm_view_dist: float = 3.0,
                           ref_display_height: int = 1080, rcpss: str = DEFAULT_RCPSS):
    """Per-scale float32 sums of cubes of ``compute_adm``, shape (..., 4, 9).

    Column order per scale: denominator h, v, d (``|csf(ref)|^3``), numerator h, v, d
    (masked ``|csf(restored)|^3``), AIM h, v, d (masked ``|csf(additive)|^3``), each summed over
    the scale's score region in libvmaf's row order. ``ref``, ``dis``: float32 luma from
    :func:`~vmafref.features._float_common.to_float_luma`, (H, W) or, under ``jax.vmap``,
    (N, H, W). ``rcpss``: the CPU family whose ``rcpss`` estimates libvmaf's division used,
    ``"intel"`` (the default) or ``"amd"`` (specs/float_adm.md §4). See specs/float_adm.md §2-§6.
    """
    return _adm_scales(jnp.asarray(ref, jnp.float32), jnp.asarray(dis, jnp.float32), faithful=True,
                       gain_limit=enhn_gain_limit, view_dist=norm_view_dist, display_height=ref_display_height,
                       rcpss=rcpss)


#: The C library's ``powf`` (what libvmaf calls), or ``None`` where it cannot be loaded.
_POWF = c_function("m", "powf", ctypes.c_float, (ctypes.c_float, ctypes.c_float))


def c_powf(base, exponent) -> np.float32:
    """``powf`` of two float32 values: the C library's when available, else double ``pow`` rounded.

    glibc's powf is not always correctly rounded (0.82 ulp), so the C library's own routine is
    what reproduces libvmaf's last bit. See specs/float_adm.md §6.
    """
    base, exponent = np.float32(base), np.float32(exponent)
    if _POWF is not None:
        return np.float32(_POWF(base, exponent))
    return np.float32(np.float64(base) ** np.float64(exponent))


def scale_regions(width: int, height: int) -> list[tuple[int, int]]:
    """``(area, scale)`` bookkeeping: the score-region area of each scale's bands."""
    areas = []
    for _ in range(4):
        width, height = (width + 1) // 2, (height + 1) // 2
        top, bottom = _region(height)
        left, right = _region(width)
        areas.append((bottom - top) * (right - left))
    return areas


def float_adm_scale_sums(cube_sums, *, width: int, height: int, noise_weight: float = 0.03125):
    """Per-scale float32 ``(num, den, aim_num)`` from the sums of cubes, as ``adm_cm_s`` ends.

    ``powf(sum, 1.0f / 3) + powf((float)(area * noise_weight), 1.0f / 3)`` per orientation, added
    h + v + d in float; the AIM numerator uses noise weight 0 (``adm.c:223-232``).
    """
    third = np.float32(1.0 / 3.0)
    cube_sums = np.asarray(cube_sums, np.float32)
    num, den, aim = [], [], []
    for k, area in enumerate(scale_regions(width, height)):
        noise = c_powf(np.float32(area * noise_weight), third)
        zero = c_powf(np.float32(area * 0.0), third)
        roots = [c_powf(v, third) for v in cube_sums[k]]
        den.append(np.float32(np.float32(np.float32(roots[0] + noise) + np.float32(roots[1] + noise))
                              + np.float32(roots[2] + noise)))
        num.append(np.float32(np.float32(np.float32(roots[3] + noise) + np.float32(roots[4] + noise))
                              + np.float32(roots[5] + noise)))
        aim.append(np.float32(np.float32(np.float32(roots[6] + zero) + np.float32(roots[7] + zero))
                              + np.float32(roots[8] + zero)))
    return num, den, aim


def float_adm_scores_from_accumulators(cube_sums, *, width: int, height: int, debug: bool = False,
                                       noise_weight: float = 0.03125, dlm_weight: float = 0.5,
                                       min_val: float = 0.0, adm3_apply_hm: bool = False) -> dict[str, float]:
    """libvmaf's float_adm outputs (unsuffixed names, libvmaf's write order) in double.

    ``compute_adm`` (``adm.c:289-330``) and ``float_adm.c:360-436``: sums of the per-scale
    floats in double, the ``numden_limit`` floor, ``adm2 = num / den``, ``aim = min(aim_num /
    den, 1)``, ``adm3`` and the per-scale ratios. See specs/float_adm.md §7.
    """
    num, den, aim_num = float_adm_scale_sums(cube_sums, width=width, height=height, noise_weight=noise_weight)
    scores = []
    total_num = total_den = total_aim = 0.0
    for k in range(4):
        n, d, a = float(num[k]), float(den[k]), float(aim_num[k])
        scores += [n, d]
        total_num += n
        total_den += d
        total_aim += a
    aim_den = total_den
    limit = 1e-10 * (width * height) / (1920.0 * 1080.0)
    total_num = 0.0 if total_num < limit else total_num
    total_den = 0.0 if total_den < limit else total_den
    if total_den == 0.0:
        score, score_aim = 1.0, float("nan")  # libvmaf leaves aim uninitialised here
    else:
        score_aim = min(total_aim / aim_den, 1.0)
        score = total_num / total_den
    if adm3_apply_hm:
        adm3 = max(2 * score * score_aim / (score + score_aim), min_val)
    else:
        adm3 = max(score * dlm_weight + (1 - score_aim) * (1 - dlm_weight), min_val)
    out = {"VMAF_feature_adm2_score": score, "VMAF_feature_aim_score": score_aim, "VMAF_feature_adm3_score": adm3}
    for k in range(4):
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"VMAF_feature_adm_scale{k}_score"] = float(np.float64(scores[2 * k]) / np.float64(scores[2 * k + 1]))
    if debug:
        out["adm"] = score
        out["adm_num"] = total_num
        out["adm_den"] = total_den
        for k in range(4):
            out[f"adm_num_scale{k}"] = scores[2 * k]
            out[f"adm_den_scale{k}"] = scores[2 * k + 1]
    return out


def float_adm_differentiable(ref, dis, *, enhn_gain_limit: float = 100.0, norm_view_dist: float = 3.0,
                             ref_display_height: int = 1080, noise_weight: float = 0.03125):
    """``(adm2, adm_scale0..3)`` as a (..., 5) array with derivatives, in the input's float dtype.

    Plain division instead of the reciprocal estimate, unordered sums, ``x**(1/3)`` with a zero
    derivative at 0. Where the derivative is zero or undefined: specs/differentiable.md §2.
    """
    ref = jnp.asarray(ref)
    if not jnp.issubdtype(ref.dtype, jnp.floating):
        ref = ref.astype(jnp.float32)
    dis = jnp.asarray(dis).astype(ref.dtype)
    sums = _adm_scales(ref, dis, faithful=False, gain_limit=enhn_gain_limit, view_dist=norm_view_dist,
                       display_height=ref_display_height)
    roots = float32_pow(sums, 1.0 / 3.0, faithful=False)
    areas = jnp.asarray(scale_regions(ref.shape[-1], ref.shape[-2]), ref.dtype)
    noise = jnp.power(areas * noise_weight, 1.0 / 3.0)
    den = jnp.sum(roots[..., 0:3], axis=-1) + 3 * noise
    num = jnp.sum(roots[..., 3:6], axis=-1) + 3 * noise
    adm2 = jnp.sum(num, axis=-1) / jnp.sum(den, axis=-1)
    return jnp.concatenate([adm2[..., None], num / den], axis=-1)




def _option(name, default, kind, alias, minimum=None, maximum=None):
    return OptionSpec(name, default, kind, alias=alias, feature_param=True, minimum=minimum, maximum=maximum)


#: Written by ``float_adm.c:405-406`` but missing from its ``provided_features`` (``:450-456``):
#: libvmaf's feature-name dictionary has no entry for it, so it keeps its bare name even when a
#: feature parameter (``adm_enhn_gain_limit``, …) suffixes every other key. See specs/float_adm.md §8.
_UNSUFFIXED_KEYS = frozenset({"adm"})


class FloatAdmExtractor(FeatureExtractor):
    """Streaming ``float_adm`` (``float_adm.c``). See specs/float_adm.md §8."""

    name = "float_adm"
    device_planes = True
    frame_independent = True
    cpu_conventions = ("rcpss",)
    options = {
        "debug": OptionSpec("debug", False, bool),
        "adm_enhn_gain_limit": _option("adm_enhn_gain_limit", 100.0, float, "egl", 1.0, 100.0),
        "adm_norm_view_dist": _option("adm_norm_view_dist", 3.0, float, "nvd", 0.75, 24.0),
        "adm_noise_weight": _option("adm_noise_weight", 0.03125, float, "nw", 0.0, 1500.0),
        "adm_csf_scale": _option("adm_csf_scale", 1.0, float, "scf", 0.0, 50.0),
        "adm_csf_diag_scale": _option("adm_csf_diag_scale", 1.0, float, "scfd", 0.0, 50.0),
        "adm_ref_display_height": _option("adm_ref_display_height", 1080, int, "rdf", 1, 4320),
        "adm_csf_mode": _option("adm_csf_mode", 0, int, "csf", 0, 9),
        "adm_bypass_cm": _option("adm_bypass_cm", 0, int, "bcm", 0, 1),
        "adm_adm3_apply_hm": _option("adm_adm3_apply_hm", False, bool, "aah"),
        "adm_p_norm": _option("adm_p_norm", 3.0, float, "apn", 1.0, 20.0),
        "adm_dlm_weight": _option("adm_dlm_weight", 0.5, float, "dlmw", 0.0, 1.0),
        "adm_min_val": _option("adm_min_val", 0.0, float, "min", 0.0, 1.0),
        **{f"adm_f{i}s{s}": _option(f"adm_f{i}s{s}", -1.0, float, f"f{i}s{s}", -1.0, 10.0)
           for i in (1, 2) for s in range(4)},
        "adm_skip_aim_scale": _option("adm_skip_aim_scale", -1, int, "sasc", -1, 3),
        "adm_skip_scale0": _option("adm_skip_scale0", False, bool, "ssz"),
    }
    #: Options libvmaf declares that this implementation accepts only at their defaults.
    unsupported_options = ("adm_csf_scale", "adm_csf_diag_scale", "adm_csf_mode", "adm_bypass_cm", "adm_p_norm",
                           *[f"adm_f{i}s{s}" for i in (1, 2) for s in range(4)], "adm_skip_aim_scale",
                           "adm_skip_scale0")

    def __init__(self, *, width: int, height: int, bitdepth: int, rcpss: str = DEFAULT_RCPSS, **options: Any):
        super().__init__(width=width, height=height, bitdepth=bitdepth, **options)
        check_bitdepth(self.bitdepth)
        #: The CPU family whose ``rcpss`` estimates are reproduced; not a libvmaf option, so it
        #: never suffixes a key (specs/float_adm.md §4).
        self.rcpss = check_rcpss(rcpss).family
        if self.width < _MIN_SIZE or self.height < _MIN_SIZE:
            raise FrameSizeError(f"float_adm needs frames of at least {_MIN_SIZE}x{_MIN_SIZE}, "
                                 f"got {self.width}x{self.height}")
        for name in self.unsupported_options:
            if self.values[name] != self.options[name].default:
                raise NotImplementedError(f"float_adm option {name}={self.values[name]!r} is not implemented "
                                          "(only its default is); see specs/float_adm.md §8")

    def extract(self, index: int, ref: np.ndarray, dis: np.ndarray) -> FrameValues:
        v = self.values
        cube_sums = float_adm_accumulators(
            to_float_luma(ref, self.bitdepth), to_float_luma(dis, self.bitdepth),
            enhn_gain_limit=float(v["adm_enhn_gain_limit"]), norm_view_dist=float(v["adm_norm_view_dist"]),
            ref_display_height=int(v["adm_ref_display_height"]), rcpss=self.rcpss)
        values = float_adm_scores_from_accumulators(
            np.asarray(cube_sums), width=self.width, height=self.height, debug=v["debug"],
            noise_weight=float(v["adm_noise_weight"]), dlm_weight=v["adm_dlm_weight"], min_val=v["adm_min_val"],
            adm3_apply_hm=v["adm_adm3_apply_hm"])
        return {index: {(name if name in _UNSUFFIXED_KEYS else feature_key(name, self.feature_params)): value
                        for name, value in values.items()}}
