"""Scorers for corpus cells: vmafref's own pipeline, or any libvmaf-compatible command line.

A scorer is the ``score_runner`` seam: a callable taking a :class:`ScoreRequest` (two raw
YUV files and their geometry) and returning a :class:`ScoreOutput` (per-frame and pooled
values under libvmaf's output keys). Both scorers here read raw YUV only: the caller decodes
the encoded stream first, because libvmaf's CLI takes only YUV/Y4M (passing a container
straight in is the regression recorded in specs/corpus/fr_from_nr.md §6).
"""

from __future__ import annotations

import json
import shlex
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vmafref.corpus.rows import CANONICAL6_KEYS, TEACHER_MODEL

__all__ = ["ScoreRequest", "ScoreOutput", "ScorerOutputError", "VmafrefScorer", "LibvmafCliScorer",
           "make_scorer", "score_command"]

#: Output keys a corpus cell needs from every frame.
REQUIRED_KEYS = (*CANONICAL6_KEYS, "vmaf")


class ScorerOutputError(ValueError):
    """A scorer's output lacks a key the corpus needs, or has the wrong number of frames."""


@dataclass(frozen=True)
class ScoreRequest:
    reference: Path
    distorted: Path
    width: int
    height: int
    pixel_format: str
    bitdepth: int
    frame_count: int


@dataclass(frozen=True)
class ScoreOutput:
    frames: list[dict[str, float]]
    pooled: dict[str, dict[str, float]]
    kind: str
    version: str
    command: list[str] = field(default_factory=list)


def score_command(program: Sequence[str], request: ScoreRequest, *, reference: str, distorted: str,
                  output: str) -> list[str]:
    """libvmaf's CLI flags for one pair (``-r -d -w -h -p -b --model --json -o -q``)."""
    return [*program, "-r", reference, "-d", distorted, "-w", str(request.width), "-h", str(request.height),
            "-p", request.pixel_format, "-b", str(request.bitdepth), "--model", f"version={TEACHER_MODEL}",
            "--json", "-o", output, "-q"]


def _check_frames(frames: Sequence[Mapping[str, float]], request: ScoreRequest, who: str) -> None:
    if len(frames) != request.frame_count:
        raise ScorerOutputError(f"{who} scored {len(frames)} frames of {request.distorted.name}, "
                                f"expected {request.frame_count}")
    for index, frame in enumerate(frames):
        missing = [key for key in REQUIRED_KEYS if key not in frame]
        if missing:
            raise ScorerOutputError(f"{who} gave no {missing} for frame {index} of {request.distorted.name}")


@dataclass(frozen=True)
class VmafrefScorer:
    """Score in-process with :func:`vmafref.scoring.score` (the default scorer)."""

    kind = "vmafref"

    def __call__(self, request: ScoreRequest) -> ScoreOutput:
        from vmafref import __version__
        from vmafref.scoring import score

        result = score(request.reference, request.distorted, width=request.width, height=request.height,
                       pixel_format=request.pixel_format, bitdepth=request.bitdepth, models=(TEACHER_MODEL,))
        frames = [dict(frame) for frame in result.frames]
        _check_frames(frames, request, "vmafref")
        command = score_command(("vmafref", "score"), request, reference="{reference_yuv}",
                                distorted="{distorted_yuv}", output="{score_json}")
        return ScoreOutput(frames=frames, pooled={k: dict(v) for k, v in result.pooled.items()},
                           kind=self.kind, version=f"vmafref {__version__}", command=command)


@dataclass(frozen=True)
class LibvmafCliScorer:
    """Score with a libvmaf-compatible command line (``vmaf``, ``vmafref score``, ...).

    ``program`` is the command as a list (or a shell-quoted string). ``runner`` is the
    subprocess seam, called as ``runner(cmd, capture_output=True, text=True, check=False)``.
    """

    program: tuple[str, ...]
    runner: Any = None
    kind = "libvmaf-cli"

    def __post_init__(self) -> None:
        program = self.program
        if isinstance(program, (str, Path)):
            program = tuple(shlex.split(str(program)))
        if not program:
            raise ValueError("a libvmaf-compatible scorer needs a program to run")
        object.__setattr__(self, "program", tuple(str(p) for p in program))

    def __call__(self, request: ScoreRequest) -> ScoreOutput:
        with tempfile.TemporaryDirectory(prefix="vmafref-score-") as tmp:
            out = Path(tmp) / "score.json"
            cmd = score_command(self.program, request, reference=str(request.reference),
                                distorted=str(request.distorted), output=str(out))
            runner = self.runner or subprocess.run
            try:
                result = runner(cmd, capture_output=True, text=True, check=False)
            except OSError as error:
                raise RuntimeError(f"cannot run scorer {self.program[0]!r}: {error}") from error
            if result.returncode != 0:
                tail = (result.stderr or "").strip()[-2000:]
                raise RuntimeError(f"scorer failed (exit {result.returncode}): {' '.join(cmd)}\n{tail}")
            try:
                payload = json.loads(out.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as error:
                raise ScorerOutputError(f"scorer {self.program[0]!r} wrote no readable JSON to -o: {error}") from None
        frames, pooled = parse_libvmaf_json(payload)
        _check_frames(frames, request, f"scorer {self.program[0]!r}")
        command = score_command((Path(self.program[0]).name, *self.program[1:]), request,
                                reference="{reference_yuv}", distorted="{distorted_yuv}", output="{score_json}")
        return ScoreOutput(frames=frames, pooled=pooled, kind=self.kind,
                           version=str(payload.get("version", "unknown")), command=command)


def parse_libvmaf_json(payload: Mapping[str, Any]) -> tuple[list[dict[str, float]], dict[str, dict[str, float]]]:
    """``(frames, pooled)`` from libvmaf's JSON output (``frames[].metrics``, ``pooled_metrics``)."""
    raw_frames = payload.get("frames")
    if not isinstance(raw_frames, list):
        raise ScorerOutputError("libvmaf JSON has no 'frames' list")
    ordered = sorted(raw_frames, key=lambda f: int(f.get("frameNum", 0)))
    numbers = [int(f.get("frameNum", i)) for i, f in enumerate(ordered)]
    if numbers != list(range(len(ordered))):
        raise ScorerOutputError(f"libvmaf JSON frame numbers are not 0..{len(ordered) - 1}")
    frames = [{k: float(v) for k, v in (f.get("metrics") or {}).items()} for f in ordered]
    pooled = {k: {m: float(x) for m, x in v.items()} for k, v in (payload.get("pooled_metrics") or {}).items()}
    return frames, pooled


def make_scorer(spec: str | Sequence[str] | None = None) -> Any:
    """``None`` or ``"vmafref"`` for the in-process scorer, else a libvmaf-compatible command."""
    if spec is None or spec == "vmafref":
        return VmafrefScorer()
    return LibvmafCliScorer(tuple(shlex.split(spec)) if isinstance(spec, str) else tuple(spec))
