"""Byte-stable ONNX export of the tiny networks with jax2onnx (opset 17).

``export_onnx(model_id, params, **config)`` traces :func:`vmafref.models.networks.nets.apply` with
jax2onnx 0.17.1 into an in-memory ``ModelProto`` (``return_mode="proto"``, so no initializer
is ever spilled to an external-data file), with the contract's input and output names and
symbolic dimensions, and then fixes every field that could carry the exporter's identity or
the environment: producer name/version, doc strings, metadata, graph name, IR version. The
result is a function of (model id, config, parameter values, pinned toolchain) only. See
specs/models/export.md.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import onnx

from vmafref.models.networks import nets

__all__ = [
    "OPSET",
    "IR_VERSION",
    "PRODUCER_NAME",
    "PRODUCER_VERSION",
    "ExportError",
    "export_onnx",
    "normalize_model",
    "check_self_contained",
]

OPSET = 17
IR_VERSION = 10
#: Fixed producer fields (specs/models/export.md §3): the bytes must not change with the
#: exporter's or the package's version string; the toolchain pin is recorded elsewhere.
PRODUCER_NAME = "vmafref"
PRODUCER_VERSION = "onnx-export-1"


class ExportError(RuntimeError):
    """An export that does not meet the contract (wrong opset, external data, bad graph)."""


def _float32_params(params):
    variables = params if "params" in params else {"params": params}
    return jax.tree_util.tree_map(lambda a: jnp.asarray(a, jnp.float32), variables)


def check_self_contained(model: onnx.ModelProto) -> None:
    """Raise unless every initializer is stored inside the model (no external data)."""
    for tensor in model.graph.initializer:
        if tensor.data_location == onnx.TensorProto.EXTERNAL or tensor.external_data:
            raise ExportError(f"initializer {tensor.name!r} refers to external data")


def normalize_model(model: onnx.ModelProto, model_id: str) -> onnx.ModelProto:
    """Fix the identity fields of ``model`` in place (specs/models/export.md §3) and return it.

    * producer name/version := :data:`PRODUCER_NAME` / :data:`PRODUCER_VERSION`;
      ``domain``, ``model_version``, every ``doc_string`` and ``metadata_props`` cleared;
    * graph name := ``model_id``; IR version := :data:`IR_VERSION`;
    * ``value_info`` entries that describe an initializer, graph input or graph output are
      dropped (duplicated shape annotations have broken ORT's quantiser before).
    """
    model.producer_name = PRODUCER_NAME
    model.producer_version = PRODUCER_VERSION
    model.domain = ""
    model.model_version = 0
    model.doc_string = ""
    del model.metadata_props[:]
    model.ir_version = IR_VERSION
    graph = model.graph
    graph.name = model_id
    graph.doc_string = ""
    for node in graph.node:
        node.doc_string = ""
    for value in list(graph.input) + list(graph.output) + list(graph.value_info):
        value.doc_string = ""
    for tensor in graph.initializer:
        tensor.doc_string = ""
    declared = {t.name for t in graph.initializer} | {v.name for v in graph.input} | {v.name for v in graph.output}
    kept = [v for v in graph.value_info if v.name not in declared]
    del graph.value_info[:]
    graph.value_info.extend(kept)
    opsets = [(o.domain, o.version) for o in model.opset_import]
    if opsets != [("", OPSET)]:
        raise ExportError(f"{model_id}: exporter produced opset_import {opsets}, expected [('', {OPSET})]")
    if graph.sparse_initializer or model.functions:
        raise ExportError(f"{model_id}: sparse initializers or functions are not part of the contract")
    check_self_contained(model)
    return model


def export_onnx(model_id: str, params, **config: Any) -> bytes:
    """Serialised ONNX (opset 17) of ``model_id`` with ``params``; see the module docstring.

    Inputs and outputs carry the contract's names and shapes (``"N"``, ``"H"``, ``"W"`` are
    symbolic). The model passes ``onnx.checker.check_model(full_check=True)``.
    """
    from jax2onnx import to_onnx  # imported here: its plugin registry takes seconds to load

    model_contract = nets.contract(model_id, **config)
    variables = _float32_params(params)
    module = nets.build(model_id, **config)

    def forward(*inputs):
        # Outputs in contract order, not in the dict's (sorted) pytree order.
        outputs = module.apply(variables, *inputs, train=False)
        ordered = tuple(outputs[name] for name in model_contract.output_names)
        return ordered[0] if len(ordered) == 1 else ordered

    model = to_onnx(
        forward,
        [tuple(shape) for shape in model_contract.input_shapes],
        model_name=model_id,
        opset=OPSET,
        input_names=list(model_contract.input_names),
        output_names=list(model_contract.output_names),
        return_mode="proto",
    )
    normalize_model(model, model_id)
    outputs = [v.name for v in model.graph.output]
    if tuple(outputs) != model_contract.output_names:
        raise ExportError(f"{model_id}: exported outputs {outputs} differ from the contract's "
                          f"{list(model_contract.output_names)}")
    onnx.checker.check_model(model, full_check=True)
    return model.SerializeToString(deterministic=True)
