import json
from pathlib import Path

import pytest

from vmafref.vmaf_model import BUILTIN_MODELS, ModelError, load_model, model_feature_keys, parse_libsvm_model

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def _golden_frames():
    """(case:run, model version, model output name, per-frame values) for every golden run with a model."""
    manifest_path = GOLDEN / "manifest.json"
    if not manifest_path.exists():
        return []
    found = []
    for case in json.loads(manifest_path.read_text())["cases"]:
        expected = json.loads((GOLDEN / case["expected"]).read_text())
        for run in case["runs"]:
            for model in run["models"]:
                if model["version"] not in BUILTIN_MODELS:
                    continue  # model collections: tests/test_bootstrap_models.py
                name = model.get("name") or "vmaf"
                found.append((f"{case['id']}:{run['id']}", model["version"], name, expected["runs"][run["id"]]["frames"]))
    return found


@pytest.mark.parametrize("version", BUILTIN_MODELS)
def test_builtin_models_load(version):
    """Each shipped libvmaf model loads with the features, support vectors, gamma, clip and
    transform its JSON and libsvm text declare."""
    import importlib.resources
    import json
    import re

    document = json.loads(importlib.resources.files("vmafref").joinpath(f"data/models/{version}.json").read_text())
    model_dict = document["model_dict"]
    libsvm = model_dict["model"]
    model = load_model(version)
    assert len(model.features) == len(model_dict["feature_names"])
    assert len(model.svm.coefficients) == len(model.svm.support_vectors) == int(re.search(r"total_sv (\d+)", libsvm)[1])
    assert model.svm.gamma == float(re.search(r"gamma ([0-9.eE+-]+)", libsvm)[1])
    assert model.clip == tuple(float(v) for v in model_dict.get("score_clip", (0.0, 100.0)))
    assert model.transform.enabled == bool(model_dict.get("score_transform", {}).get("enabled", False))
    if version.startswith("vmaf_v1.0.16"):
        assert {name for name, _ in model.extractor_requests()} == {"cambi", "speed_chroma", "adm", "motion"}
        return
    assert len(model.features) == 6
    float_model = "float" in version
    assert all(name.startswith("float_") == float_model for name, _ in model.extractor_requests())
    gain_limits = {option: value for _, options in model.extractor_requests() for option, value in options.items()}
    assert gain_limits == ({"adm_enhn_gain_limit": 1.0, "vif_enhn_gain_limit": 1.0} if version.endswith("neg") else {})


def test_neg_model_reads_option_suffixed_keys():
    model = load_model("vmaf_v0.6.1neg")
    params = {"adm": {"adm_enhn_gain_limit": ("egl", 1.0)}, "vif": {"vif_enhn_gain_limit": ("egl", 1.0)}}
    assert model_feature_keys(model, params) == (
        "integer_adm2_egl_1", "integer_motion2", "integer_vif_scale0_egl_1", "integer_vif_scale1_egl_1",
        "integer_vif_scale2_egl_1", "integer_vif_scale3_egl_1")
    assert dict(model.extractor_requests()) == {"adm": {"adm_enhn_gain_limit": 1.0}, "motion": {},
                                                 "vif": {"vif_enhn_gain_limit": 1.0}}


def test_float_model_uses_float_extractors():
    assert [name for name, _ in load_model("vmaf_float_v0.6.1").extractor_requests()] == ["float_adm", "float_motion", "float_vif"]


def test_clip_and_transform_flags():
    # Features beyond the training range push the raw prediction above 100.
    features = {"integer_adm2": 1.0, "integer_motion2": 30.0, "integer_vif_scale0": 1.0, "integer_vif_scale1": 1.0,
                "integer_vif_scale2": 1.0, "integer_vif_scale3": 1.0}
    clipped = load_model("vmaf_v0.6.1").predict(features)
    unclipped = load_model("vmaf_v0.6.1", disable_clip=True).predict(features)
    assert clipped == 100.0 and unclipped > 100.0
    good = dict(features, integer_adm2=0.95, integer_vif_scale0=0.5, integer_vif_scale1=0.9,
                integer_vif_scale2=0.95, integer_vif_scale3=0.97, integer_motion2=3.0)
    plain = load_model("vmaf_v0.6.1").predict(good)
    transformed = load_model("vmaf_v0.6.1", enable_transform=True).predict(good)
    poly = 1.70674692 + 1.72643844 * plain - 0.00705305 * plain * plain
    assert transformed == min(max(poly, plain), 100.0)


def test_missing_feature_is_a_clear_error():
    with pytest.raises(ModelError, match="integer_adm2"):
        load_model("vmaf_v0.6.1").predict({})


def test_bad_models_are_refused(tmp_path):
    with pytest.raises(ModelError, match="unknown model"):
        load_model("vmaf_v9")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"model_dict": {"model_type": "LIBSVMEPSILONSVR"}}))
    with pytest.raises(ModelError, match="not supported"):
        load_model(str(bad))
    with pytest.raises(ModelError, match="does not use extractor"):
        load_model("vmaf_v0.6.1", overloads={"float_adm": {"debug": "true"}})
    with pytest.raises(ModelError, match="SV"):
        parse_libsvm_model("svm_type nu_svr\nkernel_type rbf\n", 6)
    with pytest.raises(ModelError, match="kernel_type"):
        parse_libsvm_model("svm_type nu_svr\nkernel_type linear\nSV\n", 6)


