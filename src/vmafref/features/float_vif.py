"""libvmaf's ``float_vif``: visual information fidelity on four scales, float32, in JAX.

Pure functions:

* :func:`vif_filters` — the Gaussian kernels libvmaf computes at run time.
* :func:`float_vif_accumulators` — per-scale float32 ``num`` and ``den`` sums, bit-faithful to
  ``compute_vif`` (jit-able, vmap-able over a leading frame axis).
* :func:`float_vif_scores_from_accumulators` — libvmaf's double-precision outputs from them.
* :func:`float_vif_differentiable` — the same statistic with derivatives (``jax.grad``).

``convention="v3.0"`` gives libvmaf v3.0.0's arithmetic instead of f85a8536's: its precomputed
kernels, its edge-repeating bottom/right mirror and its float ``sigma_nsq``
(:data:`VIF_CONVENTIONS`, :mod:`vmafref.features.float_vif_v30`, specs/float_vif.md §9).

:class:`FloatVifExtractor` is the streaming extractor registered as ``float_vif``.
See specs/float_vif.md.

Reference: H. R. Sheikh and A. C. Bovik, "Image information and visual quality", IEEE Trans. Image
Process. 15(2):430-444, 2006, doi:10.1109/TIP.2005.859378.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax._src.core import Tracer

from vmafref.feature_names import feature_key
from vmafref.features._float_common import (
    Arith,
    FrameSizeError,
    _filter_pass,
    _sequential_total,
    check_bitdepth,
    reflect101_filter,
    sequential_total,
    to_float_luma,
)
from vmafref.features._compiled import fenced, opaque_one, stack
from vmafref.features.extractor import FeatureExtractor, FrameValues, OptionSpec
from vmafref.features._compiled import jit as stage_jit

__all__ = [
    "FloatVifExtractor",
    "VIF_CONVENTIONS",
    "VifConvention",
    "V30_FILTERS",
    "float_vif_accumulators",
    "float_vif_differentiable",
    "float_vif_scores_from_accumulators",
    "log2f_approx",
    "vif_filters",
]

#: ``log2_poly_s`` (``vif_tools.c:46``), Horner order, highest degree first.
_LOG2_POLY = np.array([-0.012671635276421, 0.064841182402670, -0.157048836463065, 0.257167726303123,
                       -0.353800560300520, 0.480131410397451, -0.721314327952201, 1.442694803896991, 0],
                      dtype=np.float32)
_EPS = np.float32(1.0e-10)
_MIN_SIZE = 16


def vif_filters() -> list[np.ndarray]:
    """The four float32 Gaussian kernels (17, 9, 5, 3 taps, sigma = size / 5), as libvmaf builds them.

    ``get_1d_gaussian_kernel`` (``vif_tools.c:104-123``): the pdf in double stored as float,
    a float running sum, then each tap divided by it in float. See specs/float_vif.md §2.
    """
    filters = []
    for scale in range(4):
        size = (1 << (4 - scale)) + 1
        stdev = np.float32(size) / np.float32(5.0)
        taps = np.empty(size, dtype=np.float32)
        total = np.float32(0.0)
        for i in range(size):
            x = np.float32(i - (size - 1) // 2)
            diff = float(np.float32(x - np.float32(0.0)))
            num = np.float32(math.exp(-0.5 * diff / float(stdev) * diff / float(stdev)))
            den = np.float32(1.0 / (float(stdev) * math.sqrt(2 * math.pi)))
            taps[i] = np.float32(num / den)
            total = np.float32(total + taps[i])
        filters.append((taps / total).astype(np.float32))
    return filters


_FILTERS = vif_filters()

#: libvmaf v3.0.0's kernels for ``vif_kernelscale`` 1: the precomputed table
#: ``vif_filter1d_table_s[0]`` (``vif_tools.c:88-91`` at v3.0.0), decimal literals stored as
#: float. They differ from the run-time kernels of :func:`vif_filters` (commit bf9ad333,
#: "switch from precomputed to on-the-fly filter computation") by up to 14 units in the last
#: place (specs/float_vif.md §9).
V30_FILTERS = [np.array(taps, dtype=np.float32) for taps in (
    (0.00745626912, 0.0142655009, 0.0250313189, 0.0402820669, 0.0594526194, 0.0804751068, 0.0999041125,
     0.113746084, 0.118773937, 0.113746084, 0.0999041125, 0.0804751068, 0.0594526194, 0.0402820669,
     0.0250313189, 0.0142655009, 0.00745626912),
    (0.0189780835, 0.0558981746, 0.120920904, 0.192116052, 0.224173605, 0.192116052, 0.120920904,
     0.0558981746, 0.0189780835),
    (0.054488685, 0.244201347, 0.402619958, 0.244201347, 0.054488685),
    (0.166378498, 0.667243004, 0.166378498),
)]


@dataclasses.dataclass(frozen=True)
class VifConvention:
    """What a libvmaf release's float VIF computes differently (specs/float_vif.md §9)."""

    #: The four kernels, scale 0 first.
    filters: tuple
    #: The filters' border rule (:data:`vmafref.features._float_common.MIRRORS`).
    mirror: str
    #: ``True``: ``sigma_nsq`` is a float and ``1 + g²σ₁² / (sv² + nsq)`` and ``1 + σ₁² / nsq``
    #: are float operations (v3.0.0); ``False``: a double, so both are evaluated in double and
    #: rounded to float for ``log2f`` (f85a8536, commit 18e8f1c5).
    nsq_in_float: bool


