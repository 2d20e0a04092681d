"""The ``planner`` command line.

Every command turns a :class:`~planner.errors.PlannerError` into a plain message on stderr and
its exit code; any other exception is a bug and is reported as such, without a traceback unless
``PLANNER_DEBUG=1``.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from planner.errors import InfeasibleError, InputError, PlannerError

if TYPE_CHECKING:  # pandas and the rest load inside the commands: `planner --help` is quick
    from planner.dataset import Dataset
    from planner.helper import Helper
    from planner.plan import Plan

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_DATA = "data/demo"


def _echo_err(message: str) -> None:
    click.echo(message, err=True)


def handle_errors(func: F) -> F:
    """Run a command, turning planner errors into messages and exit codes."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            n = len(exc.problems)
            _echo_err(f"The input has {n} problem{'s' if n != 1 else ''}; nothing was written.")
            for problem in exc.problems:
                _echo_err(str(problem))
            sys.exit(exc.exit_code)
        except InfeasibleError as exc:
            _echo_err("No plan can satisfy every hard rule; nothing was written.")
            for reason in exc.reasons:
                _echo_err(f"- {reason}")
            sys.exit(exc.exit_code)
        except PlannerError as exc:
            _echo_err(f"error: {exc}")
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            _echo_err("Interrupted; nothing was written.")
            sys.exit(130)
        except BrokenPipeError:
            # The reader went away (e.g. `planner validate | head`): nothing to report.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except Exception as exc:  # a traceback is a bug: say so plainly
            if os.environ.get("PLANNER_DEBUG"):
                raise
            _echo_err(
                f"internal error (this is a bug in planner, please report it): "
                f"{type(exc).__name__}: {exc}"
            )
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def default_data() -> str:
    """The demo data set: ``data/demo`` in the working folder, else the shipped copy."""
    if Path(DEFAULT_DATA).exists():
        return DEFAULT_DATA
    shipped = Path(__file__).resolve().parent.parent / DEFAULT_DATA
    return str(shipped)


WARNINGS_SHOWN = 3
"""Warnings of one kind shown in full before the rest are counted (SAO staff read them)."""


def _print_warnings(warnings: list[str]) -> None:
    """Warnings on stderr, grouped: the first few of each kind, then a count of the rest."""
    import re

    groups: dict[str, list[str]] = {}
    for warning in warnings:
        # Same message but for quoted values and row numbers = same kind of warning.
        shape = re.sub(r"'[^']*'|:\d+:|\d+", "#", warning)
        groups.setdefault(shape, []).append(warning)
    for items in groups.values():
        for warning in items[:WARNINGS_SHOWN]:
            _echo_err(f"warning: {warning}")
        if len(items) > WARNINGS_SHOWN:
            _echo_err(f"warning: ... and {len(items) - WARNINGS_SHOWN} more like the above")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="planner")
def cli() -> None:
    """Plan which cadre keeps in touch with which class, dorm, society or party branch."""


@cli.command()
@click.option("--data", "data_path", default=None, help="Data folder or workbook [data/demo].")
@handle_errors
def validate(data_path: str | None) -> None:
    """Read and check a data set; print a summary (exit 0) or every problem (exit 2)."""
    from planner.readers import read_dataset
    from planner.summary import summarize

    dataset = read_dataset(Path(data_path or default_data()))
    _print_warnings(dataset.warnings)
    click.echo(summarize(dataset))


@cli.command()
@click.option(
    "--preset",
    type=click.Choice(["demo", "university", "large"]),
    default="demo",
    show_default=True,
)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--scale", type=float, default=1.0, show_default=True, help="Size multiplier.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "csv-gb18030", "xlsx", "workbook"]),
    default="csv",
    show_default=True,
)
@click.option("--headers", type=click.Choice(["en", "zh"]), default="en", show_default=True)
@handle_errors
def generate(preset: str, seed: int, scale: float, out_dir: str, fmt: str, headers: str) -> None:
    """Write a realistic synthetic data set (Chinese names, colleges, campuses)."""
    from planner.generate import generate_tables, write_tables

    tables = generate_tables(preset, seed=seed, scale=scale)
    written = write_tables(tables, Path(out_dir), fmt=fmt, headers=headers)
    counts = ", ".join(f"{name} {len(frame)}" for name, frame in tables.items())
    click.echo(f"Wrote {len(written)} file(s) to {out_dir}: {counts}")


