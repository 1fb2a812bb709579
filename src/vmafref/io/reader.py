"""The streaming reader interface and the raw planar YUV reader.

A reader yields one :class:`~vmafref.io.geometry.Frame` at a time and holds only the
frame it is decoding, so memory stays bounded whatever the clip length. The raw reader
mirrors libvmaf's ``tools/yuv_input.c``. See specs/io.md §2 and §4.
"""

from __future__ import annotations

import numpy as np

from vmafref.io._stream import ByteSource
from vmafref.io.errors import EmptyVideoError, SampleRangeError, TruncatedFileError
from vmafref.io.geometry import Frame, VideoGeometry

__all__ = ["VideoReader", "RawYuvReader", "decode_samples", "check_sample_range", "aligned_frame_buffer",
           "FRAME_ALIGNMENT"]

_LITTLE_ENDIAN_U16 = np.dtype("<u2")


#: Byte alignment of the frame buffers: XLA's CPU client uses a NumPy array's memory in place
#: (no copy) when it is 64-byte aligned, and copies it otherwise (specs/io.md §4).
FRAME_ALIGNMENT = 64


def aligned_frame_buffer(nbytes: int) -> np.ndarray:
    """An uninitialised uint8 array of ``nbytes`` whose first byte is :data:`FRAME_ALIGNMENT`-aligned."""
    spare = np.empty(nbytes + FRAME_ALIGNMENT, dtype=np.uint8)
    start = -spare.ctypes.data % FRAME_ALIGNMENT
    return spare[start:start + nbytes]


def decode_samples(buffer: np.ndarray, geometry: VideoGeometry) -> np.ndarray:
    """View a frame's raw bytes as samples: ``uint8``, or little-endian 16-bit → ``uint16``."""
    if geometry.bitdepth == 8:
        return buffer
    return buffer.view(_LITTLE_ENDIAN_U16).astype(np.uint16, copy=False)


def check_sample_range(planes, geometry: VideoGeometry, name: str, index: int) -> None:
    """Raise SampleRangeError when a sample exceeds ``2**bitdepth - 1``.

    8- and 16-bit samples cannot exceed their range; 10- and 12-bit samples stored in two
    bytes can, and libvmaf would use them silently. See specs/io.md §5.
    """
    if geometry.bitdepth in (8, 16):
        return
    limit = geometry.max_sample
    for plane_name, plane in zip("YUV", planes):
        if plane.size and int(plane.max()) > limit:
            raise SampleRangeError(
                f"{name}: frame {index} has a {plane_name} sample of {int(plane.max())}, above "
                f"{limit}, the largest {geometry.bitdepth}-bit value")


class VideoReader:
    """Iterator of :class:`Frame` over one clip, usable as a context manager.

    Attributes:
      geometry: the clip's :class:`VideoGeometry`.
      frame_count: number of frames, or None when it cannot be known without reading
        (a pipe or standard input).
      path: the file name, ``"<stdin>"``, ``"<stream>"`` or ``"<arrays>"``.
    """

    geometry: VideoGeometry
    frame_count: int | None
    path: str

    def __init__(self):
        self._next_index = 0
        self._exhausted = False
        self._closed = False

    def _read_frame(self, index: int) -> Frame | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def __iter__(self):
        return self

    def __next__(self) -> Frame:
        if self._exhausted or self._closed:
            raise StopIteration
        frame = self._read_frame(self._next_index)
        if frame is None:
            self._exhausted = True
            self.close()  # the file is not needed any more, even without a ``with`` block
            if self._next_index == 0:
                raise EmptyVideoError(f"{self.path}: the clip holds no frame")
            raise StopIteration
        self._next_index += 1
        return frame

    def skip(self, count: int) -> int:
        """Read and drop up to ``count`` frames; return how many were dropped."""
        dropped = 0
        for _ in range(count):
            try:
                next(self)
            except StopIteration:
                break
            dropped += 1
        return dropped

    def close(self) -> None:
        self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def __repr__(self):
        return (f"{type(self).__name__}(path={self.path!r}, geometry={self.geometry.describe()}, "
                f"frame_count={self.frame_count})")


class RawYuvReader(VideoReader):
    """Reads headerless planar YUV: Y, U, V planes back to back, frame after frame.

    Bytes per frame: ``(w*h + 2*ceil(w/dh)*ceil(h/dv)) * (1 if 8-bit else 2)``, as
    ``dst_buf_sz`` in libvmaf's ``tools/yuv_input.c``. A regular file whose size is not a
    whole number of frames is refused when it is opened; on a pipe the partial frame is
    reported when it is reached. See specs/io.md §2.
    """

    def __init__(self, source: ByteSource, geometry: VideoGeometry):
        super().__init__()
        self._source = source
        self.geometry = geometry
        self.path = source.name
        remaining = source.remaining()
        if remaining is None:
            self.frame_count = None
            return
        if remaining == 0:
            source.close()
            raise EmptyVideoError(f"{self.path}: the file is empty")
        frames, leftover = divmod(remaining, geometry.frame_bytes)
        if leftover:
            source.close()
            raise TruncatedFileError(
                f"{self.path}: size {remaining} bytes is not a whole number of "
                f"{geometry.describe()} frames ({geometry.frame_bytes} bytes each): "
                f"{frames} frames and {leftover} bytes left over")
        self.frame_count = frames

    def _read_frame(self, index: int) -> Frame | None:
        geometry = self.geometry
        buffer = aligned_frame_buffer(geometry.frame_bytes)
        got = self._source.read_into(memoryview(buffer))
        if got == 0:
            return None
        if got != geometry.frame_bytes:
            raise TruncatedFileError(
                f"{self.path}: frame {index} is truncated: {got} of {geometry.frame_bytes} bytes "
                f"({geometry.describe()})")
        y, u, v = geometry.split_planes(decode_samples(buffer, geometry))
        check_sample_range((y, u, v), geometry, self.path, index)
        return Frame(y, u, v, index)

    def close(self) -> None:
        super().close()
        self._source.close()
