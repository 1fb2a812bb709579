"""End-to-end differentiable float VMAF: ``(ref_clip, dis_clip) -> pooled score`` in pure JAX.

VMAF (Z. Li, A. Aaron, I. Katsavounidis, A. Moorthy and M. Manohara, "Toward a practical
perceptual video quality metric", Netflix Technology Blog, 2016) fuses per-frame elementary
features with a support-vector regressor and pools the frame scores. Here every step is a JAX
function with derivatives:

1. the float features — ``adm2`` (:func:`~vmafref.features.float_adm.float_adm_differentiable`),
   ``vif_scale0..3`` (:func:`~vmafref.features.float_vif.float_vif_differentiable`, scales 1-3
   floored at libvmaf's ``min_val`` 0), ``motion2`` (min of consecutive blurred-reference SADs,
   :func:`~vmafref.features.float_motion.float_motion_differentiable`'s parts);
2. the model (``vmaf_float_v0.6.1`` by default, or any built-in of the same kind such as
   ``vmaf_v0.6.1``, whose SVR is then fed the float features): ``x = slope * f + intercept``,
   ``y = sum_i coef_i exp(-gamma |x - sv_i|^2) - rho``, ``score = (y - intercept0) / slope0``,
   the optional transform, the clip to [0, 100];
3. mean pooling over frames.

:func:`vmaf_differentiable` is that composition; ``jax.grad`` goes through it (with respect to
either clip) and ``jax.vmap`` maps it over a batch of clips. Two value modes share one
derivative:

* ``values="libvmaf"`` (default): the value is the float path's — the bit-faithful float32
  accumulators of :mod:`vmafref.features` finished in double as the production host code does —
  so it is :func:`vmafref.scoring.score`'s pooled score; the derivative (a ``jax.custom_jvp``)
  is the smooth formulas'. libvmaf's float32 arithmetic (a polynomial ``log2``, the ``rcpss``
  reciprocal, ordered float sums, variance by cancellation) moves VIF's small coarse scales by
  up to ~1e-5 and the score by ~1e-3, and is piecewise constant at the ulp scale, so it has no
  useful derivative of its own.
* ``values="smooth"``: value and derivative of the smooth formulas (plain division and ``log2``,
  unordered sums), a consistent pair for finite-difference checks.

The measured differences and where the derivative is zero or undefined are in
specs/differentiable.md §5-§6.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from vmafref.features._float_common import float32_pow, sequential_total
from vmafref.features.float_adm import (
    c_powf,
    float_adm_accumulators,
    float_adm_differentiable,
    scale_regions,
)
from vmafref.features.float_motion import absolute_difference, float_motion_blur, float_motion_sad
from vmafref.features.float_vif import float_vif_accumulators, float_vif_differentiable
from vmafref.vmaf_model import ModelError, VmafModel, load_model

__all__ = [
    "FEATURE_NAMES",
    "float_features_differentiable",
    "float_features_libvmaf",
    "svr_scores_differentiable",
    "to_float_luma_differentiable",
    "vmaf_differentiable",
]

#: The six features of the vmaf_v0.6.1 family, by their short names.
FEATURE_NAMES = ("adm2", "motion2", "vif_scale0", "vif_scale1", "vif_scale2", "vif_scale3")

_FEATURE_PATTERN = re.compile(r"^VMAF_(?:integer_)?feature_(.+)_score$")
#: Options the differentiable features take; any other non-default option is refused.
_SUPPORTED_OPTIONS = {"adm_enhn_gain_limit", "vif_enhn_gain_limit", "debug"}
_HBD_SCALE = {8: 1.0, 10: 4.0, 12: 16.0, 16: 256.0}
#: ``motion_max_val``'s default (``float_motion.c``): the cap libvmaf applies to motion2.
_MOTION_MAX_VAL = 10000.0


def to_float_luma_differentiable(clip, bitdepth: int = 8):
    """libvmaf's float input ``p / scale - 128`` (specs/float_vif.md §1), differentiable in ``p``.

    Integer input becomes float32; float input keeps its dtype (float64 under x64).
    """
    if bitdepth not in _HBD_SCALE:
        raise ValueError(f"the float features take bit depths 8, 10, 12 and 16, got {bitdepth}")
    clip = jnp.asarray(clip)
    if not jnp.issubdtype(clip.dtype, jnp.floating):
        clip = clip.astype(jnp.float32)
    scale = _HBD_SCALE[bitdepth]
    return (clip if scale == 1.0 else clip / scale) - 128.0


def _motion2_from_pairs(pairs, shape_prefix, dtype):
    """``motion2`` from the pair scores ``m[1..N-1]`` (..., N-1) (specs/float_motion.md §3)."""
    zero = jnp.zeros(shape_prefix + (1,), dtype)
    motion2 = jnp.concatenate([zero, jnp.minimum(pairs[..., :-1], pairs[..., 1:]), pairs[..., -1:]], axis=-1)
    return jnp.minimum(motion2, _MOTION_MAX_VAL)


def _motion2(ref_luma):
    """Per-frame ``motion2`` of an (..., N, H, W) reference clip (specs/float_motion.md §3).

    ``m[0] = 0``, ``m[i] = sad(blur[i-1], blur[i])``; ``motion2[0] = 0``,
    ``motion2[i] = min(m[i], m[i+1])`` for 0 < i < N-1 and ``motion2[N-1] = m[N-1]``, capped at
    ``motion_max_val``.
    """
    if ref_luma.shape[-3] == 1:
        return jnp.zeros(ref_luma.shape[:-3] + (1,), ref_luma.dtype)
    blurred = float_motion_blur(ref_luma, faithful=False)
    pairs = float_motion_sad(blurred[..., :-1, :, :], blurred[..., 1:, :, :], faithful=False)  # m[1..N-1]
    return _motion2_from_pairs(pairs, ref_luma.shape[:-3], ref_luma.dtype)


def float_features_differentiable(ref_clip, dis_clip, *, bitdepth: int = 8, adm_enhn_gain_limit: float = 100.0,
                                  vif_enhn_gain_limit: float = 100.0) -> dict:
    """The six float features of every frame from the smooth formulas, ``{name: (..., N) array}``.

    ``ref_clip``, ``dis_clip``: luma samples (..., N, H, W) on the clip's bit-depth scale
    (0..255 for 8-bit), integer or float. See specs/differentiable.md §5.
    """
    ref = to_float_luma_differentiable(ref_clip, bitdepth)
    dis = to_float_luma_differentiable(dis_clip, bitdepth).astype(ref.dtype)
    if ref.ndim < 3 or ref.shape != dis.shape:
        raise ValueError(f"need two clips of the same shape (..., N, H, W), got {ref.shape} and {dis.shape}")
    return _smooth_features(ref, dis, adm_enhn_gain_limit=adm_enhn_gain_limit,
                            vif_enhn_gain_limit=vif_enhn_gain_limit)


def _smooth_features(ref, dis, *, adm_enhn_gain_limit: float = 100.0, vif_enhn_gain_limit: float = 100.0) -> dict:
    adm = float_adm_differentiable(ref, dis, enhn_gain_limit=adm_enhn_gain_limit)
    vif = float_vif_differentiable(ref, dis, enhn_gain_limit=vif_enhn_gain_limit)
    # libvmaf floors vif_scale1..3 at vif_scaleK_min_val (0 by default; specs/float_vif.md §4).
    features = {"adm2": adm[..., 0], "motion2": _motion2(ref), "vif_scale0": vif[..., 0]}
    for k in range(1, 4):
        features[f"vif_scale{k}"] = jnp.maximum(vif[..., k], 0.0)
    return features


def _pair_scores_libvmaf(blurred):
    """``m[1..N-1]`` of blurred frames (..., N, H, W) as ``float_motion_sad`` gives them pair by pair.

    The production sum (:func:`~vmafref.features._float_common.sequential_total` of
    :func:`~vmafref.features.float_motion.absolute_difference`), then the division by ``w * h``:
    ``float_motion_sad`` divides by a guarded scalar, which on a stack of pairs XLA turns into a
    multiplication by the rounded reciprocal (one float32 ulp off libvmaf); here the divisor is an
    array of the sums' shape that the compiler cannot see through, so every pair is divided.
    """
    height, width = blurred.shape[-2], blurred.shape[-1]
    total = sequential_total(absolute_difference(blurred[..., :-1, :, :], blurred[..., 1:, :, :]), True)
    # Zero element by element unless a sum is NaN, which XLA cannot fold.
    opaque_zero = (total != total).astype(jnp.uint32)
    count_bits = jax.lax.bitcast_convert_type(jnp.float32(width * height), jnp.uint32) ^ opaque_zero
    return total / jax.lax.bitcast_convert_type(count_bits, jnp.float32)


def float_features_libvmaf(ref_luma, dis_luma, *, adm_enhn_gain_limit: float = 100.0,
                           vif_enhn_gain_limit: float = 100.0) -> dict:
    """The six features as the float path computes them, float64 ``{name: (..., N)}``.

    ``ref_luma``, ``dis_luma``: float luma (``p - 128``), (..., N, H, W). The bit-faithful float32
    accumulators (:func:`~vmafref.features.float_adm.float_adm_accumulators`,
    :func:`~vmafref.features.float_vif.float_vif_accumulators`, the faithful motion blur and SAD)
    finished as the production host code finishes them (specs/float_adm.md §6-§7,
    specs/float_vif.md §4, specs/float_motion.md §3), in double inside a scoped x64. The cube
    roots are ``pow`` in double rounded to float32, where the host calls the C library's
    ``powf`` (which is not always correctly rounded): at most a float32 ulp of a per-scale sum.
    No derivative (bitcasts, table look-ups); :func:`vmaf_differentiable` supplies one.
    """
    ref = jnp.asarray(ref_luma, jnp.float32)
    dis = jnp.asarray(dis_luma, jnp.float32)
    height, width = ref.shape[-2], ref.shape[-1]
    cube_sums = float_adm_accumulators(ref, dis, enhn_gain_limit=adm_enhn_gain_limit)  # (..., N, 4, 9)
    vif_num, vif_den = float_vif_accumulators(ref, dis, enhn_gain_limit=vif_enhn_gain_limit)  # (..., N, 4)
    if ref.shape[-3] > 1:
        pairs = _pair_scores_libvmaf(float_motion_blur(ref, faithful=True))
    third = np.float32(1.0 / 3.0)
    with jax.enable_x64(True):
        roots = float32_pow(cube_sums, 1.0 / 3.0, faithful=True)
        # powf(area * nw, 1/3) of each scale, constants: the C library's own routine.
        noise = jnp.asarray(np.array([c_powf(np.float32(area * 0.03125), third)
                                      for area in scale_regions(width, height)], np.float32))
        per_scale = []
        for start in (0, 3):  # den h, v, d then num h, v, d, added in float in C's order
            terms = [roots[..., start + i] + noise for i in range(3)]
            per_scale.append(((terms[0] + terms[1]) + terms[2]).astype(jnp.float64))
        den, num = per_scale
        total_num = ((num[..., 0] + num[..., 1]) + num[..., 2]) + num[..., 3]
        total_den = ((den[..., 0] + den[..., 1]) + den[..., 2]) + den[..., 3]
        limit = 1e-10 * (width * height) / (1920.0 * 1080.0)
        total_num = jnp.where(total_num < limit, 0.0, total_num)
        total_den = jnp.where(total_den < limit, 0.0, total_den)
        adm2 = jnp.where(total_den == 0.0, 1.0, total_num / jnp.where(total_den == 0.0, 1.0, total_den))
        vif = vif_num.astype(jnp.float64) / vif_den.astype(jnp.float64)
        features = {"adm2": adm2, "vif_scale0": vif[..., 0]}
        for k in range(1, 4):
            features[f"vif_scale{k}"] = jnp.maximum(vif[..., k], 0.0)
        if ref.shape[-3] > 1:
            features["motion2"] = _motion2_from_pairs(pairs.astype(jnp.float64), ref.shape[:-3], jnp.float64)
        else:
            features["motion2"] = jnp.zeros(ref.shape[:-3] + (1,), jnp.float64)
    return features


def _short_name(feature_name: str) -> str:
    match = _FEATURE_PATTERN.match(feature_name)
    if not match or match.group(1) not in FEATURE_NAMES:
        raise ModelError(f"the differentiable VMAF has no feature for {feature_name!r}")
    return match.group(1)


def _feature_options(model: VmafModel) -> dict[str, float]:
    """The gain limits of the model's extractors (the ``neg`` models set them to 1)."""
    options: dict[str, float] = {}
    for _, requested in model.extractor_requests():
        for key, value in requested.items():
            if key not in _SUPPORTED_OPTIONS:
                raise ModelError(f"model {model.version}: option {key}={value!r} is not supported by the "
                                 "differentiable VMAF")
            if key != "debug":
                options[key] = float(value)
    return options


