"""Container input through ffmpeg (specs/io.md §8): the frames are those of the raw decode."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest

from vmafref.io import (ContainerError, GeometryMismatchError, UnknownFormatError, VideoGeometry,
                        open_video)
from vmafref.io.container import FFMPEG_PIXEL_FORMATS, sniff_container

from tests.io.helpers import assert_frames_equal, random_planes, write_raw

HAVE_FFMPEG = shutil.which("ffmpeg") is not None and shutil.which("ffprobe") is not None
skip_without_ffmpeg = pytest.mark.skipif(not HAVE_FFMPEG, reason="ffmpeg/ffprobe are not on PATH")


def _pix_fmt(geometry: VideoGeometry) -> str:
    return f"yuv{geometry.pixel_format}p" + ("" if geometry.bitdepth == 8 else f"{geometry.bitdepth}le")


def _encode(raw, geometry, target, *codec):
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", _pix_fmt(geometry),
                    "-s", f"{geometry.width}x{geometry.height}", "-r", "25", "-i", str(raw), *codec,
                    str(target)], check=True)


def _decode(source, target, pix_fmt):
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(source), "-f", "rawvideo", "-pix_fmt", pix_fmt,
                    str(target)], check=True)


@pytest.mark.ffmpeg
@skip_without_ffmpeg
@pytest.mark.parametrize("pixel_format, bitdepth", [("420", 10), ("444", 8), ("422", 12)])
@pytest.mark.parametrize("container", ["mkv", "nut"])
def test_a_lossless_container_reads_as_its_source_frames(tmp_path, pixel_format, bitdepth, container):
    geometry = VideoGeometry(34, 20, pixel_format, bitdepth)
    frames = random_planes(geometry, 3, seed=bitdepth)
    raw = tmp_path / "source.yuv"
    write_raw(raw, frames, geometry)
    packed = tmp_path / f"clip.{container}"
    _encode(raw, geometry, packed, "-c:v", "ffv1")
    with open_video(packed) as reader:  # pixel format and bit depth from ffprobe
        assert reader.geometry == geometry and reader.frame_count is None
        assert_frames_equal(list(reader), frames)


@pytest.mark.ffmpeg
@skip_without_ffmpeg
@pytest.mark.parametrize("name", ["clip.mp4", "clip.bin"])
def test_a_lossy_mp4_reads_as_ffmpegs_raw_decode(tmp_path, name):
    geometry = VideoGeometry(32, 16, "420", 8)
    raw = tmp_path / "source.yuv"
    write_raw(raw, random_planes(geometry, 4, seed=1), geometry)
    mp4 = tmp_path / name
    _encode(raw, geometry, mp4, "-c:v", "libx264", "-f", "mp4")  # .bin: found by its ftyp signature
    _decode(mp4, tmp_path / "decoded.yuv", "yuv420p")
    with open_video(mp4) as packed, open_video(tmp_path / "decoded.yuv", 32, 16, "420", 8) as decoded:
        assert packed.stream.codec == "h264"
        assert_frames_equal(list(packed), [(f.y, f.u, f.v) for f in decoded])


@pytest.mark.ffmpeg
@skip_without_ffmpeg
def test_a_given_pixel_format_and_bit_depth_are_converted_by_ffmpeg(tmp_path):
    geometry = VideoGeometry(32, 16, "444", 8)
    raw = tmp_path / "source.yuv"
    write_raw(raw, random_planes(geometry, 2, seed=2), geometry)
    mkv = tmp_path / "clip.mkv"
    _encode(raw, geometry, mkv, "-c:v", "ffv1")
    _decode(mkv, tmp_path / "converted.yuv", "yuv420p10le")
    with open_video(mkv, pixel_format="420", bitdepth=10) as packed, \
            open_video(tmp_path / "converted.yuv", 32, 16, "420", 10) as converted:
        assert packed.geometry == converted.geometry
        assert_frames_equal(list(packed), [(f.y, f.u, f.v) for f in converted])
    with pytest.raises(GeometryMismatchError, match="width=30"):
        open_video(mkv, width=30)


@pytest.mark.ffmpeg
@skip_without_ffmpeg
def test_bad_containers_are_a_clear_error(tmp_path):
    garbage = tmp_path / "broken.mp4"
    garbage.write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 4)
    with pytest.raises(ContainerError, match="broken.mp4"):
        open_video(garbage)
    audio = tmp_path / "tone.mkv"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=duration=0.1", str(audio)], check=True)
    with pytest.raises(ContainerError, match="no video stream"):
        open_video(audio)


@pytest.mark.ffmpeg
@skip_without_ffmpeg
def test_closing_early_stops_ffmpeg(tmp_path):
    geometry = VideoGeometry(32, 16, "420", 8)
    raw = tmp_path / "source.yuv"
    write_raw(raw, random_planes(geometry, 5, seed=3), geometry)
    mkv = tmp_path / "clip.mkv"
    _encode(raw, geometry, mkv, "-c:v", "ffv1")
    reader = open_video(mkv)
    next(reader)
    reader.close()
    assert reader._process.poll() is not None


def test_missing_ffmpeg_is_a_clear_error(tmp_path, monkeypatch):
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\x00\x00\x00\x18ftypisom")
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools-here"))
    with pytest.raises(ContainerError, match="ffmpeg and ffprobe are not on PATH"):
        open_video(clip)


def test_container_signatures_and_raw_names():
    assert sniff_container(b"\x00\x00\x00\x18ftypisom") == "MP4/MOV"
    assert sniff_container(b"\x1a\x45\xdf\xa3\x01\x00") == "Matroska/WebM"
    assert sniff_container(b"RIFF\x00\x00\x00\x00AVI ") == "AVI"
    assert sniff_container(b"YUV4MPEG2 W2") is None and sniff_container(b"") is None
    assert FFMPEG_PIXEL_FORMATS["yuv420p10be"] == ("420", 10) and "gray" not in FFMPEG_PIXEL_FORMATS


def test_a_yuv_file_is_raw_whatever_its_first_bytes(tmp_path):
    geometry = VideoGeometry(4, 4, "420", 8)
    frame = b"\x00\x00\x00\x18ftypisom" + bytes(geometry.frame_bytes - 12)
    path = tmp_path / "raw.yuv"
    path.write_bytes(frame)
    with open_video(path, 4, 4, "420", 8) as reader:
        assert len(list(reader)) == 1


def test_a_container_on_a_stream_is_refused():
    with pytest.raises(UnknownFormatError, match="MP4/MOV container"):
        open_video(io.BytesIO(b"\x00\x00\x00\x18ftypisom" + bytes(100)), 4, 4, "420", 8)
