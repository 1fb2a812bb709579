"""Tests for the raw planar YUV reader, vmafref.io.reader (specs/io.md §2)."""

import io
import subprocess
import sys

import numpy as np
import pytest

from tests.io.helpers import assert_frames_equal, frame_bytes, random_planes, write_raw
from vmafref.io import (EmptyVideoError, MissingGeometryError, SampleRangeError,
                        TruncatedFileError, VideoFormatError, VideoGeometry, open_video)

FORMATS = [(pf, bd) for pf in ("420", "422", "444") for bd in (8, 10, 12, 16)]
SIZES = [(1, 1), (5, 3), (6, 4), (7, 2)]


@pytest.mark.parametrize("pixel_format,bitdepth", FORMATS)
@pytest.mark.parametrize("width,height", SIZES)
def test_raw_round_trip(tmp_path, pixel_format, bitdepth, width, height):
    geometry = VideoGeometry(width, height, pixel_format, bitdepth)
    frames = random_planes(geometry, 3, seed=width * 100 + height)
    path = tmp_path / "clip.yuv"
    write_raw(path, frames, geometry)
    with open_video(path, width, height, pixel_format, bitdepth) as reader:
        assert reader.geometry == geometry
        assert reader.frame_count == 3
        assert reader.path == str(path)
        assert_frames_equal(list(reader), frames)


def test_frames_do_not_share_buffers(tmp_path):
    geometry = VideoGeometry(4, 2, "420", 8)
    frames = random_planes(geometry, 2, seed=1)
    write_raw(tmp_path / "a.yuv", frames, geometry)
    with open_video(tmp_path / "a.yuv", 4, 2, "420", 8) as reader:
        first, second = list(reader)
    first.y[...] = 0
    np.testing.assert_array_equal(second.y, frames[1][0])


@pytest.mark.parametrize("container", ["raw", "y4m"])
@pytest.mark.parametrize("bitdepth", [8, 10])
def test_luma_planes_start_64_byte_aligned(tmp_path, container, bitdepth):
    """XLA uses an aligned plane's memory in place and copies an unaligned one (specs/io.md §1)."""
    geometry = VideoGeometry(7, 5, "420", bitdepth)
    frames = random_planes(geometry, 6, seed=2)
    path = tmp_path / "clip.yuv"
    write_raw(path, frames, geometry)
    if container == "y4m":
        header = f"YUV4MPEG2 W7 H5 F25:1 C{'420jpeg' if bitdepth == 8 else '420p10'}\n".encode()
        data, size = path.read_bytes(), geometry.frame_bytes
        path = tmp_path / "clip.y4m"
        path.write_bytes(header + b"".join(b"FRAME\n" + data[i:i + size] for i in range(0, len(data), size)))
        reader = open_video(path)
    else:
        reader = open_video(path, 7, 5, "420", bitdepth)
    with reader:
        read = list(reader)
    assert_frames_equal(read, frames)
    assert [frame.y.ctypes.data % 64 for frame in read] == [0] * 6


def test_ten_bit_is_little_endian(tmp_path):
    path = tmp_path / "le.yuv"
    geometry = VideoGeometry(2, 2, "444", 10)
    path.write_bytes(bytes([0x01, 0x02]) + bytes(2 * 11))  # first sample 0x0201 = 513
    with open_video(path, 2, 2, "444", 10) as reader:
        frame = next(reader)
    assert frame.y[0, 0] == 513 and frame.y.dtype == np.uint16
    assert geometry.frame_bytes == 24


def test_partial_final_frame_is_refused_at_open(tmp_path):
    geometry = VideoGeometry(5, 3, "420", 8)
    path = tmp_path / "short.yuv"
    write_raw(path, random_planes(geometry, 2, seed=2), geometry)
    with open(path, "ab") as handle:
        handle.write(b"\x00" * 7)
    with pytest.raises(TruncatedFileError, match=r"short\.yuv.*not a whole number of"):
        open_video(path, 5, 3, "420", 8)


