"""Tests for vmafref.models.release.registry (specs/models/registry.md)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from vmafref.models.release.registry import (
    RegistryError,
    read_registry,
    upsert_entry,
    validate_registry,
    write_registry,
)
from vmafref.models.release.sidecar import canonical_json, sha256_bytes

MODEL_DIR = Path(__file__).resolve().parents[3] / "model" / "tiny"
pytestmark = pytest.mark.skipif(not (MODEL_DIR / "registry.json").exists(), reason="no registry committed yet")


def _copy(tmp_path: Path) -> Path:
    for path in MODEL_DIR.iterdir():
        if path.is_file():
            shutil.copy2(path, tmp_path / path.name)
    return tmp_path / "registry.json"


def test_committed_registry_is_valid_canonical_and_complete():
    registry = MODEL_DIR / "registry.json"
    assert validate_registry(registry) == []
    data = read_registry(registry)
    assert registry.read_bytes() == canonical_json(data)
    ids = [e["id"] for e in data["models"]]
    assert ids == sorted(ids)
    assert {"fr_regressor_v1", "nr_metric_v1", "learned_filter_v1"} <= set(ids)
    for entry in data["models"]:
        sidecar = json.loads((MODEL_DIR / entry["sidecar"]).read_text())
        assert entry["smoke"] is sidecar["smoke"] and entry["opset"] == 17
        # A real-corpus entry carries its gate; a smoke entry is marked as one.
        assert entry["smoke"] or sidecar["evaluation"]["gate"]["passed"]
        assert not list(MODEL_DIR.glob("*.onnx.data")), "external data files must not exist"


def test_no_unregistered_model_files_are_committed():
    data = read_registry(MODEL_DIR / "registry.json")
    pinned = set()
    for entry in data["models"]:
        pinned |= {entry["onnx"], entry["sidecar"], entry["params"]}
        if entry["int8_onnx"]:
            pinned.add(entry["int8_onnx"])
    shipped = {p.name for p in MODEL_DIR.iterdir() if p.is_file() and p.name != "registry.json"}
    assert shipped == pinned


def test_tampered_file_is_reported(tmp_path):
    registry = _copy(tmp_path)
    entry = read_registry(registry)["models"][0]
    (tmp_path / entry["params"]).write_bytes(b"not the params")
    problems = validate_registry(registry)
    assert any(p.model_id == entry["id"] and "params" in p.problem for p in problems)


def test_missing_file_is_reported(tmp_path):
    registry = _copy(tmp_path)
    entry = read_registry(registry)["models"][0]
    (tmp_path / entry["onnx"]).unlink()
    assert any("missing" in p.problem for p in validate_registry(registry))


def test_over_budget_int8_entry_is_reported(tmp_path):
    registry = _copy(tmp_path)
    data = read_registry(registry)
    entry = next((e for e in data["models"] if e["int8_onnx"]), None)
    if entry is None:
        pytest.skip("no int8 twin registered")
    entry["quant_plcc_drop"] = entry["quant_budget_plcc"] + 0.5
    registry.write_bytes(canonical_json(data))
    problems = [p.problem for p in validate_registry(registry, deep=False)]
    assert any("over budget" in p for p in problems)


def test_sidecar_disagreement_is_reported(tmp_path):
    registry = _copy(tmp_path)
    data = read_registry(registry)
    entry = data["models"][0]
    entry["loso_plcc"] = 0.5
    registry.write_bytes(canonical_json(data))
    assert any("loso_plcc" in p.problem for p in validate_registry(registry, deep=False))


def test_schema_violations_and_duplicates_raise(tmp_path):
    registry = _copy(tmp_path)
    data = read_registry(registry)
    bad = json.loads(json.dumps(data))
    bad["models"][0]["sha256"] = "xyz"
    registry.write_bytes(canonical_json(bad))
    with pytest.raises(RegistryError, match="sha256"):
        read_registry(registry)
    dup = json.loads(json.dumps(data))
    dup["models"].append(dup["models"][0])
    registry.write_bytes(canonical_json(dup))
    with pytest.raises(RegistryError, match="duplicate"):
        read_registry(registry)
    int8_only = json.loads(json.dumps(data))
    int8_only["models"][0].update(int8_onnx=None, int8_sha256="0" * 64)
    with pytest.raises(RegistryError):
        write_registry(registry, int8_only)


def test_upsert_replaces_one_entry_and_keeps_the_rest(tmp_path):
    registry = _copy(tmp_path)
    before = read_registry(registry)["models"]
    changed = dict(before[0], loso_plcc=0.99)
    upsert_entry(registry, changed)
    after = read_registry(registry)["models"]
    assert len(after) == len(before)
    assert next(e for e in after if e["id"] == changed["id"])["loso_plcc"] == 0.99
    assert [e for e in after if e["id"] != changed["id"]] == [e for e in before if e["id"] != changed["id"]]
    fresh = tmp_path / "new" / "registry.json"
    upsert_entry(fresh, before[0])
    assert read_registry(fresh)["models"] == [before[0]]
    assert sha256_bytes(fresh.read_bytes()) == sha256_bytes(canonical_json({"models": [before[0]], "schema_version": 1}))
