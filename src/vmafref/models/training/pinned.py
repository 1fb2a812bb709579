"""The entry point of every pinned child process: ``python -m vmafref.models.training.pinned build|rebuild …``.

``vmafref train`` starts ``build`` (:func:`vmafref.models.release.pipeline.main`) and ``vmafref audit``
starts ``rebuild`` (the audit's child) in a fresh interpreter through this module, whose first
act is :func:`~vmafref.models.training.determinism.pin_process_for_determinism`: one CPU, CPU platform,
the XLA ISA ceiling, all before anything imports numpy or jax (importing this package loads
neither). See specs/models/training_determinism.md §2.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from vmafref.models.training.determinism import pin_process_for_determinism

__all__ = ["main", "COMMANDS"]

COMMANDS = ("build", "rebuild")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: python -m vmafref.models.training.pinned {{{','.join(COMMANDS)}}} ARGS", file=sys.stderr)
        return 2
    from vmafref.compile_cache import disable_for_child

    disable_for_child()  # a pinned build compiles everything itself
    pin_process_for_determinism()
    if argv[0] == "build":
        from vmafref.models.release.pipeline import main as build_main

        return build_main(argv[1:])
    from vmafref.models.release.audit import _child_main

    return _child_main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
