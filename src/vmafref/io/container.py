"""Container input (MP4, Matroska/WebM, MOV, AVI, …) decoded through an ``ffmpeg`` subprocess.

libvmaf's command line reads only Y4M and raw YUV; users decode containers with ffmpeg first.
vmafref does the same as a stream: ``ffprobe`` gives the first video stream's size and pixel
format, ``ffmpeg`` decodes it to raw planar YUV on a pipe, and the raw reader
(:class:`~vmafref.io.reader.RawYuvReader`) reads that pipe one frame at a time, so the scores
are those of the raw decode and memory stays bounded. See specs/io.md §8.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import tempfile

from vmafref.io._stream import ByteSource
from vmafref.io.errors import ContainerError, GeometryMismatchError, UnknownFormatError
from vmafref.io.geometry import Frame, VideoGeometry, make_geometry
from vmafref.io.reader import RawYuvReader

__all__ = ["CONTAINER_EXTENSIONS", "FFMPEG_PIXEL_FORMATS", "ContainerReader", "ProbedStream",
           "sniff_container", "is_container_path", "open_container", "probe"]

#: File name endings read as containers without looking inside (``.yuv`` and ``.y4m`` never are).
CONTAINER_EXTENSIONS = frozenset({
    ".mp4", ".m4v", ".mov", ".3gp", ".mkv", ".webm", ".avi", ".ts", ".m2ts", ".mts", ".mxf",
    ".flv", ".ogv", ".ivf", ".nut", ".wmv", ".asf", ".mpg", ".mpeg", ".264", ".h264", ".265",
    ".h265", ".hevc", ".obu",
})

#: ffmpeg pixel formats read without conversion → (pixel format, bit depth). Big-endian ones
#: are decoded as their little-endian twin (a byte swap), the layout raw YUV has (specs/io.md §2);
#: the ``yuvj`` (full-range) ones keep their samples: only the range flag differs.
FFMPEG_PIXEL_FORMATS = {
    f"yuv{j}{chroma}p{suffix}": (chroma, depth)
    for chroma in ("420", "422", "444")
    for j, depths in (("", (8, 10, 12, 16)), ("j", (8,)))
    for depth in depths
    for suffix in ((("",) if depth == 8 else (f"{depth}le", f"{depth}be")))
}

#: Leading bytes of the containers recognised by content (for files with other names).
_MAGIC = (
    (4, b"ftyp", "MP4/MOV"),
    (0, b"\x1a\x45\xdf\xa3", "Matroska/WebM"),
    (0, b"OggS", "Ogg"),
    (0, b"FLV\x01", "FLV"),
    (0, b"DKIF", "IVF"),
    (0, b"nut/mult", "NUT"),
)
SNIFF_BYTES = 12


def sniff_container(head: bytes) -> str | None:
    """The container family whose signature ``head`` starts with, or None."""
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "AVI"
    for offset, magic, family in _MAGIC:
        if head[offset:offset + len(magic)] == magic:
            return family
    return None


def is_container_path(path: str) -> bool:
    return os.path.splitext(path)[1].lower() in CONTAINER_EXTENSIONS


@dataclasses.dataclass(frozen=True)
class ProbedStream:
    """The first video stream of a container, as ffprobe describes it."""

    width: int
    height: int
    pix_fmt: str
    codec: str


def _tools(path: str) -> tuple[str, str]:
    found = {name: shutil.which(name) for name in ("ffmpeg", "ffprobe")}
    missing = [name for name, where in found.items() if where is None]
    if missing:
        raise ContainerError(
            f"{path}: a container file is decoded with ffmpeg and ffprobe, and "
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not on PATH; install "
            "ffmpeg, or decode the clip to .y4m or raw .yuv first")
    return found["ffmpeg"], found["ffprobe"]


def probe(path: str, ffprobe: str) -> ProbedStream:
    """Size, pixel format and codec of ``path``'s first video stream (``ffprobe -show_entries``)."""
    command = [ffprobe, "-v", "error", "-select_streams", "v:0", "-show_entries",
               "stream=width,height,pix_fmt,codec_name", "-of", "json", path]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ContainerError(f"{path}: ffprobe could not run: {error}") from None
    if done.returncode != 0:
        raise ContainerError(f"{path}: ffprobe cannot read it as a video container: "
                             f"{_last_line(done.stderr) or f'exit status {done.returncode}'}")
    try:
        streams = json.loads(done.stdout).get("streams") or []
    except (ValueError, AttributeError):
        raise ContainerError(f"{path}: ffprobe gave unreadable output") from None
    if not streams:
        raise ContainerError(f"{path}: the container holds no video stream")
    stream = streams[0]
    try:
        return ProbedStream(int(stream["width"]), int(stream["height"]), str(stream.get("pix_fmt", "")),
                            str(stream.get("codec_name", "?")))
    except (KeyError, TypeError, ValueError):
        raise ContainerError(f"{path}: ffprobe reports no frame size for its video stream") from None


