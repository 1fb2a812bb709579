"""Tests for vmafref.models.release.audit (specs/models/audit.md): rebuilds in fresh pinned processes
reproduce the pinned bytes, and a wrong pin is reported as a mismatch with a failing exit."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from vmafref.cli import main
from vmafref.models.release.audit import FileCheck, audit, format_report
from vmafref.models.release.sidecar import canonical_json

MODEL_DIR = Path(__file__).resolve().parents[3] / "model" / "tiny"
pytestmark = pytest.mark.skipif(not (MODEL_DIR / "registry.json").exists(), reason="no registry committed yet")
CHEAPEST = "learned_filter_v1"  # smallest training set and export


def _copy(tmp_path: Path) -> Path:
    for path in MODEL_DIR.iterdir():
        if path.is_file():
            shutil.copy2(path, tmp_path / path.name)
    # The pinned training inputs travel with the registry: rebuilds read them.
    shutil.copytree(MODEL_DIR / "training", tmp_path / "training")
    return tmp_path / "registry.json"


def test_file_check_and_report_format():
    good = FileCheck("m", "m.onnx", "a" * 64, "a" * 64)
    bad = FileCheck("m", "m.int8.onnx", "a" * 64, "b" * 64)
    assert good.match and not bad.match
    assert not FileCheck("m", "m.int8.onnx", None, "b" * 64).match


@pytest.mark.slow  # 30-40 s; CI's `vmafref audit` step rebuilds every model before the slow tests
def test_params_rebuild_matches_and_a_wrong_pin_fails(tmp_path, capsys):
    registry = _copy(tmp_path)
    report = audit([CHEAPEST], registry_path=registry, source="params", progress=False)
    assert report.ok, format_report(report)
    assert {c.file for c in report.checks} >= {f"{CHEAPEST}.onnx"}

    data = json.loads(registry.read_text())
    entry = next(e for e in data["models"] if e["id"] == CHEAPEST)
    entry["sha256"] = "0" * 64  # the pin no longer describes what the params export to
    registry.write_bytes(canonical_json(data))
    assert main(["audit", CHEAPEST, "--from", "params", "--registry", str(registry)]) == 1
    out = capsys.readouterr().out
    assert "MISMATCH" in out and f"{CHEAPEST}.onnx" in out


def test_failed_rebuild_is_reported(tmp_path):
    registry = _copy(tmp_path)
    entry = next(e for e in json.loads(registry.read_text())["models"] if e["id"] == CHEAPEST)
    (tmp_path / entry["params"]).write_bytes(b"corrupt")
    report = audit([CHEAPEST], registry_path=registry, source="params", progress=False)
    assert not report.ok and report.failures and "pin" in report.failures[0]


@pytest.mark.slow
def test_training_rebuild_reproduces_every_file(tmp_path):
    registry = _copy(tmp_path)
    report = audit([CHEAPEST], registry_path=registry, source="training", progress=False)
    assert report.ok, format_report(report)
    assert {c.file.split(".", 1)[1] for c in report.checks} >= {"params.msgpack", "onnx", "json"}
