"""Writers for synthetic raw YUV and Y4M clips used by the io tests."""

from __future__ import annotations

import numpy as np

from vmafref.io import VideoGeometry

#: Y4M colour space tag for each (pixel format, bit depth) that has a native tag.
Y4M_TAGS = {("420", 8): "420jpeg", ("420", 10): "420p10", ("420", 12): "420p12",
            ("422", 8): "422", ("422", 10): "422p10", ("422", 12): "422p12",
            ("444", 8): "444", ("444", 10): "444p10", ("444", 12): "444p12"}


def random_planes(geometry: VideoGeometry, count: int, seed: int):
    """``count`` frames of random legal samples, as lists of (y, u, v) arrays."""
    rng = np.random.default_rng(seed)
    frames = []
    for _ in range(count):
        planes = []
        for shape in (geometry.luma_shape, geometry.chroma_shape, geometry.chroma_shape):
            planes.append(rng.integers(0, geometry.max_sample, shape, endpoint=True,
                                       dtype=np.int64).astype(geometry.luma_dtype))
        frames.append(tuple(planes))
    return frames


def frame_bytes(planes, geometry: VideoGeometry) -> bytes:
    dtype = np.uint8 if geometry.bitdepth == 8 else np.dtype("<u2")
    return b"".join(np.ascontiguousarray(plane).astype(dtype).tobytes() for plane in planes)


def write_raw(path, frames, geometry: VideoGeometry) -> None:
    with open(path, "wb") as handle:
        for planes in frames:
            handle.write(frame_bytes(planes, geometry))


def y4m_header(geometry: VideoGeometry, colour_space: str | None = None, extra: str = "") -> bytes:
    tag = colour_space or Y4M_TAGS[(geometry.pixel_format, geometry.bitdepth)]
    return (f"YUV4MPEG2 W{geometry.width} H{geometry.height} F25:1 Ip A1:1 C{tag}{extra}\n"
            .encode("ascii"))


def write_y4m(path, frames, geometry: VideoGeometry, colour_space: str | None = None,
              frame_params: str = "") -> None:
    with open(path, "wb") as handle:
        handle.write(y4m_header(geometry, colour_space))
        for planes in frames:
            handle.write(b"FRAME" + frame_params.encode("ascii") + b"\n")
            handle.write(frame_bytes(planes, geometry))


def assert_frames_equal(read_frames, expected) -> None:
    assert len(read_frames) == len(expected)
    for index, (frame, planes) in enumerate(zip(read_frames, expected)):
        assert frame.index == index
        for got, want in zip((frame.y, frame.u, frame.v), planes):
            assert got.dtype == want.dtype
            assert got.shape == want.shape
            np.testing.assert_array_equal(got, want)
