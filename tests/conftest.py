"""Session-wide settings: nothing a test runs writes to the real home's caches."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def _private_cache_home(tmp_path_factory):
    """``vmafref`` subprocesses keep their compilation cache in a temporary folder."""
    folder = tmp_path_factory.mktemp("cache-home")
    saved = {name: os.environ.get(name) for name in ("XDG_CACHE_HOME", "VMAFREF_CACHE_DIR",
                                                     "VMAFREF_EXECUTABLE_CACHE_DIR")}
    os.environ["XDG_CACHE_HOME"] = str(folder)
    os.environ["VMAFREF_CACHE_DIR"] = str(folder / "vmafref")
    os.environ.pop("VMAFREF_EXECUTABLE_CACHE_DIR", None)  # in-process stages: memory only unless a test sets one
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def pytest_runtest_teardown(item):
    """Each XLA executable maps its code separately: the slow suite's golden cases (hundreds of
    plane sizes) reached the kernel's default limit of 65530 mappings, where XLA's compiler
    segfaulted. Scoring releases before each run; tests that call stages directly need this."""
    from vmafref.features._compiled import release_if_crowded

    release_if_crowded()
