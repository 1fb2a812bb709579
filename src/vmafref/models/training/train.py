"""Deterministic training of the tiny networks with Optax.

One PRNG key (from ``TrainConfig.seed``) is split into an init key, a shuffle key and a
dropout key; epoch ``e`` visits the rows in the order ``jax.random.permutation(fold_in(
shuffle_key, e), N)`` and step ``s`` draws dropout with ``fold_in(dropout_key, s)``. With the
process pinned by :func:`vmafref.models.training.determinism.pin_process_for_determinism`, the trained
parameter bytes are a function of (config, dataset bytes, toolchain) only. See
specs/models/training_determinism.md.

Losses: MSE for the FR and NR regressors, Gaussian NLL ``½(logvar + (y − μ)²·e^(−logvar))``
for the FR variance mode, L1 for the filter. Optimiser: AdamW (decoupled weight decay).

The filter's training pairs are shifted in level at every step (:func:`shift_levels`, drawn
from ``fold_in(dropout_key, s)``): a restoration learnt at the levels of the training crops
would otherwise carry a level-dependent offset to content darker or brighter than they are
(specs/models/learned_filter_v1.md §4).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from vmafref.models.assessment import evaluation
from vmafref.models.networks import nets
from vmafref.models.datasets.data import Dataset
from vmafref.models.training.determinism import determinism_state
from vmafref.models.training.params_io import canonical_params, params_sha256
from vmafref.models.datasets.standardize import Standardizer

__all__ = ["TrainConfig", "TrainResult", "TrainingError", "DEFAULT_HYPERPARAMETERS", "train", "predict",
           "model_inputs", "regression_metrics", "shift_levels"]

#: Per-model defaults: epochs, batch size, learning rate, weight decay. The fork's optimiser
#: and loss for each network, with the step counts the resource corpus needs within the
#: leave-one-source-out budget of two CPU cores (specs/models/*.md, "Training").
DEFAULT_HYPERPARAMETERS: dict[str, dict[str, Any]] = {
    "fr_regressor_v1": {"epochs": 400, "batch_size": 256, "learning_rate": 1e-3, "weight_decay": 1e-5},
    "fr_regressor_v2": {"epochs": 400, "batch_size": 256, "learning_rate": 1e-3, "weight_decay": 1e-5},
    "nr_metric_v1": {"epochs": 12, "batch_size": 16, "learning_rate": 2e-3, "weight_decay": 1e-4},
    "learned_filter_v1": {"epochs": 20, "batch_size": 16, "learning_rate": 1e-3, "weight_decay": 0.0,
                          "level_shift": 1.0},
}


class TrainingError(ValueError):
    """A training configuration or dataset that cannot give a meaningful model."""


@dataclass(frozen=True)
class TrainConfig:
    """What to train and how; ``None`` hyperparameters take :data:`DEFAULT_HYPERPARAMETERS`.

    ``model_config`` is passed to :func:`vmafref.models.networks.nets.build` (e.g. ``{"variance": True}``)
    and must be given again, unchanged, to the exporters.
    """

    model_id: str
    seed: int = 0
    epochs: int | None = None
    batch_size: int | None = None
    learning_rate: float | None = None
    weight_decay: float | None = None
    level_shift: float | None = None
    model_config: Mapping[str, Any] = field(default_factory=dict)

    def resolved(self) -> dict[str, Any]:
        """Hyperparameters with defaults filled in, validated."""
        if self.model_id not in DEFAULT_HYPERPARAMETERS:
            raise TrainingError(f"unknown model id {self.model_id!r}; known: {', '.join(nets.MODEL_IDS)}")
        values = dict(DEFAULT_HYPERPARAMETERS[self.model_id])
        for key in values:
            if getattr(self, key) is not None:
                values[key] = getattr(self, key)
        if int(values["epochs"]) < 1 or int(values["batch_size"]) < 1:
            raise TrainingError(f"epochs and batch_size must be >= 1, got {values['epochs']} and {values['batch_size']}")
        if not (float(values["learning_rate"]) > 0.0) or float(values["weight_decay"]) < 0.0:
            raise TrainingError("learning_rate must be > 0 and weight_decay >= 0")
        if self.level_shift is not None and "level_shift" not in values:
            raise TrainingError(f"level_shift applies to learned_filter_v1 only, not {self.model_id}")
        if "level_shift" in values and not 0.0 <= float(values["level_shift"]) <= 1.0:
            raise TrainingError(f"level_shift must be in [0, 1], got {values['level_shift']}")
        nets.resolve_config(self.model_id, **dict(self.model_config))
        resolved = {"seed": int(self.seed), "epochs": int(values["epochs"]), "batch_size": int(values["batch_size"]),
                    "learning_rate": float(values["learning_rate"]), "weight_decay": float(values["weight_decay"])}
        if "level_shift" in values:
            resolved["level_shift"] = float(values["level_shift"])
        return {**resolved, "model_config": dict(self.model_config)}


@dataclass(frozen=True)
class TrainResult:
    """Trained ``params`` (canonical numpy tree ``{"params": ...}``), loss ``history``
    (``step_loss``, ``epoch_loss``), in-sample ``metrics`` and, for FR models, the fitted
    ``standardizer``."""

    params: dict
    history: dict[str, list[float]]
    metrics: dict[str, Any]
    standardizer: Standardizer | None = None
    config: dict[str, Any] = field(default_factory=dict)


def model_inputs(model_id: str, dataset: Dataset, standardizer: Standardizer | None, **config) -> list[np.ndarray]:
    """The dataset's inputs in contract order, FR features standardised, float32."""
    model_contract = nets.contract(model_id, **config)
    missing = [name for name in model_contract.input_names if name not in dataset.inputs]
    if missing:
        raise TrainingError(f"dataset lacks input(s) {', '.join(missing)} required by {model_id}")
    arrays = []
    for name in model_contract.input_names:
        array = dataset.inputs[name]
        if name == "features":
            if standardizer is None:
                raise TrainingError("FR features need a standardizer")
            if dataset.feature_order is not None:
                standardizer.check_order(dataset.feature_order)
            array = standardizer.transform(array)
        arrays.append(np.asarray(array, dtype=np.float32))
    return arrays


