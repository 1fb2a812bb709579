"""Ahead-of-time compiled feature stages, serialised once per machine.

JAX's persistent compilation cache (:mod:`vmafref.compile_cache`) skips XLA's compilation
only: every process still traces and lowers each jitted stage, which was most of a warm
``vmafref score`` of a small pair. This store keeps the *compiled executables themselves*
(``jax.jit(f).lower(...).compile()``, serialised by ``jax.experimental.serialize_executable``)
so that a later process loads a stage without tracing, lowering or compiling it.

* location: ``$VMAFREF_EXECUTABLE_CACHE_DIR`` (the ``vmafref`` command sets it to
  ``aot-<key>/`` beside the compile cache's ``xla-<key>/``; unset, nothing is stored);
* file key: sha256 of the machine key (jax, jaxlib and vmafref versions, CPU model and
  flags, XLA flags: :func:`vmafref.compile_cache.machine_key`), the backend, the sources
  of the feature code (an edited stage is a new key, never a stale executable), the stage's
  module and name, its static arguments, the shapes, dtypes and weak types of its inputs and
  the x64 state;
* writes go to a temporary file in the same folder, then ``os.replace``: a reader sees a whole
  file or none, so concurrent processes are safe; an unreadable or foreign file is ignored
  and rewritten;
* only files this user's own processes wrote are loaded (a serialised executable, like a
  pickle, must come from a trusted source): the folder is created private to the user.

See specs/startup.md.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
import threading
import time
from pathlib import Path

__all__ = ["ENV", "ExecutableStore", "active_store", "source_digest", "load_cpu_seconds"]

ENV = "VMAFREF_EXECUTABLE_CACHE_DIR"
_MAGIC = b"vmafref-aot-1\n"
_PACKAGE = Path(__file__).resolve().parent
#: Source files every compiled stage may depend on (the stage's own module is added per stage).
_SHARED_SOURCES = ("_x64.py", "_clib.py", "feature_names.py")

#: The store's size beyond which the least recently used files are removed (after a save).
MAX_BYTES = 512 * 1024 * 1024
_PREFETCH_THREADS = 2

_digests: dict[Path, str] = {}
_load_cpu = [0.0]
_load_lock = threading.Lock()


def load_cpu_seconds() -> float:
    """CPU seconds this process's threads spent loading executables from stores."""
    return _load_cpu[0]


def _file_digest(path: Path) -> str:
    digest = _digests.get(path)
    if digest is None:
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            digest = "missing"
        _digests[path] = digest
    return digest


_source_digests: dict[str | None, str] = {}


def source_digest(module_file: str | None = None) -> str:
    """sha256 over the feature package's sources, the shared helpers and ``module_file``
    (read once per process: an edited source is a new key from the next process on)."""
    digest = _source_digests.get(module_file)
    if digest is None:
        files = sorted((_PACKAGE / "features").glob("*.py")) + [_PACKAGE / name for name in _SHARED_SOURCES]
        if module_file:
            files.append(Path(module_file).resolve())
        text = "\0".join(f"{path.name}:{_file_digest(path)}" for path in dict.fromkeys(files))
        digest = _source_digests[module_file] = hashlib.sha256(text.encode()).hexdigest()
    return digest


