"""Deterministic training with Optax: pinned processes, the training loop, canonical parameter bytes, parallel leave-one-source-out folds.

Modules are imported by name (``from vmafref.models.training import train``); this package
imports nothing itself, so that pinned processes stay free of numpy and jax until they pin
(specs/models/training_determinism.md §2).
"""
