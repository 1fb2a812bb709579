"""Tests for the Y4M reader, vmafref.io.y4m (specs/io.md §3)."""

import io
import shutil
import subprocess

import numpy as np
import pytest

from tests.io.helpers import (Y4M_TAGS, assert_frames_equal, frame_bytes, random_planes,
                              write_y4m, y4m_header)
from vmafref.io import (EmptyVideoError, GeometryMismatchError, InvalidGeometryError,
                        MissingGeometryError, SampleRangeError, TruncatedFileError,
                        UnknownFormatError, VideoGeometry, Y4mSyntaxError, open_video,
                        parse_y4m_header)

SIZES = [(1, 1), (5, 3), (6, 4)]


@pytest.mark.parametrize("pixel_format,bitdepth", sorted(Y4M_TAGS))
@pytest.mark.parametrize("width,height", SIZES)
@pytest.mark.parametrize("frame_params", ["", " Ixyz XFOO=1"])
def test_y4m_round_trip(tmp_path, pixel_format, bitdepth, width, height, frame_params):
    geometry = VideoGeometry(width, height, pixel_format, bitdepth)
    frames = random_planes(geometry, 3, seed=width + 10 * height + bitdepth)
    path = tmp_path / "clip.y4m"
    write_y4m(path, frames, geometry, frame_params=frame_params)
    with open_video(path) as reader:
        assert reader.geometry == geometry
        assert reader.frame_count == 3
        assert_frames_equal(list(reader), frames)


@pytest.mark.parametrize("tag,pixel_format,bitdepth", [
    ("420", "420", 8), ("420jpeg", "420", 8), ("420mpeg2", "420", 8), ("420paldv", "420", 8),
    ("420p10", "420", 10), ("420p12", "420", 12), ("422", "422", 8), ("422p10", "422", 10),
    ("422p12", "422", 12), ("444", "444", 8), ("444p10", "444", 10), ("444p12", "444", 12),
])
def test_colour_space_tags(tag, pixel_format, bitdepth):
    header = parse_y4m_header(f"YUV4MPEG2 W4 H2 F30000:1001 C{tag}".encode())
    assert header.geometry == VideoGeometry(4, 2, pixel_format, bitdepth)
    assert header.frame_rate == (30000, 1001)


def test_missing_colour_space_means_420():
    header = parse_y4m_header(b"YUV4MPEG2 W4 H2 F25:1")
    assert header.geometry.pixel_format == "420" and header.geometry.bitdepth == 8


@pytest.mark.parametrize("tag", ["420p16", "422p16", "444p16", "420p9", "yuv420p", "4:2:0", "",
                                 "422p14"])
def test_unknown_colour_space(tag):
    with pytest.raises(UnknownFormatError, match="colour space"):
        parse_y4m_header(f"YUV4MPEG2 W4 H2 F25:1 C{tag}".encode(), "x.y4m")


def test_411_is_refused_with_reason():
    with pytest.raises(UnknownFormatError, match="4:1:1"):
        parse_y4m_header(b"YUV4MPEG2 W4 H2 F25:1 C411")


def test_mono_reads_luma_and_grey_chroma(tmp_path):
    geometry = VideoGeometry(5, 3, "420", 8)
    luma = np.arange(15, dtype=np.uint8).reshape(3, 5)
    path = tmp_path / "mono.y4m"
    path.write_bytes(b"YUV4MPEG2 W5 H3 F25:1 Cmono\nFRAME\n" + luma.tobytes() * 1
                     + b"FRAME\n" + (luma + 1).tobytes())
    with open_video(path) as reader:
        frames = list(reader)
    assert reader.geometry == geometry and len(frames) == 2
    np.testing.assert_array_equal(frames[1].y, luma + 1)
    assert frames[0].u.shape == (2, 3) and np.all(frames[0].u == 128) and np.all(frames[0].v == 128)


def test_444alpha_drops_the_alpha_plane(tmp_path):
    geometry = VideoGeometry(3, 2, "444", 8)
    frames = random_planes(geometry, 2, seed=7)
    path = tmp_path / "alpha.y4m"
    with open(path, "wb") as handle:
        handle.write(b"YUV4MPEG2 W3 H2 F25:1 C444alpha\n")
        for planes in frames:
            handle.write(b"FRAME\n" + frame_bytes(planes, geometry) + b"\xff" * 6)
    with open_video(path) as reader:
        assert_frames_equal(list(reader), frames)


