"""Resumable corpus builds on a local process pool or a Dask cluster.

A build is a fixed plan of cells (source x encoder x CRF). The coordinator hands pending
cells to workers; every finished row is written atomically to ``rows/<row_key>.json`` and
then its key is appended to ``manifest.jsonl``. An interrupted build, run again with the
same arguments, skips every cell whose row file is complete and valid and loses nothing.
``corpus.jsonl`` (rows sorted by key) is assembled from the row files at the end, so the
same plan gives byte-identical output on a pool, on Dask, or across interruptions.
See specs/corpus/public_corpus.md.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from vmafref.corpus.cells import RawReference, row_key, score_cell
from vmafref.corpus.ffmpeg import CorpusStepError, available_encoders, encoder_spec, ffmpeg_version, sha256_file
from vmafref.corpus.rows import CorpusRowError, atomic_write_text, dumps_row, validate_row, write_parquet
from vmafref.corpus.scorers import make_scorer
from vmafref.corpus.sources import SourceSpec, yuv420p_bytes

__all__ = ["CodecSweep", "BuildPreset", "PRESETS", "CellTask", "BuildSummary", "BuildConflictError",
           "plan_cells", "run_cell", "build", "assemble"]


class BuildConflictError(ValueError):
    """The output folder holds a different build (another preset, scorer or plan)."""


@dataclass(frozen=True)
class CodecSweep:
    encoder: str
    preset: str
    crfs: tuple[int, ...]


@dataclass(frozen=True)
class BuildPreset:
    name: str
    sources: tuple[SourceSpec, ...]
    codecs: tuple[CodecSweep, ...]


def _public_sources(width: int, height: int, frames: int) -> tuple[SourceSpec, ...]:
    kinds = ("fractal_pan", "fractal_zoom", "gradient_shapes", "text_scroll", "zoneplate",
             "bricks", "sky", "foliage", "waves", "cells")
    return tuple(SourceSpec(name=kind.replace("_", "-"), kind=kind, seed=20260 + index, width=width,
                            height=height, frames=frames) for index, kind in enumerate(kinds))


#: ``public``: 10 sources x 4 codecs x 3 CRFs = 120 rows at 128x96, 10 frames.
#: ``tiny``: 3 sources x libx264 x 2 CRFs = 6 rows at 64x48, 4 frames (tests and smoke runs).
PRESETS: dict[str, BuildPreset] = {
    "public": BuildPreset("public", _public_sources(128, 96, 10), (
        CodecSweep("libx264", "medium", (22, 32, 42)),
        CodecSweep("libx265", "medium", (22, 32, 42)),
        CodecSweep("libvpx-vp9", "4", (30, 45, 60)),
        CodecSweep("libsvtav1", "8", (30, 45, 60)),
    )),
    "tiny": BuildPreset("tiny", _public_sources(64, 48, 4)[:3], (CodecSweep("libx264", "medium", (20, 40)),)),
}


@dataclass(frozen=True)
class CellTask:
    """Everything a worker needs for one cell; picklable and free of coordinator paths."""

    source: SourceSpec
    source_sha256: str
    encoder: str
    preset: str
    crf: int
    scorer: str
    ffmpeg: str = "ffmpeg"

    @property
    def key(self) -> str:
        return row_key(self.source.name, self.encoder, self.preset, self.crf)


def _source_sha256(spec: SourceSpec) -> str:
    return hashlib.sha256(yuv420p_bytes(spec)).hexdigest()


def plan_cells(preset: BuildPreset, *, scorer: str, encoders: frozenset[str] | None = None,
               ffmpeg: str = "ffmpeg") -> tuple[list[CellTask], list[str]]:
    """The cells of ``preset`` this ffmpeg can encode, and the encoders it had to skip."""
    skipped = [sweep.encoder for sweep in preset.codecs if encoders is not None and sweep.encoder not in encoders]
    hashes = {spec.name: _source_sha256(spec) for spec in preset.sources}
    tasks = [CellTask(spec, hashes[spec.name], encoder_spec(sweep.encoder).name, sweep.preset, crf, scorer, ffmpeg)
             for spec in preset.sources for sweep in preset.codecs if sweep.encoder not in skipped
             for crf in sweep.crfs]
    keys = [task.key for task in tasks]
    if len(set(keys)) != len(keys):
        raise ValueError(f"preset {preset.name} plans the same cell twice")
    return tasks, skipped


# --- worker side -----------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _ffmpeg_version(ffmpeg: str) -> str:
    return ffmpeg_version(ffmpeg=ffmpeg)


def _cached_source(spec: SourceSpec, expected_sha256: str) -> Path:
    """The source's raw YUV in this worker's temporary folder, generated once per worker."""
    folder = Path(tempfile.gettempdir()) / "vmafref-corpus-sources"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{spec.name}-{expected_sha256[:16]}.yuv"
    if not path.exists() or sha256_file(path) != expected_sha256:
        data = yuv420p_bytes(spec)
        actual = hashlib.sha256(data).hexdigest()
        if actual != expected_sha256:
            raise CorpusStepError(spec.name, "generate", f"source regenerated with sha256 {actual[:16]}..., "
                                  f"the plan expects {expected_sha256[:16]}... (numpy changed its output?)")
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    return path


def run_cell(task: CellTask) -> dict[str, Any]:
    """Worker entry point: generate (or reuse) the source, encode, decode, score; return the row."""
    source = _cached_source(task.source, task.source_sha256)
    reference = RawReference(path=source, name=task.source.name, width=task.source.width, height=task.source.height,
                             pix_fmt="yuv420p", pixel_format="420", bitdepth=8, framerate=task.source.framerate,
                             frame_count=task.source.frames, sha256=task.source_sha256)
    scratch = Path(tempfile.mkdtemp(prefix="vmafref-cell-"))
    try:
        return score_cell(reference, encoder=task.encoder, preset=task.preset, crf=task.crf, scratch=scratch,
                          score_runner=make_scorer(task.scorer), ffmpeg_version=_ffmpeg_version(task.ffmpeg),
                          ffmpeg=task.ffmpeg)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# --- coordinator side ------------------------------------------------------------------------


@dataclass
class BuildSummary:
    preset: str
    out_dir: str
    planned: int
    resumed: int = 0
    completed: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    skipped_encoders: list[str] = field(default_factory=list)
    backend: str = "pool"
    elapsed_s: float = 0.0
    corpus: str = ""
    #: Row files that were valid but did not hash to their manifest record, and were redone.
    redone: list[str] = field(default_factory=list)
    #: Whether the manifest held torn or unreadable lines (it was rewritten without them).
    manifest_repaired: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed


def _read_manifest(path: Path) -> tuple[dict[str, str], bool]:
    """``({row_key: sha256}, damaged)``: the last valid record of each key, and whether any
    line was torn (a kill mid-append) or otherwise unreadable."""
    records: dict[str, str] = {}
    damaged = False
    if path.exists():
        try:
            text = path.read_bytes().decode("utf-8", errors="replace")
        except OSError:
            return records, True
        damaged = bool(text) and not text.endswith("\n")
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                key, digest = record["row_key"], record["sha256"]
                if not (isinstance(key, str) and isinstance(digest, str)):
                    raise TypeError
            except (json.JSONDecodeError, KeyError, TypeError, RecursionError):
                damaged = True  # a torn line, or two records glued together by an older build
                continue
            records[key] = digest
    return records, damaged


def _rewrite_manifest(path: Path, records: dict[str, str]) -> None:
    """The manifest repaired: one clean line per valid record, written atomically."""
    atomic_write_text(path, "".join(json.dumps({"row_key": k, "sha256": d}, sort_keys=True) + "\n"
                                    for k, d in sorted(records.items())))


def _row_file_ok(path: Path, key: str) -> bool:
    try:
        row = json.loads(path.read_text(encoding="utf-8"))
        validate_row(row, where=str(path))
    except (OSError, json.JSONDecodeError, CorpusRowError):
        return False
    return row.get("row_key") == key


def _append_manifest(path: Path, key: str, digest: str) -> None:
    with open(path, "a+b") as handle:
        # A line torn by a kill must not swallow the next record: start on a fresh line.
        handle.seek(0, os.SEEK_END)
        if handle.tell() > 0:
            handle.seek(-1, os.SEEK_END)
            if handle.read(1) != b"\n":
                handle.write(b"\n")
        handle.write((json.dumps({"row_key": key, "sha256": digest}, sort_keys=True) + "\n").encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())


def _plan_record(preset: BuildPreset, tasks: Sequence[CellTask], scorer: str) -> dict[str, Any]:
    return {"preset": preset.name, "scorer": scorer, "cells": [t.key for t in tasks],
            "sources": {t.source.name: {**asdict(t.source), "sha256": t.source_sha256} for t in tasks}}


class _PoolBackend:
    name = "pool"

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.executor = self._start()

    def _start(self) -> Any:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: the coordinator may hold JAX threads, which fork would copy half-alive.
        from vmafref.workers import die_with_parent

        return ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=die_with_parent)

    def submit(self, fn: Callable[[CellTask], Any], task: CellTask, attempt: int) -> Any:
        from concurrent.futures.process import BrokenProcessPool

        try:
            return self.executor.submit(fn, task)
        except BrokenProcessPool:  # a worker died (killed, out of memory): start a fresh pool
            self.executor.shutdown(wait=False, cancel_futures=True)
            self.executor = self._start()
            return self.executor.submit(fn, task)

    def wait_any(self, futures: set[Any]) -> tuple[set[Any], set[Any]]:
        from concurrent.futures import FIRST_COMPLETED, wait

        done, pending = wait(futures, return_when=FIRST_COMPLETED)
        return set(done), set(pending)

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


class _DaskBackend:
    name = "dask"

    def __init__(self, scheduler: str | None = None, client: Any = None) -> None:
        from distributed import Client

        self.owns_client = client is None
        self.client = client if client is not None else Client(scheduler)

    def submit(self, fn: Callable[[CellTask], Any], task: CellTask, attempt: int) -> Any:
        return self.client.submit(fn, task, pure=False, key=f"vmafref-cell-{task.key}-{attempt}-{os.getpid()}")

    def wait_any(self, futures: set[Any]) -> tuple[set[Any], set[Any]]:
        from distributed import wait

        done, pending = wait(list(futures), return_when="FIRST_COMPLETED")
        return set(done), set(pending)

    def close(self) -> None:
        if self.owns_client:
            self.client.close()


def _future_result(future: Any) -> tuple[dict[str, Any] | None, BaseException | None]:
    try:
        return future.result(), None
    except Exception as error:  # a worker failure; reported, retried, never fatal for the build
        return None, error


def build(preset: str | BuildPreset, out_dir: str | os.PathLike[str], *, scorer: str = "vmafref",
          workers: int | None = None, scheduler: str | None = None, client: Any = None, retries: int = 1,
          max_new_rows: int | None = None, progress: bool = True, parquet: bool = False,
          cell_runner: Callable[[CellTask], dict[str, Any]] = run_cell, ffmpeg: str = "ffmpeg") -> BuildSummary:
    """Build (or resume) a corpus in ``out_dir``.

    ``scheduler`` (a Dask scheduler address) or ``client`` (a ``distributed.Client``) runs
    cells on Dask; otherwise a local process pool of ``workers`` (default: CPU count).
    A failed cell is retried ``retries`` times, then reported in the summary while every
    other cell completes. ``max_new_rows`` stops after that many new rows (a build in
    chunks). See specs/corpus/public_corpus.md §3-§4.
    """
    started = time.perf_counter()
    if isinstance(preset, str) and preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; known: {sorted(PRESETS)}")
    preset = PRESETS[preset] if isinstance(preset, str) else preset
    out = Path(out_dir)
    rows_dir = out / "rows"
    rows_dir.mkdir(parents=True, exist_ok=True)
    tasks, skipped = plan_cells(preset, scorer=scorer, encoders=available_encoders(ffmpeg=ffmpeg), ffmpeg=ffmpeg)
    record = _plan_record(preset, tasks, scorer)
    plan_path = out / "plan.json"
    if plan_path.exists():
        previous = json.loads(plan_path.read_text(encoding="utf-8"))
        if previous != record:
            changed = [k for k in record if previous.get(k) != record[k]]
            raise BuildConflictError(f"{out} holds a different build (its {', '.join(changed)} differ); "
                                     "use a new --out folder or remove the old one")
    else:
        atomic_write_text(plan_path, json.dumps(record, indent=1, sort_keys=True) + "\n")

    manifest = out / "manifest.jsonl"
    listed, damaged = _read_manifest(manifest)
    if damaged:
        _rewrite_manifest(manifest, listed)
    done: set[str] = set()
    redo: list[str] = []
    for task in tasks:
        path = rows_dir / f"{task.key}.json"
        if path.exists() and _row_file_ok(path, task.key):
            digest = sha256_file(path)
            if task.key in listed and listed[task.key] != digest:
                # Valid, but not the bytes the build wrote: edited or replaced since. Redo it.
                path.unlink()
                redo.append(task.key)
                continue
            done.add(task.key)
            if task.key not in listed:  # the row landed but the coordinator died before the manifest line
                _append_manifest(manifest, task.key, digest)
    summary = BuildSummary(preset=preset.name, out_dir=str(out), planned=len(tasks), resumed=len(done),
                           skipped_encoders=skipped, redone=redo, manifest_repaired=damaged)
    pending_tasks = [task for task in tasks if task.key not in done]
    if max_new_rows is not None:
        pending_tasks = pending_tasks[:max_new_rows]

    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=len(tasks), initial=len(done), unit="row", desc=f"corpus {preset.name}")
    backend: Any = None
    if pending_tasks:
        if scheduler is not None or client is not None:
            backend = _DaskBackend(scheduler, client)
        else:
            backend = _PoolBackend(workers or os.cpu_count() or 1)
    summary.backend = backend.name if backend else ("dask" if scheduler or client else "pool")
    try:
        attempts = {task.key: 0 for task in pending_tasks}
        in_flight = {}
        for task in pending_tasks:
            in_flight[backend.submit(cell_runner, task, 0)] = task
        while in_flight:
            finished, _ = backend.wait_any(set(in_flight))
            for future in finished:
                task = in_flight.pop(future)
                row, error = _future_result(future)
                if error is None:
                    try:
                        validate_row(row, where=task.key)
                        if row["row_key"] != task.key:
                            raise CorpusRowError(f"{task.key}: the worker returned row {row['row_key']}")
                    except CorpusRowError as invalid:
                        error = invalid
                if error is not None:
                    attempts[task.key] += 1
                    if attempts[task.key] <= retries:
                        in_flight[backend.submit(cell_runner, task, attempts[task.key])] = task
                        continue
                    step = getattr(error, "step", "worker")
                    summary.failed.append({"row_key": task.key, "step": str(step),
                                           "error": f"{type(error).__name__}: {error}"})
                    continue
                text = dumps_row(row) + "\n"
                atomic_write_text(rows_dir / f"{task.key}.json", text)
                _append_manifest(manifest, task.key, hashlib.sha256(text.encode("utf-8")).hexdigest())
                summary.completed += 1
                if bar is not None:
                    bar.update(1)
    finally:
        if backend is not None:
            backend.close()
        if bar is not None:
            bar.close()

    corpus_path = assemble(out, [t.key for t in tasks], parquet=parquet)
    summary.corpus = corpus_path.name
    summary.elapsed_s = round(time.perf_counter() - started, 3)
    atomic_write_text(out / "build.json", json.dumps({**asdict(summary), "ok": summary.ok,
                                                      "ffmpeg_version": _ffmpeg_version(ffmpeg)},
                                                     indent=1, sort_keys=True) + "\n")
    return summary


def assemble(out_dir: str | os.PathLike[str], keys: Sequence[str], *, parquet: bool = False) -> Path:
    """Write ``corpus.jsonl`` (and ``corpus.parquet``) from the completed row files, sorted by key."""
    out = Path(out_dir)
    rows = []
    for key in sorted(keys):
        path = out / "rows" / f"{key}.json"
        if path.exists():
            row = json.loads(path.read_text(encoding="utf-8"))
            validate_row(row, where=str(path))
            rows.append(row)
    target = out / "corpus.jsonl"
    atomic_write_text(target, "".join(dumps_row(row) + "\n" for row in rows))
    if parquet:
        write_parquet(out / "corpus.parquet", rows)
    return target
