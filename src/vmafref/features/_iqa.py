"""libvmaf's IQA SSIM core (``src/feature/iqa/``), float32 with double sums, in JAX.

Shared by ``float_ssim`` and ``float_ms_ssim`` (specs/float_ssim.md §2-§3):

* :func:`convolve_valid` — ``_iqa_convolve`` with ``IQA_CONVOLVE_1D`` (``iqa_options.h``):
  separable, horizontal then vertical, each output a **double** sum of **float** products
  rounded to float, only where the kernel fits (the result is ``k - 1`` smaller per axis).
* :func:`decimate` — ``_iqa_decimate`` with ``_iqa_filter_pixel``: a 2-D kernel at every
  ``factor``-th sample, double sums, ``KBND_SYMMETRIC`` borders (edge repeated).
* :func:`ssim_means` — ``_iqa_ssim`` with default arguments: the means of SSIM, luminance,
  contrast and structure, each rounded to float as C returns them.

Every function runs its double arithmetic inside a scoped ``jax_enable_x64``.
"""

from __future__ import annotations


import jax.numpy as jnp
import numpy as np

from vmafref._x64 import x64
from vmafref.features._float_common import Arith
from vmafref.features._compiled import jit as stage_jit

__all__ = ["GAUSSIAN_WINDOW", "LPF_9_7", "SSIM_CONSTANTS", "convolve_valid", "decimate", "decimated_size",
           "iqa_round", "low_pass_kernel", "ssim_means", "ssim_sums"]

#: ``g_gaussian_window_h`` / ``_v`` (``iqa/ssim_tools.h:66-72``), 11 taps, sigma 1.5.
GAUSSIAN_WINDOW: tuple[float, ...] = tuple(float(np.float32(v)) for v in (
    0.001028, 0.007599, 0.036001, 0.109361, 0.213006, 0.266012, 0.213006, 0.109361, 0.036001, 0.007599, 0.001028))

#: ``g_lpf`` (``ms_ssim.c:35-45``): the 9x9 9/7 biorthogonal low-pass used to decimate.
LPF_9_7: tuple[tuple[float, ...], ...] = tuple(tuple(float(np.float32(v)) for v in row) for row in (
    (0.000714, -0.000450, -0.002090, 0.007132, 0.016114, 0.007132, -0.002090, -0.000450, 0.000714),
    (-0.000450, 0.000283, 0.001316, -0.004490, -0.010146, -0.004490, 0.001316, 0.000283, -0.000450),
    (-0.002090, 0.001316, 0.006115, -0.020867, -0.047149, -0.020867, 0.006115, 0.001316, -0.002090),
    (0.007132, -0.004490, -0.020867, 0.071207, 0.160885, 0.071207, -0.020867, -0.004490, 0.007132),
    (0.016114, -0.010146, -0.047149, 0.160885, 0.363505, 0.160885, -0.047149, -0.010146, 0.016114),
    (0.007132, -0.004490, -0.020867, 0.071207, 0.160885, 0.071207, -0.020867, -0.004490, 0.007132),
    (-0.002090, 0.001316, 0.006115, -0.020867, -0.047149, -0.020867, 0.006115, 0.001316, -0.002090),
    (-0.000450, 0.000283, 0.001316, -0.004490, -0.010146, -0.004490, 0.001316, 0.000283, -0.000450),
    (0.000714, -0.000450, -0.002090, 0.007132, 0.016114, 0.007132, -0.002090, -0.000450, 0.000714)))


def _constants() -> tuple[float, float, float]:
    """``C1 = (K1*L)^2``, ``C2 = (K2*L)^2``, ``C3 = C2 / 2`` in float (``ssim_tools.c:104-132``)."""
    f = np.float32
    k1l, k2l = f(0.01) * f(255), f(0.03) * f(255)
    c2 = f(k2l * k2l)
    return float(f(k1l * k1l)), float(c2), float(f(c2 / f(2.0)))


#: ``(C1, C2, C3)`` of the default SSIM (K1 = 0.01f, K2 = 0.03f, L = 255).
SSIM_CONSTANTS = _constants()


