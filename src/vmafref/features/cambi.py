"""libvmaf's ``cambi`` (Contrast-Aware Multiscale Banding Index) in JAX, bit for bit.

Per frame, as libvmaf's ``cambi.c`` / ``cambi.h`` / ``luminance_tools.c`` at commit f85a8536
compute it (Tandon et al., PCS 2021, doi:10.1109/PCS50896.2021.9477471):

1. the luma plane is resampled (nearest neighbour) to the encode resolution and brought to
   10 bits; below 10 encode bits a 2x2 anti-dithering average follows (specs/cambi.md §2);
2. a spatial mask keeps the pixels whose 7x7 neighbourhood is mostly flat (§3);
3. at five scales (each a 3x3 mode filter, then 2:1 decimation) every masked pixel gets a
   contrast value from the histogram of its window: for each contrast step ``d`` that is
   visible at its luminance (the TVI table, §4), ``w[d] * p0 * p / (p0 + p)`` with ``p0`` the
   count of its own level and ``p`` the larger count of the levels ``d`` away (§5);
4. each scale's map is pooled by the mean of its top-k values, the scales are weighted
   16, 8, 4, 2, 1 and divided by the window's pixel count (§6).

With ``full_ref`` the reference is scored the same way at the source resolution and the
keys ``cambi_source`` and ``cambi_full_reference`` (``max(0, dist - src)``) are added (§7).

Integer throughout but for the contrast value (a float32 product, as libvmaf's) and the
pooling (a double sum in the order libvmaf's quick select leaves the values), both
reproduced step for step. Pure functions:

* :func:`cambi_constants` — the tables ``init`` derives from the options (TVI, VLT, window);
* :func:`preprocess`, :func:`spatial_mask`, :func:`mode_filter`, :func:`decimate`,
  :func:`c_values` — the per-frame maps, jit-able JAX functions of 2-D arrays;
* :func:`spatial_pooling`, :func:`cambi_frame_score` — the pooling (numpy, libvmaf's order)
  and a whole frame.

:class:`CambiExtractor` is the streaming extractor registered as ``cambi``. See specs/cambi.md.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from vmafref.feature_names import feature_key
from vmafref.features.extractor import FeatureExtractor, FrameValues, OptionSpec
from vmafref.features._compiled import jit as stage_jit

__all__ = [
    "CAMBI_MIN_WIDTH_HEIGHT",
    "CambiConstants",
    "CambiExtractor",
    "CambiInputError",
    "CONTRAST_WEIGHTS",
    "NUM_SCALES",
    "RECIPROCAL_LUT",
    "SCALE_WEIGHTS",
    "adjust_window_size",
    "anti_dithering_filter",
    "c_values",
    "cambi_constants",
    "cambi_frame_score",
    "decimate",
    "mask_index",
    "mode_filter",
    "preprocess",
    "spatial_mask",
    "spatial_pooling",
    "tvi_for_diff",
    "vlt_luma",
]

#: Scales and their weights (``cambi.c:72-73``).
NUM_SCALES = 5
SCALE_WEIGHTS: tuple[int, ...] = (16, 8, 4, 2, 1)

#: Suprathreshold contrast response per contrast step ``d + 1`` (``cambi.c:76-77``).
CONTRAST_WEIGHTS: tuple[int, ...] = (1, 2, 3, 4, 4, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7, 8,
                                     8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9)

#: Neither encode side below this: libvmaf's ``init`` refuses (``cambi.c:65``, ``:503-508``).
CAMBI_MIN_WIDTH_HEIGHT = 216
#: 4K reference of the window size (``cambi.c:66-67``; 375 * 16 = 3840 + 2160, ``:417``).
CAMBI_4K_WIDTH, CAMBI_4K_HEIGHT = 3840, 2160
#: The spatial mask's square (``cambi.c:90``).
MASK_FILTER_SIZE = 7
#: Frame-size thresholds of ``cambi_high_res_speedup`` (``cambi.c:61-63``).
HIGH_RES_SPEEDUP_THRESHOLDS = {1080: 1920 * 1080, 1440: 2560 * 1440, 2160: 3840 * 2160}

#: BT.1886 constants (``luminance_tools.c:28-30``).
BT1886_GAMMA, BT1886_LW, BT1886_LB = 2.4, 300.0, 0.01
#: SMPTE ST 2084 (PQ) constants (``luminance_tools.c:90-94``).
PQ_M1, PQ_M2, PQ_C1, PQ_C2, PQ_C3 = 0.1593017578125, 78.84375, 0.8359375, 18.8515625, 18.6875

#: Size of libvmaf's reciprocal table (``cambi.h:39``): a window may hold at most 4225 pixels.
RECIPROCAL_LUT_SIZE = 4226


def _reciprocal_lut() -> np.ndarray:
    # cambi.h:40-: the float literal of 1/i printed with 9 significant digits ("%.9g" of the
    # double 1.0/i), [0] = 0. That is not always 1.0f/i (42 entries differ, the first at i = 82).
    lut = np.zeros(RECIPROCAL_LUT_SIZE, dtype=np.float32)
    for i in range(1, RECIPROCAL_LUT_SIZE):
        lut[i] = np.float32(float("%.9g" % (1.0 / i)))
    return lut


#: ``reciprocal_lut`` of ``cambi.h:40``, float32.
RECIPROCAL_LUT: np.ndarray = _reciprocal_lut()


class CambiInputError(ValueError):
    """Options or frames libvmaf's cambi refuses (``init`` returning ``-EINVAL``)."""


