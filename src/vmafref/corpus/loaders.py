"""Dataset loaders: KoNViD-1k, KonViD-150k JSONL shards, and the Netflix-public feature table.

Nothing here touches the network: each loader reads a dataset already on disk, in the
layout its publisher (or the design cards) use, and says clearly what is missing.
See specs/corpus/loaders.md.
"""

from __future__ import annotations

import csv
import glob
import json
import math
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vmafref.corpus.ffmpeg import Runner, parse_rate, run_checked
from vmafref.corpus.fr_from_nr import NrInputRow
from vmafref.corpus.rows import CANONICAL6_KEYS

__all__ = [
    "DatasetLayoutError",
    "KonvidClip",
    "KONVID_1K_MOS_CSV",
    "KONVID_1K_VIDEOS_DIR",
    "load_konvid_1k",
    "extract_middle_frame",
    "extract_middle_frame_native",
    "load_konvid_150k",
    "NETFLIX_FEATURE_COLUMNS",
    "NETFLIX_ID_COLUMNS",
    "FeatureTable",
    "load_netflix_features",
    "feature_table_from_rows",
    "write_netflix_features",
]

KONVID_1K_MOS_CSV = "KoNViD_1k_mos.csv"
KONVID_1K_VIDEOS_DIR = "KoNViD_1k_videos"


class DatasetLayoutError(ValueError):
    """A dataset on disk is not in the layout its loader reads."""


# --- KoNViD-1k -------------------------------------------------------------------------------


@dataclass(frozen=True)
class KonvidClip:
    key: str
    path: Path
    mos: float


def _pick(row: Mapping[str, str], names: Sequence[str]) -> str | None:
    lowered = {k.strip().lower(): v for k, v in row.items() if k is not None}
    for name in names:
        value = lowered.get(name.lower())
        if value is not None and value.strip():
            return value.strip()
    return None


def load_konvid_1k(root: str | os.PathLike[str], *, mos_csv: str | os.PathLike[str] | None = None,
                   videos_dir: str | os.PathLike[str] | None = None, missing: str = "raise") -> list[KonvidClip]:
    """Clips and MOS of a KoNViD-1k folder: ``KoNViD_1k_mos.csv`` + ``KoNViD_1k_videos/<flickr_id>.mp4``.

    The CSV has a header with ``flickr_id`` and ``mos`` (other columns are ignored); MOS is
    the published 1-5 scale, unchanged. ``missing="skip"`` drops clips whose file is absent
    instead of raising. See specs/corpus/loaders.md §1.
    """
    if missing not in ("raise", "skip"):
        raise ValueError(f"missing must be 'raise' or 'skip', got {missing!r}")
    root = Path(root)
    csv_path = Path(mos_csv) if mos_csv is not None else root / KONVID_1K_MOS_CSV
    videos = Path(videos_dir) if videos_dir is not None else root / KONVID_1K_VIDEOS_DIR
    if not csv_path.is_file():
        raise DatasetLayoutError(f"KoNViD-1k MOS file not found: {csv_path}")
    if not videos.is_dir():
        raise DatasetLayoutError(f"KoNViD-1k clip folder not found: {videos}")
    clips: list[KonvidClip] = []
    absent: list[str] = []
    with open(csv_path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"flickr_id", "mos"} <= {f.strip().lower() for f in reader.fieldnames}:
            raise DatasetLayoutError(f"{csv_path}: expected a header with flickr_id and mos, got {reader.fieldnames}")
        for line, row in enumerate(reader, start=2):
            key = _pick(row, ("flickr_id",))
            mos_text = _pick(row, ("mos",))
            if key is None or mos_text is None:
                raise DatasetLayoutError(f"{csv_path}:{line}: empty flickr_id or mos")
            try:
                mos = float(mos_text)
            except ValueError:
                raise DatasetLayoutError(f"{csv_path}:{line}: mos {mos_text!r} is not a number") from None
            if not math.isfinite(mos):
                raise DatasetLayoutError(f"{csv_path}:{line}: mos {mos_text!r} is not finite")
            key = key[:-4] if key.endswith(".mp4") else key
            path = videos / f"{key}.mp4"
            if not path.is_file():
                absent.append(key)
                continue
            clips.append(KonvidClip(key=key, path=path, mos=mos))
    if absent and missing == "raise":
        shown = ", ".join(absent[:5]) + (" ..." if len(absent) > 5 else "")
        raise DatasetLayoutError(f"{len(absent)} KoNViD-1k clip(s) listed in {csv_path.name} are missing from {videos}: {shown}")
    keys = [clip.key for clip in clips]
    if len(set(keys)) != len(keys):
        raise DatasetLayoutError(f"{csv_path}: a flickr_id appears twice")
    return clips


