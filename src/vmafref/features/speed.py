"""libvmaf's SpEED chroma feature (``speed_chroma``): its float32 arithmetic step for step.

SpEED (spatial efficient entropic differencing) compares, per 5x5 block of a band-pass
plane 16 times smaller than the input, the entropy of a Gaussian scale mixture fitted to the
reference and to the distorted plane. libvmaf's ``speed.c`` (commit f85a8536) computes it
in float32 with a few double steps: an anti-alias Gaussian, decimation by 16, a local-mean
subtraction, a 25x25 covariance matrix (double sums), its eigenvalues (Householder
tridiagonalisation and implicit QR steps, adapted from GSL), a linear solve through a
Householder QR decomposition, and the entropy and variance-weighted differences. See
specs/speed.md.

Every step is written here in numpy float32 with the C code's operation order (numpy's
element-wise float32 operations round each product and sum, as the C code compiled for
x86-64 without FMA does), and each double step in float64; the transcendental functions
(``exp``, ``log2``, ``sqrt``) come from Python's ``math``, which calls the same C library.
The data-dependent eigenvalue iteration is why this module is numpy, not jit-able JAX
(specs/speed.md §6).

* :func:`speed_plane_score` — the SpEED score of one plane pair and whether a covariance
  matrix was singular (``speed_extract_score``).
* :func:`speed_chroma` — ``speed_chroma_u``, ``_v`` and ``_uv`` of one picture pair.
* :class:`SpeedChromaExtractor` — the streaming ``speed_chroma`` extractor.

Reference: C. G. Bampis, P. Gupta, R. Soundararajan and A. C. Bovik, "SpEED-QA: Spatial
Efficient Entropic Differencing for Image and Video Quality", IEEE Signal Processing
Letters 24(9):1333-1337, 2017, doi:10.1109/LSP.2017.2726542.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from vmafref.feature_names import feature_key
from vmafref.features.extractor import FeatureExtractor, FrameValues, OptionSpec

__all__ = [
    "SpeedChromaExtractor",
    "SpeedInputError",
    "SpeedOptions",
    "speed_chroma",
    "speed_dimensions",
    "speed_plane_score",
]

_F32 = np.float32
_F64 = np.float64
BLOCK_SIZE = 5  # DEFAULT_BLOCK_SIZE, speed.c:116
NUM_SCALES = 4  # speed.c:120
EIGENVALUE_EPS = 1e-6  # speed.c:121
EIGENVALUE_MAX_ITERS = 500  # speed.c:122
_LOG2_2PIE = math.log2(2 * math.pi * math.e)

#: ``valid_kernelscales`` (``vif_tools.h:35-57``), float in C.
_VALID_KERNELSCALES = tuple(float(_F32(x)) for x in (
    1.0, _F32(1.0) / _F32(2.0), _F32(3.0) / _F32(2.0), 2.0, _F32(2.0) / _F32(3.0), _F32(24.0) / _F32(10.0),
    _F32(360.0) / _F32(97.0), _F32(4.0) / _F32(3.0), _F32(3.5) / _F32(3.0), _F32(3.75) / _F32(3.0),
    _F32(4.25) / _F32(3.0), _F32(5.0) / _F32(3.0), 3.0, _F32(1.0) / _F32(2.25), 1.4746, 1.54, 1.6, 1.06667,
    0.711111, 0.740740, 1.111111))
_SCALING_METHODS = ("nearest", "bilinear", "bicubic", "lanczos4")


class SpeedInputError(ValueError):
    """Input or options libvmaf's SpEED cannot score with a defined result."""