# --------------------------------------------------------------------------- init tables

def _bt1886_eotf(v: float) -> float:
    """``vmaf_luminance_bt1886_eotf`` (``luminance_tools.c:83-87``), C ``pow`` in double."""
    root_w, root_b = BT1886_LW ** (1.0 / BT1886_GAMMA), BT1886_LB ** (1.0 / BT1886_GAMMA)
    a = (root_w - root_b) ** BT1886_GAMMA
    b = root_b / (root_w - root_b)
    x = v + b
    return a * (x if x > 0 else 0) ** BT1886_GAMMA


def _pq_eotf(v: float) -> float:
    """``vmaf_luminance_pq_eotf`` (``luminance_tools.c:89-99``)."""
    root = v ** (1.0 / PQ_M2)
    num = root - PQ_C1
    num_clipped = num if num > 0 else 0
    den = PQ_C2 - PQ_C3 * root
    return 10000 * (num_clipped / den) ** (1.0 / PQ_M1)


EOTFS = {"bt1886": _bt1886_eotf, "pq": _pq_eotf}

#: 10-bit limited range (``luminance_tools.c:45-46``, ``cambi.c:551``).
LUMA_FOOT, LUMA_HEAD = 64, 940


def _luminance(sample: int, eotf) -> float:
    """``vmaf_luminance_get_luminance`` on the 10-bit limited range (``luminance_tools.c:59-62``, ``:101-104``)."""
    clipped = min(max(sample, LUMA_FOOT), LUMA_HEAD)
    return eotf((clipped - LUMA_FOOT) / (LUMA_HEAD - LUMA_FOOT))


def _tvi_condition(sample: int, diff: int, threshold: float, eotf) -> bool:
    mean = _luminance(sample, eotf)
    return (_luminance(sample + diff, eotf) - mean) > threshold * mean  # cambi.c:345-351


def _tvi_hard(sample: int, diff: int, threshold: float, eotf) -> int:
    """-1 too small, 0 correct, 1 too big (``cambi.c:353-363``)."""
    if not _tvi_condition(sample, diff, threshold, eotf):
        return 1
    if _tvi_condition(sample + 1, diff, threshold, eotf):
        return -1
    return 0


def tvi_for_diff(diff: int, tvi_threshold: float, eotf: str = "bt1886") -> int:
    """The largest 10-bit level at which a step of ``diff`` is still visible (``cambi.c:365-394``).

    libvmaf's bisection, step for step: 0 when not visible at the foot, 1023 when visible up
    to the head. See specs/cambi.md §4.
    """
    fn = EOTFS[eotf]
    foot, head = LUMA_FOOT, LUMA_HEAD - diff - 1
    flag = _tvi_hard(foot, diff, tvi_threshold, fn)
    if flag == 1:
        return 0
    if flag == 0:
        return foot
    flag = _tvi_hard(head, diff, tvi_threshold, fn)
    if flag == -1:
        return (1 << 10) - 1
    if flag == 0:
        return head
    for _ in range(64):
        mid = foot + (head - foot) // 2
        flag = _tvi_hard(mid, diff, tvi_threshold, fn)
        if flag == 1:
            head = mid
        elif flag == -1:
            foot = mid
        else:
            return mid
    raise CambiInputError(f"cambi: the TVI bisection for diff {diff} does not end (libvmaf loops forever)")


