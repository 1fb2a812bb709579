"""The resource corpus: clips from real layouts, distortions, pinned-file formats, comparison."""

from __future__ import annotations

import hashlib
import json
import shutil

import numpy as np
import pytest

from vmafref.corpus import training_inputs as ti
from vmafref.corpus.distortions import CONDITIONS, NR_CONDITIONS, Condition, apply_condition, blur_jpeg_degrade
from vmafref.corpus.resource import (CLIP_FRAMES, CLIP_HEIGHT, CLIP_WIDTH, PAN_DX, PAN_DY, RESOURCE_SOURCES,
                                     SourceUnavailableError, load_clip)
from vmafref.corpus.resource_build import compare_with_pinned

SOURCES = {s.name: s for s in RESOURCE_SOURCES}


def _write_src01(root, rng):
    """A 576x324 10-bit 4:2:0 file of 3 frames where vmaf_resource keeps src01."""
    source = SOURCES["src01"]
    path = root / source.path
    path.parent.mkdir(parents=True, exist_ok=True)
    planes = []
    for _ in range(3):
        planes += [rng.integers(0, 1024, (324, 576)), rng.integers(0, 1024, (162, 288)),
                   rng.integers(0, 1024, (162, 288))]
    path.write_bytes(b"".join(p.astype("<u2").tobytes() for p in planes))
    return path, planes


def test_catalogue_has_twenty_distinct_sources_with_licences():
    names = [s.name for s in RESOURCE_SOURCES]
    assert len(names) == len(set(names)) >= 20
    assert all(s.licence for s in RESOURCE_SOURCES)
    assert set(NR_CONDITIONS) <= {c.name for c in CONDITIONS}
    assert len({c.name for c in CONDITIONS}) == len(CONDITIONS)