@dataclasses.dataclass(frozen=True)
class SpeedOptions:
    """``SpeedOptions`` (``speed.c:91-99``) plus the weight mode; see specs/speed.md §5."""

    kernelscale: float = 1.0
    prescale: float = 1.0
    prescale_method: str = "nearest"
    sigma_nn: float = 0.29
    nn_floor: float = 0.0
    weight_var_mode: int = 0

    def __post_init__(self):
        if not any(abs(float(_F32(self.kernelscale)) - k) < 1e-3 for k in _VALID_KERNELSCALES):
            raise SpeedInputError(f"invalid speed_kernelscale {self.kernelscale} (vif_tools.h:35-57)")
        if self.prescale_method not in _SCALING_METHODS:
            raise SpeedInputError(f"speed_prescale_method must be one of {_SCALING_METHODS}, "
                                  f"got {self.prescale_method!r}")
        if self.prescale_method in ("bicubic", "lanczos4") and not _almost_one(self.prescale):
            raise SpeedInputError(f"speed_prescale_method={self.prescale_method} is not implemented "
                                  "(nearest and bilinear are)")
        if not 0 <= self.weight_var_mode <= 6:
            raise SpeedInputError(f"speed_weight_var_mode must be in [0, 6], got {self.weight_var_mode}")


def _almost_one(x: float) -> bool:
    return abs(x - 1.0) < 1.0e-3  # ALMOST_EQUAL, speed.c:123


@dataclasses.dataclass(frozen=True)
class SpeedDimensions:
    """``speed_init_dimensions`` (``speed.c:1029-1058``)."""

    width: int
    height: int
    scaled_width: int
    scaled_height: int
    operating_width: int
    operating_height: int
    truncated_width: int
    truncated_height: int

    @property
    def blocks_horizontal(self) -> int:
        return self.truncated_width // BLOCK_SIZE

    @property
    def blocks_vertical(self) -> int:
        return self.truncated_height // BLOCK_SIZE


def speed_dimensions(width: int, height: int, prescale: float = 1.0) -> SpeedDimensions:
    """Plane geometry of libvmaf's SpEED; raises :class:`SpeedInputError` when no block fits."""
    sw = int(width * prescale + 0.5)
    sh = int(height * prescale + 0.5)
    ow, oh = sw >> NUM_SCALES, sh >> NUM_SCALES
    tw, th = ow // BLOCK_SIZE * BLOCK_SIZE, oh // BLOCK_SIZE * BLOCK_SIZE
    if tw == 0 or th == 0:
        raise SpeedInputError(f"SpEED: a {width}x{height} plane is too small (operating width or height is 0; "
                              "each side needs at least 80 samples after prescaling)")
    return SpeedDimensions(width, height, sw, sh, ow, oh, tw, th)


# ----------------------------------------------------------------------------- filtering

def _filter_size(scale: int, kernelscale: float) -> int:
    """``vif_get_filter_size`` (``vif_tools.c:134-139``)."""
    n = (1 << (4 - scale)) + 1
    ceiling = math.ceil(float(_F32(n) * _F32(kernelscale)))
    odd = ceiling + 1 if ceiling % 2 == 0 else ceiling
    return max(odd, 3)


def _gaussian_kernel(size: int, stdev: np.float32) -> np.ndarray:
    """``get_1d_gaussian_kernel`` (``vif_tools.c:104-123``): float pdf values, float normalisation."""
    stdev = _F32(stdev)
    k = (size - 1) // 2
    out = []
    total = _F32(0.0)
    den = _F32(1.0 / (float(stdev) * math.sqrt(2 * math.pi)))
    for i in range(size):
        x = float(_F32(i - k))
        num = _F32(math.exp(-0.5 * x / float(stdev) * x / float(stdev)))
        value = num / den
        out.append(value)
        total = total + value
    return np.array([v / total for v in out], dtype=_F32)


def _filters(kernelscale: float) -> tuple[np.ndarray, np.ndarray]:
    """The anti-alias filter (``speed_get_antialias_filter``) and the scale-4 filter (``vif_get_filter``)."""
    ks = float(_F32(kernelscale))
    w1 = _filter_size(1, ks)
    antialias = _gaussian_kernel(w1, _F32(math.sqrt(NUM_SCALES) * w1 / float(_F32(5.0))))
    w4 = _filter_size(NUM_SCALES, ks)
    return antialias, _gaussian_kernel(w4, _F32(w4) / _F32(5.0))