@pytest.mark.parametrize("interlace", ["p", "?"])
def test_progressive_or_unknown_scan(interlace):
    header = parse_y4m_header(f"YUV4MPEG2 W4 H2 F25:1 I{interlace}".encode())
    assert header.interlace == interlace


@pytest.mark.parametrize("interlace", ["t", "b", "m"])
def test_interlaced_is_refused(interlace):
    with pytest.raises(Y4mSyntaxError, match="interlaced"):
        parse_y4m_header(f"YUV4MPEG2 W4 H2 F25:1 I{interlace}".encode())


@pytest.mark.parametrize("line,error,match", [
    (b"YUV4MPEG2 H2 F25:1", MissingGeometryError, "W"),
    (b"YUV4MPEG2 W4 F25:1", MissingGeometryError, "H"),
    (b"YUV4MPEG2 W4 H2", Y4mSyntaxError, "F"),
    (b"YUV4MPEG2 W4 H2 F25", Y4mSyntaxError, "frame rate"),
    (b"YUV4MPEG2 W4 H2 F25:1 A1", Y4mSyntaxError, "aspect"),
    (b"YUV4MPEG2 Wfour H2 F25:1", Y4mSyntaxError, "width"),
    (b"YUV4MPEG2 W0 H2 F25:1", InvalidGeometryError, "width"),
    (b"YUV4MPEG2 W4 H-2 F25:1", InvalidGeometryError, "height"),
    (b"YUV4MPEG2 W99999 H2 F25:1", InvalidGeometryError, "width"),
    (b"YUV4MPEG W4 H2", UnknownFormatError, None),
    (b"RIFF", UnknownFormatError, "YUV4MPEG2"),
])
def test_bad_headers(line, error, match):
    if line.startswith(b"YUV4MPEG "):
        # Version byte is a space: libvmaf only warns, then requires F like any header.
        with pytest.warns(UserWarning, match="version"), pytest.raises(Y4mSyntaxError):
            parse_y4m_header(line, "bad.y4m")
        return
    with pytest.raises(error, match=match):
        parse_y4m_header(line, "bad.y4m")


def test_unknown_tags_are_ignored():
    header = parse_y4m_header(b"YUV4MPEG2 W4 H2 F25:1 XYSCSS=420JPEG Zwhatever C444")
    assert header.geometry == VideoGeometry(4, 2, "444", 8)


def test_user_geometry_may_repeat_the_header(tmp_path):
    geometry = VideoGeometry(5, 3, "422", 10)
    frames = random_planes(geometry, 1, seed=8)
    write_y4m(tmp_path / "c.y4m", frames, geometry)
    with open_video(tmp_path / "c.y4m", width=5, height=3, pixel_format="422", bitdepth=10) as r:
        assert_frames_equal(list(r), frames)


@pytest.mark.parametrize("arguments,field", [
    (dict(width=6), "width"), (dict(height=4), "height"),
    (dict(pixel_format="420"), "pixel_format"), (dict(bitdepth=8), "bitdepth"),
])
def test_user_geometry_contradicting_header(tmp_path, arguments, field):
    geometry = VideoGeometry(5, 3, "422", 10)
    write_y4m(tmp_path / "c.y4m", random_planes(geometry, 1, seed=9), geometry)
    with pytest.raises(GeometryMismatchError, match=rf"c\.y4m.*{field}="):
        open_video(tmp_path / "c.y4m", **arguments)


def _clip_bytes(geometry, count, seed=10):
    frames = random_planes(geometry, count, seed=seed)
    data = y4m_header(geometry) + b"".join(b"FRAME\n" + frame_bytes(p, geometry) for p in frames)
    return data, frames


@pytest.mark.parametrize("cut", [1, 3, 5, 6, 7, 20])
def test_truncated_final_frame(tmp_path, cut):
    geometry = VideoGeometry(4, 4, "420", 8)
    data, _ = _clip_bytes(geometry, 2)
    path = tmp_path / "cut.y4m"
    # Keep the first frame whole, then ``cut`` bytes of the second (marker + payload).
    first_end = len(y4m_header(geometry)) + 6 + geometry.frame_bytes
    path.write_bytes(data[:first_end + cut])
    with pytest.raises(TruncatedFileError, match=r"cut\.y4m"):
        open_video(path)
    with open_video(_Unseekable(data[:first_end + cut])) as reader:
        assert next(reader).index == 0
        with pytest.raises(TruncatedFileError):
            next(reader)


