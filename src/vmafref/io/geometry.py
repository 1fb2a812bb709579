"""Frame geometry (size, chroma subsampling, bit depth) and the decoded frame.

The planar layouts follow libvmaf's raw reader (``libvmaf/tools/yuv_input.c``): Y, then
U, then V, each plane row-major without padding; chroma planes of odd-sized frames are
rounded up (``(w + 1) // 2``). Samples above 8 bits take two little-endian bytes.
See specs/io.md §1.
"""

from __future__ import annotations

import dataclasses
import numbers

import numpy as np

from vmafref.io.errors import BitDepthError, InvalidGeometryError, UnknownFormatError

__all__ = ["VideoGeometry", "Frame", "PIXEL_FORMATS", "BIT_DEPTHS", "MAX_DIMENSION",
           "make_geometry"]

#: Pixel formats libvmaf's command line accepts (``-p``), ``tools/cli_parse.c``.
PIXEL_FORMATS = ("420", "422", "444")
#: Bit depths libvmaf's command line accepts (``-b``), ``tools/cli_parse.c``.
BIT_DEPTHS = (8, 10, 12, 16)
#: Largest width or height accepted (16K video is 15360x8640); a larger value in a header is
#: far more likely corruption than video, and would ask for gigabytes per frame.
MAX_DIMENSION = 32768

# (horizontal, vertical) chroma decimation per pixel format.
_CHROMA_DECIMATION = {"420": (2, 2), "422": (2, 1), "444": (1, 1)}


def _positive_int(value, what: str, source: str | None) -> int:
    where = f" ({source})" if source else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidGeometryError(f"{what} must be a positive integer, got {value!r}{where}")
    if value <= 0:
        raise InvalidGeometryError(f"{what} must be a positive integer, got {value}{where}")
    if value > MAX_DIMENSION:
        raise InvalidGeometryError(f"{what} {value} exceeds the largest accepted, "
                                   f"{MAX_DIMENSION}{where}")
    return int(value)


def normalize_pixel_format(value, source: str | None = None) -> str:
    """Return ``"420"``, ``"422"`` or ``"444"`` for the accepted spellings, else raise.

    Accepted: those strings, the integers 420/422/444 and ``"yuv420p"``-style names.
    """
    where = f" ({source})" if source else ""
    text = str(value).strip().lower() if isinstance(value, (str, numbers.Integral)) else None
    if isinstance(value, bool):
        text = None
    if text is not None and text.startswith("yuv") and text.endswith("p"):
        text = text[3:-1]
    if text not in PIXEL_FORMATS:
        raise UnknownFormatError(
            f"unknown pixel format {value!r}{where}; expected one of {', '.join(PIXEL_FORMATS)}")
    return text


def check_bitdepth(value, source: str | None = None) -> int:
    """Return ``value`` as an int if it is one of 8, 10, 12, 16, else raise BitDepthError."""
    where = f" ({source})" if source else ""
    if (isinstance(value, bool) or not isinstance(value, numbers.Integral)
            or int(value) not in BIT_DEPTHS):
        raise BitDepthError(
            f"bit depth {value!r} is not supported{where}; libvmaf accepts 8, 10, 12 or 16")
    return int(value)


@dataclasses.dataclass(frozen=True)
class VideoGeometry:
    """Size, chroma subsampling and bit depth of every frame of a clip.

    Args:
      width, height: luma size in samples, positive.
      pixel_format: ``"420"``, ``"422"`` or ``"444"`` (also ``420``, ``"yuv420p"``).
      bitdepth: 8, 10, 12 or 16. 8-bit samples take one byte, the others two
        (little-endian) and decode to ``uint16``.

    See specs/io.md §1.
    """

    width: int
    height: int
    pixel_format: str
    bitdepth: int

    def __post_init__(self):
        object.__setattr__(self, "width", _positive_int(self.width, "width", None))
        object.__setattr__(self, "height", _positive_int(self.height, "height", None))
        object.__setattr__(self, "pixel_format", normalize_pixel_format(self.pixel_format))
        object.__setattr__(self, "bitdepth", check_bitdepth(self.bitdepth))

    @property
    def bytes_per_sample(self) -> int:
        return 1 if self.bitdepth == 8 else 2

    @property
    def luma_dtype(self) -> np.dtype:
        """``uint8`` for 8-bit clips, ``uint16`` above."""
        return np.dtype(np.uint8) if self.bitdepth == 8 else np.dtype(np.uint16)

    @property
    def max_sample(self) -> int:
        """Largest legal sample value, ``2**bitdepth - 1``."""
        return (1 << self.bitdepth) - 1

    @property
    def luma_shape(self) -> tuple[int, int]:
        return (self.height, self.width)

    @property
    def chroma_shape(self) -> tuple[int, int]:
        """Shape of the U and V planes: ``ceil(h / dec_v), ceil(w / dec_h)``."""
        dec_h, dec_v = _CHROMA_DECIMATION[self.pixel_format]
        return (-(-self.height // dec_v), -(-self.width // dec_h))

    @property
    def frame_samples(self) -> int:
        ch, cw = self.chroma_shape
        return self.width * self.height + 2 * ch * cw

    @property
    def frame_bytes(self) -> int:
        """Bytes of one raw planar frame (``dst_buf_sz`` in libvmaf's ``yuv_input.c``)."""
        return self.frame_samples * self.bytes_per_sample

    def split_planes(self, samples: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Cut a flat array of ``frame_samples`` samples into ``(y, u, v)`` views."""
        luma = self.width * self.height
        ch, cw = self.chroma_shape
        chroma = ch * cw
        y = samples[:luma].reshape(self.luma_shape)
        u = samples[luma:luma + chroma].reshape(ch, cw)
        v = samples[luma + chroma:luma + 2 * chroma].reshape(ch, cw)
        return y, u, v

    def describe(self) -> str:
        return f"{self.width}x{self.height} {self.pixel_format} {self.bitdepth}-bit"


def make_geometry(width, height, pixel_format, bitdepth, source: str) -> VideoGeometry:
    """Build a VideoGeometry, naming ``source`` in any error it raises."""
    try:
        return VideoGeometry(width, height, pixel_format, bitdepth)
    except (InvalidGeometryError, UnknownFormatError, BitDepthError) as error:
        raise type(error)(f"{source}: {error}") from None


@dataclasses.dataclass(frozen=True, eq=False)
class Frame:
    """One decoded frame: numpy planes ``y`` ``(h, w)``, ``u`` and ``v`` (chroma shape),
    ``uint8`` for 8-bit clips and ``uint16`` above, and its 0-based ``index`` in its clip."""

    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    index: int
