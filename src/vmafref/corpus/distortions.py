"""The ``resource`` corpus's distortions: encoder CRF ladders, down-up scaling, blur, noise, JPEG.

Each :class:`Condition` maps a clean clip to a distorted luma clip of the same shape and bit
depth. Encodes go through ffmpeg single-threaded (:data:`vmafref.corpus.ffmpeg.ENCODERS`), so
their bitstreams are a function of the encoder build; the others are computed here with numpy,
SciPy and Pillow (all pinned), so they are a function of those versions. Non-encoder
distortions touch luma only: chroma enters neither the features nor the networks.
See specs/corpus/resource_corpus.md §3.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.ndimage

from vmafref.corpus.ffmpeg import build_decode_command, build_encode_command, encoder_spec

__all__ = ["Condition", "CONDITIONS", "NR_CONDITIONS", "EncodeRecord", "DistortionError", "apply_condition",
           "jpeg_luma", "blur_jpeg_degrade", "FILTER_BLUR_SIGMA", "FILTER_JPEG_QUALITY"]

#: The learned filter's degradation (seed card learned_filter_v1): Gaussian σ 1.2, then JPEG 35.
FILTER_BLUR_SIGMA = 1.2
FILTER_JPEG_QUALITY = 35


class DistortionError(RuntimeError):
    """A distortion could not be applied (an encoder failed or is missing)."""


@dataclass(frozen=True)
class Condition:
    """One distortion: ``kind`` is ``none``, ``encode``, ``scale``, ``blur``, ``noise`` or ``jpeg``.

    ``value`` is the CRF, the scale factor, the blur σ, the noise σ (in 8-bit codes) or the JPEG
    quality; ``encoder`` and ``preset`` are set for encodes. ``codec`` is the label the v2
    regressor sees (``unknown`` for everything that is not an encoder).
    """

    name: str
    kind: str
    value: float = 0.0
    encoder: str | None = None
    preset: str | None = None

    @property
    def codec(self) -> str:
        return self.encoder or "unknown"


def _enc(encoder: str, preset: str, crf: int) -> Condition:
    short = {"libx264": "x264", "libx265": "x265", "libvpx-vp9": "vp9", "libsvtav1": "av1"}[encoder]
    return Condition(f"{short}_crf{crf}", "encode", crf, encoder, preset)


#: Every condition, in a fixed order. The CRF ladders reach each encoder's maximum, where
#: vmaf_v0.6.1 falls below 10 on most content; the rest span mild to severe.
CONDITIONS: tuple[Condition, ...] = (
    Condition("pristine", "none"),
    *(_enc("libx264", "medium", crf) for crf in (22, 32, 38, 46, 51)),
    *(_enc("libx265", "medium", crf) for crf in (26, 36, 44, 51)),
    *(_enc("libvpx-vp9", "4", crf) for crf in (30, 45, 55, 63)),
    *(_enc("libsvtav1", "8", crf) for crf in (35, 50, 63)),
    *(Condition(f"scale_{f}x", "scale", f) for f in (2, 4, 8)),
    *(Condition(f"blur_s{s:g}", "blur", s) for s in (1.5, 3.0)),
    *(Condition(f"noise_s{s:g}", "noise", s) for s in (8.0, 20.0)),
    *(Condition(f"jpeg_q{q}", "jpeg", q) for q in (10, 30)),
)

#: The conditions whose middle frame becomes an nr_metric_v1 training input: a ladder of
#: each encoder family and of scaling, from pristine to wrecked (specs/corpus/resource_corpus.md §4).
NR_CONDITIONS: tuple[str, ...] = ("pristine", "x264_crf22", "x264_crf38", "x264_crf51", "x265_crf44", "vp9_crf55",
                                  "av1_crf50", "scale_2x", "scale_4x", "scale_8x")


@dataclass(frozen=True)
class EncodeRecord:
    """What an encode produced: bitstream sha256 and size, and the encoder's own version line."""

    sha256: str
    size_bytes: int
    encoder_version: str | None


def _peak(bitdepth: int) -> int:
    return (1 << bitdepth) - 1


def _to_float_image_resize(plane: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    from PIL import Image

    image = Image.fromarray(plane.astype(np.float32), mode="F")
    return np.asarray(image.resize(size, Image.Resampling.BICUBIC), dtype=np.float64)


def _round_clip(values: np.ndarray, bitdepth: int, dtype) -> np.ndarray:
    return np.clip(np.rint(values), 0, _peak(bitdepth)).astype(dtype)


def jpeg_luma(plane: np.ndarray, quality: int, bitdepth: int = 8) -> np.ndarray:
    """Pillow JPEG (greyscale, baseline, no subsampling question) of one luma plane.

    Deeper planes are coded at 8 bits (rounded ``x / 2^(b-8)``) and scaled back.
    """
    from PIL import Image

    shift = bitdepth - 8
    eight = np.clip(np.rint(plane.astype(np.float64) / (1 << shift)), 0, 255).astype(np.uint8) if shift else plane
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(eight), mode="L").save(buffer, format="JPEG", quality=int(quality))
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        out = np.asarray(decoded.convert("L"), dtype=np.uint8)
    if shift:
        return np.clip(out.astype(np.int64) << shift, 0, _peak(bitdepth)).astype(plane.dtype)
    return out


