"""The golden tool itself (tools/make_golden.py, golden_cases.py, golden_clips.py), without a libvmaf:
clip formats, the recipes against the stored manifest, and the comparison it applies."""

from __future__ import annotations

import hashlib
import json
import lzma
import math
import sys
from pathlib import Path

import shutil
import types

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
            assert make_golden.run_recipe(run) == make_golden.run_manifest_entry(run["id"]), \
                f"{case_id}: run {run['id']} differs from RUNS"
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


# ------------------------------------------------------------------ runs under a libvmaf convention

def test_convention_runs_name_their_libvmaf_and_come_last():
    for run_id, run in golden_cases.RUNS.items():
        if "convention" in run:
            assert run["convention"] in golden_cases.CONVENTION_LIBVMAF
            assert make_golden.run_manifest_entry(run_id)["convention"] == run["convention"]
    for case_id in golden_cases.CONVENTION_RUNS:
        runs = RECIPES[case_id].runs
        first = min(runs.index(run_id) for run_id in golden_cases.CONVENTION_RUNS[case_id])
        assert all(golden_cases.run_convention(run_id) == "v3.0" for run_id in runs[first:]), case_id
        for run in ENTRIES[case_id]["runs"][first:]:
            assert run["libvmaf"]["commit"] == golden_cases.CONVENTION_LIBVMAF["v3.0"]["commit"]
            assert run["libvmaf"]["vmaf_version"] == "3.0.0"
    assert MANIFEST["conventions"] == golden_cases.CONVENTION_LIBVMAF


class _FakeLibrary:
    """A stand-in for :class:`vmafref.libvmaf_capi.LibVmaf`: its ``compute`` returns, for every
    context, one key per frame whose value says which library made it."""

    def __init__(self, version: str, value: float):
        self.version, self.path, self.value, self.calls = version, f"fake-{version}.so", value, []

    def compute(self, frames, *, models, features, cpumask, **geometry):
        self.calls.append(cpumask)
        count = len(list(frames))
        rows = [{"made_by": self.value + index} for index in range(count)]
        pooled = {"made_by": dict.fromkeys(("min", "max", "mean", "harmonic_mean"), self.value)}
        return types.SimpleNamespace(frames=rows, pooled=pooled, model_keys=[])


CASE = "odd_161x91_420_8bit"


@pytest.fixture
def golden_copy(tmp_path, monkeypatch):
    """golden/ reduced to one case with v3.0 runs, in a temporary folder."""
    monkeypatch.setattr(make_golden, "this_cpu_rcpss", lambda: "amd")
    golden = tmp_path / "golden"
    shutil.copytree(ROOT / "golden" / CASE, golden / CASE)
    manifest = dict(MANIFEST, cases=[ENTRIES[CASE]])
    make_golden.write_json(golden / "manifest.json", manifest)
    return golden


def _load(golden: Path) -> tuple[dict, dict]:
    entry = json.loads((golden / "manifest.json").read_text())["cases"][0]
    return entry, json.loads((golden / entry["expected"]).read_text())


def _context(tmp_path: Path) -> golden_cases.BuildContext:
    return golden_cases.BuildContext(vmaf_resource=None, ffmpeg="ffmpeg", work=tmp_path)


def test_convention_generation_computes_only_its_runs_and_records_their_libvmaf(golden_copy, tmp_path):
    library = _FakeLibrary("3.0.0", 1000.0)
    stored_entry, stored = _load(golden_copy)
    assert make_golden.generate(library, [RECIPES[CASE]], golden_copy, _context(tmp_path), False, (0, 16),
                                convention="v3.0") == 0
    entry, document = _load(golden_copy)
    assert library.calls == [255, 255], "the v3.0 runs, on the C path only"
    for run_id, run in document["runs"].items():
        if golden_cases.run_convention(run_id) == "v3.0":
            assert run["frames"][0] == {"made_by": 1000.0}
        else:
            assert run == stored["runs"][run_id]
    assert entry["libvmaf"] == stored_entry["libvmaf"], "the case's record stays the reference libvmaf's"
    assert document["libvmaf_version"] == stored["libvmaf_version"]
    runs = {run["id"]: run for run in entry["runs"]}
    assert runs["integer_v30"]["libvmaf"] == {"commit": golden_cases.CONVENTION_LIBVMAF["v3.0"]["commit"],
                                              "vmaf_version": "3.0.0", "n_threads": 0, "cpumask": 255,
                                              "rcpss": "amd"}
    assert "libvmaf" not in runs["integer"]


def test_reference_generation_keeps_the_convention_runs(golden_copy, tmp_path):
    library = _FakeLibrary(make_golden.EXPECTED_VERSION, 2000.0)
    stored_entry, stored = _load(golden_copy)
    make_golden.generate(library, [RECIPES[CASE]], golden_copy, _context(tmp_path), False, ())
    entry, document = _load(golden_copy)
    for run_id, run in document["runs"].items():
        if golden_cases.run_convention(run_id) == "v3.0":
            assert run == stored["runs"][run_id]
        else:
            assert run["frames"][0] == {"made_by": 2000.0}
    old_runs = {run["id"]: run for run in stored_entry["runs"]}
    for run in entry["runs"]:
        assert run.get("libvmaf") == old_runs[run["id"]].get("libvmaf")


def test_a_convention_needs_its_libvmaf_and_its_runs(golden_copy, tmp_path):
    recipe = RECIPES[CASE]
    with pytest.raises(ValueError, match="libvmaf 3.0.0"):
        make_golden.check_library_convention(_FakeLibrary("3.2.0", 0.0), "v3.0")
    with pytest.raises(ValueError, match="libvmaf 3.0.0"):
        make_golden.generate(_FakeLibrary(make_golden.EXPECTED_VERSION, 0.0), [recipe], golden_copy,
                             _context(tmp_path), False, (), convention="v3.0")
    with pytest.raises(ValueError, match="not taken under convention v3.0"):
        make_golden.generate(_FakeLibrary("3.0.0", 0.0), [recipe], golden_copy, _context(tmp_path), False, (),
                             only_runs=["integer"], convention="v3.0")
    with pytest.raises(ValueError, match="not taken under the reference libvmaf"):
        make_golden.generate(_FakeLibrary(make_golden.EXPECTED_VERSION, 0.0), [recipe], golden_copy,
                             _context(tmp_path), False, (), only_runs=["float_v30"])
    with pytest.raises(ValueError, match="has none"):
        make_golden._plan(RECIPES["identical_176x144_420_8bit"], ENTRIES["identical_176x144_420_8bit"],
                          ROOT / "golden", _context(tmp_path), False, (), None, "v3.0")
    assert make_golden.runs_under(recipe, "v3.0") == ["integer_v30", "float_v30"]
    assert "integer_v30" not in make_golden.runs_under(recipe, None)


def test_check_compares_only_the_runs_of_its_libvmaf(golden_copy, capsys):
    assert make_golden.check(_FakeLibrary("3.0.0", 0.0), [RECIPES[CASE]], golden_copy, (), "v3.0") == 1
    out = capsys.readouterr().out
    assert "run integer_v30 frame 0" in out and "run integer " not in out
    assert "are not checked with this libvmaf" in out


def test_a_convention_library_cannot_be_let_through_by_version_mismatch(capsys):
    with pytest.raises(SystemExit) as raised:
        make_golden.main(["--libvmaf", "libvmaf.so", "--convention", "v3.0", "--allow-version-mismatch"])
    assert raised.value.code == 2
    assert "--allow-version-mismatch is for the reference libvmaf" in capsys.readouterr().err
