r"""A 2-D convolution whose every sum runs in the same order on any CPU.

``lax.conv_general_dilated`` on XLA's CPU backend is run by Eigen's tensor contraction, which
cuts a long reduction into blocks sized from the L1 data cache it reads at run time. A kernel
gradient reduces over batch x height x width, so a machine with another L1 size sums it in
another order, and a training run gives other parameter bits
(specs/models/training_determinism.md §3.2). This function computes the same convolution

.. math::

    y[n, i, j, o] = \sum_{t=(d_y, d_x)} \Big( \sum_c x_p[n, s_y i + d_y, s_x j + d_x, c]\,
                    k[d_y, d_x, c, o] \Big)

as one dot a tap (the inner sum, over the C input channels) whose results are added in tap
order, with every contraction handed to a dot at most :data:`CONTRACTION_BLOCK` long
(:func:`blocked_matmul`, which also blocks the kernel gradient's contraction over the rows).
A depthwise kernel is a chain of products added in tap order, and its gradients are reductions
XLA compiles itself. The values differ from Eigen's convolution in the last bits only (the same
products, summed in another order); the ONNX graphs keep their ``Conv`` nodes.

Use it as ``flax.linen.Conv(..., conv_general_dilated=fixed_order_conv)``: the parameters,
their shapes and their initial values are ``nn.Conv``'s.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence

import jax
import jax.numpy as jnp
from jax import lax

__all__ = ["CONTRACTION_BLOCK", "blocked_matmul", "fixed_order_conv"]

_NHWC = ("NHWC", "HWIO", "NHWC")

#: The longest contraction handed to one dot. Eigen's float32 contraction in jaxlib 0.10.2 first
#: splits a contraction of 392 on a CPU with a 48 KiB L1 data cache (measured); its block is
#: proportional to the L1 size, so 128 is summed in one pass on any L1 of 16 KiB or more.
CONTRACTION_BLOCK = 128


def _in_order(parts):
    """``((p0 + p1) + p2) + …``: the terms added one after another, in the order given."""
    return functools.reduce(operator.add, parts)


def _explicit_padding(padding, spatial: Sequence[int], kernel: Sequence[int],
                      strides: Sequence[int]) -> list[tuple[int, int]]:
    if isinstance(padding, str):
        return [tuple(p) for p in lax.padtype_to_pads(spatial, kernel, strides, padding)]
    return [(int(lo), int(hi)) for lo, hi in padding]


def fixed_order_conv(lhs, rhs, window_strides, padding, lhs_dilation=None, rhs_dilation=None,
                     dimension_numbers=None, feature_group_count: int = 1, precision=None):
    """``lax.conv_general_dilated`` for NHWC inputs and HWIO kernels, summed in a fixed order.

    Supports what the project's networks use: any strides and explicit or named padding, no
    dilation, and a feature group count of 1 (dense) or of the input channel count with one
    output channel per group (depthwise). Anything else raises ``NotImplementedError`` rather
    than compute something else. ``precision`` is accepted for the signature and ignored: the
    products and sums are float32 on the CPU whatever it says.
    """
    del precision
    if lax.conv_dimension_numbers(lhs.shape, rhs.shape, dimension_numbers) != \
            lax.conv_dimension_numbers(lhs.shape, rhs.shape, _NHWC):
        raise NotImplementedError(f"fixed_order_conv takes NHWC/HWIO/NHWC, got {dimension_numbers}")
    if any(d != 1 for d in (lhs_dilation or ())) or any(d != 1 for d in (rhs_dilation or ())):
        raise NotImplementedError("fixed_order_conv does not dilate")
    n, height, width, channels = lhs.shape
    kh, kw, kernel_in, features = rhs.shape
    sy, sx = (int(s) for s in window_strides)
    (top, bottom), (left, right) = _explicit_padding(padding, (height, width), (kh, kw), (sy, sx))
    depthwise = feature_group_count == channels and kernel_in == 1 and features == channels and channels > 1
    if not depthwise and (feature_group_count != 1 or kernel_in != channels):
        raise NotImplementedError(
            f"fixed_order_conv supports dense or depthwise kernels, got {channels} input channels, "
            f"kernel {rhs.shape} and feature_group_count={feature_group_count}")
    padded = jnp.pad(lhs, ((0, 0), (top, bottom), (left, right), (0, 0)))
    padded_h, padded_w = height + top + bottom, width + left + right
    out_h = (padded_h - kh) // sy + 1
    out_w = (padded_w - kw) // sx + 1
    if out_h < 1 or out_w < 1:
        raise ValueError(f"a {kh}x{kw} kernel does not fit a padded {height}x{width} input")

    def window(array, dy, dx):  # the samples tap (dy, dx) of every output reads, [N, H', W', ...]
        starts = (0, dy, dx) + (0,) * (array.ndim - 3)
        limits = (n, dy + sy * (out_h - 1) + 1, dx + sx * (out_w - 1) + 1) + array.shape[3:]
        return lax.slice(array, starts, limits, (1, sy, sx) + (1,) * (array.ndim - 3))

    taps = [(dy, dx) for dy in range(kh) for dx in range(kw)]
    if depthwise:
        return _in_order(window(padded, dy, dx) * rhs[dy, dx, 0] for dy, dx in taps)
    rows = n * out_h * out_w
    # One dot a tap (contraction over the C input channels), added in tap order.
    out = _in_order(blocked_matmul(window(padded, dy, dx).reshape(rows, channels), rhs[dy, dx]) for dy, dx in taps)
    return out.reshape(n, out_h, out_w, features)


def _dot(a, b, contracting):
    return lax.dot_general(a, b, (contracting, ((), ())), precision=lax.Precision.HIGHEST)


def _blocked(a, b):
    """``a @ b`` ([M, K] x [K, F]) as a chain of dots over column blocks of ``a``, added in order."""
    return _in_order(_dot(a[:, start:start + CONTRACTION_BLOCK], b[start:start + CONTRACTION_BLOCK], ((1,), (0,)))
                     for start in range(0, a.shape[1], CONTRACTION_BLOCK))


def _blocked_over_rows(a, g):
    """``a.T @ g`` ([M, K] and [M, F]): per-block dots over row blocks, summed block after block."""
    m = a.shape[0]
    if m <= CONTRACTION_BLOCK:
        return _dot(a, g, ((0,), (0,)))
    blocks = -(-m // CONTRACTION_BLOCK)
    pad = blocks * CONTRACTION_BLOCK - m
    a = jnp.pad(a, ((0, pad), (0, 0))).reshape(blocks, CONTRACTION_BLOCK, a.shape[1])
    g = jnp.pad(g, ((0, pad), (0, 0))).reshape(blocks, CONTRACTION_BLOCK, g.shape[1])
    partial = lax.dot_general(a, g, (((1,), (1,)), ((0,), (0,))), precision=lax.Precision.HIGHEST)
    return jnp.sum(partial, axis=0)


@jax.custom_vjp
def blocked_matmul(a, b):
    r"""``a @ b`` for ``a`` [M, K] and ``b`` [K, F], every dot's contraction at most ``CONTRACTION_BLOCK`` long.

    Eigen (which runs XLA's CPU dots) sums a contraction in one pass when it is no longer than
    its L1-sized block and in cache-sized pieces otherwise, so a contraction of at most
    ``CONTRACTION_BLOCK`` is summed in the same order on every machine. Longer ones are cut:
    ``K`` into a chain of dots added in order; and the gradient :math:`\bar b = a^T \bar y`,
    whose contraction runs over all M rows (batch x height x width for a convolution), into
    blocks of rows whose partial products one batched dot gives and a reduction XLA compiles
    itself adds block after block. :math:`\bar a = \bar y b^T` contracts over F.
    """
    return _blocked(a, b)


def _blocked_matmul_fwd(a, b):
    return _blocked(a, b), (a, b)


def _blocked_matmul_bwd(residuals, grad):
    a, b = residuals
    return _blocked(grad, b.T), _blocked_over_rows(a, grad)


blocked_matmul.defvjp(_blocked_matmul_fwd, _blocked_matmul_bwd)
