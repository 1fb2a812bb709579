"""vmafref.allocator (specs/score.md §8): applied in a fresh process, opt-out respected, and
the scores do not change."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys

import pytest

GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"


def _run(code: str, **env: str) -> str:
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                               env={**os.environ, **env})
    return completed.stdout.strip()


@pytest.mark.skipif(not GLIBC, reason="the settings are glibc's")
def test_applies_on_glibc_and_respects_the_opt_out():
    code = "from vmafref.allocator import tune_for_large_frames; print(tune_for_large_frames())"
    assert _run(code, VMAFREF_ALLOCATOR="") == "True"
    assert _run(code, VMAFREF_ALLOCATOR="system") == "False"


@pytest.mark.slow  # ~17 s: two scoring subprocesses
def test_scores_are_bit_identical_with_and_without_it():
    """Where buffers live cannot change a bit of the result: the bundled example's first frames
    through the console script, tuned and not."""
    code = ("import json, sys\n"
            "from vmafref.cli import console_main\n"
            "sys.argv = ['vmafref', 'score', '--example', '--frame_cnt', '3', '-q', '--json', '-o', '-']\n"
            "console_main()\n")
    tuned = json.loads(_run(code, VMAFREF_ALLOCATOR=""))
    plain = json.loads(_run(code, VMAFREF_ALLOCATOR="system"))
    assert tuned["frames"] == plain["frames"] and tuned["pooled_metrics"] == plain["pooled_metrics"]
