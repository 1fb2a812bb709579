r"""The verified loader: the only way the project opens a shipped ONNX file.

``load(name_or_path)`` reads the file's bytes **once** and checks those same bytes, before any
inference session exists (specs/models/registry.md §4):

1. the registry pins the file (a model id, or a path that a ``registry.json`` beside it lists);
2. size ≤ the allowlist's cap and sha256 of the bytes == the registry pin;
3. the sidecar's bytes hash to their pin and the sidecar validates against its schema;
4. no tensor anywhere in the graph references external data (so the pin covers every byte);
5. ``opset_import`` is exactly the default domain at the declared opset (17);
6. every operator is on the allowlist of the file's variant (fp32 or int8);
7. ``onnx.checker`` (full check) passes;
8. graph inputs and outputs match the sidecar's I/O contract (names, ranks, dtypes).

A session is then built from :attr:`VerifiedModel.model_bytes`, never from the path, so the
file cannot change between the check and the use.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from pathlib import Path

import onnx

from vmafref.models.conversion.allowlist import (
    VARIANTS,
    AllowlistReport,
    ModelArtifactError,
    enforce,
    load_allowlist,
)
from vmafref.models.release.registry import RegistryError, default_registry_path, find_entry, read_registry
from vmafref.models.release.sidecar import load_sidecar, sha256_bytes

__all__ = [
    "ModelIntegrityError",
    "ExternalDataError",
    "OpsetMismatchError",
    "ContractMismatchError",
    "VerifiedModel",
    "load",
    "verify_model_bytes",
    "external_data_tensors",
]


class ModelIntegrityError(ModelArtifactError):
    """The file's bytes do not hash to the registry pin, or it is too large or unparsable."""


class ExternalDataError(ModelArtifactError):
    """The graph references tensor data outside the file, which the pin would not cover."""


class OpsetMismatchError(ModelArtifactError):
    """The graph's ``opset_import`` is not exactly the declared default-domain opset."""


class ContractMismatchError(ModelArtifactError):
    """The graph's inputs or outputs differ from the sidecar's I/O contract."""


@dataclasses.dataclass(frozen=True)
class VerifiedModel:
    """A model file that passed every check of :func:`load`, with the bytes that were checked."""

    model_id: str
    variant: str
    path: Path
    model_bytes: bytes
    sha256: str
    sidecar: dict
    entry: dict
    allowlist_report: AllowlistReport

    @property
    def kind(self) -> str:
        return self.sidecar["kind"]

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(t["name"] for t in self.sidecar["inputs"])

    @property
    def output_names(self) -> tuple[str, ...]:
        return tuple(t["name"] for t in self.sidecar["outputs"])


def _graph_tensors(graph: onnx.GraphProto) -> Iterable[tuple[str, onnx.TensorProto]]:
    for tensor in graph.initializer:
        yield tensor.name, tensor
    for sparse in graph.sparse_initializer:
        yield sparse.values.name, sparse.values
        yield sparse.indices.name, sparse.indices
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.HasField("t"):
                yield f"{node.name or node.op_type}.{attribute.name}", attribute.t
            for tensor in attribute.tensors:
                yield f"{node.name or node.op_type}.{attribute.name}", tensor
            if attribute.HasField("sparse_tensor"):
                yield f"{node.name or node.op_type}.{attribute.name}", attribute.sparse_tensor.values
            if attribute.HasField("g"):
                yield from _graph_tensors(attribute.g)
            for subgraph in attribute.graphs:
                yield from _graph_tensors(subgraph)


def external_data_tensors(model: onnx.ModelProto) -> list[str]:
    """Names of every tensor whose data lives outside the model file."""
    return [name for name, tensor in _graph_tensors(model.graph)
            if tensor.data_location == onnx.TensorProto.EXTERNAL or len(tensor.external_data) > 0]


def _value_info_spec(value: onnx.ValueInfoProto) -> tuple[str, int, int]:
    tensor_type = value.type.tensor_type
    return value.name, len(tensor_type.shape.dim), tensor_type.elem_type


