"""The pinned training inputs: one FR feature table and two uint8 image sets, with a manifest.

Files (specs/corpus/resource_corpus.md §5), all byte-stable for the same content:

* ``fr_features.csv.gz`` — one row per scored frame: ``source_id, condition, kind, codec,
  value, frame, bitdepth, bitrate_kbps``, the fr_regressor_v2 feature keys (a superset of
  canonical-6), and ``vmaf`` (vmaf_v0.6.1, the teacher); numbers as shortest round-trip
  decimals, gzip with no name and mtime 0;
* ``nr_inputs.npy.xz`` — ``uint8 [N, 224, 224]``: native-resolution crops (nr_metric_v1.md §2);
* ``nr_index.csv`` — per NR crop: ``source_id, condition, vmaf`` (the frame's teacher score);
* ``filter_inputs.npy.xz`` — ``uint8 [N, 3, 64, 64]``: clean, blur+JPEG-degraded and x264
  CRF 38 crops of the same place; ``filter_index.csv`` — per crop ``source_id``;
* ``manifest.json`` — sources (licence, sha256), conditions, encodes (sha256, size,
  encoder version), tool versions, and each file's sha256 and its content sha256 (the
  decompressed bytes, so a different compressor build is told apart from different data).

``.npy.xz`` is NumPy's ``.npy`` format (version 1.0 header) compressed by ``lzma`` preset 9.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import lzma
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["FR_TABLE", "NR_INPUTS", "NR_INDEX", "FILTER_INPUTS", "FILTER_INDEX", "MANIFEST", "TrainingInputError",
           "write_npy_xz", "read_npy_xz", "write_csv", "read_csv", "file_digests", "read_manifest",
           "default_training_dir", "write_atomic"]

FR_TABLE = "fr_features.csv.gz"
NR_INPUTS = "nr_inputs.npy.xz"
NR_INDEX = "nr_index.csv"
FILTER_INPUTS = "filter_inputs.npy.xz"
FILTER_INDEX = "filter_index.csv"
MANIFEST = "manifest.json"


class TrainingInputError(ValueError):
    """A pinned training input is missing, malformed or does not hash to its manifest pin."""


def write_atomic(path: Path, payload: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(temporary, "wb") as handle:
        handle.write(payload)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.ascontiguousarray(array), version=(1, 0), allow_pickle=False)
    return buffer.getvalue()


def write_npy_xz(path: Path, array: np.ndarray) -> None:
    write_atomic(path, lzma.compress(_npy_bytes(array), format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64, preset=9))


def read_npy_xz(path: Path) -> np.ndarray:
    try:
        raw = lzma.decompress(Path(path).read_bytes())
        return np.lib.format.read_array(io.BytesIO(raw), allow_pickle=False)
    except (OSError, lzma.LZMAError, ValueError) as error:
        raise TrainingInputError(f"{path}: not a readable .npy.xz file ({error})") from None


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return repr(value)
    return "" if value is None else str(value)


def write_csv(path: Path, columns: Sequence[str], rows: Sequence[Mapping[str, Any]], *, compress: bool = False) -> None:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    payload = text.getvalue().encode()
    if compress:
        buffer = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as handle:
            handle.write(payload)
        payload = buffer.getvalue()
    write_atomic(path, payload)


def read_csv(path: Path) -> list[dict[str, str]]:
    path = Path(path)
    try:
        payload = path.read_bytes()
        if path.suffix == ".gz":
            payload = gzip.decompress(payload)
        return list(csv.DictReader(io.StringIO(payload.decode("utf-8"))))
    except (OSError, EOFError, UnicodeDecodeError, gzip.BadGzipFile, csv.Error) as error:
        raise TrainingInputError(f"{path}: not a readable table ({error})") from None


def _content(path: Path) -> bytes:
    payload = path.read_bytes()
    if path.name.endswith(".xz"):
        return lzma.decompress(payload)
    if path.name.endswith(".gz"):
        return gzip.decompress(payload)
    return payload


def file_digests(folder: Path, names: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``{name: {sha256, content_sha256, bytes}}`` of files in ``folder``."""
    out = {}
    for name in names:
        path = Path(folder) / name
        payload = path.read_bytes()
        out[name] = {"sha256": hashlib.sha256(payload).hexdigest(),
                     "content_sha256": hashlib.sha256(_content(path)).hexdigest(), "bytes": len(payload)}
    return out


def default_training_dir() -> Path:
    """``model/tiny/training`` beside the registry (``$VMAFREF_MODEL_DIR`` respected)."""
    from vmafref.models.release.registry import default_registry_path

    return default_registry_path().parent / "training"


def read_manifest(folder: Path, *, verify: bool = True) -> dict[str, Any]:
    """The manifest of a training-input folder; with ``verify``, every file is checked against
    its pinned sha256 (:class:`TrainingInputError` names the first that differs)."""
    path = Path(folder) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise TrainingInputError(f"{path}: cannot read the training-input manifest ({error})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise TrainingInputError(f"{path}: manifest has no 'files' table")
    if verify:
        for name, pin in manifest["files"].items():
            target = Path(folder) / name
            if not target.is_file():
                raise TrainingInputError(f"{target} is missing")
            digest = hashlib.sha256(target.read_bytes()).hexdigest()
            if digest != pin.get("sha256"):
                raise TrainingInputError(f"{target} hashes to {digest}, its manifest pins {pin.get('sha256')}")
    return manifest
