"""The persistent compilation cache of the ``vmafref`` command (specs/compile_cache.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from vmafref.compile_cache import (cache_directory, disable_for_child, enable_persistent_cache,
                                   executable_directory, machine_key)


def test_the_folder_is_keyed_by_toolchain_cpu_and_xla_flags(tmp_path):
    env = {"VMAFREF_CACHE_DIR": str(tmp_path)}
    first = cache_directory(env)
    assert first.parent == tmp_path and first.name.startswith("xla-")
    assert cache_directory(dict(env)) == first
    assert cache_directory({**env, "XLA_FLAGS": "--xla_cpu_max_isa=AVX2"}) != first
    assert cache_directory({"XDG_CACHE_HOME": str(tmp_path / "xdg")}).parent == tmp_path / "xdg" / "vmafref"


def test_enable_opt_out_user_choice_and_unwritable(tmp_path):
    env = {"VMAFREF_CACHE_DIR": str(tmp_path / "c")}
    folder = enable_persistent_cache(env)
    assert folder.is_dir() and folder.name.startswith("aot-")
    assert env["VMAFREF_EXECUTABLE_CACHE_DIR"] == str(folder) == str(executable_directory(env))
    assert "JAX_COMPILATION_CACHE_DIR" not in env  # its loaded executables do not serialise whole
    disable_for_child(env)
    assert "VMAFREF_EXECUTABLE_CACHE_DIR" not in env
    for off in ("0", "off", "no", "false"):
        assert enable_persistent_cache({**env, "VMAFREF_COMPILE_CACHE": off}) is None
    mine = {"JAX_COMPILATION_CACHE_DIR": str(tmp_path / "mine")}
    assert enable_persistent_cache(mine) == tmp_path / "mine"
    assert "VMAFREF_EXECUTABLE_CACHE_DIR" not in mine
    disable_for_child(mine)  # a cache the user chose is theirs: left alone
    assert mine["JAX_COMPILATION_CACHE_DIR"] == str(tmp_path / "mine")
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert enable_persistent_cache({"VMAFREF_CACHE_DIR": str(blocker)}) is None


def test_the_executable_folder_shares_the_machine_key(tmp_path):
    env = {"VMAFREF_CACHE_DIR": str(tmp_path)}
    assert executable_directory(env).name == "aot-" + machine_key(env)
    assert cache_directory(env).name == "xla-" + machine_key(env)
    assert machine_key({**env, "XLA_FLAGS": "--xla_cpu_max_isa=AVX2"}) != machine_key(env)


@pytest.mark.slow
def test_a_second_run_loads_the_cache_and_scores_the_same(tmp_path):
    env = dict(os.environ, VMAFREF_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    outputs = []
    for run in range(2):
        out = tmp_path / f"run{run}.json"
        subprocess.run([sys.executable, "-c", "import sys; from vmafref.cli import console_main; "
                        "sys.exit(console_main())", "score", "--example", "-q", "--json", "-o", str(out)],
                       env=env, check=True, capture_output=True)
        document = json.loads(out.read_text())
        document.pop("fps", None)
        outputs.append(document)
    assert outputs[0] == outputs[1]
    assert any(Path(tmp_path / "cache").rglob("*")), "nothing was cached"
