"""An independent ONNX exporter, written node by node with ``onnx.helper``.

It shares nothing with jax2onnx but the parameter tree: each network is re-stated here as
ONNX operators (Gemm, Erf, Conv, Clip, GlobalAveragePool, ...) and the Flax parameters are
converted by hand (Dense kernels ``[in, out]`` go into Gemm as they are; conv kernels HWIO →
OIHW, depthwise ``(3, 3, 1, C)`` → ``(C, 1, 3, 3)`` with ``group=C``). Its outputs must match
:func:`vmafref.models.conversion.export.export_onnx`'s within 1e-6 through onnxruntime; a mismatch means
one of the two does not compute what the spec says. See specs/models/export.md §6.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from vmafref.models.networks import nets
from vmafref.models.conversion.export import IR_VERSION, OPSET

__all__ = ["REFERENCE_PRODUCER_NAME", "export_reference_onnx"]

REFERENCE_PRODUCER_NAME = "vmafref-reference"


class _Graph:
    """Nodes and initializers with names from a local counter (so the bytes are stable)."""

    def __init__(self):
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.counter = 0

    def _name(self, stem: str) -> str:
        self.counter += 1
        return f"{stem}_{self.counter}"

    def const(self, value, dtype=np.float32, stem: str = "w") -> str:
        name = self._name(stem)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(np.asarray(value, dtype=dtype)), name))
        return name

    def op(self, op_type: str, inputs: list[str], output: str | None = None, **attributes) -> str:
        output = output or self._name(op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [output], name=self._name(op_type), **attributes))
        return output


def _gemm(g: _Graph, x: str, dense: dict, output: str | None = None) -> str:
    return g.op("Gemm", [x, g.const(dense["kernel"]), g.const(dense["bias"])], output)


def _gelu(g: _Graph, x: str) -> str:
    """Exact GELU: ``0.5 · x · (1 + erf(x / √2))``."""
    erf = g.op("Erf", [g.op("Div", [x, g.const(math.sqrt(2.0))])])
    return g.op("Mul", [g.op("Mul", [x, g.op("Add", [erf, g.const(1.0)])]), g.const(0.5)])


def _squeeze_last(g: _Graph, x: str, output: str) -> str:
    return g.op("Squeeze", [x, g.const([1], np.int64, stem="axes")], output)


def _conv(g: _Graph, x: str, conv: dict, *, stride: int = 1, groups: int = 1) -> str:
    kernel = np.asarray(conv["kernel"], dtype=np.float32)          # HWIO (I = in/groups)
    kh, kw = kernel.shape[:2]
    pad_h, pad_w = kh // 2, kw // 2                                 # the modules pad (1, 1) for 3×3, 0 for 1×1
    return g.op("Conv", [x, g.const(kernel.transpose(3, 2, 0, 1)), g.const(conv["bias"])],
                kernel_shape=[kh, kw], strides=[stride, stride], pads=[pad_h, pad_w, pad_h, pad_w],
                dilations=[1, 1], group=groups)


def _relu6(g: _Graph, x: str) -> str:
    return g.op("Clip", [x, g.const(0.0, stem="min"), g.const(6.0, stem="max")])


def _fr_graph(g: _Graph, p: dict, cfg: dict[str, Any], contract: nets.ModelContract) -> None:
    x = contract.input_names[0]
    if contract.num_codecs:
        x = g.op("Concat", [x, contract.input_names[1]], axis=1)
    for layer in range(cfg["depth"]):
        x = _gelu(g, _gemm(g, x, p[f"hidden_{layer}"]))
    score = _squeeze_last(g, _gemm(g, x, p["score_head"]), g._name("score_raw"))
    g.op("Clip", [score, g.const(nets.SCORE_MIN, stem="min"), g.const(nets.SCORE_MAX, stem="max")], "score")
    if cfg["variance"]:
        _squeeze_last(g, _gemm(g, x, p["logvar_head"]), "score_logvar")


def _nr_graph(g: _Graph, p: dict, cfg: dict[str, Any]) -> None:
    w = cfg["width"]
    x = _relu6(g, _conv(g, "input", p["stem"], stride=2))
    plan = ((w, 2), (2 * w, 1), (2 * w, 2), (4 * w, 1), (4 * w, 2))
    for block, (c_in, stride) in enumerate(plan):
        x = _relu6(g, _conv(g, x, p[f"block{block}_depthwise"], stride=stride, groups=c_in))
        x = _relu6(g, _conv(g, x, p[f"block{block}_pointwise"]))
    x = g.op("Flatten", [g.op("GlobalAveragePool", [x])], axis=1)
    _squeeze_last(g, _gemm(g, x, p["head"]), "mos_score")


def _filter_graph(g: _Graph, p: dict, cfg: dict[str, Any]) -> None:
    h = _conv(g, "input", p["entry"])
    for block in range(cfg["num_blocks"]):
        r = _conv(g, g.op("Relu", [_conv(g, h, p[f"block{block}_conv0"])]), p[f"block{block}_conv1"])
        h = g.op("Add", [h, r])
    restored = g.op("Add", ["input", _conv(g, h, p["exit"])])
    g.op("Clip", [restored, g.const(0.0, stem="min"), g.const(1.0, stem="max")], "output")


def _value_info(name: str, shape) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape))


def export_reference_onnx(model_id: str, params, **config: Any) -> bytes:
    """Serialised ONNX (opset 17) of ``model_id`` built by hand from ``params``.

    Same contract (names, shapes, symbolic dims) as
    :func:`vmafref.models.conversion.export.export_onnx`; different graph construction.
    """
    cfg = nets.resolve_config(model_id, **config)
    contract = nets.contract(model_id, **config)
    tree = params["params"] if "params" in params else params
    p = {layer: {k: np.asarray(v, dtype=np.float32) for k, v in leaves.items()} for layer, leaves in tree.items()}
    g = _Graph()
    if contract.kind == "fr":
        _fr_graph(g, p, cfg, contract)
    elif contract.kind == "nr":
        _nr_graph(g, p, cfg)
    else:
        _filter_graph(g, p, cfg)
    graph = helper.make_graph(
        g.nodes, model_id,
        [_value_info(n, s) for n, s in zip(contract.input_names, contract.input_shapes)],
        [_value_info(n, s) for n, s in zip(contract.output_names, contract.output_shapes)],
        initializer=g.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name=REFERENCE_PRODUCER_NAME, producer_version="1")
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model.SerializeToString(deterministic=True)
