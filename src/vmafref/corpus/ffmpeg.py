"""ffmpeg / ffprobe commands for corpus building: probe, decode, encode, versions.

Every external call goes through a *runner*: a callable shaped like :func:`subprocess.run`,
called as ``runner(cmd, capture_output=True, text=True, check=False)`` and returning an
object with ``returncode``, ``stdout`` and ``stderr``. Tests and custom orchestration inject
their own. See specs/corpus/fr_from_nr.md §4.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "Runner",
    "CorpusStepError",
    "EncoderUnavailableError",
    "UnsupportedPixelFormatError",
    "SourceGeometry",
    "EncoderSpec",
    "ENCODERS",
    "PIX_FMT_LAYOUTS",
    "raw_layout",
    "frame_bytes",
    "parse_rate",
    "build_probe_command",
    "probe_geometry",
    "build_decode_command",
    "build_encode_command",
    "ffmpeg_version",
    "available_encoders",
    "run_checked",
    "sha256_file",
]

Runner = Callable[..., Any]


class CorpusStepError(RuntimeError):
    """A pipeline step failed for one source; the message names the source and the step."""

    def __init__(self, source: str, step: str, detail: str) -> None:
        self.source = source
        self.step = step
        self.detail = detail
        super().__init__(f"step {step!r} failed for {source}: {detail}")

    def __reduce__(self) -> tuple:  # picklable across process pools and Dask workers
        return (type(self), (self.source, self.step, self.detail))


class EncoderUnavailableError(ValueError):
    """The requested encoder is unknown to vmafref or missing from this ffmpeg build."""


class UnsupportedPixelFormatError(ValueError):
    """A source's pixel format has no planar YUV layout vmafref can score."""


@dataclass(frozen=True)
class SourceGeometry:
    """What ffprobe reports about a source's first video stream."""

    width: int
    height: int
    pix_fmt: str
    framerate: float
    duration_s: float


#: Planar YUV formats kept as they are (pixel_format, bitdepth). Full-range ``yuvj*`` formats
#: share their limited-range twin's memory layout, so decoding to them copies samples as is.
PIX_FMT_LAYOUTS: dict[str, tuple[str, int]] = {
    "yuv420p": ("420", 8), "yuvj420p": ("420", 8),
    "yuv422p": ("422", 8), "yuvj422p": ("422", 8),
    "yuv444p": ("444", 8), "yuvj444p": ("444", 8),
    "yuv420p10le": ("420", 10), "yuv422p10le": ("422", 10), "yuv444p10le": ("444", 10),
    "yuv420p12le": ("420", 12), "yuv422p12le": ("422", 12), "yuv444p12le": ("444", 12),
}


def raw_layout(pix_fmt: str) -> tuple[str, str, int]:
    """``(raw pix_fmt to decode to, libvmaf pixel_format, bitdepth)`` for a probed pix_fmt.

    Formats in :data:`PIX_FMT_LAYOUTS` are kept (no colour conversion; 10/12-bit stay
    10/12-bit). Other 10/12-bit formats (big-endian, semi-planar ``p010``, ``gray10``) go to
    the planar little-endian format of the same depth and chroma; any other 8-bit format
    (``nv12``, RGB, palettes) to ``yuv420p``; deeper formats raise
    :class:`UnsupportedPixelFormatError`. See specs/corpus/fr_from_nr.md §2.2.
    """
    if pix_fmt in PIX_FMT_LAYOUTS:
        layout, depth = PIX_FMT_LAYOUTS[pix_fmt]
        return pix_fmt, layout, depth
    if any(marker in pix_fmt for marker in ("16", "f32", "f16", "rgb48", "rgba64")):
        raise UnsupportedPixelFormatError(f"pixel format {pix_fmt!r} is deeper than 12 bits; vmafref corpora take 8-12 bit sources")
    deep = re.search(r"(?:p[024]?|gray)(10|12)(?:le|be)?$", pix_fmt)
    if deep:
        depth = int(deep.group(1))
        chroma = "444" if ("444" in pix_fmt or pix_fmt.startswith("p4")) else "422" if ("422" in pix_fmt or pix_fmt.startswith("p2")) else "420"
        return f"yuv{chroma}p{depth}le", chroma, depth
    return "yuv420p", "420", 8


