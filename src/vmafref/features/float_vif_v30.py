"""libvmaf v3.0.0's ``float_vif``: the ``v3.0`` libvmaf convention.

libvmaf v3.0.0 (tag v3.0.0, commit 17a67b23; ``libvmaf/src/feature/float_vif.c``, ``vif.c``,
``vif_tools.c``) computes the float VIF with f85a8536's pyramid and statistic
(:mod:`vmafref.features.float_vif`) but differs in four ways (specs/float_vif.md §9), file:line
at v3.0.0:

1. **kernels**: the precomputed table ``vif_filter1d_table_s`` (``vif_tools.c:88-91``), where
   f85a8536 computes them at run time (commit bf9ad333); they differ in the last bits
   (:data:`~vmafref.features.float_vif.V30_FILTERS`);
2. **mirror**: a tap past the bottom or right border reads 2n − i − 1, the edge sample repeated
   (``vif_tools.c:424,442``, and the ``_sq``/``_xy`` filters), where f85a8536 reads 2n − i − 2
   (commit 41d42c9e);
3. **sigma_nsq** is ``static const float sigma_nsq = 2`` (``vif_tools.c:278``), so
   ``1 + g²σ₁² / (sv² + 2)`` and ``1 + σ₁² / 2`` are float operations (``:366-367``); f85a8536's
   ``vif_sigma_nsq`` option is a double (commit 18e8f1c5) and both are evaluated in double;
4. **interface**: options ``debug``, ``vif_enhn_gain_limit`` (alias ``egl``) and
   ``vif_kernelscale`` (no alias; vmafref computes only its default 1) (``float_vif.c:43-76``);
   ``vif_scaleK = numK / denK`` with no ``vif_scaleK_min_val`` floor (``:128-142``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from vmafref.feature_names import feature_key
from vmafref.features._float_common import check_bitdepth, to_float_luma
from vmafref.features.extractor import FeatureExtractor, FrameValues, OptionSpec, refuse_options_missing_from
from vmafref.features.float_vif import _check_size, float_vif_accumulators, float_vif_scores_from_accumulators

__all__ = ["FloatVifV30Extractor", "LIBVMAF_VERSION"]

#: The libvmaf release whose float VIF this module reproduces.
LIBVMAF_VERSION = "3.0.0"


class FloatVifV30Extractor(FeatureExtractor):
    """libvmaf v3.0.0's ``float_vif`` (selected by the ``v3.0`` libvmaf convention,
    :mod:`vmafref.conventions`)."""

    name = "float_vif"
    frame_independent = True
    options = {
        "debug": OptionSpec("debug", False, bool, reference="v3.0.0 float_vif.c:44-50"),
        "vif_enhn_gain_limit": OptionSpec("vif_enhn_gain_limit", 100.0, float, alias="egl", feature_param=True,
                                          minimum=1.0, maximum=100.0, reference="v3.0.0 float_vif.c:51-62"),
        "vif_kernelscale": OptionSpec("vif_kernelscale", 1.0, float, feature_param=True, minimum=0.1, maximum=4.0,
                                      reference="v3.0.0 float_vif.c:63-74"),
    }

    def __init__(self, *, width: int, height: int, bitdepth: int, **options: Any):
        refuse_options_missing_from("float_vif", options, sorted(self.options), LIBVMAF_VERSION, "v3.0")
        super().__init__(width=width, height=height, bitdepth=bitdepth, **options)
        check_bitdepth(self.bitdepth)
        _check_size(self.height, self.width)
        if self.values["vif_kernelscale"] != 1.0:
            raise NotImplementedError(f"float_vif option vif_kernelscale={self.values['vif_kernelscale']!r} is not "
                                      "implemented (only its default is); see specs/float_vif.md §5")

    def extract(self, index: int, ref: np.ndarray, dis: np.ndarray) -> FrameValues:
        num, den = float_vif_accumulators(to_float_luma(ref, self.bitdepth), to_float_luma(dis, self.bitdepth),
                                          enhn_gain_limit=float(self.values["vif_enhn_gain_limit"]),
                                          convention="v3.0")
        values = float_vif_scores_from_accumulators(np.asarray(num), np.asarray(den), debug=self.values["debug"],
                                                    scale_min_vals=None)
        return {index: {feature_key(name, self.feature_params): value for name, value in values.items()}}
