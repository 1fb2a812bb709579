"""libvmaf's ``psnr_hvs`` (``psnr_hvs_y``, ``psnr_hvs_cb``, ``psnr_hvs_cr``, ``psnr_hvs``), in JAX.

Xiph's PSNR-HVS-M as libvmaf's ``feature/third_party/xiph/psnr_hvs.c`` at commit f85a8536
computes it: 8x8 blocks every 7 samples, Daala's integer 8-point DCT, a contrast-masking
threshold from the blocks' variances and masked DCT energies, and the CSF-weighted squared
error summed in **float** over every coefficient of every block in raster order; per plane
``10·(−log10(ret / (blocks·64) / max²))`` and, for the frame, the same of
``0.8·y + 0.1·(cb + cr)``.

Pure functions:

* :func:`fdct8x8` — ``od_bin_fdct8x8`` on integer blocks ``(..., 8, 8)`` (int32, jit-able).
* :func:`block_terms` — per block the 64 float32 terms libvmaf adds to ``ret`` (jit-able).
* :func:`plane_score` — the per-plane value from the terms: the sequential float32 sum on the
  host (``np.add.accumulate``), libvmaf's float divisions, a double return.
* :func:`score_db` — ``convert_score_db`` with the C library's ``log10``.

:class:`PsnrHvsExtractor` is the streaming extractor registered as ``psnr_hvs``. See
specs/psnr_hvs.md.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from vmafref.features.extractor import FeatureExtractor, FrameValues
from vmafref.features._compiled import jit as stage_jit

__all__ = [
    "CSF",
    "PsnrHvsExtractor",
    "PsnrHvsInputError",
    "block_terms",
    "fdct8x8",
    "plane_score",
    "score_db",
]

_CSF_Y = [
    [1.6193873005, 2.2901594831, 2.08509755623, 1.48366094411, 1.00227514334, 0.678296995242, 0.466224900598, 0.3265091542],
    [2.2901594831, 1.94321815382, 2.04793073064, 1.68731108984, 1.2305666963, 0.868920337363, 0.61280991668, 0.436405793551],
    [2.08509755623, 2.04793073064, 1.34329019223, 1.09205635862, 0.875748795257, 0.670882927016, 0.501731932449, 0.372504254596],
    [1.48366094411, 1.68731108984, 1.09205635862, 0.772819797575, 0.605636379554, 0.48309405692, 0.380429446972, 0.295774038565],
    [1.00227514334, 1.2305666963, 0.875748795257, 0.605636379554, 0.448996256676, 0.352889268808, 0.283006984131, 0.226951348204],
    [0.678296995242, 0.868920337363, 0.670882927016, 0.48309405692, 0.352889268808, 0.27032073436, 0.215017739696, 0.17408067321],
    [0.466224900598, 0.61280991668, 0.501731932449, 0.380429446972, 0.283006984131, 0.215017739696, 0.168869545842, 0.136153931001],
    [0.3265091542, 0.436405793551, 0.372504254596, 0.295774038565, 0.226951348204, 0.17408067321, 0.136153931001, 0.109083846276],
]
_CSF_CB420 = [
    [1.91113096927, 2.46074210438, 1.18284184739, 1.14982565193, 1.05017074788, 0.898018824055, 0.74725392039, 0.615105596242],
    [2.46074210438, 1.58529308355, 1.21363250036, 1.38190029285, 1.33100189972, 1.17428548929, 0.996404342439, 0.830890433625],
    [1.18284184739, 1.21363250036, 0.978712413627, 1.02624506078, 1.03145147362, 0.960060382087, 0.849823426169, 0.731221236837],
    [1.14982565193, 1.38190029285, 1.02624506078, 0.861317501629, 0.801821139099, 0.751437590932, 0.685398513368, 0.608694761374],
    [1.05017074788, 1.33100189972, 1.03145147362, 0.801821139099, 0.676555426187, 0.605503172737, 0.55002013668, 0.495804539034],
    [0.898018824055, 1.17428548929, 0.960060382087, 0.751437590932, 0.605503172737, 0.514674450957, 0.454353482512, 0.407050308965],
    [0.74725392039, 0.996404342439, 0.849823426169, 0.685398513368, 0.55002013668, 0.454353482512, 0.389234902883, 0.342353999733],
    [0.615105596242, 0.830890433625, 0.731221236837, 0.608694761374, 0.495804539034, 0.407050308965, 0.342353999733, 0.295530605237],
]
_CSF_CR420 = [
    [2.03871978502, 2.62502345193, 1.26180942886, 1.11019789803, 1.01397751469, 0.867069376285, 0.721500455585, 0.593906509971],
    [2.62502345193, 1.69112867013, 1.17180569821, 1.3342742857, 1.28513006198, 1.13381474809, 0.962064122248, 0.802254508198],
    [1.26180942886, 1.17180569821, 0.944981930573, 0.990876405848, 0.995903384143, 0.926972725286, 0.820534991409, 0.706020324706],
    [1.11019789803, 1.3342742857, 0.990876405848, 0.831632933426, 0.77418706195, 0.725539939514, 0.661776842059, 0.587716619023],
    [1.01397751469, 1.28513006198, 0.995903384143, 0.77418706195, 0.653238524286, 0.584635025748, 0.531064164893, 0.478717061273],
    [0.867069376285, 1.13381474809, 0.926972725286, 0.725539939514, 0.584635025748, 0.496936637883, 0.438694579826, 0.393021669543],
    [0.721500455585, 0.962064122248, 0.820534991409, 0.661776842059, 0.531064164893, 0.438694579826, 0.375820256136, 0.330555063063],
    [0.593906509971, 0.802254508198, 0.706020324706, 0.587716619023, 0.478717061273, 0.393021669543, 0.330555063063, 0.285345396658],
]

#: ``csf_y``, ``csf_cb420``, ``csf_cr420`` (``psnr_hvs.c:214-247``) as the C ``float`` tables;
#: libvmaf uses the 4:2:0 chroma tables whatever the subsampling (``:386-389``).
CSF = tuple(np.array(table, dtype=np.float32) for table in (_CSF_Y, _CSF_CB420, _CSF_CR420))

#: Block step (``extract`` passes 7, ``:389``): 8x8 blocks overlapping by one sample.
STEP = 7
#: Key of each plane (``provided_features``, ``:402-405``).
PLANE_KEYS = ("psnr_hvs_y", "psnr_hvs_cb", "psnr_hvs_cr")


class PsnrHvsInputError(ValueError):
    """A picture libvmaf's psnr_hvs refuses."""


