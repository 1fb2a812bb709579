"""vmafref.features._compiled: compiled stages, and the fence that keeps an intermediate a buffer of its own."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from vmafref._x64 import x64
from vmafref.features import _compiled
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


def test_a_stage_call_keyed_by_its_arrays_types_runs_the_program_those_types_need():
    """The fast key (positional arrays, static arguments by name) must tell apart every input
    that changes the program: shape, dtype, weak type, a static value, the x64 setting."""
    @functools.partial(_compiled.jit, static_argnames=("shift",))
    def scaled(x, y, *, shift=1):
        return x * 2 + y, (x + y).dtype.itemsize, shift

    x = jnp.arange(6, dtype=jnp.int32).reshape(2, 3)
    calls = [((x, x), {}), ((x, x), {"shift": 3}), ((x[:1], x[:1]), {}), ((x.astype(jnp.float32), x), {}),
             ((np.asarray(x), np.asarray(x)), {}), ((x, jnp.asarray(1)), {}), ((x, jnp.int32(1)), {})]
    for args, kwargs in calls * 2:  # the second round takes the fast path
        got = scaled(*args, **kwargs)
        want = jax.jit(scaled._fn, static_argnames=("shift",))(*args, **kwargs)
        assert jax.tree_util.tree_all(jax.tree_util.tree_map(lambda a, b: np.array_equal(a, b), got, want))
        assert [np.asarray(a).dtype for a in jax.tree_util.tree_leaves(got)] == \
            [np.asarray(a).dtype for a in jax.tree_util.tree_leaves(want)]
    assert len(scaled._fast) == len(scaled._executables) == len(calls)
    with x64():
        wide = scaled(np.arange(3, dtype=np.int64), np.arange(3, dtype=np.int64))
    assert np.asarray(wide[0]).dtype == np.int64 and len(scaled._executables) == len(calls) + 1
    with jax.disable_jit():
        assert scaled(x, x, shift=5)[2] == 5
    assert jax.grad(lambda v: scaled(v, v)[0].sum())(jnp.ones(3)).tolist() == [3.0, 3.0, 3.0]
    assert _compiled.clear_compiled() >= len(calls) and not scaled._fast