#: The float VIF of each libvmaf convention (:mod:`vmafref.conventions`).
VIF_CONVENTIONS: dict[str, VifConvention] = {
    "f85a8536": VifConvention(tuple(_FILTERS), "reflect101", False),
    "v3.0": VifConvention(tuple(V30_FILTERS), "symmetric_end", True),
}


def _vif_convention(name: str) -> VifConvention:
    try:
        return VIF_CONVENTIONS[name]
    except KeyError:
        raise ValueError(f"unknown float VIF convention {name!r}; known: {', '.join(VIF_CONVENTIONS)}") from None


def log2f_approx(x, arith: Arith):
    """libvmaf's ``log2f_approx`` (``vif_tools.c:59-86``): exponent plus a 9-term polynomial of the mantissa.

    For ``x > 0``: ``(e - 127) + P(m - 1)`` with ``x = m * 2**(e-127)``, ``m`` in [1, 2).
    """
    bits = jax.lax.bitcast_convert_type(x, jnp.uint32)
    exponent = (bits & jnp.uint32(0x7F800000)) >> 23
    remain = jax.lax.bitcast_convert_type((bits & jnp.uint32(0x007FFFFF)) | jnp.uint32(0x3F800000), jnp.float32)
    t = remain - jnp.float32(1.0)
    value = jnp.zeros_like(x)
    for coefficient in _LOG2_POLY:
        value = arith.mul(value, t) + coefficient
    log_base = exponent.astype(jnp.int32).astype(jnp.float32) - jnp.float32(127.0)
    return jnp.where(x == 0, -jnp.inf, log_base + value)


