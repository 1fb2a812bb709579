"""Derivatives of the float features with respect to the distorted frame (specs/differentiable.md)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from vmafref._x64 import x64
from vmafref.features.float_adm import float_adm_differentiable
from vmafref.features.float_motion import float_motion_differentiable
from vmafref.features.float_vif import float_vif_differentiable


def _frames(seed, size=32):
    rng = np.random.default_rng(seed)
    ref = rng.uniform(-100, 100, (size, size))
    dis = ref + rng.normal(0, 8, (size, size))
    return ref, dis


FEATURES = {
    "adm2": lambda r, d: float_adm_differentiable(r, d)[0],
    "vif_scale0": lambda r, d: float_vif_differentiable(r, d)[0],
    "vif_scale3": lambda r, d: float_vif_differentiable(r, d)[3],
    "motion": lambda r, d: float_motion_differentiable(r, d),
}


#: ADM's gradient compiles for 10-30 s on two cores: it runs with the slow tests.
NAMES = [pytest.param(name, marks=pytest.mark.slow) if name == "adm2" else name for name in sorted(FEATURES)]


@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_finite_differences(name):
    feature = FEATURES[name]
    ref, dis = _frames(1)
    with x64():
        r, d = jnp.asarray(ref, jnp.float64), jnp.asarray(dis, jnp.float64)
        grad = jax.grad(lambda x: feature(r, x))(d)
        assert np.all(np.isfinite(np.asarray(grad)))
        direction = jnp.asarray(np.random.default_rng(2).normal(size=dis.shape))
        step = 1e-4
        numeric = (feature(r, d + step * direction) - feature(r, d - step * direction)) / (2 * step)
        analytic = jnp.vdot(grad, direction)
        assert abs(float(numeric) - float(analytic)) <= 1e-3 * max(1e-3, abs(float(numeric)))


@pytest.mark.parametrize("name", NAMES)
def test_float32_gradient_is_finite_even_for_identical_frames(name):
    ref, _ = _frames(3)
    r = jnp.asarray(ref, jnp.float32)
    grad = jax.jit(jax.grad(lambda x: FEATURES[name](r, x)))(r)
    assert grad.dtype == jnp.float32 and np.all(np.isfinite(np.asarray(grad)))
