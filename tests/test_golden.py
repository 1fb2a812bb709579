"""vmafref against libvmaf's own outputs, stored under ``golden/``.

Every case of ``golden/manifest.json`` is scored through the public API
(:func:`vmafref.scoring.score`) once per libvmaf run recorded for it, and every key of every
frame, and every pooled value, is compared with libvmaf's double: exactly on the fixed-point
path, within the manifest's tolerance on the float path and for the model score. The values
come from a real libvmaf through ``tools/make_golden.py``; see docs/golden.md. A run taken
under another libvmaf convention (its ``convention``, e.g. ``v3.0``: libvmaf v3.0.0's values)
is scored with ``libvmaf_convention`` set to it.
"""

from __future__ import annotations

import hashlib
import json
import lzma
import math
from pathlib import Path

import pytest

from vmafref.conventions import CONVENTIONS, DEFAULT_CONVENTION
from vmafref.features._float_rcp_table import DEFAULT_RCPSS
from vmafref import tolerances as tolerance_rules
from vmafref.tolerances import POOLING_METHODS

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
MANIFEST = json.loads((GOLDEN / "manifest.json").read_text()) if (GOLDEN / "manifest.json").exists() else {"cases": []}
CASES = MANIFEST["cases"]

#: (case, run) pairs that run by default; every other pair is marked slow. Each new frame
#: geometry costs vmafref a JIT compilation (about 30 s for the fixed-point run, 100 s for the
#: float run on two cores), so the default set is a few geometries that cover the fixed-point
#: path on odd sizes, high bit depth, 4:2:2 and Y4M, and the float path at the minimum size.
DEFAULT_RUNS = {("odd_161x91_420_8bit", "integer"), ("y4m_texture_90x60_422_10bit", "integer"),
                ("flat_64x48_420_8bit", "integer"), ("min_size_33x33_444_8bit", "float"),
                # The other extractors: cheap, one small geometry each for chroma, options and float order.
                ("odd_161x91_420_8bit", "psnr"), ("y4m_texture_90x60_422_10bit", "psnr"),
                ("texture_96x72_420_16bit", "psnr_ctc"), ("odd_161x91_420_8bit", "float_simple"),
                ("texture_80x64_422_8bit", "float_ssim_db"),
                # Bootstrap collections, on geometries the runs above compile already.
                ("odd_161x91_420_8bit", "bootstrap"), ("min_size_33x33_444_8bit", "float_bootstrap"),
                ("texture_80x64_422_8bit", "ciede"), ("identical_176x144_420_8bit", "ciede"),
                ("odd_33x27_444_8bit", "psnr_hvs"),
                # CAMBI needs a side of 216: the smallest banding case.
                ("banding_256x144_420_8bit", "cambi"),
                # VMAF v1: the blended-CSF ADM at an odd size, the HFR motion, SpEED chroma at 12 bits.
                ("odd_161x91_420_8bit", "adm_v1"), ("odd_161x91_420_8bit", "motion_hfr"),
                ("texture_192x176_444_12bit", "speed_chroma_v1"),
                # The float features with their debug sums, as an Intel CPU's libvmaf gave them.
                ("float_small_64x48_444_8bit", "float_features"),
                ("float_small_64x48_444_8bit", "float_features_egl1"),
                # libvmaf v3.0.0 (the v3.0 convention): fixed point at an odd size, float at 33x33.
                ("odd_161x91_420_8bit", "integer_v30"), ("min_size_33x33_444_8bit", "float_v30")}

pytestmark = pytest.mark.skipif(not CASES, reason="golden/manifest.json has no cases")


def _case_run_params():
    params = []
    for case in CASES:
        for run in case["runs"]:
            marks = [] if (case["id"], run["id"]) in DEFAULT_RUNS else [pytest.mark.slow]
            params.append(pytest.param(case, run, id=f"{case['id']}-{run['id']}", marks=marks))
    return params


def _expected(case: dict) -> dict:
    return json.loads((GOLDEN / case["expected"]).read_text())


def _unpack_clip(case: dict, role: str, directory: Path) -> Path:
    entry = case[role]
    data = lzma.decompress((GOLDEN / entry["file"]).read_bytes())
    assert hashlib.sha256(data).hexdigest() == entry["sha256"], f"{entry['file']}: sha256 differs from the manifest"
    path = directory / Path(entry["file"]).name.removesuffix(".xz")
    path.write_bytes(data)
    return path