def _mask(csf: np.ndarray) -> np.ndarray:
    """``mask[x][y] = (csf·0.3885746225901003)²`` in double, stored as float (``:269-272``)."""
    c = csf.astype(np.float64) * 0.3885746225901003
    return (c * c).astype(np.float32)


def _rshift(a: jax.Array, b: int) -> jax.Array:
    """``OD_UNBIASED_RSHIFT32`` (``:45-46``): round towards zero on halving."""
    bias = (a.astype(jnp.uint32) >> jnp.uint32(32 - b)).astype(jnp.int32)
    return (bias + a) >> b


def _fdct8(t: list) -> list:
    """``od_bin_fdct8`` (``:51-176``) on eight int32 arrays (the inputs in order)."""
    t0, t4, t2, t6, t7, t3, t5, t1 = t
    t1 = t0 - t1
    t1h = _rshift(t1, 1)
    t0 = t0 - t1h
    t4 = t4 + t5
    t4h = _rshift(t4, 1)
    t5 = t5 - t4h
    t3 = t2 - t3
    t2 = t2 - _rshift(t3, 1)
    t6 = t6 + t7
    t6h = _rshift(t6, 1)
    t7 = t6h - t7
    t0 = t0 + t6h
    t6 = t0 - t6
    t2 = t4h - t2
    t4 = t2 - t4
    t0 = t0 - ((t4 * 13573 + 16384) >> 15)
    t4 = t4 + ((t0 * 11585 + 8192) >> 14)
    t0 = t0 - ((t4 * 13573 + 16384) >> 15)
    t6 = t6 - ((t2 * 21895 + 16384) >> 15)
    t2 = t2 + ((t6 * 15137 + 8192) >> 14)
    t6 = t6 - ((t2 * 21895 + 16384) >> 15)
    t3 = t3 + ((t5 * 19195 + 16384) >> 15)
    t5 = t5 + ((t3 * 11585 + 8192) >> 14)
    t3 = t3 - ((t5 * 7489 + 4096) >> 13)
    t7 = _rshift(t5, 1) - t7
    t5 = t5 - t7
    t3 = t1h - t3
    t1 = t1 - t3
    t7 = t7 + ((t1 * 3227 + 16384) >> 15)
    t1 = t1 - ((t7 * 6393 + 16384) >> 15)
    t7 = t7 + ((t1 * 3227 + 16384) >> 15)
    t5 = t5 + ((t3 * 2485 + 4096) >> 13)
    t3 = t3 - ((t5 * 18205 + 16384) >> 15)
    t5 = t5 + ((t3 * 2485 + 4096) >> 13)
    return [t0, t1, t2, t3, t4, t5, t6, t7]


