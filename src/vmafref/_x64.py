"""Scoped 64-bit integer support for JAX.

The fixed-point features need int64 accumulators. JAX silently truncates int64 to int32
unless x64 is enabled, so every fixed-point entry point runs inside :func:`x64`, which
enables it for the duration of the call only (never globally). See specs/integer_adm.md §1.
"""

from __future__ import annotations

import contextlib

import jax

__all__ = ["x64"]


@contextlib.contextmanager
def x64():
    """Enable ``jax_enable_x64`` inside the ``with`` block only."""
    with jax.enable_x64(True):
        yield
