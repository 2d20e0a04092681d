"""Comparing plans: one KPI row per plan, and their heatmaps side by side.

Analysts ask "what happens to coverage if the campus rule is hard?" by solving several
scenarios (:mod:`planner.analysis.sweep`) and reading the plans side by side:

- :func:`compare` turns plans (solved in code, or read back with
  :func:`planner.io.plan_folder.read_plan`) into a KPI table, one row per plan
  (:data:`~planner.plan.KPI_COLUMNS`); a scenario without a plan (:class:`Failure`) is a row
  too, saying why in its ``note``.
- :func:`format_kpis` is that table for people; :func:`coverage_table` the coverage of every
  plan by college × kind; :func:`plot_compare` draws their heatmaps side by side
  (:mod:`planner.plot.compare`).
- :func:`write_comparison` writes ``kpis.csv``, ``kpis.xlsx``, ``coverage.csv`` and
  ``coverage_compare.png`` (what ``planner compare PLAN_DIR... --out DIR`` writes,
  :mod:`planner.report.comparison`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from planner.plan import COVERAGE_COLUMNS, KPI_COLUMNS, KPI_LABELS, Plan

if TYPE_CHECKING:
    from matplotlib.figure import Figure


COVERAGE_KINDS: tuple[str, ...] = ("class", "branch", "society", "dorm")
"""Kinds whose coverage share is a KPI column, in the order the table shows them."""


@dataclass(frozen=True)
class Failure:
    """A scenario of a sweep that gave no plan: ``INFEASIBLE`` or ``NO_PLAN_IN_TIME``."""

    status: str
    note: str
    """Why, in plain words (the first reasons of the diagnosis)."""
    scenario: str = ""
    scope: str = ""


Outcome = Plan | Failure
"""What one scenario of a sweep gives."""


# --------------------------------------------------------------------------------------------
# The KPI table


def kpi_row(outcome: Outcome) -> dict[str, Any]:
    """The KPIs of one plan (or of a failed scenario) as a mapping over :data:`KPI_COLUMNS`."""
    if isinstance(outcome, Failure):
        row: dict[str, Any] = dict.fromkeys(KPI_COLUMNS)
        row.update(
            status=outcome.status, note=outcome.note, scenario=outcome.scenario, scope=outcome.scope
        )
        return row
    kpis = outcome.kpis()
    central = outcome.terms.get("central_spread")
    gap = outcome.gap
    return {
        "status": outcome.status,
        **{f"{kind}_coverage": kpis.get(f"{kind}_coverage") for kind in COVERAGE_KINDS},
        "uncovered": kpis["uncovered"],
        "kept_from_previous": kpis["kept_from_previous"],
        "cross_campus": kpis["cross_campus"],
        "central_spread": central.value if central is not None else None,
        "solve_seconds": round(float(outcome.solve_seconds), 3),
        "gap": float(gap) if gap is not None else math.nan,
        "assignments": kpis["assignments"],
        "scenario": str(outcome.scenario.get("name", "")),
        "scope": outcome.scope,
        "note": "",
    }


def compare(plans: Mapping[str, Outcome] | Iterable[Outcome]) -> pd.DataFrame:
    """The KPI table of ``plans``: one row per plan, columns :data:`KPI_COLUMNS`.

    ``plans`` is a mapping label → plan (labels become the index, named ``plan``) or a
    sequence of plans, labelled by their scenario's name (a repeated name gets ``#2``, ``#3``).
    A :class:`Failure` (from :func:`sweep_plans`) gives a row with its status and note and no
    figures.
    """
    labelled = _labelled(plans)
    rows = [kpi_row(outcome) for outcome in labelled.values()]
    table = pd.DataFrame(rows, index=pd.Index(list(labelled), name="plan"))
    table = table.reindex(columns=list(KPI_COLUMNS))
    for column in ("uncovered", "kept_from_previous", "cross_campus", "central_spread"):
        table[column] = table[column].astype("Int64")
    table["assignments"] = table["assignments"].astype("Int64")
    for column in [f"{k}_coverage" for k in COVERAGE_KINDS] + ["solve_seconds", "gap"]:
        table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
    for column in ("status", "scenario", "scope", "note"):
        table[column] = table[column].fillna("").astype(str)
    return table


def _labelled(plans: Mapping[str, Outcome] | Iterable[Outcome]) -> dict[str, Outcome]:
    if isinstance(plans, Mapping):
        return {str(label): outcome for label, outcome in plans.items()}
    out: dict[str, Outcome] = {}
    for outcome in plans:
        name = (
            outcome.scenario
            if isinstance(outcome, Failure)
            else str(outcome.scenario.get("name", "plan"))
        ) or "plan"
        out[unique_label(name, out)] = outcome
    return out


def unique_label(label: str, taken: Iterable[str]) -> str:
    """``label``, or ``label #2``, ``label #3``… when it is already taken."""
    used = set(taken)
    if label not in used:
        return label
    n = 2
    while f"{label} #{n}" in used:
        n += 1
    return f"{label} #{n}"


