r"""Model sidecars: one JSON contract per shipped network, validated on write and on load.

A sidecar is the single machine-readable contract of a model: I/O names, shapes and dtypes,
feature order and the scaler (``feature_mean``/``feature_std``, never also baked into the
graph), the codec vocabulary and its version, preprocessing, training and LOSO metrics,
quantisation results, the NR calibration and the run provenance. It is written as sorted,
indented JSON through a temporary file and :func:`os.replace`, so a reader sees either the old
or the new file, never half of one. See specs/models/sidecar.md.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import os
import platform
import tempfile
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from vmafref.models.conversion.allowlist import ModelArtifactError

__all__ = [
    "SidecarError",
    "SIDECAR_SCHEMA_VERSION",
    "PROVENANCE_SCHEMA",
    "PROVENANCE_PACKAGES",
    "canonical_json",
    "write_json_atomic",
    "sha256_bytes",
    "sha256_file",
    "sidecar_schema",
    "validate_sidecar",
    "write_sidecar",
    "load_sidecar",
    "tensor_specs",
    "package_versions",
    "build_run_provenance",
]

SIDECAR_SCHEMA_VERSION = 1
PROVENANCE_SCHEMA = "vmafref-run-provenance-v1"
#: Distributions whose exact versions a run records (the ones that can move output bytes).
PROVENANCE_PACKAGES = ("vmafref", "jax", "jaxlib", "flax", "optax", "numpy", "scipy", "onnx", "onnx-ir",
                       "jax2onnx", "onnxruntime", "protobuf", "ml_dtypes")
#: Largest sidecar or registry file a loader accepts (the fork's 1 MiB cap).
MAX_JSON_BYTES = 1 << 20


class SidecarError(ModelArtifactError):
    """A sidecar that is missing, malformed, fails its schema or contradicts its model."""


def canonical_json(data: Any) -> bytes:
    """Sorted keys, two-space indent, no NaN/Infinity, one trailing newline, UTF-8."""
    try:
        text = json.dumps(data, indent=2, sort_keys=True, allow_nan=False, ensure_ascii=False)
    except ValueError as error:
        raise SidecarError(f"cannot write JSON: {error} (NaN or infinity in a value?)") from None
    return (text + "\n").encode("utf-8")


def write_json_atomic(path: str | os.PathLike, data: Any) -> bytes:
    """Writes :func:`canonical_json` of ``data`` to ``path`` via a temp file + ``os.replace``.

    Returns the bytes written.
    """
    payload = canonical_json(data)
    write_bytes_atomic(path, payload)
    return payload


def write_bytes_atomic(path: str | os.PathLike, payload: bytes) -> None:
    """Writes ``payload`` to ``path`` through a temporary file in the same folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def sha256_bytes(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def sha256_file(path: str | os.PathLike) -> str:
    return sha256_bytes(Path(path).read_bytes())


@functools.cache
def sidecar_schema() -> dict:
    """The JSON schema (copy of specs/models/sidecar.schema.json shipped as package data)."""
    text = resources.files("vmafref").joinpath("data", "schemas", "sidecar.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def validate_sidecar(data: Mapping[str, Any], *, where: str = "sidecar") -> None:
    """Raises :class:`SidecarError` naming the first schema violation and the consistency checks
    the schema cannot express (specs/models/sidecar.md §3)."""
    validator = jsonschema.Draft202012Validator(sidecar_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        location = "/".join(str(p) for p in first.absolute_path) or "(top level)"
        raise SidecarError(f"{where}: schema violation at {location}: {first.message}")
    order = data["feature_order"]
    for key in ("feature_mean", "feature_std"):
        values = data[key]
        if values is not None and len(values) != len(order):
            raise SidecarError(f"{where}: {key} has {len(values)} values for {len(order)} features")
    if data["num_codecs"] and len(data["codec_vocab"]) != data["num_codecs"]:
        raise SidecarError(f"{where}: codec_vocab has {len(data['codec_vocab'])} entries but num_codecs is "
                           f"{data['num_codecs']}")
    quant = data["quantization"]
    if quant["shipped"] != (quant["int8_onnx"] is not None):
        raise SidecarError(f"{where}: quantization.shipped disagrees with int8_onnx")
    if quant["shipped"] and quant["plcc_drop"] > quant["budget_plcc"]:
        raise SidecarError(f"{where}: an int8 file is shipped although its PLCC drop {quant['plcc_drop']} exceeds "
                           f"the budget {quant['budget_plcc']}")


def write_sidecar(path: str | os.PathLike, data: Mapping[str, Any]) -> bytes:
    """Validates ``data`` and writes it atomically as canonical JSON; returns the bytes."""
    validate_sidecar(data, where=str(Path(path).name))
    return write_json_atomic(path, dict(data))


def load_sidecar(path: str | os.PathLike, *, expected_sha256: str | None = None) -> dict:
    """Reads and validates a sidecar; with ``expected_sha256`` the bytes must hash to it."""
    path = Path(path)
    try:
        payload = path.read_bytes()
    except FileNotFoundError:
        raise SidecarError(f"sidecar {path} does not exist") from None
    if len(payload) > MAX_JSON_BYTES:
        raise SidecarError(f"sidecar {path.name} is {len(payload)} bytes, over the {MAX_JSON_BYTES}-byte cap")
    if expected_sha256 is not None and sha256_bytes(payload) != expected_sha256:
        raise SidecarError(f"sidecar {path.name}: sha256 {sha256_bytes(payload)} does not match the registry pin "
                           f"{expected_sha256}")
    try:
        data = json.loads(payload)
    except json.JSONDecodeError as error:
        raise SidecarError(f"sidecar {path.name} is not valid JSON: {error}") from None
    validate_sidecar(data, where=path.name)
    return data


def tensor_specs(names: Sequence[str], shapes: Sequence[Sequence[int | str]], dtypes: Sequence[str]) -> list[dict]:
    """``[{"name", "shape", "dtype"}, ...]`` from a contract's parallel tuples."""
    if not (len(names) == len(shapes) == len(dtypes)):
        raise SidecarError(f"names, shapes and dtypes differ in length: {len(names)}, {len(shapes)}, {len(dtypes)}")
    return [{"name": n, "shape": list(s), "dtype": d} for n, s, d in zip(names, shapes, dtypes)]


def package_versions(names: Sequence[str] = PROVENANCE_PACKAGES) -> dict[str, str]:
    """Exact installed versions via :mod:`importlib.metadata` (``"absent"`` when not installed)."""
    versions = {}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def _normalise_arg(value: Any) -> Any:
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, Mapping):
        return {str(k): _normalise_arg(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_normalise_arg(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def build_run_provenance(*, entrypoint: str, argv: Sequence[str], args: Mapping[str, Any], seed: int,
                         inputs: Mapping[str, str], outputs: Mapping[str, str]) -> dict:
    """The ``run_provenance`` block (specs/models/sidecar.md §5).

    ``inputs``/``outputs`` map a name to the sha256 of its bytes. No time stamp, host name or
    absolute path goes in, so that a rebuild on another machine writes the same bytes.
    """
    return {
        "schema": PROVENANCE_SCHEMA,
        "entrypoint": entrypoint,
        "argv": [str(a) for a in argv],
        "args": _normalise_arg(dict(args)),
        "seed": int(seed),
        "inputs": dict(sorted(inputs.items())),
        "outputs": dict(sorted(outputs.items())),
        "packages": package_versions(),
        "python": platform.python_version(),
    }
