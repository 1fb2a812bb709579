"""Shared float32 building blocks of libvmaf's float features (float_adm, float_vif, float_motion).

libvmaf's float path is plain C on ``float`` compiled with ``-std=c11`` (so ``-ffp-contract=off``):
every product is rounded before it is added, sums run left to right, and a few steps are done
in ``double`` where the C code mixes in a ``double`` constant. Reproducing it to the last bits
needs three things XLA does not do by default, provided here (see specs/float_adm.md §2):

* :class:`Arith` — products that are rounded before the following add. XLA's CPU backend
  contracts ``a * b + c`` into a fused multiply-add; a bit-level no-op (``xor`` with a zero
  that XLA cannot prove to be zero) between the multiply and the add blocks that. In the
  differentiable mode the guard is skipped (it has no derivative).
* :func:`sequential_total` — C's ``for rows { float inner = 0; for cols inner += v; total += inner; }``
  order, as ``lax.scan`` over columns then rows (``jnp.sum`` reassociates).
* :func:`to_float_luma` — libvmaf's ``picture_copy``: ``pixel - 128`` for 8-bit, ``pixel / 4``,
  ``/ 16`` or ``/ 256`` then ``- 128`` for 10, 12 and 16 bits.
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

__all__ = [
    "Arith",
    "FrameSizeError",
    "UnsupportedBitdepthError",
    "reflect101_filter",
    "sequential_row_sums",
    "sequential_total",
    "to_float_luma",
    "float32_pow",
]

#: ``picture_copy`` (``picture_copy.c:39-67``) divides by these; other depths fall into its
#: 8-bit branch and read the 16-bit samples as bytes, so they are refused here.
_HBD_SCALERS = {10: 4.0, 12: 16.0, 16: 256.0}


class UnsupportedBitdepthError(ValueError):
    """libvmaf's float features only convert 8, 10, 12 and 16-bit input correctly."""


class FrameSizeError(ValueError):
    """The frame is too small for the filters of a float feature."""


def check_bitdepth(bitdepth: int) -> None:
    """Raise :class:`UnsupportedBitdepthError` unless ``bitdepth`` is 8, 10, 12 or 16."""
    if bitdepth != 8 and bitdepth not in _HBD_SCALERS:
        raise UnsupportedBitdepthError(
            f"float features support bit depths 8, 10, 12 and 16, got {bitdepth} "
            "(libvmaf's picture_copy mis-reads other depths)")


def to_float_luma(plane, bitdepth: int):
    """Convert an integer luma plane to libvmaf's float input: ``p - 128`` or ``p / s - 128``.

    Exact in float32 (the divisors are powers of two). Works on numpy and JAX arrays.
    See specs/float_adm.md §1.
    """
    check_bitdepth(bitdepth)
    xp = jnp if isinstance(plane, jax.Array) else np
    values = xp.asarray(plane).astype(xp.float32)
    if bitdepth == 8:
        return values - xp.float32(128.0)
    return values / xp.float32(_HBD_SCALERS[bitdepth]) - xp.float32(128.0)


class Arith:
    """Float arithmetic in the C code's rounding order.

    ``faithful=True`` rounds each product before it is added (blocking XLA's FMA contraction)
    and is what the bit-faithful functions use; ``faithful=False`` is plain JAX arithmetic
    with derivatives, for the differentiable mode (specs/differentiable.md §1).
    """

    def __init__(self, anchor, faithful: bool = True):
        self.faithful = faithful
        if faithful:
            first = jnp.ravel(anchor)[0]
            # Zero unless the input holds NaN (inputs are finite); XLA cannot fold ``x != x``.
            self._zero32 = (first != first).astype(jnp.uint32)

    def round(self, value):
        """Return ``value`` unchanged, but as a value XLA may not fuse into a following add."""
        if not self.faithful:
            return value
        if value.dtype == jnp.float32:
            bits = lax.bitcast_convert_type(value, jnp.uint32) ^ self._zero32
            return lax.bitcast_convert_type(bits, jnp.float32)
        if value.dtype == jnp.float64:
            bits = lax.bitcast_convert_type(value, jnp.uint64) ^ self._zero32.astype(jnp.uint64)
            return lax.bitcast_convert_type(bits, jnp.float64)
        raise TypeError(f"unexpected dtype {value.dtype}")

    def mul(self, a, b):
        """``a * b`` rounded to its dtype before any use."""
        return self.round(a * b)


