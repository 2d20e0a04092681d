"""``planner plan`` and ``planner check``: make a plan folder, and re-check one."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from planner.cli.app import cli
from planner.cli.common import (
    coverage_lines,
    data_option,
    data_path_or_default,
    echo_err,
    handle_errors,
    plan_data,
    plan_data_option,
    print_warnings,
    progress_printer,
    scenario_file,
)
from planner.i18n import current_language, pgettext
from planner.i18n import gettext as _

if TYPE_CHECKING:  # pandas and the rest load inside the commands: `planner --help` is quick
    from planner.dataset import Dataset
    from planner.plan import Plan
    from planner.report.helper import Helper
    from planner.scenario import Scenario
    from planner.workflow.inputs import PlanInputs


def summary_lines(plan: Plan) -> list[str]:
    """A few lines an SAO officer reads after a plan is written."""
    kpis = plan.kpis()
    lines = [
        _("Status: {status} (solved in {seconds} s, gap {gap})").format(
            status=status_word(plan.status),
            seconds=f"{plan.solve_seconds:.1f}",
            gap=f"{plan.gap:.2%}",
        )
    ]
    lines += coverage_lines(kpis)
    lines.append(
        "  " + _("kept from last semester: {n}").format(n=f"{kpis['kept_from_previous']:,}")
    )
    lines.append("  " + _("contacts on another campus: {n}").format(n=f"{kpis['cross_campus']:,}"))
    lines.append(
        "  "
        + _("uncovered classes, branches and societies: {n}").format(n=f"{kpis['uncovered']:,}")
    )
    return lines


def status_word(status: str) -> str:
    """A plan's status as the office reads it: OPTIMAL (Chinese 最优), FEASIBLE, MERGED."""
    words = {
        "OPTIMAL": pgettext("status", "OPTIMAL"),
        "FEASIBLE": pgettext("status", "FEASIBLE"),
        "MERGED": pgettext("status", "MERGED"),
    }
    return words.get(status, status)


