r"""Leave-one-source-out (LOSO) evaluation, the ship gate and the v2-over-v1 release gate.

For sources :math:`s_1 < \dots < s_K` (sorted ids), fold :math:`k` trains on every row whose
``source_id`` is not :math:`s_k` and predicts the rows of :math:`s_k`. Each fold reports

* PLCC :math:`\rho(\hat y, y)` (Pearson, float64),
* SROCC: Pearson correlation of the **average** ranks (ties share their mean rank,
  ``scipy.stats.rankdata(method="average")``),
* RMSE :math:`\sqrt{\tfrac1n\sum_i(\hat y_i - y_i)^2}`,

and the summary is the mean and the sample standard deviation (``ddof=1``) over folds. The
ship gate requires a mean LOSO PLCC of at least :data:`SHIP_GATE_PLCC`; ``fr_regressor_v2``
ships only if its mean LOSO PLCC beats ``fr_regressor_v1``'s by :data:`V2_REQUIRED_LIFT`.
Every input-dependent fit (the FR standardiser included) happens inside ``fit_predict`` on
the training fold only. See specs/models/evaluation.md.
"""

from __future__ import annotations

import dataclasses
import io
import math
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from vmafref.models.conversion.allowlist import ModelArtifactError

__all__ = [
    "EvaluationError",
    "ShipGateError",
    "SHIP_GATE_PLCC",
    "V2_REQUIRED_LIFT",
    "FoldResult",
    "LosoResult",
    "exact_mean",
    "pearson_exact",
    "plcc",
    "srocc",
    "rmse",
    "fold_metrics",
    "loso_splits",
    "run_loso",
    "ReleaseDecision",
    "release_gate",
    "fold_table_markdown",
    "fold_table_csv",
    "plot_scatter",
    "plot_loss_curve",
]

SHIP_GATE_PLCC = 0.95
V2_REQUIRED_LIFT = 0.005


class EvaluationError(ModelArtifactError):
    """An evaluation that cannot give a meaningful number (too few sources, constant data)."""


class ShipGateError(EvaluationError):
    """The model fails its ship gate; the registry is left untouched."""