def fdct8x8(blocks: jax.Array) -> jax.Array:
    """``od_bin_fdct8x8`` (``:178-186``): columns first, then rows; int32 ``(..., 8, 8)``."""
    x = blocks.astype(jnp.int32)
    columns = _fdct8([x[..., k, :] for k in range(8)])            # [u][..., c]
    rows = [_fdct8([columns[u][..., c] for c in range(8)]) for u in range(8)]  # [u][v][...]
    return jnp.stack([jnp.stack(rows[u], axis=-1) for u in range(8)], axis=-2)


def _seq_sum(values: list) -> jax.Array:
    total = jnp.float32(0)
    for value in values:
        total = total + value
    return total


@stage_jit(static_argnames=("plane",))
def block_terms(src: jax.Array, dst: jax.Array, *, plane: int) -> jax.Array:
    """Per block (``(..., 8, 8)`` int samples), the 64 float32 terms ``(err·csf)²`` that
    ``calc_psnrhvs`` adds to ``ret``, in its ``(i, j)`` order (``:274-363``)."""
    csf, mask = jnp.asarray(CSF[plane]), jnp.asarray(_mask(CSF[plane]))
    s, d = src.astype(jnp.int32), dst.astype(jnp.int32)
    subs = [[((i & 12) >> 2) + ((j & 12) >> 1) for j in range(8)] for i in range(8)]
    out = []
    stats = []
    for block in (s, d):
        f = block.astype(jnp.float32)
        cells = [[f[..., i, j] for j in range(8)] for i in range(8)]
        gmean = _seq_sum([cells[i][j] for i in range(8) for j in range(8)]) / jnp.float32(64)
        means = [_seq_sum([cells[i][j] for i in range(8) for j in range(8) if subs[i][j] == k]) / jnp.float32(16)
                 for k in range(4)]
        gvar = jnp.float32(0)
        var = [jnp.float32(0)] * 4
        for i in range(8):
            for j in range(8):
                k = subs[i][j]
                gvar = gvar + (cells[i][j] - gmean) * (cells[i][j] - gmean)
                var[k] = var[k] + (cells[i][j] - means[k]) * (cells[i][j] - means[k])
        gvar = gvar * (jnp.float32(1) / jnp.float32(63) * jnp.float32(64))
        var = [v * (jnp.float32(1) / jnp.float32(15) * jnp.float32(16)) for v in var]
        gvar = jnp.where(gvar > 0, (var[0] + var[1] + var[2] + var[3]) / jnp.where(gvar > 0, gvar, 1), gvar)
        dct = fdct8x8(block)
        energy = jnp.float32(0)
        for i in range(8):
            for j in range(1 if i == 0 else 0, 8):
                energy = energy + (dct[..., i, j] * dct[..., i, j]).astype(jnp.float32) * mask[i, j]
        # sqrt in double of a float, rounded to float, is the float sqrt; /32 is exact.
        masked = jnp.sqrt(energy * gvar) / jnp.float32(32)
        stats.append((dct, masked))
    (dct_s, s_mask), (dct_d, d_mask) = stats
    s_mask = jnp.where(d_mask > s_mask, d_mask, s_mask)
    for i in range(8):
        for j in range(8):
            err = jnp.abs(dct_s[..., i, j] - dct_d[..., i, j]).astype(jnp.float32)
            if i or j:
                threshold = s_mask / mask[i, j]
                err = jnp.where(err < threshold, jnp.float32(0), err - threshold)
            out.append((err * csf[i, j]) * (err * csf[i, j]))
    return jnp.stack(out, axis=-1)