def svr_scores_differentiable(features: Mapping[str, Any], model: VmafModel):
    """Per-frame model scores from :func:`float_features_differentiable`'s features.

    libvmaf's ``predict.c`` steps (specs/score.md §3-§5) as array operations in the features'
    dtype: linear rescale, the RBF kernel over all support vectors at once, the inverse
    rescale, the polynomial transform and its rectification when enabled, the clip.
    """
    keys = [_short_name(f.name) for f in model.features]
    x = jnp.stack([jnp.asarray(features[key]) for key in keys], axis=-1)  # (..., N, F)
    dtype = x.dtype
    if model.norm_type == "linear_rescale":
        slopes = jnp.asarray(np.array([f.slope for f in model.features]), dtype)
        intercepts = jnp.asarray(np.array([f.intercept for f in model.features]), dtype)
        x = slopes * x + intercepts
    support = jnp.asarray(np.array(model.svm.support_vectors), dtype)  # (S, F)
    coefficients = jnp.asarray(np.array(model.svm.coefficients), dtype)
    squared = jnp.sum((x[..., None, :] - support) ** 2, axis=-1)  # (..., N, S)
    prediction = jnp.sum(coefficients * jnp.exp(-model.svm.gamma * squared), axis=-1) - model.svm.rho
    if model.norm_type == "linear_rescale":
        prediction = (prediction - model.intercept) / model.slope
    transform = model.transform
    if transform.enabled:
        if transform.knots:
            raise ModelError(f"model {model.version}: piecewise-linear transforms are not differentiable here")
        raw = prediction
        if any(p is not None for p in (transform.p0, transform.p1, transform.p2)):
            prediction = ((transform.p0 or 0.0) + (transform.p1 or 0.0) * raw + (transform.p2 or 0.0) * raw * raw)
        if transform.out_lte_in:
            prediction = jnp.minimum(prediction, raw)
        if transform.out_gte_in:
            prediction = jnp.maximum(prediction, raw)
    if model.clip is not None:
        prediction = jnp.clip(prediction, model.clip[0], model.clip[1])
    return prediction


