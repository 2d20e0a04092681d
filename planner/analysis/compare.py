"""Comparing plans and sweeping scenarios: one KPI row per plan, side-by-side heatmaps.

Analysts ask "what happens to coverage if the campus rule is hard?" by solving several
scenarios and reading the plans side by side:

- :func:`compare` turns plans (solved in code, or read back with
  :func:`planner.api.read_plan`) into a KPI table, one row per plan (:data:`KPI_COLUMNS`).
- :func:`sweep_plans` solves several scenarios in parallel processes (at most
  :data:`MAX_PROCESSES`) with a progress bar; :func:`sweep` is ``compare(sweep_plans(...))``.
  A scenario whose hard rules cannot all hold is a result too: its row says ``INFEASIBLE``
  and why, in the ``note`` column.
- :func:`vary` builds the scenarios of a one-knob sweep; :func:`plot_tradeoff` draws two KPIs
  against each other; :func:`plot_compare` draws the college × kind heatmaps side by side.
- :func:`write_comparison` writes ``kpis.csv``, ``kpis.xlsx``, ``coverage.csv`` and
  ``coverage_compare.png`` (what ``planner compare PLAN_DIR... --out DIR`` writes).

Every plan a sweep returns has passed the independent checker (:mod:`planner.check.checker`).
"""

from __future__ import annotations

import math
import multiprocessing
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from planner.errors import InfeasibleError, NoPlanInTimeError, OutputError, UsageError
from planner.plan import COVERAGE_COLUMNS, KPI_COLUMNS, KPI_LABELS, Plan
from planner.scenario import Scenario, scenario_from_dict

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from planner.dataset import Dataset

MAX_PROCESSES = 2
"""Most solver processes a sweep runs at once (each solve uses the scenario's solver threads,
one by default; two processes keep a two-core laptop busy without thrashing)."""

COVERAGE_KINDS: tuple[str, ...] = ("class", "branch", "society", "dorm")
"""Kinds whose coverage share is a KPI column, in the order the table shows them."""

KPI_CSV = "kpis.csv"
KPI_XLSX = "kpis.xlsx"
COVERAGE_CSV = "coverage.csv"
COMPARE_PNG = "coverage_compare.png"


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


def vary(
    key: str,
    values: Iterable[Any],
    base: Scenario | None = None,
    *,
    label: Callable[[Any], str] | None = None,
) -> dict[str, Scenario]:
    """Scenarios for a one-knob sweep: ``base`` with ``key`` set to each of ``values``.

    ``key`` is a scenario key, dotted for a nested one (``campus``, ``weights.campus``,
    ``kinds.class.coverage``, ``duties.school_leader``). Labels are ``key=value`` unless
    ``label(value)`` gives them. Raises :class:`~planner.errors.UsageError` for a value the
    scenario format does not accept.
    """
    base = base or Scenario()
    out: dict[str, Scenario] = {}
    for value in values:
        name = label(value) if label else f"{key}={_show(value)}"
        out[unique_label(name, out)] = change_scenario(base, {key: value})
    return out


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def change_scenario(scenario: Scenario, changes: Mapping[str, Any]) -> Scenario:
    """A copy of ``scenario`` with ``changes`` applied, validated again.

    A plain key (``campus``) replaces that top-level key, as
    :meth:`~planner.scenario.Scenario.with_changes` does. A dotted key (``weights.campus``)
    or one with double underscores (``weights__campus``, usable as a Python keyword) sets one
    nested value and keeps its siblings: ``{"kinds.class.coverage": "hard"}`` changes only the
    class coverage rule. Errors name the key path (:class:`~planner.errors.UsageError`).
    """
    data = scenario.as_dict()
    for raw_key, value in changes.items():
        path = raw_key.replace("__", ".").split(".")
        if not all(path):
            raise UsageError(f"scenario change '{raw_key}': empty part in the key")
        node: dict[str, Any] = data
        for i, part in enumerate(path[:-1]):
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            if not isinstance(child, dict):
                where = ".".join(path[: i + 1])
                raise UsageError(
                    f"scenario change '{raw_key}': '{where}' is a single value, not a group of "
                    "keys (see scenarios/README.md)"
                )
            node = child
        node[path[-1]] = value
    return scenario_from_dict(data, source="scenario change")


