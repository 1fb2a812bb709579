"""Export and quantisation: byte-stable ONNX opset 17, the op allowlist, the INT8 twins.

Modules are imported by name (``from vmafref.models.conversion import export``); this package
imports nothing itself, so that pinned processes stay free of numpy and jax until they pin
(specs/models/training_determinism.md §2).
"""
