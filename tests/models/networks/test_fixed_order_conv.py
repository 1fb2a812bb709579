"""The fixed-order convolution: lax's values, lax's gradients, no cache-sized contraction left
(specs/models/training_determinism.md §3.2)."""

from __future__ import annotations

import functools
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jax import lax

from vmafref.models.networks import nets
from vmafref.models.networks.fixed_order_conv import CONTRACTION_BLOCK, blocked_matmul, fixed_order_conv
from vmafref.models.training import train

_NUMBERS = lax.ConvDimensionNumbers(lhs_spec=(0, 3, 1, 2), rhs_spec=(3, 2, 0, 1), out_spec=(0, 3, 1, 2))


def _case(seed, batch, height, width, channels, features, kernel, stride, depthwise, padding):
    rng = np.random.default_rng(seed)
    x = jnp.asarray(rng.standard_normal((batch, height, width, channels)), jnp.float32)
    shape = (kernel, kernel, 1, channels) if depthwise else (kernel, kernel, channels, features)
    w = jnp.asarray(rng.standard_normal(shape), jnp.float32)
    pad = padding if padding == "VALID" else [(kernel // 2, kernel // 2)] * 2
    options = dict(window_strides=(stride, stride), padding=pad, dimension_numbers=_NUMBERS,
                   feature_group_count=channels if depthwise else 1)
    return x, w, options


_CASES = st.tuples(st.integers(0, 2**31 - 1), st.integers(1, 3), st.integers(3, 12), st.integers(3, 12),
                   st.integers(1, 6), st.integers(1, 5), st.sampled_from((1, 3)), st.sampled_from((1, 2)),
                   st.booleans(), st.sampled_from(("SAME", "VALID")))


@pytest.mark.parametrize("jitted", [False, True], ids=["eager", "jit"])
@settings(max_examples=3, deadline=None)
@given(case=_CASES)
def test_values_and_gradients_are_lax_convolutions(jitted, case):
    seed, batch, height, width, channels, features, kernel, stride, depthwise, padding = case
    depthwise = depthwise and channels > 1
    if kernel > min(height, width) and padding == "VALID":
        kernel = 1
    x, w, options = _case(seed, batch, height, width, channels, features, kernel, stride, depthwise, padding)
    ours = functools.partial(fixed_order_conv, **options)
    reference = functools.partial(lax.conv_general_dilated, precision=lax.Precision.HIGHEST, **options)
    if jitted:
        ours, reference = jax.jit(ours), jax.jit(reference)
    out, expected = ours(x, w), reference(x, w)
    assert out.shape == expected.shape and out.dtype == jnp.float32
    scale = float(jnp.max(jnp.abs(x))) * float(jnp.sum(jnp.abs(w)))
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-6 * scale)
    probe = jnp.asarray(np.random.default_rng(seed + 1).standard_normal(out.shape), jnp.float32)
    grads = jax.grad(lambda a, b: jnp.sum(ours(a, b) * probe), (0, 1))(x, w)
    expected_grads = jax.grad(lambda a, b: jnp.sum(reference(a, b) * probe), (0, 1))(x, w)
    for got, want in zip(grads, expected_grads):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-5 * float(jnp.max(jnp.abs(want)) + 1.0))


def test_blocked_matmul_cuts_long_contractions_but_keeps_the_product():
    rng = np.random.default_rng(3)
    a = jnp.asarray(rng.standard_normal((5 * CONTRACTION_BLOCK + 7, 3 * CONTRACTION_BLOCK + 5)), jnp.float32)
    b = jnp.asarray(rng.standard_normal((a.shape[1], 4)), jnp.float32)
    np.testing.assert_allclose(blocked_matmul(a, b), np.asarray(a, np.float64) @ np.asarray(b, np.float64),
                               rtol=0, atol=1e-3)
    grad_a, grad_b = jax.grad(lambda p, q: jnp.sum(blocked_matmul(p, q)), (0, 1))(a, b)
    np.testing.assert_allclose(grad_a, np.broadcast_to(np.asarray(b, np.float64).sum(axis=1), a.shape), rtol=0, atol=1e-5)
    np.testing.assert_allclose(grad_b, np.broadcast_to(np.asarray(a, np.float64).sum(axis=0)[:, None], b.shape),
                               rtol=0, atol=1e-3)


@pytest.mark.parametrize("options", [dict(lhs_dilation=(2, 2)), dict(rhs_dilation=(2, 2)),
                                     dict(feature_group_count=2)], ids=["lhs-dilation", "rhs-dilation", "groups"])
def test_what_it_does_not_compute_is_refused(options):
    x = jnp.ones((1, 6, 6, 4), jnp.float32)
    w = jnp.ones((3, 3, 2 if "feature_group_count" in options else 4, 4), jnp.float32)
    with pytest.raises(NotImplementedError):
        fixed_order_conv(x, w, (1, 1), "SAME", dimension_numbers=_NUMBERS, **options)


def _contraction_lengths(hlo_text: str) -> tuple[list[int], int]:
    """Every dot's contraction length in an optimised HLO module, and its number of convolutions."""
    shapes = {}
    for name, dims in re.findall(r"%([\w.\-]+) = \w+\[([\d,]*)\]", hlo_text):
        shapes[name] = [int(d) for d in dims.split(",") if d]
    lengths = []
    for lhs, contracting in re.findall(r"= \w+\[[\d,]*\][^ ]* dot\(%([\w.\-]+), [^)]*\),.*?lhs_contracting_dims=\{([\d,]*)\}",
                                       hlo_text):
        dims = shapes[lhs]
        lengths.append(int(np.prod([dims[int(d)] for d in contracting.split(",")])))
    return lengths, len(re.findall(r" convolution\(", hlo_text))


@pytest.mark.parametrize("model_id,size", [("learned_filter_v1", 64), ("nr_metric_v1", 224)])
def test_the_conv_nets_training_step_has_no_cache_sized_contraction(model_id, size):
    # XLA's convolutions and long dots are summed in cache-sized blocks chosen at run time; the
    # compiled update step of a conv net (the release batch shape) must have neither.
    params = nets.init_params(model_id, jax.random.key(0))
    params = params.get("params", params)
    optimizer, step = train._compiled_step(model_id, (), 1e-3, 0.0, 1.0 if model_id == "learned_filter_v1" else 0.0)
    frames = jnp.zeros((16, 1, size, size), jnp.float32)
    targets = frames if model_id == "learned_filter_v1" else jnp.zeros((16,), jnp.float32)
    hlo = step.lower(params, optimizer.init(params), [frames], targets, jax.random.key(0)).compile().as_text()
    lengths, convolutions = _contraction_lengths(hlo)
    assert convolutions == 0
    assert lengths and max(lengths) <= CONTRACTION_BLOCK
