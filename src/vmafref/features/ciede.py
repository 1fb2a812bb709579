"""libvmaf's ``ciede`` (``ciede2000``): CIEDE2000 colour difference of YUV pictures, in JAX.

Per sample: BT.709 YUV -> RGB -> XYZ -> L*a*b* in double, stored as float (``get_lab_color``),
then the CIEDE2000 difference with ``kL = 0.65, kC = 1, kH = 4`` in libvmaf's mix of float and
double (``ciede2000``); per frame ``45 - 20 log10(mean ΔE00)``, the mean of the float ΔE00
values summed in double in raster order. As libvmaf's ``feature/ciede.c`` at commit f85a8536
(a port of av-metrics' ciede2000). Chroma planes are first brought to the luma size the way
libvmaf's ``scale_chroma_planes`` does it (nearest sample for 4:2:0; for 4:2:2 it reads each
chroma row pair's memory as libvmaf lays it out).

Pure functions:

* :func:`upsample_chroma` — one chroma plane at the luma size, as ``scale_chroma_planes``
  (``ciede.c:61-95``) reads it; jit-able.
* :func:`lab_color` — ``get_lab_color`` (``:273-308``) on sample arrays; jit-able, vmap-able.
* :func:`ciede2000_map` — the per-sample ΔE00 map of two pictures (``:201-237``); jit-able.
* :func:`ciede_score` — the frame value from the map: the raster-order double sum on the host
  and the C library's ``log10`` (``:369-372``), so that the double is libvmaf's.

:class:`CiedeExtractor` is the streaming extractor registered as ``ciede``. See specs/ciede.md.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from vmafref._x64 import x64
from vmafref.features.extractor import FeatureExtractor, FrameValues
from vmafref.features._compiled import jit as stage_jit

__all__ = [
    "CiedeExtractor",
    "CiedeInputError",
    "check_geometry",
    "ciede2000_map",
    "ciede_score",
    "lab_color",
    "upsample_chroma",
]

#: libvmaf's picture rows are padded to 32 samples (``picture.c:28,80-81``).
DATA_ALIGN = 32
_PI = math.pi


class CiedeInputError(ValueError):
    """A picture libvmaf's ciede refuses, or one it would read outside its buffers."""


def check_geometry(width: int, height: int, pixel_format: str, bitdepth: int) -> None:
    """Refuse what libvmaf's ``init``/``extract`` refuse (``ciede.c:97-125,358``) and the
    4:2:0 sizes at which its chroma upsampling reads past the last plane (specs/ciede.md §2)."""
    if pixel_format == "400":
        raise CiedeInputError("ciede needs chroma: libvmaf refuses 4:0:0 pictures (ciede.c:103-104)")
    if pixel_format not in ("420", "422", "444"):
        raise CiedeInputError(f"ciede: unknown pixel format {pixel_format!r}")
    if bitdepth not in (8, 10, 12, 16):
        raise CiedeInputError(f"ciede supports bit depths 8, 10, 12 and 16, got {bitdepth} "
                              "(libvmaf returns -EINVAL, ciede.c:108-120,358)")
    if pixel_format == "420" and (height % 2 or (width % 2 and (width >> 1) % DATA_ALIGN == 0)):
        raise CiedeInputError(f"ciede: libvmaf reads past its chroma planes for a {width}x{height} 4:2:0 "
                              "picture (odd height, or odd width with a half width that is a multiple "
                              "of 32), so its value is undefined; vmafref refuses it (specs/ciede.md §2)")


