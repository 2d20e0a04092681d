"""Scenario sweeps: several scenarios solved on one data set, in parallel processes, with a
progress bar; the plans (or why a scenario has none) become a KPI table
(:func:`planner.analysis.compare.compare`).

Every plan a sweep returns has passed the independent checker (:mod:`planner.check`).
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import TYPE_CHECKING, Any

import pandas as pd

from planner.analysis.compare import Failure, Outcome, compare, unique_label
from planner.errors import InfeasibleError, NoPlanInTimeError, UsageError
from planner.scenario import Scenario, change_scenario

if TYPE_CHECKING:
    from planner.dataset import Dataset

MAX_PROCESSES = 2
"""Most solver processes a sweep runs at once (each solve uses the scenario's solver threads,
one by default; two processes keep a two-core laptop busy without thrashing)."""


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
