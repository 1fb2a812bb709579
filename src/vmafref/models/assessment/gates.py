r"""Ship gates measured leave-one-source-out, each beside the baseline it must beat.

A gate is a list of criteria on the LOSO held-out predictions. Every gate is also evaluated,
in the same folds, on the obvious baseline — the predictor that does nothing clever — and the
build is refused when the **baseline** would pass (a gate a do-nothing model passes measures
nothing). Both sets of figures go to the sidecar's ``evaluation.gate`` block.

=====================  ============================================  ==========================
model                  criteria (all must hold)                      baseline (same folds)
=====================  ============================================  ==========================
fr_regressor_v1/v2     mean fold PLCC ≥ 0.95; mean fold RMSE below   ordinary least squares on
                       the linear baseline's                         the same features
nr_metric_v1           median within-source SROCC ≥ 0.8; every       constant: the training
                       source's pristine frame above its worst       fold's mean target
                       encode; mean fold PLCC ≥ 0.7
learned_filter_v1      mean per-source PSNR gain ≥ +0.3 dB; gain     identity (the degraded
                       > 0 on every held-out source                  input itself)
=====================  ============================================  ==========================

Correlations are :mod:`vmafref.models.assessment.evaluation`'s exactly summed ones; an undefined
correlation (a constant prediction) counts as a failed criterion, recorded as ``None``. See
specs/models/evaluation.md §3.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from vmafref.models.assessment import evaluation

__all__ = ["mos_split_gate", "FR_MIN_PLCC", "NR_MIN_MEDIAN_SROCC", "NR_MIN_PLCC", "FILTER_MIN_GAIN_DB", "GateError",
           "linear_baseline_predictions", "constant_baseline_predictions", "fr_gate", "nr_gate", "filter_gate",
           "psnr_db"]

FR_MIN_PLCC = 0.95
NR_MIN_MEDIAN_SROCC = 0.8
NR_MIN_PLCC = 0.7
FILTER_MIN_GAIN_DB = 0.3


class GateError(evaluation.EvaluationError):
    """A gate that its do-nothing baseline passes, or that cannot be measured."""


def _criterion(name: str, value: float | None, threshold: float | str, passed: bool) -> dict[str, Any]:
    return {"name": name, "value": value, "threshold": threshold, "passed": bool(passed)}


def _safe(function: Callable[..., float], *args) -> float | None:
    try:
        value = function(*args)
    except evaluation.EvaluationError:
        return None
    return value if math.isfinite(value) else None


def _fold_values(source_ids: np.ndarray, predictions: np.ndarray, targets: np.ndarray,
                 metric: Callable[..., float]) -> list[float | None]:
    return [_safe(metric, predictions[source_ids == s], targets[source_ids == s]) for s in sorted(set(source_ids))]


def _mean(values: Sequence[float | None]) -> float | None:
    if not values or any(v is None for v in values):
        return None
    return float(np.mean(np.asarray(values, dtype=np.float64)))


def linear_baseline_predictions(features: np.ndarray, targets: np.ndarray, source_ids: np.ndarray) -> np.ndarray:
    """LOSO predictions of ordinary least squares (with intercept) on the raw features."""
    predictions = np.empty(len(targets))
    for _, train, test in evaluation.loso_splits(source_ids):
        design = np.column_stack([np.ones(train.size), features[train]])
        coefficients, *_ = np.linalg.lstsq(design, targets[train], rcond=None)
        predictions[test] = np.column_stack([np.ones(test.size), features[test]]) @ coefficients
    return predictions


def constant_baseline_predictions(targets: np.ndarray, source_ids: np.ndarray) -> np.ndarray:
    """LOSO predictions of the constant predictor: each held-out row gets its training fold's mean."""
    predictions = np.empty(len(targets))
    for _, train, test in evaluation.loso_splits(source_ids):
        predictions[test] = float(np.mean(targets[train]))
    return predictions


def _fr_figures(predictions, targets, source_ids) -> dict[str, Any]:
    plccs = _fold_values(source_ids, predictions, targets, evaluation.plcc)
    rmses = _fold_values(source_ids, predictions, targets, evaluation.rmse)
    return {"mean_plcc": _mean(plccs), "mean_rmse": _mean(rmses)}


