"""vmafref.features._compiled: the fence that keeps an intermediate a buffer of its own."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from vmafref._x64 import x64
from vmafref.features._compiled import fenced, opaque_one


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64,
                                   np.bool_, np.float32, np.float64])
@pytest.mark.parametrize("jitted", [False, True])
def test_opaque_one_is_one_for_any_samples(dtype, jitted):
    """One for the extremes of each integer type, batched or not, with or without 64-bit types."""
    info = np.iinfo(dtype) if dtype not in (np.bool_, np.float32, np.float64) else None
    extreme = info.max if info is not None else (True if dtype is np.bool_ else -np.inf)
    low = info.min if info is not None else (False if dtype is np.bool_ else np.nan)
    plane = np.full((2, 3, 4096), extreme, dtype)
    plane[1, 0, ::2] = low
    fn = jax.jit(opaque_one) if jitted else opaque_one
    if plane.dtype.itemsize < 8:  # 64-bit types exist only with x64
        assert int(fn(plane)) == 1
    with x64():
        assert int(fn(plane)) == 1
        assert int(fn(plane[0])) == 1


def test_opaque_one_refuses_complex_planes():
    with pytest.raises(TypeError, match="real numbers"):
        opaque_one(jnp.zeros((2, 2), jnp.complex64))


@pytest.mark.parametrize("jitted", [False, True])
def test_fenced_computes_fn_once_into_a_loop_result(jitted):
    """The value is fn's; compiled, the program holds the loop that keeps XLA from fusing fn
    into its consumers (an optimisation barrier would be removed before fusion)."""
    def program(x):
        y = fenced(lambda v: (v * 3 + 1, v - 2), opaque_one(x), x)
        return y[0][..., 1:] + y[0][..., :-1] + y[1][..., 1:]

    x = np.arange(40, dtype=np.int32).reshape(5, 8)
    expected = (x * 3 + 1)[:, 1:] + (x * 3 + 1)[:, :-1] + (x - 2)[:, 1:]
    fn = jax.jit(program) if jitted else program
    np.testing.assert_array_equal(np.asarray(fn(jnp.asarray(x))), expected)
    compiled = jax.jit(program).lower(x).compile().as_text()
    assert " while(" in compiled


def test_fenced_is_differentiable_and_vmappable():
    """Gradients are fn's (the loop itself is not reverse-differentiable), forward and reverse,
    and a batch through vmap gives each example's value."""
    def fn(x, scale):
        return jnp.sin(x) * scale, x > 0

    def program(x):
        value, positive = fenced(fn, opaque_one(x), x, 3.0)
        return jnp.sum(jnp.where(positive, value, 0.0))

    x = jnp.linspace(-1.0, 1.0, 12, dtype=jnp.float32).reshape(3, 4)
    expected_grad = np.where(np.asarray(x) > 0, 3.0 * np.cos(np.asarray(x)), 0.0)
    np.testing.assert_allclose(np.asarray(jax.grad(program)(x)), expected_grad, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(jax.jit(jax.grad(program))(x)), expected_grad, rtol=1e-6)
    tangent = jnp.ones_like(x)
    _, forward = jax.jvp(program, (x,), (tangent,))
    np.testing.assert_allclose(float(forward), expected_grad.sum(), rtol=1e-6)
    batch = jnp.stack([x, -x, 2 * x])
    np.testing.assert_allclose(np.asarray(jax.vmap(program)(batch)), [float(program(b)) for b in batch], rtol=1e-6)
