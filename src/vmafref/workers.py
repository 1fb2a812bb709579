"""Worker processes that end with the process that started them.

A coordinator killed outright (SIGKILL, the OOM killer, a closed terminal) cannot shut its
pool down, and the pool's workers then run on for minutes, holding the caller's pipes. Every
pool vmafref starts (corpus builds, LOSO folds) gives its workers :func:`die_with_parent` as
initializer: on Linux the kernel sends the worker SIGKILL when its parent exits
(``prctl(PR_SET_PDEATHSIG)``); elsewhere the worker polls nothing and the pool's own shutdown
is all there is. See specs/corpus/corpus.md §6.
"""

from __future__ import annotations

import os
import signal
import sys

from vmafref._clib import c_function

__all__ = ["die_with_parent"]

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Arrange for this process to be killed when its parent exits (Linux); idempotent."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    parent = os.getppid()
    prctl = c_function("c", "prctl", ctypes.c_int, (ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong,
                                                    ctypes.c_ulong, ctypes.c_ulong))
    if prctl is None:
        return
    prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
