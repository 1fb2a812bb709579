"""Float VIF, stage by stage: the planes and sums behind ``vif_scale0..3``.

Visual information fidelity (H. R. Sheikh and A. C. Bovik, "Image information and visual
quality", IEEE Trans. Image Process. 15(2):430-444, 2006, doi:10.1109/TIP.2005.859378) models
the distorted image as the reference through a gain ``g`` plus additive noise ``sv^2``, in
local Gaussian windows on four scales. Per scale and pixel, with the filtered moments
``mu1 = f*x``, ``mu2 = f*y`` and

    sigma1^2 = f*(x^2) - mu1^2,   sigma2^2 = f*(y^2) - mu2^2,   sigma12 = f*(xy) - mu1 mu2,
    g = sigma12 / sigma1^2,       sv^2 = sigma2^2 - g sigma12,

the information kept is ``num = log2(1 + g^2 sigma1^2 / (sv^2 + nsq))`` out of
``den = log2(1 + sigma1^2 / nsq)``, and ``vif_scaleK = sum(num) / sum(den)``.

:func:`float_vif_maps` runs libvmaf's float VIF (the production stages of
:mod:`vmafref.features.float_vif`, bit for bit) and returns every intermediate by name;
:func:`float_vif_scores` turns its sums into libvmaf's outputs with the production host code.
See specs/float_vif.md §2-§4 ("Teaching API").
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from vmafref.features._compiled import stack
from vmafref.features._float_common import Arith, sequential_total
from vmafref.features.float_vif import _statistic_terms, _vif_scale_stages, float_vif_scores_from_accumulators

__all__ = ["float_vif_maps", "float_vif_scores"]

#: Names of the five filtered moments, in the order the production stages give them.
MOMENT_NAMES = ("mu1", "mu2", "xx", "yy", "xy")


def _terms(mu1, mu2, xx, yy, xy, faithful: bool, gain_limit: float, sigma_nsq: float):
    return _statistic_terms(mu1, mu2, xx, yy, xy, Arith(mu1, faithful), gain_limit, sigma_nsq)


# Compiled on its own, as the production statistic is (specs/float_vif.md §6).
_terms_jit = jax.jit(_terms, static_argnames=("faithful", "gain_limit", "sigma_nsq"))


def float_vif_maps(ref, dis, *, enhn_gain_limit: float = 100.0, sigma_nsq: float = 2.0) -> dict:
    """Every intermediate of libvmaf's float VIF for one frame pair (or a batch under ``jax.vmap``).

    ``ref``, ``dis``: float32 luma as :func:`vmafref.features._float_common.to_float_luma` makes it
    (``p - 128`` for 8-bit), shape (H, W). Returns::

        {"scales": [per-scale dict] * 4, "num": (4,), "den": (4,)}

    where scale ``k``'s dict holds ``ref``, ``dis`` (the plane after k filter-and-decimate
    steps, specs/float_vif.md §2), ``mu1``, ``mu2``, ``xx``, ``yy``, ``xy`` (the filtered
    moments), ``sigma1_sq``, ``sigma2_sq``, ``sigma12``, ``g``, ``sv_sq`` (as the logarithms
    see them, after the low-variance rules of §3), ``num_map``, ``den_map`` and their float32
    sums ``num``, ``den``. ``num`` and ``den`` are the production accumulators bit for bit
    (:func:`vmafref.features.float_vif.float_vif_accumulators`), jitted or not.
    """
    ref = jnp.asarray(ref, jnp.float32)
    dis = jnp.asarray(dis, jnp.float32)
    scales, nums, dens = [], [], []
    stages = _vif_scale_stages(ref, dis, faithful=True, gain_limit=enhn_gain_limit, sigma_nsq=sigma_nsq)
    for ref_k, dis_k, moments, num, den in stages:
        terms = _terms_jit(*moments, faithful=True, gain_limit=float(enhn_gain_limit), sigma_nsq=float(sigma_nsq))
        entry = {"ref": ref_k, "dis": dis_k, **dict(zip(MOMENT_NAMES, moments))}
        entry.update({name: terms[name] for name in ("sigma1_sq", "sigma2_sq", "sigma12", "g", "sv_sq")})
        # The maps the production sums read (the statistic's own num/den, not a recomputation).
        entry["num_map"], entry["den_map"] = num, den
        entry["num"], entry["den"] = sequential_total(num, True), sequential_total(den, True)
        nums.append(entry["num"])
        dens.append(entry["den"])
        scales.append(entry)
    return {"scales": scales, "num": stack(nums, axis=-1), "den": stack(dens, axis=-1)}


def float_vif_scores(maps: dict, *, scale_min_vals=(0.0, 0.0, 0.0)) -> dict[str, float]:
    """libvmaf's float VIF outputs, debug sums included, from :func:`float_vif_maps`' sums.

    The production host code (:func:`vmafref.features.float_vif.float_vif_scores_from_accumulators`,
    specs/float_vif.md §4): ``vif_scale0 = num0/den0`` and so on in double; keys as libvmaf's
    feature names (``VMAF_feature_vif_scale0_score``, ``vif_num_scale0``, …).
    """
    return float_vif_scores_from_accumulators(np.asarray(maps["num"]), np.asarray(maps["den"]),
                                              scale_min_vals=scale_min_vals, debug=True)
