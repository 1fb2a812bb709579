"""libvmaf's fixed-point ADM (``integer_adm``), bit for bit, in JAX.

The additive distortion measure on four scales of a db2 DWT: decoupling of the distorted
bands into a restored and an additive part, a contrast sensitivity weighting, contrast
masking against the additive part and cube-root pooling, with the integer widths,
rounding shifts, reciprocal table and float/double steps of libvmaf's ``integer_adm.c`` /
``integer_adm.h`` at commit f85a8536. See specs/integer_adm.md.

The integer work is pure JAX (:func:`adm_accumulators`: jit-able, vmap-able over a leading
frame axis, run under :func:`vmafref._x64.x64`) and ends in a few integer sums per scale;
:func:`adm_scores` turns those into libvmaf's doubles with the C code's float / double
types and order (``powf`` from the C math library, as libvmaf calls it).

Reference: S. Li, F. Zhang, L. Ma and K. N. Ngan, "Image quality assessment by separately evaluating
detail losses and additive impairments", IEEE Trans. Multimedia 13(5):935-949, 2011,
doi:10.1109/TMM.2011.2152382.
"""

from __future__ import annotations

import ctypes
import dataclasses
import functools
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax._src.core import Tracer

from vmafref._clib import c_function
from vmafref._x64 import x64
from vmafref.features._compiled import stack
from vmafref.feature_names import feature_key
from vmafref.features.extractor import FeatureExtractor, FrameValues, OptionSpec
from vmafref.features._compiled import device_array, fenced, jit as stage_jit, opaque_one

__all__ = [
    "ADM_MIN_SIZE",
    "AdmConfig",
    "AdmInputError",
    "IntegerAdmExtractor",
    "adm_accumulators",
    "adm_scores",
    "integer_adm",
    "SIMD_LANES",
    "simd_tail_scale",
]

#: Smallest width and height for which libvmaf's DWT index table never points outside the
#: plane: every scale's input needs ``(n + 1) // 2 >= 3``, i.e. n >= 5 at scale 3, so
#: n >= 33 at scale 0 (``integer_adm.c:732-753``). See specs/integer_adm.md §2.
ADM_MIN_SIZE = 33

#: Outputs per vector in the horizontal pass of libvmaf's SIMD ``adm_dwt2_s123_combined``
#: (``x86/adm_avx2.c:3173,3387``, ``x86/adm_avx512.c:2584,2772``). See specs/integer_adm.md §9.
SIMD_LANES = {"avx2": 4, "avx512": 8}


def simd_tail_scale(width: int, kernel: str) -> int | None:
    """The first scale whose keys libvmaf's SIMD integer ADM (``kernel`` "avx2" or "avx512")
    gets differently from its C code at this frame width, or ``None`` where they agree.

    The SIMD horizontal pass of scales 1-3 runs its vectors over outputs ``1 ..
    half_w_mod`` with ``half_w_mod = hw - ((hw - 1) % lanes)`` (``hw`` the band width). When
    ``(hw - 1) % lanes == 0`` the last vector also computes the band's last column, which
    needs mirrored input columns, from the columns past the row instead: the next temporary
    row (``tmphi_ref`` after ``tmplo_ref``, ...) or, for the distorted h and d bands, memory
    the C code never reads. That column enters the scale's sums when the score region's
    border is at most one sample (``left <= 1``); otherwise it first shows at the next scale,
    through the approximation band. Checked against libvmaf f85a8536 at every recorded
    golden width and a sweep of widths 36-145 (specs/integer_adm.md §9). vmafref computes the
    C code at every width.
    """
    lanes = SIMD_LANES[kernel]
    bands = _band_sizes(int(width), 1)
    for scale in (1, 2, 3):
        band_width = bands[scale][0]
        if (band_width - 1) % lanes == 0:
            left = int(band_width * _BORDER_FACTOR - 0.5)
            return scale if left <= 1 or scale == 3 else scale + 1
    return None


#: db2 analysis filters in Q15 and the low-pass sum (``integer_adm.h:124-127``).
DB2_LO = (15826, 27411, 7345, -4240)
DB2_HI = (-4240, -7345, 27411, -15826)
DB2_LO_SUM = 46342

#: Watson et al. 1997 luma model and basis amplitudes (``integer_adm.h:173-194``).
_WATSON_Y = {"a": 0.495, "k": 0.466, "f0": 0.401, "g": (1.501, 1.0, 0.534, 1.0)}
_BASIS_AMPLITUDES = (
    (0.62171, 0.67234, 0.72709, 0.67234),
    (0.34537, 0.41317, 0.49428, 0.41317),
    (0.18004, 0.22727, 0.28688, 0.22727),
    (0.091401, 0.11792, 0.15214, 0.11792),
    (0.045943, 0.059758, 0.077727, 0.059758),
    (0.023013, 0.030018, 0.039156, 0.030018),
)

#: Scale-0 CSF factors hard-coded for 3 x 1080 viewing (``integer_adm.c:1121-1126``).
_I_RFACTOR_3H_1080 = (36453, 36453, 49417)

DEFAULT_ENHN_GAIN_LIMIT = 100.0
DEFAULT_NORM_VIEW_DIST = 3.0
DEFAULT_REF_DISPLAY_HEIGHT = 1080
DEFAULT_NOISE_WEIGHT = 0.03125
_BORDER_FACTOR = 0.1
_F32 = np.float32

#: ``enum ADM_CSF_MODE`` (``integer_adm.h:105-110``).
CSF_MODE_WATSON97 = 0
CSF_MODE_BARTEN = 1
CSF_MODE_BARTEN_WATSON_BLEND = 2
CSF_MODE_BARTEN_WATSON_BLEND_MAE = 3

#: Barten CSF parameters of HDR-VDP 2.2.1 (``barten_csf_tools.h:39-52``), float in C.
_BARTEN_ANCHORS = (0.002, 0.02, 0.2, 2, 20, 150)
_BARTEN_PARAMS = (
    (0.0160737, 0.991265, 3.74038, 0.50722, 4.46044),
    (0.383873, 0.800889, 3.54104, 0.682505, 4.94958),
    (0.929301, 0.476505, 4.37453, 0.750315, 5.28678),
    (1.29776, 0.405782, 4.40602, 0.935314, 5.61425),
    (1.49222, 0.334278, 3.79542, 1.07327, 6.4635),
    (1.46213, 0.394533, 2.7755, 1.16577, 7.45665),
)
_BARTEN_SA = (30.162, 4.0627, 1.6596, 0.2712)
_BARTEN_MTF_A = (0.424838596301290, 0.572435103936480, 0.000167576239164937, 0.00255872352306433)
_BARTEN_MTF_B = (0.028, 0.37, 37, 360)
#: ``DEFAULT_ADM_CSF_LUM`` (``integer_adm.h:119``), cd/m^2.
_CSF_LUM = 100.0