def _loss_fn(model_id: str, variance: bool):
    if model_id == "learned_filter_v1":
        return lambda out, y: jnp.mean(jnp.abs(out["output"] - y))
    if model_id == "nr_metric_v1":
        return lambda out, y: jnp.mean((out["mos_score"] - y) ** 2)
    if variance:
        return lambda out, y: jnp.mean(0.5 * (out["score_logvar"]
                                              + (y - out["score"]) ** 2 * jnp.exp(-out["score_logvar"])))
    return lambda out, y: jnp.mean((out["score"] - y) ** 2)


def shift_levels(key: jax.Array, degraded: jax.Array, clean: jax.Array, span: float) -> tuple[jax.Array, jax.Array]:
    r"""Add one offset :math:`c_i` to both crops of each pair ``i`` (``[N, 1, H, W]`` in [0, 1]).

    :math:`c_i \sim \mathcal{U}[\max(-s, -m_i), \min(s, 1 - M_i)]`, where :math:`m_i` and
    :math:`M_i` are the lowest and highest value of the pair and :math:`s` = ``span``: the pair
    moves to a random level without clipping, so the target stays the true restoration of the
    shifted input up to the degradation's own level dependence (JPEG's DC quantisation), and the
    network is taught that its correction does not depend on the absolute level
    (specs/models/learned_filter_v1.md §4). ``span`` 0 is the identity.
    """
    low = jnp.maximum(-span, -jnp.minimum(degraded.min(axis=(1, 2, 3)), clean.min(axis=(1, 2, 3))))
    high = jnp.minimum(span, 1.0 - jnp.maximum(degraded.max(axis=(1, 2, 3)), clean.max(axis=(1, 2, 3))))
    high = jnp.maximum(high, low)
    offset = (low + jax.random.uniform(key, low.shape, dtype=low.dtype) * (high - low))[:, None, None, None]
    return degraded + offset, clean + offset


