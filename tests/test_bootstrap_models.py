"""Bootstrap model collections (vmaf_b_v0.6.3, vmaf_float_b_v0.6.3) against libvmaf (specs/bootstrap_models.md).

The scoring of whole clips is in tests/test_golden.py (runs ``bootstrap``,
``bootstrap_transform``, ``float_bootstrap``); here libvmaf's own per-frame features go in and
libvmaf's own member scores and statistics must come out, to the last bit.
"""

from __future__ import annotations

import importlib.resources
import json
import math
from pathlib import Path

import pytest

from vmafref.feature_names import feature_key
from vmafref.vmaf_model import (
    BUILTIN_MODEL_COLLECTIONS,
    ModelError,
    VmafModel,
    VmafModelCollection,
    load_model,
    load_model_collection,
    load_model_or_collection,
)

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
STATISTICS = ("vmaf_bagging", "vmaf_stddev", "vmaf_ci_p95_lo", "vmaf_ci_p95_hi")


def _golden_collection_runs():
    manifest = json.loads((GOLDEN / "manifest.json").read_text())
    found = []
    for case in manifest["cases"]:
        for run in case["runs"]:
            models = run["models"]
            if len(models) == 1 and models[0]["version"] in BUILTIN_MODEL_COLLECTIONS:
                found.append(pytest.param(case, run, id=f"{case['id']}-{run['id']}"))
    return found


def _document(version: str) -> dict:
    resource = importlib.resources.files("vmafref") / "data" / "models" / f"{version}.json"
    return json.loads(resource.read_text(encoding="utf-8"))


@pytest.mark.parametrize("version", BUILTIN_MODEL_COLLECTIONS)
def test_builtin_collections_load_with_libvmaf_names(version):
    collection = load_model_collection(version)
    assert isinstance(collection, VmafModelCollection)
    assert collection.main.name == "vmaf" and len(collection.members) == 20
    assert [m.name for m in collection.members] == [f"vmaf_{i:04d}" for i in range(1, 21)]
    assert collection.output_keys[-4:] == STATISTICS
    assert {m.model_type for m in collection.members} == {"BOOTSTRAP_LIBSVMNUSVR"}
    assert all(m.clip == (0.0, 100.0) and not m.transform.enabled for m in collection.members)
    floating = "float" in version
    assert [name for name, _ in collection.extractor_requests()] == (
        ["float_adm", "float_motion", "float_vif"] if floating else ["adm", "motion", "vif"])
    named = load_model_collection(version, name="b", enable_transform=True)
    assert named.output_keys[0] == "b_0001" and named.output_keys[-1] == "b_ci_p95_hi"
    assert named.members[0].transform.enabled and named.main.transform.enabled
    assert isinstance(load_model_or_collection(version), VmafModelCollection)
    assert isinstance(load_model_or_collection("vmaf_v0.6.1"), VmafModel)
    with pytest.raises(ModelError, match="load_model_collection"):
        load_model(version)


@pytest.mark.parametrize(("case", "run"), _golden_collection_runs())
def test_collection_prediction_is_bit_exact_against_libvmaf(case, run):
    """libvmaf's per-frame features in; its vmaf, vmaf_0001..0020 and statistics out, identical."""
    expected = json.loads((GOLDEN / case["expected"]).read_text())["runs"][run["id"]]
    model = run["models"][0]
    flags = model.get("flags", [])
    collection = load_model_collection(model["version"], disable_clip="disable_clip" in flags,
                                       enable_transform="enable_transform" in flags)
    keys = tuple(feature_key(f.name, None) for f in collection.main.features)
    assert expected["model_keys"] == ["vmaf", *collection.output_keys]
    for frame in expected["frames"]:
        assert collection.main.predict(frame, keys) == frame["vmaf"]
        got = collection.predict(frame, tuple(keys for _ in collection.members))
        assert list(got) == list(collection.output_keys)
        assert got == {key: frame[key] for key in collection.output_keys}


def test_golden_collection_runs_are_found():
    runs = {param.values[1]["id"] for param in _golden_collection_runs()}
    assert runs == {"bootstrap", "bootstrap_transform", "float_bootstrap"}