def format_kpis(table: pd.DataFrame) -> pd.DataFrame:
    """The KPI table as text for people: shares as percentages, KPIs as rows, plans as columns.

    Row labels are the bilingual :data:`KPI_LABELS`; empty cells are ``-``.
    """

    def cell(column: str, value: Any) -> str:
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            return "-"
        if column.endswith("_coverage") or column == "gap":
            return f"{float(value):.1%}"
        if column == "solve_seconds":
            return f"{float(value):.1f}"
        if isinstance(value, int | float) and not isinstance(value, bool):
            return f"{int(value):,}"
        return str(value) or "-"

    columns = [c for c in KPI_COLUMNS if c in table.columns and c != "note"]
    if "note" in table.columns and table["note"].astype(str).str.len().gt(0).any():
        columns.append("note")
    text = pd.DataFrame(
        {label: [cell(c, table.at[label, c]) for c in columns] for label in table.index},
        index=[KPI_LABELS.get(c, c) for c in columns],
    )
    text.index.name = "KPI"
    return text


def coverage_table(plans: Mapping[str, Outcome] | Iterable[Outcome]) -> pd.DataFrame:
    """Coverage by college × kind of every plan, one row each:
    ``plan, college, college_name, campus, kind, targets, covered, share``."""
    parts = []
    for label, outcome in _labelled(plans).items():
        if isinstance(outcome, Failure):
            continue
        frame = outcome.coverage.reindex(columns=COVERAGE_COLUMNS).copy()
        frame.insert(0, "plan", label)
        parts.append(frame)
    if not parts:
        return pd.DataFrame(columns=["plan", *COVERAGE_COLUMNS, "share"])
    table = pd.concat(parts, ignore_index=True)
    targets = table["targets"].astype(float)
    table["share"] = (table["covered"].astype(float) / targets).where(targets > 0).round(4)
    return table


# --------------------------------------------------------------------------------------------
# Sweeps


# --------------------------------------------------------------------------------------------
# Charts


def plot_compare(
    plans: Mapping[str, Outcome] | Iterable[Outcome],
    *,
    labels: str = "auto",
    columns: int = 3,
    fig: Figure | None = None,
) -> Figure:
    """The college × kind coverage heatmaps of several plans side by side, one panel each.

    Panels are titled with the plans' labels (see :func:`compare`) and laid out ``columns``
    to a row; failed scenarios are left out. ``fig`` is an empty figure to draw on (default:
    a new one, made without pyplot). ``labels`` as in
    :func:`planner.plot.plot_college_kind`. Returns the figure.
    """
    from planner.plot.compare import plot_plans

    shown = {k: v for k, v in _labelled(plans).items() if isinstance(v, Plan)}
    return plot_plans(shown, labels=labels, columns=columns, fig=fig)


# --------------------------------------------------------------------------------------------
# Writing


def write_comparison(
    table: pd.DataFrame,
    plans: Mapping[str, Outcome] | Iterable[Outcome],
    out: Path | str,
    *,
    labels: str = "auto",
    figure: Figure | None = None,
) -> list[Path]:
    """Write the comparison into the folder ``out`` (created if needed); return the files.

    ``kpis.csv`` (the KPI table, UTF-8 with BOM), ``kpis.xlsx`` (the KPI table with bilingual
    headers, then the coverage by college × kind of every plan), ``coverage.csv`` (that
    coverage, one row per plan × college × kind) and ``coverage_compare.png`` (the heatmaps
    side by side). Other files in ``out`` are left alone; text a spreadsheet would read as a
    formula is made inert. ``figure`` is the heatmaps already drawn by :func:`plot_compare`
    (drawn anew when not given). Raises :class:`~planner.errors.OutputError` when ``out``
    cannot be written (see :mod:`planner.report.comparison`).
    """
    from planner.report.comparison import write_comparison_files

    labelled = _labelled(plans)

    def draw() -> Figure | None:
        if figure is None and any(isinstance(v, Plan) for v in labelled.values()):
            return plot_compare(labelled, labels=labels)
        return figure

    kpis = table.reset_index()
    return write_comparison_files(kpis, coverage_table(labelled), Path(out), draw)