#: Blended Barten/Watson CSF factors [theta][scale] by (display height, viewing distance)
#: (``barten_csf_tools.h:130-216``): mode 2 the legacy tables, mode 3 the ``_MAE`` ones.
#: 2160 at 1.5H reads the 1080/3H table (``:225-227``, ``:255-257``).
_BLEND = {
    CSF_MODE_BARTEN_WATSON_BLEND: {
        (1080, 3.0): ((0.01183, 0.025026, 0.04295, 0.058621), (0.004302, 0.011778, 0.023918, 0.035901)),
        (1080, 5.0): ((0.004212, 0.014809, 0.029642, 0.047464), (0.000984, 0.005852, 0.0146, 0.027574)),
        (2160, 3.0): ((0.00226, 0.01183, 0.025026, 0.04295), (0.000479, 0.004302, 0.011778, 0.023918)),
        (2160, 5.0): ((0.000092, 0.004212, 0.014809, 0.029642), (0.000050, 0.000984, 0.005852, 0.0146)),
        (720, 3.0): ((0.018715, 0.035637, 0.052798, 0.061509), (0.007999, 0.018396, 0.031851, 0.037718)),
        (720, 5.0): ((0.010144, 0.022561, 0.040309, 0.05672), (0.003463, 0.010282, 0.021839, 0.034641)),
        (480, 3.0): ((0.027961, 0.045875, 0.060275, 0.056234), (0.013572, 0.026277, 0.036959, 0.034511)),
        (480, 5.0): ((0.016781, 0.032822, 0.05032, 0.061594), (0.00691, 0.016545, 0.029917, 0.037777)),
    },
    CSF_MODE_BARTEN_WATSON_BLEND_MAE: {
        (1080, 3.0): ((0.011249, 0.022606, 0.035930, 0.045673), (0.004097, 0.010921, 0.021430, 0.031313)),
        (1080, 5.0): ((0.004052, 0.013939, 0.026298, 0.038833), (0.000927, 0.005544, 0.013415, 0.024515)),
        (2160, 3.0): ((0.002166, 0.011249, 0.022606, 0.035930), (0.000447, 0.004097, 0.010921, 0.021430)),
        (2160, 5.0): ((0.000077, 0.004052, 0.013939, 0.026298), (0.000045, 0.000927, 0.005544, 0.013415)),
        (720, 3.0): ((0.017329, 0.030870, 0.042134, 0.047410), (0.007509, 0.016707, 0.028072, 0.032722)),
        (720, 5.0): ((0.009689, 0.020577, 0.034162, 0.044523), (0.003302, 0.009579, 0.019661, 0.030318)),
        (480, 3.0): ((0.024969, 0.037825, 0.046676, 0.043974), (0.012511, 0.023424, 0.032139, 0.030166)),
        (480, 5.0): ((0.015665, 0.028766, 0.040612, 0.047483), (0.006514, 0.015107, 0.026476, 0.032776)),
    },
}
_BLEND_VIEWS = tuple(_BLEND[CSF_MODE_BARTEN_WATSON_BLEND]) + ((2160, 1.5),)


def _blend_table(mode: int, nvd: float, rdh: int):
    """The blended CSF table libvmaf's exact-equality chain picks, or None (``-EINVAL``)."""
    if (rdh, nvd) == (2160, 1.5):
        rdh, nvd = 1080, 3.0
    return _BLEND[mode].get((rdh, nvd))


class AdmInputError(ValueError):
    """Input that libvmaf's ADM cannot score with a defined result."""


# --------------------------------------------------------------------------------------
# Static parameters (Python / numpy, mirroring the C float and double types)
# --------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class AdmConfig:
    """Numeric ADM options (hashable: a static argument of the jitted functions).

    See specs/integer_adm.md §7 for each option and its libvmaf declaration.
    """

    enhn_gain_limit: float = DEFAULT_ENHN_GAIN_LIMIT
    norm_view_dist: float = DEFAULT_NORM_VIEW_DIST
    ref_display_height: int = DEFAULT_REF_DISPLAY_HEIGHT
    noise_weight: float = DEFAULT_NOISE_WEIGHT
    skip_scale0: bool = False
    skip_aim: bool = False
    csf_mode: int = CSF_MODE_WATSON97
    csf_scale: float = 1.0
    csf_diag_scale: float = 1.0

    def __post_init__(self):
        if self.csf_mode not in (CSF_MODE_WATSON97, CSF_MODE_BARTEN, CSF_MODE_BARTEN_WATSON_BLEND,
                                 CSF_MODE_BARTEN_WATSON_BLEND_MAE):
            raise ValueError(f"adm_csf_mode must be 0, 1, 2 or 3, got {self.csf_mode}")
        if self.csf_mode in (CSF_MODE_BARTEN_WATSON_BLEND, CSF_MODE_BARTEN_WATSON_BLEND_MAE) and \
                _blend_table(self.csf_mode, self.norm_view_dist, self.ref_display_height) is None:
            # barten_csf_tools.h:218-272 returns -EINVAL as the factor: a negative CSF weight.
            raise ValueError(
                f"adm_csf_mode={self.csf_mode} has CSF tables only for (adm_ref_display_height, adm_norm_view_dist) "
                f"in {sorted(_BLEND_VIEWS)}, got ({self.ref_display_height}, {self.norm_view_dist})")
        if self.csf_mode == CSF_MODE_BARTEN:
            # integer_adm.c:1128-1131 and :1233-1236 convert the factors to uint16 (Q21/Q23) and
            # uint32 (Q32); a factor beyond those ranges is an out-of-range conversion (undefined in C).
            for scale in range(4):
                f1, _, f2 = _rfactors(scale, self)
                limits = (2.0**-5, 2.0**-7) if scale == 0 else (1.0, 1.0)
                if not (0.0 <= f1 < limits[0] and 0.0 <= f2 < limits[1]):
                    raise ValueError(
                        f"adm_csf_mode=1 (Barten) gives scale-{scale} CSF factors {float(f1)}, {float(f2)} that "
                        "libvmaf's fixed-point conversion cannot hold (undefined in C); lower adm_csf_scale / "
                        "adm_csf_diag_scale")
        if not 1.0 <= self.enhn_gain_limit <= 100.0:
            raise ValueError(f"adm_enhn_gain_limit must be in [1, 100], got {self.enhn_gain_limit}")
        if self.norm_view_dist * self.ref_display_height < DEFAULT_NORM_VIEW_DIST * DEFAULT_REF_DISPLAY_HEIGHT:
            # integer_adm.c:3183-3188 returns EINVAL: the 16-bit pipeline cannot hold it.
            raise ValueError(
                "adm_norm_view_dist * adm_ref_display_height must be >= 3 * 1080 for the fixed-point ADM, "
                f"got {self.norm_view_dist} * {self.ref_display_height}")


def _dwt_quant_step(scale: int, theta: int, nvd: float, rdh: int) -> np.float32:
    """``dwt_quant_step`` (``integer_adm.c:235-249``) with its float/double mix."""
    r = _F32(nvd * rdh * math.pi / 180.0)
    temp = _F32(math.log10(math.pow(2.0, scale + 1) * float(_F32(_WATSON_Y["f0"]))
                           * float(_F32(_WATSON_Y["g"][theta])) / float(r)))
    k = _F32(_WATSON_Y["k"])
    exponent = (k * temp) * temp  # float * float in C
    q = 2.0 * float(_F32(_WATSON_Y["a"])) * math.pow(10.0, float(exponent)) / float(_F32(_BASIS_AMPLITUDES[scale][theta]))
    return _F32(q)


def _linear_interpolate(lp, lv, rp, rv, sp) -> np.float32:
    """``linear_interpolate`` (``barten_csf_tools.h:28-32``), all float."""
    lp, lv, rp, rv, sp = (_F32(x) for x in (lp, lv, rp, rv, sp))
    return lv + ((rv - lv) / (rp - lp)) * (sp - lp)