def sweep_plans(
    data: Dataset,
    scenarios: Mapping[str, Scenario] | Iterable[Scenario],
    *,
    processes: int = MAX_PROCESSES,
    time_limit: float | None = None,
    deterministic: bool = True,
    progress: bool = True,
) -> dict[str, Outcome]:
    """Solve every scenario on ``data``; return label → plan (or :class:`Failure`), in order.

    Scenarios are solved in up to ``processes`` worker processes (at most
    :data:`MAX_PROCESSES`; ``1`` solves in this process) while a progress bar counts them.
    ``deterministic`` (the default) makes every solve one worker with a fixed seed, so the
    same sweep gives the same table. Each plan is re-checked by the independent checker
    before it is returned. A scenario whose hard rules cannot all hold, or that finds no plan
    within its time limit, gives a :class:`Failure` saying why; any other error is raised.
    """
    labelled = _scenario_labels(scenarios)
    if not labelled:
        return {}
    n_processes = max(1, min(int(processes), MAX_PROCESSES, len(labelled)))
    options: dict[str, Any] = {"time_limit": time_limit, "deterministic": deterministic}
    results: dict[str, Outcome] = {}
    with _ProgressBar(len(labelled), enabled=progress) as bar:
        if n_processes == 1:
            for label, scenario in labelled.items():
                results[label] = solve_outcome(data, scenario, **options)
                bar.advance(label, results[label])
        else:
            with ProcessPoolExecutor(
                max_workers=n_processes,
                mp_context=_process_context(),
                initializer=_init_worker,
                initargs=(data,),
            ) as pool:
                futures: dict[Future[Outcome], str] = {
                    pool.submit(_solve_in_worker, scenario, options): label
                    for label, scenario in labelled.items()
                }
                pending = set(futures)
                while pending:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        label = futures[future]
                        results[label] = future.result()  # a bug in a worker is raised here
                        bar.advance(label, results[label])
    return {label: results[label] for label in labelled}


def _process_context() -> multiprocessing.context.BaseContext:
    """How worker processes start: ``fork`` for a script on Linux, else ``spawn``.

    ``spawn`` re-runs a script's top level in every worker, which fails unless the script
    guards its code with ``if __name__ == "__main__":``; ``fork`` does not, so scripts work as
    written on Linux. In a notebook (no script file) ``spawn`` is used: forking a Jupyter
    kernel, whose threads may hold locks, can deadlock. On Windows and macOS scripts need the
    guard (as for any use of multiprocessing there).
    """
    main = sys.modules.get("__main__")
    is_script = bool(getattr(main, "__file__", None))
    if (
        is_script
        and sys.platform.startswith("linux")
        and "fork" in multiprocessing.get_all_start_methods()
    ):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def sweep(
    data: Dataset,
    scenarios: Mapping[str, Scenario] | Iterable[Scenario],
    *,
    processes: int = MAX_PROCESSES,
    time_limit: float | None = None,
    deterministic: bool = True,
    progress: bool = True,
) -> pd.DataFrame:
    """Solve every scenario (see :func:`sweep_plans`) and return the KPI table (:func:`compare`)."""
    plans = sweep_plans(
        data,
        scenarios,
        processes=processes,
        time_limit=time_limit,
        deterministic=deterministic,
        progress=progress,
    )
    return compare(plans)


def _scenario_labels(scenarios: Mapping[str, Scenario] | Iterable[Scenario]) -> dict[str, Scenario]:
    if isinstance(scenarios, Mapping):
        items = [(str(k), v) for k, v in scenarios.items()]
    else:
        items = [(s.name, s) for s in scenarios]
    out: dict[str, Scenario] = {}
    for label, scenario in items:
        if not isinstance(scenario, Scenario):
            raise UsageError(
                f"sweep '{label}': expected a Scenario (use api.load_scenario or "
                f"api.change_scenario), got {type(scenario).__name__}"
            )
        out[unique_label(label, out)] = scenario
    return out


