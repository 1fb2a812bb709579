"""Execute the notebook sources (jupytext percent ``.py``) and write the executed ``.ipynb`` copies.

    python notebooks/build.py            # every notebook
    python notebooks/build.py 03_vif     # some of them

Each source runs top to bottom in a fresh kernel with ``notebooks/`` as its working directory;
the executed copy goes to ``notebooks/executed/NAME.ipynb`` with its figures, without
execution timestamps (so that re-running changes only what the code changes), and the run
time of each is printed. See docs/notebooks.md.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
EXECUTED = HERE / "executed"
#: Per-cell limit; a whole notebook is meant to take a few minutes on two cores.
CELL_TIMEOUT_S = 900


def sources() -> list[Path]:
    """The notebook sources, in teaching order."""
    return sorted(path for path in HERE.glob("[0-9][0-9]_*.py"))


def execute(source: Path) -> nbformat.NotebookNode:
    """Run one source in a fresh ``python3`` kernel; raises on the first failing cell."""
    notebook = jupytext.read(source)
    client = NotebookClient(notebook, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(HERE)}}, record_timing=False)
    client.execute()
    return notebook


def _stable(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop what changes from run to run without the code changing (execution counts stay)."""
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    notebook.metadata.pop("widgets", None)
    return notebook


def main(names: list[str]) -> int:
    EXECUTED.mkdir(exist_ok=True)
    chosen = [s for s in sources() if not names or s.stem in names]
    for source in chosen:
        start = time.perf_counter()
        notebook = _stable(execute(source))
        seconds = time.perf_counter() - start
        nbformat.write(notebook, EXECUTED / f"{source.stem}.ipynb")
        print(f"{source.stem}: {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
