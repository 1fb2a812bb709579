r"""train → evaluate → export → quantise → calibrate → sidecar → registry, for one model.

:func:`build_model` is what ``vmafref train MODEL`` runs (in a fresh, pinned process) and what
``vmafref audit`` replays. Order of work, and the gates that stop it
(specs/models/evaluation.md §3, specs/models/quantization.md §3, specs/models/registry.md §5):

1. make the smoke data from the seed (``data.smoke_dataset``) and hash it;
2. LOSO: one training per held-out source, the FR standardiser fitted on the training fold
   only (``train.train`` fits it on the rows it is given); per-fold table and scatter plot
   are written to the run folder;
3. **ship gate**: mean LOSO PLCC ≥ 0.95, else :class:`~vmafref.models.assessment.evaluation.ShipGateError`
   and nothing in the model folder is touched;
4. **release gate** (``fr_regressor_v2`` only): its LOSO PLCC must beat the registered
   ``fr_regressor_v1``'s by ≥ 0.005, else :class:`ReleaseGateError`, the decision is written
   to the run folder and the registry is left alone;
5. final training on every row (loss-curve plot), export, op-allowlist check, ORT-vs-JAX
   parity check;
6. int8 twin by dynamic PTQ, judged on the model's real inputs; over budget → no int8 file;
7. NR only: calibration of the raw output against FR VMAF computed by vmafref;
8. files written atomically (parameters, ONNX, int8, sidecar), the registry entry last.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from vmafref.models.assessment import evaluation, gates, plots
from vmafref.models.conversion import quantize
from vmafref.models.datasets import data
from vmafref.models.networks import nets
from vmafref.models.training import params_io, train
from vmafref.models.conversion.allowlist import ModelArtifactError, enforce
from vmafref.models.networks.codec import CODEC_VOCAB, CODEC_VOCAB_VERSION
from vmafref.models.conversion.export import export_onnx
from vmafref.models.release.registry import find_entry, read_registry, upsert_entry
from vmafref.models.release.sidecar import (
    build_run_provenance,
    canonical_json,
    load_sidecar,
    sha256_bytes,
    tensor_specs,
    validate_sidecar,
    write_bytes_atomic,
    write_json_atomic,
)

__all__ = [
    "BuildOptions",
    "Invocation",
    "BuildResult",
    "ReleaseGateError",
    "PARITY_TOLERANCE",
    "LICENSE",
    "file_names",
    "dataset_sha256",
    "calibrate_nr",
    "build_model",
    "rebuild",
]

#: Largest |ORT − JAX| accepted on the export check (float32 graphs; conv sums reorder).
PARITY_TOLERANCE = 1e-4
LICENSE = "BSD-2-Clause-Patent"
#: The NR calibration's quality gate, as the fork's calibrate_nr_threshold (§9 of its notes).
CALIBRATION_MIN_SAMPLES = 10
CALIBRATION_MIN_PLCC = 0.70


class ReleaseGateError(ModelArtifactError):
    """fr_regressor_v2 does not beat fr_regressor_v1 by the required lift; it does not ship."""


@dataclasses.dataclass(frozen=True)
class BuildOptions:
    """Everything that determines a build's bytes (recorded in the run provenance)."""

    model_id: str
    seed: int = 0
    epochs: int | None = None
    batch_size: int | None = None
    learning_rate: float | None = None
    ship_gate_plcc: float = evaluation.SHIP_GATE_PLCC
    budget_plcc: float = quantize.DEFAULT_BUDGET_PLCC
    required_lift: float = evaluation.V2_REQUIRED_LIFT
    #: "corpus": the pinned real-content training inputs (model/tiny/training); "smoke": the
    #: seeded synthetic sets of :mod:`vmafref.models.datasets.data`, for tests of the machinery.
    data: str = "corpus"
    #: A per-frame feature table (Netflix-public layout) to train fr_regressor_v1 on instead.
    features: str | None = None
    #: A KoNViD-1k folder to train nr_metric_v1 on instead (the card's data and split).
    konvid: str | None = None

    def as_args(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Invocation:
    """How the build was started: recorded verbatim in ``run_provenance``."""

    entrypoint: str
    argv: tuple[str, ...]
    args: Mapping[str, Any]


@dataclasses.dataclass(frozen=True)
class BuildResult:
    model_id: str
    files: dict[str, bytes]  # registry file key -> bytes written
    entry: dict
    sidecar: dict
    loso: evaluation.LosoResult | None  # None when the recorded evaluation was reused


def file_names(model_id: str) -> dict[str, str]:
    """File names of a model inside the model folder."""
    return {"params": f"{model_id}.params.msgpack", "onnx": f"{model_id}.onnx", "int8_onnx": f"{model_id}.int8.onnx",
            "sidecar": f"{model_id}.json"}


def dataset_sha256(dataset: data.Dataset) -> str:
    """sha256 over a dataset's inputs (sorted by name), targets and source ids, each with its
    name, dtype and shape, in native little-endian bytes."""
    digest = hashlib.sha256()
    columns = sorted(dataset.inputs.items()) + [("targets", dataset.targets),
                                                ("source_id", np.asarray(dataset.source_id).astype("U"))]
    for name, array in columns:
        array = np.ascontiguousarray(array)
        digest.update(f"{name}\0{array.dtype.str}\0{array.shape}\0".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _train_config(options: BuildOptions) -> train.TrainConfig:
    return train.TrainConfig(model_id=options.model_id, seed=options.seed, epochs=options.epochs,
                             batch_size=options.batch_size, learning_rate=options.learning_rate)


def _primary_output(model_id: str) -> str:
    return nets.contract(model_id).output_names[0]


def _fit_predict_fold(options: BuildOptions, dataset: data.Dataset, train_rows: np.ndarray, test_rows: np.ndarray
                      ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """One LOSO fold: train on ``train_rows``, predict ``test_rows``; for the filter, also its
    output on the held-out rows' other degradations (``dataset.meta`` planes such as
    ``x264_crf38``)."""
    output = _primary_output(options.model_id)
    fold = train.train(_train_config(options), dataset.select(train_rows), progress=False)
    held_out = dataset.select(test_rows)
    extra = {}
    if options.model_id == "learned_filter_v1":
        for key, planes in held_out.meta.items():
            other = dataclasses.replace(held_out, inputs={"input": planes})
            extra[key] = train.predict(options.model_id, fold.params, other)[output]
    predicted = train.predict(options.model_id, fold.params, held_out, standardizer=fold.standardizer)[output]
    return predicted, extra


def _loso(options: BuildOptions, dataset: data.Dataset, progress: bool, *, training_dir: Path, workers: int = 1
          ) -> tuple[evaluation.LosoResult, dict[str, np.ndarray]]:
    """LOSO predictions (and the filter's extra outputs), folds run by ``workers`` pinned
    processes when more than one (:mod:`vmafref.models.training.loso_workers`; same results)."""
    folds: dict[str, tuple[np.ndarray, dict[str, np.ndarray]]] = {}
    if workers > 1:
        from vmafref.models.training.loso_workers import run_folds

        report = (lambda source: print(f"[{options.model_id}] fold {source} done", file=sys.stderr, flush=True)
                  ) if progress else None
        folds = run_folds(options, training_dir, dataset.sources(), workers, progress=report)
    ids = np.asarray(dataset.source_id)
    extra = {key: np.full(value.shape, np.nan, np.float32) for key, value in dataset.meta.items()
             if options.model_id == "learned_filter_v1"}

    def fit_predict(train_rows: np.ndarray, test_rows: np.ndarray) -> np.ndarray:
        held_out = str(ids[test_rows[0]])
        predicted, fold_extra = folds[held_out] if held_out in folds else _fit_predict_fold(
            options, dataset, train_rows, test_rows)
        for key, value in fold_extra.items():
            extra[key][test_rows] = value
        return predicted

    gate = options.ship_gate_plcc if options.model_id.startswith("fr_") or options.data == "smoke" else -1.0
    result = evaluation.run_loso(dataset.source_id, dataset.targets, fit_predict, ship_gate_plcc=gate,
                                 progress=progress and workers <= 1)
    return result, extra


def _split_evaluation(options: BuildOptions, dataset: data.Dataset, run_dir: Path, say) -> dict[str, Any]:
    """A rated dataset's protocol (KoNViD-1k): train on the train split, measure the val and
    test splits, gate on the test split beside the constant predictor (gates.mos_split_gate)."""
    split = np.asarray(dataset.meta["split"])
    train_rows = np.flatnonzero(split == "train")
    fold = train.train(_train_config(options), dataset.select(train_rows), progress=False)
    output = _primary_output(options.model_id)
    folds, predictions = [], {}
    for name in ("val", "test"):
        rows = np.flatnonzero(split == name)
        predicted = train.predict(options.model_id, fold.params, dataset.select(rows))[output]
        predictions[name] = predicted
        folds.append(evaluation.fold_metrics(name, train_rows.size, predicted, dataset.targets[rows]))
    gate = gates.mos_split_gate(predictions["test"], dataset.targets[split == "test"],
                                float(np.mean(dataset.targets[train_rows])))
    run_dir.mkdir(parents=True, exist_ok=True)
    write_json_atomic(run_dir / "gate.json", gate)
    for criterion in gate["criteria"]:
        say(f"gate: {criterion['name']} = {criterion['value']} (needs {criterion['threshold']}) -> "
            f"{'pass' if criterion['passed'] else 'FAIL'}")
    block = {"protocol": "holdout-split", "folds": [f.as_dict() for f in folds],
             **{key: {"mean": float(np.mean([getattr(f, key) for f in folds])),
                      "std": float(np.std([getattr(f, key) for f in folds], ddof=1))} for key in ("plcc", "srocc", "rmse")},
             "ship_gate_plcc": -1.0, "passed": gate["passed"], "gate": gate}
    if not gate["passed"]:
        failure = "; ".join(f"{c['name']} is {c['value']} (needs {c['threshold']})" for c in gate["criteria"]
                            if not c["passed"])
        raise evaluation.ShipGateError(f"{options.model_id}: {failure}; the registry is left untouched")
    return block


def _training_dataset(options: BuildOptions, training_dir: Path) -> data.Dataset:
    if options.konvid is not None:
        return data.konvid_dataset(options.konvid)
    if options.features is not None:
        return data.feature_table_dataset(options.model_id, options.features)
    if options.data == "smoke":
        return data.smoke_dataset(options.model_id, options.seed)
    if options.data != "corpus":
        raise ValueError(f"unknown training data {options.data!r}; known: corpus, smoke")
    return data.corpus_dataset(options.model_id, training_dir)


def _gate(options: BuildOptions, dataset: data.Dataset, loso: evaluation.LosoResult,
          extra: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """The model's LOSO gate beside its baseline (:mod:`vmafref.models.assessment.gates`)."""
    model_id, predictions = options.model_id, loso.predictions
    if model_id.startswith("fr_"):
        return gates.fr_gate(predictions, dataset.targets, dataset.source_id, dataset.inputs["features"],
                             min_plcc=options.ship_gate_plcc)
    if model_id == "nr_metric_v1":
        return gates.nr_gate(predictions, dataset.targets, dataset.source_id, dataset.meta["condition"],
                             dataset.meta["vmaf"])
    report = {key: (extra[key], dataset.meta[key]) for key in extra}
    return gates.filter_gate(predictions, dataset.inputs["input"], dataset.targets, dataset.source_id, report=report)


def _write_run_folder(run_dir: Path, model_id: str, loso: evaluation.LosoResult, target_label: str) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(run_dir / "loso_folds.md", evaluation.fold_table_markdown(loso, title=model_id).encode())
    write_bytes_atomic(run_dir / "loso_folds.csv", evaluation.fold_table_csv(loso).encode())
    write_json_atomic(run_dir / "loso.json", loso.as_dict())
    evaluation.plot_scatter(loso, run_dir / "loso_scatter.png", title=model_id, target_label=target_label)


def _baseline_plcc(registry_path: Path, baseline: str) -> float:
    registry = read_registry(registry_path)
    entry = find_entry(registry, baseline)
    sidecar = load_sidecar(registry_path.parent / entry["sidecar"], expected_sha256=entry["sidecar_sha256"])
    return float(sidecar["evaluation"]["plcc"]["mean"])


def _baseline_rmse(registry_path: Path, baseline: str) -> float:
    registry = read_registry(registry_path)
    entry = find_entry(registry, baseline)
    sidecar = load_sidecar(registry_path.parent / entry["sidecar"], expected_sha256=entry["sidecar_sha256"])
    return float(sidecar["evaluation"]["rmse"]["mean"])


def _eval_inputs(model_id: str, dataset: data.Dataset, result: train.TrainResult) -> dict[str, np.ndarray]:
    """The graph's real inputs for the PTQ check: every row of the model's data, FR features
    standardised with the shipped scaler (exactly what the graph sees when scoring)."""
    names = nets.contract(model_id).input_names
    arrays = train.model_inputs(model_id, dataset, result.standardizer)
    return dict(zip(names, arrays))


def _parity(onnx_bytes: bytes, eval_inputs: Mapping[str, np.ndarray], jax_outputs: np.ndarray, model_id: str) -> float:
    ort_outputs = quantize.run_onnx(onnx_bytes, eval_inputs)
    difference = float(np.max(np.abs(ort_outputs.astype(np.float64) - np.asarray(jax_outputs, np.float64))))
    if difference > PARITY_TOLERANCE:
        raise ModelArtifactError(f"{model_id}: exported graph differs from the Flax model by {difference} "
                                 f"(> {PARITY_TOLERANCE})")
    return difference


def calibrate_nr(raw_scores: np.ndarray, fr_vmaf: np.ndarray, *, min_samples: int = CALIBRATION_MIN_SAMPLES,
                 min_plcc: float = CALIBRATION_MIN_PLCC) -> dict[str, Any]:
    r"""Least-squares map of raw NR output to FR VMAF, as the fork's calibrate_nr_threshold.

    .. math::  \text{VMAF} \approx a\,\text{NR} + b, \qquad
               \delta_{fast} = 2\,\sigma(\text{residuals}) \;(\text{ddof}=1)

    Degenerate NR values (no spread) give ``a = 0``, ``b = mean(VMAF)``. Quality gate:
    "weak" when ``n < min_samples`` or PLCC(NR, VMAF) < ``min_plcc`` (or undefined). Returns
    the sidecar fields (slope and intercept rounded to 6 places, threshold, PLCC and sigma to
    4, as the fork writes them). See specs/models/evaluation.md §4.
    """
    x = np.asarray(raw_scores, dtype=np.float64).ravel()
    y = np.asarray(fr_vmaf, dtype=np.float64).ravel()
    n = x.size
    sxx = float(np.sum((x - x.mean()) ** 2))
    if n >= 2 and sxx > 0.0:
        slope = float(np.sum((x - x.mean()) * (y - y.mean())) / sxx)
        intercept = float(y.mean() - slope * x.mean())
    else:
        slope, intercept = 0.0, float(y.mean()) if n else 0.0
    residuals = y - (slope * x + intercept)
    sigma = float(np.std(residuals, ddof=1)) if n >= 2 else float("nan")
    threshold = 2.0 * sigma if n >= 2 else 8.0
    try:
        correlation = evaluation.plcc(x, y)
    except evaluation.EvaluationError:
        correlation = float("nan")
    reasons = []
    if n < min_samples:
        reasons.append(f"n={n} < min_samples={min_samples}")
    if not np.isfinite(correlation) or correlation < min_plcc:
        reasons.append(f"plcc={correlation:.4f} < min_plcc={min_plcc}")
    return {
        "calibration_slope": round(slope, 6),
        "calibration_intercept": round(intercept, 6),
        "calibration_threshold": round(threshold, 4),
        "calibration": {"target": "vmaf_v0.6.1 (vmafref fixed-point features) of each frame against its clean "
                                  "reference", "n_samples": int(n),
                        "plcc": round(correlation, 4) if np.isfinite(correlation) else -1.0,
                        "sigma": round(sigma, 4) if np.isfinite(sigma) else -1.0,
                        "min_samples": int(min_samples), "min_plcc": float(min_plcc),
                        "quality_status": "weak" if reasons else "accepted", "quality_reasons": reasons},
    }


def _nr_fr_vmaf(dataset: data.Dataset) -> np.ndarray:
    """FR VMAF of every NR smoke frame against its source's clean (``none``) frame, computed
    with vmafref's fixed-point extractors and the vmaf_v0.6.1 model (single-frame pairs)."""
    from vmafref.vmaf_model import load_model

    teacher = load_model("vmaf_v0.6.1")
    frames = np.rint(np.asarray(dataset.inputs["input"], np.float64)[:, 0] * 255.0).astype(np.uint8)
    distortion = np.asarray(dataset.meta["distortion"])
    references = {}
    for index, source in enumerate(dataset.source_id):
        if distortion[index] == "none":
            references[str(source)] = frames[index]
    scores = []
    for index, source in enumerate(dataset.source_id):
        row = data.fr_feature_rows(references[str(source)][None], frames[index][None])[0]
        scores.append(teacher.predict(row))
    return np.asarray(scores, dtype=np.float64)


def _target_label(model_id: str, smoke: bool) -> str:
    nr = "MOS-like smoke target" if smoke else "1 + 4 vmaf/100 (teacher on a MOS-like scale)"
    return {"nr_metric_v1": nr, "learned_filter_v1": "clean luma (pixels)"}.get(model_id, "vmaf_v0.6.1 teacher")


def _provenance_inputs(options: BuildOptions, training_dir: Path, data_digest: str) -> dict[str, str]:
    """What the build read: the dataset's digest and, for the corpus, its manifest's sha256."""
    if options.features is not None:
        return {"feature_table": hashlib.sha256(Path(options.features).read_bytes()).hexdigest(),
                "feature_table_dataset": data_digest}
    if options.konvid is not None:
        return {"konvid_dataset": data_digest}
    if options.data == "smoke":
        return {"smoke_dataset": data_digest}
    from vmafref.corpus.training_inputs import MANIFEST

    manifest = hashlib.sha256((training_dir / MANIFEST).read_bytes()).hexdigest()
    return {"training_manifest": manifest, "corpus_dataset": data_digest}


def build_model(options: BuildOptions, *, model_dir: str | os.PathLike, runs_dir: str | os.PathLike,
                invocation: Invocation, registry_path: str | os.PathLike | None = None, register: bool = True,
                progress: bool = True, recorded_evaluation: tuple[dict, dict | None] | None = None,
                training_dir: str | os.PathLike | None = None, loso_workers: int = 1) -> BuildResult:
    """Builds ``options.model_id`` (see the module docstring) into ``model_dir``.

    ``registry_path`` (default ``model_dir/registry.json``) is both where the entry goes and
    where the v2 release gate reads v1's LOSO PLCC. ``register=False`` writes the files but
    not the registry entry (used by the audit, which compares bytes only).
    ``recorded_evaluation=(evaluation block, release block)`` skips LOSO and both gates and
    puts those recorded blocks into the sidecar (the audit's default replay).
    """
    model_id = options.model_id
    model_dir, runs_dir = Path(model_dir), Path(runs_dir)
    registry_path = Path(registry_path) if registry_path is not None else model_dir / "registry.json"
    training_dir = Path(training_dir) if training_dir is not None else registry_path.parent / "training"
    run_dir = runs_dir / model_id
    contract = nets.contract(model_id)
    names = file_names(model_id)

    def say(message: str) -> None:
        if progress:
            print(f"[{model_id}] {message}", file=sys.stderr, flush=True)

    smoke = options.data == "smoke"
    dataset = _training_dataset(options, training_dir)
    data_digest = dataset_sha256(dataset)
    say(f"{options.data} data: {len(dataset)} rows, {len(dataset.sources())} sources, sha256 {data_digest[:16]}")

    if recorded_evaluation is None and options.konvid is not None:
        evaluation_block = _split_evaluation(options, dataset, run_dir, say)
        loso_result, release = None, None
    elif recorded_evaluation is None:
        loso_result, extra = _loso(options, dataset, progress, training_dir=training_dir, workers=loso_workers)
        _write_run_folder(run_dir, model_id, loso_result, _target_label(model_id, smoke))
        evaluation_block = loso_result.as_dict()
        say(f"LOSO PLCC {evaluation_block['plcc']['mean']:.4f} ± {evaluation_block['plcc']['std']:.4f}")
        if smoke:
            passed = loso_result.passed
            failure = (f"mean LOSO PLCC {loso_result.mean_plcc:.4f} is below the ship gate {options.ship_gate_plcc}")
        else:
            gate = _gate(options, dataset, loso_result, extra)
            evaluation_block["gate"] = gate
            evaluation_block["passed"] = passed = gate["passed"]
            write_json_atomic(run_dir / "gate.json", gate)
            plots.plot_gate_figures(model_id, dataset, loso_result, extra, run_dir)
            for criterion in gate["criteria"]:
                say(f"gate: {criterion['name']} = {criterion['value']} (needs {criterion['threshold']}) -> "
                    f"{'pass' if criterion['passed'] else 'FAIL'}")
            failure = "; ".join(f"{c['name']} is {c['value']} (needs {c['threshold']})"
                                for c in gate["criteria"] if not c["passed"])
        if not passed:
            raise evaluation.ShipGateError(
                f"{model_id}: {failure}; the registry is left untouched (fold table in {run_dir / 'loso_folds.md'})")
        release = None
        if model_id == "fr_regressor_v2":
            decision = evaluation.release_gate(loso_result.mean_plcc, _baseline_plcc(registry_path, "fr_regressor_v1"),
                                               required_lift=options.required_lift)
            release = decision.as_dict()
            # The run folder's copy also says how the candidate was trained (epochs, batch size…
            # decide its PLCC), so that a refused v2 can be rebuilt and compared again.
            # RMSE beside the PLCC: near PLCC 1 the lift rule cannot be met, and the RMSE says
            # whether the codec input helped at all (recorded, not gated).
            write_json_atomic(run_dir / "release_decision.json",
                              {**release, "candidate_entrypoint": invocation.entrypoint,
                               "candidate_argv": list(invocation.argv),
                               "candidate_loso_rmse": evaluation_block["rmse"]["mean"],
                               "baseline_loso_rmse": _baseline_rmse(registry_path, "fr_regressor_v1")})
            say(f"release gate vs fr_regressor_v1: lift {decision.lift:+.4f} (needs {decision.required_lift}) -> "
                f"{'ships' if decision.ships else 'does not ship'}")
            if not decision.ships:
                raise ReleaseGateError(
                    f"fr_regressor_v2 LOSO PLCC {decision.candidate_loso_plcc:.4f} beats fr_regressor_v1's "
                    f"{decision.baseline_loso_plcc:.4f} by {decision.lift:+.4f}, less than the required "
                    f"{decision.required_lift}; v2 does not ship (decision in {run_dir / 'release_decision.json'})")
    else:
        # Audit replay without LOSO: the recorded evaluation and release decision are reused
        # (specs/models/audit.md §2); everything else is recomputed.
        evaluation_block, release = recorded_evaluation
        loso_result = None

    if options.konvid is not None:
        # The shipped model is the one the test split measured: trained on the train split only.
        dataset = dataset.select(dataset.meta["split"] == "train")
    final = train.train(_train_config(options), dataset, progress=progress)
    if recorded_evaluation is None:
        evaluation.plot_loss_curve({"step_loss": final.history["step_loss"]}, run_dir / "loss_curve.png",
                                   title=f"{model_id}: final training on all sources")
    params_bytes = params_io.params_bytes(final.params)

    onnx_bytes = export_onnx(model_id, final.params)
    import onnx

    enforce(onnx.load_model_from_string(onnx_bytes), "fp32", what=f"{model_id} export")
    eval_inputs = _eval_inputs(model_id, dataset, final)
    jax_outputs = train.predict(model_id, final.params, dataset, standardizer=final.standardizer)[contract.output_names[0]]
    parity = _parity(onnx_bytes, eval_inputs, jax_outputs, model_id)
    say(f"exported {len(onnx_bytes)} bytes, max |ORT - JAX| {parity:.2e}")

    quant = quantize.quantize_model(onnx_bytes, eval_inputs, budget=options.budget_plcc)
    verdict = quant.verdict
    say(f"int8: PLCC drop {verdict.plcc_drop:.6f} (budget {verdict.budget}) -> "
        f"{'ships' if quant.shipped else 'not shipped'}")

    files = {"params": params_bytes, "onnx": onnx_bytes}
    if quant.shipped:
        files["int8_onnx"] = quant.int8_bytes
    digests = {key: sha256_bytes(value) for key, value in files.items()}

    if contract.kind != "filter":
        in_sample = {k: _finite_or_none(final.metrics[f"in_sample_{k}"]) for k in ("plcc", "srocc", "rmse")}
    else:
        in_sample = {"plcc": evaluation.plcc(jax_outputs, dataset.targets),
                     "srocc": evaluation.srocc(jax_outputs, dataset.targets),
                     "rmse": evaluation.rmse(jax_outputs, dataset.targets)}
    standardizer = final.standardizer.as_dict() if final.standardizer is not None else None
    sidecar: dict[str, Any] = {
        "schema_version": 1,
        "id": model_id,
        "kind": contract.kind,
        "column_name": "nr_mos_score" if model_id == "nr_metric_v1" else model_id,
        "onnx": names["onnx"], "sha256": digests["onnx"], "opset": 17,
        "params": names["params"], "params_sha256": digests["params"],
        "inputs": tensor_specs(contract.input_names, contract.input_shapes, contract.dtypes[:len(contract.input_names)]),
        "outputs": tensor_specs(contract.output_names, contract.output_shapes,
                                contract.dtypes[len(contract.input_names):]),
        "parameter_count": contract.parameter_count,
        "model_config": contract.config_dict(),
        "feature_order": list(contract.feature_order or ()),
        "feature_mean": standardizer["feature_mean"] if standardizer else None,
        "feature_std": standardizer["feature_std"] if standardizer else None,
        "codec_vocab": list(CODEC_VOCAB) if contract.num_codecs else [],
        "codec_vocab_version": CODEC_VOCAB_VERSION if contract.num_codecs else None,
        "num_codecs": contract.num_codecs,
        "preprocessing": _preprocessing(contract.kind),
        "training": {"dataset": dataset.description, "seed": options.seed, "n_rows": len(dataset),
                     "n_sources": len(dataset.sources()), "config": final.config, "in_sample": in_sample,
                     "final_loss": float(final.metrics["final_loss"])},
        "evaluation": evaluation_block,
        "release_gate": release,
        "quantization": {"method": "onnxruntime.quantize_dynamic", "weight_type": quantize.WEIGHT_TYPE,
                         "budget_plcc": verdict.budget, "plcc_drop": verdict.plcc_drop,
                         "max_abs_error": verdict.max_abs_error, "n_eval_inputs": len(dataset),
                         "eval_inputs_sha256": quant.eval_inputs_sha256,
                         "eval_inputs": f"every row of the training data ({dataset.description})",
                         "int8_onnx": names["int8_onnx"] if quant.shipped else None,
                         "int8_sha256": digests.get("int8_onnx"), "shipped": quant.shipped},
        "smoke": smoke,
        "license": LICENSE,
    }
    if contract.kind == "nr":
        raw = np.asarray(jax_outputs, dtype=np.float64)
        if options.konvid is not None:
            teacher = None  # rated clips have no reference, so no FR VMAF to calibrate against
        elif "vmaf" in dataset.meta:
            teacher = np.asarray(dataset.meta["vmaf"], np.float64)
        else:
            teacher = _nr_fr_vmaf(dataset)
    if contract.kind == "nr" and teacher is not None:
        calibration = calibrate_nr(raw, teacher)
        sidecar.update(calibration)
        say(f"calibration: slope {calibration['calibration_slope']}, intercept "
            f"{calibration['calibration_intercept']}, threshold {calibration['calibration_threshold']} "
            f"({calibration['calibration']['quality_status']})")
    sidecar["run_provenance"] = build_run_provenance(
        entrypoint=invocation.entrypoint, argv=invocation.argv, args=invocation.args, seed=options.seed,
        inputs=_provenance_inputs(options, training_dir, data_digest), outputs=digests)
    validate_sidecar(sidecar, where=names["sidecar"])
    sidecar_bytes = canonical_json(sidecar)
    files["sidecar"] = sidecar_bytes

    for key, payload in files.items():
        write_bytes_atomic(model_dir / names[key], payload)
    if not quant.shipped:
        (model_dir / names["int8_onnx"]).unlink(missing_ok=True)
    entry = {"id": model_id, "kind": contract.kind, "onnx": names["onnx"], "sha256": digests["onnx"], "opset": 17,
             "sidecar": names["sidecar"], "sidecar_sha256": sha256_bytes(sidecar_bytes), "params": names["params"],
             "params_sha256": digests["params"], "int8_onnx": names["int8_onnx"] if quant.shipped else None,
             "int8_sha256": digests.get("int8_onnx"), "quant_plcc_drop": verdict.plcc_drop,
             "quant_budget_plcc": verdict.budget, "loso_plcc": evaluation_block["plcc"]["mean"], "license": LICENSE,
             "smoke": smoke}
    if register:
        upsert_entry(registry_path, entry)
        say(f"registered in {registry_path.name}")
    return BuildResult(model_id=model_id, files=files, entry=entry, sidecar=sidecar, loso=loso_result)


def _finite_or_none(value: float) -> float | None:
    """A training metric, or ``None`` where it is undefined (NaN for constant predictions)."""
    value = float(value)
    return value if np.isfinite(value) else None


def _preprocessing(kind: str) -> dict[str, str]:
    if kind == "nr":
        return {"picture": "distorted", "luma_scale": "x / (2**bitdepth - 1)",
                "resize": "none: 1, 2 or 4 native-resolution 224x224 crops centred in the frame (2 along an axis "
                          "of at least 448), reflect-padded below 224; the frame's score is their mean output",
                "scaler": "none"}
    if kind == "filter":
        return {"picture": "distorted", "luma_scale": "x / (2**bitdepth - 1)", "resize": "none (any HxW)",
                "scaler": "none"}
    return {"picture": "none", "luma_scale": "n/a (feature vectors)", "resize": "n/a",
            "scaler": "sidecar"}


def rebuild(model_id: str, *, registry_path: str | os.PathLike, source: str, out_dir: str | os.PathLike
            ) -> dict[str, str | None]:
    """Rebuilds a registry entry's files into ``out_dir``; returns ``{file key: sha256}``.

    Runs inside the audit's fresh, pinned child process (specs/models/audit.md §2).
    """
    registry_path, out_dir = Path(registry_path), Path(out_dir)
    entry = find_entry(read_registry(registry_path), model_id)
    sidecar = load_sidecar(registry_path.parent / entry["sidecar"], expected_sha256=entry["sidecar_sha256"])
    provenance = sidecar["run_provenance"]
    recorded = dict(provenance["args"])
    # Entries built before the corpus existed record no "data": they are the smoke builds. (The
    # invocation keeps the args exactly as recorded: they are part of the sidecar's bytes.)
    chosen = {"data": "smoke" if sidecar["smoke"] else "corpus", **recorded}
    options = BuildOptions(**{f.name: chosen[f.name] for f in dataclasses.fields(BuildOptions) if f.name in chosen})
    if source in ("training", "training-loso"):
        invocation = Invocation(provenance["entrypoint"], tuple(provenance["argv"]), recorded)
        reuse = None if source == "training-loso" else (sidecar["evaluation"], sidecar["release_gate"])
        result = build_model(options, model_dir=out_dir, runs_dir=out_dir / "runs", invocation=invocation,
                             registry_path=registry_path, register=False, progress=False, recorded_evaluation=reuse,
                             training_dir=registry_path.parent / "training")
        digests: dict[str, str | None] = {key: sha256_bytes(value) for key, value in result.files.items()}
        digests.setdefault("int8_onnx", None)
        return digests
    if source != "params":
        raise ValueError(f"unknown rebuild source {source!r}")
    payload = (registry_path.parent / entry["params"]).read_bytes()
    if sha256_bytes(payload) != entry["params_sha256"]:
        raise ModelArtifactError(f"{entry['params']} does not hash to its registry pin")
    params = params_io.params_from_bytes(payload)
    onnx_bytes = export_onnx(model_id, params, **sidecar["model_config"])
    import onnx

    enforce(onnx.load_model_from_string(onnx_bytes), "fp32", what=f"{model_id} export")
    dataset = _training_dataset(options, registry_path.parent / "training")
    standardizer = None
    if sidecar["kind"] == "fr":
        from vmafref.models.datasets.standardize import Standardizer

        standardizer = Standardizer.from_dict(sidecar)
    names = nets.contract(model_id).input_names
    eval_inputs = dict(zip(names, train.model_inputs(model_id, dataset, standardizer)))
    quant = quantize.quantize_model(onnx_bytes, eval_inputs, budget=entry["quant_budget_plcc"])
    write_bytes_atomic(out_dir / f"{model_id}.onnx", onnx_bytes)
    digests = {"onnx": sha256_bytes(onnx_bytes), "int8_onnx": None}
    if quant.shipped:
        write_bytes_atomic(out_dir / f"{model_id}.int8.onnx", quant.int8_bytes)
        digests["int8_onnx"] = sha256_bytes(quant.int8_bytes)
    return digests


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the fresh, pinned process that ``vmafref train`` starts (see
    :func:`vmafref.models.release.cli.run_pinned`); exit 3 when a gate refuses the model.

    Arguments: ``MODEL --seed S [--epochs E] --model-dir D --runs-dir R --ship-gate G
    --budget B --argv-json JSON``; the caller's argv (as the user typed it) is recorded.
    """
    import argparse

    parser = argparse.ArgumentParser(prog="python -m vmafref.models.release.pipeline")
    parser.add_argument("model", choices=nets.MODEL_IDS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--learning-rate", type=float, default=None)
    parser.add_argument("--ship-gate", type=float, default=evaluation.SHIP_GATE_PLCC)
    parser.add_argument("--budget", type=float, default=quantize.DEFAULT_BUDGET_PLCC)
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--runs-dir", required=True)
    parser.add_argument("--argv-json", required=True)
    parser.add_argument("--data", choices=("corpus", "smoke"), default="corpus")
    parser.add_argument("--loso-workers", type=int, default=1)
    parser.add_argument("--features", default=None)
    parser.add_argument("--konvid", default=None)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    options = BuildOptions(model_id=args.model, seed=args.seed, epochs=args.epochs, batch_size=args.batch_size,
                           learning_rate=args.learning_rate, ship_gate_plcc=args.ship_gate, budget_plcc=args.budget,
                           data=args.data, features=args.features, konvid=args.konvid)
    invocation = Invocation("vmafref train", tuple(json.loads(args.argv_json)), options.as_args())
    try:
        result = build_model(options, model_dir=args.model_dir, runs_dir=args.runs_dir, invocation=invocation,
                             progress=not args.quiet, loso_workers=args.loso_workers)
    except (evaluation.ShipGateError, ReleaseGateError) as error:
        print(f"REFUSED: {error}", file=sys.stderr)
        return 3
    except (data.SmokeDataError, ValueError, OSError) as error:  # unreadable or wrong training data
        print(f"error: {error}", file=sys.stderr)
        return 2
    entry = result.entry
    print(json.dumps({"id": entry["id"], "sha256": entry["sha256"], "int8_sha256": entry["int8_sha256"],
                      "loso_plcc": entry["loso_plcc"], "quant_plcc_drop": entry["quant_plcc_drop"]}, sort_keys=True))
    return 0

