"""Small array operations as compiled calls, for the staged feature pipelines.

The features run as chains of separately jitted stages; glue between stages (stacking the
per-scale sums) run eagerly is dispatched operation by operation, about 2 ms a call under the
x64 scope. One compiled call costs a few microseconds.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

__all__ = ["stack"]


@functools.partial(jax.jit, static_argnames=("axis",))
def stack(arrays, axis: int):
    """``jnp.stack(arrays, axis)`` as one compiled call."""
    return jnp.stack(arrays, axis=axis)
