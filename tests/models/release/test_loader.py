"""Tests for vmafref.models.release.loader (specs/models/registry.md §4): every check refuses a
tampered copy of the committed registry with its own error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

import vmafref.models
from vmafref.models import load
from vmafref.models.conversion.allowlist import ForbiddenOpError
from vmafref.models.release.loader import (
    ContractMismatchError,
    ExternalDataError,
    ModelIntegrityError,
    OpsetMismatchError,
    external_data_tensors,
)
from vmafref.models.release.registry import RegistryError
from vmafref.models.release.sidecar import SidecarError, canonical_json, sha256_bytes

MODEL_DIR = Path(__file__).resolve().parents[3] / "model" / "tiny"
pytestmark = pytest.mark.skipif(not (MODEL_DIR / "registry.json").exists(), reason="no registry committed yet")


def _copy(tmp_path: Path) -> Path:
    for path in MODEL_DIR.iterdir():
        if path.is_file():
            shutil.copy2(path, tmp_path / path.name)
    return tmp_path / "registry.json"


def _entries(registry: Path) -> list[dict]:
    return json.loads(registry.read_text())["models"]


def _repin(registry: Path, model_id: str, onnx_bytes: bytes, *, variant: str = "fp32") -> None:
    """Writes new ONNX bytes and re-pins them everywhere, so that only the later checks can fail."""
    data = json.loads(registry.read_text())
    entry = next(e for e in data["models"] if e["id"] == model_id)
    key, pin = ("onnx", "sha256") if variant == "fp32" else ("int8_onnx", "int8_sha256")
    (registry.parent / entry[key]).write_bytes(onnx_bytes)
    entry[pin] = sha256_bytes(onnx_bytes)
    sidecar_path = registry.parent / entry["sidecar"]
    sidecar = json.loads(sidecar_path.read_text())
    if variant == "fp32":
        sidecar["sha256"] = entry["sha256"]
    else:
        sidecar["quantization"]["int8_sha256"] = entry["int8_sha256"]
    payload = canonical_json(sidecar)
    sidecar_path.write_bytes(payload)
    entry["sidecar_sha256"] = sha256_bytes(payload)
    registry.write_bytes(canonical_json(data))


def test_public_load_is_reexported():
    assert vmafref.models.load is load and "load" in vmafref.models.__all__


def test_every_registered_file_loads(tmp_path):
    registry = _copy(tmp_path)
    for entry in _entries(registry):
        verified = load(entry["id"], registry_path=registry)
        assert verified.sha256 == entry["sha256"] and verified.variant == "fp32"
        assert sha256_bytes(verified.model_bytes) == entry["sha256"]
        by_path = load(registry.parent / entry["onnx"])
        assert by_path.model_id == entry["id"]
        if entry["int8_onnx"]:
            assert load(entry["id"], variant="int8", registry_path=registry).variant == "int8"
            assert load(registry.parent / entry["int8_onnx"]).variant == "int8"
        else:
            with pytest.raises(RegistryError, match="no int8 twin"):
                load(entry["id"], variant="int8", registry_path=registry)


def test_changed_byte_is_refused(tmp_path):
    registry = _copy(tmp_path)
    entry = _entries(registry)[0]
    path = registry.parent / entry["onnx"]
    payload = bytearray(path.read_bytes())
    payload[-1] ^= 1
    path.write_bytes(bytes(payload))
    with pytest.raises(ModelIntegrityError, match="does not match the registry pin"):
        load(entry["id"], registry_path=registry)


def test_tampered_sidecar_is_refused(tmp_path):
    registry = _copy(tmp_path)
    entry = _entries(registry)[0]
    path = registry.parent / entry["sidecar"]
    text = path.read_text()
    flipped = text.replace('"smoke": true', '"smoke": false') if '"smoke": true' in text else \
        text.replace('"smoke": false', '"smoke": true')
    assert flipped != text
    path.write_text(flipped)
    with pytest.raises(SidecarError, match="sha256"):
        load(entry["id"], registry_path=registry)


def test_unpinned_file_is_refused(tmp_path):
    registry = _copy(tmp_path)
    entry = _entries(registry)[0]
    stray = tmp_path / "stray.onnx"
    shutil.copy2(registry.parent / entry["onnx"], stray)
    with pytest.raises(RegistryError, match="not pinned"):
        load(stray)
    lonely = tmp_path / "alone"
    lonely.mkdir()
    shutil.copy2(stray, lonely / "model.onnx")
    with pytest.raises(RegistryError, match="no registry.json"):
        load(lonely / "model.onnx")


def _fr_entry(registry: Path) -> dict:
    return next(e for e in _entries(registry) if e["kind"] == "fr")


def test_external_data_is_refused_even_when_pinned(tmp_path):
    registry = _copy(tmp_path)
    entry = _fr_entry(registry)
    model = onnx.load(registry.parent / entry["onnx"])
    tensor = model.graph.initializer[0]
    tensor.data_location = TensorProto.EXTERNAL
    tensor.ClearField("raw_data")
    entry_kv = tensor.external_data.add()
    entry_kv.key, entry_kv.value = "location", "weights.bin"
    assert external_data_tensors(model) == [tensor.name]
    _repin(registry, entry["id"], model.SerializeToString())
    with pytest.raises(ExternalDataError, match="external data"):
        load(entry["id"], registry_path=registry)


def test_opset_mismatch_is_refused(tmp_path):
    registry = _copy(tmp_path)
    entry = _fr_entry(registry)
    model = onnx.load(registry.parent / entry["onnx"])
    model.opset_import[0].version = 18
    _repin(registry, entry["id"], model.SerializeToString())
    with pytest.raises(OpsetMismatchError, match="opset_import"):
        load(entry["id"], registry_path=registry)
    model.opset_import[0].version = 17
    model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    _repin(registry, entry["id"], model.SerializeToString())
    with pytest.raises(OpsetMismatchError):
        load(entry["id"], registry_path=registry)


def test_forbidden_op_is_refused_in_fp32_and_int8(tmp_path):
    registry = _copy(tmp_path)
    entry = _fr_entry(registry)
    model = onnx.load(registry.parent / entry["onnx"])
    erf = next(n for n in model.graph.node if n.op_type == "Erf")
    erf.op_type = "Sin"  # same signature, not on the list
    _repin(registry, entry["id"], model.SerializeToString())
    with pytest.raises(ForbiddenOpError, match="Sin"):
        load(entry["id"], registry_path=registry)
    int8_entry = next((e for e in _entries(registry) if e["int8_onnx"]), None)
    if int8_entry is None:
        pytest.skip("no int8 twin registered")
    int8 = onnx.load(registry.parent / int8_entry["int8_onnx"])
    int8.graph.node[0].op_type = "QuantizeLinear"
    _repin(registry, int8_entry["id"], int8.SerializeToString(), variant="int8")
    with pytest.raises(ForbiddenOpError, match="QuantizeLinear"):
        load(int8_entry["id"], variant="int8", registry_path=registry)


def test_int8_twin_is_not_accepted_as_the_fp32_file(tmp_path):
    registry = _copy(tmp_path)
    entry = next((e for e in _entries(registry) if e["int8_onnx"]), None)
    if entry is None:
        pytest.skip("no int8 twin registered")
    _repin(registry, entry["id"], (registry.parent / entry["int8_onnx"]).read_bytes())
    with pytest.raises(ForbiddenOpError, match="DynamicQuantizeLinear"):
        load(entry["id"], registry_path=registry)


def test_renamed_input_breaks_the_contract(tmp_path):
    registry = _copy(tmp_path)
    entry = _fr_entry(registry)
    model = onnx.load(registry.parent / entry["onnx"])
    old = model.graph.input[0].name
    model.graph.input[0].name = "renamed"
    for node in model.graph.node:
        node.input[:] = ["renamed" if name == old else name for name in node.input]
    _repin(registry, entry["id"], model.SerializeToString())
    with pytest.raises(ContractMismatchError, match="renamed"):
        load(entry["id"], registry_path=registry)


def test_empty_and_garbage_files_are_refused(tmp_path):
    registry = _copy(tmp_path)
    entry = _fr_entry(registry)
    _repin(registry, entry["id"], b"")
    with pytest.raises(ModelIntegrityError, match="empty"):
        load(entry["id"], registry_path=registry)
    _repin(registry, entry["id"], np.arange(64, dtype=np.uint8).tobytes())
    with pytest.raises(ModelIntegrityError):
        load(entry["id"], registry_path=registry)


def test_unknown_model_id_names_the_registered_ones(tmp_path):
    registry = _copy(tmp_path)
    with pytest.raises(RegistryError, match="not in the registry"):
        load("no_such_model", registry_path=registry)