def test_wrong_geometry_gives_size_error(tmp_path):
    geometry = VideoGeometry(6, 4, "420", 8)
    path = tmp_path / "clip.yuv"
    write_raw(path, random_planes(geometry, 1, seed=3), geometry)
    with pytest.raises(TruncatedFileError):
        open_video(path, 6, 4, "444", 8)


def test_partial_frame_on_a_stream(tmp_path):
    geometry = VideoGeometry(4, 4, "420", 8)
    data = frame_bytes(random_planes(geometry, 1, seed=4)[0], geometry)
    stream = _Unseekable(data + data[:5])
    with open_video(stream, 4, 4, "420", 8) as reader:
        assert reader.frame_count is None
        assert next(reader).index == 0
        with pytest.raises(TruncatedFileError, match="frame 1 is truncated: 5 of 24 bytes"):
            next(reader)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.yuv"
    path.write_bytes(b"")
    with pytest.raises(EmptyVideoError, match="empty"):
        open_video(path, 4, 4, "420", 8)


def test_empty_stream():
    with open_video(_Unseekable(b""), 4, 4, "420", 8) as reader:
        with pytest.raises(EmptyVideoError, match="no frame"):
            next(reader)


@pytest.mark.parametrize("missing", ["width", "height", "pixel_format", "bitdepth"])
def test_raw_needs_full_geometry(tmp_path, missing):
    path = tmp_path / "clip.yuv"
    path.write_bytes(bytes(24))
    arguments = dict(width=4, height=4, pixel_format="420", bitdepth=8)
    arguments[missing] = None
    with pytest.raises(MissingGeometryError, match=missing):
        open_video(path, **arguments)


@pytest.mark.parametrize("bitdepth", [10, 12])
def test_samples_above_bitdepth_are_refused(tmp_path, bitdepth):
    geometry = VideoGeometry(2, 2, "420", bitdepth)
    samples = np.zeros(geometry.frame_samples, dtype="<u2")
    samples[-1] = 2 ** bitdepth  # last V sample, one above the maximum
    path = tmp_path / "hot.yuv"
    samples.tofile(path)
    with open_video(path, 2, 2, "420", bitdepth) as reader:
        with pytest.raises(SampleRangeError, match=r"hot\.yuv: frame 0 has a V sample"):
            next(reader)


def test_largest_legal_sample_is_read(tmp_path):
    geometry = VideoGeometry(2, 2, "420", 12)
    np.full(geometry.frame_samples, 4095, dtype="<u2").tofile(tmp_path / "max.yuv")
    with open_video(tmp_path / "max.yuv", 2, 2, "420", 12) as reader:
        assert int(next(reader).y.max()) == 4095


def test_reads_a_pipe_on_standard_input(tmp_path):
    geometry = VideoGeometry(5, 3, "422", 10)
    frames = random_planes(geometry, 4, seed=5)
    path = tmp_path / "clip.yuv"
    write_raw(path, frames, geometry)
    script = ("import sys; from vmafref.io import open_video\n"
              "r = open_video('-', 5, 3, '422', 10)\n"
              "print(r.frame_count, sum(int(f.y.sum()) for f in r))")
    out = subprocess.run([sys.executable, "-c", script], input=path.read_bytes(),
                         capture_output=True, check=True).stdout.decode().split()
    assert out == ["None", str(sum(int(planes[0].sum()) for planes in frames))]


def test_errors_are_value_errors():
    assert issubclass(TruncatedFileError, VideoFormatError)
    assert issubclass(VideoFormatError, ValueError)


class _Unseekable(io.RawIOBase):
    """A pipe-like stream that returns at most 7 bytes per read."""

    def __init__(self, data: bytes):
        self._data = memoryview(data)

    def readable(self):
        return True

    def readinto(self, buffer):
        take = min(7, len(buffer), len(self._data))
        buffer[:take] = self._data[:take]
        self._data = self._data[take:]
        return take
