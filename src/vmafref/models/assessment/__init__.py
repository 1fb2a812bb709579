"""Evaluation and gates: leave-one-source-out metrics, each gate beside the baseline that must fail it, and the run folder's plots.

Modules are imported by name (``from vmafref.models.assessment import evaluation``); this package
imports nothing itself, so that pinned processes stay free of numpy and jax until they pin
(specs/models/training_determinism.md §2).
"""