def test_statistics_follow_predict_c(tmp_path):
    """mean / population stddev / interpolated 2.5 and 97.5 percentiles of the raw member scores,
    then the first member's transform and clip (predict.c:440-504), on a three-member file."""
    document = _document("vmaf_b_v0.6.3")
    small = {"0": document["0"], "note": "skipped", "1": document["1"], "2": document["2"], "3": document["3"],
             "5": document["5"]}
    path = tmp_path / "small.json"
    path.write_text(json.dumps(small))
    collection = load_model_or_collection(str(path))
    assert isinstance(collection, VmafModelCollection)
    assert [m.name for m in collection.members] == ["vmaf_0001", "vmaf_0002", "vmaf_0003"]  # "5" is not "4"
    frame = {"integer_adm2": 0.93, "integer_motion2": 3.5, "integer_vif_scale0": 0.55, "integer_vif_scale1": 0.8,
             "integer_vif_scale2": 0.87, "integer_vif_scale3": 0.9}
    keys = None
    got = collection.predict(frame)
    raw = [m.predict(frame, keys, transform_and_clip=False) for m in collection.members]
    mean = sum(raw) / 3
    ordered = sorted(raw)
    low = ordered[0] * (1 - 0.05) + ordered[1] * 0.05          # q = 2.5 * 2 / 100 = 0.05
    high = ordered[1] * (2 - 1.95) + ordered[2] * (1.95 - 1)   # q = 1.95
    assert got["vmaf_bagging"] == mean
    assert got["vmaf_ci_p95_lo"] == low and got["vmaf_ci_p95_hi"] == high
    stddev = math.sqrt(sum((r - mean) ** 2 for r in raw) / 3)
    assert got["vmaf_stddev"] == stddev * (((mean + 0.01) - (mean - 0.01)) / 0.02)
    assert [got[m.name] for m in collection.members] == [m.predict(frame, keys) for m in collection.members]


def test_saturated_frames_have_zero_stddev():
    collection = load_model_collection("vmaf_b_v0.6.3")
    perfect = {"integer_adm2": 1.0, "integer_motion2": 20.0, **{f"integer_vif_scale{i}": 1.0 for i in range(4)}}
    got = collection.predict(perfect)
    assert min(m.predict(perfect, transform_and_clip=False) for m in collection.members) > 100.01
    assert got["vmaf_bagging"] == 100.0 and got["vmaf_stddev"] == 0.0  # the clip's slope at the mean is 0


@pytest.mark.parametrize(("content", "message"), [
    ({"0": "vmaf_b_v0.6.3:0"}, "at least two"),
    ({"1": "vmaf_b_v0.6.3:1", "2": "vmaf_b_v0.6.3:2"}, "at least two"),
    ({"0": "vmaf_b_v0.6.3:0", "1": "vmaf_v0.6.1", "2": "vmaf_b_v0.6.3:2"}, "bootstrap type"),
    ({"0": "vmaf_v0.6.1", "1": "vmaf_v0.6.1", "2": "vmaf_v0.6.1"}, "bootstrap type"),
    ({"0": "vmaf_b_v0.6.3:0", "1": [1, 2]}, "not a JSON object"),
])
def test_malformed_collections_are_refused(tmp_path, content, message):
    def model(spec):
        if not isinstance(spec, str):
            return spec
        version, _, key = spec.partition(":")
        return _document(version)[key] if key else _document(version)

    path = tmp_path / "collection.json"
    path.write_text(json.dumps({key: model(spec) for key, spec in content.items()}))
    with pytest.raises(ModelError, match=message):
        load_model_collection(str(path))


def test_single_models_are_not_collections():
    with pytest.raises(ModelError, match="single model"):
        load_model_collection("vmaf_v0.6.1")


def test_scoring_refuses_colliding_names():
    from vmafref.scoring import ModelRequest, score_frames

    with pytest.raises(ValueError, match="share the output name"):
        score_frames(iter(()), width=64, height=48, bitdepth=8,
                     models=[ModelRequest("vmaf_b_v0.6.3"), ModelRequest("vmaf_v0.6.1", name="vmaf_bagging")])