def test_loss_of_framing(tmp_path):
    geometry = VideoGeometry(4, 4, "420", 8)
    data, _ = _clip_bytes(geometry, 2)
    path = tmp_path / "junk.y4m"
    path.write_bytes(data + b"GARBAGE" + bytes(30))
    with pytest.raises(Y4mSyntaxError, match="expected 'FRAME' before frame 2"):
        open_video(path)


def test_header_without_frames(tmp_path):
    path = tmp_path / "none.y4m"
    path.write_bytes(b"YUV4MPEG2 W4 H4 F25:1\n")
    with pytest.raises(EmptyVideoError, match="no frame"):
        open_video(path)


def test_header_without_newline(tmp_path):
    path = tmp_path / "open.y4m"
    path.write_bytes(b"YUV4MPEG2 W4 H4 F25:1")
    with pytest.raises(TruncatedFileError, match="header"):
        open_video(path)


def test_y4m_named_file_without_magic(tmp_path):
    path = tmp_path / "fake.y4m"
    path.write_bytes(bytes(24))
    with pytest.raises(UnknownFormatError, match=r"fake\.y4m"):
        open_video(path, 4, 4, "420", 8)


def test_y4m_content_wins_over_yuv_name(tmp_path):
    geometry = VideoGeometry(4, 4, "420", 8)
    data, frames = _clip_bytes(geometry, 2)
    (tmp_path / "really_y4m.yuv").write_bytes(data)
    with open_video(tmp_path / "really_y4m.yuv") as reader:
        assert_frames_equal(list(reader), frames)


def test_y4m_from_a_stream():
    geometry = VideoGeometry(5, 3, "444", 12)
    data, frames = _clip_bytes(geometry, 3)
    with open_video(_Unseekable(data)) as reader:
        assert reader.frame_count is None and reader.geometry == geometry
        assert_frames_equal(list(reader), frames)


def test_y4m_sample_above_bitdepth(tmp_path):
    geometry = VideoGeometry(2, 2, "420", 10)
    samples = np.zeros(geometry.frame_samples, dtype="<u2")
    samples[0] = 1024
    path = tmp_path / "hot.y4m"
    path.write_bytes(b"YUV4MPEG2 W2 H2 F25:1 C420p10\nFRAME\n" + samples.tobytes())
    with open_video(path) as reader, pytest.raises(SampleRangeError, match="Y sample of 1024"):
        next(reader)


FFMPEG_FORMATS = {"yuv420p": ("420", 8), "yuv422p": ("422", 8), "yuv444p": ("444", 8),
                  "yuv420p10le": ("420", 10), "yuv422p10le": ("422", 10),
                  "yuv444p10le": ("444", 10), "yuv420p12le": ("420", 12),
                  "yuv444p12le": ("444", 12)}


@pytest.mark.ffmpeg
@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")
@pytest.mark.parametrize("pix_fmt", sorted(FFMPEG_FORMATS))
def test_ffmpeg_y4m_matches_ffmpeg_raw(tmp_path, pix_fmt):
    """A Y4M written by ffmpeg reads as the same samples as ffmpeg's raw output."""
    pixel_format, bitdepth = FFMPEG_FORMATS[pix_fmt]
    # ffmpeg's Y4M muxer writes two-byte chroma rows of odd-width frames half a sample short
    # (``(2 * w) >> 1`` bytes), so the high bit depths use an even width.
    width = 37 if bitdepth == 8 else 38
    # testsrc2 only makes chroma-aligned sizes; scaling gives the odd size.
    source = ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=64x32:rate=25",
              "-frames:v", "3", "-vf", f"scale={width}:21,format={pix_fmt}", "-strict", "-1"]
    subprocess.run(source + [str(tmp_path / "c.y4m")], check=True)
    subprocess.run(source + ["-f", "rawvideo", str(tmp_path / "c.yuv")], check=True)
    with open_video(tmp_path / "c.y4m") as y4m, \
            open_video(tmp_path / "c.yuv", width, 21, pixel_format, bitdepth) as raw:
        assert y4m.geometry == raw.geometry
        pairs = list(zip(y4m, raw))
    assert len(pairs) == 3
    for a, b in pairs:
        for plane_a, plane_b in zip((a.y, a.u, a.v), (b.y, b.u, b.v)):
            np.testing.assert_array_equal(plane_a, plane_b)


class _Unseekable(io.RawIOBase):
    def __init__(self, data: bytes):
        self._data = memoryview(data)

    def readable(self):
        return True

    def readinto(self, buffer):
        take = min(5, len(buffer), len(self._data))
        buffer[:take] = self._data[:take]
        self._data = self._data[take:]
        return take