def _barten_csf(scale: int, nvd: float, rdh: int, lum: float, csf_scale: float) -> np.float32:
    """``barten_csf`` (``barten_csf_tools.h:80-128``) with its float/double mix.

    Every ``pow``/``exp``/``log10`` is the C library's double function (Python's ``math``);
    a float variable rounds its double right-hand side once.
    """
    r = _F32(nvd * rdh * math.pi / 180.0)
    sf = _F32(float(r) / math.pow(2, scale + 1))
    anchors = [float(_F32(a)) for a in _BARTEN_ANCHORS]
    clamped = anchors[5] if lum > anchors[5] else (anchors[0] if lum < anchors[0] else lum)  # CLAMP
    left = right = 0
    for i in range(5):
        if anchors[i] <= clamped <= anchors[i + 1]:
            left, right = i, i + 1
            break
    lpos = _F32(math.log10(anchors[left]))
    rpos = _F32(math.log10(anchors[right]))
    spos = _F32(math.log10(clamped))
    p = [_linear_interpolate(lpos, _BARTEN_PARAMS[left][k], rpos, _BARTEN_PARAMS[right][k], spos)
         for k in range(1, 5)]
    a = _F32(1.0 + math.pow(float(p[0] * sf), float(p[1])))
    b = _F32(1.0 / math.pow(1 - math.exp(-math.pow(float(sf / _F32(7)), 2)), float(p[2])))
    csf = _F32(float(p[3]) / math.pow(float(a * b), 0.5))
    mtf = _F32(0.0)
    for ai, bi in zip(_BARTEN_MTF_A, _BARTEN_MTF_B):
        mtf = _F32(float(mtf) + float(_F32(ai)) * math.exp(float(-_F32(bi) * sf)))
    lum_f = _F32(lum)  # barten_rod_cone_sens takes a float
    sa = [_F32(x) for x in _BARTEN_SA]
    rod = _F32(float(sa[0]) * math.pow(math.pow(float(sa[1] / lum_f), float(sa[2])) + 1, float(-sa[3])))
    return _F32(float(csf * mtf * rod) * csf_scale)


def _rfactors(scale: int, config: AdmConfig) -> tuple[np.float32, np.float32, np.float32]:
    """CSF factors (h, v, d) of one scale by ``adm_csf_mode`` (``integer_adm.c:1097-1112``).

    Watson 1997 (mode 0): 1 / Q(scale, theta); Barten (1): ``barten_csf`` with the CSF scale
    (h, v) and diagonal scale (d); blends (2, 3): table values. See specs/integer_adm.md §5.
    """
    nvd, rdh = config.norm_view_dist, config.ref_display_height
    if config.csf_mode == CSF_MODE_BARTEN:
        f1 = _barten_csf(scale, nvd, rdh, _CSF_LUM, config.csf_scale)
        f2 = _barten_csf(scale, nvd, rdh, _CSF_LUM, config.csf_diag_scale)
    elif config.csf_mode in (CSF_MODE_BARTEN_WATSON_BLEND, CSF_MODE_BARTEN_WATSON_BLEND_MAE):
        table = _blend_table(config.csf_mode, nvd, rdh)
        f1, f2 = _F32(table[0][scale]), _F32(table[1][scale])
    else:
        f1 = _F32(1.0) / _dwt_quant_step(scale, 1, nvd, rdh)
        f2 = _F32(1.0) / _dwt_quant_step(scale, 2, nvd, rdh)
    return (f1, f1, f2)


def _scale0_i_rfactor(config: AdmConfig) -> tuple[int, int, int]:
    """Scale-0 Q21/Q21/Q23 CSF factors (``integer_adm.c:1120-1133``)."""
    if abs(config.norm_view_dist * config.ref_display_height - 3.0 * 1080) < 1.0e-8 and \
            config.csf_mode == CSF_MODE_WATSON97:
        return _I_RFACTOR_3H_1080
    rf = _rfactors(0, config)
    return (int(float(rf[0]) * 2.0**21) & 0xFFFF, int(float(rf[1]) * 2.0**21) & 0xFFFF,
            int(float(rf[2]) * 2.0**23) & 0xFFFF)


def _s123_i_rfactor(scale: int, config: AdmConfig) -> tuple[int, int, int]:
    """Scales 1-3 CSF factors ``(uint32)(rfactor * 2^32)`` (``integer_adm.c:1233-1236``)."""
    return tuple(int(float(f) * 2.0**32) & 0xFFFFFFFF for f in _rfactors(scale, config))


def _region(w: int, h: int) -> tuple[int, int, int, int]:
    """Border-trimmed score region (top, bottom, left, right) of a band (``:1586-1589``)."""
    left = int(w * _BORDER_FACTOR - 0.5)
    top = int(h * _BORDER_FACTOR - 0.5)
    return top, h - top, left, w - left


def _ceil_log2(n: float) -> int:
    return int(math.ceil(math.log2(n)))


def _band_sizes(width: int, height: int) -> list[tuple[int, int]]:
    """(w, h) of the bands of each scale: ceil-halving (``integer_adm.c:2917``)."""
    sizes = []
    w, h = width, height
    for _ in range(4):
        w, h = (w + 1) // 2, (h + 1) // 2
        sizes.append((w, h))
    return sizes


# --------------------------------------------------------------------------------------
# Integer stages (JAX)
# --------------------------------------------------------------------------------------

def _stage(*static):
    """jit one pipeline stage (static geometry and options).

    The stages are compiled separately on purpose: in one program XLA fuses a stage into
    each shifted slice of the 3x3 threshold sum and recomputes it there (measured: ~70 s
    compile and ~10x run time at 1080p). See specs/integer_adm.md §8.
    """
    return functools.partial(stage_jit, static_argnames=static)


def _wrap16(x):
    """C's conversion to int16 (two's-complement wrap), kept in an int32 array."""
    return x.astype(jnp.int16).astype(jnp.int32)


def _dwt_taps(x, axis: int):
    """The four inputs of each db2 output along ``axis`` (see specs/integer_adm.md §2).

    Output i reads inputs 2i-1 .. 2i+2; index -1 reads 1 (reflect-101) and index n + k reads
    n - 1 - k (edge repeated), as ``dwt2_src_indices_filt`` builds them.
    """
    axis = axis % x.ndim
    n = x.shape[axis]
    half = (n + 1) // 2

    def take(lo, hi):
        return jax.lax.slice_in_dim(x, lo, hi, axis=axis)

    padded = jnp.concatenate([take(1, 2), x, take(n - 1, n), take(n - 2, n - 1)], axis=axis)
    return [jax.lax.slice_in_dim(padded, k, k + 2 * half - 1, stride=2, axis=axis) for k in range(4)]


def _fir(taps, coeffs):
    acc = taps[0] * coeffs[0]
    for c, t in zip(coeffs[1:], taps[1:]):
        acc = acc + t * c
    return acc


