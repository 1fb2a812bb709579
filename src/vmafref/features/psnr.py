"""libvmaf's integer ``psnr`` (``psnr_y``, ``psnr_cb``, ``psnr_cr``), bit for bit, in JAX.

Per frame and plane: the sum of squared sample differences (SSE) in integers, then
``MIN(10 * log10(peak^2 / MAX(SSE / (w*h), 1e-16)), psnr_max)`` in double, as libvmaf's
``integer_psnr.c`` at commit f85a8536 does. Optional MSE keys (``mse_y`` ...) and, at the end
of the clip, the aggregate PSNR of the summed SSEs (``apsnr_y`` ...).

Pure functions:

* :func:`plane_sse` — the SSE of one plane pair, jit-able and vmap-able over leading axes,
  int arithmetic in libvmaf's widths (uint32 row sums for 8-bit, uint64 above).
* :func:`psnr_peak`, :func:`psnr_max` — the constants ``init`` derives from the options.
* :func:`psnr_from_sse`, :func:`apsnr_from_sse` — the double formulas, on the host with the C
  library's ``log10`` (what libvmaf calls), so that every value is libvmaf's double.

:class:`PsnrExtractor` is the streaming extractor registered as ``psnr``; it reads all three
planes. See specs/psnr.md.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from vmafref._x64 import x64
from vmafref.features.extractor import FeatureExtractor, FrameValues, OptionSpec
from vmafref.features._compiled import jit as stage_jit

__all__ = [
    "PLANE_NAMES",
    "PsnrExtractor",
    "PsnrInputError",
    "apsnr_from_sse",
    "plane_sse",
    "psnr_from_sse",
    "psnr_max",
    "psnr_peak",
]

#: Suffixes of the per-plane keys (``integer_psnr.c:113-114``, ``:230``).
PLANE_NAMES = ("y", "cb", "cr")

#: The floor of the MSE before the logarithm (``integer_psnr.c:148``, ``:190``).
MSE_FLOOR = 1e-16


class PsnrInputError(ValueError):
    """The planes given to psnr are unusable (shape, dtype, bit depth)."""


def _check_bitdepth(bitdepth: int) -> None:
    # ``extract`` handles 8, 10, 12 and 16 and returns -EINVAL otherwise (integer_psnr.c:214-223).
    if bitdepth not in (8, 10, 12, 16):
        raise PsnrInputError(f"psnr supports bit depths 8, 10, 12 and 16, got {bitdepth}")


def _sse(ref: jax.Array, dis: jax.Array, bitdepth: int) -> jax.Array:
    """SSE of ``(..., H, W)`` planes as uint64 ``(...)``. See specs/psnr.md §2."""
    e = ref.astype(jnp.int32) - dis.astype(jnp.int32)
    if bitdepth == 8:
        # int16 e, e*e added to a uint32 row sum (wraps mod 2**32, as C), rows added in uint64.
        squared = (e * e).astype(jnp.uint32)
        rows = jnp.sum(squared, axis=-1, dtype=jnp.uint32)
        return jnp.sum(rows.astype(jnp.uint64), axis=-1, dtype=jnp.uint64)
    # uint32 e = abs(...), e*e in uint32 (at most 65535**2 < 2**32), summed in uint64.
    magnitude = jnp.abs(e).astype(jnp.uint32)
    squared = magnitude * magnitude
    return jnp.sum(squared.astype(jnp.uint64), axis=(-2, -1), dtype=jnp.uint64)


@functools.partial(stage_jit, static_argnames=("bitdepth",))
def _sse_jit(ref, dis, *, bitdepth):
    return _sse(ref, dis, bitdepth)


def plane_sse(ref, dis, *, bitdepth: int, jit: bool = True) -> jax.Array:
    """Sum of squared differences of two integer planes ``(..., H, W)``, uint64 ``(...)``.

    8-bit input: per-row sums in uint32, then uint64 (``integer_psnr.c:129-139``); 10-16 bit:
    squares in uint32 summed in uint64 (``:173-181``). See specs/psnr.md §2.
    """
    _check_bitdepth(bitdepth)
    ref = jnp.asarray(ref) if not isinstance(ref, jax.Array) else ref
    dis = jnp.asarray(dis) if not isinstance(dis, jax.Array) else dis
    if ref.shape != dis.shape or ref.ndim < 2:
        raise PsnrInputError(f"planes must be (..., H, W) of one shape, got {ref.shape} and {dis.shape}")
    expected = np.uint8 if bitdepth == 8 else np.uint16
    if ref.dtype != expected or dis.dtype != expected:
        raise PsnrInputError(f"{bitdepth}-bit planes must be {np.dtype(expected).name}, got {ref.dtype}/{dis.dtype}")
    with x64():
        fn = _sse_jit if jit else (lambda a, b, bitdepth: _sse(a, b, bitdepth))
        return fn(ref, dis, bitdepth=int(bitdepth))


def psnr_peak(bitdepth: int, reduced_hbd_peak: bool = False) -> int:
    """``peak`` of ``init`` (``integer_psnr.c:90``): ``2**bpc - 1``, or ``255 << (bpc - 8)``.

    The 8-bit frame formula uses 255 whatever the options (``:120``), which is the same number.
    """
    return (255 << (bitdepth - 8)) if reduced_hbd_peak else (1 << bitdepth) - 1


def psnr_max(bitdepth: int, plane: int, width: int, height: int, pixel_format: str, *, min_sse: float = 0.0,
             reduced_hbd_peak: bool = False) -> float:
    """The cap of plane ``plane``'s PSNR (``integer_psnr.c:95-105``).

    ``6 * bpc + 12`` dB, or with ``min_sse`` > 0 ``ceil(10 log10(peak^2 / (min_sse / n)))``
    where ``n`` counts the plane's samples with chroma dimensions **rounded down** (``w / 2``).
    See specs/psnr.md §3.
    """
    if min_sse == 0.0:
        return float(6 * bitdepth + 12)
    ss_hor = pixel_format != "444"
    ss_ver = pixel_format == "420"
    samples = ((width // 2) if (plane and ss_hor) else width) * ((height // 2) if (plane and ss_ver) else height)
    peak = psnr_peak(bitdepth, reduced_hbd_peak)
    mse = min_sse / float(samples & 0xFFFFFFFF)
    return _c_ceil(10.0 * _log10(float((peak * peak) & 0xFFFFFFFF) / mse))


def _c_ceil(x: float) -> float:
    """C's ``ceil`` on a double: infinities and NaN pass through (``math.ceil`` raises)."""
    return x if math.isinf(x) or math.isnan(x) else float(math.ceil(x))


