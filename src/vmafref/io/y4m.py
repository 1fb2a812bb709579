"""YUV4MPEG2 (Y4M) header parsing and the streaming Y4M reader.

Follows libvmaf's ``tools/y4m_input.c`` at f85a8536: the tags it reads (W, H, F, I, A, C),
the colour spaces it knows and the bit depths they imply, and its ``FRAME`` marker rule.
Where libvmaf's command line cannot read a colour space's frames (it refuses those that
need a chroma conversion), the stored planes are returned as they are; see specs/io.md §3.
"""

from __future__ import annotations

import dataclasses
import re
import warnings

import numpy as np

from vmafref.io._stream import ByteSource
from vmafref.io.errors import (EmptyVideoError, GeometryMismatchError, InvalidGeometryError,
                               MissingGeometryError, TruncatedFileError, UnknownFormatError,
                               Y4mSyntaxError)
from vmafref.io.geometry import Frame, VideoGeometry, make_geometry, normalize_pixel_format
from vmafref.io.reader import VideoReader, aligned_frame_buffer, check_sample_range, decode_samples

__all__ = ["Y4M_MAGIC", "Y4M_COLOUR_SPACES", "Y4mHeader", "parse_y4m_header", "Y4mReader"]

Y4M_MAGIC = b"YUV4MPEG"
#: Longest header or FRAME line accepted (libvmaf stops at 255 and 85 bytes).
MAX_LINE_BYTES = 4096

#: Colour space tag → (pixel format, bit depth, stored layout), as ``y4m_input.c``
#: lines 596-710 decode them. "planar" is Y, U, V; "mono" is Y only (U and V are set to
#: 128, as ``y4m_convert_mono_420jpeg``); "alpha" is Y, U, V, then an alpha plane that is
#: dropped.
Y4M_COLOUR_SPACES = {
    "420": ("420", 8, "planar"),
    "420jpeg": ("420", 8, "planar"),
    "420mpeg2": ("420", 8, "planar"),
    "420paldv": ("420", 8, "planar"),
    "420p10": ("420", 10, "planar"),
    "420p12": ("420", 12, "planar"),
    "422": ("422", 8, "planar"),
    "422p10": ("422", 10, "planar"),
    "422p12": ("422", 12, "planar"),
    "444": ("444", 8, "planar"),
    "444p10": ("444", 10, "planar"),
    "444p12": ("444", 12, "planar"),
    "444alpha": ("444", 8, "alpha"),
    "mono": ("420", 8, "mono"),
}

#: Colour spaces refused, with the reason given to the user.
_REFUSED_COLOUR_SPACES = {
    "411": "libvmaf converts 4:1:1 to 4:2:2 with a chroma filter that vmafref does not "
           "reproduce; convert the clip to 4:2:2 or 4:4:4 first",
}

_UNSIGNED = re.compile(rb"[+-]?[0-9]+")
_RATIO = re.compile(rb"[0-9]+:[0-9]+")


@dataclasses.dataclass(frozen=True)
class Y4mHeader:
    """The parsed stream header of a Y4M file. See specs/io.md §3.1."""

    geometry: VideoGeometry
    colour_space: str
    layout: str
    frame_rate: tuple[int, int]
    aspect: tuple[int, int] | None
    interlace: str | None
    header_bytes: int

    @property
    def payload_bytes(self) -> int:
        """Bytes after each ``FRAME`` line."""
        luma_bytes = self.geometry.width * self.geometry.height * self.geometry.bytes_per_sample
        if self.layout == "mono":
            return luma_bytes
        if self.layout == "alpha":
            return self.geometry.frame_bytes + luma_bytes
        return self.geometry.frame_bytes


