"""The teaching notebooks (docs/notebooks.md): sources run top to bottom, executed copies current."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import jupytext
import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def _build_module():
    spec = importlib.util.spec_from_file_location("notebooks_build", NOTEBOOKS / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BUILD = _build_module()
SOURCES = BUILD.sources()


def _code(notebook) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def _images(notebook) -> int:
    return sum(1 for cell in notebook.cells if cell.cell_type == "code" for output in cell.get("outputs", [])
               if "image/png" in output.get("data", {}))


def test_there_are_the_six_teaching_notebooks():
    stems = [source.stem for source in SOURCES]
    assert len(stems) >= 6
    for topic in ("vmaf_in_one_page", "motion", "vif", "adm", "fixed_point_vs_float", "features_to_score"):
        assert any(stem.endswith(topic) for stem in stems), topic


@pytest.mark.parametrize("source", SOURCES, ids=lambda path: path.stem)
def test_executed_copy_matches_its_source(source):
    """The committed ``executed/`` copy holds this source's code, ran without errors and has figures."""
    executed = nbformat.read(NOTEBOOKS / "executed" / f"{source.stem}.ipynb", as_version=4)
    assert _code(executed) == _code(jupytext.read(source)), "run python notebooks/build.py"
    for cell in executed.cells:
        if cell.cell_type == "code":
            assert cell.execution_count is not None
            assert all(output.output_type != "error" for output in cell.outputs)
    assert _images(executed) >= 1


@pytest.mark.slow
@pytest.mark.parametrize("source", SOURCES, ids=lambda path: path.stem)
def test_notebook_runs_top_to_bottom_in_a_fresh_kernel(source):
    notebook = BUILD.execute(source)  # nbclient raises CellExecutionError on a failing cell
    assert _images(notebook) >= 1
    assert _code(notebook) == _code(jupytext.read(source))
