"""libvmaf v3.0.0's ``float_adm`` as the ``v3.0`` libvmaf convention sees it.

Its arithmetic gives the same doubles as f85a8536's C code on every key both write with the
default options (measured against a libvmaf v3.0.0 build on the golden clips and on real
pairs, specs/float_adm.md §12); what differs is the interface: v3.0.0 (tag v3.0.0,
``libvmaf/src/feature/float_adm.c:45-99``) has only the options ``debug``,
``adm_enhn_gain_limit``, ``adm_norm_view_dist``, ``adm_ref_display_height`` and
``adm_csf_mode``, and writes no ``adm3`` and no ``aim`` (``:152-204``; both came with the option
ports of commit 4dcc2f7c).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from vmafref.feature_names import feature_key
from vmafref.features.extractor import FrameValues, refuse_options_missing_from
from vmafref.features.float_adm import FloatAdmExtractor

__all__ = ["FloatAdmV30Extractor", "V30_OPTIONS", "V32_ONLY_FEATURES"]

#: The options libvmaf v3.0.0's ``float_adm`` declares.
V30_OPTIONS = ("debug", "adm_enhn_gain_limit", "adm_norm_view_dist", "adm_ref_display_height", "adm_csf_mode")
#: Features f85a8536's ``float_adm`` writes that v3.0.0's does not.
V32_ONLY_FEATURES = ("VMAF_feature_adm3_score", "VMAF_feature_aim_score")


class FloatAdmV30Extractor(FloatAdmExtractor):
    """:class:`~vmafref.features.float_adm.FloatAdmExtractor` with v3.0.0's options and keys."""

    def __init__(self, *, width: int, height: int, bitdepth: int, **options: Any):
        refuse_options_missing_from("float_adm", options, list(V30_OPTIONS), "3.0.0", "v3.0", also_allowed={"rcpss"})
        super().__init__(width=width, height=height, bitdepth=bitdepth, **options)
        self._dropped = frozenset(feature_key(name, self.feature_params) for name in V32_ONLY_FEATURES)

    def extract(self, index: int, ref: np.ndarray, dis: np.ndarray) -> FrameValues:
        return {i: {key: value for key, value in row.items() if key not in self._dropped}
                for i, row in super().extract(index, ref, dis).items()}
