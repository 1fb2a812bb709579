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
* :func:`filter_pass` / :func:`reflect101_filter` — separable filters whose passes are compiled
  as separate programs: in one program XLA:CPU recomputes a fused vertical pass for every tap
  of the horizontal one, and compile time grows to minutes. Their border rule is ``mirror``
  (:data:`MIRRORS`): f85a8536's reflect-101, or the edge-repeating end of libvmaf before
  commit 41d42c9e (the ``v3.0`` libvmaf convention).
* :func:`to_float_luma` — libvmaf's ``picture_copy``: ``pixel - 128`` for 8-bit, ``pixel / 4``,
  ``/ 16`` or ``/ 256`` then ``- 128`` for 10, 12 and 16 bits.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from vmafref.features._compiled import jit as stage_jit

__all__ = [
    "MIRRORS",
    "Arith",
    "FrameSizeError",
    "UnsupportedBitdepthError",
    "check_mirror",
    "reflect101_filter",
    "sequential_row_sums",
    "sequential_total",
    "to_float_luma",
    "filter_pass",
    "float32_pow",
]

#: ``picture_copy`` (``picture_copy.c:39-67``) divides by these; other depths fall into its
#: 8-bit branch and read the 16-bit samples as bytes, so they are refused here.
_HBD_SCALERS = {10: 4.0, 12: 16.0, 16: 256.0}


#: The border rules of the float filters, by the index a tap ``i`` outside ``[0, n)`` reads:
#:
#: * ``"reflect101"`` — ``-i`` at the start, ``2n - i - 2`` at the end (the edge sample not
#:   repeated): libvmaf f85a8536 (``convolution_internal.h:41,46``, ``vif_tools.c:350,368``),
#:   since commit 41d42c9e;
#: * ``"symmetric_end"`` — ``-i`` at the start, ``2n - i - 1`` at the end (the edge sample
#:   repeated): libvmaf before that commit, v3.0.0 among them (``convolution_internal.h:41,46``,
#:   ``vif_tools.c:424,442`` at v3.0.0).
MIRRORS = ("reflect101", "symmetric_end")


def check_mirror(mirror: str) -> str:
    """``mirror`` if it is one of :data:`MIRRORS`; ``ValueError`` otherwise."""
    if mirror not in MIRRORS:
        raise ValueError(f"unknown border mirror {mirror!r}; known: {', '.join(MIRRORS)}")
    return mirror


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
    if isinstance(plane, jax.Array):
        # One compiled call (about 50 µs at 576x324) instead of two eager operations (about 210).
        return _float_luma_stage(plane, bitdepth=int(bitdepth))
    return _float_luma(np, plane, bitdepth)


def _float_luma(xp, plane, bitdepth: int):
    values = xp.asarray(plane).astype(xp.float32)
    if bitdepth == 8:
        return values - xp.float32(128.0)
    return values / xp.float32(_HBD_SCALERS[bitdepth]) - xp.float32(128.0)