def frame_bytes(width: int, height: int, pixel_format: str, bitdepth: int) -> int:
    """Bytes of one raw planar frame (chroma planes rounded up as ffmpeg does)."""
    sample = 1 if bitdepth == 8 else 2
    if pixel_format == "420":
        chroma = ((width + 1) // 2) * ((height + 1) // 2)
    elif pixel_format == "422":
        chroma = ((width + 1) // 2) * height
    else:
        chroma = width * height
    return (width * height + 2 * chroma) * sample


def parse_rate(text: Any) -> float:
    """An ffprobe rational (``"24000/1001"``) or decimal; unparseable or zero-denominator gives 0.0."""
    if text is None:
        return 0.0
    text = str(text).strip()
    try:
        if "/" in text:
            numerator, denominator = (float(part) for part in text.split("/", 1))
            return numerator / denominator if denominator else 0.0
        return float(text)
    except ValueError:
        return 0.0


def _call(runner: Runner | None, cmd: Sequence[str]) -> Any:
    runner = runner or subprocess.run
    return runner(list(cmd), capture_output=True, text=True, check=False)


def run_checked(runner: Runner | None, cmd: Sequence[str], *, source: str, step: str, what: str) -> Any:
    """Run ``cmd``; a non-zero exit (or a missing binary) raises :class:`CorpusStepError`."""
    try:
        result = _call(runner, cmd)
    except OSError as error:
        raise CorpusStepError(source, step, f"{what} failed ({error})") from error
    if result.returncode != 0:
        stderr = (result.stderr or "").strip()
        tail = stderr[-2000:]
        raise CorpusStepError(source, step, f"{what} failed (exit {result.returncode}): {' '.join(map(str, cmd))}\n{tail}")
    return result


def build_probe_command(source: str | Path, *, ffprobe: str = "ffprobe") -> list[str]:
    return [ffprobe, "-v", "error", "-select_streams", "v:0",
            "-show_entries", "stream=width,height,pix_fmt,r_frame_rate,avg_frame_rate:format=duration",
            "-of", "json", str(source)]


def probe_geometry(source: str | Path, *, runner: Runner | None = None, ffprobe: str = "ffprobe") -> SourceGeometry:
    """Probe a source's first video stream.

    Raises :class:`CorpusStepError` (step ``probe``) when ffprobe fails, prints no video
    stream, or reports a non-positive width or height.
    """
    name = str(source)
    result = run_checked(runner, build_probe_command(source, ffprobe=ffprobe), source=name, step="probe", what="ffprobe")
    try:
        payload = json.loads(result.stdout or "{}")
    except json.JSONDecodeError as error:
        raise CorpusStepError(name, "probe", f"ffprobe printed invalid JSON ({error.msg})") from None
    streams = payload.get("streams") or []
    if not streams:
        raise CorpusStepError(name, "probe", "ffprobe found no video stream")
    stream = streams[0]
    width, height = int(stream.get("width") or 0), int(stream.get("height") or 0)
    if width <= 0 or height <= 0:
        raise CorpusStepError(name, "probe", f"ffprobe reported invalid geometry {width}x{height}")
    framerate = parse_rate(stream.get("avg_frame_rate")) or parse_rate(stream.get("r_frame_rate"))
    duration = parse_rate((payload.get("format") or {}).get("duration"))
    return SourceGeometry(width=width, height=height, pix_fmt=str(stream.get("pix_fmt") or "yuv420p"),
                          framerate=framerate, duration_s=duration)


def build_decode_command(source: str | Path, output: str | Path, *, pix_fmt: str, ffmpeg: str = "ffmpeg") -> list[str]:
    """Decode every frame of ``source`` to raw planar ``pix_fmt`` at its own size (no scaling)."""
    return [ffmpeg, "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-i", str(source),
            "-map", "0:v:0", "-an", "-sn", "-vsync", "passthrough", "-f", "rawvideo", "-pix_fmt", pix_fmt, str(output)]


@dataclass(frozen=True)
class EncoderSpec:
    """How one ffmpeg encoder is driven: CRF range, preset flag, elementary-stream format."""

    name: str
    container: str
    crf_max: int
    default_preset: str
    preset_args: Callable[[str], list[str]]
    rate_args: Callable[[int], list[str]]
    determinism_args: tuple[str, ...]


def _named_preset(preset: str) -> list[str]:
    return ["-preset", preset]


def _cpu_used(preset: str) -> list[str]:
    return ["-cpu-used", preset]


#: Single-threaded settings make encodes byte-identical whatever the core count; the
#: corpus cells are tiny, so the speed cost is small. See specs/corpus/corpus.md §5.
ENCODERS: dict[str, EncoderSpec] = {
    "libx264": EncoderSpec("libx264", "h264", 51, "medium", _named_preset, lambda crf: ["-crf", str(crf)],
                           ("-threads", "1")),
    "libx265": EncoderSpec("libx265", "hevc", 51, "medium", _named_preset, lambda crf: ["-crf", str(crf)],
                           ("-x265-params", "log-level=error:pools=none:frame-threads=1")),
    "libvpx-vp9": EncoderSpec("libvpx-vp9", "ivf", 63, "4", lambda p: ["-deadline", "good", "-cpu-used", p],
                              lambda crf: ["-crf", str(crf), "-b:v", "0"], ("-threads", "1", "-row-mt", "0")),
    "libsvtav1": EncoderSpec("libsvtav1", "ivf", 63, "8", _named_preset, lambda crf: ["-crf", str(crf)],
                             ("-svtav1-params", "lp=1")),
    "libaom-av1": EncoderSpec("libaom-av1", "ivf", 63, "6", _cpu_used, lambda crf: ["-crf", str(crf), "-b:v", "0"],
                              ("-threads", "1", "-row-mt", "0")),
}

#: Short names accepted on the command line.
ENCODER_ALIASES = {"x264": "libx264", "h264": "libx264", "x265": "libx265", "hevc": "libx265",
                   "vp9": "libvpx-vp9", "av1": "libsvtav1", "svtav1": "libsvtav1", "aom": "libaom-av1"}


def encoder_spec(name: str) -> EncoderSpec:
    """The :class:`EncoderSpec` for an ffmpeg encoder name or alias."""
    canonical = ENCODER_ALIASES.get(name.lower(), name)
    if canonical not in ENCODERS:
        raise EncoderUnavailableError(f"unknown encoder {name!r}; vmafref drives {sorted(ENCODERS)}")
    return ENCODERS[canonical]


def build_encode_command(raw: str | Path, output: str | Path, *, width: int, height: int, pix_fmt: str,
                         framerate: float, encoder: str, preset: str, crf: int,
                         extra_params: Sequence[str] = (), ffmpeg: str = "ffmpeg") -> list[str]:
    """Encode a raw planar clip at one CRF, keeping its pixel format, to an elementary stream."""
    spec = encoder_spec(encoder)
    if not 0 <= crf <= spec.crf_max:
        raise ValueError(f"CRF {crf} is outside {spec.name}'s range 0..{spec.crf_max}")
    rate = f"{framerate:.6g}" if framerate > 0 else "25"
    return [ffmpeg, "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
            "-f", "rawvideo", "-pix_fmt", pix_fmt, "-s", f"{width}x{height}", "-r", rate, "-i", str(raw),
            "-fflags", "+bitexact", "-flags:v", "+bitexact",
            "-c:v", spec.name, *spec.preset_args(preset), *spec.rate_args(crf), *spec.determinism_args,
            "-pix_fmt", pix_fmt, *extra_params, "-f", spec.container, str(output)]


def ffmpeg_version(*, runner: Runner | None = None, ffmpeg: str = "ffmpeg") -> str:
    """The first line of ``ffmpeg -version`` (e.g. ``ffmpeg version 5.1.9-0+deb12u1``)."""
    result = run_checked(runner, [ffmpeg, "-hide_banner", "-version"], source=ffmpeg, step="probe", what="ffmpeg -version")
    first = (result.stdout or "").strip().splitlines()
    line = first[0] if first else ""
    return line.split(" Copyright")[0].strip() or "unknown"


def available_encoders(*, runner: Runner | None = None, ffmpeg: str = "ffmpeg") -> frozenset[str]:
    """Video encoder names this ffmpeg build lists under ``ffmpeg -encoders``."""
    result = run_checked(runner, [ffmpeg, "-hide_banner", "-encoders"], source=ffmpeg, step="probe", what="ffmpeg -encoders")
    names = set()
    for line in (result.stdout or "").splitlines():
        parts = line.split()
        if len(parts) >= 2 and len(parts[0]) == 6 and parts[0].startswith("V"):
            names.add(parts[1])
    return frozenset(names)


def sha256_file(path: str | Path, *, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()
