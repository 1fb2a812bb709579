"""Release: the build pipeline, sidecars, the sha256 registry, verified loading, inference sessions, the audit and the command line.

Modules are imported by name (``from vmafref.models.release import registry``); this package
imports nothing itself, so that pinned processes stay free of numpy and jax until they pin
(specs/models/training_determinism.md §2).
"""