def _last_line(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _output_pix_fmt(native: str, pixel_format: str, bitdepth: int) -> str:
    """What ffmpeg is asked to write: the native format itself when it already is the wanted
    layout (no conversion at all), else the planar little-endian format of that layout."""
    if FFMPEG_PIXEL_FORMATS.get(native) == (pixel_format, bitdepth):
        return native[:-2] + "le" if native.endswith("be") else native
    return f"yuv{pixel_format}p" + ("" if bitdepth == 8 else f"{bitdepth}le")


def _decoded_geometry(path: str, stream: ProbedStream, width, height, pixel_format, bitdepth) -> VideoGeometry:
    """Size from the stream (a given width/height must agree); pixel format and bit depth from
    the stream unless given, in which case ffmpeg converts to them (specs/io.md §8)."""
    conflicts = [f"{what}={value!r} but the stream is {actual}" for what, value, actual in
                 (("width", width, stream.width), ("height", height, stream.height))
                 if value is not None and value != actual]
    if conflicts:
        raise GeometryMismatchError(f"{path}: the geometry given contradicts the container's video stream "
                                    f"({stream.width}x{stream.height}): {'; '.join(conflicts)}")
    native = FFMPEG_PIXEL_FORMATS.get(stream.pix_fmt)
    if native is None and (pixel_format is None or bitdepth is None):
        raise UnknownFormatError(
            f"{path}: its video is {stream.pix_fmt or 'of unknown pixel format'}, which is not planar "
            "4:2:0/4:2:2/4:4:4 at 8, 10, 12 or 16 bits; give -p and -b (pixel_format, bitdepth) to have "
            "ffmpeg convert it")
    return make_geometry(stream.width, stream.height, pixel_format or native[0], bitdepth or native[1], path)


def open_container(path: str, width=None, height=None, pixel_format=None, bitdepth=None) -> "ContainerReader":
    """Open a container file for streaming through ffmpeg. Raises :class:`ContainerError` when
    ffmpeg or ffprobe is missing or cannot read the file."""
    if not os.path.exists(path):
        raise FileNotFoundError(2, "No such file or directory", path)
    if os.path.isdir(path):
        raise IsADirectoryError(21, "Is a directory", path)
    ffmpeg, ffprobe = _tools(path)
    stream = probe(path, ffprobe)
    geometry = _decoded_geometry(path, stream, width, height, pixel_format, bitdepth)
    return ContainerReader(path, geometry, ffmpeg, _output_pix_fmt(stream.pix_fmt, geometry.pixel_format,
                                                                     geometry.bitdepth), stream)


class ContainerReader(RawYuvReader):
    """Raw frames decoded by an ``ffmpeg`` child process; ``frame_count`` is None (a pipe).

    ffmpeg decodes every frame once, as stored (``-vsync passthrough``: no frame is duplicated
    or dropped to fit a frame rate; ``-noautorotate``: frames keep the coded size that ffprobe
    reports). Its errors reach the caller as :class:`ContainerError` with ffmpeg's last message.
    """

    def __init__(self, path: str, geometry: VideoGeometry, ffmpeg: str, pix_fmt: str, stream: ProbedStream):
        self.stream = stream
        self.command = [ffmpeg, "-nostdin", "-v", "error", "-noautorotate", "-i", path, "-map", "0:v:0",
                        "-an", "-sn", "-dn", "-vsync", "passthrough", "-f", "rawvideo", "-pix_fmt", pix_fmt,
                        "pipe:1"]
        # A file, not a pipe, for ffmpeg's messages: a full stderr pipe nobody reads would stall it.
        self._messages = tempfile.TemporaryFile()
        try:
            self._process = subprocess.Popen(self.command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                             stderr=self._messages)
        except OSError as error:
            self._messages.close()
            raise ContainerError(f"{path}: ffmpeg could not start: {error}") from None
        source = ByteSource(self._process.stdout, path, owns_stream=True)
        source.seekable = False
        try:
            super().__init__(source, geometry)
        except BaseException:
            self.close()
            raise

    def _ffmpeg_failure(self) -> ContainerError | None:
        """ffmpeg's error once it has exited unsuccessfully, else None."""
        try:
            status = self._process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            return ContainerError(f"{self.path}: ffmpeg stopped sending frames but did not exit")
        if status == 0:
            return None
        self._messages.seek(0)
        message = _last_line(self._messages.read().decode("utf-8", "replace"))
        return ContainerError(f"{self.path}: ffmpeg could not decode it ({self.stream.codec}): "
                              f"{message or f'exit status {status}'}")

    def _read_frame(self, index: int) -> Frame | None:
        try:
            frame = super()._read_frame(index)
        except ValueError as error:  # a partial frame: ffmpeg's own error says more, if it has one
            failure = self._ffmpeg_failure()
            raise (failure or error) from None
        if frame is None:
            failure = self._ffmpeg_failure()
            if failure is not None:
                raise failure
        return frame

    def close(self) -> None:
        super().close()
        process = getattr(self, "_process", None)
        if process is not None and process.poll() is None:
            process.kill()  # the pair stopped early (frame_cnt, an error): no more frames needed
            process.wait()
        messages = getattr(self, "_messages", None)
        if messages is not None:
            messages.close()