@stage_jit(static_argnames=("width", "height", "pixel_format"))
def upsample_chroma(plane: jax.Array, *, width: int, height: int, pixel_format: str) -> jax.Array:
    """A chroma plane of ``(height >> ss_ver, width >> ss_hor)`` samples at ``(height, width)``,
    read as ``scale_chroma_planes`` reads it (``ciede.c:61-95``).

    libvmaf's loop takes output row ``i`` from input row ``i // 2`` (its ``ss_hor`` test) and
    output column ``j`` from input column ``j // 2`` only for 4:2:0 (its ``ss_ver`` test), in a
    buffer whose rows are ``ALIGN(w_c, 32)`` samples apart and zero-padded: the 4:2:2 reads run
    past each row's end into its padding and the next row. The gather below indexes that buffer.
    """
    rows, cols = plane.shape
    stride = (cols + DATA_ALIGN - 1) & ~(DATA_ALIGN - 1)
    padded = jnp.zeros((rows + 1, stride), plane.dtype).at[:rows, :cols].set(plane).reshape(-1)
    i = jnp.arange(height)[:, None] // 2
    j = jnp.arange(width)[None, :]
    if pixel_format == "420":
        j = j // 2
    return padded[i * stride + j]


def _f(x: jax.Array) -> jax.Array:
    """A C ``float`` store of a double (round to nearest float)."""
    return x.astype(jnp.float32).astype(jnp.float64)


def _rgb_to_xyz_map(c: jax.Array) -> jax.Array:
    """``rgb_to_xyz_map`` (``ciede.c:244-254``)."""
    high = jnp.power((jnp.maximum(c, 10.0 / 255.0) + 0.055) * (1.0 / 1.055), 2.4)
    return jnp.where(c > 10.0 / 255.0, high, c * (1.0 / 12.92))


def _xyz_to_lab_map(c: jax.Array) -> jax.Array:
    """``xyz_to_lab_map`` (``ciede.c:261-271``), returned as a float."""
    kappa, epsilon = 24389.0 / 27.0, 216.0 / 24389.0
    high = jnp.power(jnp.maximum(c, epsilon), 1.0 / 3.0)
    return _f(jnp.where(c > epsilon, high, (kappa * c + 16.0) * (1.0 / 116.0)))


def lab_color(y: jax.Array, u: jax.Array, v: jax.Array, *, bitdepth: int) -> tuple[jax.Array, jax.Array, jax.Array]:
    """``get_lab_color`` (``ciede.c:273-308``): samples to float L*, a*, b* (as float64 arrays).

    Call inside ``vmafref._x64.x64()``: the arithmetic is double, as in C.
    """
    scale = float(1 << (bitdepth - 8))
    y = (y.astype(jnp.float64) - 16.0 * scale) * (1.0 / (219.0 * scale))
    u = (u.astype(jnp.float64) - 128.0 * scale) * (1.0 / (224.0 * scale))
    v = (v.astype(jnp.float64) - 128.0 * scale) * (1.0 / (224.0 * scale))
    r = _rgb_to_xyz_map(y + 1.28033 * v)
    g = _rgb_to_xyz_map(y - 0.21482 * u - 0.38059 * v)
    b = _rgb_to_xyz_map(y + 2.12798 * u)
    x = r * 0.4124564390896921 + g * 0.357576077643909 + b * 0.18043748326639894
    yy = r * 0.21267285140562248 + g * 0.715152155287818 + b * 0.07217499330655958
    z = r * 0.019333895582329317 + g * 0.119192025881303 + b * 0.9503040785363677
    x = _xyz_to_lab_map(x * (1.0 / 0.95047))
    yy = _xyz_to_lab_map(yy)
    z = _xyz_to_lab_map(z * (1.0 / 1.08883))
    return _f(116.0 * yy - 16.0), _f(500.0 * (x - yy)), _f(200.0 * (yy - z))


def _f32(x: jax.Array) -> jax.Array:
    return x.astype(jnp.float32)


def _h_prime(x: jax.Array, y: jax.Array) -> jax.Array:
    """``get_h_prime`` (``ciede.c:127-135``): float ``atan2(x, y)`` in ``[0, 2π)``."""
    hue = _f(jnp.arctan2(x, y))
    hue = jnp.where(hue < 0.0, _f(hue + 2.0 * _PI), hue)
    return jnp.where((x == 0.0) & (y == 0.0), 0.0, hue)