def _start_at_target_mean(params, targets: np.ndarray):
    """Set the score head's bias to the targets' mean (and the log-variance head's to their log
    variance), so that training starts from the best constant predictor instead of spending its
    first epochs moving the output to the targets' scale (specs/models/training_determinism.md §4)."""
    params = jax.tree_util.tree_map(lambda a: a, params)  # shallow copy of the dict structure
    mean = np.float32(np.mean(targets, dtype=np.float64))
    for head in ("score_head", "head"):
        if head in params:
            params[head] = {**params[head], "bias": jnp.full_like(params[head]["bias"], mean)}
    if "logvar_head" in params:
        logvar = np.float32(np.log(max(float(np.var(targets, dtype=np.float64)), 1e-6)))
        params["logvar_head"] = {**params["logvar_head"], "bias": jnp.full_like(params["logvar_head"]["bias"], logvar)}
    return params


def regression_metrics(predicted: np.ndarray, target: np.ndarray) -> dict[str, float]:
    """PLCC, SROCC (average ranks for ties) and RMSE of two score vectors, from exactly rounded
    sums (:mod:`vmafref.models.assessment.evaluation`); NaN where a correlation is undefined."""
    predicted = np.asarray(predicted, dtype=np.float64).ravel()
    target = np.asarray(target, dtype=np.float64).ravel()
    try:
        rmse = evaluation.rmse(predicted, target)
    except evaluation.EvaluationError:  # non-finite outputs (a diverged fit): reported, not raised
        return {"plcc": float("nan"), "srocc": float("nan"), "rmse": float("nan")}
    try:
        return {"plcc": evaluation.plcc(predicted, target), "srocc": evaluation.srocc(predicted, target),
                "rmse": rmse}
    except evaluation.EvaluationError:
        return {"plcc": float("nan"), "srocc": float("nan"), "rmse": rmse}


def predict(model_id: str, params, dataset: Dataset, *, standardizer: Standardizer | None = None,
            batch_size: int = 256, **config) -> dict[str, np.ndarray]:
    """Run the model (inference mode) over ``dataset``; ``{output name: array}`` (numpy)."""
    arrays = model_inputs(model_id, dataset, standardizer, **config)
    variables = {"params": jax.tree_util.tree_map(jnp.asarray, params["params"] if "params" in params else params)}
    forward = _compiled_forward(model_id, tuple(sorted(config.items())))
    pieces: dict[str, list[np.ndarray]] = {}
    for start in range(0, len(dataset), batch_size):
        out = forward(variables, *[a[start:start + batch_size] for a in arrays])
        for name, value in out.items():
            pieces.setdefault(name, []).append(np.asarray(value))
    return {name: np.concatenate(values) for name, values in pieces.items()}


@functools.lru_cache(maxsize=16)
def _compiled_forward(model_id: str, model_config: tuple):
    """The jitted inference function of one configuration (compiled once per process)."""
    module = nets.build(model_id, **dict(model_config))
    return jax.jit(lambda v, *xs: module.apply(v, *xs, train=False))


@functools.lru_cache(maxsize=16)
def _compiled_step(model_id: str, model_config: tuple, learning_rate: float, weight_decay: float,
                   level_shift: float = 0.0):
    """The optimiser and the jitted update step of one configuration, made once per process.

    Leave-one-source-out trains the same configuration once per fold; one jitted function
    compiles once per batch shape instead of once per fold (tens of seconds for the conv nets).
    Reuse cannot change a result: the compiled computation is the same.
    """
    config = dict(model_config)
    module = nets.build(model_id, **config)
    optimizer = optax.adamw(learning_rate, weight_decay=weight_decay)
    loss_of = _loss_fn(model_id, bool(nets.resolve_config(model_id, **config).get("variance", False)))

    @jax.jit
    def step(params, opt_state, batch_inputs, batch_targets, key):
        if level_shift > 0.0:  # the filter has no dropout: the step's key is the shift's
            shifted, batch_targets = shift_levels(key, batch_inputs[0], batch_targets, level_shift)
            batch_inputs = [shifted, *batch_inputs[1:]]

        def objective(p):
            out = module.apply({"params": p}, *batch_inputs, train=True, rngs={"dropout": key})
            return loss_of(out, batch_targets)

        loss, grads = jax.value_and_grad(objective)(params)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    return optimizer, step