@_stage("bitdepth", "lo_only")
def _dwt_scale0(img, bitdepth: int, lo_only: bool = False):
    """Scale-0 DWT of a uint8/uint16 plane into int16 bands (``:2362-2458, 2580-2675``).

    The bands and the vertical pass's rows are kept as int16, C's types, which halves the
    bytes the stages write and read; consumers widen them as they read them.
    """
    add_vp = 1 << (bitdepth - 1)

    def vertical(img):
        # The taps are padded in the input's own type and widened as they are read: padding a
        # widened copy wrote the whole plane as int32 first.
        taps = [t.astype(jnp.int32) for t in _dwt_taps(img, -2)]
        # int32 accumulators wrap as C's do (only possible at 16 bits).
        lo = ((_fir(taps, DB2_LO) - DB2_LO_SUM * add_vp + add_vp) >> bitdepth).astype(jnp.int16)
        if lo_only:
            return lo, None
        return lo, ((_fir(taps, DB2_HI) + add_vp) >> bitdepth).astype(jnp.int16)

    # The vertical rows are buffers of their own (fenced): XLA otherwise fused the vertical
    # pass into the horizontal pass's taps and recomputed it (specs/integer_adm.md §8).
    lo, hi = fenced(vertical, opaque_one(img), img)
    bands = {}
    htaps = [t.astype(jnp.int32) for t in _dwt_taps(lo, -1)]
    bands["a"] = ((_fir(htaps, DB2_LO) + 32768) >> 16).astype(jnp.int16)
    if lo_only:
        return bands
    bands["v"] = ((_fir(htaps, DB2_HI) + 32768) >> 16).astype(jnp.int16)
    htaps = [t.astype(jnp.int32) for t in _dwt_taps(hi, -1)]
    bands["h"] = ((_fir(htaps, DB2_LO) + 32768) >> 16).astype(jnp.int16)
    bands["d"] = ((_fir(htaps, DB2_HI) + 32768) >> 16).astype(jnp.int16)
    return bands


#: Rounding add and shift of the vertical and horizontal passes at scales 1-3 (``:2689-2692``).
_S123_VP = ((0, 0), (32768, 16), (32768, 16))
_S123_HP = ((16384, 15), (32768, 16), (16384, 15))


@_stage("scale")
def _dwt_s123(a, scale: int):
    """Scales 1-3 DWT of the previous int32 LL band (``adm_dwt2_s123_combined``, ``:2677-2838``)."""
    add_vp, shift_vp = _S123_VP[scale - 1]
    add_hp, shift_hp = _S123_HP[scale - 1]
    def vertical(a):
        taps = [t.astype(jnp.int64) for t in _dwt_taps(a, -2)]  # padded narrow, widened as read
        return tuple(((_fir(taps, coeffs) + add_vp) >> shift_vp).astype(jnp.int32) for coeffs in (DB2_LO, DB2_HI))

    def hpass(x, coeffs):
        t = [t.astype(jnp.int64) for t in _dwt_taps(x, -1)]
        return ((_fir(t, coeffs) + add_hp) >> shift_hp).astype(jnp.int32)

    lo, hi = fenced(vertical, opaque_one(a), a)  # buffers of their own, as at scale 0
    return {"a": hpass(lo, DB2_LO), "v": hpass(lo, DB2_HI), "h": hpass(hi, DB2_LO), "d": hpass(hi, DB2_HI)}