def _ciede2000(l1, a1, b1, l2, a2, b2) -> jax.Array:
    """``ciede2000`` (``ciede.c:201-237``) with kL, kC, kH = 0.65f, 1.0f, 4.0f; float result.

    Float operands combined with float operands stay float (``_f32``); anything touching a
    double or a libm double function is double and is rounded where C stores a ``float``.
    """
    delta_l_prime = _f32(l2) - _f32(l1)
    l_bar = (_f32(l1) + _f32(l2)) / jnp.float32(2)
    c1 = _f(jnp.sqrt(a1 ** 2 + b1 ** 2))
    c2 = _f(jnp.sqrt(a2 ** 2 + b2 ** 2))
    c_bar = ((_f32(c1) + _f32(c2)) / jnp.float32(2)).astype(jnp.float64)
    g = 1.0 - jnp.sqrt(jnp.power(c_bar, 7) / (jnp.power(c_bar, 7) + 25.0 ** 7))
    a_prime_1 = _f(a1 + (_f32(a1) / jnp.float32(2)).astype(jnp.float64) * g)
    a_prime_2 = _f(a2 + (_f32(a2) / jnp.float32(2)).astype(jnp.float64) * g)
    c_prime_1 = _f(jnp.sqrt(a_prime_1 ** 2 + b1 ** 2))
    c_prime_2 = _f(jnp.sqrt(a_prime_2 ** 2 + b2 ** 2))
    c_bar_prime = (_f32(c_prime_1) + _f32(c_prime_2)) / jnp.float32(2)
    delta_c_prime = _f32(c_prime_2) - _f32(c_prime_1)
    l50 = (l_bar - jnp.float32(50)).astype(jnp.float64)
    s_sub_l = _f(1.0 + (0.015 * l50 ** 2) / jnp.sqrt(20.0 + l50 ** 2))
    s_sub_c = _f(1.0 + 0.045 * c_bar_prime.astype(jnp.float64))
    h_prime_1 = _h_prime(b1, a_prime_1)
    h_prime_2 = _h_prime(b2, a_prime_2)
    # get_delta_h_prime (ciede.c:137-149)
    h1, h2 = _f32(h_prime_1), _f32(h_prime_2)
    diff = (h2 - h1).astype(jnp.float64)
    delta_h_prime = jnp.where(jnp.abs(h1 - h2).astype(jnp.float64) <= _PI, diff,
                              jnp.where(h2 <= h1, _f(diff + 2.0 * _PI), _f(diff - 2.0 * _PI)))
    delta_h_prime = jnp.where((c1 == 0.0) | (c2 == 0.0), 0.0, delta_h_prime)
    delta_upcase_h_prime = _f(2.0 * jnp.sqrt((_f32(c_prime_1) * _f32(c_prime_2)).astype(jnp.float64))
                              * jnp.sin(delta_h_prime / 2.0))
    # get_upcase_h_bar_prime (ciede.c:151-157)
    h_sum = (h1 + h2).astype(jnp.float64)
    upcase_h_bar_prime = _f(jnp.where(jnp.abs(h1 - h2).astype(jnp.float64) > _PI, (h_sum + 2.0 * _PI) / 2.0,
                                      h_sum / 2.0))
    hb = upcase_h_bar_prime
    # get_upcase_t (ciede.c:159-166)
    upcase_t = _f(1.0 - 0.17 * jnp.cos(hb - _PI / 6.0) + 0.24 * jnp.cos(2.0 * hb)
                  + 0.32 * jnp.cos(3.0 * hb + _PI / 30.0) - 0.20 * jnp.cos(4.0 * hb - 7.0 * _PI / 20.0))
    s_sub_upcase_h = _f(1.0 + 0.015 * c_bar_prime.astype(jnp.float64) * upcase_t)
    # get_r_sub_t (ciede.c:178-190)
    degrees = _f32((_f(hb * (180.0 / _PI)) - 275.0) * (1.0 / 25.0))
    p7 = jnp.power(c_bar_prime, jnp.float32(7))
    ratio = p7 / (p7 + jnp.power(jnp.float32(25.0), jnp.float32(7)))
    angle = _f(60.0 * jnp.exp(-(jnp.power(degrees, jnp.float32(2))).astype(jnp.float64)))
    r_sub_t = _f32(-2.0 * jnp.sqrt(ratio.astype(jnp.float64)) * jnp.sin(_f(angle * (_PI / 180.0))))
    lightness = delta_l_prime / (jnp.float32(0.65) * _f32(s_sub_l))
    chroma = delta_c_prime / (jnp.float32(1.0) * _f32(s_sub_c))
    hue = _f32(delta_upcase_h_prime) / (jnp.float32(4.0) * _f32(s_sub_upcase_h))
    lightness, chroma64, hue64 = (v.astype(jnp.float64) for v in (lightness, chroma, hue))
    cross = (r_sub_t * chroma * hue).astype(jnp.float64)
    return _f32(jnp.sqrt(lightness ** 2 + chroma64 ** 2 + hue64 ** 2 + cross))