def sequential_row_sums(values):
    """Sum the last axis left to right in the values' dtype, like a C ``for`` loop.

    ``values``: (..., H, W) -> (..., H).
    """
    columns = jnp.moveaxis(values, -1, 0)

    def add_column(carry, column):
        return carry + column, None

    sums, _ = lax.scan(add_column, jnp.zeros(values.shape[:-1], values.dtype), columns)
    return sums


def sequential_total(values, faithful: bool = True):
    """C's two-level float sum: each row left to right, then the row sums top to bottom.

    ``values``: (..., H, W) -> (...). With ``faithful=False`` this is ``jnp.sum`` (same value up
    to rounding order, cheaper to differentiate).
    """
    if not faithful:
        return jnp.sum(values, axis=(-2, -1))
    row_sums = sequential_row_sums(values)
    return sequential_row_sums(row_sums[..., None, :])[..., 0]


def reflect101_filter(image, taps: Sequence[float], arith: Arith, *, square: bool = False, other=None):
    """Separable filter, vertical pass then horizontal, with reflect-101 borders.

    Follows ``convolution_edge_s`` / ``vif_filter1d_s`` (``convolution_internal.h:27-52``,
    ``vif_tools.c:318-380``): ``accum = 0; accum += f[k] * x[i - r + k]`` for k = 0..n-1,
    mirror ``-i`` below 0 and ``2n - i - 2`` past the end. ``square`` filters ``x * x`` and
    ``other`` filters ``x * other`` in the vertical pass (``vif_filter1d_sq_s``, ``_xy_s``).
    ``image``: (..., H, W); needs H, W > radius.
    """
    taps = [np.float32(t) for t in taps]
    radius = len(taps) // 2
    height, width = image.shape[-2], image.shape[-1]
    if height <= radius or width <= radius:
        raise FrameSizeError(f"a {len(taps)}-tap filter needs a plane larger than {radius}x{radius}, got {width}x{height}")
    if square:
        source = arith.mul(image, image)
    elif other is not None:
        source = arith.mul(image, other)
    else:
        source = image
    ndim = image.ndim
    pad_rows = [(0, 0)] * (ndim - 2) + [(radius, radius), (0, 0)]
    padded = jnp.pad(source, pad_rows, mode="reflect")
    vertical = None
    for k, tap in enumerate(taps):
        term = arith.mul(jnp.float32(tap), lax.slice_in_dim(padded, k, k + height, axis=ndim - 2))
        vertical = term if vertical is None else vertical + term
    pad_cols = [(0, 0)] * (ndim - 1) + [(radius, radius)]
    padded = jnp.pad(vertical, pad_cols, mode="reflect")
    horizontal = None
    for k, tap in enumerate(taps):
        term = arith.mul(jnp.float32(tap), lax.slice_in_dim(padded, k, k + width, axis=ndim - 1))
        horizontal = term if horizontal is None else horizontal + term
    return horizontal


def float32_pow(base, exponent: float, faithful: bool = True):
    """``powf(base, exponent)`` for float32 ``base`` (glibc's powf is correctly rounded in practice).

    The faithful mode evaluates ``pow`` in double inside a scoped ``jax_enable_x64`` and rounds to
    float32; the differentiable mode uses float32 ``jnp.power`` with a zero derivative at 0.
    """
    exponent32 = float(np.float32(exponent))
    if faithful:
        with jax.enable_x64(True):
            wide = jnp.power(base.astype(jnp.float64), jnp.float64(exponent32))
            return wide.astype(jnp.float32)
    positive = base > 0
    safe = jnp.where(positive, base, jnp.ones_like(base))
    return jnp.where(positive, jnp.power(safe, jnp.asarray(exponent32, base.dtype)), jnp.zeros_like(base))