@cli.command()
@data_option
@click.option(
    "--scenario",
    "scenario_path",
    default=None,
    help="Scenario YAML, or a shipped one: default, strict-campus, full-engagement [default].",
)
@click.option("--out", "out_dir", default=None, help="Plan folder [out/<scenario name>].")
@click.option("--scope", default=None, help="university, central or college=ID.")
@click.option("--time-limit", type=float, default=None, help="Seconds for the whole solve.")
@click.option("--seed", type=int, default=None, help="Random seed of the solver.")
@click.option("--workers", type=int, default=None, help="Solver threads [scenario, 2].")
@click.option("--deterministic", is_flag=True, help="Same input, same plan (one worker).")
@click.option("--quiet", is_flag=True, help="Only errors: no progress, warnings, notes or summary.")
@click.option(
    "--held",
    "held_dir",
    default=None,
    help="Approved proposal: re-plan one part (--scope central or college=ID) against it.",
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

    from planner.report.helper import Helper
    from planner.report.render import warm_up

    # The helper uses the second core (see planner.report.render): it reads the data while this
    # process imports the rest, then loads openpyxl and makes the workbook and heatmaps while
    # this process checks the plan and writes the CSV files. Leaving the block ends it.
    helper = Helper.start()
    with contextlib.ExitStack() as stack:
        if helper is not None:
            stack.enter_context(helper)
        from planner.io.readers import read_dataset
        from planner.report.write import out_lock

        data = _data_path(data_path, held_dir)
        reading = helper is not None and helper.submit(read_dataset, data, then=warm_up)

        from planner.planning import make_plan
        from planner.report.write import check_destination
        from planner.scenario import load_scenario
        from planner.workflow.inputs import plan_inputs
        from planner.workflow.provenance import DATA_KEY, data_record
        from planner.workflow.scopes import resolve_scope

        scenario = load_scenario(scenario_file(scenario_path))
        if out_dir:  # one run at a time into a folder; an approved plan is never overwritten
            stack.enter_context(out_lock(Path(out_dir)))
            check_destination(Path(out_dir))
        dataset = _read_in(helper, data) if helper and reading else read_dataset(data)
        scenario = scenario.with_changes(scope=resolve_scope(dataset, scope or scenario.scope))
        inputs = plan_inputs(
            dataset,
            scenario,
            held=Path(held_dir) if held_dir else None,
            previous=Path(previous_path) if previous_path else None,
            require=requires,
            forbid=forbids,
            scenario_given=scenario_path is not None,
            data=data,
        )
        inputs.extra_json[DATA_KEY] = data_record(data)
        scenario = inputs.scenario
        out = Path(out_dir or f"out/{scenario.name}")
        if not out_dir:
            stack.enter_context(out_lock(out))
        check_destination(out)  # said before solving
        if not quiet:
            print_warnings(inputs.dataset.warnings)
            for note in inputs.notes:
                click.echo(note)
        result = make_plan(
            inputs.dataset,
            scenario,
            held=inputs.held,
            time_limit=time_limit,
            seed=seed,
            workers=workers,
            deterministic=deterministic,
            progress=None if quiet else progress_printer(),
        )
        _check_and_write(result, inputs, scenario, out, helper, quiet)


def _check_and_write(
    result: Plan,
    inputs: PlanInputs,
    scenario: Scenario,
    out: Path,
    helper: Helper | None,
    quiet: bool,
) -> None:
    """Check the plan (never write one that breaks a rule: that would be a bug), write it, and
    say what it holds (unless ``quiet``); the helper makes the workbook and the heatmaps
    meanwhile."""
    from planner.check.checker import require_checked
    from planner.report.render import Rendering
    from planner.report.write import write_plan

    targets = inputs.dataset.targets()
    rendering = Rendering(result, targets, helper)  # files made while the plan is checked
    require_checked(result, inputs.dataset, scenario)
    written = write_plan(
        result, out, targets=targets, extra_json=inputs.extra_json, rendering=rendering
    )
    if quiet:
        return
    for line in summary_lines(result):
        click.echo(line)
    click.echo(_("Wrote {n} files to {folder}").format(n=len(written), folder=f"{out}/"))


def _data_path(data_path: str | None, held_dir: str | None) -> Path:
    """``--data``; else, re-planning a part, the data the proposal was made from; else the
    default (:func:`~planner.cli.common.default_data`)."""
    if data_path:
        return Path(data_path)
    if held_dir:
        from planner.io.plan_folder import PLAN_JSON, read_plan_json
        from planner.workflow.provenance import data_path_of

        meta = read_plan_json(Path(held_dir) / PLAN_JSON, [])
        if meta is not None:
            return data_path_of(Path(held_dir), meta)
    return data_path_or_default(data_path)


def _read_in(helper: Helper, data: Path) -> Dataset:
    """The data set the helper process read; read here if it failed or was lost.

    Reading is deterministic, so a failure there (bad input, say) is read again here, which
    raises the same error with its full report in this process.
    """
    from planner.io.readers import read_dataset

    try:
        dataset: Dataset = helper.result()
        return dataset
    except Exception:
        return read_dataset(data)


@cli.command()
@plan_data_option
@click.argument("plan_dir", type=click.Path(exists=True, file_okay=False))
@handle_errors
def check(data_path: str | None, plan_dir: str) -> None:
    """Re-check a plan folder against the data: every hard rule and every term."""
    from planner.check.checker import check_plan_dir
    from planner.policy import term_name

    dataset, _data = plan_data(data_path, plan_dir)
    report = check_plan_dir(dataset, Path(plan_dir))
    chinese = current_language() == "zh"
    for name, value in report.terms.items():
        if chinese:  # the rule's name, the key plan.json uses in brackets
            click.echo(f"  {term_name(name)}（{name}）：{value:,}")
        else:
            click.echo(f"  {name:<15} {value:,}")
    if not report.ok:
        for violation in report.violations:
            echo_err(_("violation: {message}").format(message=violation))
        echo_err(_("{n} violation(s): the plan breaks the rules.").format(n=len(report.violations)))
        sys.exit(1)
    click.echo(
        _("OK: {folder} satisfies every hard rule; its terms match plan.json.").format(
            folder=plan_dir
        )
    )
