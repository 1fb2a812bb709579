"""Contracts and forward passes of the four networks: specs/models/*.md §2–§4."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from vmafref.models.networks import nets
from vmafref.models.networks.codec import NUM_CODECS, codec_onehot

EXPECTED_COUNTS = {"fr_regressor_v1": 4673, "fr_regressor_v2": 5441, "nr_metric_v1": 18561,
                   "learned_filter_v1": 18865}


def _inputs(contract, batch=3, height=12, width=20, seed=0):
    rng = np.random.default_rng(seed)
    sizes = {"N": batch, "H": height, "W": width}
    arrays = []
    for name, shape in zip(contract.input_names, contract.input_shapes):
        shape = tuple(sizes.get(d, d) for d in shape)
        if name == "codec_onehot":
            arrays.append(codec_onehot(["x264", "unknown", "x265"][:batch] + ["av1"] * (batch - 3)))
        elif name == "features":
            arrays.append(rng.standard_normal(shape).astype(np.float32))
        else:
            arrays.append(rng.random(shape).astype(np.float32))
    return arrays


@pytest.mark.parametrize("model_id", nets.MODEL_IDS)
def test_parameter_count_matches_contract_and_tree(model_id):
    contract = nets.contract(model_id)
    params = nets.init_params(model_id, jax.random.key(0))
    assert contract.parameter_count == nets.parameter_count(params) == EXPECTED_COUNTS[model_id]
    assert all(leaf.dtype == jnp.float32 for leaf in jax.tree_util.tree_leaves(params))


def test_fr_contracts():
    v1 = nets.contract("fr_regressor_v1")
    assert v1.kind == "fr" and v1.input_names == ("features",) and v1.output_names == ("score",)
    assert v1.input_shapes == (("N", 6),) and v1.output_shapes == (("N",),)
    assert v1.feature_order == nets.CANONICAL6_FEATURES and v1.num_codecs == 0
    v2 = nets.contract("fr_regressor_v2")
    assert v2.input_names == ("features", "codec_onehot")
    assert v2.input_shapes == (("N", len(nets.FULL_FEATURES)), ("N", NUM_CODECS))
    assert v2.feature_order == nets.FULL_FEATURES and v2.num_codecs == NUM_CODECS
    variance = nets.contract("fr_regressor_v2", variance=True)
    assert variance.output_names == ("score", "score_logvar")
    assert variance.output_shapes == (("N",), ("N",))


def test_v2_without_codecs_is_the_v1_contract():
    v1 = nets.contract("fr_regressor_v1")
    v2 = nets.contract("fr_regressor_v2", num_codecs=0, feature_set="canonical6")
    for field in ("kind", "input_names", "output_names", "input_shapes", "output_shapes", "dtypes",
                  "feature_order", "num_codecs", "parameter_count"):
        assert getattr(v1, field) == getattr(v2, field), field
    params = nets.init_params("fr_regressor_v1", jax.random.key(4))
    x = _inputs(v1)
    np.testing.assert_array_equal(nets.apply("fr_regressor_v1", params, *x)["score"],
                                  nets.apply("fr_regressor_v2", params, *x, num_codecs=0,
                                             feature_set="canonical6")["score"])


def test_image_contracts():
    nr = nets.contract("nr_metric_v1")
    assert (nr.kind, nr.input_names, nr.output_names) == ("nr", ("input",), ("mos_score",))
    assert nr.input_shapes == (("N", 1, 224, 224),) and nr.output_shapes == (("N",),)
    filt = nets.contract("learned_filter_v1")
    assert (filt.kind, filt.input_names, filt.output_names) == ("filter", ("input",), ("output",))
    assert filt.input_shapes == filt.output_shapes == (("N", 1, "H", "W"),)


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
@pytest.mark.parametrize("model_id,config", [("fr_regressor_v1", {}), ("fr_regressor_v2", {}),
                                             ("fr_regressor_v2", {"variance": True}),
                                             ("nr_metric_v1", {}), ("learned_filter_v1", {})])
def test_forward_shapes(model_id, config, jit):
    contract = nets.contract(model_id, **config)
    params = nets.init_params(model_id, jax.random.key(1), **config)
    x = _inputs(contract, height=224 if model_id == "nr_metric_v1" else 12,
                width=224 if model_id == "nr_metric_v1" else 20)
    fn = (lambda *a: nets.apply(model_id, params, *a, **config))
    out = (jax.jit(fn) if jit else fn)(*x)
    assert tuple(out) == tuple(sorted(contract.output_names))
    for name, shape in zip(contract.output_names, contract.output_shapes):
        expected = tuple({"N": 3, "H": 12, "W": 20}.get(d, d) for d in shape)
        assert out[name].shape == expected and out[name].dtype == jnp.float32
        assert np.all(np.isfinite(out[name]))


def test_fr_matches_hand_written_mlp():
    """The module computes Dense → exact GELU → Dense → exact GELU → Dense → clip(0, 100)."""
    params = nets.init_params("fr_regressor_v1", jax.random.key(2))["params"]
    # Centre the untrained head inside the teacher's range, so the clip leaves most rows alone.
    params = {**params, "score_head": {**params["score_head"],
                                       "bias": np.full_like(np.asarray(params["score_head"]["bias"]), 50.0)}}
    x = _inputs(nets.contract("fr_regressor_v1"))[0].astype(np.float64)

    def gelu(v):
        from scipy.special import erf
        return 0.5 * v * (1.0 + erf(v / np.sqrt(2.0)))

    h = x
    for layer in ("hidden_0", "hidden_1"):
        h = gelu(h @ np.asarray(params[layer]["kernel"], np.float64) + np.asarray(params[layer]["bias"], np.float64))
    raw = (h @ np.asarray(params["score_head"]["kernel"], np.float64) + np.asarray(params["score_head"]["bias"]))[:, 0]
    expected = np.clip(raw, 0.0, 100.0)
    got = nets.apply("fr_regressor_v1", {"params": params}, x.astype(np.float32))["score"]
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)
    assert np.mean((raw > 0.0) & (raw < 100.0)) > 0.5  # the comparison is not of clipped constants


@pytest.mark.parametrize("bias, bound", [(500.0, 100.0), (-500.0, 0.0)])
def test_fr_output_is_clipped_to_the_teachers_range(bias, bound):
    params = nets.init_params("fr_regressor_v1", jax.random.key(4))["params"]
    params = {**params, "score_head": {**params["score_head"],
                                       "bias": np.full_like(np.asarray(params["score_head"]["bias"]), bias)}}
    x = _inputs(nets.contract("fr_regressor_v1"), batch=16)[0]
    np.testing.assert_array_equal(nets.apply("fr_regressor_v1", {"params": params}, x)["score"], bound)


def test_dropout_only_in_training():
    params = nets.init_params("fr_regressor_v1", jax.random.key(3))
    x = _inputs(nets.contract("fr_regressor_v1"), batch=8)
    a = nets.apply("fr_regressor_v1", params, *x)["score"]
    np.testing.assert_array_equal(a, nets.apply("fr_regressor_v1", params, *x)["score"])
    t1 = nets.apply("fr_regressor_v1", params, *x, train=True, rngs={"dropout": jax.random.key(0)})["score"]
    t2 = nets.apply("fr_regressor_v1", params, *x, train=True, rngs={"dropout": jax.random.key(1)})["score"]
    assert not np.array_equal(t1, t2)
    with pytest.raises(nets.ModelConfigError, match="dropout"):
        nets.apply("fr_regressor_v1", params, *x, train=True)


def test_nr_is_batch_independent():
    params = nets.init_params("nr_metric_v1", jax.random.key(5))
    frames = np.random.default_rng(1).random((2, 1, 224, 224), dtype=np.float32)
    both = nets.apply("nr_metric_v1", params, frames)["mos_score"]
    one = nets.apply("nr_metric_v1", params, frames[1:])["mos_score"]
    np.testing.assert_allclose(both[1:], one, rtol=0, atol=1e-6)


@pytest.mark.parametrize("model_id,config,message", [
    ("fr_regressor_v3", {}, "unknown model id"),
    ("fr_regressor_v1", {"num_codecs": 6}, "unknown configuration"),
    ("fr_regressor_v2", {"num_codecs": 4}, "num_codecs"),
    ("fr_regressor_v2", {"feature_set": "all22"}, "feature_set"),
    ("nr_metric_v1", {"width": 0}, "positive integer"),
    ("fr_regressor_v1", {"dropout": 1.0}, "dropout"),
])
def test_bad_config_raises(model_id, config, message):
    with pytest.raises(nets.ModelConfigError, match=message):
        nets.contract(model_id, **config)


def test_bad_inputs_raise():
    params = nets.init_params("fr_regressor_v2", jax.random.key(0))
    features = np.zeros((2, len(nets.FULL_FEATURES)), np.float32)
    with pytest.raises(nets.ModelConfigError, match="codec_onehot is required"):
        nets.apply("fr_regressor_v2", params, features)
    with pytest.raises(nets.ModelConfigError, match="codec_onehot must have shape"):
        nets.apply("fr_regressor_v2", params, features, np.zeros((2, 5), np.float32))
    with pytest.raises(nets.ModelConfigError, match="features must have shape"):
        nets.apply("fr_regressor_v2", params, features[:, :6], np.zeros((2, 6), np.float32))
    with pytest.raises(nets.ModelConfigError, match=r"\[N, 1, H, W\]"):
        nets.apply("learned_filter_v1", nets.init_params("learned_filter_v1", jax.random.key(0)),
                   np.zeros((1, 3, 8, 8), np.float32))