def train(config: TrainConfig, dataset: Dataset, progress: bool = True) -> TrainResult:
    """Train ``config.model_id`` on ``dataset``; see the module docstring for the procedure."""
    hyper = config.resolved()
    model_id, model_config = config.model_id, hyper["model_config"]
    if dataset.model_id != model_id and not (dataset.model_id.startswith("fr_regressor")
                                             and model_id.startswith("fr_regressor")):
        raise TrainingError(f"dataset was made for {dataset.model_id}, not {model_id}")
    if len(dataset) < 2:
        raise TrainingError(f"need at least 2 training rows, got {len(dataset)}")
    nets.resolve_config(model_id, **model_config)  # refuses an unknown configuration early
    model_contract = nets.contract(model_id, **model_config)
    standardizer = None
    if model_contract.kind == "fr":
        if dataset.feature_order != model_contract.feature_order:
            raise TrainingError(f"dataset feature order {dataset.feature_order} differs from the contract's "
                                f"{model_contract.feature_order}")
        standardizer = Standardizer.fit(dataset.inputs["features"], model_contract.feature_order)
    inputs = model_inputs(model_id, dataset, standardizer, **model_config)
    targets = np.asarray(dataset.targets, dtype=np.float32)
    if not np.all(np.isfinite(targets)):
        raise TrainingError("targets contain NaN or infinity")

    root = jax.random.key(hyper["seed"])
    init_key, shuffle_key, dropout_key = jax.random.split(root, 3)
    params = _start_at_target_mean(nets.init_params(model_id, init_key, **model_config)["params"], targets)
    optimizer, step = _compiled_step(model_id, tuple(sorted(model_config.items())), hyper["learning_rate"],
                                     hyper["weight_decay"], hyper.get("level_shift", 0.0))
    opt_state = optimizer.init(params)

    n, batch = len(dataset), hyper["batch_size"]
    history: dict[str, list[float]] = {"step_loss": [], "epoch_loss": []}
    epochs = range(hyper["epochs"])
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(epochs, desc=f"train {model_id}", unit="epoch")
        epochs = bar
    step_index = 0
    for epoch in epochs:
        order = np.asarray(jax.random.permutation(jax.random.fold_in(shuffle_key, epoch), n))
        total = 0.0
        for start in range(0, n, batch):
            rows = order[start:start + batch]
            params, opt_state, loss = step(params, opt_state, [a[rows] for a in inputs], targets[rows],
                                           jax.random.fold_in(dropout_key, step_index))
            loss = float(loss)
            if not np.isfinite(loss):
                raise TrainingError(f"loss became {loss} at epoch {epoch}, step {step_index}; lower the learning rate")
            history["step_loss"].append(loss)
            total += loss * len(rows)
            step_index += 1
        history["epoch_loss"].append(total / n)
        if bar is not None:
            bar.set_postfix(loss=f"{history['epoch_loss'][-1]:.4g}")

    trained = canonical_params({"params": params})
    outputs = predict(model_id, trained, dataset, standardizer=standardizer, **model_config)
    metrics: dict[str, Any] = {"final_loss": history["epoch_loss"][-1], "steps": step_index, "rows": n,
                               "sources": len(dataset.sources()), "params_sha256": params_sha256(trained),
                               "parameter_count": model_contract.parameter_count,
                               "determinism": determinism_state()}
    if model_contract.kind in ("fr", "nr"):
        name = model_contract.output_names[0]
        metrics.update({f"in_sample_{k}": v for k, v in regression_metrics(outputs[name], dataset.targets).items()})
    else:
        clean, degraded, filtered = dataset.targets, dataset.inputs["input"], outputs["output"]
        metrics["in_sample_l1"] = float(np.mean(np.abs(filtered - clean)))
        metrics["in_sample_l1_degraded"] = float(np.mean(np.abs(degraded - clean)))
    return TrainResult(trained, history, metrics, standardizer, {"model_id": model_id, **hyper})
