"""The FR-from-NR adapter: turn no-reference uploads (+ MOS) into full-reference corpus rows.

Each upload is probed, decoded to raw YUV in its own pixel format (the de-facto reference),
re-encoded at every CRF of a sweep, decoded back, and scored; one row per CRF. The
reference is an already-distorted upload, not a pristine master, and every row says so
(``fr_from_nr: true``). See specs/corpus/fr_from_nr.md.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vmafref.corpus.cells import RawReference, check_raw_size, score_cell
from vmafref.corpus.ffmpeg import (CorpusStepError, EncoderUnavailableError, Runner, available_encoders,
                                   build_decode_command, encoder_spec, ffmpeg_version, probe_geometry, raw_layout,
                                   run_checked, sha256_file)
from vmafref.corpus.scorers import make_scorer

__all__ = [
    "DEFAULT_CRF_SWEEP",
    "DEFAULT_PRESET",
    "NrInputRow",
    "NrInputError",
    "InvalidCrfError",
    "AdapterRunError",
    "NrToFrAdapter",
    "source_name",
]

#: Five CRFs, as the design card's sweep (specs/corpus/fr_from_nr.md §3).
DEFAULT_CRF_SWEEP = (18, 23, 28, 33, 38)
#: libx264's default preset.
DEFAULT_PRESET = "medium"


class NrInputError(ValueError):
    """An NR input row is malformed."""


class MissingSourceError(NrInputError, KeyError):
    """An NR input row names no source file (``src`` or ``path``)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class InvalidCrfError(ValueError, TypeError):
    """A CRF is not an integer (a TypeError too, as the card specifies)."""


class AdapterRunError(RuntimeError):
    """Some cells or sources failed; every row that could be made was yielded first.

    ``failures`` holds one :class:`CorpusStepError` per failed step, each naming its source.
    """

    def __init__(self, failures: list[CorpusStepError]) -> None:
        self.failures = list(failures)
        lines = "\n".join(f"  - {failure}" for failure in self.failures)
        super().__init__(f"{len(self.failures)} corpus step(s) failed:\n{lines}")

    def __reduce__(self) -> tuple:
        return (type(self), (self.failures,))


@dataclass(frozen=True)
class NrInputRow:
    """One no-reference upload: its path, its MOS (or None), and any other fields."""

    path: Path
    mos: float | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))
        if self.mos is not None:
            object.__setattr__(self, "mos", float(self.mos))
        object.__setattr__(self, "extra", dict(self.extra or {}))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, base_dir: str | os.PathLike[str] | None = None) -> "NrInputRow":
        """Split a JSONL row into ``src``/``path``, ``mos`` and everything else.

        A relative source path is resolved against ``base_dir`` when one is given.
        """
        if not isinstance(data, Mapping):
            raise NrInputError(f"an NR input row is a JSON object, got {type(data).__name__}")
        key = "src" if "src" in data else "path" if "path" in data else None
        if key is None or not data[key]:
            raise MissingSourceError(f"NR input row has no 'src' (or 'path') field: {sorted(data)}")
        path = Path(data[key])
        if base_dir is not None and not path.is_absolute():
            path = Path(base_dir) / path
        mos = data.get("mos")
        if mos is not None and not isinstance(mos, (int, float)):
            raise NrInputError(f"NR input row {data[key]!r}: mos must be a number or null, got {mos!r}")
        extra = {k: v for k, v in data.items() if k not in ("src", "path", "mos")}
        return cls(path=path, mos=mos, extra=extra)


def source_name(path: str | os.PathLike[str]) -> str:
    """A row-key-safe source name, unique per full path: ``<stem>-<sha256(abs path)[:12]>``.

    Two uploads with the same file name in different folders get different names, so their
    scratch files and rows never collide.
    """
    resolved = os.path.abspath(os.fspath(path))
    stem = re.sub(r"[^A-Za-z0-9.-]+", "-", Path(resolved).stem).strip("-.") or "source"
    return f"{stem[:48]}-{hashlib.sha256(resolved.encode('utf-8')).hexdigest()[:12]}"


