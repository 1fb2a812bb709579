"""One corpus cell: encode a raw reference at one CRF, decode it back, score, assemble the row.

Shared by the FR-from-NR adapter and the public-corpus build. Every intermediate file lives
in a scratch directory the caller owns; this module removes the files it made on success
and on failure. See specs/corpus/corpus.md §5.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vmafref.corpus.ffmpeg import (CorpusStepError, Runner, build_decode_command, build_encode_command,
                                   encoder_spec, frame_bytes, run_checked, sha256_file)
from vmafref.corpus.rows import CANONICAL6_KEYS, SCHEMA_VERSION, TEACHER_MODEL, pooled_stats, validate_row
from vmafref.corpus.scorers import ScoreRequest

__all__ = ["RawReference", "row_key", "score_cell", "check_raw_size"]


@dataclass(frozen=True)
class RawReference:
    """A raw planar YUV clip used as the full-reference side of every cell of one source."""

    path: Path
    name: str
    width: int
    height: int
    pix_fmt: str
    pixel_format: str
    bitdepth: int
    framerate: float
    frame_count: int
    sha256: str
    source_path: str | None = None
    decode_command: tuple[str, ...] | None = None


def row_key(source_name: str, encoder: str, preset: str, crf: int) -> str:
    return f"{source_name}__{encoder}__{preset}__crf{crf}"


def check_raw_size(path: Path, *, width: int, height: int, pixel_format: str, bitdepth: int,
                   source: str, step: str) -> int:
    """Frame count of a raw clip; raises :class:`CorpusStepError` when it is empty or ragged."""
    size = path.stat().st_size if path.exists() else 0
    per_frame = frame_bytes(width, height, pixel_format, bitdepth)
    if size == 0 or size % per_frame:
        raise CorpusStepError(source, step, f"decoded clip {path.name} holds {size} bytes, "
                              f"not a positive multiple of one {width}x{height} {pixel_format} {bitdepth}-bit frame ({per_frame})")
    return size // per_frame


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def score_cell(reference: RawReference, *, encoder: str, preset: str, crf: int, scratch: Path,
               score_runner: Any, ffmpeg_version: str, extra_params: Sequence[str] = (),
               encode_runner: Runner | None = None, decode_runner: Runner | None = None,
               ffmpeg: str = "ffmpeg", keep_encodes: bool = False,
               nr: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Encode, decode, score one (reference, encoder, preset, CRF) cell and return its row.

    ``nr`` carries ``nr_source``, ``nr_mos`` and ``nr_extra`` for adapter rows (and marks the
    row ``fr_from_nr``). Failures raise :class:`CorpusStepError` naming the source and the
    step (``encode crf N``, ``decode_encoded crf N``, ``score crf N``).
    """
    spec = encoder_spec(encoder)
    key = row_key(reference.name, spec.name, preset, crf)
    encoded = scratch / f"{key}.{spec.container}"
    distorted = scratch / f"{key}.dis.yuv"
    geometry = dict(width=reference.width, height=reference.height, pix_fmt=reference.pix_fmt,
                    framerate=reference.framerate)
    encode_cmd = build_encode_command(reference.path, encoded, encoder=spec.name, preset=preset, crf=crf,
                                      extra_params=extra_params, ffmpeg=ffmpeg, **geometry)
    decode_cmd = build_decode_command(encoded, distorted, pix_fmt=reference.pix_fmt, ffmpeg=ffmpeg)
    label = reference.source_path or reference.name
    keep = set()
    try:
        run_checked(encode_runner, encode_cmd, source=label, step=f"encode crf {crf}", what=f"ffmpeg {spec.name} encode")
        if not encoded.exists() or encoded.stat().st_size == 0:
            raise CorpusStepError(label, f"encode crf {crf}", f"ffmpeg {spec.name} encode wrote no bitstream")
        size_bytes = encoded.stat().st_size
        encoded_sha = sha256_file(encoded)
        run_checked(decode_runner, decode_cmd, source=label, step=f"decode_encoded crf {crf}",
                    what="ffmpeg decode of the encoded stream")
        frames = check_raw_size(distorted, width=reference.width, height=reference.height,
                                pixel_format=reference.pixel_format, bitdepth=reference.bitdepth,
                                source=label, step=f"decode_encoded crf {crf}")
        if frames != reference.frame_count:
            raise CorpusStepError(label, f"decode_encoded crf {crf}",
                                  f"the encoded stream decodes to {frames} frames, the reference has {reference.frame_count}")
        request = ScoreRequest(reference=reference.path, distorted=distorted, width=reference.width,
                               height=reference.height, pixel_format=reference.pixel_format,
                               bitdepth=reference.bitdepth, frame_count=reference.frame_count)
        try:
            scored = score_runner(request)
        except CorpusStepError:
            raise
        except Exception as error:  # any scorer failure becomes a step failure naming the cell
            raise CorpusStepError(label, f"score crf {crf}", f"scoring failed ({type(error).__name__}: {error})") from error
        if keep_encodes:
            keep.add(encoded)
    finally:
        for path in (encoded, distorted):
            if path not in keep:
                _unlink(path)

    per_frame = {k: [float(frame[k]) for frame in scored.frames] for k in CANONICAL6_KEYS}
    teacher = [float(frame["vmaf"]) for frame in scored.frames]
    duration = reference.frame_count / reference.framerate
    placeholder_encode = build_encode_command("{reference_yuv}", "{encoded}", encoder=spec.name, preset=preset, crf=crf,
                                              extra_params=extra_params, ffmpeg=Path(ffmpeg).name, **geometry)
    placeholder_decode = build_decode_command("{encoded}", "{distorted_yuv}", pix_fmt=reference.pix_fmt,
                                              ffmpeg=Path(ffmpeg).name)
    from vmafref import __version__

    nr = dict(nr) if nr is not None else None
    row = {
        "schema_version": SCHEMA_VERSION,
        "row_key": key,
        "source": {
            "name": reference.name, "path": reference.source_path, "sha256": reference.sha256,
            "width": reference.width, "height": reference.height, "pix_fmt": reference.pix_fmt,
            "pixel_format": reference.pixel_format, "bitdepth": reference.bitdepth,
            "framerate": float(reference.framerate), "frame_count": reference.frame_count, "duration_s": duration,
        },
        "encode": {
            "encoder": spec.name, "preset": preset, "crf": crf, "extra_params": list(extra_params),
            "container": spec.container, "size_bytes": size_bytes,
            "bitrate_kbps": size_bytes * 8 / duration / 1000.0, "sha256": encoded_sha,
        },
        "features": {
            "per_frame": per_frame,
            "pooled": {k: pooled_stats(per_frame[k], scored.pooled.get(k)) for k in CANONICAL6_KEYS},
        },
        "teacher": {"model": TEACHER_MODEL, "per_frame": teacher, "pooled": pooled_stats(teacher, scored.pooled.get("vmaf"))},
        "fr_from_nr": nr is not None,
        "nr_source": nr["nr_source"] if nr else None,
        "nr_mos": (float(nr["nr_mos"]) if nr.get("nr_mos") is not None else None) if nr else None,
        "nr_extra": (dict(nr["nr_extra"]) if nr.get("nr_extra") is not None else None) if nr else None,
        "provenance": {
            "vmafref_version": __version__,
            "ffmpeg_version": ffmpeg_version,
            "scorer": {"kind": scored.kind, "version": scored.version},
            "commands": {
                "decode_source": list(reference.decode_command) if reference.decode_command else None,
                "encode": placeholder_encode,
                "decode_encoded": placeholder_decode,
                "score": list(scored.command) or ["{scorer}", "{reference_yuv}", "{distorted_yuv}"],
            },
        },
    }
    validate_row(row, where=key)
    return row