def iqa_round(a: float) -> int:
    """``_round`` (``iqa/math_utils.c:36-40``): ``a - (int) a >= 0.5 ? (int) a + sign : (int) a`` (half up
    for positive values; a negative one is truncated, so -1.5 gives -1)."""
    a = float(np.float32(a))
    sign = 1 if a > 0.0 else -1
    truncated = int(a)
    return truncated + sign if a - truncated >= 0.5 else truncated


def low_pass_kernel(scale: int) -> tuple[tuple[float, ...], ...]:
    """float_ssim's decimation kernel (``ssim.c:145-146``): ``1.0f / (scale * scale)`` everywhere."""
    value = float(np.float32(1.0) / np.float32(scale * scale))
    return tuple((value,) * scale for _ in range(scale))


def _taps_sum(windows, taps):
    """``sum = 0.0; sum += (float)(x * k)`` in order, then ``(float) sum``."""
    total = None
    for window, tap in zip(windows, taps):
        term = (window * jnp.float32(tap)).astype(jnp.float64)
        total = term if total is None else total + term
    return total.astype(jnp.float32)


def _convolve(image, taps: tuple):
    n = len(taps)
    height, width = image.shape[-2], image.shape[-1]
    out_w, out_h = width - n + 1, height - n + 1
    horizontal = _taps_sum([image[..., :, u:u + out_w] for u in range(n)], taps)
    return _taps_sum([horizontal[..., v:v + out_h, :] for v in range(n)], taps)


_convolve_jit = stage_jit(_convolve, static_argnames=("taps",))


def convolve_valid(image, taps: tuple = GAUSSIAN_WINDOW):
    """``_iqa_convolve`` (``iqa/convolve.c:90-150``): ``(..., H, W)`` -> ``(..., H-n+1, W-n+1)``.

    Odd ``n`` only (the Gaussian window); each pass is a double sum of float products.
    """
    with x64():
        return _convolve_jit(jnp.asarray(image, jnp.float32), taps=tuple(taps))


def _symmetric(index: np.ndarray, size: int) -> np.ndarray:
    """``KBND_SYMMETRIC`` (``iqa/convolve.c:41-49``): ``-1 - i`` below 0, ``2n - i - 1`` past the end."""
    index = np.where(index < 0, -1 - index, index)
    return np.where(index >= size, 2 * size - index - 1, index)


def decimated_size(size: int, factor: int) -> int:
    """``w / factor + (w & 1)`` (``iqa/decimate.c:40-41``)."""
    return size // factor + (size & 1)


def _decimate(image, kernel: tuple, factor: int):
    height, width = image.shape[-2], image.shape[-1]
    rows, cols = len(kernel), len(kernel[0])
    vc, uc = rows // 2, cols // 2
    out_h, out_w = decimated_size(height, factor), decimated_size(width, factor)
    ys, xs = np.arange(out_h) * factor, np.arange(out_w) * factor
    total = None
    # Kernel offsets: -c .. c - even (``_iqa_filter_pixel``, ``convolve.c:245-268``).
    v_offsets = range(-vc, vc - (0 if rows % 2 else 1) + 1)
    u_offsets = range(-uc, uc - (0 if cols % 2 else 1) + 1)
    for kv, v in enumerate(v_offsets):
        row_index = _symmetric(ys + v, height)
        picked_rows = jnp.take(image, row_index, axis=-2)
        for ku, u in enumerate(u_offsets):
            window = jnp.take(picked_rows, _symmetric(xs + u, width), axis=-1)
            term = (window * jnp.float32(kernel[kv][ku])).astype(jnp.float64)
            total = term if total is None else total + term
    return total.astype(jnp.float32)


_decimate_jit = stage_jit(_decimate, static_argnames=("kernel", "factor"))


def decimate(image, kernel: tuple, factor: int):
    """``_iqa_decimate`` (``iqa/decimate.c:37-59``): ``(..., H, W)`` -> ``(..., H/f + (H&1), W/f + (W&1))``.

    Output ``(y, x)`` is ``_iqa_filter_pixel`` at ``(f*y, f*x)`` with scale 1: a double sum of
    float products, kernel rows outer, columns inner, borders ``KBND_SYMMETRIC``.
    """
    with x64():
        return _decimate_jit(jnp.asarray(image, jnp.float32), kernel=tuple(tuple(r) for r in kernel),
                             factor=int(factor))


