"""speed_chroma (specs/speed.md) and the ADM CSF modes (specs/integer_adm.md §5a); the
libvmaf values are in golden/ (speed_chroma*, adm_v1, adm_csf, v1_* runs)."""

import numpy as np
import pytest

from vmafref.features import get_extractor
from vmafref.features.integer_adm import AdmConfig, _rfactors, _scale0_i_rfactor
from vmafref.features.speed import SpeedInputError, SpeedOptions, speed_chroma, speed_dimensions
from vmafref.vmaf_model import BUILTIN_MODELS, load_model


def test_dimensions_follow_libvmaf_and_refuse_tiny_planes():
    dim = speed_dimensions(960, 540)
    assert (dim.operating_width, dim.operating_height, dim.blocks_horizontal, dim.blocks_vertical) == (60, 33, 12, 6)
    assert speed_dimensions(320, 180, 0.5).scaled_width == 160
    with pytest.raises(SpeedInputError):
        speed_dimensions(79, 200)


def test_speed_chroma_identical_planes_score_zero_and_keys():
    rng = np.random.default_rng(0)
    u = rng.integers(0, 256, (96, 96), dtype=np.uint8)
    v = rng.integers(0, 256, (96, 96), dtype=np.uint8)
    values = speed_chroma((u, v), (u, v), 8, SpeedOptions(sigma_nn=0.19, nn_floor=0.1, weight_var_mode=5))
    assert values == {"u": 0.0, "v": 0.0, "uv": 0.0}
    ext = get_extractor("speed_chroma")(width=192, height=192, bitdepth=8, pixel_format="420",
                                        speed_max_val=45.0, speed_weight_var_mode=5)
    y = np.zeros((192, 192), np.uint8)
    out = ext.extract(0, (y, u, v), (y, u, 255 - v))[0]
    assert sorted(out) == ["speed_chroma_u_mxv_45_wvm_5", "speed_chroma_uv_mxv_45_wvm_5", "speed_chroma_v_mxv_45_wvm_5"]
    # One 5x5 block: both covariance matrices are singular (specs/speed.md §3), as in libvmaf.
    assert out["speed_chroma_u_mxv_45_wvm_5"] == 0.0 and 0.0 <= out["speed_chroma_v_mxv_45_wvm_5"] <= 45.0


def test_speed_options_refused():
    with pytest.raises(SpeedInputError):
        SpeedOptions(kernelscale=1.23)
    with pytest.raises(SpeedInputError):
        SpeedOptions(prescale=0.5, prescale_method="lanczos4")


def test_adm_csf_modes_factors():
    blend = AdmConfig(csf_mode=2, norm_view_dist=1.5, ref_display_height=2160)
    assert [float(f) for f in _rfactors(0, blend)] == [float(np.float32(x)) for x in (0.01183, 0.01183, 0.004302)]
    assert _scale0_i_rfactor(blend) == (24809, 24809, 36087)
    assert _scale0_i_rfactor(AdmConfig()) == (36453, 36453, 49417)
    with pytest.raises(ValueError):
        AdmConfig(csf_mode=2, norm_view_dist=4.0)
    with pytest.raises(ValueError):
        AdmConfig(csf_mode=1)  # default Barten factors overflow libvmaf's fixed point
    AdmConfig(csf_mode=1, csf_scale=0.01, csf_diag_scale=0.005)


def test_v1_models_built_in_with_chroma_correction():
    names = [n for n in BUILTIN_MODELS if n.startswith("vmaf_v1.0.16")]
    assert len(names) == 8
    model = load_model("vmaf_v1.0.16_3d0h")
    assert [e for e, _ in model.extractor_requests()] == ["cambi", "speed_chroma", "adm", "motion"]
    assert model.chroma_correction == 120.0
    x = [0.5, model.features[1].intercept, 0.9, 0.3]
    corrected = model._chroma_from_luma(x)
    adm3 = (0.9 - model.features[2].intercept) / model.features[2].slope
    assert corrected[1] == model.features[1].slope * (-120.0 * adm3 + 120.0) + model.features[1].intercept
    assert model._chroma_from_luma([0.5, 0.2, 0.9, 0.3]) == [0.5, 0.2, 0.9, 0.3]
