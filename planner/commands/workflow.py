"""``planner merge``, ``planner approve`` and ``planner verify``: the semester workflow.

See :mod:`planner.workflow` and the README section "A semester, step by step".
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(func: F) -> F:
    """:func:`planner.cli.handle_errors`, looked up when the command runs (``planner.cli``
    imports this module to register its commands)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from planner.cli import handle_errors as handled

        return handled(func)(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def default_data() -> str:
    """The default data set (see :func:`planner.cli.default_data`)."""
    from planner.cli import default_data as default

    return default()


def _print_warnings(warnings: list[str]) -> None:
    from planner.cli import _print_warnings as print_warnings

    print_warnings(warnings)


@click.command()
@click.argument("plan_dirs", nargs=-1, required=True, type=click.Path(file_okay=False))
@click.option("--data", "data_path", default=None, help="Data folder or workbook [data/demo].")
@click.option("--out", "out_dir", required=True, help="Folder of the merged university plan.")
@handle_errors
def merge(plan_dirs: tuple[str, ...], data_path: str | None, out_dir: str) -> None:
    """Merge the central plan and every college plan into one university plan.

    PLAN_DIRS are the plan folders: the central plan (made with --scope central) and one plan
    per college (--scope college=ID). Every hard rule is checked across them; conflicts are
    listed by college (exit 2) and nothing is written.
    """
    from planner.readers import read_dataset
    from planner.workflow import MergeConflictError, merge_plans
    from planner.write import check_destination, write_plan

    out = Path(out_dir)
    check_destination(out)
    dataset = read_dataset(Path(data_path or default_data()))
    try:
        result = merge_plans(dataset, [Path(p) for p in plan_dirs])
    except MergeConflictError as exc:
        for line in exc.lines():
            click.echo(line, err=True)
        sys.exit(exc.exit_code)
    _print_warnings(result.warnings)
    written = write_plan(result.plan, out, targets=dataset.targets(), extra_json=result.extra_json)
    kpis = result.plan.kpis()
    click.echo(f"Merged {len(result.parts)} plans into one university plan:")
    for kind in ("class", "branch", "society", "dorm"):
        total = kpis[f"{kind}_targets"]
        if total:
            covered = kpis[f"{kind}_covered"]
            click.echo(
                f"  {kind:<8} {covered:>6,} of {total:>6,} hold a cadre ({covered / total:.1%})"
            )
    click.echo(f"  kept from last semester: {kpis['kept_from_previous']:,}")
    click.echo(f"  uncovered classes, branches and societies: {kpis['uncovered']:,}")
    click.echo(f"Wrote {len(written)} files to {out}/")


@click.command()
@click.argument("plan_dir", type=click.Path(file_okay=False))
@click.option("--by", "by", required=True, help="Name of the person who approves the plan.")
@click.option("--data", "data_path", default=None, help="Data folder or workbook [data/demo].")
@handle_errors
def approve(plan_dir: str, by: str, data_path: str | None) -> None:
    """Approve a plan: check it, record who and when, and freeze its files.

    The plan must pass planner check against the data. After approval no command changes the
    folder; planner verify confirms that nothing changed.
    """
    from planner.readers import read_dataset
    from planner.workflow import approve_plan

    data = Path(data_path or default_data())
    dataset = read_dataset(data)
    record = approve_plan(Path(plan_dir), by, dataset=dataset, data_label=str(data))
    click.echo(
        f"Approved {plan_dir} (scope {record['scope']}) by {record['approved_by']} on "
        f"{record['approved_at']}: {len(record['files'])} files frozen."
    )


@click.command()
@click.argument("plan_dir", type=click.Path(file_okay=False))
@handle_errors
def verify(plan_dir: str) -> None:
    """Confirm that an approved plan is unchanged since approval (exit 0), or list what
    changed (exit 1)."""
    from planner.workflow import verify_plan

    report = verify_plan(Path(plan_dir))
    if not report.ok:
        for line in report.lines():
            click.echo(f"changed: {line}" if report.approval else line, err=True)
        if report.approval is not None:
            click.echo(
                f"{plan_dir} is NOT as approved ({report.approval.get('approved_by')}, "
                f"{report.approval.get('approved_at')}).",
                err=True,
            )
        sys.exit(1)
    approval = report.approval or {}
    click.echo(
        f"OK: {plan_dir} is unchanged since it was approved by {approval.get('approved_by')} "
        f"on {approval.get('approved_at')} ({len(approval.get('files', {}))} files)."
    )
