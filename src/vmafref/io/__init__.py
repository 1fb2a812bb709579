"""Streaming, bounded-memory readers for raw planar YUV and Y4M clips, and containers via ffmpeg.

    from vmafref.io import open_video, open_pair, frames_from_arrays

    with open_video("ref.yuv", width=576, height=324, pixel_format="420", bitdepth=8) as clip:
        for frame in clip:          # Frame(y, u, v, index), numpy planes
            ...

See specs/io.md.
"""

from __future__ import annotations

from vmafref.io.api import VideoPair, open_pair, open_video
from vmafref.io.arrays import ArrayReader, frames_from_arrays
from vmafref.io.container import CONTAINER_EXTENSIONS, ContainerReader
from vmafref.io.errors import (ArrayInputError, BitDepthError, ContainerError, EmptyVideoError,
                               FrameCountMismatchError, GeometryMismatchError,
                               InvalidGeometryError, MissingGeometryError, SampleRangeError,
                               TruncatedFileError, UnknownFormatError, VideoFormatError,
                               Y4mSyntaxError)
from vmafref.io.geometry import BIT_DEPTHS, PIXEL_FORMATS, Frame, VideoGeometry
from vmafref.io.reader import RawYuvReader, VideoReader
from vmafref.io.y4m import Y4M_COLOUR_SPACES, Y4mHeader, Y4mReader, parse_y4m_header

__all__ = [
    "VideoGeometry",
    "Frame",
    "VideoReader",
    "RawYuvReader",
    "Y4mReader",
    "ArrayReader",
    "VideoPair",
    "open_video",
    "open_pair",
    "frames_from_arrays",
    "parse_y4m_header",
    "Y4mHeader",
    "Y4M_COLOUR_SPACES",
    "PIXEL_FORMATS",
    "BIT_DEPTHS",
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
    "ContainerReader",
    "CONTAINER_EXTENSIONS",
]
