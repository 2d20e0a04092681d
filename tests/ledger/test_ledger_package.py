"""The ledger package: its public names, and what it may import."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import planner.ledger as ledger

PACKAGE = Path(ledger.__file__).parent


@pytest.mark.parametrize("name", ledger.__all__)
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(ledger, name) is not None


def test_importing_the_package_loads_nothing_heavy() -> None:
    code = "import sys, planner.ledger; print('pandas' in sys.modules, 'openpyxl' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


ALLOWED = {
    "planner.contract",
    "planner.errors",
    "planner.dataset",
    "planner.plan",
    "planner.i18n",
    "planner.io",  # the rosters' reader (sheets.py), cell safety
    "planner.plot",  # fonts, the heatmap data
    "planner.report",  # printing: the PDF builder, the heatmap drawing, words of the pack
}


def test_the_ledger_depends_on_vocabulary_and_reading_helpers_never_on_the_solver() -> None:
    used = set()
    for file in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            used.update(
                n for n in names if n.startswith("planner") and not n.startswith("planner.ledger")
            )
    outside = {n for n in used if not any(n == a or n.startswith(a + ".") for a in ALLOWED)}
    assert outside <= {"planner"}, outside
