"""``vmafref conformance`` against a fake libvmaf (a script that writes a libvmaf-layout JSON
document: vmafref's own output, perturbed as each test asks), and against a real libvmaf tool
when ``VMAFREF_LIBVMAF`` names one (slow)."""

from __future__ import annotations

import json
import os
import stat
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from vmafref.cli import main
from vmafref.conformance import (ConformanceError, Pair, compare_documents, key_family, read_libvmaf_json,
                                 read_pair_list)
from vmafref.tolerances import TOLERANCES

WIDTH, HEIGHT, FRAMES = 24, 16, 4
REQUESTS = ["-n", "--feature", "motion"]


def _clip(path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    frames = []
    for index in range(FRAMES):
        luma = np.roll(rng.integers(0, 256, (HEIGHT, WIDTH)), index, axis=1).astype(np.uint8)
        frames += [luma, np.full((HEIGHT // 2, WIDTH // 2), 128, np.uint8), np.full((HEIGHT // 2, WIDTH // 2), 128,
                                                                                   np.uint8)]
    path.write_bytes(b"".join(frame.tobytes() for frame in frames))


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """Two clips, vmafref's documents under both conventions, and the fake libvmaf."""
    work = tmp_path_factory.mktemp("conformance")
    ref, dis = work / "ref.yuv", work / "dis.yuv"
    _clip(ref, 1)
    _clip(dis, 2)
    geometry = ["-w", str(WIDTH), "-h", str(HEIGHT), "-p", "420", "-b", "8"]
    for convention in ("f85a8536", "v3.0"):
        assert main(["score", "-r", str(ref), "-d", str(dis), *geometry, *REQUESTS, "--json", "-q",
                     "-o", str(work / f"{convention}.json"), "--libvmaf-convention", convention]) == 0
    fake = work / "vmaf"
    fake.write_text(f"#!{sys.executable}\n" + textwrap.dedent(f"""
        import json, os, sys
        args = sys.argv[1:]
        if args == ["--version"]:
            print("VMAF version " + os.environ.get("FAKE_VERSION", "f85a8536"), file=sys.stderr)
            sys.exit(0)
        mode = os.environ.get("FAKE_MODE", "same")
        if mode == "fail":
            print("problem loading model", file=sys.stderr)
            sys.exit(255)
        c_path = "--cpumask" in args and args[args.index("--cpumask") + 1] == "255"
        source = "v3.0" if mode == "v30" else "f85a8536"
        doc = json.load(open(os.path.join({str(work)!r}, source + ".json")))
        doc["version"] = os.environ.get("FAKE_VERSION", "f85a8536")
        if mode == "perturbed" or (mode == "simd" and not c_path):
            doc["frames"][2]["metrics"]["integer_motion2"] += 1e-3
        text = json.dumps(doc, indent=2)
        if mode == "six":
            import re
            text = re.sub(r"(?<=: )(-?\\d+\\.\\d+(?:e-?\\d+)?)", lambda m: "%.6f" % float(m.group(1)), text)
        open(args[args.index("-o") + 1], "w").write(text)
        """))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    return {"work": work, "ref": ref, "dis": dis, "geometry": geometry, "fake": fake}


def _run(setup, monkeypatch, mode: str, version: str = "f85a8536", extra=()):
    monkeypatch.setenv("FAKE_MODE", mode)
    monkeypatch.setenv("FAKE_VERSION", version)
    out = setup["work"] / f"report-{mode}.json"
    status = main(["conformance", "--libvmaf", str(setup["fake"]), "-q", "-r", str(setup["ref"]), "-d",
                   str(setup["dis"]), *setup["geometry"], *REQUESTS, "--json-out", str(out), *extra])
    return status, json.loads(out.read_text()) if out.exists() else None


def test_identical_output_is_conformant(setup, monkeypatch, capsys):
    status, report = _run(setup, monkeypatch, "same")
    assert status == 0 and report["conformant"]
    pair = report["pairs"][0]
    assert pair["status"] == "ok" and pair["libvmaf_precision"] == "full"
    assert pair["keys"]["integer_motion2"]["max_abs_diff"] == 0.0
    assert "CONFORMANT" in capsys.readouterr().out


def test_six_decimal_output_is_compared_at_its_precision(setup, monkeypatch):
    status, report = _run(setup, monkeypatch, "six")
    assert status == 0
    assert report["pairs"][0]["libvmaf_precision"] == "six_decimals"


def test_an_unexplained_difference_fails_with_status_1(setup, monkeypatch, capsys):
    status, report = _run(setup, monkeypatch, "perturbed")
    assert status == 1 and not report["conformant"]
    pair = report["pairs"][0]
    assert pair["unexplained"] == ["integer_motion2"]
    assert pair["keys"]["integer_motion2"]["failures"] == 1
    assert "frame 2" in pair["keys"]["integer_motion2"]["first_failure"]
    assert "DIFFERS" in capsys.readouterr().out


def test_a_v30_libvmaf_is_explained_by_the_v30_convention(setup, monkeypatch, capsys):
    status, report = _run(setup, monkeypatch, "v30", version="3.0.0")
    pair = report["pairs"][0]
    assert status == 0, pair
    assert pair["status"] == "explained"
    assert pair["keys"]["integer_motion2"]["explained_by"] == ["convention v3.0"]
    assert pair["keys"]["integer_motion3"]["only_in"] == "vmafref"
    assert "--libvmaf-convention v3.0" in capsys.readouterr().out
    status, _ = _run(setup, monkeypatch, "v30", version="3.0.0", extra=["--strict"])
    assert status == 1


def test_a_simd_difference_is_explained_by_libvmafs_c_path(setup, monkeypatch, capsys):
    status, report = _run(setup, monkeypatch, "simd")
    assert status == 0
    assert report["pairs"][0]["keys"]["integer_motion2"]["explained_by"] == ["libvmaf SIMD"]
    assert "--cpumask 255" in capsys.readouterr().out
    # Asked for the C path already: nothing to re-run, and the SIMD-free run agrees.
    status, report = _run(setup, monkeypatch, "simd", extra=["--cpumask", "255"])
    assert status == 0 and report["pairs"][0]["status"] == "ok"


@pytest.mark.parametrize("problem", ["missing_clip", "unpaired", "bad_list", "libvmaf_fails", "no_binary"])
def test_bad_input_is_status_2_without_a_traceback(setup, monkeypatch, capsys, tmp_path, problem):
    monkeypatch.setenv("FAKE_MODE", "fail" if problem == "libvmaf_fails" else "same")
    argv = ["conformance", "-q", "--libvmaf", str(tmp_path / "nothing") if problem == "no_binary" else str(setup["fake"])]
    if problem == "missing_clip":
        argv += ["-r", str(tmp_path / "absent.yuv"), "-d", str(setup["dis"]), *setup["geometry"]]
    elif problem == "unpaired":
        argv += ["-r", str(setup["ref"])]
    elif problem == "bad_list":
        listing = tmp_path / "pairs.txt"
        listing.write_text("ref.yuv dis.yuv -w\n")
        argv += ["--pairs", str(listing)]
    else:
        argv += ["-r", str(setup["ref"]), "-d", str(setup["dis"]), *setup["geometry"], *REQUESTS]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "vmafref conformance: error:" in err and "Traceback" not in err


def test_pair_list(tmp_path):
    listing = tmp_path / "pairs.txt"
    listing.write_text("# comment\na.yuv 'b c.yuv' -w 64 -h 48 -p 420 -b 10\n\n/abs/r.y4m d.y4m --frame_cnt 2\n")
    pairs = read_pair_list(str(listing), Pair("", "", bitdepth=8))
    assert pairs[0] == Pair(str(tmp_path / "a.yuv"), str(tmp_path / "b c.yuv"), 64, 48, "420", 10)
    assert pairs[1] == Pair("/abs/r.y4m", str(tmp_path / "d.y4m"), bitdepth=8, frame_cnt=2)
    listing.write_text("only_one.yuv\n")
    with pytest.raises(ConformanceError, match="expected REF DIS"):
        read_pair_list(str(listing))


def test_key_families_follow_the_golden_tolerances():
    models = {"vmaf": "vmaf", "vmaf_float": "float"}
    assert key_family("integer_adm2", models) == "fixed_point"
    assert key_family("VMAF_integer_feature_motion_sad_score", models) == "fixed_point"
    assert key_family("psnr_y", models) == "fixed_point"
    assert key_family("vif_scale0", models) == "float"
    assert key_family("float_ssim", models) == "float_strict"
    assert key_family("psnr_hvs_y", models) == "float_strict"
    assert key_family("vmaf", models) == "vmaf" and key_family("vmaf_bagging", models) == "vmaf"
    assert key_family("vmaf_float", models) == "float"
    assert TOLERANCES["fixed_point"]["limit"] == {"rtol": 0.0, "atol": 0.0}


def test_documents_compare_by_family_and_precision():
    text = ('{"version": "x", "fps": 12.34, "frames": [{"frameNum": 0, "metrics": {"integer_adm2": 0.123457, '
            '"adm2": 0.500000, "vmaf": nan}}], "pooled_metrics": {}}')
    libvmaf = read_libvmaf_json(text)
    assert libvmaf["precision"] == "six_decimals" and np.isnan(libvmaf["frames"][0]["vmaf"])
    mine = {"frames": [{"integer_adm2": 0.1234567, "adm2": 0.5000049, "vmaf": float("nan")}], "pooled": {},
            "frame_numbers": [0], "precision": "full"}
    results = compare_documents(libvmaf, mine, {"vmaf": "vmaf"})
    assert all(result.ok for result in results.values())
    mine["frames"][0]["integer_adm2"] = 0.1234576  # prints 0.123458
    assert not compare_documents(libvmaf, mine, {"vmaf": "vmaf"})["integer_adm2"].ok
    with pytest.raises(ConformanceError):
        read_libvmaf_json("not json")


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("VMAFREF_LIBVMAF"), reason="VMAFREF_LIBVMAF names no libvmaf `vmaf` tool")
def test_real_libvmaf_is_conformant_on_its_c_path(tmp_path, capsys):
    """The bundled example pair against the libvmaf tool ``VMAFREF_LIBVMAF`` names, on its C path:
    an f85a8536 build is identical; another build's differences must all be explained."""


    from vmafref.cli.score import EXAMPLE_GEOMETRY, _example_paths

    reference, distorted = _example_paths(str(tmp_path))
    g = EXAMPLE_GEOMETRY
    out = tmp_path / "report.json"
    status = main(["conformance", "-q", "--libvmaf", os.environ["VMAFREF_LIBVMAF"], "-r", reference, "-d", distorted,
                   "-w", str(g["width"]), "-h", str(g["height"]), "-p", g["pixel_format"], "-b", str(g["bitdepth"]),
                   "--cpumask", "255", "--json-out", str(out)])
    report = json.loads(out.read_text())
    assert status == 0, capsys.readouterr().out
    if report["libvmaf_version"] == "f85a8536":
        assert report["pairs"][0]["status"] == "ok"


def test_the_simd_explanation_names_the_dwt_tail_rule_where_it_applies():
    from vmafref.conformance import _simd_tail_note

    assert _simd_tail_note(161) == ("; at this width the SIMD DWT's last vector reads past the row: "
                                    "AVX512 from scale 2, AVX2 from scale 2")
    assert _simd_tail_note(80).endswith("AVX2 from scale 3")
    assert _simd_tail_note(1920) == "" and _simd_tail_note(None) == ""


class _FakeLibrary:
    """A stand-in for :class:`vmafref.libvmaf_capi.LibVmaf`: records what it is asked, and
    answers with vmafref's own values of the pair (so that the comparison is exact)."""

    calls: list = []

    def __init__(self, path, allow_version_mismatch=False):
        self.version = "f85a8536"

    def compute(self, frames, *, width, height, pixel_format, bitdepth, models, features, cpumask):
        from vmafref.libvmaf_capi import Scores

        frames = list(frames)
        _FakeLibrary.calls.append({"models": models, "features": features, "cpumask": cpumask,
                                   "geometry": (width, height, pixel_format, bitdepth), "frames": len(frames)})
        document = json.loads(Path(os.environ["FAKE_LIBRARY_DOC"]).read_text())
        values = [dict(frame["metrics"]) for frame in document["frames"]]
        pooled = {key: dict(methods) for key, methods in document["pooled_metrics"].items()}
        for row in values:
            row["vmaf"] = 50.0
        pooled["vmaf"] = dict.fromkeys(("min", "max", "mean", "harmonic_mean"), 50.0)
        return Scores(self.version, values, pooled, sorted(values[0]), ["vmaf"])


def test_a_shared_library_is_driven_through_the_c_api(setup, monkeypatch, tmp_path):
    from vmafref import conformance, libvmaf_capi

    library = tmp_path / "libvmaf.so.3.2.0"
    library.write_bytes(b"\x7fELF")
    monkeypatch.setattr(libvmaf_capi, "LibVmaf", _FakeLibrary)
    monkeypatch.setenv("FAKE_LIBRARY_DOC", str(setup["work"] / "f85a8536.json"))
    _FakeLibrary.calls.clear()
    assert conformance._is_shared_library(str(library)) and not conformance._is_shared_library(str(setup["fake"]))
    pair = Pair(str(setup["ref"]), str(setup["dis"]), WIDTH, HEIGHT, "420", 8)
    report = conformance.run_conformance(str(library), [pair], features=["motion"], no_prediction=True)
    assert report.pairs[0].status() == "ok"
    (call,) = _FakeLibrary.calls
    assert call["geometry"] == (WIDTH, HEIGHT, "420", 8) and call["frames"] == FRAMES and call["cpumask"] == 0
    assert [f.name for f in call["features"]] == ["motion"]
    assert [m.version for m in call["models"]] == []  # -n: no default model
    _FakeLibrary.calls.clear()
    with pytest.raises(ConformanceError, match="no such file"):
        conformance.run_conformance(str(tmp_path / "libvmaf.so"), [pair])
    conformance.LibvmafLibrary(str(library)).score(pair, ["--model", "version=vmaf_v0.6.1:adm.debug=true:name=x"],
                                                    255, str(tmp_path / "out.json"))
    (call,) = _FakeLibrary.calls
    (model,) = call["models"]
    assert (model.version, dict(model.overloads), model.name, call["cpumask"]) == \
        ("vmaf_v0.6.1", {"adm": {"debug": "true"}}, "x", 255)