def test_sparse_support_vectors_are_dense_zeros():
    text = "svm_type nu_svr\nkernel_type rbf\ngamma 0.5\nnr_class 2\ntotal_sv 1\nrho 0.25\nSV\n2 1:1.5 3:-2\n"
    svm = parse_libsvm_model(text, 3)
    assert svm.support_vectors == ((1.5, 0.0, -2.0),)


def test_golden_runs_are_found():
    # Guards the parametrisation below against silently collecting nothing.
    assert len(_golden_frames()) >= 20


@pytest.mark.parametrize("case", _golden_frames(), ids=lambda c: c[0])
def test_prediction_is_bit_exact_against_libvmaf(case):
    """libvmaf's own per-frame features in, libvmaf's own per-frame score out, to the last bit."""
    _, version, name, frames = case
    from vmafref.scoring import _model_keys

    model = load_model(version)
    keys = _model_keys(model)  # the keys scoring reads: every option's libvmaf suffix
    for frame in frames:
        assert model.predict(frame, keys) == frame[name]


def _builtin_document(version="vmaf_v0.6.1"):
    import importlib.resources

    return json.loads(importlib.resources.files("vmafref").joinpath(f"data/models/{version}.json").read_text())


@pytest.mark.parametrize("needle, replacement, message", [
    ('"slopes": [', '"slopes": [NaN, ', "NaN"),
    ('"intercepts": [', '"intercepts": [Infinity, ', "Infinity"),
    ('"score_clip": [', '"score_clip": [-Infinity, ', "-Infinity"),
    ('"slopes": [', '"slopes": [1e999, ', "1e999"),
])
def test_non_finite_numbers_are_refused_at_load(tmp_path, needle, replacement, message):
    """Python's json reads NaN/Infinity/1e999; a model holding one would score null frames."""
    text = json.dumps(_builtin_document())
    assert needle in text
    path = tmp_path / "model.json"
    path.write_text(text.replace(needle, replacement, 1))
    with pytest.raises(ModelError, match=message.replace("+", r"\+")):
        load_model(str(path))


def test_non_finite_numbers_in_the_libsvm_text_are_refused():
    text = "svm_type nu_svr\nkernel_type rbf\ngamma 0.5\nnr_class 2\ntotal_sv 1\nrho 0.25\nSV\nnan 1:1.5\n"
    with pytest.raises(ModelError, match="finite"):
        parse_libsvm_model(text, 1)
    with pytest.raises(ModelError, match="line 8"):
        parse_libsvm_model(text.replace("nan 1:1.5", "1 1:2:3"), 1)
    with pytest.raises(ModelError, match="finite"):
        parse_libsvm_model(text.replace("gamma 0.5", "gamma inf").replace("nan", "1"), 1)


@pytest.mark.parametrize("case", ["directory", "not utf-8", "deeply nested", "a list", "truncated", "empty"])
def test_unreadable_model_files_are_a_clear_error(tmp_path, case):
    path = tmp_path / "model.json"
    if case == "directory":
        path.mkdir()
    else:
        path.write_bytes({"not utf-8": b'{"model_dict": "\xff\xfe"}', "deeply nested": b"[" * 100_000,
                          "a list": b"[1, 2]", "truncated": b'{"model_dict": {',
                          "empty": b""}[case])
    with pytest.raises(ModelError, match={"directory": "is a directory", "not utf-8": "UTF-8",
                                          "deeply nested": "nested too deeply", "a list": "not an object",
                                          "truncated": "not valid JSON", "empty": "not valid JSON"}[case]):
        load_model(str(path))
    with pytest.raises(ModelError, match="empty model name"):
        load_model("")


@pytest.mark.parametrize("field, value, message", [
    ("model_dict", [], "model_dict"),
    ("feature_names", 3, "feature_names"),
    ("feature_names", [], "feature_names"),
    ("slopes", "0.1", "slopes"),
    ("slopes", [0.0] * 7, "slopes\\[0\\] is 0"),
    ("intercepts", [True] * 7, "not a number"),
    ("intercepts", [10 ** 400] * 7, "too large"),
    ("score_clip", [0.0], "score_clip"),
    ("score_transform", {"p0": "1"}, "p0"),
    ("score_transform", {"knots": [[0, 1], [2]]}, "knots"),
    ("feature_opts_dicts", [{}], "feature_opts_dicts"),
    ("feature_opts_dicts", [{"adm_enhn_gain_limit": [1]}] * 6, "feature_opts_dicts\\[0\\]"),
    ("model", None, "libsvm"),
])
def test_malformed_model_dicts_name_the_field(tmp_path, field, value, message):
    document = _builtin_document()
    if field == "model_dict":
        document["model_dict"] = value
    else:
        document["model_dict"][field] = value
    path = tmp_path / "model.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ModelError, match=message):
        load_model(str(path))


def test_a_valid_model_file_still_loads_as_the_builtin(tmp_path):
    path = tmp_path / "copy.json"
    path.write_text(json.dumps(_builtin_document()))
    loaded, builtin = load_model(str(path)), load_model("vmaf_v0.6.1")
    assert (loaded.features, loaded.svm, loaded.slope, loaded.clip) == (builtin.features, builtin.svm,
                                                                         builtin.slope, builtin.clip)
