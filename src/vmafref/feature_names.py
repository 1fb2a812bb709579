"""libvmaf feature names: the alias table and option-dependent key names.

libvmaf stores features under names such as ``VMAF_integer_feature_adm2_score`` and writes
them under an alias (``integer_adm2``) in its output (``src/feature/alias.c:26-150``). When a
feature option flagged ``VMAF_OPT_FLAG_FEATURE_PARAM`` has a non-default value, the alias gets
a suffix per option, in alphabetical order of the option names: ``_<alias>_<value>`` with the
value printed by ``%g`` for doubles (``src/feature/feature_name.c:44-160``). See
specs/score.md §2.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["ALIASES", "alias", "format_option_value", "feature_key"]

ALIASES: dict[str, str] = {
    "VMAF_feature_adm2_score": "adm2",
    "VMAF_feature_aim_score": "aim",
    "VMAF_feature_adm3_score": "adm3",
    "VMAF_feature_adm_scale0_score": "adm_scale0",
    "VMAF_feature_adm_scale1_score": "adm_scale1",
    "VMAF_feature_adm_scale2_score": "adm_scale2",
    "VMAF_feature_adm_scale3_score": "adm_scale3",
    "VMAF_feature_motion_score": "motion",
    "VMAF_feature_motion2_score": "motion2",
    "VMAF_feature_motion3_score": "motion3",
    "VMAF_feature_vif_scale0_score": "vif_scale0",
    "VMAF_feature_vif_scale1_score": "vif_scale1",
    "VMAF_feature_vif_scale2_score": "vif_scale2",
    "VMAF_feature_vif_scale3_score": "vif_scale3",
    "VMAF_integer_feature_adm2_score": "integer_adm2",
    "VMAF_integer_feature_aim_score": "integer_aim",
    "VMAF_integer_feature_adm3_score": "integer_adm3",
    "VMAF_integer_feature_motion_score": "integer_motion",
    "VMAF_integer_feature_motion2_score": "integer_motion2",
    "VMAF_integer_feature_motion3_score": "integer_motion3",
    "VMAF_integer_feature_vif_scale0_score": "integer_vif_scale0",
    "VMAF_integer_feature_vif_scale1_score": "integer_vif_scale1",
    "VMAF_integer_feature_vif_scale2_score": "integer_vif_scale2",
    "VMAF_integer_feature_vif_scale3_score": "integer_vif_scale3",
    "Cambi_feature_cambi_score": "cambi",
    "Speed_chroma_feature_speed_chroma_u_score": "speed_chroma_u",
    "Speed_chroma_feature_speed_chroma_v_score": "speed_chroma_v",
    "Speed_chroma_feature_speed_chroma_uv_score": "speed_chroma_uv",
    "Speed_temporal_feature_speed_temporal_score": "speed_temporal",
}


def alias(name: str) -> str:
    """Return libvmaf's output alias of ``name`` (``name`` itself when it has none)."""
    return ALIASES.get(name, name)


def format_option_value(value: object) -> str:
    """Format an option value the way ``feature_name.c`` does (``%g``, ``%d``, bools)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return "%d" % value
    if isinstance(value, float):
        return "%g" % value
    return str(value)


def feature_key(name: str, params: Mapping[str, tuple[str, object]] | None = None) -> str:
    """Output key of feature ``name`` given its non-default feature parameters.

    ``params`` maps option name -> (key alias, value) for options whose value differs from
    the default and that are flagged as feature parameters; booleans add ``_<alias>``,
    other types ``_<alias>_<value>``.
    """
    if not params:
        return alias(name)
    key = alias(name)
    for option_name in sorted(params):
        short, value = params[option_name]
        if isinstance(value, bool):
            key += f"_{short}"
        else:
            key += f"_{short}_{format_option_value(value)}"
    return key
