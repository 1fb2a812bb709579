"""The golden tool itself (tools/make_golden.py, golden_cases.py, golden_clips.py), without a libvmaf:
clip formats, the recipes against the stored manifest, and the comparison it applies."""

from __future__ import annotations

import hashlib
import json
import lzma
import math
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import golden_cases  # noqa: E402
import golden_clips  # noqa: E402
import make_golden  # noqa: E402

MANIFEST = json.loads((ROOT / "golden" / "manifest.json").read_text())
ENTRIES = {entry["id"]: entry for entry in MANIFEST["cases"]}
RECIPES = {case.id: case for case in golden_cases.CASES}


@pytest.mark.parametrize("pixel_format", ["420", "422", "444"])
@pytest.mark.parametrize("bitdepth", [8, 10, 16])
@pytest.mark.parametrize("container", ["yuv", "y4m"])
def test_clips_round_trip(pixel_format, bitdepth, container):
    width, height = 33, 27  # odd: chroma sizes round up
    rng = np.random.default_rng(bitdepth)
    shapes = golden_clips.frame_planes_shapes(width, height, pixel_format)
    frames = [[rng.integers(0, 1 << bitdepth, size=shape).astype(golden_clips.sample_dtype(bitdepth))
               for shape in shapes] for _ in range(3)]
    if container == "yuv":
        data = golden_clips.encode_raw(frames, bitdepth)
        assert len(data) == 3 * golden_clips.raw_frame_bytes(width, height, pixel_format, bitdepth)
    else:
        data = golden_clips.encode_y4m(frames, width, height, pixel_format, bitdepth)
        assert data.startswith(b"YUV4MPEG2 W33 H27 ")
    back = golden_clips.read_frames(data, container, width, height, pixel_format, bitdepth)
    assert len(back) == 3
    for got, want in zip(back, frames):
        for a, b in zip(got, want):
            np.testing.assert_array_equal(a, b)


def test_every_stored_case_has_its_recipe_and_runs():
    assert set(ENTRIES) == set(RECIPES)
    for case_id, entry in ENTRIES.items():
        recipe = RECIPES[case_id]
        assert (entry["width"], entry["height"], entry["pixel_format"], entry["bitdepth"], entry["container"]) == \
            (recipe.width, recipe.height, recipe.pixel_format, recipe.bitdepth, recipe.container)
        assert [run["id"] for run in entry["runs"]] == list(recipe.runs)
        for run in entry["runs"]:
            assert run == make_golden.run_manifest_entry(run["id"]), f"{case_id}: run {run['id']} differs from RUNS"
        if entry["source"]["kind"] == "synthetic":
            assert entry["source"]["generator"] == recipe.source["generator"]
            assert entry["source"]["parameters"] == recipe.source["parameters"]


def test_synthetic_recipes_rebuild_the_stored_clips():
    rebuilt = 0
    for case_id, recipe in RECIPES.items():
        if recipe.source["kind"] != "synthetic":
            continue
        entry = ENTRIES[case_id]
        reference, distorted = recipe.build(None, recipe)
        for role, data in (("reference", reference), ("distorted", distorted)):
            assert hashlib.sha256(data).hexdigest() == entry[role]["sha256"], f"{case_id} {role}"
        rebuilt += 1
    assert rebuilt > 60
    entry = ENTRIES["float_small_64x48_444_8bit"]
    stored = lzma.decompress((ROOT / "golden" / entry["reference"]["file"]).read_bytes())
    assert hashlib.sha256(stored).hexdigest() == entry["reference"]["sha256"]


def _stored_run(case_id: str, run_id: str) -> dict:
    return json.loads((ROOT / "golden" / ENTRIES[case_id]["expected"]).read_text())["runs"][run_id]


def test_diff_runs_is_exact_and_readable():
    stored = _stored_run("odd_161x91_420_8bit", "float")
    same = json.loads(json.dumps(stored))
    assert make_golden.diff_runs({"float": stored}, {"float": same}) == []
    moved = json.loads(json.dumps(stored))
    moved["frames"][1]["vif_scale2"] = math.nextafter(moved["frames"][1]["vif_scale2"], 2.0)
    (problem,) = make_golden.diff_runs({"float": stored}, {"float": moved})
    assert problem.startswith("run float frame 1 vif_scale2: expected ")
    assert make_golden.diff_runs({"float": stored}, {}) == ["run float: present in only one of expected/recomputed"]


def test_only_float_adm_and_model_keys_may_move_with_the_cpu_family():
    stored = _stored_run("odd_161x91_420_8bit", "float")
    moved = json.loads(json.dumps(stored))
    for frame in moved["frames"]:
        frame["adm2"] *= 1 + 5e-7
        frame["vmaf"] *= 1 + 5e-7
    assert make_golden._explained_by_rcpss("float", stored, moved)
    moved["frames"][1]["vif_scale1"] = math.nextafter(moved["frames"][1]["vif_scale1"], 2.0)
    assert not make_golden._explained_by_rcpss("float", stored, moved)
    far = json.loads(json.dumps(stored))
    far["frames"][0]["adm2"] *= 1 + 5e-6
    assert not make_golden._explained_by_rcpss("float", stored, far)


def test_moved_cases_record_their_cpu_family_and_no_pooled_values():
    for case_id, entry in ENTRIES.items():
        if not entry["libvmaf"].get("pooled_recorded", True):
            assert entry["libvmaf"]["rcpss"] == "intel" and "recorded_by" in entry["libvmaf"]
            document = json.loads((ROOT / "golden" / entry["expected"]).read_text())
            assert all(run["pooled"] == {} for run in document["runs"].values())
