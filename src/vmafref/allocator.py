r"""C allocator settings for scoring large frames (glibc on Linux).

XLA's CPU runtime takes every intermediate plane from ``malloc``. With glibc's defaults, a
buffer above the dynamic mmap threshold (at most 32 MiB) is a fresh ``mmap`` that goes back to
the kernel when freed, and each thread may get its own arena, so the same per-frame buffers
are faulted in again frame after frame. At 1080p that was 20 000 to 40 000 page faults a frame,
a quarter of the fixed-point path's time and half of the float path's, and it varied from run
to run with the arena each buffer landed in. :func:`tune_for_large_frames` makes the process
keep and reuse its buffers:

* one arena (``M_ARENA_MAX = 1``): every thread's buffers come from the same heap;
* ``M_MMAP_THRESHOLD = 256 MiB``: frame buffers are carved from the heap, not mmapped;
* ``M_TRIM_THRESHOLD`` at its maximum: freed memory stays with the process for the next frame.

Measured at 1920x1080 on one CPU (24 frames, after compilation; bench/README.md): float
208 → 129 ms/frame; fixed-point 82–160 → 83 ms/frame (its untuned time swings with the page
faults of the run); page faults a few hundred a frame; peak memory unchanged (the heap holds
what the frames needed at their peak). Arithmetic is untouched: the
same bits come out either way. ``vmafref``'s command line applies it before JAX starts;
library users may call it first thing in their own process. ``VMAFREF_ALLOCATOR=system``
leaves the allocator alone. See specs/score.md §8.
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys

from vmafref._clib import c_function

__all__ = ["tune_for_large_frames", "ENV_OPT_OUT"]

#: ``VMAFREF_ALLOCATOR=system`` keeps glibc's defaults.
ENV_OPT_OUT = "VMAFREF_ALLOCATOR"

# glibc <malloc.h>
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
_MMAP_THRESHOLD = 256 << 20
_TRIM_THRESHOLD = 2**31 - 1  # mallopt takes an int


def tune_for_large_frames() -> bool:
    """Apply the settings above to this process; ``True`` when they took effect.

    Does nothing (``False``) off Linux/glibc or with ``VMAFREF_ALLOCATOR=system``. Call it
    before JAX starts its threads: arenas that already exist keep serving their threads.
    """
    if os.environ.get(ENV_OPT_OUT, "").strip().lower() == "system":
        return False
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return False
    mallopt = c_function("c", "mallopt", ctypes.c_int, (ctypes.c_int, ctypes.c_int))
    if mallopt is None:
        return False
    return all(mallopt(option, value) == 1 for option, value in (
        (_M_ARENA_MAX, 1), (_M_MMAP_THRESHOLD, _MMAP_THRESHOLD), (_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)))
