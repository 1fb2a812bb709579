"""A reader over frames already in memory, for the Python API that takes arrays.

See specs/io.md §6.
"""

from __future__ import annotations

import numpy as np

from vmafref.io.errors import ArrayInputError, SampleRangeError
from vmafref.io.geometry import (PIXEL_FORMATS, Frame, VideoGeometry, make_geometry,
                                 normalize_pixel_format)
from vmafref.io.reader import VideoReader

__all__ = ["ArrayReader", "frames_from_arrays"]

_NAME = "<arrays>"


def _as_frames(array, plane: str) -> np.ndarray:
    array = np.asarray(array)
    if array.ndim == 2:
        array = array[np.newaxis]
    if array.ndim != 3:
        raise ArrayInputError(f"{_NAME}: the {plane} array must have shape (N, H, W) or (H, W), "
                              f"got shape {array.shape}")
    if array.shape[0] == 0:
        raise ArrayInputError(f"{_NAME}: the {plane} array holds no frame (shape {array.shape})")
    if array.dtype == np.bool_ or not (np.issubdtype(array.dtype, np.integer)
                                       or np.issubdtype(array.dtype, np.floating)):
        raise ArrayInputError(f"{_NAME}: the {plane} array has dtype {array.dtype}; "
                              "expected integer samples (or floats holding integers)")
    return array


def _to_samples(plane: np.ndarray, geometry: VideoGeometry, name: str, index: int) -> np.ndarray:
    """Check one frame's plane and convert it to ``uint8`` / ``uint16``."""
    if np.issubdtype(plane.dtype, np.floating):
        if not np.all(np.isfinite(plane)):
            raise ArrayInputError(f"{_NAME}: frame {index} of the {name} plane holds NaN or "
                                  "infinite values")
        if not np.all(plane == np.floor(plane)):
            raise ArrayInputError(f"{_NAME}: frame {index} of the {name} plane holds "
                                  "non-integer values")
    if plane.size:
        low, high = plane.min(), plane.max()
        if low < 0 or high > geometry.max_sample:
            raise SampleRangeError(
                f"{_NAME}: frame {index} of the {name} plane has samples in [{low}, {high}], "
                f"outside [0, {geometry.max_sample}] for {geometry.bitdepth}-bit video")
    return np.ascontiguousarray(plane.astype(geometry.luma_dtype))


def _infer_pixel_format(luma_shape, chroma_shape) -> str:
    for pixel_format in PIXEL_FORMATS:
        candidate = VideoGeometry(luma_shape[1], luma_shape[0], pixel_format, 8)
        if candidate.chroma_shape == tuple(chroma_shape):
            return pixel_format
    raise ArrayInputError(
        f"{_NAME}: chroma planes of shape {tuple(chroma_shape)} fit no pixel format for "
        f"{luma_shape[1]}x{luma_shape[0]} luma (4:2:0 rounds chroma up: (h+1)//2, (w+1)//2)")


class ArrayReader(VideoReader):
    """Yields the frames of in-memory arrays one at a time, checking and converting each
    frame as it is read (so a float clip is never copied whole)."""

    def __init__(self, y, bitdepth, u=None, v=None, pixel_format=None):
        super().__init__()
        self.path = _NAME
        self._y = _as_frames(y, "Y")
        if (u is None) != (v is None):
            raise ArrayInputError(f"{_NAME}: give both chroma arrays u and v, or neither")
        frames, height, width = self._y.shape
        if u is not None:
            self._u, self._v = _as_frames(u, "U"), _as_frames(v, "V")
            for plane, array in (("U", self._u), ("V", self._v)):
                if array.shape[0] != frames:
                    raise ArrayInputError(f"{_NAME}: the {plane} array has {array.shape[0]} "
                                          f"frames but Y has {frames}")
            if self._u.shape != self._v.shape:
                raise ArrayInputError(f"{_NAME}: U shape {self._u.shape} differs from V shape "
                                      f"{self._v.shape}")
            inferred = _infer_pixel_format((height, width), self._u.shape[1:])
            if pixel_format is None:
                pixel_format = inferred
        else:
            self._u = self._v = None
            if pixel_format is None:
                pixel_format = "420"
        pixel_format = normalize_pixel_format(pixel_format, _NAME)
        self.geometry = make_geometry(width, height, pixel_format, bitdepth, _NAME)
        if self._u is not None and self._u.shape[1:] != self.geometry.chroma_shape:
            raise ArrayInputError(
                f"{_NAME}: chroma shape {self._u.shape[1:]} does not match pixel format "
                f"{pixel_format} for {width}x{height} luma (expected {self.geometry.chroma_shape})")
        self.frame_count = frames
        # Check every frame now, one at a time, so bad input fails before any work is done.
        for index in range(frames):
            self._planes(index)

    def _planes(self, index: int):
        geometry = self.geometry
        y = _to_samples(self._y[index], geometry, "Y", index)
        if self._u is None:
            return y, None, None
        return (y, _to_samples(self._u[index], geometry, "U", index),
                _to_samples(self._v[index], geometry, "V", index))

    def _read_frame(self, index: int) -> Frame | None:
        if index >= self._y.shape[0]:
            return None
        geometry = self.geometry
        y, u, v = self._planes(index)
        if u is None:
            # Only luma enters the features; mid-grey chroma keeps the Frame complete.
            mid_grey = 1 << (geometry.bitdepth - 1)
            u = np.full(geometry.chroma_shape, mid_grey, dtype=geometry.luma_dtype)
            v = u.copy()
        return Frame(y, u, v, index)


def frames_from_arrays(y, bitdepth, u=None, v=None, *, pixel_format=None) -> ArrayReader:
    """A reader over in-memory frames.

    Args:
      y: luma, shape ``(N, H, W)`` (or ``(H, W)`` for one frame), any integer dtype or a
        float dtype holding integers.
      bitdepth: 8, 10, 12 or 16; every sample must lie in ``[0, 2**bitdepth - 1]``.
      u, v: optional chroma, shape ``(N, Hc, Wc)``; the pixel format is inferred from the
        chroma shape (4:2:0 first where tiny frames make it ambiguous) unless given.
        Without them the chroma planes are mid-grey 4:2:0 (or ``pixel_format``).

    Raises ArrayInputError for bad shapes, dtypes, NaN or non-integer values, and
    SampleRangeError for samples outside the bit depth. See specs/io.md §6.
    """
    return ArrayReader(y, bitdepth, u, v, pixel_format=pixel_format)
