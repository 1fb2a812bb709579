"""Float ADM, stage by stage: wavelet bands, decoupling, CSF, masking and the pooled sums.

The additive detail measure (S. Li, F. Zhang, L. Ma and K. N. Ngan, "Image quality assessment
by separately evaluating detail losses and additive impairments", IEEE Trans. Multimedia
13(5):935-949, 2011, doi:10.1109/TMM.2011.2152382) splits the distorted image's detail
(wavelet) bands ``t`` against the reference's ``o`` into a *restored* part, the reference
detail the distortion kept (``r = clip(t / o, 0, 1) * o``, or ``t`` itself where the two point
the same way within 1 degree), and an *additive* part ``a = t - r``. Both are weighted by a
contrast-sensitivity factor per scale and orientation; the restored detail is masked by a
threshold made from the additive detail around it (and the reverse for AIM), and per scale

    num = sum_hvd (sum max(|csf(r)| - thr, 0)^3)^(1/3) + noise,   den = sum_hvd (sum |csf(o)|^3)^(1/3) + noise,

``adm2 = sum(num) / sum(den)`` over the four scales.

:func:`float_adm_maps` runs libvmaf's float ADM (the production stages of
:mod:`vmafref.features.float_adm`, bit for bit) and returns every intermediate by name;
:func:`float_adm_scores` gives the pooled per-scale sums and libvmaf's outputs with the
production host code. See specs/float_adm.md §3-§7 ("Teaching API").
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from vmafref.features._float_common import sequential_total
from vmafref.features._float_rcp_table import DEFAULT_RCPSS
from vmafref.features.float_adm import (
    _adm_scale_stages,
    _masked_terms,
    float_adm_scale_sums,
    float_adm_scores_from_accumulators,
)

__all__ = ["BAND_NAMES", "CUBE_NAMES", "float_adm_maps", "float_adm_scores"]

#: The four DWT bands of one level: approximation, vertical, horizontal, diagonal detail.
BAND_NAMES = ("a", "v", "h", "d")
#: Columns of a scale's nine sums of cubes, in the production order (specs/float_adm.md §6).
CUBE_NAMES = ("den_h", "den_v", "den_d", "num_h", "num_v", "num_d", "aim_h", "aim_v", "aim_d")

# Compiled on its own, as the production cube stage is (specs/float_adm.md §9).
_masked_terms_jit = jax.jit(_masked_terms, static_argnames=("rfactors", "region", "faithful"))


def _named_bands(bands) -> dict:
    """{"a", "v", "h", "d"} of a (..., 2, 2, h, w) DWT output ([row filter, column filter])."""
    return {"a": bands[..., 0, 0, :, :], "v": bands[..., 0, 1, :, :], "h": bands[..., 1, 0, :, :],
            "d": bands[..., 1, 1, :, :]}


def _hvd(stacked) -> dict:
    """{"h", "v", "d"} of a (..., 3, h, w) stack in the production order h, v, d."""
    return {"h": stacked[..., 0, :, :], "v": stacked[..., 1, :, :], "d": stacked[..., 2, :, :]}


def float_adm_maps(ref, dis, *, enhn_gain_limit: float = 100.0, norm_view_dist: float = 3.0,
                   ref_display_height: int = 1080, rcpss: str = DEFAULT_RCPSS) -> dict:
    """Every intermediate of libvmaf's float ADM for one frame pair.

    ``ref``, ``dis``: float32 luma (``p - 128`` for 8-bit), shape (H, W). Returns::

        {"scales": [per-scale dict] * 4, "cube_sums": (4, 9)}

    Scale ``k``'s dict holds ``ref_bands`` and ``dis_bands`` ({a, v, h, d}, db2 DWT level
    k + 1 of the previous approximation, specs/float_adm.md §3), ``restored`` and ``additive``
    ({h, v, d}, §4), ``csf_restored``, ``csf_additive`` (the CSF-weighted bands, §5) and their
    ``flt_*`` (``|csf| / 30``, the masking inputs), ``threshold_num`` (from the additive bands,
    masking the restored ones) and ``threshold_aim`` (the reverse), ``csf_ref``,
    ``masked_restored``, ``masked_additive`` ({h, v, d} over the score region, the terms that
    are cubed, §6), ``region`` (top, bottom, left, right), ``rfactors`` (h, v, d) and
    ``cube_sums`` (9,). ``cube_sums`` is the production accumulator bit for bit
    (:func:`vmafref.features.float_adm.float_adm_accumulators`, same ``rcpss`` CPU family), jitted
    or not.
    """
    ref = jnp.asarray(ref, jnp.float32)
    dis = jnp.asarray(dis, jnp.float32)
    scales, sums = [], []
    for stage in _adm_scale_stages(ref, dis, faithful=True, gain_limit=enhn_gain_limit, view_dist=norm_view_dist,
                                   display_height=ref_display_height, rcpss=rcpss):
        bands, decoupled, csf_flt = stage["bands"], stage["decoupled"], stage["csf_flt"]
        (threshold_num, threshold_aim), terms = _masked_terms_jit(
            bands, decoupled, csf_flt, rfactors=stage["rfactors"], region=stage["region"], faithful=True)
        cube_sums = sequential_total(stage["cubes"], True)
        sums.append(cube_sums)
        scales.append({
            "ref_bands": _named_bands(bands[..., 0, :, :, :, :]),
            "dis_bands": _named_bands(bands[..., 1, :, :, :, :]),
            "restored": _hvd(decoupled[..., 0, :, :, :]),
            "additive": _hvd(decoupled[..., 1, :, :, :]),
            # csf_flt's first axis is [mask of num (additive bands), mask of aim (restored bands)].
            "csf_additive": _hvd(csf_flt[..., 0, 0, :, :, :]),
            "flt_additive": _hvd(csf_flt[..., 0, 1, :, :, :]),
            "csf_restored": _hvd(csf_flt[..., 1, 0, :, :, :]),
            "flt_restored": _hvd(csf_flt[..., 1, 1, :, :, :]),
            "threshold_num": threshold_num,
            "threshold_aim": threshold_aim,
            "csf_ref": dict(zip("hvd", terms[0:3])),
            "masked_restored": dict(zip("hvd", terms[3:6])),
            "masked_additive": dict(zip("hvd", terms[6:9])),
            "region": stage["region"],
            "rfactors": dict(zip("hvd", stage["rfactors"])),
            "cube_sums": cube_sums,
        })
    return {"scales": scales, "cube_sums": jnp.stack(sums, axis=-2)}


def float_adm_scores(maps: dict, *, width: int, height: int, noise_weight: float = 0.03125) -> dict:
    """Pooled per-scale sums and libvmaf's float ADM outputs from :func:`float_adm_maps`.

    Returns ``{"num": [4], "den": [4], "aim_num": [4], "scores": {libvmaf feature name: value}}``:
    the per-scale float32 ``num``/``den`` of ``adm_cm_s`` (cube roots with the C library's
    ``powf`` plus the noise floor, specs/float_adm.md §6) and the double outputs of §7 (``adm2``,
    ``aim``, ``adm3``, ``adm_scale0..3`` and the debug sums), by the production host code.
    """
    cube_sums = np.asarray(maps["cube_sums"])
    num, den, aim_num = float_adm_scale_sums(cube_sums, width=width, height=height, noise_weight=noise_weight)
    scores = float_adm_scores_from_accumulators(cube_sums, width=width, height=height, debug=True,
                                                noise_weight=noise_weight)
    return {"num": num, "den": den, "aim_num": aim_num, "scores": scores}
