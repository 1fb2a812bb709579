"""libvmaf v3.0.0's float ADM (the ``v3.0`` libvmaf convention): f85a8536's values without the
keys v3.0.0 does not write, and only v3.0.0's options (libvmaf v3.0.0's own values:
tests/features/test_v30_goldens.py)."""

from __future__ import annotations

import numpy as np
import pytest

from vmafref.features.float_adm import FloatAdmExtractor
from vmafref.features.float_adm_v30 import FloatAdmV30Extractor

def test_values_are_f85a8536s_without_adm3_and_aim():
    frames = np.random.default_rng(2).integers(0, 256, (2, 33, 33)).astype(np.uint8)
    for options, dropped in (({}, {"adm3", "aim"}), ({"adm_enhn_gain_limit": 1.0}, {"adm3_egl_1", "aim_egl_1"})):
        v30 = FloatAdmV30Extractor(width=33, height=33, bitdepth=8, debug=True, **options).extract(0, *frames)[0]
        default = FloatAdmExtractor(width=33, height=33, bitdepth=8, debug=True, **options).extract(0, *frames)[0]
        assert dropped <= set(default)
        assert v30 == {key: value for key, value in default.items() if key not in dropped}


def test_options_v30_does_not_have_are_refused():
    for option in ("adm_noise_weight", "adm_dlm_weight", "adm_min_val", "adm_skip_scale0", "adm_p_norm"):
        with pytest.raises(ValueError, match="do not exist in libvmaf v3.0.0"):
            FloatAdmV30Extractor(width=33, height=33, bitdepth=8, **{option: 1})
    FloatAdmV30Extractor(width=33, height=33, bitdepth=8, adm_norm_view_dist=4.0, adm_ref_display_height=2160,
                         rcpss="amd")

