"""The per-frame calls of a run for ``threads`` N > 1: in worker processes on a CPU, else on threads.

Threads of one process scale poorly on JAX's CPU backend: at 1920x1080 two threads scoring
integer VIF on two CPUs gave 1.3 times one thread's frames per second, where two processes,
each pinned to one CPU, gave 1.8 times (specs/score.md §9). One process's threads share XLA's
intra-op thread pool, which spreads every stage over all the process's CPUs for little gain,
and the interpreter lock, which each stage's dispatch takes. So :class:`ProcessFrameScheduler`
runs the frame-independent extractors of a run in N worker processes, started with
``multiprocessing``'s *spawn* method (a fork of a process whose JAX runtime has started is
unsafe), each pinned to one of the CPUs the parent may use before JAX starts in it, so that
XLA's pool there has one thread. Frames go to the workers in turn over pipes; each worker
answers in the order it was sent frames, so the oldest frame in flight is always its worker's
next answer. Values are bit for bit the serial ones: the same code runs on the same planes.
:class:`ThreadFrameScheduler` is the thread pool that extractors defined outside vmafref, a GPU
and ``VMAFREF_FRAME_WORKERS=threads`` keep.

Workers tune their C allocator as the ``vmafref`` command does (:mod:`vmafref.allocator`),
die with their parent (:func:`vmafref.workers.die_with_parent`), inherit its environment
(the store of compiled stages, :mod:`vmafref.executable_cache`, included) and report the CPU
seconds they spent scoring, less compiling, so that ``fps`` counts the workers' work too.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import threading
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["ProcessFrameScheduler", "ThreadFrameScheduler", "FrameWorkerError", "ENV_FRAME_WORKERS", "use_processes", "stop_kept_workers",
           "planes_on_device"]

#: ``VMAFREF_FRAME_WORKERS=threads`` keeps ``threads`` N > 1 on threads of this process.
ENV_FRAME_WORKERS = "VMAFREF_FRAME_WORKERS"

_STOP = None


class FrameWorkerError(RuntimeError):
    """A frame worker process failed outside an extractor (it died, or could not start)."""


def use_processes(extractors: Sequence[Any]) -> bool:
    """Whether ``threads`` N > 1 should run these extractors' frame-independent calls in processes.

    Yes on JAX's CPU backend when every frame-independent extractor is one of vmafref's own
    (a fresh process imports it by name), unless ``VMAFREF_FRAME_WORKERS=threads``; a GPU
    stays with threads, one process owning the device.
    """
    if os.environ.get(ENV_FRAME_WORKERS, "").strip().lower() == "threads":
        return False
    independent = [e for e in extractors if e.frame_independent]
    if not independent or not all(type(e).__module__.startswith("vmafref.") for e in independent):
        return False
    import jax

    return jax.default_backend() == "cpu"


def _scoring_cpu_seconds() -> float:
    from vmafref.features._compiled import compile_cpu_seconds

    return time.process_time() - compile_cpu_seconds()


def _worker_main(connection, cpu: int | None) -> None:
    """A worker's loop: for each run, build its extractors, then answer each list of calls with
    their values, until the run ends; the compiled stages stay loaded for the next run."""
    if cpu is not None:
        try:
            os.sched_setaffinity(0, {cpu})  # before JAX starts its thread pool
        except (AttributeError, OSError):
            pass
    from vmafref.workers import die_with_parent

    die_with_parent()
    from vmafref.allocator import tune_for_large_frames

    tune_for_large_frames()
    from vmafref.features._compiled import plan_session

    extractors, session, failure = [], None, None
    try:
        while True:
            message = connection.recv()
            if message is _STOP:
                break
            if isinstance(message, tuple) and message[0] == "run":
                _, specs, plan = message
                failure = None
                try:
                    extractors = [cls(**kwargs) for cls, kwargs in specs]
                    session = plan_session(plan)
                    session.__enter__()
                except BaseException as error:  # reported with the run's first answer
                    failure = error
                continue
            if isinstance(message, tuple) and message[0] == "end":
                if session is not None:
                    session.__exit__(None, None, None)
                extractors, session = [], None
                continue
            if failure is not None:
                _send_error(connection, failure)
                continue
            start = _scoring_cpu_seconds()
            try:
                values = [extractors[at].extract(*arguments) for at, arguments in planes_on_device(extractors, message)]
            except BaseException as error:
                _send_error(connection, error)
                continue
            connection.send(("values", values, _scoring_cpu_seconds() - start))
    except (EOFError, OSError, KeyboardInterrupt):
        pass


def planes_on_device(extractors: Sequence[Any], calls: Sequence[tuple[int, tuple]],
                     elsewhere: Sequence[bool] = ()) -> list[tuple[int, tuple]]:
    """``calls`` (extractor position, arguments) with the NumPy luma planes of the extractors
    that take JAX arrays (``device_planes``) as JAX arrays, each plane copied to the device once
    for all of them (specs/score.md §1); the other calls, and those of the extractors that
    ``elsewhere`` marks (run in a worker process), as they are."""
    converted: dict[int, Any] = {}

    def on_device(value: Any) -> Any:
        if type(value) is not np.ndarray:
            return value
        array = converted.get(id(value))
        if array is None:
            import jax

            array = converted[id(value)] = jax.device_put(value)
        return array

    return [(at, tuple(map(on_device, arguments))
             if extractors[at].device_planes and extractors[at].planes == "luma"
             and not (elsewhere and elsewhere[at]) else arguments)
            for at, arguments in calls]


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, context, cpu: int | None, name: str):
        self.connection, child_end = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child_end, cpu), name=name, daemon=True)
        self.process.start()
        child_end.close()

    def alive(self) -> bool:
        return self.process.is_alive() and not self.connection.closed

    def stop(self, now: bool = False) -> None:
        if not now:
            try:
                self.connection.send(_STOP)
            except (BrokenPipeError, EOFError, OSError):
                pass
        elif self.process.is_alive():
            self.process.terminate()
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.connection.close()


#: Workers kept for the next run of this process (their compiled stages with them); one run at a time uses them.
_kept: list[_Worker] = []
_kept_lock = threading.Lock()


def _cpus() -> list[int]:
    try:
        return sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return []


def stop_kept_workers() -> None:
    """Stop the worker processes this process keeps between runs (they also end with it)."""
    with _kept_lock:
        for worker in _kept:
            worker.stop()
        _kept.clear()


def _send_error(connection, error: BaseException) -> None:
    try:
        pickle.dumps(error)
    except Exception:
        error = FrameWorkerError(f"{type(error).__name__}: {error}")
    connection.send(("error", error, 0.0))


class _FrameWindow:
    """The frames in flight, oldest first, and their hand-back in frame order: at most
    ``depth`` stay in flight; a subclass's :meth:`_retire` waits for the oldest one's values."""

    def __init__(self, depth: int):
        self.depth = depth
        self.window: list[Any] = []
        #: CPU seconds other processes spent scoring the frames handed back (none: threads)
        self.worker_cpu_seconds = 0.0

    def _admit(self, entry: Any) -> list[tuple[Any, list[Any]]]:
        """Add a started frame; return the frames beyond the depth, now done, in order."""
        self.window.append(entry)
        done = []
        while len(self.window) > self.depth:
            done.append(self._retire())
        return done

    def drain(self) -> list[tuple[Any, list[Any]]]:
        """The frames still in flight, in order, once done."""
        return [self._retire() for _ in range(len(self.window))]

    def _retire(self) -> tuple[Any, list[Any]]:
        raise NotImplementedError


class ThreadFrameScheduler(_FrameWindow):
    """Runs the extractors' per-frame calls, on ``threads`` threads of this process when
    ``threads > 1`` and the frames do not go to worker processes (:func:`use_processes`),
    and hands back each frame's values in frame order (specs/score.md §9).

    Frames are submitted as they are read; at most ``2 * threads`` are in flight. Calls of a
    :attr:`~vmafref.features.extractor.FeatureExtractor.frame_independent` extractor for
    different frames run at once; those of any other extractor run one at a time in frame
    order (each waits for its previous frame's call, which the first-in first-out queue has
    already handed to a worker, so the wait always ends). Values are collected in the serial
    order, so the result is the same for any number of threads.
    """

    def __init__(self, extractors: Sequence[Any], threads: int):
        super().__init__(2 * threads)
        self.extractors = list(extractors)
        self.pool = None
        if threads > 1:
            from concurrent.futures import ThreadPoolExecutor

            self.pool = ThreadPoolExecutor(threads, thread_name_prefix="vmafref-frame")
        self.previous: list[Any] = [None] * len(self.extractors)

    @staticmethod
    def _call(extractor: Any, arguments: tuple, previous: Any) -> Any:
        if previous is not None:
            previous.result()  # frame order for an extractor with state; its error is raised there
        return extractor.extract(*arguments)

    def submit(self, frame: Any, calls: Sequence[tuple[int, tuple]]) -> list[tuple[Any, list[Any]]]:
        """Start ``calls`` (extractor position, arguments) of ``frame``; return the frames now done, in order."""
        if self.pool is None:
            return [(frame, [self.extractors[at].extract(*arguments) for at, arguments in calls])]
        futures = []
        for at, arguments in calls:
            extractor = self.extractors[at]
            previous = None if extractor.frame_independent else self.previous[at]
            future = self.pool.submit(self._call, extractor, arguments, previous)
            if not extractor.frame_independent:
                self.previous[at] = future
            futures.append(future)
        return self._admit((frame, futures))

    def _retire(self) -> tuple[Any, list[Any]]:
        frame, futures = self.window.pop(0)
        return frame, [future.result() for future in futures]

    def close(self, abort: bool = False) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


class ProcessFrameScheduler(_FrameWindow):
    """The frame-independent calls of a run in ``workers`` processes, the other calls inline,
    each frame's values handed back in frame order (specs/score.md §9).

    ``extractors`` are the run's extractors; ``specs[i]`` is ``(class, keyword arguments)``
    that rebuild ``extractors[i]`` in a fresh process (``None`` for one that stays here).
    At most ``2 * workers`` frames are in flight. :attr:`worker_cpu_seconds` is what the
    workers spent scoring the frames answered so far.
    """

    def __init__(self, extractors: Sequence[Any], specs: Sequence[tuple[type, dict[str, Any]] | None], workers: int,
                 *, plan: str = ""):
        super().__init__(2 * workers)
        self.extractors = list(extractors)
        self.remote = [spec is not None for spec in specs]
        remote_specs = [spec for spec in specs if spec is not None]
        #: position in the run -> position in a worker's list
        self.remote_at = {at: k for k, at in enumerate(i for i, remote in enumerate(self.remote) if remote)}
        self.next_worker = 0
        # The kept workers when no other run holds them (a run on another thread gets its own).
        self.kept = _kept_lock.acquire(blocking=False)
        self.workers: list[_Worker] = []
        try:
            self.workers = self._start(workers)
            for worker in self.workers:
                worker.connection.send(("run", remote_specs, plan))
        except BaseException:
            self.close(abort=True)
            raise

    def _start(self, count: int) -> list[_Worker]:
        cpus = _cpus()
        context = multiprocessing.get_context("spawn")
        pool = _kept if self.kept else []
        pool[:] = [worker for worker in pool if worker.alive()]
        for k in range(len(pool), count):
            cpu = cpus[k % len(cpus)] if len(cpus) > 1 else None
            pool.append(_Worker(context, cpu, f"vmafref-frame-{k}"))
        return pool[:count]

    def submit(self, frame: Any, calls: Sequence[tuple[int, tuple]]) -> list[tuple[Any, list[Any]]]:
        """Start ``calls`` (extractor position, arguments) of ``frame``; return the frames now done, in order."""
        remote_calls = [(self.remote_at[at], arguments) for at, arguments in calls if self.remote[at]]
        worker = -1
        if remote_calls:
            worker = self.next_worker
            self.next_worker = (worker + 1) % len(self.workers)
            # This blocks while the worker is busy and its pipe is full; it cannot deadlock: a
            # worker's answers (a frame's feature values, well under the pipe's buffer, at most
            # three frames of them unread) never wait for this end to read them.
            try:
                self.workers[worker].connection.send(remote_calls)
            except (BrokenPipeError, EOFError, OSError) as error:
                raise self._died(worker) from error
        # The others (motion's blur history, psnr's sums) run here, in frame order.
        local = [self.extractors[at].extract(*arguments) for at, arguments in calls if not self.remote[at]]
        # (frame, its worker or -1, the values computed here, which calls went to the worker)
        return self._admit((frame, worker, local, [self.remote[at] for at, _ in calls]))

    def _retire(self) -> tuple[Any, list[Any]]:
        frame, worker, local, order = self.window.pop(0)
        remote: list[Any] = []
        if worker >= 0:
            try:
                kind, payload, cpu_seconds = self.workers[worker].connection.recv()
            except (EOFError, OSError) as error:
                raise self._died(worker) from error
            if kind == "error":
                raise payload
            remote = payload
            self.worker_cpu_seconds += cpu_seconds
        local_values, remote_values = iter(local), iter(remote)
        return frame, [next(remote_values) if is_remote else next(local_values) for is_remote in order]

    def _died(self, worker: int) -> FrameWorkerError:
        process = self.workers[worker].process
        process.join(timeout=5)
        return FrameWorkerError(f"frame worker process {process.pid} ended unexpectedly "
                                f"(exit status {process.exitcode})")

    def close(self, abort: bool = False) -> None:
        """End the run: the kept workers wait for the next one; with ``abort`` (or when not
        kept) they stop, at once with ``abort``, frames still queued in them or not."""
        try:
            for worker in self.workers:
                if abort or not self.kept:
                    worker.stop(now=abort)
                else:
                    try:
                        worker.connection.send(("end",))
                    except (BrokenPipeError, EOFError, OSError):
                        worker.stop(now=True)
            if self.kept:
                _kept[:] = [worker for worker in _kept if worker.alive()]
            self.workers = []
        finally:
            if self.kept:
                self.kept = False
                _kept_lock.release()
