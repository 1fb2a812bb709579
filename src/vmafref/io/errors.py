"""The exceptions raised by the video readers.

Every problem with an input clip raises a subclass of :class:`VideoFormatError`, itself a
``ValueError``, whose message names the problem and the file. See specs/io.md §5.
"""

from __future__ import annotations

__all__ = [
    "VideoFormatError",
    "TruncatedFileError",
    "EmptyVideoError",
    "InvalidGeometryError",
    "MissingGeometryError",
    "GeometryMismatchError",
    "FrameCountMismatchError",
    "UnknownFormatError",
    "Y4mSyntaxError",
    "BitDepthError",
    "SampleRangeError",
    "ArrayInputError",
    "ContainerError",
]


class VideoFormatError(ValueError):
    """An input clip cannot be read as the video it claims to be."""


class TruncatedFileError(VideoFormatError):
    """The data ends inside a frame: a partial final frame, a short Y4M ``FRAME`` payload,
    a partial ``FRAME`` marker, or a raw file whose size is not a whole number of frames."""


class EmptyVideoError(VideoFormatError):
    """The clip holds no frame at all (empty file, or a Y4M header with no ``FRAME``)."""


class InvalidGeometryError(VideoFormatError):
    """Width or height is not a positive integer, or the geometry is otherwise unusable."""


class MissingGeometryError(InvalidGeometryError):
    """A raw ``.yuv`` clip was opened without width, height, pixel format and bit depth."""


class GeometryMismatchError(VideoFormatError):
    """Two geometries that must agree do not: reference against distorted, or the
    geometry given by the caller against a Y4M header."""


class FrameCountMismatchError(VideoFormatError):
    """One clip of a reference/distorted pair ran out of frames before the other."""


class UnknownFormatError(VideoFormatError):
    """An unknown pixel format, an unsupported Y4M colour space, or a file named ``.y4m``
    that is not a YUV4MPEG2 stream."""


class Y4mSyntaxError(VideoFormatError):
    """A malformed YUV4MPEG2 header or frame marker, or an interlaced stream."""


class BitDepthError(VideoFormatError):
    """A bit depth other than 8, 10, 12 or 16."""


class SampleRangeError(BitDepthError):
    """A sample exceeds the largest value its bit depth allows (or is negative)."""


class ArrayInputError(VideoFormatError):
    """Arrays given to :func:`vmafref.io.frames_from_arrays` have a bad shape or dtype, or
    hold NaN, infinite or non-integer values."""


class ContainerError(VideoFormatError):
    """A container file (MP4, Matroska, …) cannot be decoded: ffmpeg or ffprobe is missing,
    finds no video stream, or fails while decoding. See specs/io.md §8."""
