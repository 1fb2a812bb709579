"""Tiny quality networks: Flax models, training, byte-stable ONNX, registry and verified loading.

The public entry point for using a shipped network is :func:`load`, which verifies a model
file against the registry (sha256, opset, op allowlist, no external data) before anything
else touches it; :mod:`vmafref.models.release.runtime` builds inference sessions from its result.
See specs/models/registry.md.

The names below are imported on first use (PEP 562), so that importing
:mod:`vmafref.models.training.determinism` loads neither numpy nor jax: a training or audit process pins
itself to one CPU before any numerical library starts its thread pools
(specs/models/training_determinism.md §2).
"""

from __future__ import annotations

import importlib

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

_HOMES = {
    "load": "vmafref.models.release.loader",
    "VerifiedModel": "vmafref.models.release.loader",
    "ModelIntegrityError": "vmafref.models.release.loader",
    "ExternalDataError": "vmafref.models.release.loader",
    "OpsetMismatchError": "vmafref.models.release.loader",
    "ContractMismatchError": "vmafref.models.release.loader",
    "ModelArtifactError": "vmafref.models.conversion.allowlist",
    "ForbiddenOpError": "vmafref.models.conversion.allowlist",
}


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'vmafref.models' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