def _frame_bytes(runner: Runner | None, cmd: Sequence[str], label: str) -> bytes:
    """Run an ffmpeg frame extraction and return its stdout as bytes (pixels, not text)."""
    runner_fn = runner
    if runner_fn is None:
        import subprocess

        def runner_fn(command, capture_output=True, text=True, check=False):
            return subprocess.run(command, capture_output=capture_output, check=check)
    result = run_checked(runner_fn, cmd, source=label, step="extract_frame", what="ffmpeg middle-frame extraction")
    return result.stdout if isinstance(result.stdout, bytes) else (result.stdout or "").encode("latin-1")


def extract_middle_frame(path: str | os.PathLike[str], *, size: int = 224, runner: Runner | None = None,
                         ffmpeg: str = "ffmpeg", ffprobe: str = "ffprobe") -> np.ndarray:
    """The luma of the frame at half the clip's duration, area-resized to ``size`` x ``size``, uint8.

    ffprobe gives the duration; ffmpeg seeks to duration/2 and converts with
    ``scale=size:size:flags=area,format=gray``, so sources deeper than 8 bits are rescaled to
    8 bits (not cut to their high byte) and the aspect ratio is squashed to square, as the
    nr_metric_v1 recipe does. See specs/corpus/loaders.md §1.2.
    """
    if size < 1:
        raise ValueError(f"size must be positive, got {size}")
    label = str(path)
    probe = run_checked(runner, [ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "json", label],
                        source=label, step="probe", what="ffprobe")
    try:
        duration = parse_rate(json.loads(probe.stdout or "{}").get("format", {}).get("duration"))
    except json.JSONDecodeError:
        duration = 0.0
    cmd = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-ss", f"{duration / 2:.6f}", "-i", label,
           "-frames:v", "1", "-vf", f"scale={size}:{size}:flags=area,format=gray", "-f", "rawvideo", "-pix_fmt", "gray", "-"]
    data = _frame_bytes(runner, cmd, label)
    if len(data) != size * size:
        raise DatasetLayoutError(f"{label}: ffmpeg returned {len(data)} bytes for the middle frame, expected {size * size}")
    return np.frombuffer(data, dtype=np.uint8).reshape(size, size).copy()


def extract_middle_frame_native(path: str | os.PathLike[str], *, runner: Runner | None = None,
                                ffmpeg: str = "ffmpeg", ffprobe: str = "ffprobe") -> np.ndarray:
    """The luma of the frame at half the clip's duration at its own resolution, uint8 ``[H, W]``.

    What nr_metric_v1's contract feeds the network (native-resolution crops, never a resize;
    specs/models/nr_metric_v1.md §2); deeper sources are rescaled to 8 bits by ffmpeg's
    ``format=gray``. See specs/corpus/loaders.md §1.2.
    """
    label = str(path)
    probe = run_checked(runner, [ffprobe, "-v", "error", "-select_streams", "v:0", "-show_entries",
                                 "stream=width,height:format=duration", "-of", "json", label],
                        source=label, step="probe", what="ffprobe")
    try:
        payload = json.loads(probe.stdout or "{}")
        stream = (payload.get("streams") or [{}])[0]
        width, height = int(stream.get("width") or 0), int(stream.get("height") or 0)
        duration = parse_rate(payload.get("format", {}).get("duration"))
    except (json.JSONDecodeError, TypeError, ValueError):
        width = height = 0
        duration = 0.0
    if width <= 0 or height <= 0:
        raise DatasetLayoutError(f"{label}: ffprobe found no video stream with a size")
    cmd = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-ss", f"{duration / 2:.6f}", "-i", label,
           "-frames:v", "1", "-vf", "format=gray", "-f", "rawvideo", "-pix_fmt", "gray", "-"]
    data = _frame_bytes(runner, cmd, label)
    if len(data) != width * height:
        raise DatasetLayoutError(f"{label}: ffmpeg returned {len(data)} bytes for a {width}x{height} frame")
    return np.frombuffer(data, dtype=np.uint8).reshape(height, width).copy()


