"""The tolerance rule and the goldens' one comparer (vmafref.tolerances)."""

import math

import pytest

from vmafref.tolerances import CPU_FAMILY_LIMIT, EXACT, POOLING_METHODS, TOLERANCES, compare_run, within


def _run(frames, pooled=None):
    if pooled is None:
        keys = frames[0]
        pooled = {key: {method: frames[0][key] for method in POOLING_METHODS} for key in keys}
    return {"frames": frames, "pooled": pooled, "model_keys": []}


@pytest.mark.parametrize(("expected", "got", "limit", "passes"), [
    (1.0, 1.0, EXACT, True),
    (1.0, math.nextafter(1.0, 2.0), EXACT, False),
    (math.nan, math.nan, EXACT, True),
    (math.nan, 0.0, TOLERANCES["float"]["limit"], False),
    (math.inf, math.inf, EXACT, True),
    (math.inf, 1e308, TOLERANCES["float"]["limit"], False),
    (0.0, -0.0, EXACT, True),
    (100.0, 100.0 + 9e-5, {"rtol": 1e-6, "atol": 0.0}, True),
    (100.0, 100.0 + 1.1e-4, {"rtol": 1e-6, "atol": 0.0}, False),
    (1e-12, 2e-12, CPU_FAMILY_LIMIT, True),
])
def test_within(expected, got, limit, passes):
    assert within(expected, got, limit) is passes


def test_identical_runs_have_no_mismatch():
    stored = _run([{"a": 0.5, "b": math.nan}, {"a": 0.25, "b": 1.0}])
    assert compare_run(stored, [dict(f) for f in stored["frames"]], stored["pooled"]) == []


def test_each_kind_of_mismatch_is_reported():
    stored = _run([{"a": 0.5, "b": 2.0}, {"a": 0.25, "b": 1.0}])
    got_frames = [{"a": 0.5 + 1e-9, "b": 2.0}, {"a": 0.25, "c": 1.0}, {"a": 0.0, "b": 0.0}]
    got_pooled = {"a": dict(stored["pooled"]["a"], mean=0.6), "c": {}}
    found = compare_run(stored, got_frames, got_pooled)
    kinds = [(m.kind, m.where, m.key) for m in found]
    assert ("frames", "frames", None) in kinds
    assert ("value", "frame 0", "a") in kinds
    assert ("keys", "frame 1", None) in kinds and "missing ['b'], unexpected ['c']" in found[2].describe()
    assert ("value", "pooled mean", "a") in kinds
    assert ("keys", "pooled", "b") in kinds and ("keys", "pooled", "c") in kinds
    value = next(m for m in found if m.where == "frame 0")
    assert value.expected == 0.5 and value.got == 0.5 + 1e-9 and value.allowed == 0.0
    assert "expected 0.5" in value.describe() and "allowed 0.0e+00" in value.describe()


def test_limits_apply_per_key_and_unrecorded_pooled_values_are_skipped():
    stored = _run([{"adm2": 0.9, "vif": 0.8}], pooled={})
    got = [{"adm2": 0.9 * (1 + 5e-7), "vif": 0.8}]
    assert compare_run(stored, got, {"anything": {}}, lambda key: CPU_FAMILY_LIMIT if key == "adm2" else EXACT) == []
    got = [{"adm2": 0.9, "vif": 0.8 * (1 + 5e-7)}]
    (mismatch,) = compare_run(stored, got, {}, lambda key: CPU_FAMILY_LIMIT if key == "adm2" else EXACT)
    assert mismatch.key == "vif"
