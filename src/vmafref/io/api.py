"""Opening clips: format detection, geometry rules, and reference/distorted pairs.

See specs/io.md §2-§4 and §7.
"""

from __future__ import annotations

import os
import warnings

from vmafref.io._stream import open_source
from vmafref.io.container import SNIFF_BYTES, is_container_path, open_container, sniff_container
from vmafref.io.errors import (FrameCountMismatchError, GeometryMismatchError,
                               MissingGeometryError, UnknownFormatError)
from vmafref.io.geometry import check_bitdepth, make_geometry, normalize_pixel_format
from vmafref.io.reader import RawYuvReader, VideoReader
from vmafref.io.y4m import Y4M_MAGIC, Y4mReader

__all__ = ["open_video", "open_pair", "VideoPair"]


def _validate_arguments(width, height, pixel_format, bitdepth, name):
    """Check the caller's geometry values one by one, before touching the data."""
    if pixel_format is not None:
        pixel_format = normalize_pixel_format(pixel_format, name)
    if bitdepth is not None:
        bitdepth = check_bitdepth(bitdepth, name)
    for value, what in ((width, "width"), (height, "height")):
        if value is not None:
            # Any complete stand-in for the other fields will do: only ``what`` is checked.
            make_geometry(value if what == "width" else 1, value if what == "height" else 1,
                          "444", 8, name)
    return pixel_format, bitdepth


def open_video(path, width=None, height=None, pixel_format=None, bitdepth=None) -> VideoReader:
    """Open a raw ``.yuv``, a Y4M clip or a container file for streaming, one frame at a time.

    Args:
      path: a file path, ``"-"`` for standard input, or a binary file object.
      width, height, pixel_format, bitdepth: the geometry. Required for raw YUV (as
        libvmaf's ``-w -h -p -b``); optional for Y4M, whose header gives it, and where any
        value given must agree with the header (else GeometryMismatchError).

    A stream that starts with ``YUV4MPEG`` is read as Y4M whatever its name; a file named
    ``*.y4m`` that does not is refused. A container (``*.mp4``, ``*.mkv``, … or a file whose
    first bytes are a container's signature) is decoded through ffmpeg (specs/io.md §8).
    Returns a :class:`VideoReader`: an iterator of :class:`Frame` and a context manager. See
    specs/io.md §4.
    """
    named = os.fspath(path) if isinstance(path, (str, os.PathLike)) else None
    if named is not None and named != "-" and is_container_path(named):
        # Known container names go straight to ffmpeg, unopened (a FIFO keeps its bytes).
        pixel_format, bitdepth = _validate_arguments(width, height, pixel_format, bitdepth, named)
        return open_container(named, width, height, pixel_format, bitdepth)
    source = open_source(path)
    try:
        pixel_format, bitdepth = _validate_arguments(width, height, pixel_format, bitdepth,
                                                     source.name)
        head = source.read(SNIFF_BYTES)
        if source.seekable:
            source.seek(source.tell() - len(head))
        else:
            source.push_back(head)
        magic = head[:len(Y4M_MAGIC)]
        if magic == Y4M_MAGIC:
            return Y4mReader(source, width=width, height=height, pixel_format=pixel_format,
                             bitdepth=bitdepth)
        family = None if _named_raw(named) else sniff_container(head)
        if family is not None:
            if named is None or named == "-" or not source.seekable:
                raise UnknownFormatError(
                    f"{source.name}: looks like a {family} container, which is decoded with ffmpeg "
                    "from a regular file only; give its path, or pipe raw YUV or Y4M instead")
            source.close()
            return open_container(named, width, height, pixel_format, bitdepth)
        if isinstance(path, (str, os.PathLike)) and os.fspath(path).lower().endswith(".y4m"):
            raise UnknownFormatError(f"{source.name}: named .y4m but does not start with "
                                     "the YUV4MPEG2 magic")
        missing = [name for name, value in (("width", width), ("height", height),
                                            ("pixel_format", pixel_format),
                                            ("bitdepth", bitdepth)) if value is None]
        if missing:
            raise MissingGeometryError(
                f"{source.name}: raw YUV needs width, height, pixel_format and bitdepth "
                f"(libvmaf's -w -h -p -b); missing {', '.join(missing)}")
        geometry = make_geometry(width, height, pixel_format, bitdepth, source.name)
        return RawYuvReader(source, geometry)
    except BaseException:
        source.close()
        raise