def _blocks(plane: np.ndarray) -> np.ndarray:
    """The 8x8 blocks at rows and columns ``0, 7, 14, …`` below ``h − 7`` / ``w − 7`` (``:274-275``)."""
    h, w = plane.shape
    ys, xs = np.arange(0, h - 7, STEP), np.arange(0, w - 7, STEP)
    rows = ys[:, None, None, None] + np.arange(8)[None, None, :, None]
    cols = xs[None, :, None, None] + np.arange(8)[None, None, None, :]
    return plane[rows, cols]


def plane_score(terms: Any, bitdepth: int) -> float:
    """``ret`` summed in float in raster order, ``/= pixels``, ``/= max²`` (``:361-368``), as a double."""
    values = np.asarray(terms, dtype=np.float32).reshape(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ret = np.add.accumulate(values, dtype=np.float32)[-1] if values.size else np.float32(0)
        ret = np.float32(ret) / np.float32(values.size)  # 0/0 is NaN, as in C
        samplemax = (1 << bitdepth) - 1
        ret = np.float32(ret) / np.float32(samplemax * samplemax)
    return float(ret)


def score_db(score: float) -> float:
    """``convert_score_db`` (``:370-373``): ``10·(−1·log10(score))``; 0 gives +inf, NaN stays NaN."""
    if math.isnan(score):
        return math.nan
    return 10.0 * (-1.0 * (math.log10(score) if score > 0 else -math.inf))


class PsnrHvsExtractor(FeatureExtractor):
    """Streaming ``psnr_hvs`` (``psnr_hvs.c``): the three planes' PSNR-HVS-M and their blend.
    See specs/psnr_hvs.md §4."""

    name = "psnr_hvs"
    frame_independent = True
    #: This extractor reads the chroma planes too (specs/score.md §1).
    planes = "yuv"
    options: dict = {}

    def __init__(self, *, width: int, height: int, bitdepth: int, pixel_format: str = "420", **options: Any):
        super().__init__(width=width, height=height, bitdepth=bitdepth, **options)
        if self.bitdepth > 12:
            raise PsnrHvsInputError(f"psnr_hvs: invalid bitdepth ({self.bitdepth}), bpc must be less than or "
                                    "equal to 12 (libvmaf refuses it, psnr_hvs.c:382-388)")
        if pixel_format == "400":
            raise PsnrHvsInputError("psnr_hvs needs chroma: libvmaf refuses 4:0:0 pictures (psnr_hvs.c:389-390)")
        self.pixel_format = pixel_format

    def _planes(self, picture) -> tuple:
        planes = (picture,) if isinstance(picture, np.ndarray) and picture.ndim == 2 else tuple(picture)
        planes = tuple(np.asarray(p) for p in planes if p is not None and np.size(p))
        if len(planes) < 3:
            raise PsnrHvsInputError("psnr_hvs needs all three planes of each picture (libvmaf refuses 4:0:0)")
        ss_hor = self.pixel_format != "444"
        ss_ver = self.pixel_format == "420"
        chroma = tuple(p[:self.height >> ss_ver, :self.width >> ss_hor] for p in planes[1:3])  # picture.c:71-76
        return (planes[0], *chroma)

    def extract(self, index: int, ref, dis) -> FrameValues:
        scores = []
        for plane, (a, b) in enumerate(zip(self._planes(ref), self._planes(dis))):
            blocks_a, blocks_b = _blocks(a), _blocks(b)
            terms = block_terms(blocks_a, blocks_b, plane=plane) if blocks_a.size else np.zeros(0, np.float32)
            scores.append(plane_score(terms, self.bitdepth))
        out = {key: score_db(value) for key, value in zip(PLANE_KEYS, scores)}
        out["psnr_hvs"] = score_db(scores[0] * 0.8 + 0.1 * (scores[1] + scores[2]))
        return {index: out}
