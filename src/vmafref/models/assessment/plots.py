"""Pictures of a corpus-trained model's held-out behaviour, for its run folder and model card.

* nr_metric_v1: ``nr_quality_levels.png`` — held-out score against the teacher across each
  source's quality levels (one line per source);
* learned_filter_v1: ``filter_crops.png`` — held-out crops: degraded, filtered, clean, and the
  x264 CRF 38 crop before and after.

Same data, same PNG bytes (Agg backend, 72 dpi, no date or software metadata).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from vmafref.models.assessment.evaluation import LosoResult, _figure, _save

__all__ = ["plot_gate_figures", "plot_nr_quality_levels", "plot_filter_crops"]


def plot_nr_quality_levels(dataset, loso: LosoResult, path: Path) -> None:
    plt = _figure()
    fig, ax = plt.subplots(figsize=(6, 5))
    sources = np.asarray(dataset.source_id)
    teacher = np.asarray(dataset.meta["vmaf"], np.float64)
    for source in sorted(set(sources.tolist())):
        rows = np.flatnonzero(sources == source)
        order = rows[np.argsort(teacher[rows], kind="stable")]
        ax.plot(teacher[order], loso.predictions[order], marker=".", linewidth=0.8, label=source)
    ax.set_xlabel("vmaf_v0.6.1 (teacher) of the frame")
    ax.set_ylabel("held-out nr_metric_v1 (MOS-like, 1-5)")
    ax.set_title("nr_metric_v1: held-out sources across quality levels")
    ax.legend(fontsize=5, ncol=2, loc="upper left")
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)


def plot_filter_crops(dataset, loso: LosoResult, extra: Mapping[str, np.ndarray], path: Path, *, count: int = 4
                      ) -> None:
    plt = _figure()
    sources = np.asarray(dataset.source_id)
    picks = [int(np.flatnonzero(sources == s)[0]) for s in sorted(set(sources.tolist()))][::6][:count]
    columns = [("blur+JPEG35", dataset.inputs["input"]), ("filtered (held out)", loso.predictions),
               ("clean", dataset.targets)]
    if "x264_crf38" in extra:
        columns += [("x264 CRF 38", dataset.meta["x264_crf38"]), ("filtered", extra["x264_crf38"])]
    fig, axes = plt.subplots(len(picks), len(columns), figsize=(2 * len(columns), 2 * len(picks)), squeeze=False)
    for row, index in enumerate(picks):
        for column, (title, images) in enumerate(columns):
            ax = axes[row][column]
            ax.imshow(np.asarray(images[index]).reshape(images[index].shape[-2:]), cmap="gray", vmin=0, vmax=1,
                      interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(title, fontsize=8)
            if column == 0:
                ax.set_ylabel(str(sources[index]), fontsize=7)
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)


def plot_gate_figures(model_id: str, dataset, loso: LosoResult, extra: Mapping[str, np.ndarray], run_dir: Path
                      ) -> None:
    """The model's pictures into ``run_dir`` (the LOSO scatter is written for every model)."""
    if model_id == "nr_metric_v1":
        plot_nr_quality_levels(dataset, loso, Path(run_dir) / "nr_quality_levels.png")
    elif model_id == "learned_filter_v1":
        plot_filter_crops(dataset, loso, extra, Path(run_dir) / "filter_crops.png")
