"""Ahead-of-time compiled stages and their store (specs/startup.md). Every store here is a
temporary folder; tests/conftest.py keeps subprocesses away from the real home too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from vmafref import executable_cache
from vmafref._x64 import x64
from vmafref.features import _compiled
from vmafref.features._compiled import jit as stage_jit


def _scaled(x, y, *, factor: int, offset: int = 0):
    return x * factor + y + offset


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv(executable_cache.ENV, str(tmp_path / "aot"))
    monkeypatch.delitem(executable_cache._stores, str(tmp_path / "aot"), raising=False)
    return tmp_path / "aot"


def _files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.jaxexe")) if folder.is_dir() else []


def test_a_stage_equals_jax_jit_and_keys_by_statics_and_input_types(store):
    stage = stage_jit(_scaled, static_argnames=("factor", "offset"))
    x = np.arange(6, dtype=np.int32).reshape(2, 3)
    expected = jax.jit(_scaled, static_argnames=("factor", "offset"))(x, x, factor=3)
    assert np.array_equal(stage(x, x, factor=3), expected)
    assert len(_files(store)) == 1
    stage(x, x, factor=3)                       # same key: nothing new
    stage(x + 1, x, factor=3)                   # other values, same types: nothing new
    assert len(_files(store)) == 1
    stage(x, x, factor=4)                       # another static value
    stage(x, x, factor=3, offset=0)             # a default passed explicitly is another key
    stage(x.astype(np.int16), x.astype(np.int16), factor=3)  # another dtype
    stage(x[:1], x[:1], factor=3)               # another shape
    with x64():
        stage(x, x, factor=3)                   # the x64 state
    assert len(_files(store)) == 6


def test_static_arguments_passed_by_position(store):
    stage = stage_jit(lambda x, k, y: x * k + y, static_argnames=("k",))
    x = np.ones(3, np.float32)
    assert np.array_equal(stage(x, 2, x), np.full(3, 3.0, np.float32))
    assert np.array_equal(stage(x, 5, x), np.full(3, 6.0, np.float32))


def test_a_new_process_loads_what_another_saved_and_scores_the_same(store, tmp_path):
    script = textwrap.dedent("""
        import json, sys
        import numpy as np
        from vmafref.features._compiled import jit, stage_counts
        sys.path.insert(0, sys.argv[1])
        from tests.test_executable_cache import _scaled
        stage = jit(_scaled, static_argnames=("factor", "offset"))
        x = np.arange(12, dtype=np.uint16).reshape(3, 4)
        print(json.dumps({"value": np.asarray(stage(x, x, factor=7)).tolist(), **stage_counts()}))
    """)
    root = str(Path(__file__).resolve().parents[1])
    runs = [json.loads(subprocess.run([sys.executable, "-c", script, root], env=dict(os.environ), check=True,
                                      capture_output=True, text=True).stdout) for _ in range(2)]
    assert (runs[0]["compiled"], runs[0]["saved"]) == (1, 1)
    assert (runs[1]["compiled"], runs[1]["loaded"]) == (0, 1)
    assert runs[0]["value"] == runs[1]["value"]


def test_damaged_or_foreign_entries_are_misses_and_rewritten(store):
    x = np.arange(4, dtype=np.int32)
    stage_jit(_scaled, static_argnames=("factor", "offset"))(x, x, factor=2)
    (path,) = _files(store)
    whole = path.read_bytes()
    for damage in (b"", b"not a vmafref file", whole[:100], whole[:-10]):
        path.write_bytes(damage)
        assert executable_cache.active_store().load(path) is None
        fresh = stage_jit(_scaled, static_argnames=("factor", "offset"))  # a new process's stage
        assert np.array_equal(fresh(x, x, factor=2), x * 3)
        assert executable_cache.active_store().load(path) is not None  # rewritten whole


def test_writes_are_atomic_under_concurrent_processes(store):
    """Four processes compile and save the same stages at once: every file is whole, and loads."""
    script = textwrap.dedent("""
        import sys
        import numpy as np
        sys.path.insert(0, sys.argv[1])
        from vmafref.features._compiled import jit
        from tests.test_executable_cache import _scaled
        stage = jit(_scaled, static_argnames=("factor", "offset"))
        for factor in range(6):
            stage(np.ones(5, np.float32), np.ones(5, np.float32), factor=factor)
    """)
    root = str(Path(__file__).resolve().parents[1])
    procs = [subprocess.Popen([sys.executable, "-c", script, root], env=dict(os.environ)) for _ in range(4)]
    assert all(p.wait(timeout=600) == 0 for p in procs)
    files = _files(store)
    assert len(files) == 6 and not list(store.glob(".tmp-*"))
    loaded = [executable_cache.active_store().load(path) for path in files]
    assert all(executable is not None for executable in loaded)


def test_no_store_means_memory_only_and_tracers_get_plain_jit(tmp_path, monkeypatch):
    monkeypatch.delenv(executable_cache.ENV, raising=False)
    stage = stage_jit(_scaled, static_argnames=("factor", "offset"))
    x = jnp.arange(3.0)
    assert np.array_equal(stage(x, x, factor=2), x * 3)
    grad = jax.grad(lambda a: stage(a, a, factor=2).sum())(x)  # under a transformation
    assert np.array_equal(grad, jnp.full(3, 3.0))
    assert np.array_equal(jax.vmap(lambda a: stage(a, a, factor=2))(x[:, None]), (x * 3)[:, None])
    assert not any(tmp_path.rglob("*.jaxexe"))


def test_the_key_follows_the_feature_sources(store, monkeypatch):
    first = executable_cache.active_store().path_for("stage", None)
    monkeypatch.setattr(executable_cache, "_source_digests", {None: "edited"})
    assert executable_cache.active_store().path_for("stage", None) != first


def test_prefetch_manifest_and_prune(store):
    stage = stage_jit(_scaled, static_argnames=("factor", "offset"))
    x = np.ones(3, np.int32)
    with _compiled.plan_session("plan-a"):
        stage(x, x, factor=1)
        stage(x, x, factor=2)
    (manifest,) = store.glob("plan-*.txt")
    names = manifest.read_text().split()
    assert names == [path.name for path in sorted(_files(store), key=lambda p: names.index(p.name))]
    fresh = executable_cache.ExecutableStore(store)  # a new process's store
    fresh.begin("plan-a")
    assert set(fresh._pending) == set(_files(store))
    assert all(fresh.load(path) is not None for path in _files(store))
    fresh.end("plan-a")
    fresh.prune(max_bytes=0)
    assert not _files(store)


def test_fps_counts_scoring_time_only():
    """The stages' compilation is left out of ``cpu_seconds`` (and so of ``fps``), as libvmaf's
    start-up is left out of its fps."""
    import time

    from vmafref.scoring import score

    rng = np.random.default_rng(0)
    clip = rng.integers(0, 256, size=(3, 40, 52), dtype=np.uint8)  # a shape no other test compiles
    compile_before, cpu_before = _compiled.compile_cpu_seconds(), time.process_time()
    result = score(clip, clip, bitdepth=8, pixel_format="420")
    compiled = _compiled.compile_cpu_seconds() - compile_before
    total = time.process_time() - cpu_before
    assert compiled > 0.05  # it did compile stages
    assert 0 < result.cpu_seconds <= total - compiled + 1e-3


@pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="needs Linux's /proc/self/maps")
def test_clear_compiled_drops_the_executables_and_their_mappings():
    """Dropping the stages' executables frees their memory mappings (a long process of many
    plane sizes otherwise reaches the kernel's limit), and the stages still compute."""
    @stage_jit
    def scaled(x):
        return x * 3 + 1

    _compiled.clear_compiled()
    before = _compiled.memory_mappings()
    for n in range(1, 41):  # forty shapes, forty executables
        scaled(jnp.ones(n, jnp.float32))
    grown = _compiled.memory_mappings()
    assert len(scaled._executables) == 40 and grown > before
    assert _compiled.clear_compiled() >= 40 and not scaled._executables
    import gc

    gc.collect()
    assert _compiled.memory_mappings() < grown - (grown - before) // 2
    np.testing.assert_array_equal(np.asarray(scaled(jnp.ones(3, jnp.float32))), [4.0, 4.0, 4.0])