def _log10(x: float) -> float:
    """C's ``log10``: ``-inf`` at 0, NaN below (``math.log10`` raises there)."""
    if x > 0.0 or math.isnan(x):
        return math.log10(x) if not math.isinf(x) else x
    return -math.inf if x == 0.0 else math.nan


def _c_min(a: float, b: float) -> float:
    """``MIN(a, b)`` as the C macro: ``a < b ? a : b`` (NaN in ``a`` gives ``b``)."""
    return a if a < b else b


def _c_max(a: float, b: float) -> float:
    return a if a > b else b


def psnr_from_sse(sse: int, samples: int, peak: int, cap: float) -> tuple[float, float]:
    """``(psnr, mse)`` of one plane from its SSE (``integer_psnr.c:146-148``, ``:188-191``).

    ``mse = (double) sse / (w*h)``; ``psnr = MIN(10 * log10(peak*peak / MAX(mse, 1e-16)), cap)``.
    Host doubles and the C library's ``log10`` (CPython's ``math.log10``), so bit-exact.
    """
    mse = float(sse) / float(samples & 0xFFFFFFFF)
    value = 10.0 * _log10(float(peak * peak) / _c_max(mse, MSE_FLOOR))
    return _c_min(value, cap), mse


def apsnr_from_sse(total_sse: int, total_samples: int, peak: int) -> float:
    """The aggregate PSNR of a clip (``flush``, ``integer_psnr.c:233-250``).

    ``MIN(10 * (log10(peak^2) + log10(n) - log10(sse)), ceil(10 * log10(peak^2 * n * 2)))``;
    a plane never read (chroma disabled) has ``n = sse = 0`` and gives ``-inf``, as libvmaf.
    """
    square = (peak * peak) & 0xFFFFFFFF
    value = 10.0 * (_log10(float(square)) + _log10(float(total_samples)) - _log10(float(total_sse)))
    limit = _c_ceil(10.0 * _log10(float((square * total_samples * 2) & 0xFFFFFFFFFFFFFFFF)))
    return _c_min(value, limit)