def _vectors(predicted, target) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(predicted, dtype=np.float64).ravel()
    y = np.asarray(target, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise EvaluationError(f"predictions ({x.size}) and targets ({y.size}) differ in length")
    if x.size < 2:
        raise EvaluationError("need at least two rows to correlate")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise EvaluationError("predictions or targets contain NaN or infinity")
    return x, y


def exact_mean(values: np.ndarray) -> float:
    """Mean of a float64 vector from its exactly rounded sum (``math.fsum``).

    Every statistic that is recorded in a shipped file is summed this way: BLAS dot products
    (``np.dot``, ``np.corrcoef``, ``scipy.stats.pearsonr``) change their summation order with
    the BLAS thread count and with the CPU kernel it picks, and a recorded number that moves in
    its last bit changes the file's sha256 (specs/models/evaluation.md §2).
    """
    return math.fsum(values) / values.size


def pearson_exact(x: np.ndarray, y: np.ndarray) -> float | None:
    r"""Pearson's :math:`\rho` of two equally long float64 vectors from exactly rounded sums;
    ``None`` when either vector has no spread (the correlation is undefined).

    .. math:: \rho = \frac{\sum_i d^x_i d^y_i}{\sqrt{\sum_i (d^x_i)^2 \sum_i (d^y_i)^2}},
              \qquad d^x_i = x_i - \bar x

    Each sum is ``math.fsum`` of elementwise IEEE products, so the result depends on the values
    only, not on threads or CPU. Clipped to [-1, 1] (rounding can overshoot by an ulp). A
    constant vector is recognised by its range, not by its centred sum (``fsum(x)/n`` need not
    equal a constant ``x`` exactly); a result that is not finite (sums beyond the double range)
    is ``None`` too, never a clipped NaN.
    """
    try:
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            if np.ptp(x) == 0.0 or np.ptp(y) == 0.0:
                return None
            dx = x - exact_mean(x)
            dy = y - exact_mean(y)
            sxx, syy, sxy = math.fsum(dx * dx), math.fsum(dy * dy), math.fsum(dx * dy)
    except (OverflowError, ValueError):  # fsum of values beyond the double range, or of +inf and -inf
        return None
    denominator = math.sqrt(sxx * syy)
    if not (math.isfinite(denominator) and denominator > 0.0):
        # sxx * syy over- or underflowed; the split form is the same quantity within rounding.
        denominator = math.sqrt(sxx) * math.sqrt(syy)
    rho = sxy / denominator if denominator > 0.0 else math.nan
    if not math.isfinite(rho):
        return None
    return max(-1.0, min(1.0, rho))


def plcc(predicted, target) -> float:
    """Pearson linear correlation (:func:`pearson_exact`); raises on constant input (undefined,
    not 0)."""
    x, y = _vectors(predicted, target)
    rho = pearson_exact(x, y)
    if rho is None:
        raise EvaluationError("PLCC is undefined when predictions or targets are constant "
                              "(or their sums exceed the double range)")
    return rho


def srocc(predicted, target) -> float:
    """Spearman rank correlation with average ranks for ties."""
    x, y = _vectors(predicted, target)
    return plcc(stats.rankdata(x, method="average"), stats.rankdata(y, method="average"))


def rmse(predicted, target) -> float:
    x, y = _vectors(predicted, target)
    return math.sqrt(exact_mean((x - y) ** 2))


@dataclasses.dataclass(frozen=True)
class FoldResult:
    held_out_source: str
    n_train: int
    n_test: int
    plcc: float
    srocc: float
    rmse: float

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def fold_metrics(held_out: str, n_train: int, predicted, target) -> FoldResult:
    """Metrics of one fold over every value of its held-out rows (flattened)."""
    target = np.asarray(target)
    return FoldResult(held_out_source=str(held_out), n_train=int(n_train), n_test=int(target.shape[0]),
                      plcc=plcc(predicted, target), srocc=srocc(predicted, target), rmse=rmse(predicted, target))


def loso_splits(source_ids: Sequence[str]) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """``[(held-out source, train indices, test indices)]`` over the sorted distinct sources."""
    ids = np.asarray([str(s) for s in source_ids])
    sources = sorted(set(ids.tolist()))
    if len(sources) < 2:
        raise EvaluationError(f"LOSO needs at least two sources, got {len(sources)}")
    return [(s, np.flatnonzero(ids != s), np.flatnonzero(ids == s)) for s in sources]


@dataclasses.dataclass(frozen=True)
class LosoResult:
    folds: tuple[FoldResult, ...]
    predictions: np.ndarray  # held-out prediction of every row, in dataset order
    targets: np.ndarray
    source_ids: tuple[str, ...]
    ship_gate_plcc: float = SHIP_GATE_PLCC

    def _summary(self, key: str) -> dict[str, float]:
        values = np.array([getattr(f, key) for f in self.folds], dtype=np.float64)
        return {"mean": float(values.mean()), "std": float(values.std(ddof=1))}

    @property
    def mean_plcc(self) -> float:
        return self._summary("plcc")["mean"]

    @property
    def passed(self) -> bool:
        return self.mean_plcc >= self.ship_gate_plcc

    def as_dict(self) -> dict[str, Any]:
        """The sidecar's ``evaluation`` block (specs/models/sidecar.md §4)."""
        return {"protocol": "leave-one-source-out", "folds": [f.as_dict() for f in self.folds],
                "plcc": self._summary("plcc"), "srocc": self._summary("srocc"), "rmse": self._summary("rmse"),
                "ship_gate_plcc": self.ship_gate_plcc, "passed": self.passed}


def run_loso(source_ids: Sequence[str], targets, fit_predict: Callable[[np.ndarray, np.ndarray], np.ndarray], *,
             ship_gate_plcc: float = SHIP_GATE_PLCC, progress: bool = False) -> LosoResult:
    """Runs ``fit_predict(train_indices, test_indices) -> predictions for the test rows`` per fold.

    ``targets`` has one entry per row: a scalar (NR/FR scores) or an array (the filter's clean
    frame); a fold's metrics are computed over every value of its held-out rows, flattened
    (specs/models/evaluation.md §2).
    """
    y = np.asarray(targets, dtype=np.float64)
    if y.shape[0] != len(source_ids):
        raise EvaluationError(f"{y.shape[0]} targets for {len(source_ids)} source ids")
    predictions = np.full(y.shape, np.nan)
    folds = []
    splits = loso_splits(source_ids)
    iterator = splits
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(splits, desc="LOSO folds", unit="fold")
    for held_out, train_idx, test_idx in iterator:
        predicted = np.asarray(fit_predict(train_idx, test_idx), dtype=np.float64)
        if predicted.size != y[test_idx].size:
            raise EvaluationError(f"fold {held_out}: {predicted.size} predicted values for {y[test_idx].size} targets")
        predictions[test_idx] = predicted.reshape(y[test_idx].shape)
        folds.append(fold_metrics(held_out, train_idx.size, predicted, y[test_idx]))
    return LosoResult(folds=tuple(folds), predictions=predictions, targets=y,
                      source_ids=tuple(str(s) for s in source_ids), ship_gate_plcc=ship_gate_plcc)


@dataclasses.dataclass(frozen=True)
class ReleaseDecision:
    """Whether a candidate beats its baseline by the required lift (mean LOSO PLCC)."""

    baseline: str
    baseline_loso_plcc: float
    candidate_loso_plcc: float
    required_lift: float

    @property
    def lift(self) -> float:
        return self.candidate_loso_plcc - self.baseline_loso_plcc

    @property
    def ships(self) -> bool:
        return self.lift >= self.required_lift

    def as_dict(self) -> dict[str, Any]:
        return {"baseline": self.baseline, "baseline_loso_plcc": self.baseline_loso_plcc,
                "candidate_loso_plcc": self.candidate_loso_plcc, "lift": self.lift,
                "required_lift": self.required_lift, "ships": self.ships}


def release_gate(candidate_plcc: float, baseline_plcc: float, *, baseline: str = "fr_regressor_v1",
                 required_lift: float = V2_REQUIRED_LIFT) -> ReleaseDecision:
    """fr_regressor_v2 ships only when ``candidate - baseline >= required_lift``."""
    return ReleaseDecision(baseline=baseline, baseline_loso_plcc=float(baseline_plcc),
                           candidate_loso_plcc=float(candidate_plcc), required_lift=float(required_lift))


def fold_table_markdown(result: LosoResult, *, title: str) -> str:
    """Per-fold table plus the mean ± std row, as Markdown."""
    lines = [f"# {title}: leave-one-source-out", "",
             "| held-out source | train rows | test rows | PLCC | SROCC | RMSE |", "|---|---:|---:|---:|---:|---:|"]
    for f in result.folds:
        lines.append(f"| {f.held_out_source} | {f.n_train} | {f.n_test} | {f.plcc:.4f} | {f.srocc:.4f} | {f.rmse:.4f} |")
    d = result.as_dict()
    lines.append(f"| **mean ± std** | | | {d['plcc']['mean']:.4f} ± {d['plcc']['std']:.4f} | "
                 f"{d['srocc']['mean']:.4f} ± {d['srocc']['std']:.4f} | {d['rmse']['mean']:.4f} ± {d['rmse']['std']:.4f} |")
    verdict = "passes" if result.passed else "FAILS"
    lines += ["", f"Ship gate: mean LOSO PLCC ≥ {result.ship_gate_plcc} — {verdict}.", ""]
    return "\n".join(lines)


def fold_table_csv(result: LosoResult) -> str:
    out = io.StringIO()
    out.write("held_out_source,n_train,n_test,plcc,srocc,rmse\n")
    for f in result.folds:
        out.write(f"{f.held_out_source},{f.n_train},{f.n_test},{f.plcc!r},{f.srocc!r},{f.rmse!r}\n")
    return out.getvalue()


def _figure():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: str | os.PathLike) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    # No Software/date metadata: the same data gives the same PNG bytes.
    fig.savefig(path, dpi=72, metadata={"Software": None})


