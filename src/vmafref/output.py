"""libvmaf's output schemas (JSON, XML, CSV) at full double precision.

Layout and key names follow ``libvmaf/src/output.c`` (``vmaf_write_output_json`` :160-300,
``_xml`` :70-158, ``_csv`` :304-345); every number is printed with the shortest string that
round-trips to the same double (Python's ``repr``) instead of libvmaf's ``%.6f``, and NaN or
infinity become ``null`` as there. See specs/score.md §7.

Writing follows libvmaf's ``fopen(path, "w")`` where that is safe and improves on it where it
is not (specs/score.md §7.1): a regular file is replaced atomically, keeping the mode open()
would give; anything else (a FIFO, a device, ``/dev/stdout``) is opened and written in place.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import stat
import sys
import tempfile
from dataclasses import dataclass
from typing import Any

from vmafref import __version__
from vmafref.pooling import POOLING_METHODS
from vmafref.scoring import ScoreResult

__all__ = ["format_number", "to_json", "to_xml", "to_csv", "render", "write_output", "write_text",
           "write_fallback", "resolve_output_target", "OutputTarget", "OutputError", "VERSION_STRING"]

#: Written where libvmaf writes ``vmaf_version()``.
VERSION_STRING = f"vmafref {__version__} (libvmaf f85a8536)"


def format_number(value: float) -> str:
    """Shortest round-trip decimal for a finite double, ``null`` otherwise."""
    value = float(value)
    if not math.isfinite(value):
        return "null"
    return repr(value)


def _fps_text(result: ScoreResult) -> str:
    fps = result.fps
    return "null" if not math.isfinite(fps) else format_number(round(fps, 2))


def to_json(result: ScoreResult) -> str:
    lines = ["{", f'  "version": {json.dumps(VERSION_STRING)},', f'  "fps": {_fps_text(result)},', '  "frames": [']
    frame_blocks = []
    for index, row in zip(result.frame_numbers, result.frames):
        keys = [k for k in result.keys if k in row]
        metrics = ",\n".join(f"        {json.dumps(k)}: {format_number(row[k])}" for k in keys)
        frame_blocks.append(f'    {{\n      "frameNum": {index},\n      "metrics": {{\n{metrics}\n      }}\n    }}')
    lines.append(",\n".join(frame_blocks))
    lines.append("  ],")
    pooled_blocks = []
    for key in result.keys:
        if key not in result.pooled:
            continue
        methods = ",\n".join(f'      "{m}": {format_number(result.pooled[key][m])}' for m in POOLING_METHODS)
        pooled_blocks.append(f"    {json.dumps(key)}: {{\n{methods}\n    }}")
    lines.append('  "pooled_metrics": {')
    lines.append(",\n".join(pooled_blocks))
    lines.append("  },")
    aggregate = ",\n".join(f"    {json.dumps(k)}: {format_number(v)}" for k, v in result.aggregate.items())
    lines.append('  "aggregate_metrics": {' + (f"\n{aggregate}\n  " if aggregate else "") + "}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_xml(result: ScoreResult) -> str:
    from xml.sax.saxutils import quoteattr  # here: 10-20 ms of start-up for the XML writer alone

    out = [f"<VMAF version={quoteattr(VERSION_STRING)}>",
           f'  <params qualityWidth="{result.width}" qualityHeight="{result.height}" />',
           f'  <fyi fps="{_fps_text(result)}" />', "  <frames>"]
    for index, row in zip(result.frame_numbers, result.frames):
        attrs = " ".join(f'{k}="{format_number(row[k])}"' for k in result.keys if k in row)
        out.append(f'    <frame frameNum="{index}" {attrs} />')
    out.append("  </frames>")
    out.append("  <pooled_metrics>")
    for key in result.keys:
        if key in result.pooled:
            attrs = " ".join(f'{m}="{format_number(result.pooled[key][m])}"' for m in POOLING_METHODS)
            out.append(f'    <metric name="{key}" {attrs} />')
    out.append("  </pooled_metrics>")
    aggregate = " ".join(f'{k}="{format_number(v)}"' for k, v in result.aggregate.items())
    out.append(f"  <aggregate_metrics {aggregate}/>" if aggregate else "  <aggregate_metrics />")
    out.append("</VMAF>")
    return "\n".join(out) + "\n"


def to_csv(result: ScoreResult) -> str:
    out = ["Frame," + "".join(f"{k}," for k in result.keys)]
    for index, row in zip(result.frame_numbers, result.frames):
        out.append(f"{index}," + "".join(f"{format_number(row[k])}," for k in result.keys if k in row))
    return "\n".join(out) + "\n"


_WRITERS = {"json": to_json, "xml": to_xml, "csv": to_csv}


def render(result: ScoreResult, output_format: str = "xml") -> str:
    """The whole document for ``output_format`` (``json``, ``xml`` or ``csv``)."""
    try:
        writer = _WRITERS[output_format]
    except KeyError:
        raise ValueError(f"unknown output format {output_format!r}; use one of {', '.join(_WRITERS)}") from None
    return writer(result)


# --- Where the document goes (specs/score.md §7.1) ----------------------------------------

class OutputError(OSError):
    """The output path cannot be written; the message names the path and the reason."""

    def __init__(self, message: str, errno_code: int | None = None):
        super().__init__(message)
        self.errno = errno_code


@dataclass(frozen=True)
class OutputTarget:
    """How a document reaches an output path.

    ``kind`` is ``"stdout"`` (the process's standard output: ``-``, or a path naming the file
    or pipe standard output already is), ``"replace"`` (a regular file or a new path, written
    to a temporary file beside ``path`` and renamed over it) or ``"in_place"`` (opened and
    written where it is: a FIFO, a device, a descriptor link, or a regular file whose
    directory does not let a temporary file be made). ``path`` is where the bytes land: for
    a symbolic link to a regular file, the resolved target, so the link itself survives.
    """

    kind: str
    path: str

    def describe(self) -> str:
        return "standard output" if self.kind == "stdout" else repr(self.path)


#: Path prefixes that name an open descriptor rather than a file (``/dev/stdout`` links here).
_DESCRIPTOR_PREFIXES = ("/proc/self/fd/", "/dev/fd/", "/proc/thread-self/fd/")
_MAX_LINK_HOPS = 40


def _through_descriptor_link(path: str) -> bool:
    """True when ``path``, or a link it leads to, names an open file descriptor.

    Such a path must be opened, never resolved and replaced: ``/dev/stdout`` resolves to
    whatever file or pipe standard output is, and renaming over that would swap the file
    under the shell's redirection (or, as root, replace the ``/dev/stdout`` link itself).
    """
    current = os.path.abspath(path)
    for _ in range(_MAX_LINK_HOPS):
        if current.startswith(_DESCRIPTOR_PREFIXES) or (
                current.startswith("/proc/") and "/fd/" in current):
            return True
        try:
            link = os.readlink(current)
        except OSError:  # not a link (or gone): the chain ends here
            return False
        current = os.path.normpath(os.path.join(os.path.dirname(current), link))
    return False


def _is_standard_output(info: os.stat_result) -> bool:
    """Whether ``info`` is the file behind descriptor 1 (the caller's standard output)."""
    try:
        stdout_info = os.fstat(1)
    except OSError:
        return False
    return (info.st_dev, info.st_ino) == (stdout_info.st_dev, stdout_info.st_ino)


def _writable_directory(directory: str) -> bool:
    return os.access(directory, os.W_OK | os.X_OK)


def _new_file_target(path: str, target: str) -> OutputTarget:
    parent = os.path.dirname(target) or "."
    if not os.path.isdir(parent):
        raise OutputError(f"cannot create {path!r}: directory {parent!r} does not exist", errno.ENOENT)
    if not _writable_directory(parent):
        raise OutputError(f"cannot create {path!r}: permission denied in directory {parent!r}", errno.EACCES)
    return OutputTarget("replace", target)


def _existing_file_target(path: str, target: str) -> OutputTarget:
    # os.access answers as fopen(path, "w") would (libvmaf's vmaf_write_output): a read-only
    # file is refused, not silently replaced by a new one.
    if not os.access(target, os.W_OK):
        raise OutputError(f"cannot write {path!r}: permission denied", errno.EACCES)
    if _writable_directory(os.path.dirname(target) or "."):
        return OutputTarget("replace", target)
    # No temporary file can be made beside it, but the file itself may be written.
    return OutputTarget("in_place", target)


def resolve_output_target(path: str) -> OutputTarget:
    """Decide how ``path`` is written, or raise :class:`OutputError` if it cannot be.

    Called before scoring, so that a path that can never be written (a directory, a missing
    directory, no permission) fails at once, and again when writing. See specs/score.md §7.1.
    """
    if path == "-":
        return OutputTarget("stdout", "-")
    if not path:
        raise OutputError("the output path is empty", errno.ENOENT)
    descriptor_link = _through_descriptor_link(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if descriptor_link:
            raise OutputError(f"cannot write {path!r}: no such open file descriptor", errno.EBADF) from None
        # A new path, or a dangling symbolic link: open() would create the link's target, so
        # the temporary file is made and renamed there.
        return _new_file_target(path, os.path.realpath(path))
    except OSError as error:
        raise OutputError(f"cannot write {path!r}: {error.strerror or error}", error.errno) from None
    if stat.S_ISDIR(info.st_mode):
        raise OutputError(f"cannot write {path!r}: it is a directory", errno.EISDIR)
    if _is_standard_output(info):
        return OutputTarget("stdout", path)
    if stat.S_ISREG(info.st_mode) and not descriptor_link:
        return _existing_file_target(path, os.path.realpath(path))
    if not os.access(path, os.W_OK):
        raise OutputError(f"cannot write {path!r}: permission denied", errno.EACCES)
    return OutputTarget("in_place", path)


def _current_umask() -> int:
    """The process umask, read without changing it where the kernel reports it."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere the only way to read it is to set it
    os.umask(mask)
    return mask


def _replace_atomically(text: str, target: str) -> None:
    """Write a temporary file beside ``target``, then rename it over ``target``.

    The file gets the mode open() would give it: an existing file keeps its own, a new one
    ``0666 & ~umask`` (mkstemp makes 0600). Readers see the old document or the whole new
    one, never a part; an interruption leaves neither the temporary file nor a partial one.
    """
    directory, name = os.path.split(target)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_current_umask()
    handle, temporary = tempfile.mkstemp(dir=directory or ".", prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fchmod(stream.fileno(), mode)
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _write_in_place(text: str, path: str) -> None:
    """Open ``path`` for writing and write to it, as libvmaf's ``fopen(path, "w")`` does."""
    with open(path, "w", encoding="utf-8") as stream:
        stream.write(text)


def _write_standard_output(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def write_text(text: str, path: str) -> OutputTarget:
    """Write ``text`` to ``path`` as :func:`resolve_output_target` decides; return the target.

    Raises :class:`OutputError` (an ``OSError``) naming the path and the reason when it
    cannot be written.
    """
    target = resolve_output_target(path)
    try:
        if target.kind == "stdout":
            _write_standard_output(text)
        elif target.kind == "replace":
            _replace_atomically(text, target.path)
        else:
            _write_in_place(text, target.path)
    except OutputError:
        raise
    except OSError as error:
        reason = error.strerror or str(error)
        raise OutputError(f"could not write {target.describe()}: {reason}", error.errno) from None
    return target


def write_output(result: ScoreResult, path: str, output_format: str = "xml") -> OutputTarget:
    """Write ``result`` to ``path`` (``-`` is standard output); see :func:`write_text`."""
    return write_text(render(result, output_format), path)


def write_fallback(text: str, failed: OutputTarget | None, suffix: str = ".txt") -> str:
    """Save a document whose output path failed; return where it went.

    Standard output first (unless that is what failed), else a new file in the temporary
    directory. Raises ``OSError`` only when both fail. See specs/score.md §7.1.
    """
    if failed is None or failed.kind != "stdout":
        try:
            _write_standard_output(text)
            return "standard output"
        except (OSError, ValueError):  # ValueError: standard output is closed
            pass
    handle, path = tempfile.mkstemp(prefix="vmafref-score-", suffix=suffix)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        raise
    return path


def load_json(path: str) -> dict[str, Any]:
    """Read a libvmaf-schema JSON file (vmafref's or libvmaf's own)."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