def vlt_luma(threshold: float, eotf: str = "bt1886") -> int:
    """The smallest 10-bit level whose luminance reaches ``threshold``, 0 at the foot (``cambi.c:396-409``)."""
    fn = EOTFS[eotf]
    sample = LUMA_FOOT
    while _luminance(sample, fn) < threshold:
        sample = (sample + 1) & 0xFFFF
    return 0 if sample == LUMA_FOOT else sample


def adjust_window_size(window_size: int, width: int, height: int, high_res_speedup: bool) -> int:
    """``((ws * (w + h)) / 375) >> 4``, halved (rounding up) with the speed-up, made odd (``cambi.c:411-423``)."""
    ws = (((window_size * (width + height)) // 375) >> 4) & 0xFFFF
    if high_res_speedup:
        ws = (ws + 1) >> 1
    return ws | 1


def _ceil_log2(num: int) -> int:
    """``ceil_log2`` (``cambi.c:917-928``)."""
    return 0 if num == 0 else (num - 1).bit_length()


def mask_index(width: int, height: int, filter_size: int = MASK_FILTER_SIZE) -> int:
    """The flat-pixel count a 7x7 square must exceed (``cambi.c:930-934``)."""
    shifted = ((width >> 6) * (height >> 6)) & 0xFFFFFFFF
    return ((filter_size * filter_size + 3 * (_ceil_log2(shifted) - 11) - 1) >> 1) & 0xFFFF


@dataclasses.dataclass(frozen=True)
class CambiConstants:
    """What ``init`` derives from the options and the frame size (``cambi.c:474-645``)."""

    enc_width: int
    enc_height: int
    enc_bitdepth: int
    src_width: int
    src_height: int
    window_size: int
    src_window_size: int
    topk: float
    num_diffs: int
    tvi: tuple[int, ...]          # raw 10-bit thresholds per step d + 1 (tvi_for_diff - num_diffs)
    vlt_luma: int
    high_res_speedup: bool
    cambi_max_val: float
    full_ref: bool

    @property
    def band_base(self) -> int:
        """``v_band_base`` (``cambi.c:591-592``): lowest level a histogram counts."""
        return max(self.vlt_luma - 3 * self.num_diffs + 1, 0)

    @property
    def band_size(self) -> int:
        """``v_band_size`` (``cambi.c:593``): levels ``band_base .. tvi[-1] + num_diffs``."""
        return (self.tvi[-1] + self.num_diffs + 1 - self.band_base) & 0xFFFF


def _aligned(width: int) -> int:
    """A luma row of ``vmaf_picture_alloc``: the width rounded up to 32 samples (``picture.c:28``, ``:78``)."""
    return (width + 31) & ~31


def cambi_constants(width: int, height: int, bitdepth: int, **options: Any) -> CambiConstants:
    """The constants ``init`` computes for a ``width`` x ``height`` input (``cambi.c:474-645``).

    ``options`` are the extractor's option values (defaults filled in by the caller or here).
    Raises :class:`CambiInputError` where ``init`` returns ``-EINVAL``. See specs/cambi.md §1.
    """
    o = {name: spec.default for name, spec in CambiExtractor.options.items()}
    o.update(options)
    enc_bitdepth = o["enc_bitdepth"] or bitdepth
    enc_w, enc_h = o["enc_width"], o["enc_height"]
    if enc_w == 0 or enc_h == 0:
        enc_w, enc_h = width, height
    src_w, src_h = o["src_width"], o["src_height"]
    if src_w == 0 or src_h == 0:
        src_w, src_h = width, height
    if enc_h > height or enc_w > width:  # no upscaling of a downscaled encode (cambi.c:497-501)
        enc_w, enc_h = width, height
    if enc_w < CAMBI_MIN_WIDTH_HEIGHT and enc_h < CAMBI_MIN_WIDTH_HEIGHT:
        raise CambiInputError(f"cambi needs an encode width or height of at least {CAMBI_MIN_WIDTH_HEIGHT}, "
                              f"got {enc_w}x{enc_h}")
    if src_w < CAMBI_MIN_WIDTH_HEIGHT and src_h < CAMBI_MIN_WIDTH_HEIGHT:
        raise CambiInputError(f"cambi needs a source width or height of at least {CAMBI_MIN_WIDTH_HEIGHT}, "
                              f"got {src_w}x{src_h}")
    if (src_w > enc_w and src_h < enc_h) or (src_w < enc_w and src_h > enc_h):
        raise CambiInputError(f"cambi: source {src_w}x{src_h} and encode {enc_w}x{enc_h} must be ordered alike")
    if o["full_ref"] and bitdepth == 10 and _aligned(max(src_w, enc_w)) != _aligned(width):
        # 10-bit frames of the encode size are memcpy'd with the input's stride into a buffer
        # whose stride follows the larger source size (cambi.c:537-542, :741-744): libvmaf then
        # scores a sheared picture and stale buffer contents. Not reproduced.
        raise CambiInputError(f"cambi: full_ref with a source width {src_w} above the {width}-wide 10-bit input "
                              "is not supported (libvmaf copies the frame with the wrong stride)")
    speedup = o["cambi_high_res_speedup"]
    threshold = HIGH_RES_SPEEDUP_THRESHOLDS.get(speedup)
    speedup = bool(threshold is not None and enc_w * enc_h >= threshold)
    eotf = o["cambi_eotf"] if o["cambi_eotf"] != "bt1886" else o["eotf"]
    if eotf not in EOTFS:
        raise CambiInputError(f"cambi: unknown EOTF {eotf!r} (bt1886 or pq)")
    num_diffs = 1 << o["max_log_contrast"]
    tvi = tuple(tvi_for_diff(d + 1, o["tvi_threshold"], eotf) for d in range(num_diffs))
    vlt = vlt_luma(o["cambi_vis_lum_threshold"], eotf)
    window = adjust_window_size(o["window_size"], enc_w, enc_h, speedup)
    src_window = adjust_window_size(o["window_size"], src_w, src_h, speedup)
    if max(window, src_window) ** 2 >= RECIPROCAL_LUT_SIZE:
        raise CambiInputError(f"cambi: window_size {max(window, src_window)} too large for reciprocal LUT")
    # topk wins when it is not the default, else cambi_topk (cambi.c:1321-1327).
    topk = o["topk"] if o["topk"] != 0.6 else o["cambi_topk"]
    return CambiConstants(enc_width=enc_w, enc_height=enc_h, enc_bitdepth=enc_bitdepth, src_width=src_w,
                          src_height=src_h, window_size=window, src_window_size=src_window, topk=float(topk),
                          num_diffs=num_diffs, tvi=tvi, vlt_luma=vlt, high_res_speedup=speedup,
                          cambi_max_val=float(o["cambi_max_val"]), full_ref=bool(o["full_ref"]))


# --------------------------------------------------------------------------- preprocessing

def _nearest_indices(in_size: int, out_size: int) -> np.ndarray:
    """Source index of each output sample (``cambi.c:670-686``): float32 ratio and start, the
    position accumulated in float32, ``(int)(x + 0.5)`` in double."""
    ratio = np.float32(np.float32(in_size) / np.float32(out_size))
    start = np.float32(np.float64(ratio / np.float32(2)) - 0.5)
    steps = np.full(out_size, ratio, dtype=np.float32)
    steps[0] = start
    positions = np.add.accumulate(steps, dtype=np.float32)  # sequential float32 sums, as the C loop
    return np.trunc(positions.astype(np.float64) + 0.5).astype(np.int64)


def anti_dithering_filter(image: jax.Array) -> jax.Array:
    """2x2 mean ``>> 2`` (last column and row: pairs ``>> 1``), ``cambi.c:774-798``.

    libvmaf writes in place, but every sample it reads is still unwritten, so this is the
    filter of the input. See specs/cambi.md §2.
    """
    x = image.astype(jnp.int32)
    out = x
    inner = (x[:-1, :-1] + x[:-1, 1:] + x[1:, :-1] + x[1:, 1:]) >> 2
    out = out.at[:-1, :-1].set(inner)
    out = out.at[:-1, -1].set((x[:-1, -1] + x[1:, -1]) >> 1)
    out = out.at[-1, :-1].set((x[-1, :-1] + x[-1, 1:]) >> 1)
    return out.astype(jnp.uint16)


def preprocess(plane, *, bitdepth: int, width: int, height: int, enc_bitdepth: int | None = None) -> jax.Array:
    """The 10-bit ``height`` x ``width`` picture cambi works on (``cambi_preprocessing``, ``cambi.c:852-872``).

    Nearest-neighbour resampling when the size changes, 8-bit ``<< 2``, 9-bit ``<< 1``, above
    10 bits ``(v + 2^(s-1)) >> s``; the anti-dithering filter when ``enc_bitdepth`` < 10.
    """
    plane = np.asarray(plane)
    if plane.ndim != 2:
        raise CambiInputError(f"cambi takes a 2-D luma plane, got shape {plane.shape}")
    in_h, in_w = plane.shape
    if (in_w, in_h) != (width, height):
        plane = plane[_nearest_indices(in_h, height)[:, None], _nearest_indices(in_w, width)[None, :]]
    x = jnp.asarray(plane.astype(np.int32))
    if bitdepth <= 8:
        x = x << (10 - bitdepth)
    elif bitdepth == 9:
        x = x << 1
    elif bitdepth > 10:
        shift = bitdepth - 10
        x = (x + (1 << (shift - 1))) >> shift
    x = x.astype(jnp.uint16)
    if (bitdepth if enc_bitdepth is None else enc_bitdepth) < 10:
        x = anti_dithering_filter(x)
    return x


# --------------------------------------------------------------------------- per-scale maps

def _box_sum(a: jax.Array, pad: int) -> jax.Array:
    """Sum over the (2 pad + 1)^2 square around each sample, zeros outside (int32)."""
    h, w = a.shape
    c = jnp.pad(jnp.cumsum(jnp.cumsum(a.astype(jnp.int32), axis=0), axis=1), ((1, 0), (1, 0)))
    rows_hi = jnp.minimum(jnp.arange(h) + pad + 1, h)
    rows_lo = jnp.maximum(jnp.arange(h) - pad, 0)
    cols_hi = jnp.minimum(jnp.arange(w) + pad + 1, w)
    cols_lo = jnp.maximum(jnp.arange(w) - pad, 0)
    return (c[rows_hi][:, cols_hi] - c[rows_lo][:, cols_hi] - c[rows_hi][:, cols_lo] + c[rows_lo][:, cols_lo])


def spatial_mask(image: jax.Array, index: int | None = None) -> jax.Array:
    """1 where more than ``mask_index`` pixels of the 7x7 square are flat (``cambi.c:936-1039``).

    A pixel is flat when it equals its right and bottom neighbours (the last column and row
    count as equal); the square sum treats outside pixels as not flat. Returns uint16 0/1.
    """
    h, w = image.shape
    if index is None:
        index = mask_index(w, h)
    x = image
    right = jnp.concatenate([x[:, :-1] == x[:, 1:], jnp.ones((h, 1), bool)], axis=1)
    down = jnp.concatenate([x[:-1, :] == x[1:, :], jnp.ones((1, w), bool)], axis=0)
    flat = (right & down).astype(jnp.int32)
    return (_box_sum(flat, MASK_FILTER_SIZE >> 1) > index).astype(jnp.uint16)


def _mode3(a, b, c):
    """``mode3`` (``cambi.c:885-895``): the value two of three share, else the smallest."""
    return jnp.where((a == b) | (a == c), a, jnp.where(b == c, b, jnp.minimum(jnp.minimum(a, b), c)))


def mode_filter(image: jax.Array) -> jax.Array:
    """3x3 separable mode filter (``filter_mode``, ``cambi.c:897-915``).

    Rows 1..h-2 become the vertical mode of the horizontal modes of rows r-1, r, r+1 (the
    first and last column pass through the horizontal step); rows 0 and h-1 are unchanged.
    """
    h, w = image.shape
    if h < 3:
        return image
    if w >= 3:
        horizontal = image.at[:, 1:-1].set(_mode3(image[:, :-2], image[:, 1:-1], image[:, 2:]))
    else:
        horizontal = image
    return image.at[1:-1, :].set(_mode3(horizontal[:-2], horizontal[1:-1], horizontal[2:]))


def decimate(image: jax.Array) -> jax.Array:
    """Every second sample of every second row, ``ceil(h/2)`` x ``ceil(w/2)`` (``cambi.c:875-883``)."""
    return image[::2, ::2]


def c_values(image: jax.Array, mask: jax.Array, *, window_size: int, num_diffs: int, tvi: tuple[int, ...],
             vlt_luma: int, band_base: int, band_size: int) -> jax.Array:
    """The contrast map of one scale, float32 (``calculate_c_values``, ``cambi.c:1041-1178``, ``cambi.h``).

    For a masked pixel of level ``v`` (in the band): ``p0`` is the number of masked in-band
    pixels of level ``v`` in its window (clipped to the frame), ``p1`` / ``p2`` those of
    ``v + d + 1`` / ``v - d - 1``; for each ``d`` with ``v <= tvi[d]`` and
    ``v + num_diffs + d + 1 > vlt_luma``, ``val = (float)(w[d] * p0 * p) * lut[p + p0]``
    with ``p`` the larger of ``p1``, ``p2`` (``p2`` when equal); the value is the largest
    ``val`` (0 if none). Rows are swept by a scan that keeps, per level and column, the
    count over the window's rows. See specs/cambi.md §5.
    """
    h, w = image.shape
    pad = window_size >> 1
    lut = jnp.asarray(RECIPROCAL_LUT)
    img = image.astype(jnp.int32)
    compact = img - band_base
    in_band = (compact >= 0) & (compact < band_size)
    counted = (mask != 0) & in_band
    level_row = jnp.where(counted, compact, band_size)  # band_size: a discard row
    columns = jnp.arange(w)
    hi = jnp.minimum(columns + pad + 1, w)
    lo = jnp.maximum(columns - pad, 0)
    tvi_arr = jnp.asarray(np.asarray(tvi, dtype=np.int32))
    weights = jnp.asarray(np.asarray(CONTRAST_WEIGHTS[:num_diffs], dtype=np.int32))
    offsets = jnp.arange(-num_diffs, num_diffs + 1, dtype=jnp.int32)
    steps = jnp.arange(1, num_diffs + 1, dtype=jnp.int32)

    def add_row(counts, r, sign):
        valid = (r >= 0) & (r < h)
        row = lax.dynamic_index_in_dim(level_row, jnp.clip(r, 0, h - 1), axis=0, keepdims=False)
        return counts.at[row, columns].add(jnp.where(valid, sign, 0))

    counts = jnp.zeros((band_size + 1, w), jnp.int32)
    counts = lax.fori_loop(0, min(pad, h), lambda r, c: add_row(c, r, 1), counts)

    def step(counts, i):
        counts = add_row(counts, i + pad, 1)
        counts = add_row(counts, i - pad - 1, -1)
        prefix = jnp.pad(jnp.cumsum(counts[:band_size], axis=1), ((0, 0), (1, 0)))
        v = lax.dynamic_index_in_dim(img, i, axis=0, keepdims=False)
        cv = lax.dynamic_index_in_dim(compact, i, axis=0, keepdims=False)
        m = lax.dynamic_index_in_dim(mask, i, axis=0, keepdims=False)

        # Counts of the levels v - num_diffs .. v + num_diffs, one row per offset.
        idx = cv[None, :] + offsets[:, None]
        ok = (idx >= 0) & (idx < band_size)
        safe = jnp.clip(idx, 0, band_size - 1)
        counts_near = jnp.where(ok, prefix[safe, hi[None, :]] - prefix[safe, lo[None, :]], 0)
        p0 = counts_near[num_diffs]
        p1 = counts_near[num_diffs + 1:]            # v + d + 1, d = 0 .. num_diffs - 1
        p2 = counts_near[:num_diffs][::-1]          # v - d - 1
        p = jnp.where(p1 > p2, p1, p2)
        val = (weights[:, None] * p0[None, :] * p).astype(jnp.float32) * lut[p + p0[None, :]]
        cond = (v[None, :] <= tvi_arr[:, None]) & (v[None, :] + num_diffs + steps[:, None] > vlt_luma)
        # The C loop keeps the largest val over d (strictly larger replaces): the maximum, 0 if none.
        best = jnp.max(jnp.where(cond, val, jnp.float32(0)), axis=0)
        row_in_band = (cv >= 0) & (cv < band_size)
        return counts, jnp.where((m != 0) & row_in_band, best, jnp.float32(0))

    _, rows = lax.scan(step, counts, jnp.arange(h, dtype=jnp.int32))
    return rows


def _check_window_fits(width: int, height: int, window_size: int) -> None:
    # With a side <= pad, libvmaf's histogram loops read mask and image samples past the
    # scale's frame (stale samples of the larger scale): not reproduced (specs/cambi.md §5).
    pad = window_size >> 1
    if width <= pad or height <= pad:
        raise CambiInputError(f"cambi: a {width}x{height} scale is not wider and taller than half the "
                              f"window ({window_size}); libvmaf reads outside the scale there")


@stage_jit(static_argnames=("window_size", "num_diffs", "tvi", "vlt_luma", "band_base", "band_size",
                             "speedup"))
def _scale_maps(image, *, window_size, num_diffs, tvi, vlt_luma, band_base, band_size, speedup):
    return _scale_maps_impl(image, window_size=window_size, num_diffs=num_diffs, tvi=tvi,
                            vlt_luma=vlt_luma, band_base=band_base, band_size=band_size, speedup=speedup)


def _scale_maps_impl(image, *, window_size, num_diffs, tvi, vlt_luma, band_base, band_size, speedup):
    """The five contrast maps of a preprocessed picture (``cambi_score``, ``cambi.c:1265-1304``)."""
    mask = spatial_mask(image)
    maps = []
    for scale in range(NUM_SCALES):
        if scale > 0 or speedup:
            image, mask = decimate(image), decimate(mask)
        image = mode_filter(image)
        maps.append(c_values(image, mask, window_size=window_size, num_diffs=num_diffs, tvi=tvi,
                             vlt_luma=vlt_luma, band_base=band_base, band_size=band_size))
    return tuple(maps)


# --------------------------------------------------------------------------- pooling

def _quick_select(arr: np.ndarray, k: int) -> None:
    """libvmaf's ``quick_select`` (``cambi.c:1188-1216``) in place, partition by partition.

    Each Hoare partition is done at once: the left scan stops at the values ``<= pivot``, the
    right scan at the values ``>= pivot``, and the m-th stops of each side are swapped while
    they have not crossed, which is the order the C loop swaps them in.
    """
    n = arr.shape[0]
    if n == k:
        return
    left, right = 0, n - 1
    while left < right:
        pivot = arr[k]
        seg = arr[left:right + 1]
        lstops = np.flatnonzero(seg <= pivot) + left            # ascending
        rstops = (np.flatnonzero(seg >= pivot) + left)[::-1]    # descending
        count = min(lstops.size, rstops.size)
        cross = np.flatnonzero(lstops[:count] > rstops[:count])
        m = int(cross[0]) if cross.size else count               # pairs swapped (>= 1: the pivot stops both)
        li, ri = lstops[:m], rstops[:m]
        arr[li], arr[ri] = arr[ri].copy(), arr[li].copy()
        i, j = int(li[-1]) + 1, int(ri[-1]) - 1
        if i <= j:
            # one more pair of scans, which cross: the left one stops at the next left stop or
            # at the last swapped right position, the right one likewise.
            i = min(int(lstops[m]), int(ri[-1])) if m < lstops.size else int(ri[-1])
            j = max(int(rstops[m]), int(li[-1])) if m < rstops.size else int(li[-1])
        if j < k:
            left = i
        if k < i:
            right = j


def spatial_pooling(values, topk: float) -> float:
    """Mean of the ``topk`` share of largest values (``spatial_pooling``, ``cambi.c:1180-1223``).

    ``clip((int)(topk * n), 1, n)`` values, summed in double in the order libvmaf's quick
    select leaves them, divided by their count: libvmaf's double. numpy, on the host.
    """
    arr = np.array(values, dtype=np.float32).reshape(-1)
    n = arr.size
    k = min(max(int(topk * n), 1), n)
    _quick_select(arr, k)
    total = np.add.accumulate(arr[:k].astype(np.float64))[-1]
    return float(total) / k


def _weight_scores(scores) -> float:
    """``weight_scores_per_scale`` without the division (``cambi.c:1231-1237``)."""
    total = 0.0
    for s, weight in zip(scores, SCALE_WEIGHTS):
        total += s * weight
    return total


def cambi_frame_score(plane, *, bitdepth: int, constants: CambiConstants, source: bool = False,
                      jit: bool = True) -> float:
    """The CAMBI score of one luma plane (``preprocess_and_extract_cambi``, ``cambi.c:1311-1336``).

    ``source`` scores it as the full-reference source (source resolution and window).
    """
    c = constants
    width, height = (c.src_width, c.src_height) if source else (c.enc_width, c.enc_height)
    window = c.src_window_size if source else c.window_size
    w, h = width, height
    for scale in range(NUM_SCALES):
        if scale > 0 or c.high_res_speedup:
            w, h = (w + 1) >> 1, (h + 1) >> 1
        _check_window_fits(w, h, window)
    image = preprocess(plane, bitdepth=bitdepth, width=width, height=height, enc_bitdepth=c.enc_bitdepth)
    kwargs = dict(window_size=window, num_diffs=c.num_diffs, tvi=c.tvi, vlt_luma=c.vlt_luma,
                  band_base=c.band_base, band_size=c.band_size, speedup=c.high_res_speedup)
    maps = (_scale_maps if jit else _scale_maps_impl)(image, **kwargs)
    scores = [spatial_pooling(np.asarray(m), c.topk) for m in maps]
    pixels = ((2 * (window >> 1) + 1) ** 2) & 0xFFFF
    return _weight_scores(scores) / pixels


def _c_min(a: float, b: float) -> float:
    return a if a < b else b


class CambiExtractor(FeatureExtractor):
    """Streaming ``cambi`` (``cambi.c``): the distorted frame's banding, and with ``full_ref``
    the reference's and their difference. See specs/cambi.md §7.

    ``heatmaps_path`` (files of the per-scale maps) is not supported and refused.
    """

    name = "cambi"
    frame_independent = True
    options = {
        "cambi_max_val": OptionSpec("cambi_max_val", 1000.0, float, alias="cmxv", feature_param=True, minimum=0.0,
                                    maximum=1000.0, reference="cambi.c:155-165"),
        "enc_width": OptionSpec("enc_width", 0, int, alias="encw", feature_param=True, minimum=180, maximum=7680,
                                reference="cambi.c:166-176"),
        "enc_height": OptionSpec("enc_height", 0, int, alias="ench", feature_param=True, minimum=150, maximum=7680,
                                 reference="cambi.c:177-187"),
        "enc_bitdepth": OptionSpec("enc_bitdepth", 0, int, alias="encbd", feature_param=True, minimum=6,
                                   maximum=16, reference="cambi.c:188-198"),
        "src_width": OptionSpec("src_width", 0, int, alias="srcw", feature_param=True, minimum=320, maximum=7680,
                                reference="cambi.c:199-209"),
        "src_height": OptionSpec("src_height", 0, int, alias="srch", feature_param=True, minimum=200,
                                 maximum=4320, reference="cambi.c:210-220"),
        "window_size": OptionSpec("window_size", 65, int, alias="ws", feature_param=True, minimum=15, maximum=127,
                                  reference="cambi.c:221-231"),
        "topk": OptionSpec("topk", 0.6, float, feature_param=True, minimum=0.0001, maximum=1.0,
                           reference="cambi.c:232-241"),
        "cambi_topk": OptionSpec("cambi_topk", 0.6, float, alias="ctpk", feature_param=True, minimum=0.0001,
                                 maximum=1.0, reference="cambi.c:242-252"),
        "tvi_threshold": OptionSpec("tvi_threshold", 0.019, float, alias="tvit", feature_param=True,
                                    minimum=0.0001, maximum=1.0, reference="cambi.c:253-263"),
        "cambi_vis_lum_threshold": OptionSpec("cambi_vis_lum_threshold", 0.0, float, alias="vlt",
                                              feature_param=True, minimum=0.0, maximum=300.0,
                                              reference="cambi.c:264-274"),
        "max_log_contrast": OptionSpec("max_log_contrast", 2, int, alias="mlc", feature_param=True, minimum=0,
                                       maximum=5, reference="cambi.c:275-287"),
        "heatmaps_path": OptionSpec("heatmaps_path", None, str, reference="cambi.c:288-294"),
        "full_ref": OptionSpec("full_ref", False, bool, reference="cambi.c:295-301"),
        "eotf": OptionSpec("eotf", "bt1886", str, feature_param=True, reference="cambi.c:302-309"),
        "cambi_eotf": OptionSpec("cambi_eotf", "bt1886", str, alias="ceot", feature_param=True,
                                 reference="cambi.c:310-318"),
        "cambi_high_res_speedup": OptionSpec("cambi_high_res_speedup", 0, int, alias="hrs", feature_param=True,
                                             minimum=0, maximum=2160, reference="cambi.c:319-331"),
    }

    def __init__(self, *, width: int, height: int, bitdepth: int, jit: bool = True, **options: Any):
        super().__init__(width=width, height=height, bitdepth=bitdepth, **options)
        if self.values["heatmaps_path"] is not None:
            raise CambiInputError("cambi: heatmaps_path is not supported (the heat maps are not written)")
        if not 1 <= self.bitdepth <= 16:
            raise CambiInputError(f"cambi: bit depth {self.bitdepth} out of range")
        self.constants = cambi_constants(self.width, self.height, self.bitdepth, **self.values)
        self.jit = bool(jit)
        self.key = feature_key("Cambi_feature_cambi_score", self.feature_params)

    def extract(self, index: int, ref: np.ndarray, dis: np.ndarray) -> FrameValues:
        c = self.constants
        dist = cambi_frame_score(dis, bitdepth=self.bitdepth, constants=c, jit=self.jit)
        out = {self.key: _c_min(dist, c.cambi_max_val)}
        if c.full_ref:
            src = cambi_frame_score(ref, bitdepth=self.bitdepth, constants=c, source=True, jit=self.jit)
            out["cambi_source"] = _c_min(src, c.cambi_max_val)
            diff = dist - src
            out["cambi_full_reference"] = _c_min(0.0 if 0 > diff else diff, c.cambi_max_val)
        return {index: out}