class ExecutableStore:
    """One folder of serialised executables, keyed by :meth:`path_for`."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._machine: str | None = None
        self._pending: dict[Path, object] = {}  # path -> Future of a prefetched executable
        self._pool = None
        self._used: list[str] = []
        self._saved = False
        self._resident: set[str] = set()  # files this process has loaded or written: in memory already
        self._lock = threading.Lock()

    def _machine_part(self) -> str:
        if self._machine is None:
            import jax

            from vmafref.compile_cache import machine_key

            device = jax.devices()[0]
            self._machine = "\0".join([machine_key(), device.platform, device.device_kind])
        return self._machine

    def path_for(self, identity: str, module_file: str | None) -> Path:
        """The file of one executable: ``identity`` names the stage, its statics and input types."""
        text = "\0".join([self._machine_part(), source_digest(module_file), identity])
        return self.folder / (hashlib.sha256(text.encode()).hexdigest()[:40] + ".jaxexe")

    def load(self, path: Path):
        """The executable stored at ``path``, or None (absent, truncated, or not ours)."""
        with self._lock:
            future = self._pending.pop(path, None)
            self._used.append(path.name)
            self._resident.add(path.name)
        if future is not None:
            executable = future.result()
            if executable is not None:
                return executable
        return self._read(path)

    def _read(self, path: Path):
        start = time.thread_time()
        try:
            try:
                data = path.read_bytes()
            except OSError:
                return None
            if not data.startswith(_MAGIC):
                return None
            try:
                from jax.experimental.serialize_executable import deserialize_and_load

                serialized, in_tree, out_tree = pickle.loads(data[len(_MAGIC):])
                executable = deserialize_and_load(serialized, in_tree, out_tree)
            except Exception:  # noqa: BLE001 - a damaged or foreign entry is a miss, not an error
                return None
            try:
                os.utime(path)  # recently used: kept when the store is pruned
            except OSError:
                pass
            return executable
        finally:
            with _load_lock:
                _load_cpu[0] += time.thread_time() - start

    # --- prefetching: a run loads the executables its last run with the same plan used ------

    def _manifest(self, plan: str) -> Path:
        return self.folder / ("plan-" + hashlib.sha256(plan.encode()).hexdigest()[:32] + ".txt")

    def begin(self, plan: str) -> None:
        """Start loading, on background threads, the executables the last run of ``plan`` used.

        Deserialisation releases the interpreter lock, so these loads overlap the reading of
        the first frames and the first stages' work.
        """
        with self._lock:
            for future in self._pending.values():  # a run that ended in an error left these
                future.cancel()
            self._pending.clear()
            self._used = []
        try:
            names = self._manifest(plan).read_text().split()
        except OSError:
            return
        paths = [self.folder / name for name in names
                 if name.endswith(".jaxexe") and "/" not in name and name not in self._resident]
        if not paths:
            return
        from concurrent.futures import ThreadPoolExecutor

        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(_PREFETCH_THREADS, thread_name_prefix="vmafref-load")
            for path in paths:
                if path not in self._pending:
                    self._pending[path] = self._pool.submit(self._read, path)

    def end(self, plan: str | None) -> None:
        """Drop unused prefetches; remember which executables ``plan`` used, in first-use order
        (nothing when ``plan`` is None: a failed run)."""
        with self._lock:
            for future in self._pending.values():
                future.cancel()
            self._pending.clear()
            used = list(dict.fromkeys(self._used))
            saved, self._saved = self._saved, False
        if saved:
            self.prune()
        if not used or plan is None:
            return
        manifest = self._manifest(plan)
        try:
            if manifest.read_text().split() == used:
                return
        except OSError:
            pass
        self._write(manifest, ("\n".join(used) + "\n").encode())

    def _write(self, path: Path, payload: bytes) -> bool:
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
        except OSError:
            return False
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(payload)
            os.replace(temporary, path)
        except OSError:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            return False
        return True

    def prune(self, max_bytes: int = MAX_BYTES) -> None:
        """Remove the least recently used executables while the store holds more than ``max_bytes``."""
        try:
            entries = []
            for entry in os.scandir(self.folder):
                if entry.name.endswith(".jaxexe") and not entry.name.startswith("."):
                    info = entry.stat()
                    entries.append((info.st_mtime, info.st_size, entry.path))
        except OSError:
            return
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= max_bytes:
                break
            try:
                os.unlink(path)
            except OSError:
                continue
            total -= size

    def save(self, path: Path, compiled) -> bool:
        """Serialise ``compiled`` to ``path`` atomically; False when it cannot be serialised or written."""
        try:
            from jax.experimental.serialize_executable import serialize

            payload = _MAGIC + pickle.dumps(serialize(compiled), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - e.g. a stage with closed-over constants: kept in memory only
            return False
        written = self._write(path, payload)
        self._saved = self._saved or written
        return written


_stores: dict[str, ExecutableStore] = {}


def active_store() -> ExecutableStore | None:
    """The store named by ``$VMAFREF_EXECUTABLE_CACHE_DIR``, or None when unset."""
    folder = os.environ.get(ENV)
    if not folder:
        return None
    store = _stores.get(folder)
    if store is None:
        store = _stores[folder] = ExecutableStore(Path(folder))
    return store