def vmaf_differentiable(ref_clip, dis_clip, *, model: str | VmafModel = "vmaf_float_v0.6.1", bitdepth: int = 8,
                        per_frame: bool = False, values: str = "libvmaf"):
    """Mean-pooled VMAF of two clips, differentiable with respect to both.

    ``ref_clip``, ``dis_clip``: luma samples (N, H, W) on the clip's bit-depth scale (0..255 for
    8-bit; float for derivatives); frames at least 16x16. ``model``: a built-in version
    (``vmaf_float_v0.6.1``, ``vmaf_v0.6.1``, their ``neg`` and ``4k`` variants) or a loaded
    :class:`~vmafref.vmaf_model.VmafModel`. Returns the scalar mean of the per-frame scores
    (libvmaf's ``pooled_metrics.vmaf.mean``) in the input's float dtype, or the (N,) per-frame
    scores with ``per_frame=True``. ``values``: ``"libvmaf"`` (the float path's values, the
    smooth formulas' derivative) or ``"smooth"`` (both from the smooth formulas); see the
    module docstring. Map it over a batch of clips with ``jax.vmap``.
    See specs/differentiable.md §5.
    """
    if values not in ("libvmaf", "smooth"):
        raise ValueError(f"values must be 'libvmaf' or 'smooth', got {values!r}")
    loaded = model if isinstance(model, VmafModel) else load_model(model)
    options = _feature_options(loaded)
    ref = to_float_luma_differentiable(ref_clip, bitdepth)
    dis = to_float_luma_differentiable(dis_clip, bitdepth).astype(ref.dtype)
    if ref.ndim < 3 or ref.shape != dis.shape:
        raise ValueError(f"need two clips of the same shape (N, H, W), got {ref.shape} and {dis.shape}")

    def smooth(r, d):
        features = _smooth_features(r, d, **options)
        scores = svr_scores_differentiable(features, loaded)
        return scores, jnp.mean(scores, axis=-1)

    def libvmaf(r, d):
        features = float_features_libvmaf(r, d, **options)
        with jax.enable_x64(True):
            scores = svr_scores_differentiable(features, loaded)
            mean = jnp.mean(scores, axis=-1)
        return scores.astype(r.dtype), mean.astype(r.dtype)

    if values == "smooth":
        scores, mean = smooth(ref, dis)
    else:
        exact = jax.custom_jvp(libvmaf)

        @exact.defjvp
        def _exact_jvp(primals, tangents):
            # The value of the float path, the derivative of the smooth formulas.
            _, tangent_out = jax.jvp(smooth, primals, tangents)
            return libvmaf(*primals), tangent_out

        scores, mean = exact(ref, dis)
    return scores if per_frame else mean