def blur_jpeg_degrade(plane: np.ndarray) -> np.ndarray:
    """learned_filter_v1's degradation of an 8-bit luma plane: Gaussian σ 1.2 (reflect), JPEG 35."""
    blurred = scipy.ndimage.gaussian_filter(plane.astype(np.float64), FILTER_BLUR_SIGMA, mode="reflect")
    return jpeg_luma(np.clip(np.rint(blurred), 0, 255).astype(np.uint8), FILTER_JPEG_QUALITY)


def _encoder_version(bitstream: bytes, encoder: str) -> str | None:
    """The version string x264/x265 write into their SEI; None for encoders that write none."""
    for marker in (b"x264 - core ", b"x265 (build "):
        at = bitstream.find(marker)
        if at >= 0:
            end = bitstream.find(b" - ", at + len(marker))
            return bitstream[at:end if end > 0 else at + 40].decode("ascii", "replace")
    return None


def _encode(clip, condition: Condition, scratch: Path) -> tuple[np.ndarray, EncodeRecord]:
    spec = encoder_spec(condition.encoder)
    raw = scratch / "clip.yuv"
    encoded = scratch / f"encoded.{spec.container}"
    decoded = scratch / "decoded.yuv"
    raw.write_bytes(clip.raw_bytes())
    frames, height, width = clip.y.shape
    encode = build_encode_command(raw, encoded, width=width, height=height, pix_fmt=clip.pix_fmt, framerate=25.0,
                                  encoder=spec.name, preset=condition.preset, crf=int(condition.value))
    decode = build_decode_command(encoded, decoded, pix_fmt=clip.pix_fmt)
    for command, what in ((encode, "encode"), (decode, "decode")):
        try:
            result = subprocess.run(command, capture_output=True, text=True, check=False)
        except OSError as error:
            raise DistortionError(f"{clip.name} {condition.name}: ffmpeg {what} could not start ({error})") from None
        if result.returncode != 0:
            raise DistortionError(f"{clip.name} {condition.name}: ffmpeg {what} failed: {result.stderr[-800:]}")
    bitstream = encoded.read_bytes()
    dtype = np.dtype("<u2") if clip.bitdepth > 8 else np.dtype("u1")
    data = np.fromfile(decoded, dtype=dtype)
    per_frame = width * height * 3 // 2
    if data.size != per_frame * frames:
        raise DistortionError(f"{clip.name} {condition.name}: decode gave {data.size} samples, expected "
                              f"{per_frame * frames}")
    luma = np.stack([data[t * per_frame:t * per_frame + width * height].reshape(height, width) for t in range(frames)])
    record = EncodeRecord(hashlib.sha256(bitstream).hexdigest(), len(bitstream),
                          _encoder_version(bitstream, spec.name))
    for path in (raw, encoded, decoded):
        path.unlink(missing_ok=True)
    return luma.astype(clip.y.dtype), record


def apply_condition(clip, condition: Condition, *, seed: int, scratch: str | os.PathLike | None = None
                    ) -> tuple[np.ndarray, EncodeRecord | None]:
    """The distorted luma clip ``[T, H, W]`` (the clip's dtype) and, for encodes, the record.

    ``seed`` drives the noise condition only (``numpy.random.default_rng(seed)``).
    """
    y, depth = clip.y, clip.bitdepth
    if condition.kind == "none":
        return y.copy(), None
    if condition.kind == "encode":
        with tempfile.TemporaryDirectory(dir=scratch, prefix="vmafref-encode-") as folder:
            return _encode(clip, condition, Path(folder))
    frames, height, width = y.shape
    out = np.empty_like(y)
    if condition.kind == "noise":
        rng = np.random.default_rng(seed)
        sigma = condition.value * (1 << (depth - 8))
        return _round_clip(y.astype(np.float64) + sigma * rng.standard_normal(y.shape), depth, y.dtype), None
    for t in range(frames):
        plane = y[t]
        if condition.kind == "scale":
            factor = int(condition.value)
            small = _to_float_image_resize(plane, (width // factor, height // factor))
            out[t] = _round_clip(_to_float_image_resize(small, (width, height)), depth, y.dtype)
        elif condition.kind == "blur":
            sigma = condition.value
            out[t] = _round_clip(scipy.ndimage.gaussian_filter(plane.astype(np.float64), sigma, mode="reflect"),
                                 depth, y.dtype)
        elif condition.kind == "jpeg":
            out[t] = jpeg_luma(plane, int(condition.value), depth)
        else:
            raise DistortionError(f"unknown condition kind {condition.kind!r}")
    return out, None
