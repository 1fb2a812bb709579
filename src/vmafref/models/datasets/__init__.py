"""Training data: the pinned real-content corpus, the Netflix feature table, KoNViD-1k and the seeded smoke sets; feature standardisation.

Modules are imported by name (``from vmafref.models.datasets import data``); this package
imports nothing itself, so that pinned processes stay free of numpy and jax until they pin
(specs/models/training_determinism.md §2).
"""
