"""Exit statuses of the ``vmafref`` command and one-line error messages (specs/cli.md, "Exit status")."""

from __future__ import annotations

__all__ = ["EXIT_OK", "EXIT_FAILED", "EXIT_ERROR", "EXIT_OUTPUT_FAILED", "EXIT_INTERRUPTED", "describe_error"]

EXIT_OK = 0
#: A subcommand's own "the check failed" answer (``registry validate``, ``audit``, corpus rows).
EXIT_FAILED = 1
#: Bad flags; an unreadable, invalid or inconsistent input or model; an -o path that cannot be written.
EXIT_ERROR = 2
#: ``score`` computed the scores but could not write -o; the document went to stdout or a named file.
EXIT_OUTPUT_FAILED = 3
#: Interrupted by Ctrl-C (SIGINT): 128 + 2, what a shell reports for a process killed by it.
EXIT_INTERRUPTED = 130


def describe_error(error: BaseException) -> str:
    """One line for the user: an ``OSError`` as ``PATH: reason``, anything else as its message."""
    if isinstance(error, RecursionError):
        return "input nested too deeply to read"
    if isinstance(error, OSError) and error.filename is not None and error.strerror:
        names = repr(error.filename) + (f" -> {error.filename2!r}" if error.filename2 is not None else "")
        return f"{names}: {error.strerror}"
    text = str(error)
    return text if text else type(error).__name__