@pytest.mark.slow  # scores a clip twice from cold stages (about 16 s)
@pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="needs Linux's /proc/self/maps")
def test_scoring_drops_the_stages_when_the_process_is_crowded(monkeypatch):
    """Each scoring run first releases the compiled stages when the process has more memory
    mappings than the limit: a second run of the same shape then compiles again; under the
    limit it reuses them."""
    from vmafref.scoring import score

    rng = np.random.default_rng(1)
    clip = rng.integers(0, 256, size=(2, 36, 44), dtype=np.uint8)  # a shape no other test compiles
    score(clip, clip, bitdepth=8, pixel_format="420")
    compiled = _compiled.stage_counts()["compiled"]
    score(clip, clip, bitdepth=8, pixel_format="420")
    assert _compiled.stage_counts()["compiled"] == compiled  # same shape: nothing compiled again
    assert not _compiled.release_if_crowded(limit=_compiled.memory_mappings() + 1000)
    monkeypatch.setattr(_compiled, "MAPPINGS_LIMIT", 0)
    again = score(clip, clip, bitdepth=8, pixel_format="420")
    assert _compiled.stage_counts()["compiled"] > compiled  # released, then compiled afresh
    first = score(clip, clip, bitdepth=8, pixel_format="420")
    assert again.pooled == first.pooled
