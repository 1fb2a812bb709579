"""Tests for vmafref.models.conversion.quantize (specs/models/quantization.md)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from onnx import TensorProto, helper, numpy_helper
from scipy import stats

from vmafref.models.conversion.allowlist import ForbiddenOpError
from vmafref.models.conversion.quantize import (
    QuantizationError,
    check_budget,
    inputs_sha256,
    pearson,
    quantize_dynamic_bytes,
    quantize_model,
    run_onnx,
)

ROOT = Path(__file__).resolve().parents[3]

finite = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False, width=64)


def _mlp_bytes(seed: int = 0) -> bytes:
    """A 6 -> 32 -> 1 ReLU MLP with seeded weights (Gemm, Relu: both on the fp32 list)."""
    rng = np.random.default_rng(seed)
    w1 = numpy_helper.from_array(rng.normal(size=(6, 32)).astype(np.float32), "w1")
    b1 = numpy_helper.from_array(rng.normal(size=(32,)).astype(np.float32), "b1")
    w2 = numpy_helper.from_array(rng.normal(size=(32, 1)).astype(np.float32), "w2")
    nodes = [helper.make_node("Gemm", ["features", "w1", "b1"], ["h"]), helper.make_node("Relu", ["h"], ["r"]),
             helper.make_node("Gemm", ["r", "w2"], ["score"])]
    graph = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", 6])],
                              [helper.make_tensor_value_info("score", TensorProto.FLOAT, ["N", 1])], [w1, b1, w2])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 10
    return model.SerializeToString()


def _inputs(seed: int = 1, n: int = 256) -> dict[str, np.ndarray]:
    return {"features": np.random.default_rng(seed).normal(size=(n, 6)).astype(np.float32)}


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(np.float64, st.integers(8, 64), elements=finite), st.data(),
       st.floats(min_value=0.0, max_value=1.0))
def test_verdict_matches_plcc_arithmetic(fp32, draw, budget):
    noise = draw.draw(hnp.arrays(np.float64, fp32.shape, elements=st.floats(-10, 10, allow_nan=False)))
    int8 = fp32 + noise
    assume(np.ptp(fp32) > 1e-6 and np.ptp(int8) > 1e-6)
    verdict = check_budget(fp32, int8, budget)
    expected_rho = stats.pearsonr(fp32, int8).statistic
    assert verdict.plcc == pytest.approx(expected_rho, abs=1e-9)
    assert verdict.plcc_drop == pytest.approx(1.0 - expected_rho, abs=1e-9)
    assert verdict.max_abs_error == pytest.approx(np.max(np.abs(noise)))
    if abs((1.0 - expected_rho) - budget) > 1e-9:
        assert verdict.within_budget == ((1.0 - expected_rho) <= budget)


@given(hnp.arrays(np.float64, st.integers(8, 64), elements=finite), st.floats(1e-3, 1e3), st.floats(-1e3, 1e3))
def test_positive_affine_copies_have_zero_drop(fp32, scale, offset):
    assume(np.ptp(fp32) > 1e-3)
    verdict = check_budget(fp32, scale * fp32 + offset, 0.0)
    assert verdict.plcc_drop == pytest.approx(0.0, abs=1e-9)


def test_constant_outputs_raise_instead_of_guessing():
    with pytest.raises(QuantizationError, match="undefined"):
        check_budget(np.ones(10), np.arange(10.0))
    with pytest.raises(QuantizationError, match="at least"):
        check_budget(np.arange(3.0), np.arange(3.0))
    with pytest.raises(QuantizationError, match="NaN"):
        pearson(np.array([1.0, np.nan, 2.0]), np.arange(3.0))


def test_quantised_mlp_is_byte_stable_allowlisted_and_within_budget():
    fp32 = _mlp_bytes()
    first, second = quantize_dynamic_bytes(fp32), quantize_dynamic_bytes(fp32)
    assert first == second
    ops = {node.op_type for node in onnx.load_model_from_string(first).graph.node}
    assert {"DynamicQuantizeLinear", "MatMulInteger"} <= ops
    result = quantize_model(fp32, _inputs())
    assert result.shipped and result.int8_bytes == first
    assert 0.0 <= result.verdict.plcc_drop <= 0.01
    assert result.eval_inputs_sha256 == inputs_sha256(_inputs())


def _tamper_int8_weights(int8_bytes: bytes) -> bytes:
    """Mirrors half the quantised weights about the middle of their type (-q for int8, 255 - q
    for uint8): a graph whose outputs drift far."""
    model = onnx.load_model_from_string(int8_bytes)
    tampered = 0
    for tensor in model.graph.initializer:
        array = numpy_helper.to_array(tensor)
        if array.dtype in (np.int8, np.uint8) and array.size > 1:
            flipped = array.copy().ravel()
            flipped[::2] = -flipped[::2] if array.dtype == np.int8 else 255 - flipped[::2]
            tampered += 1
            tensor.CopyFrom(numpy_helper.from_array(flipped.reshape(array.shape), tensor.name))
    assert tampered, "no quantised weight tensor found"
    return model.SerializeToString()


def test_int8_graph_over_budget_is_rejected():
    fp32 = _mlp_bytes()
    tampered = _tamper_int8_weights(quantize_dynamic_bytes(fp32))
    result = quantize_model(fp32, _inputs(), int8_bytes=tampered)
    assert result.verdict.plcc_drop > 0.01
    assert not result.shipped and result.int8_bytes is None
    # The same graph within a (deliberately huge) budget would be accepted: the verdict is the
    # budget arithmetic, nothing else.
    assert quantize_model(fp32, _inputs(), int8_bytes=tampered, budget=1.0).shipped


def test_int8_graph_outside_the_int8_allowlist_is_rejected():
    fp32 = _mlp_bytes()
    model = onnx.load_model_from_string(quantize_dynamic_bytes(fp32))
    model.graph.node[0].op_type = "QuantizeLinear"
    with pytest.raises(ForbiddenOpError, match="QuantizeLinear"):
        quantize_model(fp32, _inputs(), int8_bytes=model.SerializeToString())


def test_run_onnx_batches_agree_with_one_batch():
    fp32 = _mlp_bytes()
    inputs = _inputs(n=100)
    np.testing.assert_array_equal(run_onnx(fp32, inputs, batch=7), run_onnx(fp32, inputs, batch=100))


def test_registered_drops_reproduce_on_their_recorded_inputs():
    """Every registered model: the recorded drop is within budget iff an int8 file ships."""
    registry = ROOT / "model" / "tiny" / "registry.json"
    if not registry.exists():
        pytest.skip("no registry committed yet")
    for entry in json.loads(registry.read_text())["models"]:
        sidecar = json.loads((registry.parent / entry["sidecar"]).read_text())
        assert sidecar["quantization"]["plcc_drop"] == entry["quant_plcc_drop"]
        assert (entry["int8_onnx"] is not None) == (entry["quant_plcc_drop"] <= entry["quant_budget_plcc"])
