"""The four tiny networks as Flax Linen modules, with their I/O contracts.

* ``fr_regressor_v1`` — GELU MLP on the canonical-6 fixed-point VMAF features
  (specs/models/fr_regressor_v1.md);
* ``fr_regressor_v2`` — the same MLP on :data:`FULL_FEATURES` plus a one-hot codec id
  (specs/models/fr_regressor_v2.md);
* ``nr_metric_v1`` — MobileNet-tiny no-reference MOS estimator on a 224×224 luma frame
  (specs/models/nr_metric_v1.md);
* ``learned_filter_v1`` — residual CNN luma filter on any H×W (specs/models/learned_filter_v1.md).

Image inputs are NCHW (the ONNX convention); the modules transpose to NHWC for Flax's convs.
Every entry point takes the model id plus keyword configuration, so that the contract, the
module, the parameters and the exporters all come from one place::

    params = init_params("fr_regressor_v2", jax.random.key(0), variance=True)
    out = apply("fr_regressor_v2", params, features, codec_onehot, variance=True)
    out["score"], out["score_logvar"]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from vmafref.models.networks.codec import NUM_CODECS
from vmafref.models.networks.fixed_order_conv import fixed_order_conv

__all__ = [
    "MODEL_IDS",
    "CANONICAL6_FEATURES",
    "SCORE_MIN",
    "SCORE_MAX",
    "FULL_FEATURES",
    "FEATURE_SETS",
    "ModelContract",
    "ModelConfigError",
    "FRRegressor",
    "NRMetric",
    "LearnedFilter",
    "contract",
    "resolve_config",
    "build",
    "init_params",
    "apply",
    "parameter_count",
]

MODEL_IDS: tuple[str, ...] = ("fr_regressor_v1", "fr_regressor_v2", "nr_metric_v1", "learned_filter_v1")

#: Canonical-6 inputs of vmaf_v0.6.1 and fr_regressor_v1, as libvmaf's fixed-point extractors
#: name them (specs/models/fr_regressor_v1.md §2).
CANONICAL6_FEATURES: tuple[str, ...] = (
    "integer_adm2",
    "integer_vif_scale0",
    "integer_vif_scale1",
    "integer_vif_scale2",
    "integer_vif_scale3",
    "integer_motion2",
)

#: fr_regressor_v2's feature vector: every entry of the fork's FULL_FEATURES list that vmafref
#: computes, in that list's order, under libvmaf's default output keys
#: (specs/models/fr_regressor_v2.md §2).
FULL_FEATURES: tuple[str, ...] = (
    "integer_adm2",
    "integer_adm_scale0",
    "integer_adm_scale1",
    "integer_adm_scale2",
    "integer_adm_scale3",
    "integer_vif_scale0",
    "integer_vif_scale1",
    "integer_vif_scale2",
    "integer_vif_scale3",
    "VMAF_integer_feature_motion_sad_score",
    "integer_motion2",
    "integer_motion3",
)

FEATURE_SETS: dict[str, tuple[str, ...]] = {"canonical6": CANONICAL6_FEATURES, "full": FULL_FEATURES}

#: The FR regressors' output range (vmaf_v0.6.1's clip), applied inside the graph.
SCORE_MIN, SCORE_MAX = 0.0, 100.0

#: Input side of nr_metric_v1 (specs/models/nr_metric_v1.md §2).
NR_FRAME_SIZE = 224


class ModelConfigError(ValueError):
    """Unknown model id, unknown configuration key or a configuration value out of range."""


@dataclass(frozen=True)
class ModelContract:
    """Everything a caller must know to feed a model and read its outputs.

    Shapes use strings for symbolic (dynamic) dimensions: ``"N"`` (batch), ``"H"``, ``"W"``.
    ``feature_order`` is the column order of the ``features`` input (FR models only) and
    ``num_codecs`` the width of ``codec_onehot`` (0 when the model has no codec input).
    """

    model_id: str
    kind: str
    input_names: tuple[str, ...]
    output_names: tuple[str, ...]
    input_shapes: tuple[tuple[int | str, ...], ...]
    output_shapes: tuple[tuple[int | str, ...], ...]
    dtypes: tuple[str, ...]
    feature_order: tuple[str, ...] | None
    num_codecs: int
    parameter_count: int
    config: tuple[tuple[str, Any], ...] = ()

    def config_dict(self) -> dict[str, Any]:
        """The resolved configuration the contract was built from."""
        return dict(self.config)


# --------------------------------------------------------------------------------------------
# Configuration

_DEFAULTS: dict[str, dict[str, Any]] = {
    "fr_regressor_v1": {"hidden": 64, "depth": 2, "dropout": 0.1, "variance": False},
    "fr_regressor_v2": {"hidden": 64, "depth": 2, "dropout": 0.1, "variance": False,
                        "num_codecs": NUM_CODECS, "feature_set": "full"},
    "nr_metric_v1": {"width": 16},
    "learned_filter_v1": {"width": 16, "num_blocks": 4},
}


def resolve_config(model_id: str, **config: Any) -> dict[str, Any]:
    """Defaults of ``model_id`` overridden by ``config``; unknown keys and bad values raise."""
    if model_id not in _DEFAULTS:
        raise ModelConfigError(f"unknown model id {model_id!r}; known: {', '.join(MODEL_IDS)}")
    defaults = _DEFAULTS[model_id]
    unknown = sorted(set(config) - set(defaults))
    if unknown:
        raise ModelConfigError(
            f"unknown configuration key(s) for {model_id}: {', '.join(unknown)}; known: {', '.join(sorted(defaults))}")
    resolved = {**defaults, **config}
    for key in ("hidden", "depth", "width", "num_blocks"):
        if key in resolved and (not isinstance(resolved[key], int) or isinstance(resolved[key], bool)
                                or resolved[key] < 1):
            raise ModelConfigError(f"{model_id}: {key} must be a positive integer, got {resolved[key]!r}")
    if "dropout" in resolved and not (0.0 <= float(resolved["dropout"]) < 1.0):
        raise ModelConfigError(f"{model_id}: dropout must be in [0, 1), got {resolved['dropout']!r}")
    if "variance" in resolved:
        resolved["variance"] = bool(resolved["variance"])
    if model_id == "fr_regressor_v2":
        if resolved["num_codecs"] not in (0, NUM_CODECS):
            raise ModelConfigError(
                f"fr_regressor_v2: num_codecs must be 0 (no codec input) or {NUM_CODECS} (CODEC_VOCAB v1), "
                f"got {resolved['num_codecs']!r}")
        if resolved["feature_set"] not in FEATURE_SETS:
            raise ModelConfigError(
                f"fr_regressor_v2: feature_set must be one of {', '.join(FEATURE_SETS)}, got {resolved['feature_set']!r}")
    return resolved


# --------------------------------------------------------------------------------------------
# Modules


class FRRegressor(nn.Module):
    """GELU MLP: ``[features | codec_onehot] -> depth × (Dense(hidden), GELU, Dropout) -> Dense(1)``.

    GELU is the exact erf form, ``gelu(x) = x/2 · (1 + erf(x/√2))``. With ``num_codecs > 0`` the
    one-hot codec row is concatenated to the features before the first layer. In variance mode
    a second linear head predicts the log-variance of a Gaussian around the score (trained
    with the Gaussian NLL). See specs/models/fr_regressor_v1.md §4, fr_regressor_v2.md §4.
    """

    num_features: int
    num_codecs: int = 0
    hidden: int = 64
    depth: int = 2
    dropout: float = 0.1
    variance: bool = False

    @nn.compact
    def __call__(self, features, codec_onehot=None, *, train: bool = False):
        if features.ndim != 2 or features.shape[1] != self.num_features:
            raise ModelConfigError(f"features must have shape [N, {self.num_features}], got {features.shape}")
        x = features
        if self.num_codecs:
            if codec_onehot is None:
                raise ModelConfigError("codec_onehot is required when num_codecs > 0")
            if codec_onehot.shape != (features.shape[0], self.num_codecs):
                raise ModelConfigError(
                    f"codec_onehot must have shape [N, {self.num_codecs}] with N={features.shape[0]}, "
                    f"got {codec_onehot.shape}")
            x = jnp.concatenate([features, codec_onehot], axis=1)
        elif codec_onehot is not None:
            raise ModelConfigError("codec_onehot given but the model has num_codecs=0")
        for layer in range(self.depth):
            x = nn.Dense(self.hidden, name=f"hidden_{layer}")(x)
            x = nn.gelu(x, approximate=False)
            if train and self.dropout > 0.0:
                # Built only when training: an inference graph holds no Dropout node at all.
                x = nn.Dropout(self.dropout, deterministic=False)(x)
        # The teacher's range is [0, 100]; clipping inside the graph keeps an input far outside
        # the training data from producing a score no VMAF can have (fr_regressor_v1.md §4).
        score = jnp.clip(jnp.squeeze(nn.Dense(1, name="score_head")(x), axis=1), SCORE_MIN, SCORE_MAX)
        if not self.variance:
            return {"score": score}
        logvar = jnp.squeeze(nn.Dense(1, name="logvar_head")(x), axis=1)
        return {"score": score, "score_logvar": logvar}


def _Conv(*args, **kwargs) -> nn.Conv:
    # XLA's own convolution is summed in an order that depends on the CPU's L1 data cache, and so
    # are the trained parameters; this one is not (specs/models/training_determinism.md §3.2).
    return nn.Conv(*args, conv_general_dilated=fixed_order_conv, **kwargs)


def _relu6(x):
    return jnp.clip(x, 0.0, 6.0)


class NRMetric(nn.Module):
    """MobileNet-tiny: stem conv s2 → 5 depthwise-separable blocks → global mean → Dense(1).

    Convolutions carry biases and there is no batch normalisation: a biased conv is what a
    BN-folded inference graph computes, and the network stays a pure function of its
    parameters (specs/models/nr_metric_v1.md §3). Activation is ReLU6 = clip(x, 0, 6).
    """

    width: int = 16

    @nn.compact
    def __call__(self, frames, *, train: bool = False):
        del train  # no dropout or batch statistics
        if frames.ndim != 4 or frames.shape[1] != 1:
            raise ModelConfigError(f"frames must have shape [N, 1, H, W], got {frames.shape}")
        pad = ((1, 1), (1, 1))
        w = self.width
        x = jnp.transpose(frames, (0, 2, 3, 1))
        x = _relu6(_Conv(w, (3, 3), strides=(2, 2), padding=pad, name="stem")(x))
        plan = ((w, 2 * w, 2), (2 * w, 2 * w, 1), (2 * w, 4 * w, 2), (4 * w, 4 * w, 1), (4 * w, 8 * w, 2))
        for block, (c_in, c_out, stride) in enumerate(plan):
            x = _Conv(c_in, (3, 3), strides=(stride, stride), padding=pad, feature_group_count=c_in,
                        name=f"block{block}_depthwise")(x)
            x = _relu6(x)
            x = _Conv(c_out, (1, 1), padding="VALID", name=f"block{block}_pointwise")(x)
            x = _relu6(x)
        # Full-window average pool rather than jnp.mean: see specs/models/export.md §4.
        x = nn.avg_pool(x, window_shape=x.shape[1:3], strides=(1, 1), padding="VALID")
        x = jnp.squeeze(x, axis=(1, 2))
        return {"mos_score": jnp.squeeze(nn.Dense(1, name="head")(x), axis=1)}


class LearnedFilter(nn.Module):
    """Residual CNN: ``clip(x + exit(blocks(entry(x))), 0, 1)``.

    entry Conv3×3(1→w) → ``num_blocks`` × [h + Conv3×3(ReLU(Conv3×3(h)))] → exit Conv3×3(w→1);
    stride 1 with one pixel of zero padding everywhere, so any H×W works
    (specs/models/learned_filter_v1.md §3).
    """

    width: int = 16
    num_blocks: int = 4

    @nn.compact
    def __call__(self, degraded, *, train: bool = False):
        del train
        if degraded.ndim != 4 or degraded.shape[1] != 1:
            raise ModelConfigError(f"degraded frames must have shape [N, 1, H, W], got {degraded.shape}")
        pad = ((1, 1), (1, 1))
        x_in = jnp.transpose(degraded, (0, 2, 3, 1))
        h = _Conv(self.width, (3, 3), padding=pad, name="entry")(x_in)
        for block in range(self.num_blocks):
            r = _Conv(self.width, (3, 3), padding=pad, name=f"block{block}_conv0")(h)
            r = nn.relu(r)
            r = _Conv(self.width, (3, 3), padding=pad, name=f"block{block}_conv1")(r)
            h = h + r
        # Zero-initialised exit: the untrained filter is the identity on [0, 1] and training
        # only learns a correction (specs/models/learned_filter_v1.md §3).
        residual = _Conv(1, (3, 3), padding=pad, kernel_init=nn.initializers.zeros,
                           bias_init=nn.initializers.zeros, name="exit")(h)
        out = jnp.clip(x_in + residual, 0.0, 1.0)
        return {"output": jnp.transpose(out, (0, 3, 1, 2))}


# --------------------------------------------------------------------------------------------
# Entry points


def build(model_id: str, **config: Any) -> nn.Module:
    """The Flax module of ``model_id`` with ``config`` applied (see :func:`resolve_config`)."""
    cfg = resolve_config(model_id, **config)
    if model_id == "fr_regressor_v1":
        return FRRegressor(num_features=len(CANONICAL6_FEATURES), num_codecs=0, hidden=cfg["hidden"],
                           depth=cfg["depth"], dropout=float(cfg["dropout"]), variance=cfg["variance"])
    if model_id == "fr_regressor_v2":
        return FRRegressor(num_features=len(FEATURE_SETS[cfg["feature_set"]]), num_codecs=cfg["num_codecs"],
                           hidden=cfg["hidden"], depth=cfg["depth"], dropout=float(cfg["dropout"]),
                           variance=cfg["variance"])
    if model_id == "nr_metric_v1":
        return NRMetric(width=cfg["width"])
    return LearnedFilter(width=cfg["width"], num_blocks=cfg["num_blocks"])


def _io(model_id: str, cfg: Mapping[str, Any]):
    """(input names, input shapes, output names, output shapes, feature order, num_codecs)."""
    if model_id.startswith("fr_regressor"):
        order = CANONICAL6_FEATURES if model_id == "fr_regressor_v1" else FEATURE_SETS[cfg["feature_set"]]
        num_codecs = cfg.get("num_codecs", 0)
        names, shapes = ["features"], [("N", len(order))]
        if num_codecs:
            names.append("codec_onehot")
            shapes.append(("N", num_codecs))
        out_names, out_shapes = ["score"], [("N",)]
        if cfg["variance"]:
            out_names.append("score_logvar")
            out_shapes.append(("N",))
        return tuple(names), tuple(shapes), tuple(out_names), tuple(out_shapes), order, num_codecs
    if model_id == "nr_metric_v1":
        return ("input",), (("N", 1, NR_FRAME_SIZE, NR_FRAME_SIZE),), ("mos_score",), (("N",),), None, 0
    return ("input",), (("N", 1, "H", "W"),), ("output",), (("N", 1, "H", "W"),), None, 0


def _example_inputs(model_id: str, cfg: Mapping[str, Any], batch: int = 1, height: int = 16, width: int = 16):
    _, shapes, *_ = _io(model_id, cfg)
    sizes = {"N": batch, "H": height, "W": width}
    return [jnp.zeros(tuple(sizes.get(d, d) for d in shape), jnp.float32) for shape in shapes]


def init_params(model_id: str, key: jax.Array, **config: Any):
    """Initial parameters of ``model_id`` from PRNG ``key`` (Flax default initialisers).

    Returns the ``{"params": ...}`` variables dict with float32 leaves.
    """
    module = build(model_id, **config)
    cfg = resolve_config(model_id, **config)
    variables = module.init({"params": key}, *_example_inputs(model_id, cfg), train=False)
    return jax.tree_util.tree_map(lambda a: jnp.asarray(a, jnp.float32), {"params": variables["params"]})


def parameter_count(params) -> int:
    """Number of scalars in a parameter pytree."""
    return int(sum(np.size(leaf) for leaf in jax.tree_util.tree_leaves(params)))


def contract(model_id: str, **config: Any) -> ModelContract:
    """The I/O contract of ``model_id`` under ``config`` (see the module docstring)."""
    cfg = resolve_config(model_id, **config)
    names, shapes, out_names, out_shapes, order, num_codecs = _io(model_id, cfg)
    kind = {"fr_regressor_v1": "fr", "fr_regressor_v2": "fr", "nr_metric_v1": "nr",
            "learned_filter_v1": "filter"}[model_id]
    module = build(model_id, **config)
    abstract = jax.eval_shape(lambda: module.init({"params": jax.random.key(0)},
                                                  *_example_inputs(model_id, cfg), train=False))
    count = parameter_count(abstract["params"])
    return ModelContract(
        model_id=model_id,
        kind=kind,
        input_names=names,
        output_names=out_names,
        input_shapes=shapes,
        output_shapes=out_shapes,
        dtypes=("float32",) * (len(names) + len(out_names)),
        feature_order=order,
        num_codecs=num_codecs,
        parameter_count=count,
        config=tuple(sorted(cfg.items())),
    )


def apply(model_id: str, params, *inputs, train: bool = False, rngs=None, **config: Any) -> dict[str, jax.Array]:
    """Run ``model_id`` on ``inputs`` (in contract order); returns ``{output name: array}``.

    ``train=True`` enables dropout and then needs ``rngs={"dropout": key}``.
    """
    module = build(model_id, **config)
    if train and rngs is None and model_id.startswith("fr_regressor"):
        raise ModelConfigError("train=True needs rngs={'dropout': key} for the FR regressors' dropout")
    variables = params if "params" in params else {"params": params}
    return module.apply(variables, *inputs, train=train, rngs=rngs)