def _score_run(case: dict, run: dict, reference: Path, distorted: Path):
    from vmafref.scoring import FeatureRequest, ModelRequest, score

    models = [ModelRequest(version=model["version"], name=model.get("name") or "vmaf",
                           overloads={fex: dict(options) for fex, options in model.get("overloads", {}).items()},
                           disable_clip="disable_clip" in model.get("flags", ()),
                           enable_transform="enable_transform" in model.get("flags", ()))
              for model in run["models"]]
    features = [FeatureRequest(feature["name"], dict(feature.get("options", {}))) for feature in run["features"]]
    # The float ADM divides through rcpss, whose estimates differ between CPU families: score as
    # the CPU that made the run (or the case) did, where the manifest records it (specs/float_adm.md §4).
    provenance = run.get("libvmaf", case["libvmaf"])
    rcpss = provenance.get("rcpss") or DEFAULT_RCPSS
    return score(str(reference), str(distorted), width=case["width"], height=case["height"],
                 pixel_format=case["pixel_format"], bitdepth=case["bitdepth"], models=models, features=features,
                 rcpss=rcpss, libvmaf_convention=run.get("convention", DEFAULT_CONVENTION))


def _table(rows: list[tuple]) -> str:
    header = ("key", "frame", "expected", "got", "diff", "allowed")
    cells = [header] + [tuple(str(cell) for cell in row) for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) for row in cells)


def compare_run(case: dict, run: dict, expected: dict, frames: list, pooled: dict, max_rows: int = 60) -> list[str]:
    """Every disagreement between libvmaf's run and vmafref's, as readable lines: the
    structural ones, then the values outside the manifest's tolerance as a table."""
    tolerances = case["tolerances"]
    model_keys = set(expected["model_keys"])

    def limit_for(key: str) -> dict:
        family = run["model_family"] if key in model_keys else run["feature_family"]
        return tolerances[family]["limit"]

    mismatches = tolerance_rules.compare_run(expected, frames, pooled, limit_for)
    problems = [m.describe() for m in mismatches if m.kind != "value"]
    rows = [(m.key if m.where.startswith("frame") else f"{m.key} [{m.where.split()[1]}]",
             m.where.split()[1] if m.where.startswith("frame") else "pooled",
             repr(m.expected), repr(m.got), f"{m.got - m.expected:.3e}", f"{m.allowed:.1e}")
            for m in mismatches if m.kind == "value"]
    if rows:
        worst: dict[str, float] = {}
        for key, _, want, have, diff, _ in rows:
            worst[key] = max(worst.get(key, 0.0), abs(float(diff)) if diff != "nan" else math.inf)
        problems.append(f"{len(rows)} value(s) outside tolerance in {len(worst)} key(s); "
                        f"worst |diff| per key: " + ", ".join(f"{k}={v:.2e}" for k, v in sorted(worst.items())))
        problems.append(_table(rows[:max_rows]) + (f"\n... {len(rows) - max_rows} more" if len(rows) > max_rows else ""))
    return problems


@pytest.mark.parametrize(("case", "run"), _case_run_params())
def test_golden_case_matches_libvmaf(case, run, tmp_path):
    expected = _expected(case)["runs"][run["id"]]
    reference = _unpack_clip(case, "reference", tmp_path)
    distorted = _unpack_clip(case, "distorted", tmp_path)
    result = _score_run(case, run, reference, distorted)
    problems = compare_run(case, run, expected, result.frames, result.pooled)
    assert not problems, f"{case['id']} / run {run['id']} ({' '.join(run['libvmaf_cli'])}):\n" + "\n".join(problems)


# ------------------------------------------------------------------ the goldens themselves

@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_golden_files_match_manifest(case):
    for role in ("reference", "distorted"):
        data = lzma.decompress((GOLDEN / case[role]["file"]).read_bytes())
        assert hashlib.sha256(data).hexdigest() == case[role]["sha256"]
        assert len(data) == case[role]["bytes"]
    expected = _expected(case)
    assert expected["case"] == case["id"]
    assert sorted(run["id"] for run in case["runs"]) == sorted(expected["runs"])
    for run in case["runs"]:
        result = expected["runs"][run["id"]]
        assert len(result["frames"]) == case["frame_count"]
        keys = set(result["frames"][0])
        assert all(set(frame) == keys for frame in result["frames"]), "every frame carries every key"
        if case["libvmaf"].get("pooled_recorded", True):
            assert set(result["pooled"]) == keys
        else:  # a moved case recorded per frame only (docs/golden.md, "Moved cases")
            assert result["pooled"] == {}
        assert run["feature_family"] in case["tolerances"]
        if run["model_family"]:
            assert run["model_family"] in case["tolerances"]