DEFAULT_SCENARIO = "scenarios/default.yaml"


def default_scenario() -> Path:
    """``scenarios/default.yaml`` in the working folder, else the shipped copy."""
    here = Path(DEFAULT_SCENARIO)
    if here.exists():
        return here
    return Path(__file__).resolve().parent.parent / DEFAULT_SCENARIO


def _summary_lines(plan: Plan) -> list[str]:
    """A few lines an SAO officer reads after a plan is written."""
    kpis = plan.kpis()
    lines = [f"Status: {plan.status} (solved in {plan.solve_seconds:.1f} s, gap {plan.gap:.2%})"]
    for kind in ("class", "branch", "society", "dorm"):
        total = kpis[f"{kind}_targets"]
        if total:
            lines.append(
                f"  {kind:<8} {kpis[f'{kind}_covered']:>6,} of {total:>6,} hold a cadre "
                f"({kpis[f'{kind}_covered'] / total:.1%})"
            )
    lines.append(f"  kept from last semester: {kpis['kept_from_previous']:,}")
    lines.append(f"  contacts on another campus: {kpis['cross_campus']:,}")
    lines.append(f"  uncovered classes, branches and societies: {kpis['uncovered']:,}")
    return lines


@cli.command()
@click.option("--data", "data_path", default=None, help="Data folder or workbook [data/demo].")
@click.option("--scenario", "scenario_path", default=None, help="Scenario YAML [default].")
@click.option("--out", "out_dir", default=None, help="Plan folder [out/<scenario name>].")
@click.option("--scope", default=None, help="university, central or college=ID.")
@click.option("--time-limit", type=float, default=None, help="Seconds for the whole solve.")
@click.option("--seed", type=int, default=None, help="Random seed of the solver.")
@click.option("--workers", type=int, default=None, help="Solver threads [scenario, 2].")
@click.option("--deterministic", is_flag=True, help="Same input, same plan (one worker).")
@click.option("--quiet", is_flag=True, help="No progress on stderr.")
@click.option(
    "--held",
    "held_dir",
    default=None,
    help="Approved central plan folder: its targets are left out (with --scope college=ID).",
)
@click.option(
    "--previous",
    "previous_path",
    default=None,
    help="Approved plan folder (or a previous table) to continue from, instead of the data's.",
)
@click.option(
    "--require",
    "requires",
    multiple=True,
    metavar="CADRE:KIND:TARGET",
    help="Pin: this cadre must hold this target (repeatable).",
)
@click.option(
    "--forbid",
    "forbids",
    multiple=True,
    metavar="CADRE:KIND:TARGET",
    help="Pin: this cadre must not hold this target (repeatable).",
)
@handle_errors
def plan(
    data_path: str | None,
    scenario_path: str | None,
    out_dir: str | None,
    scope: str | None,
    time_limit: float | None,
    seed: int | None,
    workers: int | None,
    deterministic: bool,
    quiet: bool,
    held_dir: str | None,
    previous_path: str | None,
    requires: tuple[str, ...],
    forbids: tuple[str, ...],
) -> None:
    """Plan who contacts which target and write the plan folder."""
    import pandas  # noqa: F401 - loaded before the helper is forked, so both share it

    from planner.helper import Helper
    from planner.render import warm_up

    # The helper uses the second core (see planner.render): it reads the data while this
    # process imports the rest, then loads openpyxl and makes the workbook and heatmaps while
    # this process checks the plan and writes the CSV files. Leaving the block ends it.
    helper = Helper.start()
    with helper if helper is not None else contextlib.nullcontext():
        from planner.readers import read_dataset

        data = Path(data_path or default_data())
        reading = helper is not None and helper.submit(read_dataset, data, then=warm_up)

        from planner.check import check_assignments
        from planner.planning import make_plan
        from planner.render import Rendering
        from planner.scenario import load_scenario
        from planner.solve import stderr_progress
        from planner.workflow import plan_inputs
        from planner.write import check_destination, write_plan

        scenario = load_scenario(Path(scenario_path) if scenario_path else default_scenario())
        if scope:
            scenario = scenario.with_changes(scope=scope)
        out = Path(out_dir or f"out/{scenario.name}")
        check_destination(out)  # an approved plan is never overwritten: say so before solving
        dataset = _read_in(helper, data) if helper and reading else read_dataset(data)
        inputs = plan_inputs(
            dataset,
            scenario,
            held=Path(held_dir) if held_dir else None,
            previous=Path(previous_path) if previous_path else None,
            require=requires,
            forbid=forbids,
        )
        dataset = inputs.dataset
        _print_warnings(dataset.warnings)
        for note in inputs.notes:
            click.echo(note)
        progress = None if quiet else stderr_progress
        result = make_plan(
            dataset,
            scenario,
            held=inputs.held,
            time_limit=time_limit,
            seed=seed,
            workers=workers,
            deterministic=deterministic,
            progress=progress,
        )
        targets = dataset.targets()
        rendering = Rendering(result, targets, helper)  # files made while the plan is checked
        report = check_assignments(
            dataset,
            scenario,
            result.assignments,
            held=inputs.held,
            claimed_terms={name: term.value for name, term in result.terms.items()},
        )
        if not report.ok:  # never write a plan that breaks a rule: this would be a bug
            raise RuntimeError(
                "the plan failed the independent check: " + "; ".join(report.violations)
            )
        written = write_plan(
            result, out, targets=targets, extra_json=inputs.extra_json, rendering=rendering
        )
        for line in _summary_lines(result):
            click.echo(line)
        click.echo(f"Wrote {len(written)} files to {out}/")