def _ssim_sums(ref, cmp, taps: tuple):
    """Per-pixel SSIM terms of ``_iqa_ssim``'s default case (``ssim_tools.c:148-213``), summed."""
    c1, c2, c3 = (jnp.float32(c) for c in SSIM_CONSTANTS)
    arith = Arith(ref)
    ref_mu = _convolve(ref, taps)
    cmp_mu = _convolve(cmp, taps)
    ref_sq = _convolve(arith.mul(ref, ref), taps)
    cmp_sq = _convolve(arith.mul(cmp, cmp), taps)
    both = _convolve(arith.mul(ref, cmp), taps)
    ref_sq = ref_sq - arith.mul(ref_mu, ref_mu)
    cmp_sq = cmp_sq - arith.mul(cmp_mu, cmp_mu)
    # MAX(0.0, x): ``0.0 > x ? 0.0 : x`` (a -0.0 stays -0.0).
    ref_sq = jnp.where(ref_sq < 0, jnp.float32(0), ref_sq)
    cmp_sq = jnp.where(cmp_sq < 0, jnp.float32(0), cmp_sq)
    both = both - arith.mul(ref_mu, cmp_mu)
    sigma = jnp.sqrt(arith.mul(ref_sq, cmp_sq).astype(jnp.float64)).astype(jnp.float32)
    mu1, mu2 = ref_mu.astype(jnp.float64), cmp_mu.astype(jnp.float64)
    l_num = arith.round(arith.mul(2.0 * mu1, mu2)) + jnp.float64(c1)
    l_den = ((arith.mul(ref_mu, ref_mu) + arith.mul(cmp_mu, cmp_mu)) + c1).astype(jnp.float64)
    lum = l_num / l_den
    c_num = 2.0 * sigma.astype(jnp.float64) + jnp.float64(c2)
    c_den = ((ref_sq + cmp_sq) + c2).astype(jnp.float64)
    con = c_num / c_den
    clamped = jnp.where((both < 0) & (sigma <= 0), jnp.float32(0), both)
    struct = ((clamped + c3) / (sigma + c3)).astype(jnp.float64)
    product = arith.round(arith.mul(lum, con) * struct)
    return (jnp.sum(product, axis=(-2, -1)), jnp.sum(lum, axis=(-2, -1)), jnp.sum(con, axis=(-2, -1)),
            jnp.sum(struct, axis=(-2, -1)))


_ssim_sums_jit = stage_jit(_ssim_sums, static_argnames=("taps",))


def ssim_sums(ref, cmp, *, taps: tuple = GAUSSIAN_WINDOW, jit: bool = True):
    """The double sums of ``l*c*s``, ``l``, ``c`` and ``s`` over the valid region (``ssim_tools.c:148-213``).

    ``ref``, ``cmp``: float32 ``(..., H, W)`` on the 8-bit scale, H and W at least the window
    length; jit-able and vmap-able. Returns four float64 ``(...)`` arrays.
    """
    with x64():
        ref, cmp = jnp.asarray(ref, jnp.float32), jnp.asarray(cmp, jnp.float32)
        return (_ssim_sums_jit if jit else _ssim_sums)(ref, cmp, taps=tuple(taps))


def ssim_means(ref, cmp, *, taps: tuple = GAUSSIAN_WINDOW, jit: bool = True) -> tuple[float, float, float, float]:
    """``(ssim, l, c, s)`` of ``_iqa_ssim`` with default arguments (``ssim_tools.c:99-251``).

    Each is ``(float)(sum / (double)(w' * h'))`` over the valid region ``w' = W - n + 1``,
    ``h' = H - n + 1`` (the division on the host, so no reciprocal rewrite), returned as the
    double of that float. One plane pair ``(H, W)``.
    """
    sums = ssim_sums(ref, cmp, taps=taps, jit=jit)
    count = float((np.shape(ref)[-2] - len(taps) + 1) * (np.shape(ref)[-1] - len(taps) + 1))
    return tuple(float(np.float32(float(total) / count)) for total in sums)