def test_runs_under_a_convention_record_their_libvmaf():
    """A run taken under another libvmaf convention names a known one and the libvmaf its values
    come from (the manifest's ``conventions`` table); the other runs use the case's record."""
    conventions = MANIFEST.get("conventions", {})
    for case in CASES:
        for run in case["runs"]:
            if "convention" not in run:
                assert "libvmaf" not in run
                continue
            assert run["convention"] in CONVENTIONS and run["convention"] != DEFAULT_CONVENTION
            wanted = conventions[run["convention"]]
            assert run["libvmaf"]["commit"] == wanted["commit"]
            assert run["libvmaf"]["vmaf_version"] == wanted["vmaf_version"]
            assert run["libvmaf"]["cpumask"] == 255


def test_golden_case_ids_are_unique_and_files_are_listed():
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids))
    listed = {case[role]["file"] for case in CASES for role in ("reference", "distorted")}
    listed |= {case["expected"] for case in CASES}
    on_disk = {str(path.relative_to(GOLDEN)) for path in GOLDEN.rglob("*") if path.is_file()}
    on_disk -= {"manifest.json"}
    assert on_disk == listed, "golden/ holds exactly the files the manifest lists"


def test_golden_expected_values_are_not_degenerate():
    """No two cases share their values (except a case declared ``equivalent_to`` another, which
    must equal it), and no case's integer VMAF is the same on every frame unless the case is
    built to be constant (flat or identical frames)."""
    fingerprints = {}
    documents = {case["id"]: _expected(case)["runs"] for case in CASES}
    for case in CASES:
        runs = documents[case["id"]]
        if case.get("equivalent_to"):
            assert runs == documents[case["equivalent_to"]], f"{case['id']} should equal {case['equivalent_to']}"
            continue
        fingerprint = json.dumps(runs, sort_keys=True)
        assert fingerprint not in fingerprints, f"{case['id']} repeats {fingerprints.get(fingerprint)}"
        fingerprints[fingerprint] = case["id"]
        integer = runs.get("integer")
        if integer and case["frame_count"] > 2 and not case["id"].startswith(("flat", "identical")):
            scores = [frame["vmaf"] for frame in integer["frames"]]
            assert len(set(scores)) > 1, f"{case['id']}: vmaf is constant"


def test_compare_run_reports_a_readable_table():
    case = {"tolerances": {"fixed_point": {"limit": {"rtol": 0.0, "atol": 0.0}},
                           "vmaf": {"limit": {"rtol": 1e-9, "atol": 0.0}}}}
    run = {"feature_family": "fixed_point", "model_family": "vmaf"}
    expected = {"model_keys": ["vmaf"],
                "frames": [{"integer_adm2": 0.5, "vmaf": 50.0}, {"integer_adm2": 0.25, "vmaf": 60.0}],
                "pooled": {"integer_adm2": dict.fromkeys(POOLING_METHODS, 0.375),
                           "vmaf": dict.fromkeys(POOLING_METHODS, 55.0)}}
    exact = compare_run(case, run, expected, [dict(frame) for frame in expected["frames"]],
                        {key: dict(value) for key, value in expected["pooled"].items()})
    assert exact == []
    frames = [{"integer_adm2": 0.5 + 2**-52, "vmaf": 50.0 + 1e-9}, {"integer_adm2": 0.25}]
    problems = compare_run(case, run, expected, frames, {"integer_adm2": dict.fromkeys(POOLING_METHODS, 0.375)})
    text = "\n".join(problems)
    assert "frame 1: keys missing ['vmaf']" in text
    assert "pooled: key vmaf only in the stored values" in text
    assert "integer_adm2" in text and "expected" in text and "diff" in text
    assert any(line.startswith("integer_adm2 ") and " 0 " in line for line in text.splitlines())
    assert not any(line.startswith("vmaf ") for line in text.splitlines()), "2e-11 relative is inside 1e-9"