def fr_gate(predictions: np.ndarray, targets: np.ndarray, source_ids: np.ndarray, features: np.ndarray,
            *, min_plcc: float = FR_MIN_PLCC) -> dict[str, Any]:
    """fr_regressor gate: PLCC ≥ ``min_plcc`` and RMSE below linear regression's, per fold means."""
    source_ids = np.asarray(source_ids)
    model = _fr_figures(predictions, targets, source_ids)
    linear = _fr_figures(linear_baseline_predictions(features, targets, source_ids), targets, source_ids)
    constant = _fr_figures(constant_baseline_predictions(targets, source_ids), targets, source_ids)

    def criteria(figures):
        plcc, rmse = figures["mean_plcc"], figures["mean_rmse"]
        return [_criterion("mean LOSO PLCC", plcc, min_plcc, plcc is not None and plcc >= min_plcc),
                _criterion("mean LOSO RMSE below linear regression's", rmse, linear["mean_rmse"],
                           rmse is not None and rmse < linear["mean_rmse"])]

    return _gate("fr", criteria(model), model, {"linear_regression": (linear, criteria(linear)),
                                                "constant": (constant, criteria(constant))})


def _nr_figures(predictions, targets, source_ids, conditions, teacher) -> dict[str, Any]:
    per_source = {}
    for source in sorted(set(source_ids)):
        rows = source_ids == source
        srocc = _safe(evaluation.srocc, predictions[rows], teacher[rows])
        encodes = rows & np.asarray([c not in ("pristine",) and not c.startswith(("scale", "blur", "noise", "jpeg"))
                                     for c in conditions])
        pristine = rows & (conditions == "pristine")
        worst = np.flatnonzero(encodes)[np.argmin(teacher[encodes])] if encodes.any() else None
        above = bool(pristine.any() and worst is not None and predictions[pristine].mean() > predictions[worst])
        per_source[source] = {"srocc": srocc, "pristine_above_worst_encode": above,
                              "plcc": _safe(evaluation.plcc, predictions[rows], targets[rows])}
        if worst is not None:
            per_source[source]["worst_encode"] = str(conditions[worst])
    sroccs = [v["srocc"] for v in per_source.values()]
    median = None if any(v is None for v in sroccs) else float(np.median(np.asarray(sroccs, dtype=np.float64)))
    return {"median_within_source_srocc": median,
            "sources_with_pristine_above_worst_encode": sum(v["pristine_above_worst_encode"] for v in per_source.values()),
            "n_sources": len(per_source), "mean_plcc": _mean([v["plcc"] for v in per_source.values()]),
            "per_source": per_source}


def nr_gate(predictions: np.ndarray, targets: np.ndarray, source_ids: np.ndarray, conditions: np.ndarray,
            teacher: np.ndarray, *, min_median_srocc: float = NR_MIN_MEDIAN_SROCC,
            min_plcc: float = NR_MIN_PLCC) -> dict[str, Any]:
    """nr_metric_v1 gate (module docstring); ``teacher`` is each row's vmaf_v0.6.1."""
    source_ids, conditions = np.asarray(source_ids), np.asarray(conditions)
    model = _nr_figures(predictions, targets, source_ids, conditions, teacher)
    constant = _nr_figures(constant_baseline_predictions(targets, source_ids), targets, source_ids, conditions,
                           teacher)

    def criteria(figures):
        median, plcc = figures["median_within_source_srocc"], figures["mean_plcc"]
        n, above = figures["n_sources"], figures["sources_with_pristine_above_worst_encode"]
        return [_criterion("median within-source SROCC with the teacher", median, min_median_srocc,
                           median is not None and median >= min_median_srocc),
                _criterion("held-out sources whose pristine frame scores above their worst encode", above, n,
                           above == n),
                _criterion("mean LOSO PLCC with the teacher", plcc, min_plcc, plcc is not None and plcc >= min_plcc)]

    return _gate("nr", criteria(model), model, {"constant": (constant, criteria(constant))})