@functools.cache
def _div_lookup_np() -> np.ndarray:
    """``div_lookup[32768 + i] = 2^30 / i``, ``div_lookup[32768 - i] = -(2^30 / i)`` (``integer_adm.h:11-20``)."""
    i = np.arange(1, 32769, dtype=np.int64)
    recip = ((1 << 30) // i).astype(np.int32)
    table = np.zeros(65537, np.int32)
    table[32768 + i] = recip
    table[32768 - i] = -recip
    return table


def _div_lookup():
    return jnp.asarray(_div_lookup_np())


_COS_1DEG_SQ = float(np.float32(math.cos(1.0 * math.pi / 180.0) * math.cos(1.0 * math.pi / 180.0)))


def _angle_flag(oh, ov, th, tv, *, int16_bands: bool = False):
    """Whether (oh, ov) and (th, tv) are within 1 degree, in C's float/double (``:861-871``).

    C forms ``a*b + c*d`` in int64 and converts it to float. With ``int16_bands`` (scale 0,
    every value within int16) each product fits int32 (``|a*b| <= 2^30``) and their sum is
    formed exactly in float64 instead (``|sum| <= 2^31 < 2^53``); float64 to float32 rounds
    the same exact value as int64 to float32 does. See specs/integer_adm.md §8.
    """
    if int16_bands:
        oh, ov, th, tv = (x.astype(jnp.int32) for x in (oh, ov, th, tv))

        def dot(a, b, c, d):
            return (a * b).astype(jnp.float64) + (c * d).astype(jnp.float64)
    else:
        oh, ov, th, tv = (x.astype(jnp.int64) for x in (oh, ov, th, tv))

        def dot(a, b, c, d):
            return a * b + c * d
    ot_dp = dot(oh, th, ov, tv)
    o_mag_sq = dot(oh, oh, ov, ov)
    t_mag_sq = dot(th, th, tv, tv)

    def as_double(v):  # (float)v / 4096.0, a double
        return v.astype(jnp.float32).astype(jnp.float64) / 4096.0

    ot = as_double(ot_dp)
    return (ot >= 0.0) & (ot * ot >= (_COS_1DEG_SQ * as_double(o_mag_sq)) * as_double(t_mag_sq))


def _apply_gain_limit(rst, k, o, t, angle, egl: float):
    """Enhancement gain limit on the restored band (``:900-907``), in double as C does."""
    positive = angle & (k > 0) & (o > 0)
    negative = angle & (k > 0) & (o < 0)
    if float(egl).is_integer():
        scaled = rst.astype(jnp.int64) * int(egl)
        t64 = t.astype(jnp.int64)
        limited = jnp.where(positive, jnp.minimum(scaled, t64), jnp.where(negative, jnp.maximum(scaled, t64), rst))
        return limited.astype(rst.dtype)
    scaled = rst.astype(jnp.float64) * egl
    tf = t.astype(jnp.float64)
    limited = jnp.where(positive, jnp.minimum(scaled, tf), jnp.maximum(scaled, tf))
    return jnp.where(positive | negative, limited.astype(jnp.int64).astype(rst.dtype), rst)


def _decouple_s0(ref, dis, egl: float):
    """Scale-0 decoupling (``adm_decouple``, ``:799-918``) in int32.

    k = clamp(round(div_lookup[o] * t / 2^15), 0, 2^15) with div_lookup[o] = sign(o) *
    floor(2^30 / |o|); the 45-bit product is split so that int32 holds every term exactly.
    """
    # The angle test and the restored bands are computed once each, into buffers of their own
    # (fenced): XLA otherwise recomputes the angle test in all six outputs and each band in two.
    trip = opaque_one(ref["h"])
    angle = fenced(functools.partial(_angle_flag, int16_bands=True), trip, ref["h"], ref["v"], dis["h"], dis["v"])

    def restore(ref, dis, angle):
        restored = {}
        for band in "hvd":
            o, t = ref[band], dis[band]
            recip = jnp.take(_div_lookup(), o + 32768, mode="clip")
            hi, lo = recip >> 15, recip & 0x7FFF
            tmp_k = hi * t + ((lo * t + 16384) >> 15)
            k = jnp.where(o == 0, 32768, jnp.clip(tmp_k, 0, 32768))
            rst = (k * o + 16384) >> 15
            rst = _apply_gain_limit(rst, k, o, t, angle, egl)
            # int16 as in C (``adm_dwt_band_t``): |rst| <= |o| < 2^15 before the gain limit, and
            # the limit keeps it within |t|.
            restored[band] = rst.astype(jnp.int16)
        return restored

    restored = fenced(restore, trip, ref, dis, angle)
    additive = {band: (dis[band] - restored[band]).astype(jnp.int16) for band in "hvd"}
    return restored, additive


def _decouple_s123(ref, dis, egl: float):
    """Scales 1-3 decoupling (``adm_decouple_s123``, ``:929-1071``) in int64."""
    trip = opaque_one(ref["h"])  # computed once each, as at scale 0
    angle = fenced(_angle_flag, trip, ref["h"], ref["v"], dis["h"], dis["v"])

    def restore(ref, dis, angle):
        restored = {}
        for band in "hvd":
            o, t = ref[band], dis[band]
            abs_o = jnp.abs(o)
            # get_best15_from32: keep the 15 leading bits of |o| >= 2^15, rounded.
            shift = jnp.where(abs_o < 32768, 0, 17 - jax.lax.clz(abs_o))
            shift_m1 = jnp.maximum(shift - 1, 0)
            msb = jnp.where(abs_o < 32768, abs_o, (abs_o + (1 << shift_m1)) >> shift)
            recip = jnp.take(_div_lookup(), msb + 32768, mode="clip").astype(jnp.int64)
            sign = jnp.where(o < 0, -1, 1).astype(jnp.int64)
            shift64 = shift.astype(jnp.int64)
            tmp_k = ((recip * t.astype(jnp.int64)) * sign + (jnp.int64(1) << (14 + shift64))) >> (15 + shift64)
            k = jnp.where(o == 0, 32768, jnp.clip(tmp_k, 0, 32768))
            rst = ((k * o.astype(jnp.int64) + 16384) >> 15).astype(jnp.int32)
            restored[band] = _apply_gain_limit(rst, k, o, t, angle, egl)
        return restored

    restored = fenced(restore, trip, ref, dis, angle)
    additive = {band: dis[band] - restored[band] for band in "hvd"}
    return restored, additive


def _window(x, top: int, bottom: int, left: int, right: int):
    """Rows top-1..bottom and columns left-1..right of a band, the CM neighbourhood.

    Outside the band, index -1 reads 1 and index n reads n - 1, as the ``ADM_CM_THRESH_S_*``
    macros do (``integer_adm.c:251-468``). See specs/integer_adm.md §5.
    """
    h, w = x.shape[-2], x.shape[-1]
    parts = []
    if top == 0:
        parts.append(x[..., 1:2, :])
    parts.append(x[..., max(top - 1, 0):min(bottom + 1, h), :])
    if bottom == h:
        parts.append(x[..., h - 1:h, :])
    x = jnp.concatenate(parts, axis=-2) if len(parts) > 1 else parts[0]
    parts = []
    if left == 0:
        parts.append(x[..., :, 1:2])
    parts.append(x[..., :, max(left - 1, 0):min(right + 1, w)])
    if right == w:
        parts.append(x[..., :, w - 1:w])
    return jnp.concatenate(parts, axis=-1) if len(parts) > 1 else parts[0]


def _box3_minus_centre(x):
    """Sum over the 3x3 neighbourhood without its centre, on a window with a 1-sample ring."""
    rows = x[..., :-2, :] + x[..., 1:-1, :] + x[..., 2:, :]
    box = rows[..., :, :-2] + rows[..., :, 1:-1] + rows[..., :, 2:]
    return box - x[..., 1:-1, 1:-1]


def _row_round_sum(val, add: int, shift: int):
    """Per-row rounding shift of the row sums, then the total (``accum += (inner + add) >> s``)."""
    inner = jnp.sum(val, axis=-1)
    return jnp.sum((inner + add) >> shift, axis=-1)


@_stage("i_rfactor")
def _masking_terms_s0(masker, i_rfactor):
    """Scale-0 CSF of the masking bands on the window: the sum over h, v, d of |csf|/30 and
    of the centre weight |csf|/15 on the region (``adm_csf`` ``:1168-1185`` and the
    ``ADM_CM_THRESH_S_*`` macros, ``:251-468``)."""
    flt_total = centre_total = 0
    for i, band in enumerate("hvd"):
        shift, add = (15, 16384) if band != "d" else (17, 65535)
        c = _wrap16((i_rfactor[i] * masker[band].astype(jnp.int32) + add) >> shift)
        flt_total = flt_total + _wrap16((4369 * jnp.abs(c) + 2048) >> 12)
        centre_total = centre_total + _wrap16((8738 * jnp.abs(c[..., 1:-1, 1:-1]) + 2048) >> 12)
    return flt_total, centre_total


#: The "rounding" add of the >> 32 shifts of scales 1-3: ``1u << 31`` stored in an int32_t,
#: so -2^31 (``integer_adm.c:1241-1245, 1956-1961``). See specs/integer_adm.md §5.
_S123_FLT_ROUND = -(1 << 31)


def _csf_s123(x, factor: int):
    return ((x.astype(jnp.int64) * factor + (1 << 27)) >> 28).astype(jnp.int32)


@_stage("i_rfactor")
def _masking_terms_s123(masker, i_rfactor):
    """Scales 1-3 counterpart of :func:`_masking_terms_s0` (``i4_adm_csf``, ``:1188-1290``)."""
    flt_total = centre_total = 0
    for i, band in enumerate("hvd"):
        c = _csf_s123(masker[band], i_rfactor[i])
        flt_total = flt_total + ((143165577 * jnp.abs(c).astype(jnp.int64) + _S123_FLT_ROUND) >> 32).astype(jnp.int32)
        centre = 286331153 * jnp.abs(c[..., 1:-1, 1:-1]).astype(jnp.int64)
        centre_total = centre_total + ((centre + _S123_FLT_ROUND) >> 32).astype(jnp.int32)
    return flt_total, centre_total


@_stage("i_rfactor", "w", "h")
def _cm_sums_s0(x_window, flt_total, centre_total, i_rfactor, w: int, h: int):
    """Scale-0 contrast-masked sums for h, v, d (``adm_cm``, ``:1499-1909``).

    ``x_window``: the masked bands (restored for DLM, additive for AIM) on the window.
    """
    thr = _box3_minus_centre(flt_total) + centre_total
    shift_cub_hv = int(math.ceil(math.log2(w) - 4))
    shift_cub_d = int(math.ceil(math.log2(w) - 3))
    shift_inner = _ceil_log2(h)
    out = []
    for i, band in enumerate("hvd"):
        sub, sq = (10, 29) if band != "d" else (12, 30)
        cub = shift_cub_hv if band != "d" else shift_cub_d
        x = x_window[band][..., 1:-1, 1:-1].astype(jnp.int32) * i_rfactor[i]
        x = jnp.maximum(jnp.abs(x) - (thr << sub), 0)
        x64 = x.astype(jnp.int64)
        x_sq = ((x64 * x64 + (1 << (sq - 1))) >> sq).astype(jnp.int32).astype(jnp.int64)
        val = (x_sq * x64 + (1 << (cub - 1))) >> cub
        out.append(_row_round_sum(val, 1 << (shift_inner - 1), shift_inner))
    return jnp.stack(out, axis=-1)


@_stage("i_rfactor", "w", "h")
def _cm_sums_s123(x_window, flt_total, centre_total, i_rfactor, w: int, h: int):
    """Scales 1-3 contrast-masked sums for h, v, d (``i4_adm_cm``, ``:1911-2348``)."""
    thr = _box3_minus_centre(flt_total) + centre_total
    shift_cub = _ceil_log2(w)
    shift_inner = _ceil_log2(h)
    out = []
    for i, band in enumerate("hvd"):
        x = jnp.maximum(jnp.abs(_csf_s123(x_window[band][..., 1:-1, 1:-1], i_rfactor[i])) - thr, 0)
        x64 = x.astype(jnp.int64)
        x_sq = ((x64 * x64 + (1 << 29)) >> 30).astype(jnp.int32).astype(jnp.int64)
        val = (x_sq * x64 + (1 << (shift_cub - 1))) >> shift_cub
        out.append(_row_round_sum(val, 1 << (shift_inner - 1), shift_inner))
    return jnp.stack(out, axis=-1)


@_stage("top", "bottom", "left", "right")
def _den_s0(ref, top, bottom, left, right):
    """Scale-0 denominator sums of |o|^3 (``adm_csf_den_scale``, ``:1292-1392``)."""
    shift = max(int(math.ceil(math.log2((bottom - top) * (right - left)) - 20)), 0)
    add = (1 << (shift - 1)) if shift > 0 else 0
    out = []
    for band in "hvd":
        o = jnp.abs(ref[band][..., top:bottom, left:right].astype(jnp.int32)).astype(jnp.uint64)
        out.append(_row_round_sum(o * o * o, add, shift))
    return jnp.stack(out, axis=-1)


_DEN_S123_SQ = (31, 30, 31)


@_stage("scale", "top", "bottom", "left", "right")
def _den_s123(ref, scale, top, bottom, left, right):
    """Scales 1-3 denominator sums (``adm_csf_den_s123``, ``:1394-1497``).

    The square is rounded with ``+ (1 << shift)`` before ``>> shift``, as in C (``:1424``).
    """
    sq = _DEN_S123_SQ[scale - 1]
    shift_cub = _ceil_log2(right - left)
    shift_accum = _ceil_log2(bottom - top)
    out = []
    for band in "hvd":
        o = jnp.abs(ref[band][..., top:bottom, left:right]).astype(jnp.uint32).astype(jnp.uint64)
        val = ((((o * o) + jnp.uint64(1 << sq)) >> sq) * o + jnp.uint64(1 << (shift_cub - 1))) >> shift_cub
        out.append(_row_round_sum(val, jnp.uint64(1 << (shift_accum - 1)), shift_accum))
    return jnp.stack(out, axis=-1)


@_stage("scale", "w", "h", "egl")
def _decouple_window(ref, dis, scale: int, w: int, h: int, egl: float):
    """Decoupling of the h, v, d bands on the score region's window (``:810-826``)."""
    top, bottom, left, right = _region(w, h)
    win = functools.partial(_window, top=top, bottom=bottom, left=left, right=right)
    ref_w = {b: win(ref[b].astype(jnp.int32)) for b in "hvd"}
    dis_w = {b: win(dis[b].astype(jnp.int32)) for b in "hvd"}
    return (_decouple_s0 if scale == 0 else _decouple_s123)(ref_w, dis_w, egl)


def _called(fn, *args, **kwargs):
    return fn(*args, **kwargs)


def _scale_sums(ref, dis, scale, w, h, config, i_rfactor, call=_called):
    """DLM numerator, AIM numerator and denominator sums of one scale, each (..., 3).

    Each stage runs as ``call(stage, *args, **static)``: a compiled call of its own, or, in
    :func:`_small_scales`, fenced inside one program."""
    top, bottom, left, right = _region(w, h)
    restored, additive = call(_decouple_window, ref, dis, scale=scale, w=w, h=h, egl=float(config.enhn_gain_limit))
    if scale == 0:
        terms, cm = _masking_terms_s0, _cm_sums_s0
        den = call(_den_s0, ref, top=top, bottom=bottom, left=left, right=right)
    else:
        terms, cm = _masking_terms_s123, _cm_sums_s123
        den = call(_den_s123, ref, scale=scale, top=top, bottom=bottom, left=left, right=right)
    num = call(cm, restored, *call(terms, additive, i_rfactor=i_rfactor), i_rfactor=i_rfactor, w=w, h=h)
    if config.skip_aim:
        aim = jnp.zeros_like(num)
    else:
        aim = call(cm, additive, *call(terms, restored, i_rfactor=i_rfactor), i_rfactor=i_rfactor, w=w, h=h)
    return num, aim, den


#: Band size (samples) from which down scales 1-3 run as one program on a CPU
#: (:func:`_small_scales`): 576x324's scales 1-3, 1920x1080's scales 2-3 (specs/integer_adm.md §8).
_SMALL_SCALES_MAX_SAMPLES = 40_000


@_stage("first", "sizes", "config")
def _small_scales(ref_a, dis_a, first: int, sizes: tuple, config: AdmConfig):
    """num, aim and den of scales ``first``..3 (tuples, one (..., 3) array per scale) in one
    program, from the LL bands of scale ``first - 1``.

    The stages of :func:`_scale_sums` and the DWT, each a buffer of its own (``fenced``), so the
    integers are the stages' own; one program instead of about ten compiled calls a scale, which
    on small bands cost more than their arithmetic. See specs/integer_adm.md §8.
    """
    trip = opaque_one(ref_a)

    def call(fn, *args, **static):
        return fenced(functools.partial(fn, **static), trip, *args)

    nums, aims, dens = [], [], []
    for scale in range(first, 4):
        ref_b = call(_dwt_s123, ref_a, scale=scale)
        dis_b = call(_dwt_s123, dis_a, scale=scale)
        w, h = sizes[scale]
        num, aim, den = _scale_sums(ref_b, dis_b, scale, w, h, config, _s123_i_rfactor(scale, config), call)
        nums.append(num), aims.append(aim), dens.append(den)
        ref_a, dis_a = ref_b["a"], dis_b["a"]
    return tuple(nums), tuple(aims), tuple(dens)


def _check_plane_pair(ref, dis, bitdepth: int):
    if ref.shape != dis.shape:
        raise AdmInputError(f"reference and distorted planes differ in shape: {ref.shape} vs {dis.shape}")
    if ref.ndim < 2:
        raise AdmInputError(f"expected 2-D luma planes (optionally batched), got shape {ref.shape}")
    if bitdepth not in range(8, 17):
        raise AdmInputError(f"bitdepth must be in 8..16, got {bitdepth}")
    height, width = ref.shape[-2:]
    if width < ADM_MIN_SIZE or height < ADM_MIN_SIZE:
        raise AdmInputError(
            f"ADM needs width and height >= {ADM_MIN_SIZE}, got {width}x{height}: below that libvmaf's "
            "DWT reads outside the plane at the coarsest scale (specs/integer_adm.md §2)")
    for name, plane in (("reference", ref), ("distorted", dis)):
        if not jnp.issubdtype(plane.dtype, jnp.integer):
            raise AdmInputError(f"{name} plane must have an integer dtype, got {plane.dtype}")


def _accumulators(ref, dis, bitdepth: int, config: AdmConfig):
    height, width = ref.shape[-2:]
    sizes = _band_sizes(width, height)
    nums, aims, dens = [], [], []
    if config.skip_scale0:
        ref_a = _dwt_scale0(ref, bitdepth, lo_only=True)["a"]
        dis_a = _dwt_scale0(dis, bitdepth, lo_only=True)["a"]
        zero = jnp.zeros(ref.shape[:-2] + (3,), jnp.int64)
        nums.append(zero), aims.append(zero), dens.append(zero.astype(jnp.uint64))
    else:
        ref_b = _dwt_scale0(ref, bitdepth)
        dis_b = _dwt_scale0(dis, bitdepth)
        w, h = sizes[0]
        num, aim, den = _scale_sums(ref_b, dis_b, 0, w, h, config, _scale0_i_rfactor(config))
        nums.append(num), aims.append(aim), dens.append(den)
        ref_a, dis_a = ref_b["a"], dis_b["a"]
    on_cpu = jax.default_backend() == "cpu"
    for scale in (1, 2, 3):
        w, h = sizes[scale]
        if on_cpu and not isinstance(ref_a, Tracer) and w * h <= _SMALL_SCALES_MAX_SAMPLES:
            tail = _small_scales(ref_a, dis_a, first=scale, sizes=tuple(sizes), config=config)
            nums += tail[0]
            aims += tail[1]
            dens += tail[2]
            break
        ref_b = _dwt_s123(ref_a, scale)
        dis_b = _dwt_s123(dis_a, scale)
        num, aim, den = _scale_sums(ref_b, dis_b, scale, w, h, config, _s123_i_rfactor(scale, config))
        nums.append(num), aims.append(aim), dens.append(den)
        ref_a, dis_a = ref_b["a"], dis_b["a"]
    return {"num": stack(nums, axis=-2), "aim": stack(aims, axis=-2), "den": stack(dens, axis=-2)}


def adm_accumulators(ref, dis, bitdepth: int, config: AdmConfig = AdmConfig()):
    """Integer sums of the fixed-point ADM for one plane pair (or a batch of them).

    Args:
      ref, dis: luma planes of shape ``(..., height, width)``, ``uint8`` for 8-bit input and
        ``uint16`` above; every leading axis is a batch axis (vmap also works).
      bitdepth: 8 to 16.
      config: numeric options (:class:`AdmConfig`).

    Returns:
      ``{"num", "aim", "den"}``, each of shape ``(..., 4, 3)`` (scale, orientation h/v/d): the
      row-rounded accumulators ``accum_h/v/d`` of libvmaf's ``adm_cm`` (DLM and AIM
      numerators, int64) and ``adm_csf_den_scale`` (uint64) before their conversion to
      float. See specs/integer_adm.md §3-§6.
    """
    _check_plane_pair(ref, dis, bitdepth)
    with x64():
        return _accumulators(ref, dis, bitdepth, config)


# --------------------------------------------------------------------------------------
# Final pooling: C's float and double, with the C library's powf
# --------------------------------------------------------------------------------------

_C_POWF = c_function("m", "powf", ctypes.c_float, (ctypes.c_float, ctypes.c_float))
_ONE_THIRD_F = _F32(1.0) / _F32(3.0)


def _powf_cbrt(x) -> np.float32:
    """``powf(x, 1.0f / 3.0f)`` through the C library, exactly as libvmaf calls it.

    numpy's float32 power differs from glibc's ``powf`` in the last bit for about a fifth of
    inputs, so the C function itself is called. See specs/integer_adm.md §6.
    """
    if _C_POWF is None:  # pragma: no cover
        raise RuntimeError("the C math library's powf is needed for bit-exact ADM pooling and was not found")
    return _F32(_C_POWF(float(_F32(x)), float(_ONE_THIRD_F)))


def _int_to_f32(a: int) -> np.float32:
    """C's ``(float)`` of a 64-bit integer: one rounding to nearest even (no double rounding)."""
    if abs(a) < (1 << 53):
        return _F32(float(a))
    sign = -1 if a < 0 else 1
    a = abs(a)
    drop = a.bit_length() - 24
    kept, rest = a >> drop, a & ((1 << drop) - 1)
    half = 1 << (drop - 1)
    if rest > half or (rest == half and kept & 1):
        kept += 1
    return _F32(sign * math.ldexp(float(kept), drop))


def _pow2_uint_exponent(exponent: int) -> float:
    """``pow(2, e)`` where C computes ``e`` in uint32 (a negative e wraps to a huge one)."""
    e = exponent % (1 << 32)
    return math.inf if e >= 1024 else math.ldexp(1.0, e)


def _scale_floats(acc_num, acc_aim, acc_den, scale: int, w: int, h: int, config: AdmConfig):
    """num_scale, aim_scale, den_scale as float32, as ``adm_cm`` / ``adm_csf_den_*`` return them."""
    top, bottom, left, right = _region(w, h)
    area = (bottom - top) * (right - left)
    rf = _rfactors(scale, config)
    nw_add = _powf_cbrt(area * config.noise_weight)
    aim_add = _powf_cbrt(area * 0.0)
    shift_inner = _ceil_log2(h)

    def pooled(accs, add, convert):
        s = [_powf_cbrt(convert(int(a), i)) + add for i, a in enumerate(accs)]
        return _F32(_F32(s[0] + s[1]) + s[2])

    if scale == 0:
        cub = (int(math.ceil(math.log2(w) - 4)),) * 2 + (int(math.ceil(math.log2(w) - 3)),)
        pend = (52, 52, 57)

        def num_convert(a, i):
            return _F32(a / _pow2_uint_exponent(pend[i] - cub[i] - shift_inner))

        den_shift = max(int(math.ceil(math.log2(area) - 20)), 0)

        def den_convert(a, i):
            return float(a) / math.pow(2, 18 - den_shift) * math.pow(float(rf[i]), 3)
    else:
        shift_cub = _ceil_log2(w)
        final_shift = _F32(_pow2_uint_exponent((45, 39, 36)[scale - 1] - shift_cub - shift_inner))

        def num_convert(a, i):
            return _int_to_f32(a) / final_shift  # int64 / float: a float division in C

        den_cub = _ceil_log2(right - left)
        den_accum = _ceil_log2(bottom - top)
        shift_csf = _pow2_uint_exponent((32, 27, 23)[scale - 1] - den_accum - den_cub)

        def den_convert(a, i):
            return float(a) / shift_csf * math.pow(float(rf[i]), 3)

    num = pooled(acc_num, nw_add, num_convert)
    aim = pooled(acc_aim, aim_add, num_convert) if not config.skip_aim else _F32(0.0)
    den = pooled(acc_den, nw_add, den_convert)
    return num, aim, den


def _c_max(x: float, y: float) -> float:
    """C's ``MAX(x, y)`` macro: ``x > y ? x : y`` (picks y on ties and NaN)."""
    return x if x > y else y


def adm_scores(accumulators, width: int, height: int, config: AdmConfig = AdmConfig(), *,
               dlm_weight: float = 0.5, min_val: float = 0.0) -> dict[str, float]:
    """libvmaf's ADM values of one frame from its :func:`adm_accumulators`.

    Returns a dict with ``adm2``, ``aim``, ``adm3``, ``adm``, ``num``, ``den``,
    ``scale{k}``, ``num_scale{k}`` and ``den_scale{k}`` as Python floats (doubles),
    computed in the C code's float/double order (``integer_adm.c:2868-3012, 3196-3257``).
    See specs/integer_adm.md §6.
    """
    acc = {k: np.asarray(v) for k, v in accumulators.items()}
    if acc["num"].shape != (4, 3):
        raise ValueError(f"expected one frame's accumulators of shape (4, 3), got {acc['num'].shape}")
    num = den = aim_num = 0.0
    scores = []
    for scale, (w, h) in enumerate(_band_sizes(width, height)):
        if scale == 0 and config.skip_scale0:
            num_s, aim_s, den_s = _F32(0.0), _F32(0.0), _F32(1e-10)
        else:
            num_s, aim_s, den_s = _scale_floats(acc["num"][scale], acc["aim"][scale], acc["den"][scale],
                                                scale, w, h, config)
        num += float(num_s)
        den += float(den_s)
        aim_num += float(aim_s)
        scores += [float(num_s), float(den_s)]
    numden_limit = 1e-10 * (width * height) / (1920.0 * 1080.0)
    num = 0.0 if num < numden_limit else num
    den = 0.0 if den < numden_limit else den
    if den == 0.0:
        # libvmaf leaves aim uninitialised here (integer_adm.c:3003-3005); we report NaN.
        score, score_aim = 1.0, math.nan
    else:
        score_aim = aim_num / den
        score = num / den
    out = {
        "adm2": score,
        "aim": score_aim,
        "adm3": _c_max(score * dlm_weight + (1 - score_aim) * (1 - dlm_weight), min_val),
        "adm": score,
        "num": num,
        "den": den,
    }
    for k in range(4):
        out[f"scale{k}"] = scores[2 * k] / scores[2 * k + 1]
        out[f"num_scale{k}"] = scores[2 * k]
        out[f"den_scale{k}"] = scores[2 * k + 1]
    return out


def integer_adm(ref, dis, bitdepth: int, *, config: AdmConfig = AdmConfig(), dlm_weight: float = 0.5,
                min_val: float = 0.0) -> dict[str, float]:
    """ADM values of one 2-D plane pair (see :func:`adm_scores` for the keys)."""
    ref, dis = jnp.asarray(ref), jnp.asarray(dis)
    if ref.ndim != 2:
        raise AdmInputError(f"integer_adm takes one 2-D plane pair, got shape {ref.shape}")
    acc = adm_accumulators(ref, dis, bitdepth, config)
    height, width = ref.shape
    return adm_scores(acc, width, height, config, dlm_weight=dlm_weight, min_val=min_val)


# --------------------------------------------------------------------------------------
# Streaming extractor
# --------------------------------------------------------------------------------------

_ALWAYS = (
    ("VMAF_integer_feature_adm2_score", "adm2"),
    ("VMAF_integer_feature_aim_score", "aim"),
    ("VMAF_integer_feature_adm3_score", "adm3"),
    ("integer_adm_scale0", "scale0"),
    ("integer_adm_scale1", "scale1"),
    ("integer_adm_scale2", "scale2"),
    ("integer_adm_scale3", "scale3"),
)
_DEBUG = (
    ("integer_adm", "adm"),
    ("integer_adm_num", "num"),
    ("integer_adm_den", "den"),
    ("integer_adm_num_scale0", "num_scale0"),
    ("integer_adm_den_scale0", "den_scale0"),
    ("integer_adm_num_scale1", "num_scale1"),
    ("integer_adm_den_scale1", "den_scale1"),
    ("integer_adm_num_scale2", "num_scale2"),
    ("integer_adm_den_scale2", "den_scale2"),
    ("integer_adm_num_scale3", "num_scale3"),
    ("integer_adm_den_scale3", "den_scale3"),
)


class IntegerAdmExtractor(FeatureExtractor):
    """libvmaf's ``adm`` extractor (fixed point). See specs/integer_adm.md §7."""

    name = "adm"
    device_planes = True
    frame_independent = True
    options = {
        "debug": OptionSpec("debug", False, bool, reference="integer_adm.c:105-111"),
        "adm_csf_scale": OptionSpec("adm_csf_scale", 1.0, float, alias="scf", feature_param=True,
                                    minimum=0.0, maximum=50.0, reference="integer_adm.c:112-122"),
        "adm_csf_diag_scale": OptionSpec("adm_csf_diag_scale", 1.0, float, alias="scfd", feature_param=True,
                                         minimum=0.0, maximum=50.0, reference="integer_adm.c:123-133"),
        "adm_dlm_weight": OptionSpec("adm_dlm_weight", 0.5, float, alias="dlmw", feature_param=True,
                                     minimum=0.0, maximum=1.0, reference="integer_adm.c:134-144"),
        "adm_enhn_gain_limit": OptionSpec("adm_enhn_gain_limit", DEFAULT_ENHN_GAIN_LIMIT, float, alias="egl",
                                          feature_param=True, minimum=1.0, maximum=100.0,
                                          reference="integer_adm.c:145-156"),
        "adm_norm_view_dist": OptionSpec("adm_norm_view_dist", DEFAULT_NORM_VIEW_DIST, float, alias="nvd",
                                         feature_param=True, minimum=0.75, maximum=24.0,
                                         reference="integer_adm.c:157-167"),
        "adm_ref_display_height": OptionSpec("adm_ref_display_height", DEFAULT_REF_DISPLAY_HEIGHT, int,
                                             alias="rdh", feature_param=True, minimum=1, maximum=4320,
                                             reference="integer_adm.c:168-178"),
        "adm_csf_mode": OptionSpec("adm_csf_mode", 0, int, alias="csf", feature_param=True, minimum=0,
                                   maximum=3, reference="integer_adm.c:179-189"),
        "adm_noise_weight": OptionSpec("adm_noise_weight", DEFAULT_NOISE_WEIGHT, float, alias="nw",
                                       feature_param=True, minimum=0.0, maximum=1500.0,
                                       reference="integer_adm.c:190-200"),
        "adm_skip_aim": OptionSpec("adm_skip_aim", False, bool, reference="integer_adm.c:201-207"),
        "adm_skip_scale0": OptionSpec("adm_skip_scale0", False, bool, alias="ssz", feature_param=True,
                                      reference="integer_adm.c:208-216"),
        "adm_min_val": OptionSpec("adm_min_val", 0.0, float, alias="min", feature_param=True, minimum=0.0,
                                  maximum=1.0, reference="integer_adm.c:217-227"),
    }

    def __init__(self, *, width: int, height: int, bitdepth: int, **options: Any):
        super().__init__(width=width, height=height, bitdepth=bitdepth, **options)
        v = self.values
        if v["adm_noise_weight"] == 0.0:
            # den can then reach 0, where libvmaf reports an uninitialised aim.
            raise ValueError("adm_noise_weight=0 is not supported: libvmaf's aim is undefined when den is 0")
        if width < ADM_MIN_SIZE or height < ADM_MIN_SIZE:
            raise AdmInputError(f"ADM needs width and height >= {ADM_MIN_SIZE}, got {width}x{height}")
        self.config = AdmConfig(
            enhn_gain_limit=v["adm_enhn_gain_limit"], norm_view_dist=v["adm_norm_view_dist"],
            ref_display_height=v["adm_ref_display_height"], noise_weight=v["adm_noise_weight"],
            skip_scale0=v["adm_skip_scale0"], skip_aim=v["adm_skip_aim"], csf_mode=v["adm_csf_mode"],
            csf_scale=v["adm_csf_scale"], csf_diag_scale=v["adm_csf_diag_scale"])
        names = _ALWAYS + (_DEBUG if v["debug"] else ())
        self._keys = [(feature_key(name, self.feature_params), short) for name, short in names]

    def extract(self, index: int, ref: np.ndarray, dis: np.ndarray) -> FrameValues:
        if ref.shape != (self.height, self.width) or dis.shape != (self.height, self.width):
            raise AdmInputError(f"expected planes of shape {(self.height, self.width)}, got {ref.shape} and {dis.shape}")
        acc = adm_accumulators(device_array(ref), device_array(dis), self.bitdepth, self.config)
        values = adm_scores(acc, self.width, self.height, self.config,
                            dlm_weight=self.values["adm_dlm_weight"], min_val=self.values["adm_min_val"])
        return {index: {key: values[short] for key, short in self._keys}}
