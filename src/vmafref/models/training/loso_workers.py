"""Leave-one-source-out folds in parallel: one pinned worker process per CPU.

Each fold is a pure function of (build options, dataset bytes, toolchain) in a pinned process
(specs/models/training_determinism.md §2), so running folds in separate processes, each pinned
to its own CPU, gives exactly the predictions a sequential run gives; only the wall time
changes. The pool uses the ``spawn`` start method and this module imports no jax at import
time, so each worker pins itself before XLA starts. See specs/models/evaluation.md §1.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from vmafref.models.training.determinism import available_cpus, pin_process_for_determinism

__all__ = ["run_folds"]

_STATE: dict[str, Any] = {}


def _initialise(cpus, options_fields: dict, training_dir: str) -> None:
    from vmafref.workers import die_with_parent

    die_with_parent()
    cpu = cpus.get()
    os.sched_setaffinity(0, {cpu})
    pin_process_for_determinism()
    from vmafref.models.release import pipeline

    options = pipeline.BuildOptions(**options_fields)
    _STATE["options"] = options
    _STATE["dataset"] = pipeline._training_dataset(options, Path(training_dir))


def _fold(held_out: str):
    import numpy as np

    from vmafref.models.release import pipeline

    options, dataset = _STATE["options"], _STATE["dataset"]
    ids = np.asarray(dataset.source_id)
    return held_out, pipeline._fit_predict_fold(options, dataset, np.flatnonzero(ids != held_out),
                                                np.flatnonzero(ids == held_out))


def run_folds(options, training_dir: Path, sources: Sequence[str], workers: int,
              progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """``{held-out source: fold output}`` for every source, computed by ``workers`` processes."""
    cpus = available_cpus()
    workers = max(1, min(workers, len(cpus), len(sources)))
    context = multiprocessing.get_context("spawn")
    queue = context.Manager().Queue()
    for cpu in cpus[:workers]:
        queue.put(cpu)
    results = {}
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_initialise,
                             initargs=(queue, dataclasses.asdict(options), str(training_dir))) as pool:
        for held_out, output in pool.map(_fold, list(sources)):
            results[held_out] = output
            if progress is not None:
                progress(held_out)
    return results
