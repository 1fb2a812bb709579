"""The FR-from-NR adapter end to end with real ffmpeg on tiny clips (specs/corpus/fr_from_nr.md §7).

Mocked seams cannot see a pipeline that hands the scorer an encoded container instead of
decoded YUV; these tests run the real commands. Scoring uses vmafref itself, a
libvmaf-compatible binary named by ``VMAFREF_LIBVMAF`` (or ``vmaf`` on PATH), or a stand-in
that checks what it is given.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.corpus import fakes
from vmafref.corpus.ffmpeg import frame_bytes
from vmafref.corpus.fr_from_nr import NrInputRow, NrToFrAdapter
from vmafref.corpus.rows import read_jsonl, validate_row
from vmafref.corpus.sources import SourceSpec, generate_yuv420p

pytestmark = pytest.mark.ffmpeg
if shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None:
    pytestmark = [pytest.mark.ffmpeg, pytest.mark.skip(reason="ffmpeg/ffprobe are not on PATH")]

CRFS = (18, 33, 48)


def _upload(tmp_path, *, bitdepth=8, name="upload.mp4", width=128, height=96, frames=8):
    """A near-lossless x264 upload of a natural-looking generated texture."""
    spec = SourceSpec("upload", "fractal_pan", 4242, width, height, frames)
    raw = generate_yuv420p(spec)
    pix_fmt = "yuv420p"
    if bitdepth == 10:
        pix_fmt = "yuv420p10le"
        raw = (raw.astype(np.uint16) << 2) + 1  # genuinely 10-bit: low bits set
    raw_path = tmp_path / "upload.yuv"
    raw_path.write_bytes(raw.tobytes())
    path = tmp_path / name
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", pix_fmt,
                    "-s", f"{width}x{height}", "-r", "25", "-i", str(raw_path), "-c:v", "libx264", "-crf", "4",
                    "-pix_fmt", pix_fmt, str(path)], check=True)
    raw_path.unlink()
    return path


def _vmafref_scorer_ready() -> str | None:
    try:
        from vmafref.features import get_extractor

        for name in ("adm", "vif", "motion"):
            get_extractor(name)
    except (ImportError, ValueError) as error:
        return f"vmafref's fixed-point extractors are not available yet ({error})"
    return None


def _libvmaf_binary() -> str | None:
    return os.environ.get("VMAFREF_LIBVMAF") or shutil.which("vmaf")


def _check_sweep(rows):
    assert [r["encode"]["crf"] for r in rows] == list(CRFS)
    for row in rows:
        validate_row(row)
        assert row["fr_from_nr"] is True and row["source"]["frame_count"] == 8
        for key, pooled in row["features"]["pooled"].items():
            assert np.isfinite(pooled["mean"]), key
    vmaf = [r["teacher"]["pooled"]["mean"] for r in rows]
    sizes = [r["encode"]["size_bytes"] for r in rows]
    assert vmaf[0] > vmaf[1] > vmaf[2], vmaf
    assert sizes[0] > sizes[1] > sizes[2], sizes
    assert vmaf[0] > 80 and vmaf[2] < vmaf[0] - 20, vmaf
    return vmaf


def test_real_pipeline_with_vmafref_scorer(tmp_path):
    reason = _vmafref_scorer_ready()
    if reason:
        pytest.skip(reason)
    adapter = NrToFrAdapter(crf_sweep=CRFS, scratch_dir=tmp_path / "scratch", scorer="vmafref")
    rows = list(adapter.run(NrInputRow(_upload(tmp_path), 3.7)))
    _check_sweep(rows)
    assert rows[0]["provenance"]["scorer"]["kind"] == "vmafref"
    assert list((tmp_path / "scratch").rglob("*")) == []


def test_real_pipeline_with_libvmaf_cli(tmp_path):
    binary = _libvmaf_binary()
    if binary is None:
        pytest.skip("no libvmaf-compatible binary: set VMAFREF_LIBVMAF or put vmaf on PATH")
    adapter = NrToFrAdapter(crf_sweep=CRFS, scratch_dir=tmp_path / "scratch", scorer=binary)
    rows = list(adapter.run(NrInputRow(_upload(tmp_path), 3.7)))
    vmaf = _check_sweep(rows)
    assert rows[0]["provenance"]["scorer"]["kind"] == "libvmaf-cli"
    print("VMAF per CRF", dict(zip(CRFS, vmaf)))


def test_vmafref_and_libvmaf_agree_on_a_real_sweep(tmp_path):
    binary = _libvmaf_binary()
    reason = _vmafref_scorer_ready() or (None if binary else "no libvmaf-compatible binary")
    if reason:
        pytest.skip(reason)
    upload = _upload(tmp_path)
    ours = list(NrToFrAdapter(crf_sweep=(33,), scratch_dir=tmp_path / "a", scorer="vmafref").run(NrInputRow(upload)))
    theirs = list(NrToFrAdapter(crf_sweep=(33,), scratch_dir=tmp_path / "b", scorer=binary).run(NrInputRow(upload)))
    assert ours[0]["encode"]["sha256"] == theirs[0]["encode"]["sha256"]
    # libvmaf's default JSON prints 6 decimals
    np.testing.assert_allclose(ours[0]["teacher"]["per_frame"], theirs[0]["teacher"]["per_frame"], atol=1e-5)


class _InspectingScorer(fakes.FakeScorer):
    """Checks the files the adapter hands over are raw YUV of the claimed depth."""

    def __call__(self, request):
        per_frame = frame_bytes(request.width, request.height, request.pixel_format, request.bitdepth)
        for path in (request.reference, request.distorted):
            assert path.suffix == ".yuv" and path.stat().st_size == request.frame_count * per_frame
        dtype = np.uint16 if request.bitdepth > 8 else np.uint8
        samples = np.fromfile(request.distorted, dtype=dtype)
        if request.bitdepth == 10:
            assert samples.max() > 255 and samples.max() < 1024 and np.any(samples % 4 != 0)
        return super().__call__(request)


@pytest.mark.parametrize("bitdepth", [8, 10])
def test_real_pipeline_keeps_bit_depth_and_feeds_decoded_yuv(tmp_path, bitdepth):
    scorer = _InspectingScorer()
    adapter = NrToFrAdapter(crf_sweep=(23, 40), scratch_dir=tmp_path / "scratch", score_runner=scorer)
    rows = list(adapter.run(NrInputRow(_upload(tmp_path, bitdepth=bitdepth))))
    expected = "yuv420p" if bitdepth == 8 else "yuv420p10le"
    assert [(r["source"]["pix_fmt"], r["source"]["bitdepth"]) for r in rows] == [(expected, bitdepth)] * 2
    assert [q.bitdepth for q in scorer.requests] == [bitdepth] * 2
    assert rows[0]["encode"]["size_bytes"] > rows[1]["encode"]["size_bytes"]
    assert list((tmp_path / "scratch").rglob("*")) == []


@pytest.mark.parametrize("encoder", ["libx265", "libvpx-vp9", "libsvtav1", "libaom-av1"])
def test_other_encoders_run_when_this_ffmpeg_has_them(tmp_path, encoder):
    listing = subprocess.run(["ffmpeg", "-hide_banner", "-encoders"], capture_output=True, text=True).stdout
    if f" {encoder} " not in listing:
        pytest.skip(f"this ffmpeg has no {encoder}")
    adapter = NrToFrAdapter(crf_sweep=(20, 50), encoder=encoder, scratch_dir=tmp_path / "scratch",
                            score_runner=_InspectingScorer())
    rows = list(adapter.run(NrInputRow(_upload(tmp_path))))
    assert [r["encode"]["encoder"] for r in rows] == [encoder] * 2
    assert rows[0]["encode"]["size_bytes"] > rows[1]["encode"]["size_bytes"]


def test_encodes_are_reproducible_byte_for_byte(tmp_path):
    upload = _upload(tmp_path)
    first = list(NrToFrAdapter(crf_sweep=(30,), scratch_dir=tmp_path / "a", score_runner=fakes.FakeScorer())
                 .run(NrInputRow(upload)))
    second = list(NrToFrAdapter(crf_sweep=(30,), scratch_dir=tmp_path / "b", score_runner=fakes.FakeScorer())
                  .run(NrInputRow(upload)))
    assert first == second


def test_cli_fr_from_nr_and_validate(tmp_path):
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    _upload(uploads, name="one.mp4")
    _upload(uploads, name="two.mp4", width=96, height=64)
    (uploads / "nr.jsonl").write_text(json.dumps({"src": "one.mp4", "mos": 4.1, "corpus": "t"}) + "\n"
                                      + json.dumps({"src": "two.mp4", "mos": 2.2}) + "\n"
                                      + json.dumps({"src": "gone.mp4", "mos": 1.0}) + "\n")
    fake = f"{sys.executable} {Path(__file__).with_name('fake_vmaf.py')}"
    base = [sys.executable, "-c", "from vmafref.cli import main; raise SystemExit(main())", "corpus"]
    result = subprocess.run([*base, "fr-from-nr", "--input", str(uploads / "nr.jsonl"), "--output",
                             str(tmp_path / "fr.jsonl"), "--crf", "25", "40", "--scorer", fake,
                             "--scratch-dir", str(tmp_path / "scratch")], capture_output=True, text=True)
    assert result.returncode == 1, result.stderr  # gone.mp4 fails; the other rows are written
    assert "gone.mp4" in result.stderr and "probe" in result.stderr
    rows = list(read_jsonl(tmp_path / "fr.jsonl"))
    assert [(Path(r["nr_source"]).name, r["encode"]["crf"]) for r in rows] == [
        ("one.mp4", 25), ("one.mp4", 40), ("two.mp4", 25), ("two.mp4", 40)]
    check = subprocess.run([*base, "validate", str(tmp_path / "fr.jsonl")], capture_output=True, text=True)
    assert check.returncode == 0 and "4 valid rows" in check.stdout
    (tmp_path / "bad.jsonl").write_text('{"schema_version": 1}\n')
    check = subprocess.run([*base, "validate", str(tmp_path / "bad.jsonl")], capture_output=True, text=True)
    assert check.returncode == 1 and "bad.jsonl:1" in check.stderr
