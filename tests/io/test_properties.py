"""Property tests: the readers never crash on arbitrary input (specs/io.md §5).

Whatever the header and the file size, a reader either yields well-formed frames or raises
a documented VideoFormatError subclass, never another exception.
"""

import io
import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.io.helpers import Y4M_TAGS, assert_frames_equal, random_planes, write_raw, write_y4m
from vmafref.io import VideoFormatError, VideoGeometry, Y4M_COLOUR_SPACES, open_video

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                             suppress_health_check=[HealthCheck.function_scoped_fixture])

_TAG_VALUES = st.one_of(
    st.integers(-3, 12).map(str),
    st.sampled_from(["25:1", "30000:1001", "0:0", "1:1", "p", "?", "t", "x", "", "1.5", ":", "-1"]),
    st.sampled_from(sorted(Y4M_COLOUR_SPACES) + ["411", "420p16", "foo"]),
    st.text(alphabet="0123456789:pabcXYZ=", max_size=6),
)
_RANDOM_TAGS = st.lists(st.tuples(st.sampled_from("WHFIACXZ"), _TAG_VALUES), max_size=7)
# Mostly valid headers, so that frames do get read: tiny W and H, a frame rate, any C.
_PLAUSIBLE_TAGS = st.tuples(
    st.tuples(st.just("W"), st.integers(0, 4).map(str)),
    st.tuples(st.just("H"), st.integers(0, 4).map(str)),
    st.tuples(st.just("F"), st.sampled_from(["25:1", "25"])),
    st.tuples(st.just("C"), st.sampled_from(sorted(Y4M_COLOUR_SPACES) + ["420p16"])),
).map(list)
_TAGS = st.one_of(_RANDOM_TAGS, _PLAUSIBLE_TAGS)
_MAGIC = st.sampled_from(["YUV4MPEG2", "YUV4MPEG2", "YUV4MPEG2", "YUV4MPEG1", "YUV4MPE"])
_BODY_PIECES = st.lists(st.one_of(st.just(b"FRAME\n"), st.just(b"FRAME Ixx\n"),
                                  st.binary(max_size=40), st.just(b"FRAM"),
                                  st.integers(1, 96).map(lambda n: b"\x00" * n)), max_size=8)


@st.composite
def _plausible_y4m(draw):
    """A valid Y4M header with frames whose sizes and markers are sometimes off."""
    width, height = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    colour_space = draw(st.sampled_from(sorted(Y4M_COLOUR_SPACES)))
    pixel_format, bitdepth, layout = Y4M_COLOUR_SPACES[colour_space]
    geometry = VideoGeometry(width, height, pixel_format, bitdepth)
    luma = width * height * geometry.bytes_per_sample
    payload = {"mono": luma, "alpha": geometry.frame_bytes + luma}.get(layout, geometry.frame_bytes)
    data = f"YUV4MPEG2 W{width} H{height} F25:1 C{colour_space}\n".encode()
    for _ in range(draw(st.integers(0, 3))):
        data += draw(st.sampled_from([b"FRAME\n", b"FRAME Ixyz\n", b"FRAME", b"FRAMX\n"]))
        size = payload + draw(st.sampled_from([0, 0, 0, 0, -1, 1]))
        # Random bytes: 10- and 12-bit samples are sometimes out of range.
        data += draw(st.binary(min_size=max(size, 0), max_size=max(size, 0)))
    return data


def _y4m_bytes(magic, tags, body_pieces, newline):
    header = " ".join([magic] + [letter + value for letter, value in tags])
    return header.encode("latin-1") + (b"\n" if newline else b"") + b"".join(body_pieces)


class _Pipe(io.RawIOBase):
    def __init__(self, data):
        self._data = memoryview(data)

    def readable(self):
        return True

    def readinto(self, buffer):
        take = min(11, len(buffer), len(self._data))
        buffer[:take] = self._data[:take]
        self._data = self._data[take:]
        return take


def _read_all(source, **geometry):
    """Read every frame; return them, or the VideoFormatError raised. Other errors escape."""
    try:
        with open_video(source, **geometry) as reader:
            frames = list(reader)
            shape_ok = all(frame.y.shape == reader.geometry.luma_shape
                           and frame.u.shape == reader.geometry.chroma_shape
                           and frame.v.shape == reader.geometry.chroma_shape
                           and frame.y.dtype == reader.geometry.luma_dtype for frame in frames)
            assert shape_ok
            assert reader.frame_count in (None, len(frames))
            assert frames, "a reader that opens yields at least one frame"
            return frames
    except VideoFormatError as error:
        assert str(error)
        return error


_RANDOM_Y4M = st.builds(_y4m_bytes, _MAGIC, _TAGS, _BODY_PIECES, st.booleans())


@PROPERTY_SETTINGS
@given(data=st.one_of(_RANDOM_Y4M, _plausible_y4m()))
def test_y4m_never_crashes(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("y4m") / "random.y4m"
    path.write_bytes(data)
    with warnings.catch_warnings():
        # A version byte other than 2 warns (tested in test_y4m.py); only errors matter here.
        warnings.simplefilter("ignore", UserWarning)
        from_file = _read_all(path)
        from_pipe = _read_all(_Pipe(data))
    if not isinstance(from_file, Exception):
        assert not isinstance(from_pipe, Exception)
        for a, b in zip(from_file, from_pipe):
            np.testing.assert_array_equal(a.y, b.y)


@PROPERTY_SETTINGS
@given(width=st.integers(1, 9), height=st.integers(1, 9),
       pixel_format=st.sampled_from(["420", "422", "444"]),
       bitdepth=st.sampled_from([8, 10, 12, 16]), size=st.integers(0, 2000),
       seed=st.integers(0, 2 ** 32 - 1))
def test_raw_never_crashes(tmp_path_factory, width, height, pixel_format, bitdepth, size, seed):
    data = np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes()
    path = tmp_path_factory.mktemp("raw") / "random.yuv"
    path.write_bytes(data)
    geometry = dict(width=width, height=height, pixel_format=pixel_format, bitdepth=bitdepth)
    from_file = _read_all(path, **geometry)
    from_pipe = _read_all(_Pipe(data), **geometry)
    frame_bytes = VideoGeometry(**geometry).frame_bytes
    if size and size % frame_bytes == 0 and bitdepth in (8, 16):
        assert len(from_file) == len(from_pipe) == size // frame_bytes
    if not isinstance(from_file, Exception):
        assert len(from_file) == size // frame_bytes


@PROPERTY_SETTINGS
@given(width=st.integers(1, 12), height=st.integers(1, 12),
       format_=st.sampled_from(sorted(Y4M_TAGS)), count=st.integers(1, 3),
       seed=st.integers(0, 2 ** 32 - 1), frame_params=st.sampled_from(["", " Ip", " XA=1 XB=2"]))
def test_random_geometry_round_trip(tmp_path_factory, width, height, format_, count, seed,
                                    frame_params):
    pixel_format, bitdepth = format_
    geometry = VideoGeometry(width, height, pixel_format, bitdepth)
    frames = random_planes(geometry, count, seed=seed)
    folder = tmp_path_factory.mktemp("trip")
    write_raw(folder / "clip.yuv", frames, geometry)
    write_y4m(folder / "clip.y4m", frames, geometry, frame_params=frame_params)
    with open_video(folder / "clip.yuv", width, height, pixel_format, bitdepth) as reader:
        assert_frames_equal(list(reader), frames)
    with open_video(folder / "clip.y4m") as reader:
        assert reader.geometry == geometry
        assert_frames_equal(list(reader), frames)