def plot_scatter(result: LosoResult, path: str | os.PathLike, *, title: str, target_label: str = "teacher") -> None:
    """Held-out prediction against teacher, one colour per held-out source."""
    plt = _figure()
    fig, ax = plt.subplots(figsize=(5, 5))
    per_row = int(np.prod(result.targets.shape[1:], dtype=np.int64))
    targets = result.targets.reshape(len(result.source_ids), per_row)
    predictions = result.predictions.reshape(len(result.source_ids), per_row)
    # At most ~4000 points per plot, taken at a fixed stride (same picture on every run).
    stride = max(1, (targets.size + 3999) // 4000)
    sources = np.asarray(result.source_ids)
    for source in sorted(set(result.source_ids)):
        mask = sources == source
        ax.scatter(targets[mask].ravel()[::stride], predictions[mask].ravel()[::stride], s=6, label=source)
    low = float(min(targets.min(), predictions.min()))
    high = float(max(targets.max(), predictions.max()))
    ax.plot([low, high], [low, high], color="black", linewidth=0.8)
    ax.set_xlabel(target_label)
    ax.set_ylabel("held-out prediction")
    ax.set_title(f"{title}: LOSO PLCC {result.mean_plcc:.4f}")
    ax.legend(fontsize=6, loc="upper left")
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)


def plot_loss_curve(history: Mapping[str, Sequence[float]] | Sequence[float], path: str | os.PathLike, *,
                    title: str) -> None:
    """Training (and, when present, validation) loss per optimiser step or epoch, log scale;
    short series get point markers so that a one-epoch run still shows its steps."""
    plt = _figure()
    fig, ax = plt.subplots(figsize=(6, 4))
    series = history if isinstance(history, Mapping) else {"loss": history}
    for name, values in sorted(series.items()):
        values = np.asarray(values, dtype=np.float64)
        if values.ndim == 1 and values.size and np.issubdtype(values.dtype, np.floating):
            ax.plot(np.arange(1, values.size + 1), values, marker="." if values.size <= 200 else None, label=name)
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)