@dataclass(frozen=True)
class NrToFrAdapter:
    """Sweep every NR upload over ``crf_sweep`` with one encoder and preset.

    The four seams (``probe_runner``, ``decode_runner``, ``encode_runner``, ``score_runner``)
    default to real ffprobe/ffmpeg and vmafref's scorer; each can be set here or per call of
    :meth:`run`. ``scorer`` picks the default score seam: ``"vmafref"`` or a
    libvmaf-compatible command (``"vmaf"``, ``"vmafref score"``, a path).
    See specs/corpus/fr_from_nr.md §3-§5.
    """

    crf_sweep: tuple[int, ...] = DEFAULT_CRF_SWEEP
    preset: str | None = None
    encoder: str = "libx264"
    scratch_dir: Path | None = None
    keep_intermediate_yuv: bool = False
    keep_encodes: bool = False
    scorer: Any = "vmafref"
    extra_params: tuple[str, ...] = ()
    ffmpeg: str = "ffmpeg"
    ffprobe: str = "ffprobe"
    probe_runner: Runner | None = None
    decode_runner: Runner | None = None
    encode_runner: Runner | None = None
    score_runner: Any = None

    def __post_init__(self) -> None:
        sweep = tuple(self.crf_sweep)
        if not sweep:
            raise ValueError("crf_sweep is empty; give at least one CRF")
        for crf in sweep:
            if isinstance(crf, bool) or not isinstance(crf, int):
                raise InvalidCrfError(f"CRF {crf!r} is not an integer")
        if len(set(sweep)) != len(sweep):
            raise ValueError(f"crf_sweep {sweep} repeats a CRF")
        spec = encoder_spec(self.encoder)
        for crf in sweep:
            if not 0 <= crf <= spec.crf_max:
                raise ValueError(f"CRF {crf} is outside {spec.name}'s range 0..{spec.crf_max}")
        preset = spec.default_preset if self.preset is None else self.preset
        if not isinstance(preset, str) or not preset.strip():
            raise ValueError("preset is empty")
        if not re.fullmatch(r"[A-Za-z0-9._-]+", preset):
            raise ValueError(f"preset {preset!r} has characters a row key cannot hold")
        object.__setattr__(self, "crf_sweep", sweep)
        object.__setattr__(self, "preset", preset)
        object.__setattr__(self, "encoder", spec.name)
        object.__setattr__(self, "extra_params", tuple(self.extra_params))
        object.__setattr__(self, "_tools", {})

    # -- paths --------------------------------------------------------------------------------

    def _scratch_root(self) -> Path:
        return Path(self.scratch_dir) if self.scratch_dir is not None else Path(tempfile.gettempdir()) / "vmafref-fr-from-nr"

    def intermediate_yuv_path(self, row: NrInputRow) -> Path:
        """Where the decoded reference of ``row`` is written (kept if ``keep_intermediate_yuv``)."""
        return self._scratch_root() / source_name(row.path) / "reference.yuv"

    # -- tools --------------------------------------------------------------------------------

    def _tool_facts(self, probe_runner: Runner | None) -> tuple[str, frozenset[str]]:
        cache = self._tools  # type: ignore[attr-defined]
        key = id(probe_runner)
        if key not in cache:
            cache[key] = (ffmpeg_version(runner=probe_runner, ffmpeg=self.ffmpeg),
                          available_encoders(runner=probe_runner, ffmpeg=self.ffmpeg))
        return cache[key]

    # -- running ------------------------------------------------------------------------------

    def run(self, row: NrInputRow | Mapping[str, Any], *, probe_runner: Runner | None = None,
            decode_runner: Runner | None = None, encode_runner: Runner | None = None,
            score_runner: Any = None) -> Iterator[dict[str, Any]]:
        """Yield one validated corpus row per CRF for one upload, in sweep order.

        A failed probe or decode raises :class:`CorpusStepError` at once (nothing can be made);
        a failed CRF is skipped and, after the other CRFs' rows, :class:`AdapterRunError`
        lists it. Scratch files are removed in every case (the decoded reference is kept only
        on success with ``keep_intermediate_yuv``).
        """
        if not isinstance(row, NrInputRow):
            row = NrInputRow.from_dict(row)
        probe_runner = probe_runner or self.probe_runner
        decode_runner = decode_runner or self.decode_runner
        encode_runner = encode_runner or self.encode_runner
        score_runner = score_runner or self.score_runner
        if score_runner is None:
            score_runner = self.scorer if callable(self.scorer) else make_scorer(self.scorer)
        version, encoders = self._tool_facts(probe_runner)
        if self.encoder not in encoders:
            raise EncoderUnavailableError(f"this ffmpeg build ({version}) has no {self.encoder} encoder")
        name = source_name(row.path)
        label = str(row.path)
        scratch = self._scratch_root() / name
        reference_yuv = scratch / "reference.yuv"
        if scratch.exists():
            shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True, exist_ok=True)
        succeeded = False
        failures: list[CorpusStepError] = []
        try:
            geometry = probe_geometry(row.path, runner=probe_runner, ffprobe=self.ffprobe)
            pix_fmt, pixel_format, bitdepth = raw_layout(geometry.pix_fmt)
            decode_cmd = build_decode_command(row.path, reference_yuv, pix_fmt=pix_fmt, ffmpeg=self.ffmpeg)
            run_checked(decode_runner, decode_cmd, source=label, step="decode", what="ffmpeg decode")
            frame_count = check_raw_size(reference_yuv, width=geometry.width, height=geometry.height,
                                         pixel_format=pixel_format, bitdepth=bitdepth, source=label, step="decode")
            framerate = geometry.framerate
            if framerate <= 0:
                framerate = frame_count / geometry.duration_s if geometry.duration_s > 0 else 25.0
            reference = RawReference(
                path=reference_yuv, name=name, width=geometry.width, height=geometry.height, pix_fmt=pix_fmt,
                pixel_format=pixel_format, bitdepth=bitdepth, framerate=framerate, frame_count=frame_count,
                sha256=sha256_file(reference_yuv), source_path=label,
                decode_command=tuple(build_decode_command("{source}", "{reference_yuv}", pix_fmt=pix_fmt,
                                                          ffmpeg=Path(self.ffmpeg).name)))
            nr = {"nr_source": label, "nr_mos": row.mos, "nr_extra": dict(row.extra)}
            for crf in self.crf_sweep:
                try:
                    cell = score_cell(reference, encoder=self.encoder, preset=self.preset, crf=crf, scratch=scratch,
                                      score_runner=score_runner, ffmpeg_version=version, extra_params=self.extra_params,
                                      encode_runner=encode_runner, decode_runner=decode_runner, ffmpeg=self.ffmpeg,
                                      keep_encodes=self.keep_encodes, nr=nr)
                except CorpusStepError as failure:
                    failures.append(failure)
                    continue
                yield cell
            succeeded = not failures
        finally:
            self._clean(scratch, reference_yuv, keep_yuv=succeeded and self.keep_intermediate_yuv)
        if failures:
            raise AdapterRunError(failures)

    def _clean(self, scratch: Path, reference_yuv: Path, *, keep_yuv: bool) -> None:
        if not scratch.exists():
            return
        for entry in scratch.iterdir():
            if keep_yuv and entry == reference_yuv:
                continue
            if self.keep_encodes and entry.suffix in (".h264", ".hevc", ".ivf"):
                continue
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                try:
                    entry.unlink()
                except OSError:
                    pass
        try:
            scratch.rmdir()
        except OSError:
            pass  # kept files remain

    def run_many(self, rows: Iterable[NrInputRow | Mapping[str, Any]], **seams: Any) -> Iterator[dict[str, Any]]:
        """Run every upload in input order; one upload's failure does not stop the others.

        Rows come out source by source, CRFs in sweep order. After the last row, an
        :class:`AdapterRunError` lists every failed step if any failed.
        """
        failures: list[CorpusStepError] = []
        for row in rows:
            try:
                yield from self.run(row, **seams)
            except AdapterRunError as error:
                failures.extend(error.failures)
            except CorpusStepError as error:
                failures.append(error)
        if failures:
            raise AdapterRunError(failures)
