r"""The ONNX operator allowlist, enforced on every shipped file, fp32 and int8 alike.

The list itself is data (``vmafref/data/op_allowlist.json``); ``specs/models/op_allowlist.md``
gives the reason for each operator and the tests check that the two agree. A file passes when

* every node, at any depth, is in an allowed domain (only the default ONNX domain ``""``),
* every node's ``op_type`` is in the list for its variant: ``fp32`` files use the float list,
  ``int8`` files the float list plus the three dynamic-quantisation operators,
* no node carries a subgraph (``If``/``Loop``/``Scan`` bodies are refused outright, so there is
  nothing to recurse into and nothing hidden),
* the file is no larger than ``max_file_bytes``.

See specs/models/op_allowlist.md §1–§4.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from importlib import resources
from typing import Iterable, Literal

import onnx

__all__ = [
    "ModelArtifactError",
    "ForbiddenOpError",
    "OpAllowlist",
    "AllowlistReport",
    "VARIANTS",
    "load_allowlist",
    "check_model",
    "enforce",
]

VARIANTS = ("fp32", "int8")
Variant = Literal["fp32", "int8"]


class ModelArtifactError(ValueError):
    """A model file, sidecar or registry entry is not what the project ships or pins."""


class ForbiddenOpError(ModelArtifactError):
    """The graph uses an operator, a domain or a subgraph outside the allowlist."""


@dataclasses.dataclass(frozen=True)
class OpAllowlist:
    """The parsed allowlist data file. See specs/models/op_allowlist.md §2."""

    opset: int
    allowed_domains: frozenset[str]
    fp32: frozenset[str]
    int8_additional: frozenset[str]
    max_file_bytes: int

    def ops_for(self, variant: Variant) -> frozenset[str]:
        if variant == "fp32":
            return self.fp32
        if variant == "int8":
            return self.fp32 | self.int8_additional
        raise ValueError(f"unknown model variant {variant!r}; expected one of {VARIANTS}")


@functools.cache
def load_allowlist() -> OpAllowlist:
    """Reads ``vmafref/data/op_allowlist.json`` (cached; the file is package data)."""
    text = resources.files("vmafref").joinpath("data", "op_allowlist.json").read_text(encoding="utf-8")
    data = json.loads(text)
    return OpAllowlist(
        opset=int(data["opset"]),
        allowed_domains=frozenset(data["allowed_domains"]),
        fp32=frozenset(data["fp32"]),
        int8_additional=frozenset(data["int8_additional"]),
        max_file_bytes=int(data["max_file_bytes"]),
    )


@dataclasses.dataclass(frozen=True)
class AllowlistReport:
    """What :func:`check_model` found. ``ok`` is true only when nothing is forbidden."""

    variant: str
    used: tuple[str, ...]
    forbidden_ops: tuple[str, ...]
    forbidden_domains: tuple[str, ...]
    subgraph_nodes: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not (self.forbidden_ops or self.forbidden_domains or self.subgraph_nodes)

    def describe(self) -> str:
        problems = []
        if self.forbidden_ops:
            problems.append(f"operators outside the {self.variant} allowlist: {', '.join(self.forbidden_ops)}")
        if self.forbidden_domains:
            problems.append(f"operator domains outside the allowlist: {', '.join(self.forbidden_domains)}")
        if self.subgraph_nodes:
            problems.append(f"nodes carrying subgraphs (refused): {', '.join(self.subgraph_nodes)}")
        return "; ".join(problems) if problems else f"all operators allowed ({self.variant})"


def _walk_nodes(graph: onnx.GraphProto) -> Iterable[tuple[onnx.NodeProto, bool]]:
    """Yields every node with a flag saying whether it carries a subgraph; recurses into
    subgraphs too, so that the report names every operator a file contains."""
    for node in graph.node:
        subgraphs = []
        for attribute in node.attribute:
            if attribute.type == onnx.AttributeProto.GRAPH or attribute.HasField("g"):
                subgraphs.append(attribute.g)
            subgraphs.extend(attribute.graphs)
        yield node, bool(subgraphs)
        for subgraph in subgraphs:
            yield from _walk_nodes(subgraph)


def check_model(model: onnx.ModelProto, variant: Variant, allowlist: OpAllowlist | None = None) -> AllowlistReport:
    """Collects the operators of ``model`` and those outside the allowlist for ``variant``.

    See specs/models/op_allowlist.md §3.
    """
    allowlist = allowlist or load_allowlist()
    allowed = allowlist.ops_for(variant)
    used, forbidden, domains, subgraph_nodes = set(), set(), set(), []
    for node, has_subgraph in _walk_nodes(model.graph):
        used.add(node.op_type)
        if node.op_type not in allowed:
            forbidden.add(node.op_type)
        if node.domain not in allowlist.allowed_domains and node.domain != "ai.onnx":
            domains.add(node.domain)
        if has_subgraph:
            subgraph_nodes.append(node.name or node.op_type)
    return AllowlistReport(
        variant=variant,
        used=tuple(sorted(used)),
        forbidden_ops=tuple(sorted(forbidden)),
        forbidden_domains=tuple(sorted(domains)),
        subgraph_nodes=tuple(subgraph_nodes),
    )


def enforce(model: onnx.ModelProto, variant: Variant, *, what: str = "model") -> AllowlistReport:
    """Raises :class:`ForbiddenOpError` unless ``model`` passes :func:`check_model`."""
    report = check_model(model, variant)
    if not report.ok:
        raise ForbiddenOpError(f"{what}: {report.describe()} (see specs/models/op_allowlist.md)")
    return report
