"""End-to-end differentiable float VMAF (specs/differentiable.md §5-§6)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from vmafref._x64 import x64
from vmafref.differentiable import FEATURE_NAMES, float_features_libvmaf, vmaf_differentiable
from vmafref.scoring import score
from vmafref.teaching import example_clips
from vmafref.vmaf_model import ModelError, load_model

#: The tolerance the spec states for the pooled score against the float path.
TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def example():
    ref, dis = example_clips(frame_count=4)
    result = score(ref, dis, bitdepth=8, models=("vmaf_float_v0.6.1",))
    return ref, dis, result


def _tiny_clip(seed, frames=3, size=32):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size]
    ref = np.stack([128 + 50 * np.sin((xx + 2 * t) / 4.0) * np.cos(yy / 5.0) + rng.normal(0, 10, (size, size))
                    for t in range(frames)])
    ref = np.clip(np.round(ref), 0, 255)
    dis = np.clip(np.round(ref + rng.normal(0, 8, ref.shape)), 0, 255)
    return ref.astype(np.uint8), dis.astype(np.uint8)


@pytest.mark.slow  # ~20 s; the pooled score's test stays in the default suite
def test_features_are_the_float_paths_bit_for_bit(example):
    ref, dis, result = example
    features = float_features_libvmaf(ref.astype(np.float32) - 128, dis.astype(np.float32) - 128)
    for name in FEATURE_NAMES:
        assert np.asarray(features[name]).tolist() == [frame[name] for frame in result.frames], name


@pytest.mark.parametrize("precision", ["float32", pytest.param("float64", marks=pytest.mark.slow)])
def test_pooled_score_equals_the_float_path(example, precision):
    ref, dis, result = example
    with x64() if precision == "float64" else _nothing():
        r = jnp.asarray(ref, precision)
        d = jnp.asarray(dis, precision)
        pooled = float(vmaf_differentiable(r, d))
        per_frame = np.asarray(vmaf_differentiable(r, d, per_frame=True), np.float64)
    assert abs(pooled - result.pooled["vmaf"]["mean"]) <= TOLERANCE
    np.testing.assert_allclose(per_frame, [frame["vmaf"] for frame in result.frames], rtol=0, atol=TOLERANCE)


@pytest.mark.slow  # ~19 s
def test_vmaf_v061_svr_on_float_features_equals_the_production_model(example):
    ref, dis, result = example
    model = load_model("vmaf_v0.6.1")
    keys = ("adm2", "motion2", "vif_scale0", "vif_scale1", "vif_scale2", "vif_scale3")
    expected = [model.predict(frame, keys) for frame in result.frames]
    with x64():
        got = vmaf_differentiable(jnp.asarray(ref, jnp.float64), jnp.asarray(dis, jnp.float64), model="vmaf_v0.6.1",
                                  per_frame=True)
    np.testing.assert_allclose(np.asarray(got), expected, rtol=0, atol=TOLERANCE)


@pytest.mark.slow  # ~20 s: a second model's full differentiable graph
def test_neg_model_gain_limits_follow_the_float_path():
    ref, dis = _tiny_clip(7, frames=2)
    result = score(ref, dis, bitdepth=8, models=("vmaf_float_v0.6.1neg",))
    with x64():
        got = float(vmaf_differentiable(jnp.asarray(ref, jnp.float64), jnp.asarray(dis, jnp.float64),
                                        model="vmaf_float_v0.6.1neg"))
    assert abs(got - result.pooled["vmaf"]["mean"]) <= TOLERANCE


@pytest.mark.slow  # ~20 s: the gradient of the whole pooled score
def test_float32_gradient_of_the_default_mode_is_finite_and_not_zero():
    ref, dis = _tiny_clip(8, frames=2, size=24)
    r = jnp.asarray(ref, jnp.float32)
    g = jax.jit(jax.grad(lambda x: vmaf_differentiable(r, x)))(jnp.asarray(dis, jnp.float32))
    assert g.dtype == jnp.float32 and g.shape == dis.shape
    assert np.all(np.isfinite(np.asarray(g))) and float(jnp.abs(g).max()) > 0


# Differentiating the staged pipeline compiles a forward and a backward program per stage:
# minutes on a 2-core host, so these run in CI's slow stage.
@pytest.mark.slow
@pytest.mark.parametrize("jitted", [False, True], ids=["eager", "jit"])
def test_gradient_is_the_smooth_formulas_and_matches_finite_differences(jitted):
    ref, dis = _tiny_clip(1)
    with x64():
        r = jnp.asarray(ref, jnp.float64)
        d = jnp.asarray(dis, jnp.float64)
        smooth = lambda x: vmaf_differentiable(r, x, values="smooth")  # noqa: E731
        grad_smooth = jax.grad(smooth)
        grad_exact = jax.grad(lambda x: vmaf_differentiable(r, x))
        if jitted:
            grad_smooth, grad_exact = jax.jit(grad_smooth), jax.jit(grad_exact)
        g = grad_smooth(d)
        assert np.all(np.isfinite(np.asarray(g))) and float(jnp.abs(g).max()) > 0
        np.testing.assert_array_equal(np.asarray(grad_exact(d)), np.asarray(g))
        direction = jnp.asarray(np.random.default_rng(2).normal(size=dis.shape))
        step = 1e-3
        numeric = (smooth(d + step * direction) - smooth(d - step * direction)) / (2 * step)
        analytic = jnp.vdot(g, direction)
        assert abs(float(numeric) - float(analytic)) <= 1e-3 * max(1e-3, abs(float(numeric)))


@pytest.mark.slow
def test_vmap_over_clips_equals_clip_by_clip():
    clips = [_tiny_clip(seed, frames=2) for seed in (3, 4)]
    refs = jnp.asarray(np.stack([c[0] for c in clips]), jnp.float32)
    diss = jnp.asarray(np.stack([c[1] for c in clips]), jnp.float32)
    batched = jax.vmap(lambda r, d: vmaf_differentiable(r, d))(refs, diss)
    single = [float(vmaf_differentiable(refs[i], diss[i])) for i in range(2)]
    np.testing.assert_allclose(np.asarray(batched, np.float64), single, rtol=0, atol=TOLERANCE)
    grads = jax.vmap(jax.grad(lambda r, d: vmaf_differentiable(r, d), argnums=1))(refs, diss)
    assert grads.shape == refs.shape and np.all(np.isfinite(np.asarray(grads)))


def test_bad_input_raises():
    ref, dis = _tiny_clip(5, frames=2)
    with pytest.raises(ValueError):
        vmaf_differentiable(ref, dis[:1])
    with pytest.raises(ValueError):
        vmaf_differentiable(ref, dis, values="exact")
    with pytest.raises(ValueError):
        vmaf_differentiable(ref, dis, bitdepth=9)


def test_models_with_other_options_are_refused():
    model = load_model("vmaf_float_v0.6.1", overloads={"float_adm": {"adm_csf_mode": 1}})
    ref, dis = _tiny_clip(6, frames=2)
    with pytest.raises(ModelError):
        vmaf_differentiable(ref, dis, model=model)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
