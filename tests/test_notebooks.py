"""The notebooks in ``notebooks/`` run from top to bottom, as a new user runs them.

Each notebook is executed with nbclient in a fresh kernel of this test's Python (the venv's),
from the ``notebooks/`` folder as Jupyter does; a cell that raises fails the notebook's test.
The three notebooks run at the same time (one kernel each) to keep the suite short. Plans the
notebooks write go to a temporary folder (``PLANNER_OUT``). Every plan a notebook solves is
re-checked by the independent checker inside ``api.solve`` / ``api.sweep_plans``, which raise
when the check fails, so a checker failure fails the cell.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = ("01-quickstart.ipynb", "02-scenario-sweep.ipynb", "03-college-view.ipynb")
WRITES = {
    "01-quickstart.ipynb": ["quickstart/plan.json", "quickstart/assignments.xlsx"],
    "02-scenario-sweep.ipynb": ["sweep-compare/kpis.csv", "sweep-compare/coverage_compare.png"],
    "03-college-view.ipynb": ["college-*/plan.json"],
}
"""What each notebook writes under ``PLANNER_OUT`` (``api.out_dir``)."""
SAYS = {
    "01-quickstart.ipynb": ["checker: True"],
    "02-scenario-sweep.ipynb": ["[3/3] ", "[4/4] "],  # the sweeps' progress, one line each
    "03-college-view.ipynb": [],
}
"""Text each notebook prints."""
KERNEL = "planner-test-python"
CELL_TIMEOUT = 300
"""Seconds one cell may take (a slow CI machine; the demo solves take a few seconds)."""


@dataclass
class Run:
    """One executed notebook: the notebook with its outputs, or the error that stopped it."""

    book: nbformat.NotebookNode
    error: BaseException | None

    def __repr__(self) -> str:  # short, in failure reports
        return f"Run(error={type(self.error).__name__ if self.error else None})"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Run], Path]]:
    """Execute the three notebooks concurrently; give each one's run and the output folder.

    The kernel spec runs this interpreter and is found first on ``JUPYTER_PATH``: a
    ``python3`` spec in the user's home could point at another Python; this one cannot, and
    nothing is installed outside the temporary folder.
    """
    root = tmp_path_factory.mktemp("jupyter")
    spec_dir = root / "kernels" / KERNEL
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "planner tests",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    out = tmp_path_factory.mktemp("planner-out")
    patch = pytest.MonkeyPatch()
    patch.setenv("JUPYTER_PATH", str(root))
    patch.setenv("IPYTHONDIR", str(root / "ipython"))
    patch.setenv("PLANNER_OUT", str(out))  # the kernels inherit it
    try:
        books = {name: nbformat.read(NOTEBOOKS_DIR / name, as_version=4) for name in NOTEBOOKS}
        clients = {
            name: NotebookClient(
                book,
                kernel_name=KERNEL,
                timeout=CELL_TIMEOUT,
                resources={"metadata": {"path": str(NOTEBOOKS_DIR)}},  # where Jupyter runs it
            )
            for name, book in books.items()
        }

        async def execute_all() -> list[object]:
            jobs = [client.async_execute() for client in clients.values()]
            return await asyncio.gather(*jobs, return_exceptions=True)

        results = asyncio.run(execute_all())
        yield (
            {
                name: Run(books[name], r if isinstance(r, BaseException) else None)
                for name, r in zip(NOTEBOOKS, results, strict=True)
            },
            out,
        )
    finally:
        patch.undo()


def test_the_three_notebooks_are_there() -> None:
    found = sorted(p.name for p in NOTEBOOKS_DIR.glob("*.ipynb"))
    assert found == sorted(NOTEBOOKS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_stored_without_outputs(name: str) -> None:
    book = nbformat.read(NOTEBOOKS_DIR / name, as_version=4)
    nbformat.validate(book)
    code = [c for c in book.cells if c.cell_type == "code"]
    assert code, f"{name} has no code cell"
    for i, cell in enumerate(code):
        assert cell.outputs == [] and cell.execution_count is None, (
            f"{name}: code cell {i} was saved with outputs; clear them (Edit ▸ Clear Outputs)"
        )
    assert book.metadata["kernelspec"]["name"] == "python3"


def _outputs(book: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [o for c in book.cells if c.cell_type == "code" for o in c.outputs]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs(name: str, runs: tuple[dict[str, Run], Path]) -> None:
    by_name, out = runs
    run = by_name[name]
    if run.error is not None:
        raise run.error  # CellExecutionError: names the cell and shows its traceback
    outputs = _outputs(run.book)
    assert not [o for o in outputs if o.output_type == "error"]
    code = [c for c in run.book.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), "a cell did not run"
    assert any("image/png" in o.get("data", {}) for o in outputs), f"{name} displays no chart"
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    for words in SAYS[name]:
        assert words in text, f"{name} does not print {words!r}"
    for pattern in WRITES[name]:
        assert list(out.glob(pattern)), f"{name} did not write {pattern} under PLANNER_OUT"
    assert not (NOTEBOOKS_DIR / "out").exists(), "a notebook wrote into notebooks/out"