class PsnrExtractor(FeatureExtractor):
    """Streaming ``psnr`` (``integer_psnr.c``): every plane pair of every frame. See specs/psnr.md §4.

    ``extract`` takes each picture as the tuple of its planes ``(y, u, v)``; a tuple with luma
    only is a 4:0:0 picture, for which libvmaf disables chroma (``:92-93``).
    """

    name = "psnr"
    #: This extractor reads the chroma planes too (specs/score.md §1).
    planes = "yuv"
    options = {
        "enable_chroma": OptionSpec("enable_chroma", True, bool, reference="integer_psnr.c:45-51"),
        "enable_mse": OptionSpec("enable_mse", False, bool, reference="integer_psnr.c:52-58"),
        "enable_apsnr": OptionSpec("enable_apsnr", False, bool, reference="integer_psnr.c:59-65"),
        "reduced_hbd_peak": OptionSpec("reduced_hbd_peak", False, bool, reference="integer_psnr.c:66-72"),
        "min_sse": OptionSpec("min_sse", 0.0, float, minimum=0.0, reference="integer_psnr.c:73-81"),
    }

    def __init__(self, *, width: int, height: int, bitdepth: int, pixel_format: str = "420", **options: Any):
        super().__init__(width=width, height=height, bitdepth=bitdepth, **options)
        _check_bitdepth(self.bitdepth)
        self.pixel_format = pixel_format
        v = self.values
        self.peak = psnr_peak(self.bitdepth, v["reduced_hbd_peak"])
        self.caps = [psnr_max(self.bitdepth, p, self.width, self.height, pixel_format, min_sse=v["min_sse"],
                              reduced_hbd_peak=v["reduced_hbd_peak"]) for p in range(3)]
        self.total_sse = [0, 0, 0]
        self.total_samples = [0, 0, 0]

    def _planes(self, picture) -> tuple:
        if isinstance(picture, np.ndarray) and picture.ndim == 2:
            return (picture,)
        return tuple(p for p in picture if p is not None and np.size(p))

    def _crop(self, plane: int, samples) -> np.ndarray:
        """libvmaf's pictures have chroma planes of ``w >> ss_hor`` by ``h >> ss_ver`` samples
        (``picture.c:71-76``): a clip's rounded-up last chroma column and row are not read."""
        samples = np.asarray(samples)
        if plane == 0:
            return samples
        ss_hor = self.pixel_format != "444"
        ss_ver = self.pixel_format == "420"
        return samples[..., :self.height >> ss_ver, :self.width >> ss_hor]

    def extract(self, index: int, ref, dis) -> FrameValues:
        ref_planes, dis_planes = self._planes(ref), self._planes(dis)
        count = 3 if self.values["enable_chroma"] and len(ref_planes) >= 3 and len(dis_planes) >= 3 else 1
        out: dict[str, float] = {}
        # 8-bit frames use 255 in the frame formula (integer_psnr.c:120), equal to init's peak.
        peak = 255 if self.bitdepth == 8 else self.peak
        for p in range(count):
            a, b = self._crop(p, ref_planes[p]), self._crop(p, dis_planes[p])
            if a.shape != b.shape:
                raise PsnrInputError(f"plane {p}: reference {a.shape} and distorted {b.shape} differ")
            sse = int(plane_sse(a, b, bitdepth=self.bitdepth))
            samples = a.shape[-2] * a.shape[-1]
            if self.values["enable_apsnr"]:
                self.total_sse[p] += sse
                self.total_samples[p] += samples
            value, mse = psnr_from_sse(sse, samples, peak, self.caps[p])
            out[f"psnr_{PLANE_NAMES[p]}"] = value
            if self.values["enable_mse"]:
                out[f"mse_{PLANE_NAMES[p]}"] = mse
        return {index: out}

    def aggregate(self) -> dict[str, float]:
        """``apsnr_y``, ``apsnr_cb``, ``apsnr_cr`` with ``enable_apsnr`` (``flush``, ``:226-253``)."""
        if not self.values["enable_apsnr"]:
            return {}
        return {f"apsnr_{PLANE_NAMES[p]}": apsnr_from_sse(self.total_sse[p], self.total_samples[p], self.peak)
                for p in range(3)}
