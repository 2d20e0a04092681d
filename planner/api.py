"""The Python API for notebooks and scripts: load, change, solve, read back, compare, plot.

The command line and the notebooks in ``notebooks/`` use the same functions::

    from planner import api

    data = api.load_data()                            # the shipped demo data (data/demo)
    plan = api.solve(data, "default")                 # a checked Plan
    plan.kpis()                                       # coverage, kept, cross-campus, ...
    plan.assignments, plan.uncovered, plan.coverage   # pandas DataFrames
    api.plot_coverage(plan)                           # a matplotlib Figure (ax=None)
    api.write_plan(plan, api.out_dir("try"), data)    # the plan folder, as `planner plan`

    hard = api.solve(data, "default", campus="hard")  # change a rule for one solve
    table = api.sweep(data, api.vary("weights.campus", [0, 1000, 3000],
                                     base=api.load_scenario(priorities="weighted")))
    api.plot_tradeoff(table, "cross_campus", "kept_from_previous")

Scenario changes
    A plain key replaces that top-level scenario key (``campus="hard"``,
    ``school_leader_spread=2``). A dotted key, or the same with double underscores so that it
    can be a Python keyword, sets one nested value and keeps its siblings:
    ``{"kinds.class.coverage": "hard"}`` or ``kinds__class__coverage="hard"``. The keys are
    those of ``scenarios/README.md``; a wrong key or value raises
    :class:`~planner.errors.UsageError` naming its path.

Paths
    The demo data and the shipped scenarios are found next to the package (not in the working
    folder: notebooks run from ``notebooks/``). :func:`out_dir` is where notebooks write plan
    folders: ``out/`` of the project, or the folder named by the ``PLANNER_OUT`` environment
    variable.

Errors are :class:`~planner.errors.PlannerError` subclasses with messages in plain words
(bad input, hard rules that cannot all hold, no plan in time). Every plan :func:`solve`
returns has passed the independent checker (:mod:`planner.check.checker`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.analysis.compare import (
    Failure,
    compare,
    coverage_table,
    format_kpis,
    plot_compare,
    write_comparison,
)
from planner.analysis.sweep import sweep, sweep_plans, vary
from planner.check import checker
from planner.check.checker import CheckReport
from planner.dataset import Dataset, targets_in_scope
from planner.errors import UsageError
from planner.explain.capacity import college_capacity
from planner.io.plan_folder import read_plan
from planner.io.readers import read_dataset
from planner.plan import KPI_COLUMNS, KPI_LABELS, Plan
from planner.plot.tradeoff import plot_tradeoff
from planner.scenario import Scenario, change_scenario
from planner.scenario import load_scenario as _load_scenario_file

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "DEMO_DATA",
    "KPI_COLUMNS",
    "KPI_LABELS",
    "PROJECT_ROOT",
    "SCENARIOS",
    "SCENARIO_DIR",
    "Failure",
    "Plan",
    "Scenario",
    "change_scenario",
    "check_plan",
    "college_capacity",
    "compare",
    "coverage_table",
    "format_kpis",
    "load_data",
    "load_scenario",
    "out_dir",
    "plot_campus_coverage",
    "plot_compare",
    "plot_coverage",
    "plot_dorm_coverage",
    "plot_tradeoff",
    "read_plan",
    "solve",
    "sweep",
    "sweep_plans",
    "vary",
    "write_comparison",
    "write_plan",
]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The project folder holding the package, ``data/`` and ``scenarios/``."""

DEMO_DATA = PROJECT_ROOT / "data" / "demo"
"""The shipped demo data set (6 colleges on 2 campuses, 400 cadres)."""

SCENARIO_DIR = PROJECT_ROOT / "scenarios"
"""The shipped scenarios."""

SCENARIOS: tuple[str, ...] = ("default", "strict-campus", "full-engagement")
"""Names :func:`load_scenario` accepts besides a path (files ``scenarios/NAME.yaml``)."""

OUT_ENV = "PLANNER_OUT"
"""Environment variable naming the folder :func:`out_dir` puts plan folders in."""


# --------------------------------------------------------------------------------------------
# Loading


def load_data(path: str | Path | None = None) -> Dataset:
    """Read and validate a data set: a folder of tables or one ``.xlsx`` workbook.

    Without ``path``, the shipped demo data (:data:`DEMO_DATA`), wherever the notebook runs.
    Raises :class:`~planner.errors.InputError` listing every problem (file, row, column).
    """
    if path is None:
        if not DEMO_DATA.is_dir():
            raise UsageError(
                f"the demo data is not at {DEMO_DATA}; write it with "
                "`planner generate --preset demo --out data/demo`, or give the path of your data"
            )
        path = DEMO_DATA
    return read_dataset(Path(path))


def load_scenario(name_or_path: str | Path | Scenario = "default", /, **changes: Any) -> Scenario:
    """A scenario by shipped name (:data:`SCENARIOS`) or YAML path, with ``changes`` applied.

    ``load_scenario()`` is the default policy; ``load_scenario("strict-campus")`` a shipped
    one; ``load_scenario("my.yaml", campus="hard")`` a file with one rule changed (see the
    module docstring for ``changes``). A :class:`Scenario` is accepted too and copied with the
    changes. Raises :class:`~planner.errors.UsageError` for an unknown name, a missing file or
    an invalid key or value.
    """
    if isinstance(name_or_path, Scenario):
        scenario = name_or_path
    else:
        text = str(name_or_path)
        if text in SCENARIOS:
            path = SCENARIO_DIR / f"{text}.yaml"
        elif text.endswith((".yaml", ".yml")) or os.sep in text or "/" in text:
            path = Path(text)
        else:
            raise UsageError(
                f"unknown scenario '{text}': give one of {', '.join(SCENARIOS)} or the path of "
                "a .yaml file"
            )
        scenario = _load_scenario_file(path)
    return change_scenario(scenario, changes) if changes else scenario