def _statistic_terms(mu1, mu2, xx, yy, xy, arith: Arith, gain_limit: float, sigma_nsq: float,
                     nsq_in_float: bool = False) -> dict:
    """Every per-pixel term of ``vif_statistic_s`` (``vif_tools.c:202-316``), by name.

    From the filtered moments ``mu1 = f*x``, ``mu2 = f*y``, ``xx = f*(x*x)``, ``yy``, ``xy``:
    ``sigma1_sq = max(xx - mu1^2, 0)``, ``sigma2_sq``, ``sigma12 = xy - mu1*mu2``,
    ``g = sigma12 / (sigma1_sq + eps)`` and ``sv_sq = sigma2_sq - g*sigma12`` after the
    low-variance and negative-gain rules, then ``num = log2(1 + g^2 sigma1_sq / (sv_sq + nsq))``
    and ``den = log2(1 + sigma1_sq / nsq)`` (specs/float_vif.md §3). ``sigma1_sq``, ``g`` and
    ``sv_sq`` are the values the logarithms see. :func:`_statistic` keeps ``num`` and ``den``;
    the teaching API (:mod:`vmafref.teaching.float_vif`) shows the rest. ``nsq_in_float``:
    libvmaf v3.0.0's float ``sigma_nsq`` (``vif_tools.c:278,366-367`` at v3.0.0).
    """
    faithful = arith.faithful
    sigma1_sq = xx - arith.mul(mu1, mu1)
    sigma2_sq = yy - arith.mul(mu2, mu2)
    sigma12 = xy - arith.mul(mu1, mu2)
    zero = jnp.zeros_like(sigma1_sq)
    sigma1_sq = jnp.where(sigma1_sq > 0, sigma1_sq, zero)
    sigma2_sq = jnp.where(sigma2_sq > 0, sigma2_sq, zero)
    eps = jnp.asarray(_EPS, sigma1_sq.dtype)
    g = sigma12 / (sigma1_sq + eps)
    sv_sq = sigma2_sq - arith.mul(g, sigma12)
    tiny1 = sigma1_sq < eps
    g = jnp.where(tiny1, zero, g)
    sv_sq = jnp.where(tiny1, sigma2_sq, sv_sq)
    sigma1_sq = jnp.where(tiny1, zero, sigma1_sq)
    tiny2 = sigma2_sq < eps
    g = jnp.where(tiny2, zero, g)
    sv_sq = jnp.where(tiny2, zero, sv_sq)
    negative = g < 0
    sv_sq = jnp.where(negative, sigma2_sq, sv_sq)
    g = jnp.where(negative, zero, g)
    sv_sq = jnp.where(sv_sq > eps, sv_sq, eps)
    limit = jnp.asarray(np.float32(gain_limit), g.dtype)
    g = jnp.where(g < limit, g, limit)
    gain_term = arith.mul(arith.mul(g, g), sigma1_sq)
    if faithful and nsq_in_float:
        # v3.0.0: ``static const float sigma_nsq = 2``, so every step is a float operation.
        nsq = jnp.asarray(np.float32(sigma_nsq), gain_term.dtype)
        one = jnp.asarray(np.float32(1.0), gain_term.dtype)
        num = log2f_approx(one + gain_term / arith.round(sv_sq + nsq), arith)
        den = log2f_approx(one + sigma1_sq / nsq, arith)
    elif faithful:
        # The C code divides by ``sv_sq + vif_sigma_nsq`` with a double ``vif_sigma_nsq``:
        # the quotient and the ``1 +`` are double, rounded to float for log2f.
        with jax.enable_x64(True):
            num_arg = (1.0 + gain_term.astype(jnp.float64) / arith.round(sv_sq.astype(jnp.float64) + sigma_nsq)
                       ).astype(jnp.float32)
            den_arg = (1.0 + sigma1_sq.astype(jnp.float64) / sigma_nsq).astype(jnp.float32)
        num = log2f_approx(num_arg, arith)
        den = log2f_approx(den_arg, arith)
    else:
        num = jnp.log2(1.0 + gain_term / (sv_sq + sigma_nsq))
        den = jnp.log2(1.0 + sigma1_sq / sigma_nsq)
    num = jnp.where(sigma12 < 0, zero, num)
    sigma_max_inv = np.float32(np.float64(np.float32(sigma_nsq) * np.float32(sigma_nsq)) / (255.0 * 255.0))
    low = sigma1_sq < sigma_nsq
    num = jnp.where(low, 1.0 - arith.mul(sigma2_sq, jnp.asarray(sigma_max_inv, sigma2_sq.dtype)), num)
    den = jnp.where(low, jnp.ones_like(den), den)
    return {"sigma1_sq": sigma1_sq, "sigma2_sq": sigma2_sq, "sigma12": sigma12, "g": g, "sv_sq": sv_sq,
            "num": num, "den": den}


