"""libvmaf's fixed-point VIF (``integer_vif``), bit for bit, in JAX.

Visual information fidelity on four scales with Q16 Gaussian filters, integer rounding
shifts, a 2048-scaled log2 lookup table and a double-precision gain ``g``, exactly as
libvmaf's ``integer_vif.c`` / ``integer_vif.h`` at commit f85a8536 compute it.
See specs/integer_vif.md.

The pure functions work on one 2-D luma plane pair (``uint8`` for 8-bit input, ``uint16``
for 9-16 bit) and can be jitted and vmapped over a leading frame axis; their integer
arithmetic runs inside :func:`vmafref._x64.x64`.

Reference: H. R. Sheikh and A. C. Bovik, "Image information and visual quality", IEEE Trans. Image
Process. 15(2):430-444, 2006, doi:10.1109/TIP.2005.859378.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from vmafref._x64 import x64
from vmafref.feature_names import feature_key
from vmafref.features._compiled import stack
from vmafref.features.extractor import FeatureExtractor, FrameValues, OptionSpec
from vmafref.features._compiled import device_array, fenced, jit as stage_jit, opaque_one

__all__ = [
    "VIF_FILTERS",
    "VIF_MIN_SIZE",
    "LOG2_TABLE",
    "DEFAULT_ENHN_GAIN_LIMIT",
    "IntegerVifExtractor",
    "VifInputError",
    "vif_num_den",
    "vif_features",
    "vif_scale_scores",
]

#: Q16 Gaussian filters of scales 0-3, each summing to 65536 (``integer_vif.h:32-37``).
VIF_FILTERS: tuple[tuple[int, ...], ...] = (
    (489, 935, 1640, 2640, 3896, 5274, 6547, 7455, 7784, 7455, 6547, 5274, 3896, 2640, 1640, 935, 489),
    (1244, 3663, 7925, 12590, 14692, 12590, 7925, 3663, 1244),
    (3571, 16004, 26386, 16004, 3571),
    (10904, 43728, 10904),
)

#: Default enhancement gain limit (``integer_vif.h:28-30``).
DEFAULT_ENHN_GAIN_LIMIT = 100.0

#: Smallest width and height for which every scale's reflect-101 border stays inside the
#: plane: scale 3 (width // 8) needs at least 2 samples for its 3-tap filter.
#: See specs/integer_vif.md §3.
VIF_MIN_SIZE = 16

#: sigma_nsq = 2.0 in Q16 (``integer_vif.c:241``).
_SIGMA_NSQ = 65536 << 1
#: eps of the gain's denominator, 65536 * 1e-10 (``integer_vif.c:327``).
_GAIN_EPS = 65536 * 1.0e-10


def _make_log2_table() -> np.ndarray:
    """``log_generate`` (``integer_vif.c:226-231``): round(log2f(i) * 2048) for 32767 <= i < 65536.

    ``log2f`` is the single-precision log2; its value is the double log2 rounded to
    float, which agrees with glibc's ``log2f`` on every table entry (the test suite
    checks this against the C library where one is loadable). ``round`` rounds halves
    away from zero (several entries are exact halves), hence floor(x + 0.5).
    """
    table = np.zeros(65537, dtype=np.uint16)
    i = np.arange(32767, 65536)
    log2f = np.log2(i.astype(np.float64)).astype(np.float32)
    table[i] = np.floor(log2f.astype(np.float64) * 2048.0 + 0.5).astype(np.uint16)
    return table


#: The 2048-scaled log2 lookup table (65537 entries, as ``VifPublicState.log2_table``).
LOG2_TABLE: np.ndarray = _make_log2_table()
LOG2_TABLE.setflags(write=False)


class VifInputError(ValueError):
    """The planes given to integer VIF are unusable (shape, dtype, size, bit depth)."""


def _check_planes(ref: Any, dis: Any, bitdepth: int) -> None:
    if not 8 <= bitdepth <= 16:
        raise VifInputError(f"bitdepth must be in 8..16, got {bitdepth}")
    if ref.shape != dis.shape:
        raise VifInputError(f"reference and distorted planes differ in shape: {ref.shape} vs {dis.shape}")
    if ref.ndim < 2:
        raise VifInputError(f"expected 2-D luma planes (optionally batched), got shape {ref.shape}")
    height, width = ref.shape[-2:]
    if height < VIF_MIN_SIZE or width < VIF_MIN_SIZE:
        raise VifInputError(
            f"integer VIF needs planes of at least {VIF_MIN_SIZE}x{VIF_MIN_SIZE}, got {width}x{height}")
    expected = jnp.uint8 if bitdepth == 8 else jnp.uint16
    for plane_name, plane in (("reference", ref), ("distorted", dis)):
        if plane.dtype != expected:
            raise VifInputError(
                f"{plane_name} plane has dtype {plane.dtype}; {bitdepth}-bit input must be {np.dtype(expected).name}")


# --- filtering -----------------------------------------------------------------------------
#
# The pipeline is a chain of separately jitted stages (pad, vertical pass, horizontal pass
# and statistic, subsampling). In one XLA program the reflect-101 padding (a concatenate)
# and each pass are fused into every tap read of the next pass, which turns every tap
# into index arithmetic and recomputes the producer once per tap; at 1920x1080 the single
# program was more than ten times slower than its passes. Planes are padded once on both
# axes, so that every tap is a plain shifted slice of a stage's input. See
# specs/integer_vif.md §9.


def _stage(fn, *static):
    """``fn`` and its jitted twin (``static`` names are compile-time arguments)."""
    return fn, stage_jit(fn, static_argnames=static)


def _reflect_pad(x: jax.Array, half: int) -> jax.Array:
    """Reflect-101 padding (edge sample not repeated) by ``half`` on both ends of both plane axes."""
    pad = [(0, 0)] * (x.ndim - 2) + [(half, half), (half, half)]
    return jnp.pad(x, pad, mode="reflect")


def _taps_sum(padded: jax.Array, taps: tuple[int, ...], axis: int, *, start: int, stride: int, count: int) -> jax.Array:
    """Symmetric FIR as a sum of shifted slices of an already padded array, in its dtype.

    ``out[i] = sum_k taps[k] * padded[start + stride*i + k]`` along ``axis`` for
    ``i < count``. Mirror-image taps are paired first, which is exact for the integer sums
    here (modular in the unsigned types, exact integers in float64).
    """
    axis = axis % padded.ndim
    radius = len(taps) // 2

    def tap(k: int) -> jax.Array:
        first = start + k
        return lax.slice_in_dim(padded, first, first + stride * (count - 1) + 1, stride, axis)

    dtype = padded.dtype
    acc = tap(radius) * jnp.asarray(taps[radius], dtype)
    for k in range(radius):
        acc = acc + (tap(k) + tap(2 * radius - k)) * jnp.asarray(taps[k], dtype)
    return acc


def _round_shift(x: jax.Array, shift: int, rounding: int | None = None) -> jax.Array:
    """``(x + rounding) >> shift`` with rounding ``1 << (shift - 1)`` unless given."""
    if shift == 0:
        return x
    if rounding is None:
        rounding = 1 << (shift - 1)
    return lax.shift_right_logical(x + jnp.asarray(rounding, x.dtype), jnp.asarray(shift, x.dtype))


def _pad_planes(ref: jax.Array, dis: jax.Array, *, radius: int) -> tuple[jax.Array, jax.Array]:
    """Both planes reflect-101 padded by ``radius`` on both axes (``:88-105``, ``integer_vif.h:83-117``).

    They keep their 8- or 16-bit type: the passes widen each sample to uint32 as they read it,
    which moves a half or a quarter of the bytes a uint32 copy would.
    """
    return _reflect_pad(ref, radius), _reflect_pad(dis, radius)


_pad_planes_fns = _stage(_pad_planes, "radius")


# --- one scale -------------------------------------------------------------------------------


def _log2_lookup(value: jax.Array, bits: int) -> jax.Array:
    """``log2_32`` / ``log2_64`` (``integer_vif.h:144-159``): 2048*log2 from the 16 leading bits."""
    table = jnp.asarray(LOG2_TABLE, dtype=jnp.int32)
    k = (bits - 16) - lax.clz(value).astype(jnp.int32)
    mantissa = lax.shift_right_logical(value, k.astype(value.dtype)).astype(jnp.int32)
    return table.at[mantissa].get(mode="promise_in_bounds") + 2048 * k


def _log2_lookup_f64(value: jax.Array) -> jax.Array:
    """``log2_64`` (``integer_vif.h:152-159``) of an integer-valued float64 in [2**17, 2**53).

    For such a value the 16 leading bits of the integer are the float's implicit bit and
    its 15 leading mantissa bits, and the shift ``k`` is its exponent less 15, so both come
    from the bits without a conversion to uint64 (float64 -> int64 conversions were most of
    the statistic's time on XLA's CPU backend). See specs/integer_vif.md §5.
    """
    table = jnp.asarray(LOG2_TABLE, dtype=jnp.int32)
    bits = lax.bitcast_convert_type(value, jnp.uint64)
    exponent = lax.shift_right_logical(bits, jnp.asarray(52, jnp.uint64)).astype(jnp.int32) - 1023
    mantissa = (lax.shift_right_logical(bits, jnp.asarray(37, jnp.uint64)).astype(jnp.int32) & 0x7FFF) | 0x8000
    return table.at[mantissa].get(mode="promise_in_bounds") + 2048 * (exponent - 15)


def _vertical_moments(ref_p: jax.Array, dis_p: jax.Array, *, scale: int, bitdepth: int, which: int | None = None):
    """Vertical pass of mu, x^2, y^2, xy (``vif_statistic_8/16``) on planes padded by the filter radius.

    Returns ``mu1_v, mu2_v`` and ``xx_v, yy_v, xy_v`` (uint32), rows of the plane, columns
    still padded (the vertical pass commutes with the column reflection); only the
    ``which``-th of them when given.
    """
    taps = VIF_FILTERS[scale]
    height = ref_p.shape[-2] - 2 * (len(taps) // 2)
    ref_p, dis_p = ref_p.astype(jnp.uint32), dis_p.astype(jnp.uint32)

    def vertical(x: jax.Array) -> jax.Array:
        return _taps_sum(x, taps, -2, start=0, stride=1, count=height)

    if scale == 0 and bitdepth == 8:
        # vif_statistic_8 (integer_vif.c:233-296): mu rounded by 8, squares unshifted.
        mu1_v = _round_shift(vertical(ref_p), 8)
        mu2_v = _round_shift(vertical(dis_p), 8)
        xx_v = vertical(ref_p * ref_p)
        yy_v = vertical(dis_p * dis_p)
        xy_v = vertical(ref_p * dis_p)
    else:
        # vif_statistic_16 (integer_vif.c:356-420): shifts by bpc at scale 0, 16 above.
        if scale == 0:
            shift_mu, shift_sq = bitdepth, 2 * (bitdepth - 8)
        else:
            shift_mu, shift_sq = 16, 16
        mu1_v = _round_shift(vertical(ref_p), shift_mu) & 0xFFFF
        mu2_v = _round_shift(vertical(dis_p), shift_mu) & 0xFFFF
        rf = ref_p.astype(jnp.float64)
        df = dis_p.astype(jnp.float64)
        xx_v = _exact_round_shift(vertical(rf * rf), shift_sq)
        yy_v = _exact_round_shift(vertical(df * df), shift_sq)
        xy_v = _exact_round_shift(vertical(rf * df), shift_sq)
    moments = (mu1_v, mu2_v, xx_v, yy_v, xy_v)
    return moments if which is None else moments[which]


_vertical_moments_fns = _stage(_vertical_moments, "scale", "bitdepth", "which")



def _horizontal_pass(x_v: jax.Array, *, scale: int, wide: bool) -> jax.Array:
    """Horizontal pass of one vertical-pass result (columns padded by the filter radius).

    ``mu``: ``sum f*mu_v`` (uint32, no shift); ``wide`` (xx, yy, xy): the 64-bit sum,
    Q16 rounded, as uint32 (``xx_filt_val``). One array per program: XLA's multi-output
    fusion of the five passes was about twice as slow as five programs.
    """
    taps = VIF_FILTERS[scale]
    width = x_v.shape[-1] - 2 * (len(taps) // 2)
    if wide:
        return _exact_round_shift(_taps_sum(x_v.astype(jnp.float64), taps, -1, start=0, stride=1, count=width), 16)
    return _taps_sum(x_v, taps, -1, start=0, stride=1, count=width)


_horizontal_pass_fns = _stage(_horizontal_pass, "scale", "wide")



#: Samples (rows times padded width) of a strip of :func:`_filtered_moments`: its five uint32
#: vertical-pass strips, about 1 MB at this size, stay in a core's L2 cache.
_STRIP_SAMPLES = 48 * 1024

#: Plane size (samples) from which scale 0 is filtered in strips (:func:`_filtered_moments`) on
#: a CPU; below it, and at scales 1-3, one program per pass was faster (specs/integer_vif.md §9).
_STRIPS_MIN_SAMPLES = 1_500_000


def _strip_rows(height: int, padded_width: int) -> int:
    """Output rows per strip of :func:`_filtered_moments` for a plane of this geometry."""
    return max(1, min(height, _STRIP_SAMPLES // padded_width))


def _filtered_moments(ref_p: jax.Array, dis_p: jax.Array, *, scale: int, bitdepth: int, rows: int):
    """mu1, mu2, xx, yy, xy filtered on both axes (uint32, the plane's shape), strip by strip.

    The vertical and horizontal passes run on strips of ``rows`` output rows (at most the
    plane's height; :func:`_strip_rows`) in a loop, so each strip's vertical result is read
    back from cache, not memory; a strip reads its own rows and the filter radius above and
    below them. The integers do not depend on the strip height. See specs/integer_vif.md §9.
    """
    taps = VIF_FILTERS[scale]
    radius = len(taps) // 2
    height, width = ref_p.shape[-2] - 2 * radius, ref_p.shape[-1] - 2 * radius
    batch = ref_p.shape[:-2]

    def strip(index, outputs):
        # The last strip ends at the plane's last row, overlapping the one before it where the
        # strips do not divide the height; the rows both compute get the same integers.
        first = jnp.minimum(index * rows, height - rows)
        ref_s = lax.dynamic_slice_in_dim(ref_p, first, rows + 2 * radius, axis=ref_p.ndim - 2)
        dis_s = lax.dynamic_slice_in_dim(dis_p, first, rows + 2 * radius, axis=dis_p.ndim - 2)
        # XLA keeps the vertical strips buffers of their own here, which the horizontal pass's
        # taps read (an optimisation barrier would change nothing: XLA's CPU pipeline removes
        # barriers before it fuses; specs/integer_vif.md §9).
        vertical = _vertical_moments(ref_s, dis_s, scale=scale, bitdepth=bitdepth)
        return tuple(lax.dynamic_update_slice_in_dim(out, _horizontal_pass(x_v, scale=scale, wide=i >= 2),
                                                     first, axis=out.ndim - 2)
                     for i, (out, x_v) in enumerate(zip(outputs, vertical)))

    outputs = tuple(jnp.zeros(batch + (height, width), jnp.uint32) for _ in range(5))
    return lax.fori_loop(0, -(-height // rows), strip, outputs)


def _exact_round_shift(total: jax.Array, shift: int) -> jax.Array:
    """``(uint32)((total + 2**(shift-1)) >> shift)`` for an integer-valued float64 ``total``.

    The 64-bit filter sums are integers below 2**49 (at most 65536 * 65536 * 65535), so
    float64 holds them and every partial sum exactly, whatever the order or FMA use; the
    rounding shift is an exact floor of a division by a power of two. Float64 is about
    twice as fast as uint64 on XLA's CPU backend. See specs/integer_vif.md §4.
    """
    if shift:
        total = jnp.floor((total + float(1 << (shift - 1))) * (1.0 / (1 << shift)))
    return total.astype(jnp.uint32)


def _opaque_zero(plane: jax.Array) -> jax.Array:
    """A uint64 zero that the compiler cannot prove to be zero.

    The sum of the plane's first row of 32-bit values never reaches bit 63, but neither XLA
    nor LLVM can see that through the reduction, so ``x | opaque_zero`` is an identity they
    cannot remove. See :func:`_rounded`. One row, not the plane: a whole-plane sum had XLA
    write a uint64 copy of the plane first (about 2 ms at 1920x1080).
    """
    total = jnp.sum(plane[..., 0, :].astype(jnp.uint64), axis=-1)
    return lax.shift_right_logical(total, jnp.asarray(63, jnp.uint64))


def _runtime(value: float, opaque_zero: jax.Array) -> jax.Array:
    """The double ``value`` as a value XLA cannot constant-fold.

    XLA rewrites ``x / c / d`` for constants into one multiplication by a rounded
    reciprocal, which C does not do. See specs/integer_vif.md §5.
    """
    bits = lax.bitcast_convert_type(jnp.asarray(value, jnp.float64), jnp.uint64) | opaque_zero
    return lax.bitcast_convert_type(bits, jnp.float64)


def _rounded(product: jax.Array, opaque_zero: jax.Array) -> jax.Array:
    """Force ``product`` to be rounded to double before it is added to anything.

    XLA's CPU backend contracts ``a - b * c`` into a fused multiply-add, which skips the
    product's rounding that C (compiled without FMA contraction) performs. Passing the
    product's bits through an opaque identity breaks the pattern. See specs/integer_vif.md §5.
    """
    bits = lax.bitcast_convert_type(product, jnp.uint64) | opaque_zero
    return lax.bitcast_convert_type(bits, jnp.float64)


def _scale_num_den(mu1, mu2, xx, yy, xy, *, gain_limit: float) -> tuple[jax.Array, jax.Array]:
    """num and den (float32, as libvmaf's ``float *num, *den``) of one scale, from its filtered moments.

    The per-pixel statistic and its sums (``integer_vif.c:298-353``). See specs/integer_vif.md §4-§5.
    """
    opaque_zero = _opaque_zero(mu1)

    def product_q32(a: jax.Array, b: jax.Array) -> jax.Array:
        wide = a.astype(jnp.uint64) * b.astype(jnp.uint64)
        return _round_shift(wide, 32).astype(jnp.uint32)

    sigma1_sq = lax.bitcast_convert_type(xx - product_q32(mu1, mu1), jnp.int32)
    sigma2_sq = lax.bitcast_convert_type(yy - product_q32(mu2, mu2), jnp.int32)
    sigma12 = lax.bitcast_convert_type(xy - product_q32(mu1, mu2), jnp.int32)
    sigma2_sq = jnp.maximum(sigma2_sq, 0)

    log_branch = sigma1_sq >= _SIGMA_NSQ
    den_arg = jnp.where(log_branch, sigma1_sq + _SIGMA_NSQ, _SIGMA_NSQ).astype(jnp.uint32)
    den_log = _log2_lookup(den_arg, 32) - 2048 * 17

    # The C converts doubles to int32/int64 by truncation; here the integers stay in float64
    # (jnp.trunc), exact: in the num branch sv_sq < 2**31 and g*g*sigma1_sq < 100**2 * 2**31,
    # so numer1_tmp < 2**45. A negative sv_sq, or one beyond int32 (which x86 turns into
    # INT_MIN), is clamped to 0 either way. See specs/integer_vif.md §5.
    sigma1_d = sigma1_sq.astype(jnp.float64)
    sigma12_d = sigma12.astype(jnp.float64)
    g = sigma12_d / (sigma1_d + _GAIN_EPS)
    sv_sq = jnp.trunc(sigma2_sq.astype(jnp.float64) - _rounded(g * sigma12_d, opaque_zero[..., None, None]))
    sv_sq = jnp.maximum(sv_sq, 0.0)
    g = jnp.where(g < gain_limit, g, gain_limit)
    numer1 = sv_sq + float(_SIGMA_NSQ)
    numer1_tmp = jnp.trunc(g * g * sigma1_d) + numer1
    # Outside the num branch these may be out of the table's domain; keep them harmless.
    num_branch = log_branch & (sigma12 > 0) & (sigma2_sq > 0)
    numer1 = jnp.where(num_branch, numer1, float(_SIGMA_NSQ))
    numer1_tmp = jnp.where(num_branch, numer1_tmp, float(_SIGMA_NSQ))
    num_log_px = _log2_lookup_f64(numer1_tmp) - _log2_lookup_f64(numer1)

    zero = jnp.zeros((), jnp.int64)
    per_pixel = (jnp.where(num_branch, num_log_px.astype(jnp.int64), zero),
                 jnp.where(log_branch, den_log.astype(jnp.int64), zero),
                 jnp.where(log_branch, zero, sigma2_sq.astype(jnp.int64)),
                 (~log_branch).astype(jnp.int64))
    # One variadic reduction, so the per-pixel statistic is evaluated once, not four times.
    axes = (per_pixel[0].ndim - 2, per_pixel[0].ndim - 1)
    accum_num_log, accum_den_log, accum_num_non_log, accum_den_non_log = lax.reduce(
        per_pixel, (zero,) * 4, lambda a, b: tuple(x + y for x, y in zip(a, b)), axes)

    num = accum_num_log.astype(jnp.float64) / 2048.0 + (
        accum_den_non_log.astype(jnp.float64) - (accum_num_non_log.astype(jnp.float64) / 16384.0) / _runtime(65025.0, opaque_zero))
    den = accum_den_log.astype(jnp.float64) / 2048.0 + accum_den_non_log.astype(jnp.float64)
    return num.astype(jnp.float32), den.astype(jnp.float32)


_filtered_moments_fns = _stage(_filtered_moments, "scale", "bitdepth", "rows")
_scale_num_den_fns = _stage(_scale_num_den, "gain_limit")


def _subsample_vertical(ref_p: jax.Array, dis_p: jax.Array, *, scale: int, bitdepth: int, pad: int):
    """Vertical half of ``subsample_rd_8/16`` (``integer_vif.c:107-221``), even output rows only.

    Inputs are padded by ``pad`` (the radius of filter ``scale``, at least that of filter
    ``scale + 1``); reflect-101 padding by a smaller radius is the central part of it.
    Output: uint32 arrays of the uint16 values, columns still padded by ``pad``.
    """
    taps = VIF_FILTERS[scale + 1]
    out_h = (ref_p.shape[-2] - 2 * pad) // 2
    shift_v = (8 if bitdepth == 8 else bitdepth) if scale == 0 else 16
    start = pad - len(taps) // 2
    return tuple(_round_shift(_taps_sum(p.astype(jnp.uint32), taps, -2, start=start, stride=2, count=out_h),
                              shift_v) & 0xFFFF
                 for p in (ref_p, dis_p))


_subsample_vertical_fns = _stage(_subsample_vertical, "scale", "bitdepth", "pad")


def _subsample_horizontal(ref_v: jax.Array, dis_v: jax.Array, *, scale: int, pad: int, next_pad: int):
    """Horizontal half of the subsampling, even columns only, padded by ``next_pad`` for the next scale."""
    taps = VIF_FILTERS[scale + 1]
    out_w = (ref_v.shape[-1] - 2 * pad) // 2
    start = pad - len(taps) // 2
    return tuple(_reflect_pad((_round_shift(_taps_sum(v, taps, -1, start=start, stride=2, count=out_w), 16)
                               & 0xFFFF).astype(jnp.uint16), next_pad)
                 for v in (ref_v, dis_v))


_subsample_horizontal_fns = _stage(_subsample_horizontal, "scale", "pad", "next_pad")


#: Plane size (samples) from which down a scale and the scales below it run as one program on a
#: CPU (:func:`_small_scales`): 576x324's scales 1-3, 1920x1080's scale 3 (specs/integer_vif.md §9).
_SMALL_SCALES_MAX_SAMPLES = 80_000


def _small_scales(ref_p: jax.Array, dis_p: jax.Array, *, first: int, bitdepth: int, gain_limit: float):
    """num and den of scales ``first``..3 (tuples, one float32 per scale) in one program, from the
    padded planes of scale ``first - 1``.

    The same passes as the chain of stages in :func:`_vif_num_den` (subsampling, five vertical
    and five horizontal passes, the statistic), each a buffer of its own (``fenced``), so the
    integers and the statistic are the stages' own. One program instead of twelve a scale: on small
    planes the stages' calls cost more than their arithmetic. See specs/integer_vif.md §9.
    """
    radii = [len(taps) // 2 for taps in VIF_FILTERS]
    trip = opaque_one(ref_p)
    nums, dens = [], []
    for scale in range(first, 4):
        below = scale - 1
        ref_v, dis_v = fenced(partial(_subsample_vertical, scale=below, bitdepth=bitdepth, pad=radii[below]),
                               trip, ref_p, dis_p)
        ref_p, dis_p = fenced(partial(_subsample_horizontal, scale=below, pad=radii[below], next_pad=radii[scale]),
                               trip, ref_v, dis_v)
        vertical = fenced(partial(_vertical_moments, scale=scale, bitdepth=bitdepth), trip, ref_p, dis_p)
        moments = fenced(lambda *planes, scale=scale: tuple(_horizontal_pass(x_v, scale=scale, wide=index >= 2)
                                                             for index, x_v in enumerate(planes)), trip, *vertical)
        num, den = _scale_num_den(*moments, gain_limit=gain_limit)
        nums.append(num)
        dens.append(den)
    return tuple(nums), tuple(dens)


_small_scales_fns = _stage(_small_scales, "first", "bitdepth", "gain_limit")


def _vif_num_den(ref, dis, gain_limit: float, *, bitdepth: int, skip_scale0: bool, jit: bool = True):
    """The four scales' num and den as a chain of stages, each jitted on its own when ``jit``.

    See specs/integer_vif.md §2 and §9 (why the stages are separate programs).
    """
    pick = 1 if jit else 0
    pad_planes = _pad_planes_fns[pick]
    filtered_moments = _filtered_moments_fns[pick]
    vertical_moments = _vertical_moments_fns[pick]
    horizontal_pass = _horizontal_pass_fns[pick]
    scale_num_den = _scale_num_den_fns[pick]
    subsample_vertical = _subsample_vertical_fns[pick]
    subsample_horizontal = _subsample_horizontal_fns[pick]
    radii = [len(taps) // 2 for taps in VIF_FILTERS]
    # Strips pay for a CPU's caches; a GPU runs the whole-plane passes as wide kernels instead.
    on_cpu = jax.default_backend() == "cpu"
    strips = ref.shape[-2] * ref.shape[-1] >= _STRIPS_MIN_SAMPLES and on_cpu
    nums, dens = [], []
    ref_p, dis_p = pad_planes(ref, dis, radius=radii[0])
    for scale in range(4):
        if (scale > 0 and jit and on_cpu
                and (ref.shape[-2] >> scale) * (ref.shape[-1] >> scale) <= _SMALL_SCALES_MAX_SAMPLES):
            tail_nums, tail_dens = _small_scales_fns[1](ref_p, dis_p, first=scale, bitdepth=bitdepth,
                                                        gain_limit=gain_limit)
            return stack([*nums, *tail_nums], axis=-1), stack([*dens, *tail_dens], axis=-1)
        if scale > 0:
            ref_v, dis_v = subsample_vertical(ref_p, dis_p, scale=scale - 1, bitdepth=bitdepth, pad=radii[scale - 1])
            ref_p, dis_p = subsample_horizontal(ref_v, dis_v, scale=scale - 1, pad=radii[scale - 1],
                                                next_pad=radii[scale])
        if scale == 0 and skip_scale0:
            nums.append(jnp.zeros(ref.shape[:-2], jnp.float32))
            dens.append(jnp.zeros(ref.shape[:-2], jnp.float32))
            continue
        if scale == 0 and strips:
            moments = filtered_moments(ref_p, dis_p, scale=scale, bitdepth=bitdepth,
                                       rows=_strip_rows(ref.shape[-2], ref_p.shape[-1]))
        else:
            # One program per moment (the others are dead code in it): as one multi-output
            # program the five passes ran about 1.5 times slower at 1920x1080.
            vertical = [vertical_moments(ref_p, dis_p, scale=scale, bitdepth=bitdepth, which=index)
                        for index in range(5)]
            moments = [horizontal_pass(x_v, scale=scale, wide=index >= 2) for index, x_v in enumerate(vertical)]
        # The statistic is a program of its own: in the strips' program both ran about twice as slowly.
        num, den = scale_num_den(*moments, gain_limit=gain_limit)
        nums.append(num)
        dens.append(den)
    return stack(nums, axis=-1), stack(dens, axis=-1)


def vif_num_den(ref, dis, *, bitdepth: int, enhn_gain_limit: float = DEFAULT_ENHN_GAIN_LIMIT,
                skip_scale0: bool = False, jit: bool = True) -> tuple[jax.Array, jax.Array]:
    """Per-scale VIF numerators and denominators, float32 as libvmaf keeps them.

    ``ref``, ``dis``: luma planes ``(..., H, W)`` (``uint8`` when ``bitdepth == 8``, else
    ``uint16``). Returns ``(num, den)``, each ``(..., 4)`` float32. With ``skip_scale0`` the
    scale-0 entries are 0 (not computed). Any leading axes are frames.
    See specs/integer_vif.md §2-§5.
    """
    _check_planes(ref, dis, bitdepth)
    if not 1.0 <= float(enhn_gain_limit) <= DEFAULT_ENHN_GAIN_LIMIT:
        raise VifInputError(f"enhn_gain_limit must be in [1, 100], got {enhn_gain_limit}")
    with x64():
        return _vif_num_den(device_array(ref), device_array(dis), float(enhn_gain_limit), bitdepth=int(bitdepth),
                            skip_scale0=bool(skip_scale0), jit=jit)


def vif_scale_scores(num, den, *, skip_scale0: bool = False) -> np.ndarray:
    """``integer_vif_scale0..3`` = num/den in float32 (``write_scores``, ``integer_vif.c:682-707``).

    Returns a float64 array ``(..., 4)`` holding the float32 quotients; scale 0 is 0 with
    ``skip_scale0``. See specs/integer_vif.md §6.
    """
    num = np.asarray(num, dtype=np.float32)
    den = np.asarray(den, dtype=np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = (num / den).astype(np.float64)
    if skip_scale0:
        scores[..., 0] = 0.0
    return scores


def vif_features(num, den, *, skip_scale0: bool = False, debug: bool = False) -> dict[str, float]:
    """libvmaf's integer VIF feature values (unsuffixed names) of one frame.

    Key order follows ``write_scores`` (``integer_vif.c:682-780``): the four
    ``VMAF_integer_feature_vif_scaleN_score``, then with ``debug`` ``integer_vif``,
    ``integer_vif_num``, ``integer_vif_den`` and ``integer_vif_{num,den}_scaleN``.
    See specs/integer_vif.md §6.
    """
    num = np.asarray(num, dtype=np.float32).reshape(4)
    den = np.asarray(den, dtype=np.float32).reshape(4)
    scores = vif_scale_scores(num, den, skip_scale0=skip_scale0)
    out = {f"VMAF_integer_feature_vif_scale{s}_score": float(scores[s]) for s in range(4)}
    if not debug:
        return out
    first = 1 if skip_scale0 else 0
    score_num = 0.0
    score_den = 0.0
    for s in range(first, 4):
        score_num += float(num[s])
        score_den += float(den[s])
    out["integer_vif"] = 1.0 if score_den == 0.0 else score_num / score_den
    out["integer_vif_num"] = score_num
    out["integer_vif_den"] = score_den
    for s in range(4):
        if s == 0 and skip_scale0:
            out["integer_vif_num_scale0"] = 0.0
            out["integer_vif_den_scale0"] = -1.0
        else:
            out[f"integer_vif_num_scale{s}"] = float(num[s])
            out[f"integer_vif_den_scale{s}"] = float(den[s])
    return out


class IntegerVifExtractor(FeatureExtractor):
    """libvmaf's ``vif`` extractor (fixed point). See specs/integer_vif.md §7."""

    name = "vif"
    device_planes = True
    frame_independent = True
    options = {
        "debug": OptionSpec("debug", False, bool, reference="integer_vif.c:57-63"),
        "vif_enhn_gain_limit": OptionSpec(
            "vif_enhn_gain_limit", DEFAULT_ENHN_GAIN_LIMIT, float, alias="egl", feature_param=True,
            minimum=1.0, maximum=DEFAULT_ENHN_GAIN_LIMIT, reference="integer_vif.c:64-74"),
        "vif_skip_scale0": OptionSpec(
            "vif_skip_scale0", False, bool, alias="ssclz", feature_param=True, reference="integer_vif.c:75-82"),
    }

    def __init__(self, *, width: int, height: int, bitdepth: int, **options: Any):
        super().__init__(width=width, height=height, bitdepth=bitdepth, **options)
        if self.width < VIF_MIN_SIZE or self.height < VIF_MIN_SIZE:
            raise VifInputError(
                f"integer VIF needs frames of at least {VIF_MIN_SIZE}x{VIF_MIN_SIZE}, got {self.width}x{self.height}")
        if not 8 <= self.bitdepth <= 16:
            raise VifInputError(f"bitdepth must be in 8..16, got {self.bitdepth}")
        self._keys: dict[str, str] = {}

    def _key(self, name: str) -> str:
        key = self._keys.get(name)
        if key is None:
            key = self._keys[name] = feature_key(name, self.feature_params)
        return key

    def extract(self, index: int, ref: np.ndarray, dis: np.ndarray) -> FrameValues:
        num, den = vif_num_den(ref, dis, bitdepth=self.bitdepth,
                               enhn_gain_limit=self.values["vif_enhn_gain_limit"],
                               skip_scale0=self.values["vif_skip_scale0"])
        values = vif_features(np.asarray(num), np.asarray(den), skip_scale0=self.values["vif_skip_scale0"],
                              debug=self.values["debug"])
        return {index: {self._key(name): value for name, value in values.items()}}
