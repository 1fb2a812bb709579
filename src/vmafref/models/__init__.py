"""Tiny quality networks: Flax models, training, byte-stable ONNX, registry and verified loading.

The public entry point for using a shipped network is :func:`load`, which verifies a model
file against the registry (sha256, opset, op allowlist, no external data) before anything
else touches it; :mod:`vmafref.models.runtime` builds inference sessions from its result.
See specs/models/registry.md.
"""

from __future__ import annotations

from vmafref.models.allowlist import ForbiddenOpError, ModelArtifactError
from vmafref.models.loader import (
    ContractMismatchError,
    ExternalDataError,
    ModelIntegrityError,
    OpsetMismatchError,
    VerifiedModel,
    load,
)

__all__ = [
    "load",
    "VerifiedModel",
    "ModelArtifactError",
    "ForbiddenOpError",
    "ModelIntegrityError",
    "ExternalDataError",
    "OpsetMismatchError",
    "ContractMismatchError",
]