def _statistic(mu1, mu2, xx, yy, xy, arith: Arith, gain_limit: float, sigma_nsq: float,
               nsq_in_float: bool = False):
    """Per-pixel ``num`` and ``den`` of ``vif_statistic_s`` (``vif_tools.c:202-316``)."""
    terms = _statistic_terms(mu1, mu2, xx, yy, xy, arith, gain_limit, sigma_nsq, nsq_in_float)
    return terms["num"], terms["den"]


def _check_size(height: int, width: int) -> None:
    if height < _MIN_SIZE or width < _MIN_SIZE:
        raise FrameSizeError(f"float_vif needs frames of at least {_MIN_SIZE}x{_MIN_SIZE} "
                             f"(its scale-3 plane must exceed the 3-tap filter), got {width}x{height}")


def _product(a, b, faithful: bool):
    """``a * b`` rounded to float32 before any later add (a moment source: x*x, y*y or x*y)."""
    return Arith(a, faithful).mul(a, b)


def _statistic_maps(mu1, mu2, xx, yy, xy, faithful: bool, gain_limit: float, sigma_nsq: float,
                    nsq_in_float: bool = False):
    """Per-pixel ``(num, den)`` maps from the filtered moments."""
    return _statistic(mu1, mu2, xx, yy, xy, Arith(mu1, faithful), gain_limit, sigma_nsq, nsq_in_float)


# Compiled stage by stage (see ``filter_pass`` in _float_common): one program for the whole
# pyramid takes minutes to compile and recomputes fused producers.
_product_jit = stage_jit(_product, static_argnames=("faithful",))
_statistic_maps_jit = stage_jit(_statistic_maps, static_argnames=("faithful", "gain_limit", "sigma_nsq",
                                                                  "nsq_in_float"))


def _vif_scale_stages(ref, dis, *, faithful: bool, gain_limit: float, sigma_nsq: float,
                      convention: str = "f85a8536"):
    """Yield, scale by scale, the planes of the pyramid and the per-pixel ``num``/``den`` maps.

    Each item is ``(ref, dis, moments, num, den)``: the scale's (filtered, decimated) planes,
    the five filtered moments ``(mu1, mu2, xx, yy, xy)`` and the statistic's maps. Every
    intermediate is one plane: buffers of a few plane sizes are reused by the C allocator from
    frame to frame, where stacks of five planes (above its 32 MiB mmap ceiling at 1080p) went
    back to the kernel at every free and were faulted in anew, which took about half of the
    float path's time at 1080p (specs/float_vif.md §6). The production sums
    (:func:`_vif_scales`) and the teaching API read the same stages. ``convention`` names the
    libvmaf whose kernels, mirror and ``sigma_nsq`` arithmetic apply (:data:`VIF_CONVENTIONS`).
    """
    _check_size(ref.shape[-2], ref.shape[-1])
    rules = _vif_convention(convention)
    arith = Arith(ref, faithful)
    # The default's calls are left as they were (the same compiled programs and store keys).
    mirror = {} if rules.mirror == "reflect101" else {"mirror": rules.mirror}
    statistic = {"nsq_in_float": True} if rules.nsq_in_float else {}
    for scale, taps in enumerate(rules.filters):
        if scale > 0:
            # libvmaf filters the whole plane and keeps the even rows and columns; only those
            # outputs are computed here (each output depends on its inputs alone).
            ref = reflect101_filter(ref, taps, arith, stride=2, **mirror)
            dis = reflect101_filter(dis, taps, arith, stride=2, **mirror)
        sources = (ref, dis, _product_jit(ref, ref, faithful=faithful), _product_jit(dis, dis, faithful=faithful),
                   _product_jit(ref, dis, faithful=faithful))
        moments = tuple(reflect101_filter(source, taps, arith, **mirror) for source in sources)
        # The sums are compiled apart: fused into the scan, the statistic runs five times slower.
        num, den = _statistic_maps_jit(*moments, faithful=faithful, gain_limit=float(gain_limit),
                                       sigma_nsq=float(sigma_nsq), **statistic)
        yield ref, dis, moments, num, den


