"""libvmaf's ADM, VIF and motion features, fixed-point and float, in JAX.

Each module holds pure JAX functions (jit-able, vmap-able) and a streaming
:class:`~vmafref.features.extractor.FeatureExtractor` named as in libvmaf.
"""

from __future__ import annotations

import importlib

from vmafref.features.extractor import FeatureExtractor

__all__ = ["EXTRACTOR_MODULES", "get_extractor"]

#: libvmaf extractor name -> (module, class name).
EXTRACTOR_MODULES: dict[str, tuple[str, str]] = {
    "adm": ("vmafref.features.integer_adm", "IntegerAdmExtractor"),
    "vif": ("vmafref.features.integer_vif", "IntegerVifExtractor"),
    "motion": ("vmafref.features.integer_motion", "IntegerMotionExtractor"),
    "float_adm": ("vmafref.features.float_adm", "FloatAdmExtractor"),
    "float_vif": ("vmafref.features.float_vif", "FloatVifExtractor"),
    "float_motion": ("vmafref.features.float_motion", "FloatMotionExtractor"),
    "psnr": ("vmafref.features.psnr", "PsnrExtractor"),
    "float_psnr": ("vmafref.features.float_psnr", "FloatPsnrExtractor"),
    "float_moment": ("vmafref.features.float_moment", "FloatMomentExtractor"),
    "float_ansnr": ("vmafref.features.float_ansnr", "FloatAnsnrExtractor"),
    "float_ssim": ("vmafref.features.float_ssim", "FloatSsimExtractor"),
    "float_ms_ssim": ("vmafref.features.float_ms_ssim", "FloatMsSsimExtractor"),
    "cambi": ("vmafref.features.cambi", "CambiExtractor"),
    "ciede": ("vmafref.features.ciede", "CiedeExtractor"),
    "psnr_hvs": ("vmafref.features.psnr_hvs", "PsnrHvsExtractor"),
    "speed_chroma": ("vmafref.features.speed", "SpeedChromaExtractor"),
}


def get_extractor(name: str) -> type[FeatureExtractor]:
    """Return the extractor class registered under libvmaf's name ``name``."""
    try:
        module_name, class_name = EXTRACTOR_MODULES[name]
    except KeyError:
        raise ValueError(f"unknown feature extractor {name!r}; known: {', '.join(sorted(EXTRACTOR_MODULES))}") from None
    return getattr(importlib.import_module(module_name), class_name)
