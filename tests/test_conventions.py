"""The libvmaf conventions (vmafref.conventions): which extractor each selects, and what the
``v3.0`` convention changes in a scoring run's keys."""

from __future__ import annotations

import numpy as np
import pytest

from vmafref.conventions import CONVENTIONS, DEFAULT_CONVENTION, check_convention, extractor_class
from vmafref.features import get_extractor
from vmafref.features.float_adm_v30 import FloatAdmV30Extractor
from vmafref.features.float_motion_v30 import FloatMotionV30Extractor
from vmafref.features.float_vif_v30 import FloatVifV30Extractor
from vmafref.features.integer_adm_v30 import IntegerAdmV30Extractor
from vmafref.features.integer_motion_v30 import IntegerMotionV30Extractor
from vmafref.scoring import score_frames


def test_each_convention_selects_its_extractors():
    assert check_convention(DEFAULT_CONVENTION).extractors == {}
    v30 = {"motion": IntegerMotionV30Extractor, "adm": IntegerAdmV30Extractor, "float_motion": FloatMotionV30Extractor,
           "float_vif": FloatVifV30Extractor, "float_adm": FloatAdmV30Extractor}
    for name, cls in v30.items():
        assert extractor_class(name, "v3.0") is cls
        assert extractor_class(name) is get_extractor(name)
        assert cls.name == name
    assert extractor_class("vif", "v3.0") is get_extractor("vif"), "v3.0.0's integer VIF is f85a8536's"
    assert CONVENTIONS["v3.0"].not_reproduced == ()
    with pytest.raises(ValueError, match="unknown libvmaf convention"):
        check_convention("v2.3")


def _pairs(count: int = 3, height: int = 33, width: int = 33):  # a golden geometry: compiled once
    rng = np.random.default_rng(0)
    for index in range(count):
        ref = rng.integers(0, 256, (height, width)).astype(np.uint8)
        dis = np.clip(ref.astype(int) + rng.integers(-9, 10, ref.shape), 0, 255).astype(np.uint8)
        yield index, ref, dis


@pytest.mark.parametrize("model", ["vmaf_v0.6.1", "vmaf_float_v0.6.1"])
def test_v30_writes_v30s_keys(model):
    default = score_frames(_pairs(), width=33, height=33, bitdepth=8, models=[model])
    v30 = score_frames(_pairs(), width=33, height=33, bitdepth=8, models=[model], libvmaf_convention="v3.0")
    v32_only = {"integer_adm3", "integer_aim", "integer_motion3", "VMAF_integer_feature_motion_sad_score", "adm3",
                "aim", "motion3"}
    # v3.0.0's integer motion writes integer_motion by default (its debug option defaults to true).
    v30_only = {"integer_motion"} if model == "vmaf_v0.6.1" else set()
    assert set(v30.keys) == (set(default.keys) - v32_only) | v30_only
    motion = "integer_motion2" if model == "vmaf_v0.6.1" else "motion2"
    assert v30.frames[1][motion] != default.frames[1][motion]