def mos_split_gate(predictions: np.ndarray, targets: np.ndarray, train_mean: float, *,
                   min_plcc: float = NR_MIN_PLCC) -> dict[str, Any]:
    """nr_metric_v1 on a rated dataset's held-out test split (KoNViD-1k): PLCC with the MOS ≥
    ``min_plcc`` and RMSE below the constant predictor's (the training split's mean MOS)."""
    predictions, targets = np.asarray(predictions, np.float64), np.asarray(targets, np.float64)
    constant = np.full_like(targets, float(train_mean))

    def figures(values):
        return {"plcc": _safe(evaluation.plcc, values, targets), "srocc": _safe(evaluation.srocc, values, targets),
                "rmse": evaluation.rmse(values, targets)}

    model, baseline = figures(predictions), figures(constant)

    def criteria(f):
        return [_criterion("test-split PLCC with the MOS", f["plcc"], min_plcc, f["plcc"] is not None and f["plcc"] >= min_plcc),
                _criterion("test-split RMSE below the constant predictor's", f["rmse"], baseline["rmse"],
                           f["rmse"] < baseline["rmse"])]

    record = _gate("nr-mos", criteria(model), model, {"constant": (baseline, criteria(baseline))})
    record["protocol"] = "holdout-split"
    return record


def psnr_db(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB of two [0, 1] images (peak 1), from their exactly summed mean squared error."""
    difference = np.asarray(a, np.float64).ravel() - np.asarray(b, np.float64).ravel()
    mse = math.fsum(difference * difference) / difference.size
    return float("inf") if mse == 0.0 else -10.0 * math.log10(mse)


def _filter_figures(outputs, degraded, clean, source_ids) -> dict[str, Any]:
    gains = {s: psnr_db(outputs[source_ids == s], clean[source_ids == s])
             - psnr_db(degraded[source_ids == s], clean[source_ids == s]) for s in sorted(set(source_ids))}
    values = np.asarray(list(gains.values()))
    return {"mean_psnr_gain_db": float(values.mean()), "min_psnr_gain_db": float(values.min()),
            "per_source_psnr_gain_db": gains}


def filter_gate(outputs: np.ndarray, degraded: np.ndarray, clean: np.ndarray, source_ids: np.ndarray, *,
                min_gain_db: float = FILTER_MIN_GAIN_DB,
                report: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None) -> dict[str, Any]:
    """learned_filter_v1 gate; ``report`` maps a label to (held-out outputs, inputs) of other
    degradations (x264 CRF 38), whose gains are recorded but not gated."""
    source_ids = np.asarray(source_ids)
    model = _filter_figures(outputs, degraded, clean, source_ids)
    identity = _filter_figures(degraded, degraded, clean, source_ids)
    for label, (filtered, inputs) in (report or {}).items():
        model[f"report_{label}"] = _filter_figures(filtered, inputs, clean, source_ids)

    def criteria(figures):
        mean, low = figures["mean_psnr_gain_db"], figures["min_psnr_gain_db"]
        return [_criterion("mean held-out PSNR gain (dB)", mean, min_gain_db, mean >= min_gain_db),
                _criterion("lowest held-out source's PSNR gain (dB)", low, "> 0", low > 0.0)]

    return _gate("filter", criteria(model), model, {"identity": (identity, criteria(identity))})


def _gate(kind: str, criteria: list[dict], figures: dict, baselines: Mapping[str, tuple[dict, list[dict]]]
          ) -> dict[str, Any]:
    record = {"kind": kind, "protocol": "leave-one-source-out", "criteria": criteria, "figures": figures,
              "passed": all(c["passed"] for c in criteria), "baselines": {}}
    for name, (baseline_figures, baseline_criteria) in baselines.items():
        passes = all(c["passed"] for c in baseline_criteria)
        record["baselines"][name] = {"figures": baseline_figures, "criteria": baseline_criteria, "passed": passes}
        if passes:
            raise GateError(f"the {name} baseline passes the {kind} gate, so the gate measures nothing")
    return record
