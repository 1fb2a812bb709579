"""The ``vmafref`` command's cache of compiled stages: location, key and opt-out, set before jax loads.

Every ``vmafref score`` used to compile its stages afresh (7–11 s for a small pair). The
command now keeps the compiled stages in a folder of the user's cache directory, keyed by
everything that decides the compiled code: the jax, jaxlib and vmafref versions, the CPU
(model and feature flags) and the XLA flags (:func:`machine_key`). The folder holds
ahead-of-time compiled executables (:mod:`vmafref.executable_cache`), which a later process
loads without tracing, lowering or compiling; the computation, and so every number, is the same.

* location: ``$VMAFREF_CACHE_DIR`` or ``$XDG_CACHE_HOME/vmafref`` or ``~/.cache/vmafref``,
  then ``aot-<key>/`` (``xla-<key>/`` named the earlier JAX compilation cache);
* opt out: ``VMAFREF_COMPILE_CACHE=0``; a ``JAX_COMPILATION_CACHE_DIR`` the user set wins
  (JAX's own cache, then, and no store of executables);
* never used by the pinned training and audit processes (``vmafref.models.training.pinned`` removes it
  before jax starts): their bytes must not depend on what another process compiled.

See specs/compile_cache.md and specs/startup.md.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import platform
from collections.abc import MutableMapping
from pathlib import Path

__all__ = ["cache_directory", "executable_directory", "machine_key", "enable_persistent_cache", "disable_for_child",
           "OPT_OUT"]

OPT_OUT = "VMAFREF_COMPILE_CACHE"
_JAX_DIR = "JAX_COMPILATION_CACHE_DIR"
_OWNED = "VMAFREF_COMPILE_CACHE_OWNED"
_EXECUTABLES = "VMAFREF_EXECUTABLE_CACHE_DIR"  # vmafref.executable_cache.ENV (that module imports jax lazily)


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


def machine_key(environ: MutableMapping[str, str] | None = None) -> str:
    """20 hex digits naming the toolchain and machine: jax, jaxlib, vmafref, CPU, XLA flags."""
    environ = os.environ if environ is None else environ
    from vmafref import __version__

    return hashlib.sha256("\0".join([_version("jax"), _version("jaxlib"), __version__, platform.machine(),
                                     _cpu_fingerprint(), environ.get("XLA_FLAGS", "")]).encode()).hexdigest()[:20]


def _base(environ: MutableMapping[str, str]) -> Path:
    if environ.get("VMAFREF_CACHE_DIR"):
        return Path(environ["VMAFREF_CACHE_DIR"])
    if environ.get("XDG_CACHE_HOME"):
        return Path(environ["XDG_CACHE_HOME"]) / "vmafref"
    return Path.home() / ".cache" / "vmafref"


def cache_directory(environ: MutableMapping[str, str] | None = None) -> Path:
    """The cache folder for this machine and toolchain (it is not created here)."""
    environ = os.environ if environ is None else environ
    return _base(environ) / f"xla-{machine_key(environ)}"


def executable_directory(environ: MutableMapping[str, str] | None = None) -> Path:
    """The folder of ahead-of-time compiled stages (:mod:`vmafref.executable_cache`), same key."""
    environ = os.environ if environ is None else environ
    return _base(environ) / f"aot-{machine_key(environ)}"


def enable_persistent_cache(environ: MutableMapping[str, str] | None = None) -> Path | None:
    """Set up the compiled-stage cache (before jax is imported); the folder, or None when off or unwritable.

    The default is the store of serialised executables (:func:`executable_directory`), which
    skips tracing, lowering and compiling. JAX's own compilation cache is then left off: an
    executable JAX loaded from it cannot be serialised again whole (its kernels are missing
    when the copy is loaded), and every stage of the features goes through the store anyway.
    A ``JAX_COMPILATION_CACHE_DIR`` the user set is used as it is, without the store.
    """
    environ = os.environ if environ is None else environ
    if environ.get(OPT_OUT, "1").strip().lower() in ("0", "off", "no", "false"):
        return None
    if environ.get(_JAX_DIR):
        return Path(environ[_JAX_DIR])
    folder = executable_directory(environ)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None  # a read-only or missing home: compile as before, silently
    if not os.access(folder, os.W_OK | os.X_OK):
        return None
    environ[_EXECUTABLES] = str(folder)
    environ[_OWNED] = "1"
    return folder


def disable_for_child(environ: MutableMapping[str, str] | None = None) -> None:
    """Remove the cache this module set up (pinned children compile everything themselves)."""
    environ = os.environ if environ is None else environ
    environ.pop(_EXECUTABLES, None)  # never a user's: the store is vmafref's own
    environ.pop(_OWNED, None)