# --- KonViD-150k JSONL shards ---------------------------------------------------------------


def _shard_files(shards: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> list[Path]:
    if isinstance(shards, (str, os.PathLike)):
        text = os.fspath(shards)
        if os.path.isdir(text):
            files = sorted(Path(text).glob("*.jsonl"))
        elif any(ch in text for ch in "*?["):
            files = sorted(Path(p) for p in glob.glob(text))
        else:
            files = [Path(text)]
    else:
        files = [Path(p) for p in shards]
    if not files:
        raise DatasetLayoutError(f"no KonViD-150k JSONL shards found at {shards}")
    for file in files:
        if not file.is_file():
            raise DatasetLayoutError(f"KonViD-150k shard not found: {file}")
    return files


def load_konvid_150k(shards: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], *,
                     clips_dir: str | os.PathLike[str] | None = None, missing: str = "raise") -> Iterator[NrInputRow]:
    """NR rows from KonViD-150k JSONL shards (one clip per line: ``src``, ``mos``, geometry, ...).

    ``src`` is a clip file name resolved against ``clips_dir`` (default: ``clips/`` beside
    each shard). Rows keep every other field in ``extra``; a ``src_sha256`` already seen in an
    earlier line is skipped (the shards are append-only and may overlap after a resumed
    ingest). ``missing="skip"`` drops rows whose clip is absent. See specs/corpus/loaders.md §2.
    """
    if missing not in ("raise", "skip"):
        raise ValueError(f"missing must be 'raise' or 'skip', got {missing!r}")
    seen: set[str] = set()
    for shard in _shard_files(shards):
        base = Path(clips_dir) if clips_dir is not None else shard.parent / "clips"
        with open(shard, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                where = f"{shard}:{number}"
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as error:
                    raise DatasetLayoutError(f"{where}: not valid JSON ({error.msg})") from None
                if not isinstance(data, dict) or "src" not in data:
                    raise DatasetLayoutError(f"{where}: a KonViD-150k row needs a 'src' field")
                if not isinstance(data.get("mos"), (int, float)) or isinstance(data.get("mos"), bool):
                    raise DatasetLayoutError(f"{where}: 'mos' must be a number, got {data.get('mos')!r}")
                digest = data.get("src_sha256")
                if isinstance(digest, str) and digest:
                    if digest in seen:
                        continue
                    seen.add(digest)
                row = NrInputRow.from_dict(data, base_dir=base)
                if not row.path.is_file():
                    if missing == "skip":
                        continue
                    raise DatasetLayoutError(f"{where}: clip {row.path} is missing")
                yield row


# --- Netflix-public feature table -----------------------------------------------------------

#: Identity and target columns of the per-frame table the fr_regressor_v1 card trains on.
NETFLIX_ID_COLUMNS = ("source", "dis_basename", "frame_index", "vmaf")
#: Its canonical-6 columns, by their short names.
NETFLIX_FEATURE_COLUMNS = ("adm2", "vif_scale0", "vif_scale1", "vif_scale2", "vif_scale3", "motion2")


@dataclass(frozen=True)
class FeatureTable:
    """Per-frame canonical-6 features (``N x 6``, float64) and the vmaf_v0.6.1 teacher score."""

    features: np.ndarray
    target: np.ndarray
    source: np.ndarray
    dis_basename: np.ndarray
    frame_index: np.ndarray

    @property
    def feature_names(self) -> tuple[str, ...]:
        return NETFLIX_FEATURE_COLUMNS

    def __len__(self) -> int:
        return int(self.target.shape[0])


def _column_for(names: Sequence[str], short: str) -> str | None:
    for candidate in (short, f"integer_{short}"):
        if candidate in names:
            return candidate
    return None


def load_netflix_features(path: str | os.PathLike[str]) -> FeatureTable:
    """Read the Netflix-public per-frame feature table (Parquet, one row per distorted frame).

    Columns: ``source``, ``dis_basename``, ``frame_index``, ``vmaf`` and the canonical-6 under
    their short names (``adm2`` ... ``motion2``, or the ``integer_`` output keys); other
    feature columns (the 21-feature superset) are ignored. Rows are returned sorted by
    (source, dis_basename, frame_index). See specs/corpus/loaders.md §3.
    """
    import pyarrow.parquet as pq

    path = Path(path)
    if not path.is_file():
        raise DatasetLayoutError(f"feature table not found: {path}")
    table = pq.read_table(path)
    names = table.column_names
    missing = [c for c in NETFLIX_ID_COLUMNS if c not in names]
    columns = {short: _column_for(names, short) for short in NETFLIX_FEATURE_COLUMNS}
    missing += [short for short, column in columns.items() if column is None]
    if missing:
        raise DatasetLayoutError(f"{path}: missing column(s) {missing}; has {names}")
    data = {c: table.column(c).to_pylist() for c in NETFLIX_ID_COLUMNS}
    features = np.column_stack([np.asarray(table.column(columns[s]).to_pylist(), dtype=np.float64)
                                for s in NETFLIX_FEATURE_COLUMNS]) if len(table) else np.zeros((0, 6))
    target = np.asarray(data["vmaf"], dtype=np.float64)
    if len(table) == 0:
        raise DatasetLayoutError(f"{path}: the table has no rows")
    bad = ~np.isfinite(features).all(axis=1) | ~np.isfinite(target)
    if bad.any():
        first = int(np.argmax(bad))
        raise DatasetLayoutError(f"{path}: {int(bad.sum())} row(s) hold NaN or infinite values "
                                 f"(first: {data['dis_basename'][first]} frame {data['frame_index'][first]})")
    identities = list(zip(data["source"], data["dis_basename"], data["frame_index"]))
    if len(set(identities)) != len(identities):
        raise DatasetLayoutError(f"{path}: a (source, dis_basename, frame_index) appears twice")
    order = sorted(range(len(identities)), key=identities.__getitem__)
    return FeatureTable(features=features[order], target=target[order],
                        source=np.asarray(data["source"], dtype=object)[order],
                        dis_basename=np.asarray(data["dis_basename"], dtype=object)[order],
                        frame_index=np.asarray(data["frame_index"], dtype=np.int64)[order])


def feature_table_from_rows(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """Flatten corpus rows to the Netflix per-frame table's columns (one entry per frame).

    ``dis_basename`` is the row key, so every (source, encode) pair stays distinct.
    """
    columns: dict[str, list[Any]] = {c: [] for c in (*NETFLIX_ID_COLUMNS, *NETFLIX_FEATURE_COLUMNS)}
    for row in rows:
        per_frame = row["features"]["per_frame"]
        for index, score in enumerate(row["teacher"]["per_frame"]):
            columns["source"].append(row["source"]["name"])
            columns["dis_basename"].append(row["row_key"])
            columns["frame_index"].append(index)
            columns["vmaf"].append(float(score))
            for short, key in zip(NETFLIX_FEATURE_COLUMNS, CANONICAL6_KEYS):
                columns[short].append(float(per_frame[key][index]))
    return columns


def write_netflix_features(path: str | os.PathLike[str], rows: Iterable[Mapping[str, Any]]) -> int:
    """Write corpus rows as a per-frame feature table in the Netflix-public layout; returns frames."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = feature_table_from_rows(rows)
    types = {"source": pa.string(), "dis_basename": pa.string(), "frame_index": pa.int64()}
    table = pa.table({name: pa.array(values, type=types.get(name, pa.float64())) for name, values in columns.items()})
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return len(columns["vmaf"])
