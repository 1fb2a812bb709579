"""vmafref.features._compiled: the fence that keeps an intermediate a buffer of its own."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from vmafref._x64 import x64
from vmafref.features._compiled import fenced, opaque_one


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.bool_])
@pytest.mark.parametrize("jitted", [False, True])
def test_opaque_one_is_one_for_any_samples(dtype, jitted):
    """One for the extremes of each integer type, batched or not, with or without 64-bit types."""
    info = np.iinfo(dtype) if dtype is not np.bool_ else None
    extreme = info.max if info is not None else True
    low = info.min if info is not None else False
    plane = np.full((2, 3, 4096), extreme, dtype)
    plane[1, 0, ::2] = low
    fn = jax.jit(opaque_one) if jitted else opaque_one
    assert int(fn(plane)) == 1
    with x64():
        assert int(fn(plane)) == 1
        assert int(fn(plane[0])) == 1


def test_opaque_one_refuses_floats_and_64_bit_integers():
    with x64():
        for dtype in (np.float32, np.int64):
            with pytest.raises(TypeError, match="at most 32 bits"):
                opaque_one(jnp.zeros((2, 2), dtype))


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
