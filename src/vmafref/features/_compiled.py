"""Compiled stages of the feature pipelines: :func:`jit`, and small array operations as compiled calls.

The features run as chains of separately jitted stages; glue between stages (stacking the
per-scale sums) run eagerly is dispatched operation by operation, about 2 ms a call under the
x64 scope. One compiled call costs a few microseconds.

:func:`jit` is ``jax.jit`` for those stages, compiled ahead of time: the first call with new
static arguments and input types lowers and compiles the stage explicitly
(``jax.jit(f).lower(...).compile()``, the very program ``jax.jit`` would run), and, when
:mod:`vmafref.executable_cache` has a store (the ``vmafref`` command sets one up), loads
the executable from it instead, or saves it there for the next process. Later calls go
straight to the compiled executable. Under a JAX transformation (``grad``, ``vmap``, an
enclosing ``jit``) the stage is an ordinary ``jax.jit`` function. The CPU time spent
compiling and loading is counted (:func:`compile_cpu_seconds`) so that ``fps`` leaves it
out, as libvmaf's leaves out its start-up. See specs/startup.md.
"""

from __future__ import annotations

import functools
import inspect
import threading
import time
import weakref
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax._src import config as _jax_config
from jax._src.array import ArrayImpl
from jax._src.core import Tracer

__all__ = ["jit", "Stage", "stack", "device_array", "compile_cpu_seconds", "plan_session", "stage_counts",
           "clear_compiled", "memory_mappings", "release_if_crowded", "MAPPINGS_LIMIT", "opaque_one", "fenced"]

#: Every stage made by :func:`jit`, so that :func:`clear_compiled` can drop their executables.
_stages: "weakref.WeakSet[Stage]" = weakref.WeakSet()

class _Default:
    """An unpassed static argument (its default applies); a stable repr for the store's key."""

    def __repr__(self) -> str:
        return "<default>"


_MISSING = _Default()
_SCALARS = (bool, int, float, complex)
_counts = {"compiled": 0, "loaded": 0, "saved": 0}
_cpu_seconds = [0.0]


def compile_cpu_seconds() -> float:
    """CPU seconds this process has spent tracing, lowering and compiling stages (all threads)
    and loading them from a store (:func:`vmafref.executable_cache.load_cpu_seconds`)."""
    from vmafref.executable_cache import load_cpu_seconds

    return _cpu_seconds[0] + load_cpu_seconds()


def plan_session(plan: str):
    """Context for one scoring run of ``plan`` (extractors, options, geometry): with a store,
    the executables its last run used are loaded ahead on background threads, and the list
    is kept for the next run. A no-op without a store."""
    return _PlanSession(plan)


class _PlanSession:
    def __init__(self, plan: str):
        self.plan = plan
        self.store = None

    def __enter__(self):
        from vmafref.executable_cache import active_store

        self.store = active_store()
        if self.store is not None and not _jax_config.compilation_cache_dir.value:
            self.store.begin(self.plan)
        else:
            self.store = None
        return self

    def __exit__(self, *exc_info):
        if self.store is not None and exc_info[0] is None:
            self.store.end(self.plan)
        elif self.store is not None:
            self.store.end(None)  # drop the prefetches; remember nothing of a failed run
        return False


def stage_counts() -> dict[str, int]:
    """How many stage executables this process compiled, loaded from the store, and saved to it."""
    return dict(_counts)


def _leaf_type(leaf: Any) -> tuple:
    """What of an input decides the compiled program: shape, dtype and weak type."""
    kind = type(leaf)
    if kind is np.ndarray:
        return (leaf.shape, leaf.dtype.str)
    if isinstance(leaf, jax.Array):
        return (leaf.shape, leaf.dtype.str, bool(getattr(leaf, "weak_type", False)))
    if kind in _SCALARS:
        return (kind.__name__,)
    if isinstance(leaf, np.generic):
        return ((), leaf.dtype.str)
    return (str(jax.typeof(leaf)),)


_ARRAY_TYPES = (np.ndarray, ArrayImpl)


def _fast_key(args: tuple, kwargs: dict) -> tuple | None:
    """A key for a call whose positional arguments are all NumPy or concrete JAX arrays and whose
    keyword arguments are the hashable static ones, or None. The key holds each array's type,
    shape, dtype and weak type, the keyword arguments in their order, and the x64 setting."""
    types = []
    for arg in args:
        kind = type(arg)
        if kind is ArrayImpl:
            types.append((arg.shape, arg.dtype, arg.weak_type))
        elif kind is np.ndarray:
            types.append((arg.shape, arg.dtype, None))
        else:
            return None
    try:
        statics = tuple(kwargs.items())
        hash(statics)
    except TypeError:
        return None
    return (tuple(types), statics, _jax_config.enable_x64.value)


