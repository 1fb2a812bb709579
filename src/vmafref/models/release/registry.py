r"""The model registry, ``model/tiny/registry.json``: one pinned entry per shipped network.

An entry pins every file a loader reads (the fp32 ONNX, the int8 twin when one ships, the
sidecar and the parameters file) by sha256, records the opset, the measured PLCC drop of the
int8 twin against its budget, the LOSO PLCC, the licence and whether the model is a smoke
model. :func:`validate_registry` checks the schema and then every cross-file claim.
See specs/models/registry.md.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from vmafref.models.conversion.allowlist import ModelArtifactError
from vmafref.models.release.sidecar import MAX_JSON_BYTES, load_sidecar, sha256_file, write_json_atomic

__all__ = [
    "RegistryError",
    "REGISTRY_SCHEMA_VERSION",
    "DEFAULT_MODEL_DIR",
    "default_registry_path",
    "registry_schema",
    "read_registry",
    "write_registry",
    "find_entry",
    "upsert_entry",
    "validate_registry",
    "RegistryProblem",
]

REGISTRY_SCHEMA_VERSION = 1
DEFAULT_MODEL_DIR = Path("model") / "tiny"


class RegistryError(ModelArtifactError):
    """The registry is malformed, lacks an entry, or pins files that do not match."""


def default_registry_path() -> Path:
    """``$VMAFREF_MODEL_DIR/registry.json`` when set, else ``model/tiny/registry.json`` of the
    source tree this package lives in, else of the current directory."""
    env = os.environ.get("VMAFREF_MODEL_DIR")
    if env:
        return Path(env) / "registry.json"
    source_tree = Path(__file__).resolve().parents[4] / DEFAULT_MODEL_DIR / "registry.json"
    if source_tree.exists():
        return source_tree
    return DEFAULT_MODEL_DIR / "registry.json"


@functools.cache
def registry_schema() -> dict:
    text = resources.files("vmafref").joinpath("data", "schemas", "registry.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def _schema_check(data: Any, where: str) -> None:
    validator = jsonschema.Draft202012Validator(registry_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        location = "/".join(str(p) for p in first.absolute_path) or "(top level)"
        raise RegistryError(f"{where}: schema violation at {location}: {first.message}")
    ids = [entry["id"] for entry in data["models"]]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise RegistryError(f"{where}: duplicate model id(s): {', '.join(duplicates)}")


def read_registry(path: str | os.PathLike | None = None) -> dict:
    """Reads and schema-checks a registry file (an absent file reads as an empty registry
    only when ``path`` is given explicitly and does not exist yet — see :func:`upsert_entry`)."""
    path = Path(path) if path is not None else default_registry_path()
    try:
        payload = path.read_bytes()
    except FileNotFoundError:
        raise RegistryError(f"registry {path} does not exist") from None
    if len(payload) > MAX_JSON_BYTES:
        raise RegistryError(f"registry {path.name} is {len(payload)} bytes, over the {MAX_JSON_BYTES}-byte cap")
    try:
        data = json.loads(payload)
    except json.JSONDecodeError as error:
        raise RegistryError(f"registry {path.name} is not valid JSON: {error}") from None
    _schema_check(data, path.name)
    return data


def write_registry(path: str | os.PathLike, data: Mapping[str, Any]) -> bytes:
    """Schema-checks ``data``, sorts entries by id and writes it atomically."""
    data = {"schema_version": REGISTRY_SCHEMA_VERSION,
            "models": sorted((dict(e) for e in data["models"]), key=lambda e: e["id"])}
    _schema_check(data, Path(path).name)
    return write_json_atomic(path, data)


def find_entry(registry: Mapping[str, Any], model_id: str) -> dict:
    for entry in registry["models"]:
        if entry["id"] == model_id:
            return dict(entry)
    known = ", ".join(e["id"] for e in registry["models"]) or "none"
    raise RegistryError(f"model {model_id!r} is not in the registry (registered: {known})")


def upsert_entry(path: str | os.PathLike, entry: Mapping[str, Any]) -> bytes:
    """Replaces (or adds) the entry with ``entry["id"]`` and writes the registry atomically.
    Other entries are kept as they are. The read-modify-write holds an exclusive lock on the
    registry's folder, so two trainings finishing together cannot drop each other's entry."""
    import fcntl

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)
        registry = read_registry(path) if path.exists() else {"schema_version": REGISTRY_SCHEMA_VERSION, "models": []}
        models = [e for e in registry["models"] if e["id"] != entry["id"]] + [dict(entry)]
        return write_registry(path, {"models": models})
    finally:
        os.close(folder)  # releases the lock


@dataclasses.dataclass(frozen=True)
class RegistryProblem:
    model_id: str
    problem: str

    def __str__(self) -> str:
        return f"{self.model_id}: {self.problem}"


def validate_registry(path: str | os.PathLike | None = None, *, deep: bool = True) -> list[RegistryProblem]:
    """Every cross-file problem of the registry at ``path`` (empty list: valid).

    Checks (specs/models/registry.md §3): schema; every pinned file exists and hashes to its
    pin; the sidecar validates and agrees with the entry (id, kind, file names and hashes,
    opset, quantisation figures); an int8 file ships only within its budget; with ``deep``,
    every ONNX file also passes the verified loader (opset, allowlist, no external data).
    """
    path = Path(path) if path is not None else default_registry_path()
    registry = read_registry(path)
    root = path.parent
    problems: list[RegistryProblem] = []
    for entry in registry["models"]:
        model_id = entry["id"]
        problems_before = len(problems)

        def problem(text: str) -> None:
            problems.append(RegistryProblem(model_id, text))

        files = {"onnx": entry["sha256"], "sidecar": entry["sidecar_sha256"], "params": entry["params_sha256"]}
        if entry["int8_onnx"] is not None:
            files["int8_onnx"] = entry["int8_sha256"]
        for key, pin in files.items():
            file = root / entry[key]
            if not file.is_file():
                problem(f"{key} file {entry[key]} is missing")
            elif sha256_file(file) != pin:
                problem(f"{key} file {entry[key]} has sha256 {sha256_file(file)}, registry pins {pin}")
        if entry["int8_onnx"] is not None and entry["quant_plcc_drop"] > entry["quant_budget_plcc"]:
            problem(f"int8 twin shipped with PLCC drop {entry['quant_plcc_drop']} over budget {entry['quant_budget_plcc']}")
        try:
            sidecar = load_sidecar(root / entry["sidecar"])
        except ModelArtifactError as error:
            problem(str(error))
            continue
        expected = {"id": model_id, "kind": entry["kind"], "onnx": entry["onnx"], "sha256": entry["sha256"],
                    "opset": entry["opset"], "params": entry["params"], "params_sha256": entry["params_sha256"],
                    "smoke": entry["smoke"], "license": entry["license"]}
        for key, value in expected.items():
            if sidecar[key] != value:
                problem(f"sidecar {key}={sidecar[key]!r} disagrees with the registry's {value!r}")
        quant = sidecar["quantization"]
        for sidecar_key, entry_key in (("int8_onnx", "int8_onnx"), ("int8_sha256", "int8_sha256"),
                                       ("plcc_drop", "quant_plcc_drop"), ("budget_plcc", "quant_budget_plcc")):
            if quant[sidecar_key] != entry[entry_key]:
                problem(f"sidecar quantization.{sidecar_key}={quant[sidecar_key]!r} disagrees with the registry's "
                        f"{entry_key}={entry[entry_key]!r}")
        if sidecar["evaluation"]["plcc"]["mean"] != entry["loso_plcc"]:
            problem("sidecar LOSO PLCC disagrees with the registry's loso_plcc")
        if deep and len(problems) == problems_before:
            from vmafref.models.release.loader import load

            for variant in ("fp32", "int8") if entry["int8_onnx"] is not None else ("fp32",):
                try:
                    load(model_id, variant=variant, registry_path=path)
                except ModelArtifactError as error:
                    problem(str(error))
    return problems
