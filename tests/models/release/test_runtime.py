"""Tests for vmafref.models.release.runtime: ORT sessions from verified bytes agree with the Flax
models on the same inputs, preprocessing is the documented one, bad input raises."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from vmafref.models.networks import nets
from vmafref.models.training import params_io
from vmafref.models.release.runtime import (
    DeviceUnavailableError,
    LearnedFilter,
    RuntimeInputError,
    TinyModel,
    area_resize,
    luma_to_unit,
    nr_input,
    select_providers,
    unit_to_luma,
)

MODEL_DIR = Path(__file__).resolve().parents[3] / "model" / "tiny"
REGISTRY = MODEL_DIR / "registry.json"
needs_registry = pytest.mark.skipif(not REGISTRY.exists(), reason="no registry committed yet")


def _registered(model_id: str) -> None:
    ids = {e["id"] for e in json.loads(REGISTRY.read_text())["models"]}
    if model_id not in ids:
        pytest.skip(f"{model_id} not registered")


def _flax(model_id: str, *inputs) -> np.ndarray:
    sidecar = json.loads((MODEL_DIR / f"{model_id}.json").read_text())
    params = params_io.params_from_bytes((MODEL_DIR / sidecar["params"]).read_bytes())
    out = nets.apply(model_id, params, *inputs, **sidecar["model_config"])
    return np.asarray(out[sidecar["outputs"][0]["name"]], dtype=np.float64)


def test_area_resize_is_the_block_mean_for_integer_factors():
    rng = np.random.default_rng(0)
    plane = rng.uniform(size=(448, 672))
    expected = plane.reshape(224, 2, 224, 3).mean(axis=(1, 3))
    np.testing.assert_allclose(area_resize(plane, 224, 224), expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(area_resize(plane[:224, :224], 224, 224), plane[:224, :224])


def test_area_resize_keeps_constants_and_the_mean_for_fractional_factors():
    np.testing.assert_allclose(area_resize(np.full((1080, 1920), 0.3), 224, 224), 0.3, atol=1e-12)
    plane = np.random.default_rng(1).uniform(size=(300, 500))
    assert area_resize(plane, 224, 224).mean() == pytest.approx(plane.mean(), abs=1e-12)


def test_luma_scaling_uses_the_full_bit_depth():
    assert luma_to_unit(np.array([[0, 255]], np.uint8), 8).tolist() == [[0.0, 1.0]]
    assert luma_to_unit(np.array([[1023, 512]], np.uint16), 10)[0, 0] == 1.0
    assert unit_to_luma(np.array([0.0, 0.5, 1.0]), 10).tolist() == [0, 512, 1023]
    assert unit_to_luma(np.array([1.2, -0.1]), 8).dtype == np.uint8


@pytest.mark.parametrize("shape, crops", [((90, 160), 1), ((240, 320), 1), ((224, 224), 1), ((448, 300), 2),
                                          ((1080, 1920), 4), ((300, 500), 2)])
def test_nr_input_is_native_resolution_crops(shape, crops):
    rng = np.random.default_rng(sum(shape))
    frame = rng.integers(0, 256, size=shape, dtype=np.uint8)
    inputs = nr_input(frame, 8)
    assert inputs.shape == (crops, 1, 224, 224) and inputs.dtype == np.float32
    height, width = shape
    if height >= 224 and width >= 224:
        # Every crop is a window of the frame itself: no pixel is resampled.
        rows, cols = (2 if height >= 448 else 1), (2 if width >= 448 else 1)
        top, left = (height - 224 * rows) // 2, (width - 224 * cols) // 2
        np.testing.assert_array_equal(inputs[0, 0], frame[top:top + 224, left:left + 224] / np.float32(255.0))
    else:
        # Padding reflects the frame: its own rows appear unchanged in the middle.
        top = (224 - height) // 2
        left = (224 - width) // 2
        np.testing.assert_array_equal(inputs[0, 0, top:top + height, left:left + width], frame / np.float32(255.0))


@pytest.mark.parametrize("luma, bitdepth, message", [
    (np.zeros((4, 4), np.float32), 8, "integer"),
    (np.zeros(4, np.uint8), 8, "2-D"),
    (np.full((4, 4), 300, np.uint16), 8, r"\[0, 255\]"),
    (np.zeros((4, 4), np.uint8), 7, "bitdepth"),
])
def test_bad_luma_raises(luma, bitdepth, message):
    with pytest.raises(RuntimeInputError, match=message):
        luma_to_unit(luma, bitdepth)


def test_device_selection():
    assert select_providers("cpu") == ["CPUExecutionProvider"]
    import onnxruntime as ort

    has_cuda = "CUDAExecutionProvider" in ort.get_available_providers()
    assert select_providers("auto")[0] == ("CUDAExecutionProvider" if has_cuda else "CPUExecutionProvider")
    if not has_cuda:
        with pytest.raises(DeviceUnavailableError, match="CUDAExecutionProvider"):
            select_providers("cuda")
    with pytest.raises(ValueError, match="device"):
        select_providers("tpu")


@needs_registry
def test_fr_regressor_scores_standardised_features_like_flax():
    _registered("fr_regressor_v1")
    model = TinyModel.load("fr_regressor_v1", device="cpu", registry_path=REGISTRY)
    assert model.column_name == "fr_regressor_v1" and model.kind == "fr"
    sidecar = model.sidecar
    rng = np.random.default_rng(2)
    for _ in range(3):
        raw = np.asarray(sidecar["feature_mean"]) + rng.normal(size=6) * np.asarray(sidecar["feature_std"])
        features = dict(zip(sidecar["feature_order"], raw.tolist()))
        features["unrelated_key"] = 1.0
        z = ((raw - np.asarray(sidecar["feature_mean"])) / np.asarray(sidecar["feature_std"]))[None].astype(np.float32)
        assert model.score_frame(None, 8, features) == pytest.approx(float(_flax("fr_regressor_v1", z)[0]), abs=1e-4)
    with pytest.raises(RuntimeInputError, match="integer_adm2"):
        model.score_frame(None, 8, {"integer_vif_scale0": 1.0})


@needs_registry
def test_fr_regressor_v2_takes_a_codec():
    _registered("fr_regressor_v2")
    model = TinyModel.load("fr_regressor_v2", device="cpu", registry_path=REGISTRY)
    features = dict(zip(model.feature_order, model.sidecar["feature_mean"]))
    assert np.isfinite(model.score_frame(None, 8, features, codec="h264"))


@needs_registry
def test_nr_metric_scores_the_mean_of_its_native_crops_like_flax():
    _registered("nr_metric_v1")
    model = TinyModel.load("nr_metric_v1", device="auto", registry_path=REGISTRY)
    assert model.column_name == "nr_mos_score" and model.kind == "nr"
    rng = np.random.default_rng(3)
    frame = rng.integers(0, 1024, size=(448, 448), dtype=np.uint16)
    quarters = (frame.reshape(2, 224, 2, 224).transpose(0, 2, 1, 3).reshape(4, 1, 224, 224) / 1023.0)
    expected = _flax("nr_metric_v1", quarters.astype(np.float32))
    assert model.score_frame(frame, 10) == pytest.approx(float(np.mean(expected)), abs=1e-4)
    calibrated = model.calibrated(model.score_frame(frame, 10))
    assert 0.0 <= calibrated <= 100.0
    with pytest.raises(RuntimeInputError, match="distorted luma"):
        model.score_frame(None, 8, {})


@needs_registry
def test_learned_filter_keeps_shape_and_dtype_and_matches_flax():
    _registered("learned_filter_v1")
    filt = LearnedFilter.load(device="cpu", registry_path=REGISTRY)
    rng = np.random.default_rng(4)
    luma = rng.integers(16, 236, size=(37, 53), dtype=np.uint8)
    out = filt.apply(luma, 8)
    assert out.shape == luma.shape and out.dtype == np.uint8
    expected = _flax("learned_filter_v1", (luma / 255.0)[None, None].astype(np.float32))[0, 0]
    assert np.max(np.abs(out.astype(np.int64) - np.floor(expected * 255 + 0.5).astype(np.int64))) <= 1
    ten_bit = filt.apply(luma.astype(np.uint16) * 4, 10)
    assert ten_bit.dtype == np.uint16 and ten_bit.max() <= 1023


@needs_registry
def test_wrong_wrapper_for_the_kind_is_refused():
    _registered("learned_filter_v1")
    with pytest.raises(RuntimeInputError, match="filter"):
        TinyModel.load("learned_filter_v1", device="cpu", registry_path=REGISTRY)