class Stage:
    """A jitted stage whose executables are compiled ahead of time (see the module docstring)."""

    def __init__(self, fn, static_argnames: tuple[str, ...] = ()):
        functools.update_wrapper(self, fn)
        self._fn = fn
        self._static_names = tuple(static_argnames)
        self._static_set = frozenset(self._static_names)
        self._jitted = jax.jit(fn, static_argnames=self._static_names)
        positional = [p.name for p in inspect.signature(fn).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        #: position -> name of the static parameters that may be passed positionally
        self._static_at = {i: name for i, name in enumerate(positional) if name in self._static_names}
        self._first_static = min(self._static_at, default=1 << 30)
        self._executables: dict[tuple, Any] = {}
        #: :func:`_fast_key` -> executable, filled by the calls; emptied with ``_executables``
        self._fast: dict[tuple, Any] = {}
        self._lock = threading.Lock()
        self._identity = f"{fn.__module__}.{fn.__qualname__}"
        self._module_file = getattr(inspect.getmodule(fn), "__file__", None)
        _stages.add(self)

    def __getattr__(self, name: str) -> Any:  # lower, trace, eval_shape, ...: those of jax.jit
        return getattr(self._jitted, name)

    def __call__(self, *args, **kwargs):
        if _jax_config.disable_jit.value:  # jax.disable_jit(): run the Python function eagerly
            return self._fn(*args, **kwargs)
        # The usual call (arrays positionally, the static arguments by name, outside any JAX
        # transformation) finds its executable by a key of the arrays' types alone, without
        # flattening the arguments: about half of a small stage's cost of calling.
        fast_key = None
        if len(args) <= self._first_static and kwargs.keys() <= self._static_set:
            fast_key = _fast_key(args, kwargs)
            if fast_key is not None:
                executable = self._fast.get(fast_key)
                if executable is not None:
                    return executable(*args)
        statics = dict.fromkeys(self._static_names, _MISSING)
        dynamic_args = args
        if len(args) > self._first_static:
            dynamic_args = []
            for index, value in enumerate(args):
                name = self._static_at.get(index)
                if name is None:
                    dynamic_args.append(value)
                else:
                    statics[name] = value
        dynamic_kwargs = kwargs
        if kwargs:
            dynamic_kwargs = {}
            for name, value in kwargs.items():
                if name in statics:
                    statics[name] = value
                else:
                    dynamic_kwargs[name] = value
        leaves, tree = jax.tree_util.tree_flatten((dynamic_args, dynamic_kwargs))
        for leaf in leaves:
            if isinstance(leaf, Tracer):  # under grad/vmap/jit: an ordinary jitted function
                return self._jitted(*args, **kwargs)
        key = (tuple(statics.values()), tree, tuple(map(_leaf_type, leaves)), bool(_jax_config.enable_x64.value))
        executable = self._executables.get(key)
        if executable is None:
            executable = self._prepare(key, args, kwargs)
        if fast_key is not None:
            self._fast[fast_key] = executable
        return executable(*dynamic_args, **dynamic_kwargs)

    def _prepare(self, key: tuple, args: tuple, kwargs: dict):
        from vmafref.executable_cache import active_store

        with self._lock:
            executable = self._executables.get(key)
            if executable is not None:
                return executable
            store = active_store()
            if store is not None and _jax_config.compilation_cache_dir.value:
                store = None  # JAX's own cache in use: its loaded executables do not serialise whole
            path = None
            if store is not None:
                statics, tree, types, x64 = key
                described = repr((statics, str(tree), types, x64))
                if " at 0x" not in described:  # a static without a stable repr: kept in memory only
                    path = store.path_for(f"{self._identity}\0{described}", self._module_file)
                    executable = store.load(path)
                    if executable is not None:
                        _counts["loaded"] += 1
            if executable is None:
                start = time.process_time()
                try:
                    executable = self._jitted.lower(*args, **kwargs).compile()
                    _counts["compiled"] += 1
                    if path is not None and store.save(path, executable):
                        _counts["saved"] += 1
                finally:
                    _cpu_seconds[0] += time.process_time() - start
            self._executables[key] = executable
            return executable


def memory_mappings() -> int:
    """How many memory mappings this process has (``/proc/self/maps``; 0 where there is none)."""
    try:
        with open("/proc/self/maps", "rb") as maps:
            return sum(1 for _ in maps)
    except OSError:
        return 0


def clear_compiled() -> int:
    """Drops every stage's compiled executables and JAX's own caches; returns how many went.

    Each executable keeps its machine code in memory mappings of its own. A process that scores
    many plane sizes (a batch of clips of many geometries, a test suite) would otherwise keep
    them all and reach the kernel's limit on mappings (``vm.max_map_count``, 65530 by default),
    where XLA's compiler crashes (:func:`memory_mappings` counts them). The next call of a stage compiles it again (or loads it from
    the executable store).
    """
    dropped = 0
    for stage in list(_stages):
        with stage._lock:
            dropped += len(stage._executables)
            stage._executables.clear()
            stage._fast.clear()
    jax.clear_caches()
    return dropped


#: Memory mappings above which :func:`release_if_crowded` drops the compiled stages: under half
#: of Linux's default ``vm.max_map_count`` (65530), so that one more run's stages (a few hundred
#: mappings for each plane size) always fit.
MAPPINGS_LIMIT = 30_000


def release_if_crowded(limit: int | None = None) -> bool:
    """:func:`clear_compiled` (and a garbage collection, which unmaps the dropped code) when this
    process has more than ``limit`` memory mappings; returns whether it did. Scoring calls it
    before each run, the test suite after each test (specs/startup.md §2). ``limit`` defaults to
    :data:`MAPPINGS_LIMIT`."""
    if memory_mappings() <= (MAPPINGS_LIMIT if limit is None else limit):
        return False
    import gc

    clear_compiled()
    gc.collect()
    return True


def jit(fn=None, *, static_argnames: tuple[str, ...] | str = ()):
    """``jax.jit`` for a feature stage (usable as ``@jit``, ``jit(f, static_argnames=…)`` or
    ``functools.partial(jit, static_argnames=…)``), compiled ahead of time."""
    if isinstance(static_argnames, str):
        static_argnames = (static_argnames,)
    if fn is None:
        return functools.partial(jit, static_argnames=static_argnames)
    return Stage(fn, tuple(static_argnames))


@functools.partial(jit, static_argnames=("axis",))
def stack(arrays, axis: int):
    """``jnp.stack(arrays, axis)`` as one compiled call."""
    return jnp.stack(arrays, axis=axis)


def opaque_one(plane: jax.Array) -> jax.Array:
    """An int32 one that XLA cannot prove to be one, from a ``plane`` (..., H, W) of integers or
    floats.

    The low bits of the first row's samples sum to at most the row's length, below 2**31, so
    the uint32 sum's bit 31 is zero; neither XLA nor LLVM can see that through the reduction.
    Needs no 64-bit types.
    """
    row = plane[..., 0, :]
    if row.dtype == jnp.bool_:
        row = row.astype(jnp.uint8)
    if not (jnp.issubdtype(row.dtype, jnp.integer) or jnp.issubdtype(row.dtype, jnp.floating)):
        raise TypeError(f"opaque_one needs a plane of real numbers, got {row.dtype}")
    if not jnp.issubdtype(row.dtype, jnp.unsignedinteger):  # signed or floating: its bits
        row = jax.lax.bitcast_convert_type(row, jnp.dtype(f"uint{row.dtype.itemsize * 8}"))
    low_bits = jnp.sum((row & 1).astype(jnp.uint32), dtype=jnp.uint32)
    return 1 + jax.lax.shift_right_logical(low_bits, jnp.asarray(31, jnp.uint32)).astype(jnp.int32)


@jax.custom_jvp
def _loop_result(x: jax.Array, trip: jax.Array) -> jax.Array:
    """``x``, as the result of a loop that runs ``trip`` times (once) and sets its state to ``x``."""
    return jax.lax.fori_loop(0, trip, lambda _, __: x, jnp.zeros_like(x))


@_loop_result.defjvp
def _loop_result_jvp(primals, tangents):  # a loop is not reverse-differentiable; an identity is
    x, trip = primals
    return _loop_result(x, trip), tangents[0]


def fenced(fn, trip: jax.Array, *args):
    """``fn(*args)``, each result passed through a loop that runs ``trip`` times
    (:func:`opaque_one`: once, which XLA cannot see), so that the results are buffers of their
    own, computed once.

    A loop's operands are buffers, and XLA fuses nothing across a loop's boundary. Without the
    fence, in one program XLA fuses an operation into each of its consumers and recomputes it
    there (a shifted-tap filter into each tap of the next pass, a shared test into every
    output). ``lax.optimization_barrier`` does not prevent that on XLA's CPU backend: its
    pipeline removes barriers before fusion. The values are ``fn``'s, and so are the
    derivatives (the fence is an identity to ``jax.jvp`` and ``jax.grad``); ``vmap``-able.
    See specs/integer_adm.md §8 and specs/integer_vif.md §9.
    """
    return jax.tree_util.tree_map(lambda x: _loop_result(x, trip), fn(*args))


def device_array(x):
    """``x`` as a JAX array without a compiled copy (``jnp.asarray`` of a NumPy array runs one)."""
    if isinstance(x, jax.Array):  # also a tracer
        return x
    return jax.device_put(np.asarray(x))