def test_pan_clip_is_a_whole_pixel_native_crop(tmp_path):
    _, planes = _write_src01(tmp_path, np.random.default_rng(1))
    clip = load_clip(SOURCES["src01"], tmp_path)
    assert clip.mode == "pan" and clip.bitdepth == 10 and clip.y.dtype == np.uint16
    assert clip.y.shape == (CLIP_FRAMES, CLIP_HEIGHT, CLIP_WIDTH)
    first = planes[0]
    top = ((324 - CLIP_HEIGHT - PAN_DY * CLIP_FRAMES) // 2) & ~1
    left = ((576 - CLIP_WIDTH - PAN_DX * CLIP_FRAMES) // 2) & ~1
    for t in (0, 3, CLIP_FRAMES - 1):
        expected = first[top + PAN_DY * t:top + PAN_DY * t + CLIP_HEIGHT, left + PAN_DX * t:left + PAN_DX * t + CLIP_WIDTH]
        np.testing.assert_array_equal(clip.y[t], expected)
    assert clip.source_sha256 == hashlib.sha256((tmp_path / SOURCES["src01"].path).read_bytes()).hexdigest()


def test_missing_and_ragged_sources_are_clear_errors(tmp_path):
    with pytest.raises(SourceUnavailableError, match="missing"):
        load_clip(SOURCES["src01"], tmp_path)
    path, _ = _write_src01(tmp_path, np.random.default_rng(2))
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(SourceUnavailableError, match="whole number"):
        load_clip(SOURCES["src01"], tmp_path)
    with pytest.raises(SourceUnavailableError, match="resource-root"):
        load_clip(SOURCES["src01"], None)


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    root = tmp_path_factory.mktemp("resource")
    _write_src01(root, np.random.default_rng(3))
    return load_clip(SOURCES["src01"], root)


@pytest.mark.parametrize("condition", [c for c in CONDITIONS if c.kind not in ("encode",)], ids=lambda c: c.name)
def test_numeric_conditions_keep_shape_depth_and_are_deterministic(clip, condition):
    first, record = apply_condition(clip, condition, seed=7)
    second, _ = apply_condition(clip, condition, seed=7)
    assert record is None
    assert first.shape == clip.y.shape and first.dtype == clip.y.dtype
    assert int(first.max()) <= 1023
    np.testing.assert_array_equal(first, second)
    if condition.kind != "none":
        assert not np.array_equal(first, clip.y)


def test_noise_follows_its_seed(clip):
    noise = next(c for c in CONDITIONS if c.kind == "noise")
    a, _ = apply_condition(clip, noise, seed=1)
    b, _ = apply_condition(clip, noise, seed=2)
    assert not np.array_equal(a, b)


def test_filter_degradation_blurs_then_blocks():
    rng = np.random.default_rng(4)
    plane = np.clip(rng.normal(128, 40, (64, 64)), 0, 255).astype(np.uint8)
    degraded = blur_jpeg_degrade(plane)
    assert degraded.dtype == np.uint8 and degraded.shape == plane.shape
    # Blur removes most of the white noise's energy; the degraded plane is far smoother.
    assert np.abs(np.diff(degraded.astype(int), axis=1)).mean() < 0.5 * np.abs(np.diff(plane.astype(int), axis=1)).mean()
    np.testing.assert_array_equal(degraded, blur_jpeg_degrade(plane))


@pytest.mark.ffmpeg
@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")
def test_x264_encode_is_recorded_and_deterministic(clip):
    condition = Condition("x264_crf38", "encode", 38, "libx264", "medium")
    first, record = apply_condition(clip, condition, seed=0)
    second, again = apply_condition(clip, condition, seed=0)
    assert first.shape == clip.y.shape and first.dtype == clip.y.dtype
    np.testing.assert_array_equal(first, second)
    assert record.sha256 == again.sha256 and record.size_bytes > 0
    assert record.encoder_version.startswith("x264 - core")


def test_npy_xz_and_csv_gz_are_byte_stable(tmp_path):
    array = np.arange(2 * 3 * 5, dtype=np.uint8).reshape(2, 3, 5)
    ti.write_npy_xz(tmp_path / "a.npy.xz", array)
    ti.write_npy_xz(tmp_path / "b.npy.xz", array.copy())
    assert (tmp_path / "a.npy.xz").read_bytes() == (tmp_path / "b.npy.xz").read_bytes()
    np.testing.assert_array_equal(ti.read_npy_xz(tmp_path / "a.npy.xz"), array)
    rows = [{"x": 0.1, "name": "a"}, {"x": 1e-17, "name": None}]
    ti.write_csv(tmp_path / "t.csv.gz", ("name", "x"), rows, compress=True)
    first = (tmp_path / "t.csv.gz").read_bytes()
    ti.write_csv(tmp_path / "t.csv.gz", ("name", "x"), rows, compress=True)
    assert (tmp_path / "t.csv.gz").read_bytes() == first
    back = ti.read_csv(tmp_path / "t.csv.gz")
    assert [float(r["x"]) for r in back] == [0.1, 1e-17] and back[1]["name"] == ""


def test_manifest_verification_names_the_tampered_file(tmp_path):
    ti.write_npy_xz(tmp_path / ti.NR_INPUTS, np.zeros((2, 4, 4), np.uint8))
    manifest = {"files": ti.file_digests(tmp_path, [ti.NR_INPUTS])}
    (tmp_path / ti.MANIFEST).write_text(json.dumps(manifest))
    assert ti.read_manifest(tmp_path)["files"][ti.NR_INPUTS]["bytes"] > 0
    ti.write_npy_xz(tmp_path / ti.NR_INPUTS, np.ones((2, 4, 4), np.uint8))
    with pytest.raises(ti.TrainingInputError, match=ti.NR_INPUTS):
        ti.read_manifest(tmp_path)
    (tmp_path / ti.MANIFEST).write_bytes(b"\xff\xfe not json")
    with pytest.raises(ti.TrainingInputError, match="cannot read"):
        ti.read_manifest(tmp_path)


def test_read_errors_are_training_input_errors(tmp_path):
    (tmp_path / "bad.npy.xz").write_bytes(b"not xz")
    with pytest.raises(ti.TrainingInputError):
        ti.read_npy_xz(tmp_path / "bad.npy.xz")
    (tmp_path / "bad.csv.gz").write_bytes(b"not gzip")
    with pytest.raises(ti.TrainingInputError):
        ti.read_csv(tmp_path / "bad.csv.gz")


def _manifest(**changes):
    base = {"sources": [{"name": "hall", "path": "yuv/hall.yuv", "file_sha256": "a" * 64}],
            "encodes": {"hall": {"x264_crf22": {"sha256": "b" * 64, "encoder_version": "x264 - core 164 r3095"}}},
            "tools": {"ffmpeg": "ffmpeg version 5.1", "packages": {"numpy": "2.4.6"}},
            "files": {ti.FR_TABLE: {"sha256": "c" * 64, "content_sha256": "d" * 64}}}
    for key, value in changes.items():
        base[key] = value
    return base


def test_comparison_names_each_kind_of_difference():
    pinned = _manifest()
    assert compare_with_pinned(pinned, pinned) == []
    built = _manifest(encodes={"hall": {"x264_crf22": {"sha256": "e" * 64, "encoder_version": "x264 - core 165"}}},
                      tools={"ffmpeg": "ffmpeg version 7.1", "packages": {"numpy": "2.5.0"}},
                      files={ti.FR_TABLE: {"sha256": "f" * 64, "content_sha256": "d" * 64}})
    lines = compare_with_pinned(built, pinned)
    assert any("hall/x264_crf22" in line and "core 165" in line and "r3095" in line for line in lines)
    assert any(line.startswith("ffmpeg: ffmpeg version 7.1") for line in lines)
    assert any("package numpy: 2.5.0" in line for line in lines)
    assert any("compressed bytes" in line for line in lines)
    changed_source = _manifest(sources=[{"name": "hall", "path": "yuv/hall.yuv", "file_sha256": "9" * 64}])
    assert any("source hall" in line for line in compare_with_pinned(changed_source, pinned))


def test_pinned_training_inputs_match_their_manifest():
    folder = ti.default_training_dir()
    manifest = ti.read_manifest(folder, verify=True)
    assert len(manifest["sources"]) >= 20
    assert sum(pin["bytes"] for pin in manifest["files"].values()) <= 40 * 1024 * 1024
    rows = ti.read_csv(folder / ti.FR_TABLE)
    assert len(rows) == manifest["rows"]
    assert min(float(r["vmaf"]) for r in rows) < 10.0 and max(float(r["vmaf"]) for r in rows) > 95.0
    assert {r["codec"] for r in rows} >= {"libx264", "libx265", "libvpx-vp9", "libsvtav1"}


def test_cli_refuses_resource_preset_without_root(tmp_path, capsys):
    from vmafref.cli import main

    assert main(["corpus", "build", "--preset", "resource", "--out", str(tmp_path / "out")]) == 2
    assert "--resource-root" in capsys.readouterr().err
    assert main(["corpus", "build", "--preset", "resource", "--resource-root", str(tmp_path / "absent"),
                 "--out", str(tmp_path / "out")]) == 2
    assert "not a folder" in capsys.readouterr().err