def _reflect(index: np.ndarray, n: int) -> np.ndarray:
    return np.where(index < 0, -index, np.where(index >= n, 2 * n - index - 2, index))


def _filter1d(taps: np.ndarray, src: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``vif_filter1d_s``'s scalar path (``vif_tools.c:318-383``) at the given output rows and columns.

    Vertical then horizontal pass, each a float accumulation from 0 in tap order, with
    reflect-101 borders (``-i`` / ``2n - i - 2``).
    """
    h, w = src.shape
    half = len(taps) // 2
    # Vertical pass at the wanted rows, every column the horizontal pass reads.
    vcols = np.unique(_reflect(cols[:, None] - half + np.arange(len(taps))[None, :], w))
    tmp = np.zeros((len(rows), w), _F32)
    vsum = np.zeros((len(rows), len(vcols)), _F32)
    for fi, c in enumerate(taps):
        vsum = vsum + c * src[_reflect(rows - half + fi, h)][:, vcols]
    tmp[:, vcols] = vsum
    out = np.zeros((len(rows), len(cols)), _F32)
    for fj, c in enumerate(taps):
        out = out + c * tmp[:, _reflect(cols - half + fj, w)]
    return out


def _mirror(i: float, left: float, right: float) -> float:
    return -i if i < left else (2 * right - i if i > right else i)


def _bilinear_axis(src_n: int, dst_n: int):
    ratio = _F32(src_n) / _F32(dst_n)
    i1, i2, d = [], [], []
    for x in range(dst_n):
        xx = _F32((x + 0.5) * float(ratio) - 0.5)
        a = int(_mirror(float(_F32(math.floor(xx))), 0.0, float(src_n - 1)))
        b = int(_mirror(float(_F32(math.ceil(xx))), 0.0, float(src_n - 1)))
        i1.append(a)
        i2.append(b)
        d.append(xx - _F32(a))
    return np.array(i1), np.array(i2), np.array(d, _F32)


def _prescale(plane: np.ndarray, dim: SpeedDimensions, method: str) -> np.ndarray:
    """``vif_scale_frame_s`` / the precomputed bilinear path (``vif_tools.c:663-770``)."""
    if dim.scaled_width == dim.width and dim.scaled_height == dim.height:
        return plane
    if method == "nearest":
        ry = _F32(dim.height) / _F32(dim.scaled_height)
        rx = _F32(dim.width) / _F32(dim.scaled_width)
        ys = np.array([int(_F32(y) * ry) for y in range(dim.scaled_height)])
        xs = np.array([int(_F32(x) * rx) for x in range(dim.scaled_width)])
        return plane[ys][:, xs]
    x1, x2, dx = _bilinear_axis(dim.width, dim.scaled_width)
    y1, y2, dy = _bilinear_axis(dim.height, dim.scaled_height)
    one = _F32(1.0)
    dy, dx = dy[:, None], dx[None, :]
    r1, r2 = plane[y1], plane[y2]
    return ((one - dy) * (one - dx) * r1[:, x1] + (one - dy) * dx * r1[:, x2]
            + dy * (one - dx) * r2[:, x1] + dy * dx * r2[:, x2])


def _filter_and_downscale(plane: np.ndarray, dim: SpeedDimensions, opt: SpeedOptions) -> np.ndarray:
    """``filter_and_downscale`` (``speed.c:947-1002``): the band-pass plane of ``operating`` size."""
    if not _almost_one(opt.prescale):
        plane = _prescale(plane, dim, opt.prescale_method)
    antialias, filt = _filters(opt.kernelscale)
    rows = np.arange(dim.scaled_height // 16) * 16
    cols = np.arange(dim.scaled_width // 16) * 16
    small = _filter1d(antialias, plane, rows, cols)  # vif_filter1d_s then vif_dec16_s
    h, w = dim.operating_height, dim.operating_width
    small = small[:h, :w]
    mean = _filter1d(filt, small, np.arange(h), np.arange(w))
    return small - mean


# ----------------------------------------------------------------------- linear algebra

def _sqrt_f(x) -> np.float32:
    return _F32(math.sqrt(float(x)))


def _householder(A: np.ndarray, col: int, start: int, n: int) -> np.float32:
    """``compute_householder_transform`` (``speed.c:275-295``), in place on ``A``."""
    if n - start == 1:
        return _F32(0.0)
    norm = _F32(0.0)
    for i in range(start + 1, n):
        norm = norm + A[i, col] * A[i, col]
    xnorm = _sqrt_f(norm)
    if xnorm == 0:
        return _F32(0.0)
    alpha = A[start, col]
    sign = _F32(1.0) if alpha >= 0 else _F32(-1.0)
    beta = -sign * _sqrt_f(alpha * alpha + xnorm * xnorm)
    tau = (beta - alpha) / beta
    s = alpha - beta
    if s != 0:
        A[start:n, col] = A[start:n, col] / s
        A[start, col] = beta
    return tau


def _tridiagonal(A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``convert_to_tridiagonal`` (``speed.c:342-382``, GSL's symmtd)."""
    n = A.shape[0]
    v = np.zeros(n, _F32)
    x = np.zeros(n, _F32)
    for i in range(n - 2):
        tau = _householder(A, i, i + 1, n)
        v[i + 1:] = A[i + 1:, i]
        if tau != 0:
            A[i + 1, i] = v[i + 1]
            v[i + 1] = _F32(1.0)
            s = i + 1
            # x[r] = sum_j (tau * A[r, j]) * v[j], accumulated in j order
            acc = np.zeros(n - s, _F32)
            for j in range(s, n):
                acc = acc + (tau * A[s:, j]) * v[j]
            x[s:] = acc
            xv = _F32(0.0)
            for r in range(s, n):
                xv = xv + x[r] * v[r]
            alpha = _F32(-0.5 * float(tau) * float(xv))
            x[s:] = x[s:] + alpha * v[s:]
            A[s:, s:] = A[s:, s:] - (x[s:, None] * v[None, s:] + v[s:, None] * x[None, s:])
    return A.diagonal().copy(), A.diagonal(-1).copy()


def _chop(d: np.ndarray, sd: np.ndarray, a: int, n: int) -> None:
    for i in range(a, a + n - 1):
        if abs(float(sd[i])) < EIGENVALUE_EPS * float(abs(d[i]) + abs(d[i + 1])):
            sd[i] = _F32(0.0)


def _givens(a: np.float32, b: np.float32) -> tuple[np.float32, np.float32]:
    """``create_givens`` (``speed.c:407-423``): (c, s)."""
    if b == 0:
        return _F32(1.0), _F32(0.0)
    if abs(b) > abs(a):
        t = -a / b
        s1 = _F32(1.0 / math.sqrt(float(_F32(1.0) + t * t)))
        return s1 * t, s1
    t = -b / a
    c1 = _F32(1.0 / math.sqrt(float(_F32(1.0) + t * t)))
    return c1, c1 * t


def _trailing_eigenvalue(d, sd, a: int, n: int) -> np.float32:
    ta, tb, tab = d[a + n - 2], d[a + n - 1], sd[a + n - 2]
    dt = _F32(float(ta - tb) / 2.0)
    if dt > 0:
        return tb - tab * (tab / (dt + _sqrt_f(dt * dt + tab * tab)))
    if dt == 0:
        return tb - abs(tab)
    return tb + tab * (tab / (-dt + _sqrt_f(dt * dt + tab * tab)))


def _qr_step(d: np.ndarray, sd: np.ndarray, a: int, n: int) -> None:
    """``qr_step`` (``speed.c:425-508``) on the block ``d[a:a+n]``, all float."""
    mu = _trailing_eigenvalue(d, sd, a, n)
    if EIGENVALUE_EPS * float(abs(mu)) > float(abs(d[a]) + abs(sd[a])):
        mu = _F32(0.0)
    x = d[a] - mu
    z = sd[a]
    bk = zk = _F32(0.0)
    ap, bp, aq = d[a], sd[a], d[a + 1]
    if n == 2:
        c, s = _givens(x, z)
        ap1 = c * (c * ap - s * bp) + s * (s * aq - c * bp)
        bp1 = c * (s * ap + c * bp) - s * (s * bp + c * aq)
        aq1 = s * (s * ap + c * bp) + c * (s * bp + c * aq)
        d[a], sd[a], d[a + 1] = ap1, bp1, aq1
        return
    bq = sd[a + 1]
    for k in range(n - 1):
        c, s = _givens(x, z)
        bk1 = c * bk - s * zk
        ap1 = c * (c * ap - s * bp) + s * (s * aq - c * bp)
        bp1 = c * (s * ap + c * bp) - s * (s * bp + c * aq)
        zp1 = -s * bq
        aq1 = s * (s * ap + c * bp) + c * (s * bp + c * aq)
        bq1 = c * bq
        ak, bk, zk = ap1, bp1, zp1
        ap, bp = aq1, bq1
        if k < n - 2:
            aq = d[a + k + 2]
        if k < n - 3:
            bq = sd[a + k + 2]
        d[a + k] = ak
        if k > 0:
            sd[a + k - 1] = bk1
        if k < n - 2:
            sd[a + k + 1] = bp
        x, z = bk, zk
    d[a + n - 1] = ap
    sd[a + n - 2] = bk


def _eigenvalues(cov: np.ndarray) -> np.ndarray:
    """``compute_eigenvalues`` (``speed.c:510-571``, GSL's symm): the unsorted diagonal."""
    n = cov.shape[0]
    d, sd = _tridiagonal(cov.copy())
    _chop(d, sd, 0, n)
    b, it = n - 1, 0
    while b > 0 and it < EIGENVALUE_MAX_ITERS:
        if sd[b - 1] == 0:
            b -= 1
            continue
        a = b - 1
        while a > 0 and sd[a - 1] != 0:
            a -= 1
        nb = b - a + 1
        _qr_step(d, sd, a, nb)
        _chop(d, sd, a, nb)
        it += 1
    return d


def _matmul(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``matrix_mul`` (``speed.c:179-191``): float accumulation from 0 in k order."""
    out = np.zeros((x.shape[0], y.shape[1]), _F32)
    for k in range(x.shape[1]):
        out = out + x[:, k:k + 1] * y[k:k + 1, :]
    return out


def _norm(v: np.ndarray) -> np.float32:
    total = _F32(0.0)
    for e in v:
        total = total + e * e
    return _sqrt_f(total)


def _solve(A: np.ndarray, B: np.ndarray) -> np.ndarray | None:
    """``solve_linear_system`` (``speed.c:573-671``): Householder QR, Q^T B, back substitution.

    Returns None where the triangular solve meets a pivot below ``EIGENVALUE_EPS``.
    """
    n = A.shape[0]
    z = A.copy()
    Q = np.eye(n, dtype=_F32)
    for k in range(n - 1):
        z[:k, :] = 0  # matrix_minor
        z[:, :k] = 0
        z[np.arange(k), np.arange(k)] = 1
        vec = z[:, k].copy()
        norm = _norm(vec)
        sign = _F32(1.0) if A[k, k] >= 0 else _F32(-1.0)
        vec[k] = vec[k] + sign * norm
        vec = vec / _norm(vec)
        hq = (_F32(-2.0) * vec[:, None]) * vec[None, :]
        hq[np.arange(n), np.arange(n)] += _F32(1.0)
        z = _matmul(hq, z)
        Q = _matmul(hq, Q)
    R = _matmul(Q, A)
    # matrix_transpose twice (end of QR, start of the solve): Q is back as accumulated.
    rhs = _matmul(Q, B)
    X = np.zeros_like(rhs)
    for i in range(n - 1, -1, -1):
        den = R[i, i]
        if abs(den) < EIGENVALUE_EPS:
            return None
        term = rhs[i].copy()
        for k in range(i + 1, n):
            term = term - X[k] * R[i, k]
        X[i] = term / den
    return X


# --------------------------------------------------------------------------- estimation

def _covariance(data: np.ndarray, dim: SpeedDimensions) -> np.ndarray:
    """``compute_covariance_matrix`` (``speed.c:723-750``): float means, double sums."""
    sh = dim.truncated_height - BLOCK_SIZE + 1
    sw = dim.truncated_width - BLOCK_SIZE + 1
    count = _F32(sw * sh)
    subs, means = [], []
    for r in range(BLOCK_SIZE):
        for c in range(BLOCK_SIZE):
            sub = data[r:r + sh, c:c + sw]
            total = np.cumsum(sub.reshape(-1), dtype=_F32)[-1]
            means.append(float(total / count))
            subs.append(sub.reshape(-1).astype(_F64))
    n = BLOCK_SIZE * BLOCK_SIZE
    cov = np.zeros((n, n), _F32)
    centred = [s - m for s, m in zip(subs, means)]
    for xi in range(n):
        for yi in range(xi + 1):
            value = _F32(np.cumsum(centred[xi] * centred[yi])[-1] / float(sw * sh))
            cov[xi, yi] = cov[yi, xi] = value
    return cov


def _est_params(data: np.ndarray, dim: SpeedDimensions, sigma_nn: np.float32):
    """``est_params`` (``speed.c:814-886``): (entropies, variances, singular) of one plane."""
    n = BLOCK_SIZE * BLOCK_SIZE
    cov = _covariance(data, dim)
    eig = _eigenvalues(cov)
    bh, bv = dim.blocks_horizontal, dim.blocks_vertical
    # compute_independent_term: row r*5+c holds the block samples (r, c) in block raster order.
    blocks = data[:dim.truncated_height, :dim.truncated_width].reshape(bv, BLOCK_SIZE, bh, BLOCK_SIZE)
    indep = blocks.transpose(1, 3, 0, 2).reshape(n, bv * bh).astype(_F32)
    regular = bool(np.all(eig.astype(_F64) >= EIGENVALUE_EPS))
    sol = _solve(cov, indep) if regular else None
    singular = sol is None
    if singular:
        sol = np.zeros_like(indep)
    z = (sol * indep) / _F32(n)
    s = z[0].copy()
    for i in range(1, n):
        s = s + z[i]
    entropy = np.zeros(bv * bh, _F32)
    log2 = np.vectorize(math.log2, otypes=[_F64])
    for k in range(n):
        lam = _F32(0.0) if eig[k] < 0 else eig[k]
        entropy = (entropy.astype(_F64) + (log2((lam * s + sigma_nn).astype(_F64)) + _LOG2_2PIE)).astype(_F32)
    return entropy, s, singular


def _speed_score(ref, dis, sigma_nn: np.float32, nn_floor: np.float32, mode: int) -> np.float32:
    """``get_speed_score`` (``speed.c:888-934``)."""
    e_r, v_r, _ = ref
    e_d, v_d, _ = dis
    n = BLOCK_SIZE * BLOCK_SIZE
    base = _F32(n * (math.log2(float((_F32(1.0) + nn_floor) * sigma_nn)) + _LOG2_2PIE))
    log2 = np.vectorize(math.log2, otypes=[_F64])
    one = _F32(1.0)
    vr, vd = v_r.astype(_F64), v_d.astype(_F64)
    if mode == 0:
        wr, wd = log2((one + v_r).astype(_F64)), log2((one + v_d).astype(_F64))
    elif mode == 1:
        wr = wd = log2((one + v_r).astype(_F64))
    elif mode == 2:
        wr = wd = log2((one + v_d).astype(_F64))
    elif mode == 3:  # (ref + dis) is a float sum, then halved in double
        wr = wd = log2(1 + (v_r + v_d).astype(_F64) / 2.0)
    elif mode == 4:
        wr, wd = log2((one + v_r).astype(_F64)), log2(1 + (v_r + v_d).astype(_F64) / 2.0)
    elif mode == 5:
        wr, wd = log2((one + v_r).astype(_F64)), log2(1 + (0.75 * vr + 0.25 * vd))
    else:
        wr, wd = log2((one + v_r).astype(_F64)), log2(1 + (0.25 * vr + 0.75 * vd))
    spatial_r = (e_r.astype(_F64) * wr).astype(_F32)
    spatial_d = (e_d.astype(_F64) * wd).astype(_F32)
    diff = np.abs(spatial_r - spatial_d)
    skip = (e_r < base) & (e_d < base)
    score = _F32(0.0)
    for i in range(len(diff)):
        if not skip[i]:
            score = score + diff[i]
    return score / _F32(len(diff))


def _to_float(plane: np.ndarray, bitdepth: int) -> np.ndarray:
    """``picture_copy`` with offset -128 (``picture_copy.c``): v / 4, 16 or 256 at 10, 12, 16 bits."""
    x = np.asarray(plane).astype(_F32)
    if bitdepth in (10, 12, 16):
        x = x / _F32({10: 4.0, 12: 16.0, 16: 256.0}[bitdepth])
    return x + _F32(-128)


def speed_plane_score(ref, dis, bitdepth: int, options: SpeedOptions = SpeedOptions()) -> tuple[float, bool]:
    """SpEED of one plane pair (``speed_extract_score``, ``speed.c:1004-1027``).

    Returns ``(score, singular)``: the float32 score as a double and whether either plane's
    covariance matrix could not be inverted (its variances are then 0; a score with exactly
    one singular plane is 0). See specs/speed.md §2-§4.
    """
    ref, dis = np.asarray(ref), np.asarray(dis)
    if ref.shape != dis.shape or ref.ndim != 2:
        raise SpeedInputError(f"expected two 2-D planes of one shape, got {ref.shape} and {dis.shape}")
    h, w = ref.shape
    dim = speed_dimensions(w, h, options.prescale)
    sigma = _F32(options.sigma_nn)
    results = []
    for plane in (ref, dis):
        band = _filter_and_downscale(_to_float(plane, bitdepth), dim, options)
        results.append(_est_params(band, dim, sigma))
    err_r, err_d = results[0][2], results[1][2]
    if err_r != err_d:
        score = _F32(0.0)
    else:
        score = _speed_score(results[0], results[1], sigma, _F32(options.nn_floor), options.weight_var_mode)
    return float(score), err_r or err_d


def _chroma_size(width: int, height: int, pixel_format: str) -> tuple[int, int]:
    """``init_chroma``'s plane size (``speed.c:1296-1315``): floor halving."""
    if pixel_format == "420":
        return width // 2, height // 2
    if pixel_format == "422":
        return width // 2, height
    if pixel_format == "444":
        return width, height
    raise SpeedInputError(f"speed_chroma needs chroma planes (4:2:0, 4:2:2 or 4:4:4), got {pixel_format!r}")


def speed_chroma(ref_uv, dis_uv, bitdepth: int, options: SpeedOptions = SpeedOptions(), *,
                 max_val: float = 1000.0) -> dict[str, float]:
    """``speed_chroma_u``, ``speed_chroma_v``, ``speed_chroma_uv`` of one picture pair.

    ``ref_uv`` and ``dis_uv`` are each ``(u, v)``, cropped to libvmaf's plane size. A
    singular channel's score is replaced by the other's in ``uv``; each value is capped at
    ``max_val`` (``extract_chroma``, ``speed.c:1357-1401``). See specs/speed.md §4.
    """
    su, eu = speed_plane_score(ref_uv[0], dis_uv[0], bitdepth, options)
    sv, ev = speed_plane_score(ref_uv[1], dis_uv[1], bitdepth, options)
    fu, fv = _F32(su), _F32(sv)
    if eu and not ev:
        uv = fv
    elif ev and not eu:
        uv = fu
    else:
        uv = _F32(float(fu + fv) / 2.0)  # float sum, halved in double

    def cap(x):  # MIN(float, double) in double
        return float(x) if float(x) < max_val else max_val

    return {"u": cap(fu), "v": cap(fv), "uv": cap(uv)}


class SpeedChromaExtractor(FeatureExtractor):
    """libvmaf's ``speed_chroma`` extractor (``speed.c:1196-1435``). See specs/speed.md §5."""

    name = "speed_chroma"
    frame_independent = True
    planes = "yuv"
    options = {
        "speed_kernelscale": OptionSpec("speed_kernelscale", 1.0, float, alias="ks", feature_param=True,
                                        minimum=0.1, maximum=4.0, reference="speed.c:1213-1225"),
        "speed_prescale": OptionSpec("speed_prescale", 1.0, float, alias="ps", feature_param=True,
                                     minimum=0.1, maximum=4.0, reference="speed.c:1226-1237"),
        "speed_prescale_method": OptionSpec("speed_prescale_method", "nearest", str, alias="psm",
                                            feature_param=True, reference="speed.c:1238-1247"),
        "speed_sigma_nn": OptionSpec("speed_sigma_nn", 0.29, float, alias="snn", feature_param=True,
                                     minimum=0.1, maximum=2.0, reference="speed.c:1248-1258"),
        "speed_nn_floor": OptionSpec("speed_nn_floor", 0.0, float, alias="nnf", feature_param=True,
                                     minimum=0.0, maximum=1.0, reference="speed.c:1259-1269"),
        "speed_max_val": OptionSpec("speed_max_val", 1000.0, float, alias="mxv", feature_param=True,
                                    minimum=0.0, maximum=1000.0, reference="speed.c:1270-1281"),
        "speed_weight_var_mode": OptionSpec("speed_weight_var_mode", 0, int, alias="wvm", feature_param=True,
                                            minimum=0, maximum=6, reference="speed.c:1282-1293"),
    }

    def __init__(self, *, width: int, height: int, bitdepth: int, pixel_format: str = "420", **options: Any):
        super().__init__(width=width, height=height, bitdepth=bitdepth, **options)
        v = self.values
        self.speed_options = SpeedOptions(
            kernelscale=v["speed_kernelscale"], prescale=v["speed_prescale"],
            prescale_method=v["speed_prescale_method"], sigma_nn=v["speed_sigma_nn"],
            nn_floor=v["speed_nn_floor"], weight_var_mode=v["speed_weight_var_mode"])
        self.chroma_size = _chroma_size(width, height, pixel_format)
        speed_dimensions(*self.chroma_size, self.speed_options.prescale)
        self._keys = {short: feature_key(f"Speed_chroma_feature_speed_chroma_{short}_score", self.feature_params)
                      for short in ("u", "v", "uv")}

    def _chroma(self, picture):
        planes = (picture,) if isinstance(picture, np.ndarray) and picture.ndim == 2 else tuple(picture)
        if len(planes) < 3 or planes[1] is None:
            raise SpeedInputError("speed_chroma needs the chroma planes of each picture (libvmaf refuses 4:0:0)")
        cw, ch = self.chroma_size
        return tuple(np.asarray(p)[:ch, :cw] for p in planes[1:3])

    def extract(self, index: int, ref, dis) -> FrameValues:
        values = speed_chroma(self._chroma(ref), self._chroma(dis), self.bitdepth, self.speed_options,
                              max_val=self.values["speed_max_val"])
        return {index: {self._keys[short]: values[short] for short in ("u", "v", "uv")}}