@functools.partial(stage_jit, static_argnames=("bitdepth",))
def _float_luma_stage(plane, bitdepth: int):
    return _float_luma(jnp, plane, bitdepth)


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

    ``values``: (..., H, W) -> (...,  H). A ``lax.scan`` over the W columns whose carry is the
    vector of all row sums, so each step is one vector add.
    """
    columns = jnp.moveaxis(values, -1, 0)

    def add_column(carry, column):
        return carry + column, None

    sums, _ = lax.scan(add_column, jnp.zeros(values.shape[:-1], values.dtype), columns, unroll=8)
    return sums


def _sequential_total(values, faithful: bool = True):
    if not faithful:
        return jnp.sum(values, axis=(-2, -1))
    row_sums = sequential_row_sums(values)
    return sequential_row_sums(row_sums[..., None, :])[..., 0]


#: Compiled on its own: inlined into a large program, XLA would fuse the producers of ``values``
#: into the scan body and recompute them at every step.
_sequential_total_jit = stage_jit(_sequential_total, static_argnames=("faithful",))


def sequential_total(values, faithful: bool = True):
    """C's two-level float sum: each row left to right, then the row sums top to bottom.

    ``values``: (..., H, W) -> (...). With ``faithful=False`` this is ``jnp.sum`` (same value up
    to rounding order, cheaper to differentiate).
    """
    return _sequential_total_jit(values, faithful=faithful)


def _mirror_pad(source, axis: int, radius: int, mirror: str):
    """``source`` with ``radius`` mirrored samples on each side of ``axis`` (:data:`MIRRORS`)."""
    if mirror == "reflect101":
        pad = [(0, 0)] * source.ndim
        pad[axis] = (radius, radius)
        return jnp.pad(source, pad, mode="reflect")
    front = [(0, 0)] * source.ndim
    front[axis] = (radius, 0)
    back = [(0, 0)] * source.ndim
    back[axis] = (0, radius)
    # -i at the start as reflect-101; 2n - i - 1 at the end: numpy's "symmetric".
    return jnp.pad(jnp.pad(source, front, mode="reflect"), back, mode="symmetric")


def _filter_pass(source, taps: tuple, axis: int, faithful: bool, stride: int, mirror: str = "reflect101"):
    """One 1-D pass of :func:`reflect101_filter` along ``axis`` (-2 rows, -1 columns).

    Output ``j`` is ``sum_k f[k] * x[stride * j - r + k]`` (accumulated in tap order, products
    rounded), with the ``mirror`` border rule (default ``-i`` / ``2n - i - 2``), read from the
    padded input by strided slices; ``stride`` 2 keeps only the even outputs (the VIF
    decimation), ``n // 2`` of them.
    """
    arith = Arith(source, faithful)
    axis = source.ndim + axis
    radius = len(taps) // 2
    size = source.shape[axis]
    count = size if stride == 1 else size // stride
    # The barrier was meant to keep the padding a buffer of its own; XLA's CPU pipeline removes
    # barriers before it fuses, so it compiles to the same program (specs/float_vif.md §6). It
    # stays because it is part of the lowered program that the stores of compiled stages key on.
    padded = lax.optimization_barrier(_mirror_pad(source, axis, radius, mirror))
    total = None
    for k, tap in enumerate(taps):
        window = lax.slice_in_dim(padded, k, k + stride * (count - 1) + 1, stride=stride, axis=axis)
        term = arith.mul(jnp.asarray(np.float32(tap), source.dtype), window)
        total = term if total is None else total + term
    return total


#: Each pass is compiled on its own so that the vertical pass is computed once and stored, not
#: recomputed for every tap of the horizontal pass (which XLA's fusion would do in one program).
filter_pass = stage_jit(_filter_pass, static_argnames=("taps", "axis", "faithful", "stride", "mirror"))


def reflect101_filter(image, taps: Sequence[float], arith: Arith, *, square: bool = False, other=None,
                      stride: int = 1, mirror: str = "reflect101"):
    """Separable filter, vertical pass then horizontal, with reflect-101 borders by default.

    Follows ``convolution_edge_s`` / ``vif_filter1d_s`` (``convolution_internal.h:27-52``,
    ``vif_tools.c:318-380``): ``accum = 0; accum += f[k] * x[i - r + k]`` for k = 0..n-1,
    mirror ``-i`` below 0 and ``2n - i - 2`` past the end. ``mirror="symmetric_end"`` maps a
    tap past the end to ``2n - i - 1`` instead, as libvmaf v3.0.0 does (:data:`MIRRORS`).
    ``square`` filters ``x * x`` and ``other`` filters ``x * other`` in the vertical pass
    (``vif_filter1d_sq_s``, ``_xy_s``). ``stride=2`` returns only the even rows and columns
    (``n // 2`` each). ``image``: (..., H, W); needs H, W > radius.
    """
    taps = tuple(float(np.float32(t)) for t in taps)
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
    if mirror == "reflect101":  # the default programs, called as before
        vertical = filter_pass(source, taps=taps, axis=-2, faithful=arith.faithful, stride=stride)
        return filter_pass(vertical, taps=taps, axis=-1, faithful=arith.faithful, stride=stride)
    check_mirror(mirror)
    vertical = filter_pass(source, taps=taps, axis=-2, faithful=arith.faithful, stride=stride, mirror=mirror)
    return filter_pass(vertical, taps=taps, axis=-1, faithful=arith.faithful, stride=stride, mirror=mirror)


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