#: Plane size (samples) from which down a scale and the scales below it run as one program on a
#: CPU (:func:`_small_scales`): 576x324's scales 1-3, 1920x1080's scale 3 (specs/float_vif.md §6).
_SMALL_SCALES_MAX_SAMPLES = 80_000


def _small_scales(ref, dis, *, first: int, faithful: bool, gain_limit: float, sigma_nsq: float, convention: str):
    """``(num, den)`` sums of scales ``first``..3 (tuples, one float32 per scale) in one program,
    from the planes of scale ``first - 1``.

    The stages of :func:`_vif_scale_stages` (decimation, products, filter passes, statistic,
    sums), each a buffer of its own (``fenced``), so every float is the stages' own. One
    program instead of about twenty a scale: on small planes the stages' calls cost more than
    their arithmetic. See specs/float_vif.md §6.
    """
    rules = _vif_convention(convention)
    statistic = {"nsq_in_float": True} if rules.nsq_in_float else {}
    trip = opaque_one(ref)

    def filtered(plane, taps, stride):
        for axis in (-2, -1):
            plane = fenced(functools.partial(_filter_pass, taps=taps, axis=axis, faithful=faithful, stride=stride,
                                             mirror=rules.mirror), trip, plane)
        return plane

    nums, dens = [], []
    for scale in range(first, 4):
        taps = tuple(float(np.float32(t)) for t in rules.filters[scale])
        ref, dis = filtered(ref, taps, 2), filtered(dis, taps, 2)
        products = [fenced(functools.partial(_product, faithful=faithful), trip, a, b)
                    for a, b in ((ref, ref), (dis, dis), (ref, dis))]
        moments = [filtered(source, taps, 1) for source in (ref, dis, *products)]
        num, den = fenced(functools.partial(_statistic_maps, faithful=faithful, gain_limit=gain_limit,
                                            sigma_nsq=sigma_nsq, **statistic), trip, *moments)
        nums.append(fenced(functools.partial(_sequential_total, faithful=faithful), trip, num))
        dens.append(fenced(functools.partial(_sequential_total, faithful=faithful), trip, den))
    return tuple(nums), tuple(dens)


_small_scales_jit = stage_jit(_small_scales, static_argnames=("first", "faithful", "gain_limit", "sigma_nsq",
                                                              "convention"))


