"""Tests for vmafref.models.release.sidecar (specs/models/sidecar.md)."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest

from vmafref.models.networks import nets
from vmafref.models.networks.codec import CODEC_VOCAB, CODEC_VOCAB_VERSION
from vmafref.models.release.sidecar import (
    PROVENANCE_PACKAGES,
    SidecarError,
    build_run_provenance,
    canonical_json,
    load_sidecar,
    package_versions,
    sha256_bytes,
    validate_sidecar,
    write_json_atomic,
    write_sidecar,
)

ROOT = Path(__file__).resolve().parents[3]
MODEL_DIR = ROOT / "model" / "tiny"


def _committed_sidecars() -> list[Path]:
    registry = MODEL_DIR / "registry.json"
    if not registry.exists():
        pytest.skip("no registry committed yet")
    return [MODEL_DIR / e["sidecar"] for e in json.loads(registry.read_text())["models"]]


def _any_sidecar(kind: str | None = None) -> dict:
    for path in _committed_sidecars():
        data = json.loads(path.read_text())
        if kind is None or data["kind"] == kind:
            return data
    pytest.skip(f"no committed {kind} sidecar")


def test_schema_in_specs_equals_packaged_copy():
    for name in ("sidecar.schema.json", "registry.schema.json"):
        spec = (ROOT / "specs" / "models" / name).read_bytes()
        packaged = (ROOT / "src" / "vmafref" / "data" / "schemas" / name).read_bytes()
        assert spec == packaged, f"{name}: specs/ and the package copy differ"


def test_committed_sidecars_validate_and_are_canonical():
    for path in _committed_sidecars():
        data = load_sidecar(path)
        assert path.read_bytes() == canonical_json(data), f"{path.name} is not canonical JSON"


def test_committed_sidecars_match_the_network_contracts():
    for path in _committed_sidecars():
        data = json.loads(path.read_text())
        contract = nets.contract(data["id"], **data["model_config"])
        assert [t["name"] for t in data["inputs"]] == list(contract.input_names)
        assert [t["name"] for t in data["outputs"]] == list(contract.output_names)
        assert [tuple(t["shape"]) for t in data["inputs"]] == [tuple(s) for s in contract.input_shapes]
        assert data["parameter_count"] == contract.parameter_count
        assert data["feature_order"] == list(contract.feature_order or ())
        assert data["num_codecs"] == contract.num_codecs
        if contract.num_codecs:
            assert data["codec_vocab"] == list(CODEC_VOCAB)
            assert data["codec_vocab_version"] == CODEC_VOCAB_VERSION
        provenance = data["run_provenance"]
        assert provenance["outputs"]["onnx"] == data["sha256"]
        assert provenance["outputs"]["params"] == data["params_sha256"]
        assert set(provenance["packages"]) == set(PROVENANCE_PACKAGES)
        assert not any(arg.startswith("/") for arg in provenance["argv"]), "machine path in argv"


def test_nr_sidecar_carries_calibration_and_others_do_not():
    nr = _any_sidecar("nr")
    for key in ("calibration_slope", "calibration_intercept", "calibration_threshold", "calibration"):
        assert key in nr
    bad = copy.deepcopy(nr)
    del bad["calibration_threshold"]
    with pytest.raises(SidecarError, match="calibration_threshold"):
        validate_sidecar(bad)
    fr = _any_sidecar("fr")
    bad = dict(fr, calibration_slope=1.0)
    with pytest.raises(SidecarError):
        validate_sidecar(bad)


@pytest.mark.parametrize("mutation, message", [
    (lambda d: d.pop("run_provenance"), "run_provenance"),
    (lambda d: d.update(opset=18), "opset"),
    (lambda d: d.update(sha256="ABC"), "sha256"),
    (lambda d: d.update(feature_mean=[0.0]), "feature_mean"),
    (lambda d: d["quantization"].update(shipped=not d["quantization"]["shipped"]), "shipped"),
    (lambda d: d.update(unexpected=1), "unexpected"),
])
def test_validation_names_the_problem(mutation, message):
    data = copy.deepcopy(_any_sidecar("fr"))
    mutation(data)
    with pytest.raises(SidecarError, match=message):
        validate_sidecar(data)


def test_int8_over_budget_cannot_be_declared_shipped():
    data = copy.deepcopy(_any_sidecar())
    quant = data["quantization"]
    quant.update(shipped=True, int8_onnx=f"{data['id']}.int8.onnx", int8_sha256="0" * 64,
                 plcc_drop=quant["budget_plcc"] + 0.001)
    with pytest.raises(SidecarError, match="exceeds"):
        validate_sidecar(data)


def test_write_is_atomic_sorted_and_refuses_invalid(tmp_path):
    data = _any_sidecar()
    target = tmp_path / "model.json"
    payload = write_sidecar(target, data)
    assert target.read_bytes() == payload == canonical_json(data)
    assert json.loads(payload) == data
    keys = list(json.loads(payload))
    assert keys == sorted(keys)
    assert os.listdir(tmp_path) == ["model.json"]  # no temporary file left behind
    with pytest.raises(SidecarError):
        write_sidecar(target, dict(data, kind="classifier"))
    assert target.read_bytes() == payload  # the old file survives a refused write


def test_nan_is_refused(tmp_path):
    with pytest.raises(SidecarError, match="NaN"):
        write_json_atomic(tmp_path / "x.json", {"value": float("nan")})
    assert not any(tmp_path.iterdir())


def test_load_checks_the_pin(tmp_path):
    path = _committed_sidecars()[0]
    with pytest.raises(SidecarError, match="registry pin"):
        load_sidecar(path, expected_sha256="0" * 64)
    assert load_sidecar(path, expected_sha256=sha256_bytes(path.read_bytes()))["id"]


def test_provenance_records_exact_versions_and_no_time():
    provenance = build_run_provenance(entrypoint="vmafref train", argv=["train", "x"], args={"b": Path("p"), "a": (1, 2)},
                                      seed=3, inputs={"data": "a" * 64}, outputs={"onnx": "b" * 64})
    assert provenance["args"] == {"a": [1, 2], "b": "p"}
    assert provenance["packages"] == package_versions()
    assert provenance["packages"]["onnxruntime"].count(".") >= 1
    # Exactly these keys: nothing time-, host- or path-dependent can slip in.
    assert set(provenance) == {"schema", "entrypoint", "argv", "args", "seed", "inputs", "outputs", "packages",
                               "python"}


def test_every_recorded_package_is_pinned_exactly():
    """A package whose version the sidecars record moves their bytes: an unpinned one (ml_dtypes
    0.6.0 -> 0.7.0 in a fresh install) changes every sidecar's sha256 and fails the audit."""
    import pathlib
    import re
    import tomllib

    from vmafref.models.release.sidecar import PROVENANCE_PACKAGES

    pyproject = pathlib.Path(__file__).resolve().parents[3] / "pyproject.toml"
    dependencies = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    pinned = {}
    for requirement in dependencies:
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==([^\s;,]+)", requirement.strip())
        if match:
            pinned[re.sub(r"[-_.]+", "-", match[1]).lower()] = match[3]
    for package in PROVENANCE_PACKAGES:
        if package == "vmafref":
            continue
        assert re.sub(r"[-_.]+", "-", package).lower() in pinned, f"{package} is recorded in sidecars but not pinned with =="
