"""The ``v3.0`` libvmaf convention's float extractors against libvmaf v3.0.0's own values: the
golden cases' ``float_v30`` runs (tools/golden_cases.py ``CONVENTION_RUNS``, made by a v3.0.0
build on its C path; docs/golden.md)."""

from __future__ import annotations

import pytest

from tests.features.golden_runs import assert_float_features_close, case, expected_run, extractor_for, golden_run, \
    run_extractor
from vmafref.features.float_adm_v30 import FloatAdmV30Extractor
from vmafref.features.float_motion_v30 import FloatMotionV30Extractor
from vmafref.features.float_vif_v30 import FloatVifV30Extractor

#: Golden cases with a v3.0 float run.
V30_CASES = ("flat_64x48_420_8bit", "min_size_33x33_444_8bit", "odd_161x91_420_8bit", "texture_96x72_420_10bit",
             "sparks_480x270_420_10bit", "x264_160x90_420_8bit_y4m")
#: The float VIF compiles its pyramid for each geometry: the 33x33 case (which the golden test
#: compiles too) by default, the others with the slow tests.
VIF_CASES = [case_id if case_id == "min_size_33x33_444_8bit" else pytest.param(case_id, marks=pytest.mark.slow)
             for case_id in V30_CASES]
VIF_KEYS = ("vif_scale0", "vif_scale1", "vif_scale2", "vif_scale3", "vif", "vif_num", "vif_den",
            *[f"vif_{part}_scale{k}" for k in range(4) for part in ("num", "den")])


def _assert_identical(got: list[dict], expected: list[dict], keys) -> None:
    for index, (have, want) in enumerate(zip(got, expected, strict=True)):
        for key in keys:
            assert have[key] == want[key], f"frame {index} {key}: {have[key]!r}, libvmaf v3.0.0 {want[key]!r}"


def test_every_v30_float_run_is_listed():
    assert {case_id for case_id in V30_CASES if any(run["id"] == "float_v30" for run in case(case_id)["runs"])} \
        == set(V30_CASES)


@pytest.mark.parametrize("case_id", V30_CASES)
def test_float_motion(case_id):
    """Identical doubles to libvmaf v3.0.0's float motion on every frame."""
    got = run_extractor(extractor_for(FloatMotionV30Extractor, case_id, debug=True), case_id)
    _assert_identical(got, expected_run(case_id, "float_v30")["frames"], ("motion", "motion2"))


@pytest.mark.parametrize("case_id", VIF_CASES)
def test_float_vif(case_id):
    """Identical doubles to libvmaf v3.0.0's float VIF on every frame, debug sums included."""
    got = run_extractor(extractor_for(FloatVifV30Extractor, case_id, debug=True), case_id)
    _assert_identical(got, expected_run(case_id, "float_v30")["frames"], VIF_KEYS)


def test_float_adm():
    """v3.0.0's float ADM keys, within the float features' bound of its values, scored with the
    CPU family that made the run (specs/float_adm.md §4)."""
    case_id = "min_size_33x33_444_8bit"
    rcpss = golden_run(case_id, "float_v30")["libvmaf"].get("rcpss") or case(case_id)["libvmaf"].get("rcpss") \
        or "intel"
    expected = expected_run(case_id, "float_v30")["frames"]
    got = run_extractor(extractor_for(FloatAdmV30Extractor, case_id, debug=True, rcpss=rcpss), case_id)
    keys = sorted(key for key in expected[0] if key.startswith("adm"))
    assert all(set(row) == set(keys) for row in got)
    assert_float_features_close(got, expected, keys)
