"""The Flax networks and their I/O contracts (specs/models/*.md §3), and the codec vocabulary of fr_regressor_v2.

Modules are imported by name (``from vmafref.models.networks import nets``); this package
imports nothing itself, so that pinned processes stay free of numpy and jax until they pin
(specs/models/training_determinism.md §2).
"""