class VideoPair:
    """Iterator of ``(index, ref_frame, dis_frame)`` over two clips read in lockstep.

    Built by :func:`open_pair`; a context manager that closes both readers. ``geometry`` is
    the common geometry and ``frame_count`` the number of pairs when known in advance.
    """

    def __init__(self, ref: VideoReader, dis: VideoReader, frame_cnt, allow_length_mismatch,
                 skipped: tuple[int, int]):
        self.ref, self.dis = ref, dis
        self.geometry = ref.geometry
        self._limit = frame_cnt
        self._allow_length_mismatch = allow_length_mismatch
        self._index = 0
        self._done = False
        self.frame_count = self._predict_count(skipped)

    def _predict_count(self, skipped):
        counts = []
        for reader, skip in zip((self.ref, self.dis), skipped):
            counts.append(None if reader.frame_count is None else reader.frame_count - skip)
        if None in counts:
            return None
        ref_count, dis_count = counts
        wanted = min(counts) if self._limit is None else min(min(counts), self._limit)
        limit = float("inf") if self._limit is None else self._limit
        if ref_count != dis_count and wanted < limit:
            self._mismatch(ref_count, dis_count, before_reading=True)
        return wanted

    def _mismatch(self, ref_count, dis_count, before_reading=False):
        shorter, longer = ((self.ref, self.dis) if ref_count < dis_count else (self.dis, self.ref))
        message = (f"{shorter.path!r} ended before {longer.path!r}: "
                   f"{min(ref_count, dis_count)} frames against "
                   f"{'at least ' if not before_reading else ''}{max(ref_count, dis_count)}")
        if not self._allow_length_mismatch:
            self.close()
            raise FrameCountMismatchError(
                message + "; to score the common frames with a warning, as libvmaf does, pass "
                "--allow_length_mismatch (vmafref score) or allow_length_mismatch=True "
                "(score(), open_pair()); or --frame_cnt N / frame_cnt=N to score fewer frames")
        warnings.warn(message + "; scoring the common frames, as libvmaf does", stacklevel=3)

    def __iter__(self):
        return self

    def __next__(self):
        if self._done or (self._limit is not None and self._index >= self._limit):
            self._done = True
            self.close()
            raise StopIteration
        ref_frame = next(self.ref, None)
        dis_frame = next(self.dis, None)
        if ref_frame is None or dis_frame is None:
            self._done = True
            if ref_frame is not None or dis_frame is not None:
                ref_count = self._index + (ref_frame is not None)
                dis_count = self._index + (dis_frame is not None)
                if self.frame_count is None:
                    self._mismatch(ref_count, dis_count)
            self.close()
            raise StopIteration
        index = self._index
        self._index += 1
        return index, ref_frame, dis_frame

    def close(self):
        self.ref.close()
        self.dis.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def _named_raw(name) -> bool:
    """A ``.yuv`` file is raw whatever its first bytes are (they are samples)."""
    return name is not None and os.path.splitext(name)[1].lower() == ".yuv"


def _is_stdin(source) -> bool:
    return isinstance(source, (str, os.PathLike)) and os.fspath(source) == "-"


def _open_or_keep(source, geometry_args):
    if isinstance(source, VideoReader):
        return source
    return open_video(source, **geometry_args)


def open_pair(ref, dis, width=None, height=None, pixel_format=None, bitdepth=None,
              frame_cnt=None, *, skip_ref=0, skip_dis=0,
              allow_length_mismatch=False) -> VideoPair:
    """Open a reference and a distorted clip and read them frame by frame together.

    Args:
      ref, dis: paths, ``"-"``, binary file objects or already open :class:`VideoReader`
        objects (e.g. from :func:`frames_from_arrays`).
      width, height, pixel_format, bitdepth: geometry for both clips (see
        :func:`open_video`). A raw clip without geometry takes it from the other clip
        when that one is Y4M.
      frame_cnt: read at most this many pairs (libvmaf's ``--frame_cnt``).
      skip_ref, skip_dis: frames dropped first from each clip (``--frame_skip_ref`` and
        ``--frame_skip_dist``).
      allow_length_mismatch: when one clip ends before the other (within ``frame_cnt``),
        libvmaf prints a warning and scores the common frames; vmafref raises
        FrameCountMismatchError unless this is True, in which case it warns and stops at the
        shorter clip.

    Both clips must have the same width, height, pixel format and bit depth
    (GeometryMismatchError otherwise). Yields ``(index, ref_frame, dis_frame)`` with
    ``index`` counted from 0 after the skipped frames. See specs/io.md §7.
    """
    if frame_cnt is not None and (isinstance(frame_cnt, bool) or not isinstance(frame_cnt, int)
                                  or frame_cnt <= 0):
        raise ValueError(f"frame_cnt must be a positive integer or None (no limit), got "
                         f"{frame_cnt!r}; libvmaf's --frame_cnt 0 means no limit")
    for value, what in ((skip_ref, "skip_ref"), (skip_dis, "skip_dis")):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{what} must be a non-negative integer, got {value!r}")
    if _is_stdin(ref) and _is_stdin(dis):
        raise ValueError("the reference and the distorted clip cannot both be read from standard "
                         "input ('-'): one stream cannot carry two clips; give at least one as a file")
    geometry_args = dict(width=width, height=height, pixel_format=pixel_format,
                         bitdepth=bitdepth)
    readers = [None, None]
    try:
        pending = []
        for slot, source in enumerate((ref, dis)):
            try:
                readers[slot] = _open_or_keep(source, geometry_args)
            except MissingGeometryError:
                pending.append((slot, source))
        if pending:
            opened = [reader for reader in readers if reader is not None]
            if not opened:
                # Neither clip can lend its geometry: report the first clip's problem.
                _open_or_keep(pending[0][1], geometry_args)
            donor = opened[0].geometry
            for slot, source in pending:
                readers[slot] = open_video(source, width=donor.width, height=donor.height,
                                           pixel_format=donor.pixel_format,
                                           bitdepth=donor.bitdepth)
        ref_reader, dis_reader = readers
        if ref_reader.geometry != dis_reader.geometry:
            raise GeometryMismatchError(
                f"reference {ref_reader.path!r} is {ref_reader.geometry.describe()} but distorted "
                f"{dis_reader.path!r} is {dis_reader.geometry.describe()}")
        skipped = (ref_reader.skip(skip_ref), dis_reader.skip(skip_dis))
        return VideoPair(ref_reader, dis_reader, frame_cnt, allow_length_mismatch, skipped)
    except BaseException:
        for reader in readers:
            if reader is not None:
                reader.close()
        raise
