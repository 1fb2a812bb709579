"""The ``vmafref`` command line.

Each area of the product contributes its subcommands through a ``register(subparsers)``
function; this module only assembles them.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from vmafref.cli.exit_status import EXIT_ERROR, EXIT_INTERRUPTED, describe_error

__all__ = ["build_parser", "main", "console_main"]

#: Modules that contribute subcommands, in help order.
SUBCOMMAND_MODULES = ("vmafref.cli.score", "vmafref.cli.conformance", "vmafref.models.release.cli", "vmafref.corpus.cli",
                      "vmafref.plot")


def build_parser() -> argparse.ArgumentParser:
    from vmafref import __version__

    parser = argparse.ArgumentParser(prog="vmafref", description="Reproducible reference implementation of libvmaf and tiny VMAF networks.")
    parser.add_argument("--version", action="version", version=f"vmafref {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; return its exit status (specs/cli.md, "Exit status").

    Ordinary failures never end in a traceback: an ``OSError``, ``ValueError`` (including
    ``UnicodeError``) or ``RecursionError`` a subcommand did not report itself prints
    ``vmafref: error: …`` and gives status 2; Ctrl-C gives 130.
    """
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "handler", None):
            parser.print_help(sys.stderr)
            return EXIT_ERROR
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        print("vmafref: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader of our output went away (``| head``): nothing more can be said there, and
        # Python's own flush at exit must not fail again on the same pipe.
        _silence_stdout()
        return EXIT_ERROR
    except (OSError, ValueError, UnicodeError, RecursionError) as error:
        print(f"vmafref: error: {describe_error(error)}", file=sys.stderr)
        return EXIT_ERROR


def _silence_stdout() -> None:
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def console_main() -> int:
    """The ``vmafref`` console script: tunes the C allocator for large frames before anything
    starts a thread (:mod:`vmafref.allocator`), turns on the persistent compilation cache
    (:mod:`vmafref.compile_cache`), then runs :func:`main` on ``sys.argv``."""
    from vmafref.allocator import tune_for_large_frames
    from vmafref.compile_cache import enable_persistent_cache

    tune_for_large_frames()
    enable_persistent_cache()  # before jax loads: compiled stages are reused across runs
    return main()
