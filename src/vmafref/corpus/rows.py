"""Corpus rows: the JSON Schema, validation, and JSONL / Parquet readers and writers.

A row is one (source, encoder, preset, CRF) cell: canonical-6 fixed-point features and the
vmaf_v0.6.1 teacher, per frame and pooled, plus provenance. The schema ships with the
package (``corpus_row.schema.json``, a byte copy of ``specs/corpus/corpus_row.schema.json``)
and every row is validated on write and on read. See specs/corpus/corpus.md §2-§4.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.resources
import json
import math
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "SCHEMA_VERSION",
    "CANONICAL6_KEYS",
    "TEACHER_MODEL",
    "CorpusRowError",
    "row_schema",
    "validate_row",
    "pooled_stats",
    "dumps_row",
    "write_jsonl",
    "read_jsonl",
    "write_parquet",
    "read_parquet",
    "read_rows",
    "write_rows",
    "atomic_write_text",
]

SCHEMA_VERSION = 1

#: The canonical-6 under libvmaf's output keys (the fixed-point extractors vmaf_v0.6.1 uses),
#: in the order every consumer reads them (adm2, vif_scale0..3, motion2).
CANONICAL6_KEYS = ("integer_adm2", "integer_vif_scale0", "integer_vif_scale1",
                   "integer_vif_scale2", "integer_vif_scale3", "integer_motion2")

TEACHER_MODEL = "vmaf_v0.6.1"

_SCHEMA_FILE = "corpus_row.schema.json"


class CorpusRowError(ValueError):
    """A row does not satisfy the corpus row contract (specs/corpus/corpus.md §2)."""


@functools.lru_cache(maxsize=1)
def row_schema() -> dict[str, Any]:
    """The corpus row JSON Schema (draft 2020-12) shipped with the package."""
    text = importlib.resources.files("vmafref.corpus").joinpath(_SCHEMA_FILE).read_text(encoding="utf-8")
    return json.loads(text)


@functools.lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    schema = row_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _non_finite_path(value: Any, path: str = "") -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return path or "<row>"
    if isinstance(value, Mapping):
        for key, item in value.items():
            found = _non_finite_path(item, f"{path}.{key}" if path else str(key))
            if found:
                return found
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found = _non_finite_path(item, f"{path}[{index}]")
            if found:
                return found
    return None


def validate_row(row: Mapping[str, Any], *, where: str = "row") -> None:
    """Check ``row`` against the schema and the cross-field rules of specs/corpus/corpus.md §3.

    Raises :class:`CorpusRowError` naming ``where`` (a file and line, or a row key), the
    offending field and the rule.
    """
    if not isinstance(row, Mapping):
        raise CorpusRowError(f"{where}: a corpus row is a JSON object, got {type(row).__name__}")
    errors = sorted(_validator().iter_errors(row), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        field = "/".join(str(p) for p in error.absolute_path) or "<row>"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise CorpusRowError(f"{where}: field {field}: {error.message}{more}")
    bad = _non_finite_path(row)
    if bad:
        raise CorpusRowError(f"{where}: field {bad} is not a finite number")
    frame_count = row["source"]["frame_count"]
    series = {f"features.per_frame.{k}": v for k, v in row["features"]["per_frame"].items()}
    series["teacher.per_frame"] = row["teacher"]["per_frame"]
    for name, values in series.items():
        if len(values) != frame_count:
            raise CorpusRowError(f"{where}: {name} has {len(values)} values but source.frame_count is {frame_count}")
    _check_consistency(row, where)
    encode, source = row["encode"], row["source"]
    expected_key = f"{source['name']}__{encode['encoder']}__{encode['preset']}__crf{encode['crf']}"
    if row["row_key"] != expected_key:
        raise CorpusRowError(f"{where}: row_key {row['row_key']!r} does not match its cell {expected_key!r}")
    if row["fr_from_nr"]:
        if row["nr_source"] is None:
            raise CorpusRowError(f"{where}: fr_from_nr is true but nr_source is null")
        if row["provenance"]["commands"]["decode_source"] is None:
            raise CorpusRowError(f"{where}: fr_from_nr is true but no decode_source command is recorded")
    elif row["nr_source"] is not None or row["nr_mos"] is not None or row["nr_extra"] is not None:
        raise CorpusRowError(f"{where}: nr_source, nr_mos and nr_extra must be null when fr_from_nr is false")


#: Tolerance of a pooled statistic against the one recomputed from the per-frame values:
#: libvmaf's CLI prints both at six decimals, so they may disagree by a few 1e-7; a
#: contradiction is far larger.
POOLED_ATOL = 1e-5
POOLED_RTOL = 1e-9


def _check_consistency(row: Mapping[str, Any], where: str) -> None:
    """Values in range and every pooled block the pooling of its own per-frame values."""
    teacher = row["teacher"]["per_frame"]
    low = min(teacher, default=0.0)
    high = max(teacher, default=0.0)
    if low < 0.0 or high > 100.0:
        raise CorpusRowError(f"{where}: teacher.per_frame holds {low if low < 0.0 else high}, outside "
                             f"vmaf_v0.6.1's range [0, 100]")
    for key, values in row["features"]["per_frame"].items():
        if values and min(values) < 0.0:
            raise CorpusRowError(f"{where}: features.per_frame.{key} holds {min(values)}; the feature is never negative")
    blocks = [("teacher", teacher, row["teacher"]["pooled"])]
    blocks += [(f"features.{key}", values, row["features"]["pooled"].get(key))
               for key, values in row["features"]["per_frame"].items()]
    for name, values, pooled in blocks:
        if not values or not isinstance(pooled, Mapping):
            continue
        expected = pooled_stats(values)
        for method in ("mean", "min", "max", "harmonic_mean", "std"):
            if method not in pooled:
                continue
            got, want = float(pooled[method]), expected[method]
            if abs(got - want) > POOLED_ATOL + POOLED_RTOL * abs(want):
                raise CorpusRowError(f"{where}: {name}.pooled.{method} is {got!r}, but its per-frame values "
                                     f"pool to {want!r}")


def pooled_stats(values: Sequence[float], pooled: Mapping[str, float] | None = None) -> dict[str, float]:
    """libvmaf's four poolings (taken from ``pooled`` when the scorer reported them) plus ``std``.

    ``std`` is the population standard deviation (ddof 0) of the per-frame values, computed
    in double with a two-pass sum. See specs/corpus/corpus.md §2.3.
    """
    from vmafref.pooling import pool

    values = [float(v) for v in values]
    stats = dict(pool(values))
    if pooled:
        for method in ("min", "max", "mean", "harmonic_mean"):
            if method in pooled:
                stats[method] = float(pooled[method])
    mean = sum(values) / len(values)
    stats["std"] = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    return {key: stats[key] for key in ("mean", "min", "max", "harmonic_mean", "std")}


def dumps_row(row: Mapping[str, Any]) -> str:
    """One canonical JSONL line: sorted keys, no NaN, shortest round-trip floats."""
    return json.dumps(row, sort_keys=True, allow_nan=False, separators=(",", ":"), ensure_ascii=False)


@contextlib.contextmanager
def _atomic_replace(path: Path) -> Iterator[str]:
    """Yield a temporary sibling of ``path`` to write; ``os.replace`` it onto ``path`` on success.

    A reader never sees a partial file, and a crash leaves either the old file or the new one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield tmp_name
        os.replace(tmp_name, path)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except OSError:
            pass
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically, flushed to disk before the rename."""
    with _atomic_replace(Path(path)) as tmp_name:
        with open(tmp_name, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())


def write_jsonl(path: str | os.PathLike[str], rows: Iterable[Mapping[str, Any]]) -> int:
    """Validate every row and write them as canonical JSONL, atomically. Returns the count."""
    lines = []
    for index, row in enumerate(rows):
        validate_row(row, where=f"{path}: row {index}")
        lines.append(dumps_row(row) + "\n")
    atomic_write_text(path, "".join(lines))
    return len(lines)


def read_jsonl(path: str | os.PathLike[str], *, validate: bool = True) -> Iterator[dict[str, Any]]:
    """Yield the rows of a JSONL file, validating each; blank lines are skipped."""
    with open(path, encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path}:{line_number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise CorpusRowError(f"{where}: not valid JSON ({error.msg})") from None
            if validate:
                validate_row(row, where=where)
            yield row


# --- Parquet ---------------------------------------------------------------------------------


def _resolve(node: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in node:
        node = root["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _arrow_type(node: Mapping[str, Any], root: Mapping[str, Any], name: str) -> Any:
    """The Arrow type for a schema node. Free-form objects (``nr_extra``) travel as JSON text."""
    import pyarrow as pa

    node = _resolve(node, root)
    if "oneOf" in node:
        branches = [_resolve(b, root) for b in node["oneOf"] if _resolve(b, root).get("type") != "null"]
        return _arrow_type(branches[0], root, name)
    if "const" in node or "enum" in node:
        values = [node["const"]] if "const" in node else node["enum"]
        return pa.int64() if all(isinstance(v, int) and not isinstance(v, bool) for v in values) else pa.string()
    kinds = node["type"] if isinstance(node["type"], list) else [node["type"]]
    kind = next(k for k in kinds if k != "null")
    if kind == "object":
        if "properties" not in node:
            return pa.string()
        return pa.struct([pa.field(key, _arrow_type(child, root, key), nullable=True)
                          for key, child in sorted(node["properties"].items())])
    if kind == "array":
        return pa.list_(_arrow_type(node["items"], root, name))
    return {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_()}[kind]


def _arrow_schema() -> Any:
    import pyarrow as pa

    root = row_schema()
    fields = [pa.field(key, _arrow_type(node, root, key), nullable=True) for key, node in sorted(root["properties"].items())]
    return pa.schema(fields, metadata={b"vmafref.corpus.schema_version": str(SCHEMA_VERSION).encode()})


def _to_arrow_row(row: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(row)
    if out.get("nr_extra") is not None:
        out["nr_extra"] = json.dumps(out["nr_extra"], sort_keys=True, allow_nan=False)
    return out


def _from_arrow_row(row: dict[str, Any]) -> dict[str, Any]:
    if row.get("nr_extra") is not None:
        row["nr_extra"] = json.loads(row["nr_extra"])
    return row


def write_parquet(path: str | os.PathLike[str], rows: Iterable[Mapping[str, Any]]) -> int:
    """Validate every row and write a Parquet file with the fixed schema of specs/corpus/corpus.md §4."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = list(rows)
    for index, row in enumerate(rows):
        validate_row(row, where=f"{path}: row {index}")
    table = pa.Table.from_pylist([_to_arrow_row(r) for r in rows], schema=_arrow_schema())
    with _atomic_replace(Path(path)) as tmp_name:
        pq.write_table(table, tmp_name)
    return len(rows)


def read_parquet(path: str | os.PathLike[str], *, validate: bool = True) -> Iterator[dict[str, Any]]:
    """Yield the rows of a corpus Parquet file, validating each."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    for index, row in enumerate(table.to_pylist()):
        row = _from_arrow_row(row)
        if validate:
            validate_row(row, where=f"{path}: row {index}")
        yield row


def _is_parquet(path: str | os.PathLike[str]) -> bool:
    return str(path).endswith((".parquet", ".pq"))


def read_rows(path: str | os.PathLike[str], *, validate: bool = True) -> Iterator[dict[str, Any]]:
    """Read a ``.jsonl`` or ``.parquet`` corpus file."""
    return read_parquet(path, validate=validate) if _is_parquet(path) else read_jsonl(path, validate=validate)


def write_rows(path: str | os.PathLike[str], rows: Iterable[Mapping[str, Any]]) -> int:
    """Write a ``.jsonl`` or ``.parquet`` corpus file."""
    return write_parquet(path, rows) if _is_parquet(path) else write_jsonl(path, rows)
