"""libvmaf's ``--aom_ctc`` and ``--nflx_ctc`` presets (``libvmaf/tools/cli_parse.c:295-449``).

A preset appends models and feature extractors to the command line, exactly as if they had
been given with ``--model`` and ``--feature``. vmafref runs a preset when it implements every
extractor the preset asks for, and refuses it otherwise, naming what is missing and the part
it can run, rather than quietly score a subset (specs/cli.md).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Preset", "PRESETS", "preset", "missing_extractors"]


@dataclass(frozen=True)
class Preset:
    """What a preset adds: ``--model`` strings, ``--feature`` strings, and whether it lets the
    two clips have different bit depths (``common_bitdepth``, ``vmaf.c:30-69``)."""

    flag: str
    version: str
    models: tuple[str, ...]
    features: tuple[str, ...]
    common_bitdepth: bool = False


_AOM_MODELS = ("version=vmaf_v0.6.1:name=vmaf", "version=vmaf_v0.6.1neg:name=vmaf_neg")
_AOM_V1_FEATURES = ("psnr=reduced_hbd_peak=true:enable_apsnr=true:min_sse=0.5", "ciede",
                    "float_ssim=enable_db=true:clip_db=true", "float_ms_ssim=enable_db=true:clip_db=true",
                    "psnr_hvs")
_AOM_V3_FEATURES = _AOM_V1_FEATURES + ("cambi",)
# v7.0 replaces float_ssim in place (CHECKED_REPLACE, cli_parse.c:360-366).
_AOM_V7_FEATURES = tuple("float_ssim=scale=1:enable_db=true:clip_db=true" if f.startswith("float_ssim=") else f
                         for f in _AOM_V3_FEATURES)


def _aom(version: str, features: tuple[str, ...], common_bitdepth: bool = False) -> Preset:
    return Preset("--aom_ctc", version, _AOM_MODELS, features, common_bitdepth)


#: ``(flag, version)`` → preset, as ``aom_ctc_v1_0`` … ``aom_ctc_v7_0`` and ``nflx_ctc_v1_0`` build them.
PRESETS: dict[tuple[str, str], Preset] = {
    ("--aom_ctc", "v1.0"): _aom("v1.0", _AOM_V1_FEATURES),
    ("--aom_ctc", "v2.0"): _aom("v2.0", _AOM_V1_FEATURES),
    ("--aom_ctc", "v3.0"): _aom("v3.0", _AOM_V3_FEATURES),
    ("--aom_ctc", "v4.0"): _aom("v4.0", _AOM_V3_FEATURES),
    ("--aom_ctc", "v5.0"): _aom("v5.0", _AOM_V3_FEATURES),
    ("--aom_ctc", "v6.0"): _aom("v6.0", _AOM_V3_FEATURES, common_bitdepth=True),
    ("--aom_ctc", "v7.0"): _aom("v7.0", _AOM_V7_FEATURES, common_bitdepth=True),
    ("--nflx_ctc", "v1.0"): Preset("--nflx_ctc", "v1.0",
                                   ("version=vmaf_4k_v0.6.1:name=vmaf", "version=vmaf_4k_v0.6.1neg:name=vmaf_neg"),
                                   ("psnr=enable_chroma=true:enable_apsnr=true",
                                    "float_ssim=enable_db=true:clip_db=true", "cambi")),
}


def preset(flag: str, version: str) -> Preset:
    """The preset ``flag version``; ``ValueError`` for a version libvmaf does not know."""
    if flag == "--aom_ctc" and version == "proposed":
        raise ValueError("`--aom_ctc proposed` is deprecated (libvmaf refuses it too); use v1.0 … v7.0")
    try:
        return PRESETS[(flag, version)]
    except KeyError:
        known = ", ".join(v for f, v in PRESETS if f == flag)
        raise ValueError(f"bad {flag[2:]} version {version!r}; libvmaf f85a8536 knows {known}") from None


def missing_extractors(chosen: Preset, known: set[str] | frozenset[str]) -> list[str]:
    """Extractor names the preset needs that are not in ``known``, in the preset's order."""
    names = [feature.partition("=")[0] for feature in chosen.features]
    return [name for name in dict.fromkeys(names) if name not in known]