def verify_model_bytes(payload: bytes, *, variant: str, expected_sha256: str, sidecar: dict,
                       what: str) -> tuple[onnx.ModelProto, AllowlistReport]:
    """Checks 2 and 4–8 of the module docstring on ``payload``; returns the parsed graph."""
    allowlist = load_allowlist()
    if len(payload) == 0:
        raise ModelIntegrityError(f"{what}: the file is empty")
    if len(payload) > allowlist.max_file_bytes:
        raise ModelIntegrityError(f"{what}: {len(payload)} bytes, over the {allowlist.max_file_bytes}-byte cap")
    digest = sha256_bytes(payload)
    if digest != expected_sha256:
        raise ModelIntegrityError(f"{what}: sha256 {digest} does not match the registry pin {expected_sha256}")
    try:
        model = onnx.load_model_from_string(payload)
    except Exception as error:  # protobuf raises its own DecodeError
        raise ModelIntegrityError(f"{what}: not a valid ONNX protobuf ({error})") from None
    external = external_data_tensors(model)
    if external:
        raise ExternalDataError(f"{what}: tensors {', '.join(sorted(external))} reference external data; shipped "
                                "models must be self-contained so that the sha256 pin covers every byte")
    opsets = sorted((o.domain, o.version) for o in model.opset_import)
    declared = sidecar["opset"]
    if opsets != [("", declared)] or declared != allowlist.opset:
        raise OpsetMismatchError(f"{what}: opset_import {opsets} is not exactly [('', {declared})] "
                                 f"(the project ships opset {allowlist.opset} only)")
    report = enforce(model, variant, what=what)
    try:
        onnx.checker.check_model(model, full_check=True)
    except onnx.checker.ValidationError as error:
        raise ModelIntegrityError(f"{what}: onnx.checker rejects the graph: {error}") from None
    for side, graph_values, declared_values in (
            ("input", model.graph.input, sidecar["inputs"]), ("output", model.graph.output, sidecar["outputs"])):
        initializers = {t.name for t in model.graph.initializer}
        actual = [_value_info_spec(v) for v in graph_values if v.name not in initializers]
        expected = [(t["name"], len(t["shape"]), onnx.TensorProto.FLOAT) for t in declared_values]
        if actual != expected:
            raise ContractMismatchError(f"{what}: graph {side}s (name, rank, dtype) {actual} differ from the sidecar's "
                                        f"{expected}")
    return model, report


def _resolve(name_or_path: str | os.PathLike, variant: str | None,
             registry_path: str | os.PathLike | None) -> tuple[Path, dict, str]:
    """(registry path, entry, variant) for a model id or a pinned file path."""
    candidate = Path(name_or_path)
    looks_like_path = candidate.suffix == ".onnx" or os.sep in str(name_or_path) or candidate.is_file()
    if not looks_like_path:
        path = Path(registry_path) if registry_path is not None else default_registry_path()
        return path, find_entry(read_registry(path), str(name_or_path)), variant or "fp32"
    if not candidate.is_file():
        raise ModelIntegrityError(f"model file {candidate} does not exist")
    path = Path(registry_path) if registry_path is not None else candidate.resolve().parent / "registry.json"
    if not path.is_file():
        raise RegistryError(f"{candidate.name}: no registry.json beside it pins this file; refusing an unpinned model")
    registry = read_registry(path)
    for entry in registry["models"]:
        if (path.parent / entry["onnx"]).resolve() == candidate.resolve():
            found = "fp32"
        elif entry["int8_onnx"] is not None and (path.parent / entry["int8_onnx"]).resolve() == candidate.resolve():
            found = "int8"
        else:
            continue
        if variant is not None and variant != found:
            raise RegistryError(f"{candidate.name} is the {found} file of {entry['id']}, not its {variant} file")
        return path, entry, found
    raise RegistryError(f"{candidate.name} is not pinned by {path.name}; refusing an unpinned model")


def load(name_or_path: str | os.PathLike, *, variant: str | None = None,
         registry_path: str | os.PathLike | None = None) -> VerifiedModel:
    """Loads and verifies a shipped model (see the module docstring for every check).

    Args:
      name_or_path: a registry id (``"fr_regressor_v1"``) or the path of a pinned ``.onnx``
        file (its ``registry.json`` is looked up in the same folder).
      variant: ``"fp32"`` or ``"int8"``; for an id the default is ``"fp32"``, for a path the
        variant is whatever the registry says that file is.
      registry_path: a registry other than the default (``default_registry_path()``).

    Raises:
      ModelArtifactError subclasses naming the failed check.
    """
    if variant is not None and variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    path, entry, variant = _resolve(name_or_path, variant, registry_path)
    root = path.parent
    if variant == "int8" and entry["int8_onnx"] is None:
        raise RegistryError(f"{entry['id']} ships no int8 twin (PLCC drop {entry['quant_plcc_drop']} against budget "
                            f"{entry['quant_budget_plcc']})")
    sidecar = load_sidecar(root / entry["sidecar"], expected_sha256=entry["sidecar_sha256"])
    if sidecar["id"] != entry["id"] or sidecar["sha256"] != entry["sha256"] or sidecar["opset"] != entry["opset"]:
        raise RegistryError(f"{entry['id']}: sidecar and registry disagree on id, sha256 or opset")
    file_name, pin = (entry["onnx"], entry["sha256"]) if variant == "fp32" else (entry["int8_onnx"], entry["int8_sha256"])
    model_path = root / file_name
    try:
        payload = model_path.read_bytes()
    except FileNotFoundError:
        raise ModelIntegrityError(f"{entry['id']}: pinned file {file_name} does not exist") from None
    _, report = verify_model_bytes(payload, variant=variant, expected_sha256=pin, sidecar=sidecar,
                                   what=f"{entry['id']} ({variant}, {file_name})")
    return VerifiedModel(model_id=entry["id"], variant=variant, path=model_path, model_bytes=payload,
                         sha256=pin, sidecar=sidecar, entry=entry, allowlist_report=report)