@stage_jit(static_argnames=("bitdepth",))
def _map(ref_y, ref_u, ref_v, dis_y, dis_u, dis_v, *, bitdepth):
    l1, a1, b1 = lab_color(ref_y, ref_u, ref_v, bitdepth=bitdepth)
    l2, a2, b2 = lab_color(dis_y, dis_u, dis_v, bitdepth=bitdepth)
    return _ciede2000(l1, a1, b1, l2, a2, b2)


def ciede2000_map(ref: tuple, dis: tuple, *, bitdepth: int) -> jax.Array:
    """ΔE00 (float32) of every sample of two pictures given as luma-size planes ``(y, u, v)``
    (chroma already through :func:`upsample_chroma`); leading axes allowed."""
    with x64():
        return _map(*ref, *dis, bitdepth=bitdepth)


def ciede_score(delta_e: Any, width: int, height: int) -> float:
    """``45 - 20 log10(Σ ΔE00 / (w·h))`` (``ciede.c:369-372``): the float values summed in double
    in raster order (``np.add.accumulate`` is sequential), the C library's ``log10``; a zero sum
    gives ``+inf`` as in C."""
    values = np.asarray(delta_e, dtype=np.float32).astype(np.float64).reshape(-1)
    total = float(np.add.accumulate(values)[-1]) if values.size else 0.0
    mean = total / float((width * height) & 0xFFFFFFFF)
    return 45.0 - 20.0 * (math.log10(mean) if mean > 0 else -math.inf)


class CiedeExtractor(FeatureExtractor):
    """Streaming ``ciede`` (``ciede.c``): ``ciede2000`` per frame from all three planes.
    See specs/ciede.md §4."""

    name = "ciede"
    frame_independent = True
    #: This extractor reads the chroma planes too (specs/score.md §1).
    planes = "yuv"
    options: dict = {}

    def __init__(self, *, width: int, height: int, bitdepth: int, pixel_format: str = "420", **options: Any):
        super().__init__(width=width, height=height, bitdepth=bitdepth, **options)
        check_geometry(self.width, self.height, pixel_format, self.bitdepth)
        self.pixel_format = pixel_format

    def _luma_size(self, picture) -> tuple:
        planes = (picture,) if isinstance(picture, np.ndarray) and picture.ndim == 2 else tuple(picture)
        planes = tuple(p for p in planes if p is not None and np.size(p))
        if len(planes) < 3:
            raise CiedeInputError("ciede needs all three planes of each picture (libvmaf refuses 4:0:0)")
        y = np.asarray(planes[0])
        if y.shape != (self.height, self.width):
            raise CiedeInputError(f"ciede: luma plane {y.shape}, expected {(self.height, self.width)}")
        if self.pixel_format == "444":
            return tuple(np.asarray(p) for p in planes[:3])
        ss_ver = self.pixel_format == "420"
        rows, cols = self.height >> ss_ver, self.width >> 1
        chroma = [np.asarray(p)[:rows, :cols] for p in planes[1:3]]  # libvmaf's plane sizes (picture.c:71-76)
        return (y, *(upsample_chroma(c, width=self.width, height=self.height, pixel_format=self.pixel_format)
                     for c in chroma))

    def extract(self, index: int, ref, dis) -> FrameValues:
        delta_e = ciede2000_map(self._luma_size(ref), self._luma_size(dis), bitdepth=self.bitdepth)
        return {index: {"ciede2000": ciede_score(delta_e, self.width, self.height)}}