def out_dir(name: str) -> Path:
    """Where a notebook writes the plan folder ``name``: ``out/NAME`` of the project, or
    ``$PLANNER_OUT/NAME`` when that environment variable is set."""
    base = os.environ.get(OUT_ENV)
    return (Path(base) if base else PROJECT_ROOT / "out") / name


# --------------------------------------------------------------------------------------------
# Solving, checking, writing


def solve(
    data: Dataset | str | Path,
    scenario: Scenario | str | Path = "default",
    *,
    time_limit: float | None = None,
    seed: int | None = None,
    workers: int | None = None,
    deterministic: bool = False,
    progress: bool = False,
    held: frozenset[tuple[str, str]] = frozenset(),
    **changes: Any,
) -> Plan:
    """Plan ``data`` under ``scenario`` (with ``changes``) and check the plan.

    ``data`` is a :class:`Dataset` or its path; ``scenario`` a :class:`Scenario`, a shipped
    name or a YAML path; ``changes`` are scenario keys (``scope="college=C03"``,
    ``campus="hard"``, ``kinds__class__coverage="hard"``; see the module docstring).
    ``time_limit``, ``seed`` and ``workers`` override the scenario's solver settings;
    ``deterministic`` gives the same plan for the same input; ``progress`` prints the solver's
    progress on stderr; ``held`` lists ``(kind, target_id)`` the plan leaves alone (held by
    cadres outside its scope; to re-plan a part against a proposal, see
    :func:`planner.workflow.parts.replan_part`). A college scope may name the college by its
    id in any letter case or by its name; an unknown college raises
    :class:`~planner.errors.UsageError` naming the known ones.

    Raises :class:`~planner.errors.InfeasibleError` (with what to change) when the hard rules
    cannot all hold and :class:`~planner.errors.NoPlanInTimeError` when no plan was found in
    time. The returned plan has passed the independent checker.
    """
    from planner.planning import make_plan
    from planner.solver.solve import stderr_progress
    from planner.workflow.scopes import resolve_scope

    dataset = data if isinstance(data, Dataset) else load_data(data)
    applied = load_scenario(scenario, **changes)
    applied = applied.with_changes(scope=resolve_scope(dataset, applied.scope))
    plan = make_plan(
        dataset,
        applied,
        held=frozenset(held),
        time_limit=time_limit,
        seed=seed,
        workers=workers,
        deterministic=deterministic,
        progress=stderr_progress if progress else None,
    )
    checker.require_checked(plan, dataset, applied)
    return plan


def check_plan(plan: Plan, data: Dataset) -> CheckReport:
    """Re-check ``plan`` against ``data`` with the independent checker.

    The scenario, the scope and the held targets are the plan's own; the report's ``ok`` is
    true when every hard rule holds and every term the plan claims is recomputed exactly.
    """
    return checker.check_plan(plan, data)


def write_plan(plan: Plan, out: str | Path, data: Dataset | None = None) -> list[Path]:
    """Write the plan folder ``out`` as ``planner plan`` does; return the files written.

    With ``data`` the campus and dorm heatmaps are written too. A previous plan in ``out`` is
    replaced; an approved plan, or a folder holding other files, is never touched
    (:class:`~planner.errors.OutputError`).
    """
    from planner.report.write import write_plan as _write_plan

    return _write_plan(plan, Path(out), targets=data.targets() if data is not None else None)


# --------------------------------------------------------------------------------------------
# Charts of one plan (each returns the figure it drew on; ``ax=None`` makes a new one)


def plot_coverage(plan: Plan, ax: Axes | None = None, *, labels: str = "auto") -> Figure:
    """Heatmap of coverage by college × kind (``coverage_college_kind.png``).

    ``labels``: ``auto`` (Chinese names when a CJK font is installed), ``names`` or ``codes``.
    """
    from planner.plot import plot_college_kind

    return plot_college_kind(plan.coverage, ax=ax, labels=labels)


def plot_campus_coverage(
    plan: Plan, data: Dataset, ax: Axes | None = None, *, labels: str = "auto"
) -> Figure:
    """Heatmap of coverage by campus × kind (``coverage_campus_kind.png``), in the plan's scope."""
    from planner.plot import campus_kind_coverage, plot_campus_kind

    targets = targets_in_scope(data.targets(), plan.scope, plan.held)
    table = campus_kind_coverage(plan.assignments, targets, plan.uncovered)
    return plot_campus_kind(table, ax=ax, labels=labels)


def plot_dorm_coverage(
    plan: Plan, data: Dataset, ax: Axes | None = None, *, labels: str = "auto"
) -> Figure:
    """Heatmap of dorm rooms holding a cadre by campus × entry year, in the plan's scope."""
    from planner.plot import dorm_campus_grade_coverage, plot_dorm_campus_grade

    targets = targets_in_scope(data.targets(), plan.scope, plan.held)
    table = dorm_campus_grade_coverage(plan.assignments, targets)
    return plot_dorm_campus_grade(table, ax=ax, labels=labels)
