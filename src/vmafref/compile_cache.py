"""A persistent XLA compilation cache for the ``vmafref`` command, compiled once per machine.

Every ``vmafref score`` used to compile its stages afresh (7–11 s for a small pair). The
command now points JAX's persistent compilation cache at a folder of the user's cache
directory, keyed by everything that decides the compiled code: the jax, jaxlib and vmafref
versions, the CPU (model and feature flags) and the XLA flags. A second run of the same shapes
loads the executables instead of compiling them; the computation, and so every number, is the
same. Writes are JAX's own (one file per executable, written whole), so concurrent processes
are safe.

* location: ``$VMAFREF_CACHE_DIR`` or ``$XDG_CACHE_HOME/vmafref`` or ``~/.cache/vmafref``,
  then ``xla-<key>/``;
* opt out: ``VMAFREF_COMPILE_CACHE=0``; a ``JAX_COMPILATION_CACHE_DIR`` the user set wins;
* never used by the pinned training and audit processes (``vmafref.models.training.pinned`` removes it
  before jax starts): their bytes must not depend on what another process compiled.

See specs/compile_cache.md.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import platform
from collections.abc import MutableMapping
from pathlib import Path

__all__ = ["cache_directory", "enable_persistent_cache", "disable_for_child", "OPT_OUT"]

OPT_OUT = "VMAFREF_COMPILE_CACHE"
_JAX_DIR = "JAX_COMPILATION_CACHE_DIR"
_OWNED = "VMAFREF_COMPILE_CACHE_OWNED"


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "none"


def _cpu_fingerprint() -> str:
    """CPU model and feature flags (Linux ``/proc/cpuinfo``; the platform string elsewhere)."""
    try:
        text = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return platform.processor() or platform.machine()
    wanted = [line.split(":", 1)[1].strip() for line in text.splitlines()
              if line.split(":", 1)[0].strip() in ("model name", "flags", "Features", "CPU part")]
    return "\n".join(sorted(set(wanted))) or platform.machine()


def cache_directory(environ: MutableMapping[str, str] | None = None) -> Path:
    """The cache folder for this machine and toolchain (it is not created here)."""
    environ = os.environ if environ is None else environ
    from vmafref import __version__

    key = hashlib.sha256("\0".join([_version("jax"), _version("jaxlib"), __version__, platform.machine(),
                                    _cpu_fingerprint(), environ.get("XLA_FLAGS", "")]).encode()).hexdigest()[:20]
    if environ.get("VMAFREF_CACHE_DIR"):
        base = Path(environ["VMAFREF_CACHE_DIR"])
    elif environ.get("XDG_CACHE_HOME"):
        base = Path(environ["XDG_CACHE_HOME"]) / "vmafref"
    else:
        base = Path.home() / ".cache" / "vmafref"
    return base / f"xla-{key}"


def enable_persistent_cache(environ: MutableMapping[str, str] | None = None) -> Path | None:
    """Point JAX at the cache (before jax is imported); the folder, or None when off or unwritable."""
    environ = os.environ if environ is None else environ
    if environ.get(OPT_OUT, "1").strip().lower() in ("0", "off", "no", "false"):
        return None
    if environ.get(_JAX_DIR):
        return Path(environ[_JAX_DIR])
    folder = cache_directory(environ)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # a read-only or missing home: compile as before, silently
    environ[_JAX_DIR] = str(folder)
    environ[_OWNED] = "1"
    # Cache every executable: the small per-stage ones are what a short run spends its time on.
    environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")
    return folder


def disable_for_child(environ: MutableMapping[str, str] | None = None) -> None:
    """Remove the cache this module set up (pinned children compile everything themselves)."""
    environ = os.environ if environ is None else environ
    if environ.pop(_OWNED, None) is not None:
        for name in (_JAX_DIR, "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES"):
            environ.pop(name, None)
