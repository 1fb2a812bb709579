"""libvmaf conventions: which libvmaf's arithmetic an extractor reproduces.

The reference is libvmaf f85a8536's plain C code (convention ``f85a8536``, the default). A
convention names another libvmaf whose numbers a user may hold and replaces the extractors
that compute differently there; every other extractor is the reference one.

``v3.0``: libvmaf v3.0.0 (tag v3.0.0, commit 17a67b23), what many distributions ship. Its
fixed-point motion blurs each frame before the SAD, mirrors the bottom/right border with the
edge sample repeated and normalises the SAD in float (:mod:`vmafref.features.integer_motion_v30`,
specs/integer_motion.md §11); its integer ADM and VIF give the same doubles as f85a8536, the ADM
without the keys ``integer_adm3`` and ``integer_aim`` (:mod:`vmafref.features.integer_adm_v30`). Its
float motion and float VIF mirror the bottom/right border the same old way (commit 41d42c9e changed
``common/convolution_internal.h`` and ``vif_tools.c``): the float motion also writes no
``motion3`` (:mod:`vmafref.features.float_motion_v30`, specs/float_motion.md §6); the float VIF
also uses precomputed kernels, a float ``sigma_nsq`` and no per-scale floor
(:mod:`vmafref.features.float_vif_v30`, specs/float_vif.md §9). Its float ADM gives
f85a8536's doubles without the keys ``adm3`` and ``aim`` (:mod:`vmafref.features.float_adm_v30`).
Each replaced extractor takes only the options v3.0.0 declares and refuses the others.
"""

from __future__ import annotations

import dataclasses
import importlib

from vmafref.features import get_extractor
from vmafref.features.extractor import FeatureExtractor

__all__ = ["DEFAULT_CONVENTION", "CONVENTIONS", "Convention", "extractor_class", "check_convention"]

DEFAULT_CONVENTION = "f85a8536"


@dataclasses.dataclass(frozen=True)
class Convention:
    name: str
    libvmaf: str
    description: str
    #: libvmaf extractor name -> (module, class) replacing the reference extractor.
    extractors: dict[str, tuple[str, str]] = dataclasses.field(default_factory=dict)
    #: Extractors this libvmaf computes differently that the convention does not reproduce.
    not_reproduced: tuple[str, ...] = ()


CONVENTIONS: dict[str, Convention] = {
    "f85a8536": Convention("f85a8536", "libvmaf f85a8536 (v3.2.0-13), plain C path",
                           "the reference: every extractor as libvmaf f85a8536's C code"),
    "v3.0": Convention("v3.0", "libvmaf v3.0.0 (17a67b23), plain C path",
                       "libvmaf v3.0.0's fixed-point motion (per-frame blur, edge-repeating mirror, float "
                       "normalisation; keys integer_motion and integer_motion2 only), float motion and float "
                       "VIF (edge-repeating mirror; precomputed VIF kernels, float sigma_nsq), and the ADM "
                       "key sets of v3.0.0",
                       extractors={"motion": ("vmafref.features.integer_motion_v30", "IntegerMotionV30Extractor"),
                                   "adm": ("vmafref.features.integer_adm_v30", "IntegerAdmV30Extractor"),
                                   "float_motion": ("vmafref.features.float_motion_v30", "FloatMotionV30Extractor"),
                                   "float_vif": ("vmafref.features.float_vif_v30", "FloatVifV30Extractor"),
                                   "float_adm": ("vmafref.features.float_adm_v30", "FloatAdmV30Extractor")}),
}


def check_convention(name: str) -> Convention:
    """The :class:`Convention` called ``name``; ``ValueError`` naming the known ones otherwise."""
    try:
        return CONVENTIONS[name]
    except KeyError:
        raise ValueError(f"unknown libvmaf convention {name!r}; known: {', '.join(CONVENTIONS)}") from None


def extractor_class(name: str, convention: str = DEFAULT_CONVENTION) -> type[FeatureExtractor]:
    """The extractor class for libvmaf's extractor ``name`` under ``convention``."""
    replacement = check_convention(convention).extractors.get(name)
    if replacement is None:
        return get_extractor(name)
    module_name, class_name = replacement
    return getattr(importlib.import_module(module_name), class_name)
