"""The files of a comparison folder (what ``planner compare PLAN_DIR... --out DIR`` writes):
``kpis.csv``, ``coverage.csv``, ``kpis.xlsx`` and ``coverage_compare.png``, each written through
a temporary file and renamed into place; text a spreadsheet would read as a formula is inert."""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from planner.errors import OutputError
from planner.io.cells import is_formula_like
from planner.plan import COVERAGE_COLUMNS, KPI_LABELS
from planner.report.write import describe_os_error, write_csv

if TYPE_CHECKING:
    from matplotlib.figure import Figure

KPI_CSV = "kpis.csv"
KPI_XLSX = "kpis.xlsx"
COVERAGE_CSV = "coverage.csv"
COMPARE_PNG = "coverage_compare.png"


def write_comparison_files(
    kpis: pd.DataFrame,
    coverage: pd.DataFrame,
    out: Path,
    draw: Callable[[], Figure | None],
) -> list[Path]:
    """Write the comparison into the folder ``out`` (created if needed); return the files.

    ``kpis`` is the KPI table with its ``plan`` column, ``coverage`` the coverage by college ×
    kind of every plan, ``draw`` gives the heatmaps side by side (``None``: no chart). Other
    files in ``out`` are left alone. Raises :class:`~planner.errors.OutputError` when ``out``
    cannot be written.
    """
    written: list[Path] = []
    try:
        if out.exists() and not out.is_dir():
            raise OutputError(f"{out} is a file, not a folder; choose another --out")
        out.mkdir(parents=True, exist_ok=True)
        written.append(_atomic(out / KPI_CSV, lambda p: write_csv(kpis, p, ["plan"])))
        first = ["plan", *COVERAGE_COLUMNS]
        written.append(_atomic(out / COVERAGE_CSV, lambda p: write_csv(coverage, p, first)))
        written.append(_atomic(out / KPI_XLSX, lambda p: _write_workbook(kpis, coverage, p)))
        figure = draw()
        if figure is not None:
            chart = figure
            written.append(
                _atomic(
                    out / COMPARE_PNG,
                    lambda p: chart.savefig(
                        p, format="png", dpi=120, facecolor="white", metadata={"Software": None}
                    ),
                )
            )
    except OSError as exc:
        raise OutputError(
            f"cannot write the comparison to {out}: {describe_os_error(exc)}"
        ) from exc
    return written


def _atomic(path: Path, write: Callable[[Path], Any]) -> Path:
    """Write ``path`` through a temporary file in the same folder, then rename it into place."""
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    temp = Path(name)
    try:
        write(temp)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return path


def _write_workbook(kpis: pd.DataFrame, coverage: pd.DataFrame, path: Path) -> None:
    """``kpis.xlsx``: sheet ``KPIs 指标`` and sheet ``coverage 覆盖``; formula-like text inert."""
    from openpyxl import Workbook  # only when writing
    from openpyxl.utils import get_column_letter

    headers = {"plan": "方案 plan", **KPI_LABELS}
    coverage_headers = {
        "plan": "方案 plan",
        "college": "学院代码 college",
        "college_name": "学院 college name",
        "campus": "校区 campus",
        "kind": "类型 kind",
        "targets": "对象数 targets",
        "covered": "已覆盖 covered",
        "share": "覆盖率 share",
    }
    book = Workbook()
    sheets = [(book.active, "KPIs 指标", kpis, headers), (None, "coverage 覆盖", coverage, None)]
    for sheet, title, frame, names in sheets:
        ws = sheet if sheet is not None else book.create_sheet()
        ws.title = title
        names = names or coverage_headers
        columns = list(frame.columns)
        ws.append([names.get(c, c) for c in columns])
        for values in frame.itertuples(index=False):
            ws.append([_cell(v) for v in values])
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if is_formula_like(cell.value):
                    cell.data_type = "s"  # written as text, never evaluated
        for i, column in enumerate(columns, start=1):
            if column.endswith("_coverage") or column in ("share", "gap"):
                for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                    cell.number_format = "0.0%"
            width = max(
                [len(str(names.get(column, column)))] + [len(str(v)) for v in frame[column]]
            )
            ws.column_dimensions[get_column_letter(i)].width = min(max(10, width + 2), 60)
        ws.freeze_panes = "B2"
    book.save(path)


def _cell(value: Any) -> Any:
    """A plain Python value openpyxl can write (``None`` for missing)."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value
