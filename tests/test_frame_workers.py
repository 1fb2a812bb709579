"""Frame workers: frame-independent extractors in processes for ``threads`` N > 1 (specs/score.md §9)."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

from vmafref import frame_workers
from vmafref.features.extractor import FeatureExtractor
from vmafref.frame_workers import FrameWorkerError, ProcessFrameScheduler, use_processes
from vmafref.scoring import score


class PidExtractor(FeatureExtractor):
    """Frame-independent; reports the process it ran in, and fails on a frame asked to."""

    name = "test_pid"
    frame_independent = True

    def extract(self, index, ref, dis):
        if index == 3:
            raise ValueError("frame 3 is unreadable")
        if index == 5:
            os.kill(os.getpid(), signal.SIGKILL)
        return {index: {"pid": float(os.getpid()), "sum": float(np.sum(ref, dtype=np.int64))}}


class OrderExtractor(FeatureExtractor):
    """Stateful: stays in the parent, and sees frames in order."""

    name = "test_order"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = []

    def extract(self, index, ref, dis):
        self.seen.append(index)
        return {index: {"order": float(len(self.seen))}}


def _clip(n, height=40, width=48, seed=0):
    rng = np.random.default_rng(seed)
    ref = rng.integers(0, 256, size=(n, height, width), dtype=np.uint8)
    dis = np.clip(ref.astype(int) + rng.integers(-12, 13, size=ref.shape), 0, 255).astype(np.uint8)
    return ref, dis


@pytest.fixture(autouse=True)
def _fresh_workers():
    frame_workers.stop_kept_workers()
    yield
    frame_workers.stop_kept_workers()


def _scheduler(workers=2):
    kwargs = dict(width=48, height=40, bitdepth=8)
    extractors = [PidExtractor(**kwargs), OrderExtractor(**kwargs)]
    return extractors, ProcessFrameScheduler(extractors, [(PidExtractor, kwargs), None], workers)


def _run(scheduler, ref, frames):
    done = []
    for index in frames:
        done += scheduler.submit(index, [(0, (index, ref[index], ref[index])), (1, (index, ref[index], ref[index]))])
    return done + scheduler.drain()


def test_workers_answer_in_frame_order_from_other_processes():
    ref, _ = _clip(8)
    extractors, scheduler = _scheduler(workers=2)
    try:
        done = _run(scheduler, ref, [0, 1, 2, 4, 6, 7])
    finally:
        scheduler.close()
    assert [frame for frame, _ in done] == [0, 1, 2, 4, 6, 7]
    pids = {values[0][frame]["pid"] for frame, values in done}
    assert len(pids) == 2 and os.getpid() not in pids  # round robin over two worker processes
    assert all(values[0][frame]["sum"] == float(np.sum(ref[frame], dtype=np.int64)) for frame, values in done)
    assert [values[1][frame]["order"] for frame, values in done] == [1, 2, 3, 4, 5, 6]
    assert extractors[1].seen == [0, 1, 2, 4, 6, 7]  # the stateful one ran here, in order
    assert scheduler.worker_cpu_seconds > 0


@pytest.mark.parametrize("frames, error, message", [
    (range(5), ValueError, "frame 3 is unreadable"),  # an extractor's error: its type and message
    ([4, 5, 6, 7], FrameWorkerError, r"ended unexpectedly \(exit status -9\)"),  # a worker killed
])
def test_a_failure_in_a_worker_is_a_clear_error_not_a_hang(frames, error, message):
    ref, _ = _clip(8)
    _, scheduler = _scheduler()
    try:
        with pytest.raises(error, match=message):
            _run(scheduler, ref, frames)
    finally:
        scheduler.close(abort=True)


def test_kept_workers_serve_the_next_run():
    ref, _ = _clip(4)
    _, first = _scheduler()
    try:
        before = {values[0][f]["pid"] for f, values in _run(first, ref, range(3))}
    finally:
        first.close()
    _, second = _scheduler()
    try:
        after = {values[0][f]["pid"] for f, values in _run(second, ref, range(3))}
    finally:
        second.close()
    assert before == after


@pytest.mark.slow  # starts worker processes that compile the real extractors (about 15 s)
def test_real_extractors_in_workers_give_the_serial_values(monkeypatch):
    ref, dis = _clip(6, height=64, width=80, seed=4)
    features = ("float_psnr", "psnr")
    serial = score(ref, dis, bitdepth=8, features=features)
    started = []
    original = ProcessFrameScheduler.__init__
    monkeypatch.setattr(ProcessFrameScheduler, "__init__",
                        lambda self, *a, **k: (started.append(a[2]), original(self, *a, **k))[1])
    threaded = score(ref, dis, bitdepth=8, features=features, threads=2)
    assert started == [2]
    assert threaded.frames == serial.frames and threaded.keys == serial.keys
    assert threaded.pooled == serial.pooled and threaded.aggregate == serial.aggregate
    assert 0 < threaded.cpu_seconds and np.isfinite(threaded.fps)


def test_which_runs_use_processes(monkeypatch):
    kwargs = dict(width=48, height=40, bitdepth=8)
    from vmafref.features.float_psnr import FloatPsnrExtractor

    assert use_processes([FloatPsnrExtractor(**kwargs)])
    assert not use_processes([PidExtractor(**kwargs)])  # not vmafref's: a fresh process may not import it
    assert not use_processes([OrderExtractor(**kwargs)])  # nothing frame-independent
    monkeypatch.setenv(frame_workers.ENV_FRAME_WORKERS, "threads")
    assert not use_processes([FloatPsnrExtractor(**kwargs)])