def _vif_scales(ref, dis, *, faithful: bool, gain_limit: float, sigma_nsq: float, convention: str = "f85a8536"):
    """Per-scale ``(num, den)`` sums, plane by plane; on a CPU the small scales in one program
    (specs/float_vif.md §6)."""
    small_ok = faithful and jax.default_backend() == "cpu" and not isinstance(ref, Tracer)
    nums, dens = [], []
    stages = _vif_scale_stages(ref, dis, faithful=faithful, gain_limit=gain_limit, sigma_nsq=sigma_nsq,
                               convention=convention)
    for scale, (ref_s, dis_s, _, num, den) in enumerate(stages):
        nums.append(sequential_total(num, faithful))
        dens.append(sequential_total(den, faithful))
        if (small_ok and scale < 3
                and (ref_s.shape[-2] // 2) * (ref_s.shape[-1] // 2) <= _SMALL_SCALES_MAX_SAMPLES):
            tail_nums, tail_dens = _small_scales_jit(ref_s, dis_s, first=scale + 1, faithful=faithful,
                                                     gain_limit=float(gain_limit), sigma_nsq=float(sigma_nsq),
                                                     convention=convention)
            nums.extend(tail_nums)
            dens.extend(tail_dens)
            break
    return stack(nums, axis=-1), stack(dens, axis=-1)


def float_vif_accumulators(ref, dis, *, enhn_gain_limit: float = 100.0, sigma_nsq: float = 2.0,
                           convention: str = "f85a8536"):
    """Per-scale float32 ``(num, den)`` of ``compute_vif`` (``vif.c:46-248``), each of shape (..., 4).

    ``ref``, ``dis``: float32 luma already converted by :func:`~vmafref.features._float_common.to_float_luma`,
    shape (H, W) (or (N, H, W) under ``jax.vmap``). Bit-faithful to libvmaf's float32 arithmetic
    (see specs/float_vif.md §3 for the measured agreement). ``convention="v3.0"``: libvmaf
    v3.0.0's (:data:`VIF_CONVENTIONS`; its ``sigma_nsq`` is always 2).
    """
    if _vif_convention(convention).nsq_in_float and sigma_nsq != 2.0:
        raise ValueError(f"libvmaf's {convention} float VIF has no vif_sigma_nsq (it is always 2)")
    return _vif_scales(jnp.asarray(ref, jnp.float32), jnp.asarray(dis, jnp.float32), faithful=True,
                       gain_limit=enhn_gain_limit, sigma_nsq=sigma_nsq, convention=convention)


def float_vif_scores_from_accumulators(num, den, *, scale_min_vals=(0.0, 0.0, 0.0), debug: bool = False,
                                       skip_scale0: bool = False) -> dict[str, float]:
    """libvmaf's float_vif outputs (unsuffixed feature names) from per-scale float32 sums.

    Follows ``compute_vif`` / ``float_vif.c:256-319`` in double: ``vif_scale0 = num0/den0``,
    ``vif_scaleK = max(numK/denK, min_val)``, ``vif = sum(num)/sum(den)``.
    ``scale_min_vals=None``: no floor, ``vif_scaleK = numK/denK`` (libvmaf v3.0.0,
    ``float_vif.c:132-142`` there). See specs/float_vif.md §4.
    """
    scores = []
    for k in range(4):
        scores += [float(np.float32(num[k])), float(np.float32(den[k]))]
    start = 1 if skip_scale0 else 0
    total_num = 0.0
    total_den = 0.0
    for k in range(start, 4):
        total_num += scores[2 * k]
        total_den += scores[2 * k + 1]
    out = {"VMAF_feature_vif_scale0_score": 0.0 if skip_scale0 else _div(scores[0], scores[1])}
    for k in range(1, 4):
        ratio = _div(scores[2 * k], scores[2 * k + 1])
        out[f"VMAF_feature_vif_scale{k}_score"] = ratio if scale_min_vals is None else max(ratio, scale_min_vals[k - 1])
    if debug:
        out["vif"] = 1.0 if total_den == 0.0 else total_num / total_den
        out["vif_num"] = total_num
        out["vif_den"] = total_den
        for k in range(4):
            if k == 0 and skip_scale0:
                out["vif_num_scale0"], out["vif_den_scale0"] = 0.0, -1.0
            else:
                out[f"vif_num_scale{k}"] = scores[2 * k]
                out[f"vif_den_scale{k}"] = scores[2 * k + 1]
    return out


def _div(a: float, b: float) -> float:
    """IEEE double division as C does it (x/0 is inf or nan, not an exception)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(a) / np.float64(b))


def float_vif_differentiable(ref, dis, *, enhn_gain_limit: float = 100.0, sigma_nsq: float = 2.0):
    """``vif_scale0..3`` as a (..., 4) array with derivatives with respect to ``ref`` and ``dis``.

    Same statistic as :func:`float_vif_accumulators` with natural ``log2``, unordered sums and
    no rounding guards, in the input's dtype (float32 or, under x64, float64). Where the
    derivative is zero or undefined is listed in specs/differentiable.md §3.
    """
    ref = jnp.asarray(ref)
    dis = jnp.asarray(dis)
    if not jnp.issubdtype(ref.dtype, jnp.floating):
        ref = ref.astype(jnp.float32)
    dis = dis.astype(ref.dtype)
    num, den = _vif_scales(ref, dis, faithful=False, gain_limit=enhn_gain_limit, sigma_nsq=sigma_nsq)
    return num / den




class FloatVifExtractor(FeatureExtractor):
    """Streaming ``float_vif`` (``float_vif.c``). See specs/float_vif.md §5."""

    name = "float_vif"
    device_planes = True
    frame_independent = True
    options = {
        "debug": OptionSpec("debug", False, bool, reference="float_vif.c:60-66"),
        "vif_enhn_gain_limit": OptionSpec("vif_enhn_gain_limit", 100.0, float, alias="egl", feature_param=True,
                                          minimum=1.0, maximum=100.0),
        "vif_kernelscale": OptionSpec("vif_kernelscale", 1.0, float, alias="ks", feature_param=True,
                                      minimum=0.1, maximum=4.0),
        "vif_prescale": OptionSpec("vif_prescale", 1.0, float, alias="ps", feature_param=True,
                                   minimum=0.1, maximum=4.0),
        "vif_prescale_method": OptionSpec("vif_prescale_method", "nearest", str, alias="pm", feature_param=True),
        "vif_scale1_min_val": OptionSpec("vif_scale1_min_val", 0.0, float, alias="s1miv", feature_param=True,
                                         minimum=0.0, maximum=1.0),
        "vif_scale2_min_val": OptionSpec("vif_scale2_min_val", 0.0, float, alias="s2miv", feature_param=True,
                                         minimum=0.0, maximum=1.0),
        "vif_scale3_min_val": OptionSpec("vif_scale3_min_val", 0.0, float, alias="s3miv", feature_param=True,
                                         minimum=0.0, maximum=1.0),
        "vif_sigma_nsq": OptionSpec("vif_sigma_nsq", 2.0, float, alias="snsq", feature_param=True,
                                    minimum=0.0, maximum=5.0),
        "vif_skip_scale0": OptionSpec("vif_skip_scale0", False, bool, alias="ssclz", feature_param=True),
    }
    #: Options libvmaf declares that this implementation only accepts at their defaults.
    unsupported_options = ("vif_kernelscale", "vif_prescale", "vif_prescale_method", "vif_skip_scale0")

    def __init__(self, *, width: int, height: int, bitdepth: int, **options: Any):
        super().__init__(width=width, height=height, bitdepth=bitdepth, **options)
        check_bitdepth(self.bitdepth)
        _check_size(self.height, self.width)
        for name in self.unsupported_options:
            if self.values[name] != self.options[name].default:
                raise NotImplementedError(f"float_vif option {name}={self.values[name]!r} is not implemented "
                                          "(only its default is); see specs/float_vif.md §5")
        if self.values["vif_sigma_nsq"] != 2.0:
            # 0 would divide by zero in libvmaf too; other values are supported by the formula.
            if self.values["vif_sigma_nsq"] <= 0.0:
                raise ValueError("vif_sigma_nsq must be > 0")

    def extract(self, index: int, ref: np.ndarray, dis: np.ndarray) -> FrameValues:
        num, den = float_vif_accumulators(
            to_float_luma(ref, self.bitdepth), to_float_luma(dis, self.bitdepth),
            enhn_gain_limit=float(self.values["vif_enhn_gain_limit"]),
            sigma_nsq=float(self.values["vif_sigma_nsq"]))
        values = float_vif_scores_from_accumulators(
            np.asarray(num), np.asarray(den), debug=self.values["debug"],
            scale_min_vals=(self.values["vif_scale1_min_val"], self.values["vif_scale2_min_val"],
                            self.values["vif_scale3_min_val"]))
        return {index: {feature_key(name, self.feature_params): value for name, value in values.items()}}