def parse_y4m_header(line: bytes, name: str = "<y4m>") -> Y4mHeader:
    """Parse a Y4M stream header line (without its newline).

    Tags are separated by spaces and identified by their first letter (``y4m_parse_tags``,
    ``y4m_input.c:79-138``): ``W`` and ``H`` (positive integers) and ``F`` (``n:d``) are
    required, ``A`` (``n:d``), ``I`` and ``C`` are optional, the rest (``X`` comments) are
    ignored, and a missing ``C`` means ``420``. Only progressive (``Ip``) or unknown
    (``I?``) interlacing is accepted (``y4m_input.c:586-594``).
    """
    if not line.startswith(Y4M_MAGIC):
        raise UnknownFormatError(f"{name}: not a YUV4MPEG2 stream (no 'YUV4MPEG2' magic)")
    if line[8:9] != b"2":
        warnings.warn(f"{name}: YUV4MPEG version {line[8:9]!r} is not 2; reading it as 2",
                      stacklevel=3)
    tags: dict[str, bytes] = {}
    for token in line[9:].split(b" "):
        if token:
            tags[chr(token[0])] = token[1:]
    for letter, what in (("W", "width"), ("H", "height")):
        if letter not in tags:
            raise MissingGeometryError(f"{name}: the Y4M header has no {letter} ({what}) tag")
    values = {}
    for letter, what in (("W", "width"), ("H", "height")):
        text = tags[letter]
        if not _UNSIGNED.fullmatch(text):
            raise Y4mSyntaxError(f"{name}: Y4M {what} tag {letter}{text.decode('latin-1')!r} "
                                 "is not an integer")
        values[what] = int(text)
        if values[what] <= 0:
            raise InvalidGeometryError(f"{name}: Y4M {what} is {values[what]}, not positive")
    if "F" not in tags:
        raise Y4mSyntaxError(f"{name}: the Y4M header has no F (frame rate) tag, which "
                             "libvmaf requires")
    if not _RATIO.fullmatch(tags["F"]):
        raise Y4mSyntaxError(f"{name}: Y4M frame rate F{tags['F'].decode('latin-1')} is not n:d")
    frame_rate = tuple(int(part) for part in tags["F"].split(b":"))
    aspect = None
    if "A" in tags:
        if not _RATIO.fullmatch(tags["A"]):
            raise Y4mSyntaxError(
                f"{name}: Y4M aspect ratio A{tags['A'].decode('latin-1')} is not n:d")
        aspect = tuple(int(part) for part in tags["A"].split(b":"))
    interlace = None
    if "I" in tags:
        interlace = tags["I"][:1].decode("latin-1")
        if interlace not in ("p", "?"):
            raise Y4mSyntaxError(
                f"{name}: interlaced Y4M (I{interlace}) is not supported; libvmaf accepts only "
                "progressive (Ip) or unknown (I?) scan")
    colour_space = tags["C"].decode("latin-1") if "C" in tags else "420"
    if colour_space in _REFUSED_COLOUR_SPACES:
        raise UnknownFormatError(f"{name}: Y4M colour space C{colour_space} is not supported: "
                                 f"{_REFUSED_COLOUR_SPACES[colour_space]}")
    if colour_space not in Y4M_COLOUR_SPACES:
        known = ", ".join("C" + key for key in Y4M_COLOUR_SPACES)
        raise UnknownFormatError(f"{name}: unknown Y4M colour space C{colour_space!s}; libvmaf "
                                 f"reads {known}")
    pixel_format, bitdepth, layout = Y4M_COLOUR_SPACES[colour_space]
    geometry = make_geometry(values["width"], values["height"], pixel_format, bitdepth, name)
    return Y4mHeader(geometry, colour_space, layout, frame_rate, aspect, interlace,
                     header_bytes=len(line) + 1)