def _read_in(helper: Helper, data: Path) -> Dataset:
    """The data set the helper process read; read here if it failed or was lost.

    Reading is deterministic, so a failure there (bad input, say) is read again here, which
    raises the same error with its full report in this process.
    """
    from planner.readers import read_dataset

    try:
        dataset: Dataset = helper.result()
        return dataset
    except Exception:
        return read_dataset(data)


@cli.command()
@click.option("--data", "data_path", default=None, help="Data folder or workbook [data/demo].")
@click.argument("plan_dir", type=click.Path(exists=True, file_okay=False))
@handle_errors
def check(data_path: str | None, plan_dir: str) -> None:
    """Re-check a plan folder against the data: every hard rule and every term."""
    from planner.check import check_plan_dir
    from planner.readers import read_dataset

    dataset = read_dataset(Path(data_path or default_data()))
    report = check_plan_dir(dataset, Path(plan_dir))
    for name, value in report.terms.items():
        click.echo(f"  {name:<15} {value:,}")
    if not report.ok:
        for violation in report.violations:
            _echo_err(f"violation: {violation}")
        _echo_err(f"{len(report.violations)} violation(s): the plan breaks the rules.")
        sys.exit(1)
    click.echo(f"OK: {plan_dir} satisfies every hard rule; its terms match plan.json.")


# Commands defined in their own modules are registered here, one line each.
# (registration block: keep one `cli.add_command(...)` per line)
from planner.commands import workflow as _workflow  # noqa: E402

cli.add_command(_workflow.merge)
cli.add_command(_workflow.approve)
cli.add_command(_workflow.verify)
from planner.commands import explain as _explain  # noqa: E402

cli.add_command(_explain.explain)
from planner.commands import compare as _compare  # noqa: E402

cli.add_command(_compare.compare)
from planner.service import commands as _service  # noqa: E402

cli.add_command(_service.serve)
cli.add_command(_service.users)


def main() -> None:
    """Entry point of the ``planner`` console command.

    Ends the process at once when the command is done (:func:`os._exit`, after flushing the
    output): every file is written and closed by then, and the interpreter's own clean-up
    of pandas, OR-Tools and the rest would add a third of a second to every command.
    """
    try:
        cli()
        code: int | str | None = 0
    except SystemExit as exc:
        code = exc.code
    if isinstance(code, str):  # what sys.exit("text") does: the text on stderr, status 1
        _echo_err(code)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(code if isinstance(code, int) else 0 if code is None else 1)