def solve_outcome(
    data: Dataset,
    scenario: Scenario,
    *,
    time_limit: float | None = None,
    deterministic: bool = True,
) -> Outcome:
    """Solve one scenario and check the plan; infeasible or out of time gives a :class:`Failure`.

    Raises ``RuntimeError`` if the plan fails the independent checker (a bug in the planner).
    """
    from planner.check.checker import require_checked
    from planner.planning import make_plan

    try:
        plan = make_plan(data, scenario, time_limit=time_limit, deterministic=deterministic)
    except InfeasibleError as exc:
        return Failure("INFEASIBLE", _first_reasons(exc.reasons), scenario.name, scenario.scope)
    except NoPlanInTimeError as exc:
        return Failure("NO_PLAN_IN_TIME", str(exc), scenario.name, scenario.scope)
    require_checked(plan, data, scenario)
    return plan


NOTE_REASONS = 3
"""Reasons of an infeasibility diagnosis kept in a sweep's ``note`` (the rest are counted)."""


def _first_reasons(reasons: Sequence[str]) -> str:
    lines = [r.strip() for r in reasons if r.strip()]
    shown = " | ".join(lines[:NOTE_REASONS])
    if len(lines) > NOTE_REASONS:
        shown += f" | … and {len(lines) - NOTE_REASONS} more"
    return shown


_WORKER_DATA: Dataset | None = None


def _init_worker(data: Dataset) -> None:
    """Runs once per worker process: keep the data set (sent once, not once per scenario)."""
    global _WORKER_DATA
    _WORKER_DATA = data


def _solve_in_worker(scenario: Scenario, options: dict[str, Any]) -> Outcome:
    if _WORKER_DATA is None:  # pragma: no cover - the initializer always runs first
        raise RuntimeError("sweep worker started without its data set")
    return solve_outcome(_WORKER_DATA, scenario, **options)


class _ProgressBar:
    """A rich progress bar over the scenarios of a sweep, with one line per finished one.

    In a Jupyter notebook without ``ipywidgets`` rich cannot redraw a bar in place (its
    terminal codes would fill the cell with copies); there each finished scenario prints one
    plain line ``[3/6] label: optimal in 1.2 s`` instead.
    """

    def __init__(self, total: int, *, enabled: bool) -> None:
        self.total = total
        self.enabled = enabled
        self.done = 0
        self._plain = False
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> _ProgressBar:
        if not self.enabled:
            return self
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        console = Console(stderr=True)
        if console.is_jupyter and not _has_ipywidgets():
            self._plain = True
            return self
        self._progress = Progress(
            TextColumn("[bold]sweep[/bold]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("scenarios"),
            TimeElapsedColumn(),
            console=console,
        )
        self._progress.start()
        self._task = self._progress.add_task("sweep", total=self.total)
        return self

    def advance(self, label: str, outcome: Outcome) -> None:
        """Count one finished scenario and say how it ended."""
        self.done += 1
        if isinstance(outcome, Failure):
            words = outcome.status.lower().replace("_", " ")
        else:
            words = f"{outcome.status.lower()} in {outcome.solve_seconds:.1f} s"
        if self._plain:
            print(f"[{self.done}/{self.total}] {label}: {words}", flush=True)
        elif self._progress is not None:
            self._progress.console.print(f"  {label}: {words}", markup=False, highlight=False)
            self._progress.advance(self._task)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def _has_ipywidgets() -> bool:
    import importlib.util

    return importlib.util.find_spec("ipywidgets") is not None


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
    cannot be written.
    """
    from planner.report.write import describe_os_error, write_csv

    out = Path(out)
    labelled = _labelled(plans)
    coverage = coverage_table(labelled)
    kpis = table.reset_index()
    written: list[Path] = []
    try:
        if out.exists() and not out.is_dir():
            raise OutputError(f"{out} is a file, not a folder; choose another --out")
        out.mkdir(parents=True, exist_ok=True)
        written.append(_atomic(out / KPI_CSV, lambda p: write_csv(kpis, p, ["plan"])))
        first = ["plan", *COVERAGE_COLUMNS]
        written.append(_atomic(out / COVERAGE_CSV, lambda p: write_csv(coverage, p, first)))
        written.append(_atomic(out / KPI_XLSX, lambda p: _write_workbook(kpis, coverage, p)))
        if figure is None and any(isinstance(v, Plan) for v in labelled.values()):
            figure = plot_compare(labelled, labels=labels)
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
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    from planner.io.cells import is_formula_like

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