def check_requested_geometry(header_geometry: VideoGeometry, name: str, **requested) -> None:
    """Raise GeometryMismatchError when a caller-given value contradicts the Y4M header."""
    conflicts = []
    for field, value in requested.items():
        if value is None:
            continue
        if field == "pixel_format":
            value = normalize_pixel_format(value, name)
        actual = getattr(header_geometry, field)
        if value != actual:
            conflicts.append(f"{field}={value!r} but the header says {actual!r}")
    if conflicts:
        raise GeometryMismatchError(
            f"{name}: the geometry given contradicts the Y4M header "
            f"({header_geometry.describe()}): "
            + "; ".join(conflicts))


def _read_frame_marker(source: ByteSource, name: str, index: int) -> bool:
    """Consume one ``FRAME[ params]\\n`` line; return False at a clean end of data.

    libvmaf reads six bytes, requires ``FRAME``, and skips the rest of the line as frame
    parameters (``y4m_input.c:839-855``); the parameters are ignored here too.
    """
    head = source.read(6)
    if not head:
        return False
    if head[:5] != b"FRAME"[:len(head[:5])]:
        raise Y4mSyntaxError(f"{name}: expected 'FRAME' before frame {index}, found {head!r}")
    if len(head) < 6:
        raise TruncatedFileError(f"{name}: the data ends inside the FRAME marker of frame {index}")
    if head[5:6] != b"\n":
        _, found = source.read_line(MAX_LINE_BYTES)
        if not found:
            raise TruncatedFileError(
                f"{name}: the FRAME line of frame {index} has no end of line within "
                f"{MAX_LINE_BYTES} bytes")
    return True


class Y4mReader(VideoReader):
    """Streams the frames of a Y4M file. See specs/io.md §3."""

    def __init__(self, source: ByteSource, **requested):
        super().__init__()
        self._source = source
        self.path = source.name
        try:
            line, found = source.read_line(MAX_LINE_BYTES)
            if not found:
                if len(line) >= MAX_LINE_BYTES:
                    raise Y4mSyntaxError(
                        f"{self.path}: Y4M header longer than {MAX_LINE_BYTES} bytes")
                raise TruncatedFileError(f"{self.path}: the Y4M header has no end of line")
            self.header = parse_y4m_header(line, self.path)
            self.geometry = self.header.geometry
            check_requested_geometry(self.geometry, self.path, **requested)
            self.frame_count = self._count_frames() if source.seekable else None
        except BaseException:
            source.close()
            raise

    def _count_frames(self) -> int:
        """Walk the FRAME markers without reading payloads, checking every frame is whole."""
        source = self._source
        start = source.tell()
        size = source.size()
        payload = self.header.payload_bytes
        count = 0
        while _read_frame_marker(source, self.path, count):
            end = source.tell() + payload
            if end > size:
                raise TruncatedFileError(
                    f"{self.path}: frame {count} is truncated: {size - source.tell()} of "
                    f"{payload} bytes after its FRAME line")
            source.seek(end)
            count += 1
        if count == 0:
            raise EmptyVideoError(f"{self.path}: the Y4M file holds a header but no frame")
        source.seek(start)
        return count

    def _read_frame(self, index: int) -> Frame | None:
        if not _read_frame_marker(self._source, self.path, index):
            return None
        geometry = self.geometry
        payload = self.header.payload_bytes
        buffer = aligned_frame_buffer(payload)
        got = self._source.read_into(memoryview(buffer))
        if got != payload:
            raise TruncatedFileError(f"{self.path}: frame {index} is truncated: {got} of "
                                     f"{payload} bytes after its FRAME line")
        if self.header.layout == "mono":
            y = buffer.reshape(geometry.luma_shape)
            u = np.full(geometry.chroma_shape, 128, dtype=np.uint8)
            v = np.full(geometry.chroma_shape, 128, dtype=np.uint8)
        else:
            samples = decode_samples(buffer[:geometry.frame_bytes], geometry)
            y, u, v = geometry.split_planes(samples)
        check_sample_range((y, u, v), geometry, self.path, index)
        return Frame(y, u, v, index)

    def close(self) -> None:
        super().close()
        self._source.close()
