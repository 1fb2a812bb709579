"""Tests for vmafref.models.conversion.allowlist (specs/models/op_allowlist.md)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from vmafref.models.conversion.allowlist import ForbiddenOpError, check_model, enforce, load_allowlist

ROOT = Path(__file__).resolve().parents[3]
SPEC = ROOT / "specs" / "models" / "op_allowlist.md"
DATA = ROOT / "src" / "vmafref" / "data" / "op_allowlist.json"


def _graph(nodes, inputs=("x",), outputs=("y",), initializers=()):
    return helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["N", 4]) for n in inputs],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["N", 4]) for n in outputs], list(initializers))


def _model(nodes, **kwargs):
    return helper.make_model(_graph(nodes, **kwargs), opset_imports=[helper.make_opsetid("", 17)])


def _spec_table(heading: str) -> dict[str, str]:
    text = SPEC.read_text(encoding="utf-8")
    section = text.split(heading, 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
    rows = re.findall(r"^\| ([A-Za-z]+) \| (.+?) \|$", section, flags=re.MULTILINE)
    return {op: why for op, why in rows if op != "operator"}


def test_spec_tables_equal_data_file():
    data = json.loads(DATA.read_text(encoding="utf-8"))
    assert _spec_table("### fp32") == data["fp32"]
    assert _spec_table("### int8 additions") == data["int8_additional"]


def test_int8_list_is_fp32_plus_dynamic_quantisation_ops():
    allowlist = load_allowlist()
    assert allowlist.ops_for("int8") - allowlist.ops_for("fp32") == {
        "Cast", "ConvInteger", "DynamicQuantizeLinear", "MatMulInteger", "Reshape"}
    assert allowlist.ops_for("fp32") < allowlist.ops_for("int8")


def test_allowed_graph_passes():
    model = _model([helper.make_node("Relu", ["x"], ["h"]), helper.make_node("Add", ["h", "x"], ["y"])])
    report = enforce(model, "fp32")
    assert report.ok and report.used == ("Add", "Relu")


def test_forbidden_op_rejected_with_its_name():
    model = _model([helper.make_node("Sin", ["x"], ["y"])])
    with pytest.raises(ForbiddenOpError, match="Sin"):
        enforce(model, "fp32")


@pytest.mark.parametrize("op", ["DynamicQuantizeLinear", "MatMulInteger", "ConvInteger", "Cast", "Reshape"])
def test_int8_ops_rejected_in_fp32_files(op):
    model = _model([helper.make_node(op, ["x"], ["y"])])
    report = check_model(model, "fp32")
    assert report.forbidden_ops == (op,)
    assert check_model(model, "int8").ok


def test_foreign_domain_rejected_even_for_an_allowed_op_name():
    model = _model([helper.make_node("Relu", ["x"], ["y"], domain="com.microsoft")])
    report = check_model(model, "fp32")
    assert report.forbidden_domains == ("com.microsoft",)
    assert not report.ok


def test_subgraph_nodes_rejected_and_hidden_ops_reported():
    body = helper.make_graph([helper.make_node("Sin", ["x"], ["y"])], "body", [],
                             [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4])])
    cond = numpy_helper.from_array(np.array(True), "cond")
    node = helper.make_node("If", ["cond"], ["y"], then_branch=body, else_branch=body)
    model = _model([node], initializers=[cond])
    report = check_model(model, "int8")
    assert "Sin" in report.forbidden_ops and "If" in report.forbidden_ops
    assert report.subgraph_nodes == ("If",)


def test_real_exports_pass_their_lists():
    """The committed registry's files pass (the loader enforces it too; this is the list alone)."""
    registry = ROOT / "model" / "tiny" / "registry.json"
    if not registry.exists():
        pytest.skip("no registry committed yet")
    entries = json.loads(registry.read_text())["models"]
    assert entries
    for entry in entries:
        assert check_model(onnx.load(registry.parent / entry["onnx"]), "fp32").ok
        if entry["int8_onnx"]:
            int8 = onnx.load(registry.parent / entry["int8_onnx"])
            assert check_model(int8, "int8").ok
            assert not check_model(int8, "fp32").ok  # the twin really needs the int8 list
